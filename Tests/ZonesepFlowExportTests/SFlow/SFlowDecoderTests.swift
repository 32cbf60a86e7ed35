import XCTest
import ZonesepCore
import ZonesepFlowExport

final class SFlowDecoderTests: XCTestCase {
    /// Ethernet, one VLAN tag, IPv4, TCP: the first 54 + 4 bytes of a frame, as a switch samples them.
    static func frame(vlan: UInt16? = 120, flags: UInt8 = 0x02, etherType: UInt16 = 0x0800) -> [UInt8] {
        Bytes { b in
            b.mac("02:00:00:30:07:08")
            b.mac("02:00:00:20:03:04")
            if let vlan {
                b.u16(0x8100)
                b.u16(vlan)
            }
            b.u16(etherType)
            b.raw([0x45, 0, 0, 40, 0, 1, 0x40, 0, 64, 6, 0, 0])
            b.v4("10.20.3.4")
            b.v4("10.30.7.8")
            b.u16(51512)
            b.u16(445)
            b.u32(1)
            b.u32(0)
            b.u8(0x50)
            b.u8(flags)
            b.u16(65535)
            b.u32(0)
        }.bytes
    }

    static func rawHeader(_ header: [UInt8], protocol p: UInt32 = 1, frameLength: UInt32 = 64) -> [UInt8] {
        Bytes { b in
            b.u32(1)
            b.u32(UInt32(16 + (header.count + 3) / 4 * 4))
            b.u32(p)
            b.u32(frameLength)
            b.u32(4)  // stripped: the FCS
            b.u32(UInt32(header.count))
            b.raw(header)
            b.raw([UInt8](repeating: 0, count: (4 - header.count % 4) % 4))
        }.bytes
    }

    static func switchRecord(vlan: UInt32) -> [UInt8] {
        Bytes { b in
            b.u32(1001)
            b.u32(16)
            b.u32(vlan)
            b.u32(0)
            b.u32(0)
            b.u32(0)
        }.bytes
    }

    static func flowSample(rate: UInt32 = 512, expanded: Bool = false, _ records: [UInt8]...) -> [UInt8] {
        var body = Bytes()
        body.u32(42)  // sample sequence
        if expanded {
            body.u32(0)
            body.u32(7)
        } else {
            body.u32(7)
        }
        body.u32(rate)
        body.u32(1000)  // pool
        body.u32(0)  // drops
        if expanded {
            body.raw([UInt8](repeating: 0, count: 16))
        } else {
            body.raw([UInt8](repeating: 0, count: 8))
        }
        body.u32(UInt32(records.count))
        for r in records { body.raw(r) }
        return Bytes { b in
            b.u32(expanded ? 3 : 1)
            b.u32(UInt32(body.bytes.count))
            b.raw(body.bytes)
        }.bytes
    }

    static let counterSample: [UInt8] = Bytes { b in
        b.u32(2)
        b.u32(8)
        b.u32(1)
        b.u32(0)
    }.bytes

    static func datagram(
        sequence: UInt32 = 1, agentV6: Bool = false, agent: String = "10.99.0.1", subAgent: UInt32 = 0,
        _ samples: [UInt8]...
    ) -> [UInt8] {
        Bytes { b in
            b.u32(5)
            if agentV6 {
                b.u32(2)
                b.v6("fd00:99::1")
            } else {
                b.u32(1)
                b.v4(agent)
            }
            b.u32(subAgent)
            b.u32(sequence)
            b.u32(123_456)
            b.u32(UInt32(samples.count))
            for s in samples { b.raw(s) }
        }.bytes
    }

