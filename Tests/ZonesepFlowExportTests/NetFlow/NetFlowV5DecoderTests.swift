import XCTest
import ZonesepCore
import ZonesepFlowExport

final class NetFlowV5DecoderTests: XCTestCase {
    static func packet(
        count: UInt16 = 2, records: Int? = nil, sequence: UInt32 = 0, sampling: UInt16 = 0,
        engine: (UInt8, UInt8) = (1, 2)
    ) -> [UInt8] {
        Bytes { b in
            b.u16(5)
            b.u16(count)
            b.u32(100_000)  // uptime
            b.u32(1_781_481_600)
            b.u32(250_000_000)  // + 250 ms
            b.u32(sequence)
            b.u8(engine.0)
            b.u8(engine.1)
            b.u16(sampling)
            for i in 0..<(records ?? Int(count)) {
                b.v4("10.20.3.4")
                b.v4(i == 0 ? "10.30.7.8" : "10.30.1.5")
                b.v4("0.0.0.0")  // next hop
                b.u16(1)
                b.u16(2)
                b.u32(3)  // packets
                b.u32(238)
                b.u32(99_000)  // first: 1 s before the export
                b.u32(99_500)
                b.u16(i == 0 ? 51512 : 0)
                b.u16(i == 0 ? 445 : 0x0303)  // ICMP port unreachable in the second
                b.u8(0)
                b.u8(i == 0 ? 0x1a : 0)
                b.u8(i == 0 ? 6 : 1)
                b.u8(0)
                b.raw([UInt8](repeating: 0, count: 8))
            }
        }.bytes
    }

    func testRecordsAndHeader() {
        var d = FlowExportDecoder()
        let rs = d.records(Self.packet(sampling: 0x4000 | 10))
        XCTAssertEqual(rs.count, 2)
        XCTAssertEqual(rs[0].input, .netflowV5)
        XCTAssertEqual(rs[0].observationDomain, 0x0102)
        XCTAssertEqual(rs[0].src, IPAddress("10.20.3.4"))
        XCTAssertEqual(rs[0].dst, IPAddress("10.30.7.8"))
        XCTAssertEqual(rs[0].srcPort, 51512)
        XCTAssertEqual(rs[0].dstPort, 445)
        XCTAssertEqual(rs[0].tcpFlags, 0x1a)
        XCTAssertEqual(rs[0].packets, 3)
        XCTAssertEqual(rs[0].bytes, 238)
        XCTAssertEqual(rs[0].startMicros, 1_781_481_599_250_000)
        XCTAssertEqual(rs[0].endMicros, 1_781_481_599_750_000)
        XCTAssertEqual(rs[0].samplingRate, 10)
        XCTAssertEqual(rs[1].proto, 1)
        XCTAssertTrue(rs[1].hasICMPType)
        XCTAssertEqual(rs[1].icmpType, 3)
        XCTAssertEqual(rs[1].icmpCode, 3)
        XCTAssertEqual(rs[1].dstPort, 0)
        XCTAssertEqual(d.testStats.totalFailures, 0)
    }

    func testSequenceCountsFlows() {
        var d = FlowExportDecoder()
        _ = d.records(Self.packet(sequence: 0))
        _ = d.records(Self.packet(sequence: 2))
        XCTAssertEqual(d.testStats.sequenceGaps, 0)
        _ = d.records(Self.packet(sequence: 30))
        // A gap is counted once no late datagram can fill it any more: 2 s on.
        d.settle(monotonicMicros: 2_000_000)
        XCTAssertEqual(d.testStats.sequenceGaps, 1)
        XCTAssertEqual(d.testStats.missedRecords, 26)
        _ = d.records(Self.packet(sequence: 500, engine: (1, 3)))
        XCTAssertEqual(d.testStats.sequenceGaps, 1, "another engine, another sequence")
    }

    func testCountDisagreeingWithTheDatagram() {
        var d = FlowExportDecoder()
        XCTAssertEqual(d.records(Self.packet(count: 5, records: 2)).count, 2)
        XCTAssertEqual(d.testStats.failures[.lengthMismatch], 1)
    }

    func testTruncationAtEveryOffset() {
        let full = Self.packet()
        var reference = FlowExportDecoder()
        let all = reference.records(full).map { Canonical.line($0) }
        for cut in 0..<full.count {
            var d = FlowExportDecoder()
            let rs = d.records(Array(full[..<cut]))
            XCTAssertEqual(rs.map { Canonical.line($0) }, Array(all.prefix(rs.count)), "cut at \(cut)")
            XCTAssertEqual(rs.count, max(0, cut - 24) / 48)
            XCTAssertEqual(d.testStats.totalFailures, 1, "cut at \(cut)")
        }
    }
}
