import Foundation
import XCTest

/// A flow whose initiator neither flags nor ports tell (UDP between two ports of one rank) takes the
/// direction of its first record. The first record is the one that started first: exporters list a
/// datagram's records in their own order, often the responder's first, and collect used to take the one
/// listed first, missing an Internet host's flow into the town hall and alerting on an allowed one.
extension CollectTests {
    /// An IPFIX UDP record with start and end in ms, packets and bytes.
    static func udpRecord(_ src: UInt64, _ dst: UInt64, start: UInt64) -> [UInt8] {
        let values: [(UInt64, Int)] = [
            (src, 4), (dst, 4), (3478, 2), (3478, 2), (17, 1), (0, 1), (1, 8), (100, 8), (start, 8), (start + 20, 8),
        ]
        return be(values)
    }

    func testADatagramsRecordsAreJudgedInTheOrderTheirFlowsStarted() throws {
        let fields: [(UInt64, UInt64)] = [
            (8, 4), (12, 4), (7, 2), (11, 2), (4, 1), (6, 1), (2, 8), (1, 8), (152, 8), (153, 8),
        ]
        var specifiers: [(UInt64, Int)] = [(256, 2), (UInt64(fields.count), 2)]
        for (id, length) in fields { specifiers += [(id, 2), (length, 2)] }
        let template = Self.exportSet(2, Self.be(specifiers))
        let t = Self.farT0ms
        // A: 198.51.100.5 (external) starts to 10.30.1.1 (Internet zone), a bypass of the security cloud;
        // B: 10.30.1.2 starts to 198.51.100.6, allowed by the exception web-conference (udp/3478-3481).
        // Each reply is listed first and starts 10 ms later.
        let a: UInt64 = 0xc633_6405
        let b: UInt64 = 0x0a1e_0101
        let c: UInt64 = 0x0a1e_0102
        let d: UInt64 = 0xc633_6406
        var records: [UInt8] = Self.udpRecord(b, a, start: t + 10)
        records += Self.udpRecord(a, b, start: t)
        records += Self.udpRecord(d, c, start: t + 10)
        records += Self.udpRecord(c, d, start: t)
        let message = Self.ipfixMessage(exportTime: Self.farT0, sequence: 0, template, Self.exportSet(256, records))
        let run = try collect(extra: []) { try Self.send([message], to: $0.port) }
        XCTAssertEqual(run.alerts.count, 1, "\(run.alerts)")
        let alert = run.alerts.first
        XCTAssertEqual(alert?["rule"] as? String, "security-cloud-bypass")
        XCTAssertEqual(alert?["src_ip"] as? String, "198.51.100.5")
        XCTAssertEqual(alert?["dest_ip"] as? String, "10.30.1.1")
        XCTAssertEqual(JSONLines.int(run.summary["flows"]), 2)
    }
}