    func testCompactFlowSampleThroughThePacketDecoder() {
        var d = FlowExportDecoder()
        let dg = Self.datagram(
            Self.flowSample(Self.switchRecord(vlan: 999), Self.rawHeader(Self.frame())), Self.counterSample)
        let rs = d.records(dg, receivedMicros: 1_781_481_600_123_456)
        XCTAssertEqual(rs.count, 1)
        let r = rs[0]
        XCTAssertEqual(r.input, .sflow)
        XCTAssertEqual(r.exporter, IPAddress("10.99.0.1"), "the agent address")
        XCTAssertEqual(r.src, IPAddress("10.20.3.4"))
        XCTAssertEqual(r.dst, IPAddress("10.30.7.8"))
        XCTAssertEqual(r.proto, 6)
        XCTAssertEqual(r.srcPort, 51512)
        XCTAssertEqual(r.dstPort, 445)
        XCTAssertEqual(r.tcpFlags, 0x02)
        XCTAssertEqual(r.srcMAC, MACAddress("02:00:00:20:03:04"))
        XCTAssertEqual(r.dstMAC, MACAddress("02:00:00:30:07:08"))
        XCTAssertEqual(r.vlanCount, 1)
        XCTAssertEqual(r.vlan0, 120, "the frame's own tag, not the switch record's")
        XCTAssertEqual(r.packets, 1)
        XCTAssertEqual(r.bytes, 60)
        XCTAssertEqual(r.samplingRate, 512)
        XCTAssertEqual(r.startMicros, 1_781_481_600_123_456)
        XCTAssertEqual(r.timeSource, .arrival)
        XCTAssertEqual(r.sampledPacket.outcome, .ip)
        XCTAssertEqual(d.testStats.counterSamples, 1)
        XCTAssertEqual(d.testStats.totalFailures, 0)
    }

    func testExpandedSampleIPv6AgentAndSwitchVLAN() {
        var d = FlowExportDecoder()
        let dg = Self.datagram(
            agentV6: true, subAgent: 3,
            Self.flowSample(
                rate: 2048, expanded: true, Self.rawHeader(Self.frame(vlan: nil)), Self.switchRecord(vlan: 130)))
        let r = d.records(dg).first
        XCTAssertEqual(r?.exporter, IPAddress("fd00:99::1"))
        XCTAssertEqual(r?.observationDomain, 3)
        XCTAssertEqual(r?.samplingRate, 2048)
        XCTAssertEqual(r?.vlan0, 130, "an untagged header takes the switch's input VLAN")
        XCTAssertEqual(r?.dstPort, 445)
    }

    func testRawIPv4HeaderAndIPDataRecords() {
        var d = FlowExportDecoder()
        let ipOnly = Array(Self.frame(vlan: nil)[14...])
        let ipv4Data = Bytes { b in
            b.u32(3)
            b.u32(32)
            b.u32(100)
            b.u32(17)
            b.v4("10.10.2.21")
            b.v4("10.30.1.5")
            b.u32(50514)
            b.u32(514)
            b.u32(0)
            b.u32(0)
        }.bytes
        let rs = d.records(
            Self.datagram(Self.flowSample(Self.rawHeader(ipOnly, protocol: 11)), Self.flowSample(ipv4Data)))
        XCTAssertEqual(rs.count, 2)
        XCTAssertEqual(rs[0].dstPort, 445)
        XCTAssertNil(rs[0].srcMAC)
        XCTAssertEqual(rs[1].src, IPAddress("10.10.2.21"))
        XCTAssertEqual(rs[1].dstPort, 514)
        XCTAssertEqual(rs[1].proto, 17)
    }

    /// An extended Ethernet frame data record (format 2) whose MACs are all zeros, what an agent writes where
    /// it could not fill them, gives the record no MAC, as IPFIX's MAC fields do; real MACs are taken.
    func testAnAllZeroMACInTheEthernetFrameDataIsNoMAC() {
        func ethernet(_ src: String, _ dst: String) -> [UInt8] {
            Bytes { b in
                b.u32(2)
                b.u32(24)
                b.u32(64)
                b.mac(src)
                b.u16(0)
                b.mac(dst)
                b.u16(0)
                b.u32(0x0800)
            }.bytes
        }
        var d = FlowExportDecoder()
        let ipOnly = Array(Self.frame(vlan: nil)[14...])
        let rs = d.records(
            Self.datagram(
                Self.flowSample(
                    Self.rawHeader(ipOnly, protocol: 11), ethernet("00:00:00:00:00:00", "00:00:00:00:00:00")),
                Self.flowSample(
                    Self.rawHeader(ipOnly, protocol: 11), ethernet("02:00:00:20:03:04", "02:00:00:30:07:08"))))
        XCTAssertEqual(rs.count, 2)
        XCTAssertNil(rs[0].srcMAC)
        XCTAssertNil(rs[0].dstMAC)
        XCTAssertEqual(rs[1].srcMAC?.description, "02:00:00:20:03:04")
        XCTAssertEqual(rs[1].dstMAC?.description, "02:00:00:30:07:08")
    }

    func testNotIPUnsupportedAndMalformedHeadersAreCounted() {
        var d = FlowExportDecoder()
        var malformed = Self.frame()
        malformed[18] = 0x41  // IPv4 with a 4-byte header length
        let rs = d.records(
            Self.datagram(
                Self.flowSample(Self.rawHeader(Self.frame(etherType: 0x0806))),
                Self.flowSample(Self.rawHeader(Self.frame(), protocol: 7)), Self.flowSample(Self.rawHeader(malformed))))
        XCTAssertEqual(rs.count, 0)
        XCTAssertEqual(d.testStats.sampledNotIP, 1)
        XCTAssertEqual(d.testStats.failures[.sampledHeaderUnsupported], 1)
        XCTAssertEqual(d.testStats.failures[.sampledHeaderMalformed], 1)
        var badAgent = Self.datagram(Self.counterSample)
        badAgent[7] = 9
        _ = d.records(badAgent)
        XCTAssertEqual(d.testStats.failures[.badAddressType], 1)
    }

    func testSequenceCountsDatagramsPerSubAgent() {
        var d = FlowExportDecoder()
        _ = d.records(Self.datagram(sequence: 1, Self.counterSample))
        _ = d.records(Self.datagram(sequence: 2, Self.counterSample))
        _ = d.records(Self.datagram(sequence: 6, Self.counterSample))
        _ = d.records(Self.datagram(sequence: 60, subAgent: 1, Self.counterSample))
        d.finish()  // the gap no late datagram filled is counted
        XCTAssertEqual(d.testStats.sequenceGaps, 1)
        XCTAssertEqual(d.testStats.missedDatagrams, 3)
    }

    /// A relay forwards two switches' datagrams from one address and port: sFlow v5 numbers datagrams per
    /// agent, so each agent keeps its own sequence (sharing one read every datagram as a gap or a reset),
    /// and a gap in one agent's numbers is still loss. Records name the agent, and the relay as `source`.
    func testAgentsBehindOneRelayKeepTheirOwnSequences() {
        var d = FlowExportDecoder()
        let sample = Self.flowSample(Self.rawHeader(Self.frame()))
        var records: [FlowRecord] = []
        for i: UInt32 in 1...5 {
            records += d.records(Self.datagram(sequence: 100 + i, agent: "192.0.2.9", sample))
            records += d.records(Self.datagram(sequence: 500 + i, agent: "192.0.2.10", sample))
        }
        d.finish()
        XCTAssertEqual(d.testStats.datagrams, 10)
        XCTAssertEqual(d.testStats.sequenceGaps, 0)
        XCTAssertEqual(d.testStats.missedDatagrams, 0)
        XCTAssertEqual(d.testStats.sequenceResets, 0)
        XCTAssertEqual(d.testStats.lateDatagrams, 0)
        XCTAssertEqual(records.map(\.exporter.description).prefix(2), ["192.0.2.9", "192.0.2.10"])
        XCTAssertEqual(Set(records.map(\.source)), [IPAddress(v4: 0xc000_0201)], "the relay, the stats' key")

        // 506 and 507 of the second agent are lost; the first agent goes on without a gap.
        _ = d.records(Self.datagram(sequence: 106, agent: "192.0.2.9", sample))
        _ = d.records(Self.datagram(sequence: 508, agent: "192.0.2.10", sample))
        d.finish()
        XCTAssertEqual(d.testStats.sequenceGaps, 1)
        XCTAssertEqual(d.testStats.missedDatagrams, 2)
        XCTAssertEqual(d.testStats.sequenceResets, 0)
    }

    func testTruncationAtEveryOffset() {
        let full = Self.datagram(
            Self.flowSample(Self.switchRecord(vlan: 1), Self.rawHeader(Self.frame())),
            Self.flowSample(expanded: true, Self.rawHeader(Self.frame(flags: 0x12))))
        var reference = FlowExportDecoder()
        let all = reference.records(full).map { Canonical.line($0, rate: true) }
        XCTAssertEqual(all.count, 2)
        for cut in 0..<full.count {
            var d = FlowExportDecoder()
            let rs = d.records(Array(full[..<cut]))
            XCTAssertEqual(rs.map { Canonical.line($0, rate: true) }, Array(all.prefix(rs.count)), "cut at \(cut)")
            XCTAssertLessThan(rs.count, 2)
            XCTAssertGreaterThan(d.testStats.totalFailures, 0, "cut at \(cut)")
        }
    }
}
