import XCTest

@testable import ZonesepCore

/// The whole per-packet path driven with frames: initiator, one verdict per flow, ICMP errors,
/// fragments, VLANs, TCP close and reuse, idle timeouts, and the zone matrix.
final class VerifierTests: VerifierTestCase {
    func testHandshakeAlertsOnceWithTheSYNSenderAsInitiator() throws {
        let a = try XCTUnwrap(feed(F.tcpFrame("10.20.3.4", 51512, "10.30.7.8", 445, flags: 0x02), at: 0))
        XCTAssertEqual(a.rule, .sanitisationBypass)
        XCTAssertEqual(a.initiator, .syn)
        XCTAssertEqual(a.srcIP, IPAddress("10.20.3.4"))
        XCTAssertEqual(a.srcPort, 51512)
        XCTAssertEqual(a.destPort, 445)
        XCTAssertEqual(a.srcZone, ZoneRef(zone: 1))
        XCTAssertEqual(a.destZone, ZoneRef(zone: 2))
        XCTAssertEqual(a.srcMAC, MACAddress("02:00:00:00:00:01"))
        XCTAssertEqual(a.timestampMicros, t0)
        XCTAssertNil(feed(F.tcpFrame("10.30.7.8", 445, "10.20.3.4", 51512, flags: 0x12), at: 0.001))
        XCTAssertNil(feed(F.tcpFrame("10.20.3.4", 51512, "10.30.7.8", 445, flags: 0x10), at: 0.002))
        XCTAssertEqual(verifier.counters.flows, 1)
        XCTAssertEqual(verifier.counters.count(.sanitisationBypass), 1)
        XCTAssertEqual(verifier.counters.packets, 3)
        XCTAssertEqual(verifier.counters.ipPackets, 3)
    }

    func testSYNACKSeenFirstMakesItsReceiverTheInitiator() throws {
        let a = try XCTUnwrap(feed(F.tcpFrame("10.30.7.8", 445, "10.20.3.4", 51512, flags: 0x12), at: 0))
        XCTAssertEqual(a.initiator, .synAck)
        XCTAssertEqual(a.srcIP, IPAddress("10.20.3.4"))
        XCTAssertEqual(a.destPort, 445)
        XCTAssertEqual(a.srcMAC, MACAddress("02:00:00:00:00:02"), "the initiator received this frame")
    }

    func testMidStreamTCPIsInferredFromPorts() throws {
        let a = try XCTUnwrap(feed(F.tcpFrame("10.30.7.8", 445, "10.20.3.4", 51512, flags: 0x18), at: 0))
        XCTAssertEqual(a.initiator, .inferred)
        XCTAssertEqual(a.srcIP, IPAddress("10.20.3.4"))
    }

    func testConduitMACIsCheckedOnTheInitiatorSide() throws {
        XCTAssertNil(
            feed(
                F.tcpFrame("10.10.1.5", 40000, "10.20.9.9", 443, flags: 0x02, srcMAC: "02:00:00:00:01:05"), at: 0))
        let a = try XCTUnwrap(
            feed(F.tcpFrame("10.10.1.5", 40001, "10.20.9.9", 443, flags: 0x02, srcMAC: "02:00:00:00:0b:ad"), at: 1))
        XCTAssertEqual(a.rule, .conduitMACMismatch)
        XCTAssertEqual(a.verdict.conduit, 0)
        // A SYN-ACK first: the initiator's MAC is the frame's destination.
        XCTAssertNil(
            feed(
                F.tcpFrame(
                    "10.20.9.9", 443, "10.10.1.5", 40002, flags: 0x12, srcMAC: "02:00:00:00:09:09",
                    dstMAC: "02:00:00:00:01:05"), at: 2))
    }

    /// A Linux cooked capture shows only the sender's MAC: the flow keeps it on its own side, and the
    /// conduit-mac-mismatch alert it caused shows it.
    func testCookedCaptureKeepsTheSendersMACOnItsSide() throws {
        func cooked(_ mac: [UInt8], _ ip: [UInt8], at seconds: Double) -> Alert? {
            let frame = Build.sll(address: mac, proto: 0x0800, ip)
            return frame.withUnsafeBytes {
                verifier.process(
                    timestamp: t0 + Int64(seconds * 1_000_000), bytes: $0, wireLength: frame.count,
                    linkType: .linuxSLL)
            }
        }
        let syn = F.ipv4("10.10.1.5", "10.20.9.9", proto: 6, F.tcp(40001, 443, flags: 0x02))
        let a = try XCTUnwrap(cooked([2, 0, 0, 0, 0x0b, 0xad], syn, at: 0))
        XCTAssertEqual(a.rule, .conduitMACMismatch)
        XCTAssertEqual(a.srcMAC, MACAddress("02:00:00:00:0b:ad"), "the initiator's MAC, which caused the alert")
        XCTAssertNil(a.destMAC, "the capture does not show the receiver's")
        // A SYN-ACK seen first: the sender is the responder, whose MAC goes on the responder's side.
        let synAck = F.ipv4("10.20.9.9", "10.10.1.5", proto: 6, F.tcp(443, 40002, flags: 0x12))
        XCTAssertNil(cooked([2, 0, 0, 0, 9, 9], synAck, at: 1), "the initiator's MAC is unknown: not a mismatch")
        var sides: [String] = []
        verifier.flows.forEach { e in
            let initiator = e.mac(ofA: e.initiatorIsA).map { "\($0)" } ?? "-"
            let responder = e.mac(ofA: !e.initiatorIsA).map { "\($0)" } ?? "-"
            sides.append("\(e.key.portA == 443 ? e.key.portB : e.key.portA) \(initiator) \(responder)")
        }
        XCTAssertEqual(Set(sides), ["40001 02:00:00:00:0b:ad -", "40002 - 02:00:00:00:09:09"])
    }

    func testICMPErrorTravelsWithTheFlowItReportsOn() throws {
        let query = F.ipv4("10.20.3.4", "10.30.7.8", proto: 17, F.udp(40000, 53))
        let a = try XCTUnwrap(feed(F.ethernet(query), at: 0))
        XCTAssertEqual(a.rule, .sanitisationBypass)
        let unreachable = F.ethernet(F.ipv4("10.30.7.8", "10.20.3.4", proto: 1, F.icmpError(quoting: query)))
        XCTAssertNil(feed(unreachable, at: 0.01))
        XCTAssertEqual(verifier.counters.flows, 1)
        var packets: UInt64 = 0
        verifier.flows.forEach { packets += $0.packets }
        XCTAssertEqual(packets, 2)
    }

    func testICMPErrorForAnUnseenFlowIsJudgedByItsOwnAddresses() throws {
        let query = F.ipv4("10.20.3.4", "10.30.7.8", proto: 17, F.udp(40000, 53))
        // A router reports on a datagram never seen: the quote is no evidence of a flow, so the error is
        // judged as router ↔ host (more in VerifierQuotedFlowTests).
        let err = F.ethernet(F.ipv4("10.30.0.1", "10.20.3.4", proto: 1, F.icmpError(quoting: query, type: 11, code: 0)))
        let a = try XCTUnwrap(feed(err, at: 0))
        XCTAssertEqual(a.rule, .sanitisationBypass)
        XCTAssertEqual(a.proto, IPProtocolNumber.icmp)
        XCTAssertEqual(a.srcIP, IPAddress("10.30.0.1"))
        XCTAssertNil(a.destPort)
        XCTAssertEqual(a.srcMAC, MACAddress("02:00:00:00:00:01"), "its own frame's MACs")
    }

    func testICMPErrorQuotingAnotherHostsPacketIsAFlowOfItsOwn() throws {
        // An internet host sends a port unreachable to an lgwan host, quoting a packet between two other
        // hosts: not an error about the lgwan host's own packet, so judged by its own addresses.
        let unrelated = F.ipv4("10.10.5.5", "10.10.6.6", proto: 17, F.udp(40000, 53))
        let forged = F.ethernet(F.ipv4("10.30.9.9", "10.20.3.4", proto: 1, F.icmpError(quoting: unrelated)))
        let a = try XCTUnwrap(feed(forged, at: 0))
        XCTAssertEqual(a.rule, .sanitisationBypass)
        XCTAssertEqual(a.proto, IPProtocolNumber.icmp)
        XCTAssertEqual(a.srcIP, IPAddress("10.30.9.9"))
        XCTAssertEqual(a.destIP, IPAddress("10.20.3.4"))
        XCTAssertEqual(a.srcZone, ZoneRef(zone: 2))
        XCTAssertEqual(a.destZone, ZoneRef(zone: 1))
        XCTAssertEqual(a.srcMAC, MACAddress("02:00:00:00:00:01"), "its own frame's MACs")
        XCTAssertEqual(verifier.counters.flows, 1)
        XCTAssertEqual(verifier.counters.count(.mynumberIsolation), 0, "the quoted mynumber pair is not a flow")
        // A second such error between the same two hosts joins that flow: one alert.
        let again = F.ipv4("10.10.7.7", "10.10.6.6", proto: 17, F.udp(40001, 53))
        XCTAssertNil(feed(F.ethernet(F.ipv4("10.30.9.9", "10.20.3.4", proto: 1, F.icmpError(quoting: again))), at: 1))
        XCTAssertEqual(verifier.counters.flows, 1)
        let m = verifier.matrix
        XCTAssertEqual(m.flows[m.index(ZoneRef(zone: 2)) * m.side + m.index(ZoneRef(zone: 1))], 1)
        XCTAssertEqual(m.packets[m.index(ZoneRef(zone: 2)) * m.side + m.index(ZoneRef(zone: 1))], 2)
    }

    func testEchoReplySeenFirst() throws {
        let reply = F.ethernet(F.ipv4("10.30.7.8", "10.20.3.4", proto: 1, F.icmpEcho(type: 0, id: 77)))
        let a = try XCTUnwrap(feed(reply, at: 0))
        XCTAssertEqual(a.srcIP, IPAddress("10.20.3.4"))
        XCTAssertEqual(a.initiator, .firstPacket)
        XCTAssertNil(a.srcPort)
        XCTAssertNil(a.destPort)
        let request = F.ethernet(F.ipv4("10.20.3.4", "10.30.7.8", proto: 1, F.icmpEcho(type: 8, id: 77)))
        XCTAssertNil(feed(request, at: 1), "same echo id: same flow")
        let other = F.ethernet(F.ipv4("10.20.3.4", "10.30.7.8", proto: 1, F.icmpEcho(type: 8, id: 78)))
        XCTAssertNotNil(feed(other, at: 2), "another echo id: another flow")
    }

    func testFragmentsJoinTheFlowOfTheirFirstFragment() throws {
        let udp = F.udp(40000, 2049, payload: Array(repeating: 7, count: 16))
        let first = F.ethernet(F.ipv4("10.20.3.4", "10.30.7.8", proto: 17, udp, id: 99, flagsOffset: 0x2000))
        let second = F.ethernet(
            F.ipv4("10.20.3.4", "10.30.7.8", proto: 17, Array(repeating: 7, count: 16), id: 99, flagsOffset: 3))
        XCTAssertNotNil(feed(first, at: 0))
        XCTAssertNil(feed(second, at: 0.001))
        XCTAssertEqual(verifier.counters.flows, 1)
        XCTAssertEqual(verifier.counters.count(.fragmentOrphan), 0)
        var packets: UInt64 = 0
        verifier.flows.forEach { packets += $0.packets }
        XCTAssertEqual(packets, 2)
        let orphan = F.ethernet(
            F.ipv4("10.20.3.5", "10.30.7.8", proto: 17, [1, 2, 3, 4, 5, 6, 7, 8], id: 5, flagsOffset: 3))
        XCTAssertNil(feed(orphan, at: 0.002))
        XCTAssertEqual(verifier.counters.count(.fragmentOrphan), 1)
        // Without ports it is judged by nothing: not verified, for a reason of its own (the joined ones are).
        XCTAssertEqual(verifier.counters.notVerifiedByReason[Int(NotVerifiedReason.fragmentOrphan.rawValue)], 1)
        XCTAssertEqual(verifier.counters.framesNotVerified, 1)
        XCTAssertEqual(verifier.counters.framesJudged, 2)
        XCTAssertEqual(
            verifier.counters.topNotVerified(4).map { "\($0.0)" }, ["IPv4 fragment without its first fragment"])
        // The orphan still counts in the packet matrix, as tcpdump would count it.
        let m = verifier.matrix
        XCTAssertEqual(m.packets[m.index(ZoneRef(zone: 1)) * m.side + m.index(ZoneRef(zone: 2))], 3)
    }

    /// A fragment table keyed by addresses and id alone gave a later fragment on another VLAN, or in another
    /// tenant's VXLAN segment, the ports of this one's first fragment; fragments are told apart as flows are.
    func testLaterFragmentsOfAnotherVLANOrVirtualNetworkAreOrphans() throws {
        let udp = F.udp(40000, 2049, payload: Array(repeating: 7, count: 16))
        func first(vlans: [UInt16]) -> [UInt8] {
            F.ethernet(F.ipv4("10.20.3.4", "10.30.7.8", proto: 17, udp, id: 99, flagsOffset: 0x2000), vlans: vlans)
        }
        func later(vlans: [UInt16]) -> [UInt8] {
            F.ethernet(
                F.ipv4("10.20.3.4", "10.30.7.8", proto: 17, Array(repeating: 7, count: 16), id: 99, flagsOffset: 3),
                vlans: vlans)
        }
        XCTAssertNotNil(feed(first(vlans: [120]), at: 0))
        XCTAssertNil(feed(later(vlans: [121]), at: 0.001))
        XCTAssertEqual(verifier.counters.count(.fragmentOrphan), 1, "another VLAN")
        XCTAssertNil(feed(later(vlans: [120]), at: 0.002))
        XCTAssertEqual(verifier.counters.count(.fragmentOrphan), 1, "its own VLAN")

        XCTAssertNotNil(feed(F.vxlan(first(vlans: []), vni: 10), at: 1))
        XCTAssertNil(feed(F.vxlan(later(vlans: []), vni: 20), at: 1.001))
        XCTAssertEqual(verifier.counters.count(.fragmentOrphan), 2, "another VNI")
        XCTAssertNil(feed(F.vxlan(later(vlans: []), vni: 10), at: 1.002))
        XCTAssertEqual(verifier.counters.count(.fragmentOrphan), 2, "its own VNI")
        XCTAssertEqual(verifier.counters.flows, 2)
        var packets: [UInt64] = []
        verifier.flows.forEach { packets.append($0.packets) }
        XCTAssertEqual(packets.sorted(), [2, 2])
    }

    /// `frame` (an Ethernet frame with an IPv4 header of 20 bytes) as a router fragments its datagram after
    /// `size` bytes of payload: the first fragment (MF set) and the later one.
    static func splitOuter(_ frame: [UInt8], after size: Int) -> (first: [UInt8], later: [UInt8]) {
        let ethernet = Array(frame.prefix(14))
        let header = Array(frame[14..<34])
        let payload = Array(frame[34...])
        func ip(_ piece: ArraySlice<UInt8>, flagsOffset: UInt16) -> [UInt8] {
            var h = header
            h.replaceSubrange(2..<4, with: F.be16(UInt16(20 + piece.count)))
            h.replaceSubrange(6..<8, with: F.be16(flagsOffset))
            return ethernet + h + piece
        }
        return (ip(payload[..<size], flagsOffset: 0x2000), ip(payload[size...], flagsOffset: UInt16(size / 8)))
    }

    /// A mirror's outer datagram fragmented: its later fragment holds no tunnel header, only the rest of the
    /// mirrored frame, so it counts as that frame did (in its flow, its matrix cell, judged), not as a
    /// fragment without its first between the mirror's (unzoned) addresses.
    func testLaterFragmentsOfATunnelDatagramCountWithItsInnerPacket() throws {
        let syn = F.tcpFrame("10.20.3.4", 51512, "10.30.7.8", 445, flags: 0x02, vlans: [120])
        let mirrored = F.erspanII(syn + Array(repeating: 0x41, count: 1400))
        let (first, later) = Self.splitOuter(mirrored, after: 96)
        let a = try XCTUnwrap(feed(first, at: 0))
        XCTAssertEqual(a.rule, .sanitisationBypass)
        XCTAssertNil(feed(later, at: 0.001))
        XCTAssertEqual(verifier.counters.count(.fragmentOrphan), 0)
        XCTAssertEqual(verifier.counters.framesJudged, 2)
        XCTAssertEqual(verifier.counters.flows, 1)
        var packets: UInt64 = 0
        verifier.flows.forEach { packets += $0.packets }
        XCTAssertEqual(packets, 2)
        let m = verifier.matrix
        XCTAssertEqual(m.packets[m.index(ZoneRef(zone: 1)) * m.side + m.index(ZoneRef(zone: 2))], 2)
        XCTAssertEqual(m.packets.reduce(0, +), 2, "nothing between the mirror's addresses")

        // Another datagram's later fragment (id 2) between the same addresses is an orphan still.
        let (_, stray) = Self.splitOuter(F.erspanII(syn), after: 16)
        var other = stray
        other.replaceSubrange(18..<20, with: F.be16(2))
        XCTAssertNil(feed(other, at: 0.002))
        XCTAssertEqual(verifier.counters.count(.fragmentOrphan), 1)

        // A mirrored frame without IP (a long LLC frame): its later fragment holds no IP either.
        let llc = F.ethernet([0xf0, 0xf0, 0x03] + Array(repeating: 0, count: 1400), type: 1403)
        var (noIPFirst, noIPLater) = Self.splitOuter(F.erspanII(llc), after: 64)
        noIPFirst.replaceSubrange(18..<20, with: F.be16(3))
        noIPLater.replaceSubrange(18..<20, with: F.be16(3))
        XCTAssertNil(feed(noIPFirst, at: 0.003))
        XCTAssertNil(feed(noIPLater, at: 0.004))
        XCTAssertEqual(verifier.counters.framesWithoutIP, 2)
        XCTAssertEqual(verifier.counters.count(.fragmentOrphan), 1)
        // The summary's totals: both datagrams' later fragments count where their first did.
        XCTAssertEqual(verifier.counters.ipPackets, 3, "the two judged fragments and the orphan")
        XCTAssertEqual(verifier.counters.nonIPPackets, 2, "the LLC frame's two fragments")
        XCTAssertEqual(verifier.counters.framesJudged, 2)
        XCTAssertEqual(verifier.matrix.packets.reduce(0, +), verifier.counters.ipPackets)
    }

    /// The later fragment of a tunnel datagram whose inner packet was malformed, not verified or a fragment
    /// without its first counts as that frame did: in `ip_packets` and the matrix (by the inner addresses)
    /// only when the frame was, with the same coverage class and anomaly. Before, every such later fragment
    /// counted as an IP packet of no matrix cell, so the summary's totals no longer added up.
    func testLaterFragmentsOfATunnelDatagramCountAsItsUnjudgedInnerPacketDid() throws {
        let padding = [UInt8](repeating: 0x41, count: 1400)
        var badTotal = F.ipv4("10.20.3.4", "10.30.7.8", proto: 17, F.udp(40000, 53) + padding)
        badTotal.replaceSubrange(2..<4, with: F.be16(10))  // shorter than its header: malformed, addresses read
        let inner: [(String, [UInt8])] = [
            ("malformed with addresses", F.ethernet(badTotal)),
            ("malformed before its addresses", F.ethernet([0x65] + padding)),
            ("not verified (EtherType 0x88b5)", F.ethernet(padding, type: 0x88b5)),
            (
                "a fragment without its first",
                F.ethernet(F.ipv4("10.20.3.4", "10.30.7.8", proto: 17, padding, id: 77, flagsOffset: 3))
            ),
        ]
        for (n, (name, frame)) in inner.enumerated() {
            var (first, later) = Self.splitOuter(F.erspanII(frame), after: 96)
            first.replaceSubrange(18..<20, with: F.be16(UInt16(10 + n)))
            later.replaceSubrange(18..<20, with: F.be16(UInt16(10 + n)))
            XCTAssertNil(feed(first, at: Double(n)), name)
            XCTAssertNil(feed(later, at: Double(n) + 0.001), name)
        }
        let c = verifier.counters
        XCTAssertEqual(c.packets, 8)
        XCTAssertEqual(c.ipPackets, 4, "the malformed packet with addresses and the orphan, twice each")
        XCTAssertEqual(c.nonIPPackets, 2, "the frame of an EtherType not opened, twice")
        XCTAssertEqual(c.framesMalformed, 4)
        XCTAssertEqual(c.count(.ipv4BadTotalLength), 2)
        XCTAssertEqual(c.count(.ipv4BadVersion), 2)
        XCTAssertEqual(c.notVerifiedByReason[Int(NotVerifiedReason.etherType.rawValue)], 2)
        XCTAssertEqual(c.notVerifiedByReason[Int(NotVerifiedReason.fragmentOrphan.rawValue)], 2)
        XCTAssertEqual(c.count(.fragmentOrphan), 2)
        XCTAssertEqual(c.framesJudged, 0)
        XCTAssertEqual(c.flows, 0)
        let m = verifier.matrix
        XCTAssertEqual(m.packets[m.index(ZoneRef(zone: 1)) * m.side + m.index(ZoneRef(zone: 2))], 4)
        XCTAssertEqual(m.packets.reduce(0, +), c.ipPackets, "every IP packet in the matrix, none besides")
    }

    func testVLANsSeparateFlows() {
        XCTAssertNotNil(feed(F.tcpFrame("10.20.3.4", 51512, "10.30.7.8", 445, flags: 0x02, vlans: [120]), at: 0))
        XCTAssertNotNil(feed(F.tcpFrame("10.20.3.4", 51512, "10.30.7.8", 445, flags: 0x02, vlans: [121]), at: 0))
        let a = feed(F.tcpFrame("10.20.3.4", 51512, "10.30.7.8", 445, flags: 0x02, vlans: [100, 120]), at: 0)
        XCTAssertEqual(a?.vlans, [100, 120])
        XCTAssertEqual(verifier.counters.flows, 3)
    }

    func testClosedConnectionAndANewSYNMakeTwoFlows() {
        XCTAssertNotNil(feed(F.tcpFrame("10.20.3.4", 51512, "10.30.7.8", 445, flags: 0x02), at: 0))
        XCTAssertNil(feed(F.tcpFrame("10.20.3.4", 51512, "10.30.7.8", 445, flags: 0x11), at: 1))
        XCTAssertNil(feed(F.tcpFrame("10.30.7.8", 445, "10.20.3.4", 51512, flags: 0x11), at: 1.1))
        XCTAssertNil(feed(F.tcpFrame("10.20.3.4", 51512, "10.30.7.8", 445, flags: 0x10), at: 1.2), "last ACK")
        // A new connection: a new initial sequence number.
        XCTAssertNotNil(
            feed(F.tcpFrame("10.20.3.4", 51512, "10.30.7.8", 445, flags: 0x02, sequence: 0x5eed), at: 2), "port reuse")
        XCTAssertEqual(verifier.counters.flows, 2)
    }

    /// Windows answers a RST to its SYN by sending the same SYN (the same initial sequence number) again,
    /// twice: one connect(), one flow. Another initial sequence number, the SYN from the other side, or the
    /// same SYN after the closed flow's 10 s is a new connection.
    func testSYNRetriedAfterARSTJoinsItsFlow() throws {
        let isn: UInt32 = 0x1234_5678
        func syn(at t: Double, _ sequence: UInt32 = isn) -> Alert? {
            feed(F.tcpFrame("10.20.3.4", 51512, "10.30.7.8", 445, flags: 0x02, sequence: sequence), at: t)
        }
        func rst(at t: Double) -> Alert? { feed(F.tcpFrame("10.30.7.8", 445, "10.20.3.4", 51512, flags: 0x14), at: t) }
        XCTAssertNotNil(syn(at: 0))
        XCTAssertNil(rst(at: 0.001))
        XCTAssertNil(syn(at: 0.5), "the same SYN again")
        XCTAssertNil(rst(at: 0.501))
        XCTAssertNil(syn(at: 1.5), "and once more")
        XCTAssertNil(rst(at: 1.501))
        XCTAssertEqual(verifier.counters.flows, 1)
        var flows: [FlowEntry] = []
        verifier.flows.forEach { flows.append($0) }
        XCTAssertEqual(flows.map(\.packetsAB) + flows.map(\.packetsBA), [3, 3])
        XCTAssertTrue(flows.first?.isClosed ?? false, "closed again by the last RST")
        // The responder's SYN with that number is no retry of the initiator's.
        XCTAssertNotNil(
            feed(F.tcpFrame("10.30.7.8", 445, "10.20.3.4", 51512, flags: 0x02, sequence: isn), at: 1.6), "from B")
        XCTAssertNil(rst(at: 1.601))
        XCTAssertNotNil(syn(at: 2, isn &+ 1), "another initial sequence number")
        XCTAssertNil(rst(at: 2.001))
        XCTAssertNotNil(syn(at: 12.002), "past the closed flow's 10 s")
        XCTAssertEqual(verifier.counters.flows, 4)
    }

    /// The same retry mirrored in ERSPAN type II by a switch that moved the frame's tag into the ERSPAN header
    /// (En 2), in one batch (the new-flow lane): the flow's key holds that VLAN while the mirrored frame
    /// carries no tag, and the SYN's sequence number must be read from the frame as it is. Each frame ends
    /// with bytes of its own past the IP datagram (padding, as on a wire): read past a tag that is not
    /// there, the number came from them, and the retry made a second flow.
    func testSYNRetriedAfterARSTJoinsItsFlowInsideERSPANWithTheTagMoved() throws {
        func mirrored(_ frame: [UInt8], trailer: UInt8) -> [UInt8] {
            let padded = frame + [UInt8](repeating: trailer, count: 24)
            return F.ethernet(
                F.ipv4("192.0.2.1", "192.0.2.100", proto: 47, Build.erspanII(session: 5, vlan: 120, en: 2, padded)),
                src: F.mirrorMAC, dst: F.sensorMAC)
        }
        let syn = F.tcpFrame("10.20.3.4", 51512, "10.30.7.8", 445, flags: 0x02, sequence: 0x1234_5678)
        let rst = F.tcpFrame("10.30.7.8", 445, "10.20.3.4", 51512, flags: 0x14)
        let alerts = feedBatch([
            (0.0, mirrored(syn, trailer: 0x11)), (0.001, mirrored(rst, trailer: 0x22)),
            (0.5, mirrored(syn, trailer: 0x33)), (0.501, mirrored(rst, trailer: 0x44)),
        ])
        XCTAssertEqual(alerts.map(\.vlans), [[120]], "one alert, with the header's VLAN as the frame's")
        XCTAssertEqual(verifier.counters.flows, 1)
    }

    /// A TCP header cut after the ports (an RFC 1858 tiny first fragment: 8 bytes of TCP) is judged on its
    /// ports with the initiator by rank, and its later fragment joins it.
    func testTCPHeaderWithoutFlagsIsJudgedOnItsPorts() throws {
        let segment = F.tcp(45678, 443, flags: 0x02)
        let first = F.ipv4("10.10.1.90", "10.30.1.90", proto: 6, Array(segment.prefix(8)), id: 777, flagsOffset: 0x2000)
        let rest = F.ipv4("10.10.1.90", "10.30.1.90", proto: 6, Array(segment.suffix(12)), id: 777, flagsOffset: 1)
        let a = try XCTUnwrap(feed(F.ethernet(first), at: 0))
        XCTAssertEqual(a.rule, .mynumberIsolation)
        XCTAssertEqual(a.initiator, .inferred)
        XCTAssertEqual(a.srcPort, 45678)
        XCTAssertNil(feed(F.ethernet(rest), at: 0.001))
        let c = verifier.counters
        XCTAssertEqual(c.flows, 1)
        XCTAssertEqual(c.framesJudged, 2)
        XCTAssertEqual(c.anomalyTotal, 0)
        XCTAssertEqual(c.tcpFlagsUnknown, 1)
    }

    func testFlowsEndWithTheirReason() {
        var ended: [(UInt16, FlowEndReason)] = []
        let sink = RecordingSink([.flowEnds])
        verifier = Verifier(policy: verifier.policy, flowCapacity: 64, sink: sink)
        sink.each = { event, _ in
            let e = event.flow
            ended.append((e.key.portA == 445 ? e.key.portB : e.key.portA, event.endReason))
        }
        feed(F.tcpFrame("10.20.3.4", 51512, "10.30.7.8", 445, flags: 0x02), at: 0)
        feed(F.tcpFrame("10.20.3.4", 51512, "10.30.7.8", 445, flags: 0x11), at: 1)
        feed(F.tcpFrame("10.30.7.8", 445, "10.20.3.4", 51512, flags: 0x11), at: 1.1)
        feed(F.tcpFrame("10.20.3.4", 51513, "10.30.7.8", 445, flags: 0x02), at: 2)
        feed(F.tcpFrame("10.20.3.4", 51514, "10.30.7.8", 445, flags: 0x02), at: 12)  // sweeps past the linger
        XCTAssertEqual(ended.map(\.0), [51512])
        XCTAssertEqual(ended.map(\.1), [.closed])
        feed(F.tcpFrame("10.20.3.4", 51514, "10.30.7.8", 445, flags: 0x10), at: 700)  // 51514 anew
        // The next packet shows that the clock did move on past the jump (`FlowTable.sweep`): 51513 idle.
        feed(F.tcpFrame("10.20.3.4", 51514, "10.30.7.8", 445, flags: 0x10), at: 700.1)
        verifier.finish()
        XCTAssertEqual(ended.map(\.0).sorted(), [51512, 51513, 51514, 51514])
        XCTAssertEqual(ended.filter { $0.0 == 51513 }.map(\.1), [.idle])
        XCTAssertEqual(ended.filter { $0.0 == 51514 }.map(\.1), [.idle, .endOfCapture])
    }

    func testIdleFlowExpiresInPacketTime() {
        XCTAssertNotNil(feed(F.udpFrame("10.20.3.4", 40000, "10.30.7.8", 53), at: 0))
        XCTAssertNil(feed(F.udpFrame("10.20.3.4", 40000, "10.30.7.8", 53), at: 119))
        XCTAssertNil(feed(F.udpFrame("10.20.3.4", 40000, "10.30.7.8", 53), at: 238), "idle 119 s: same flow")
        XCTAssertNotNil(feed(F.udpFrame("10.20.3.4", 40000, "10.30.7.8", 53), at: 359), "idle 121 s: new flow")
    }

    func testAllowedAndLocalTrafficMakesNoAlertButCounts() {
        XCTAssertNil(feed(F.tcpFrame("10.30.1.1", 40000, "203.0.113.10", 443, flags: 0x02), at: 0))
        XCTAssertNil(feed(F.udpFrame("10.10.3.3", 68, "255.255.255.255", 67), at: 0))
        XCTAssertNil(feed(F.ethernet([0, 1, 8, 0, 6, 4, 0, 1] + Array(repeating: 0, count: 20), type: 0x0806), at: 0))
        XCTAssertEqual(verifier.counters.alerts, 0)
        XCTAssertEqual(verifier.counters.nonIPPackets, 1)
        XCTAssertEqual(verifier.counters.flows, 2)
        let m = verifier.matrix
        XCTAssertEqual(m.flows[m.index(ZoneRef(zone: 2)) * m.side + m.index(.external)], 1)
        XCTAssertEqual(m.flows[m.index(ZoneRef(zone: 0)) * m.side + m.index(.local)], 1)
    }

    func testMalformedPacketsAreCountedNotFatal() {
        XCTAssertNil(feed([0x02, 0x00], at: 0))
        XCTAssertNil(feed(F.ethernet([0x45, 0, 0]), at: 0))
        XCTAssertEqual(verifier.counters.packets, 2)
        XCTAssertEqual(verifier.counters.anomalyTotal, 2)
        XCTAssertEqual(verifier.counters.flows, 0)
    }

    func testPolicyReloadKeepsFlowsAndRemapsTheMatrix() {
        XCTAssertNotNil(feed(F.tcpFrame("10.20.3.4", 51512, "10.30.7.8", 445, flags: 0x02), at: 0))
        // The new map makes 10.30.7.8 part of the LGWAN tier: the next flow is judged by it.
        let new = Policy(
            PolicyConfig(zones: [
                Zone(id: "internet", kind: .internet, networks: Self.p("10.31.0.0/16")),
                Zone(id: "lgwan", kind: .lgwan, networks: Self.p("10.20.0.0/16", "10.30.0.0/16")),
            ]))
        verifier.replacePolicy(new)
        XCTAssertNil(feed(F.tcpFrame("10.20.3.4", 51513, "10.30.7.8", 445, flags: 0x02), at: 1))
        XCTAssertEqual(verifier.activeFlows, 2)
        let m = verifier.matrix
        XCTAssertEqual(m.zoneCount, 2)
        XCTAssertEqual(m.flows[m.index(ZoneRef(zone: 1)) * m.side + m.index(ZoneRef(zone: 0))], 1, "old flow kept")
        XCTAssertEqual(m.flows[m.index(ZoneRef(zone: 1)) * m.side + m.index(ZoneRef(zone: 1))], 1, "new flow")
    }

    /// A reload that renames `lgwan` and removes `internet`: with the old map's zones kept by id
    /// (`keepingRetiredZones`), the matrix keeps the flow counted before under its old zones; no address
    /// falls in a retired zone; a later reload that declares the id again gives it its new networks.
    func testAReloadKeepsTheCellsOfRenamedAndRemovedZones() throws {
        XCTAssertNotNil(feed(F.tcpFrame("10.20.3.4", 51512, "10.30.7.8", 445, flags: 0x02), at: 0))
        let renamed = PolicyConfig(zones: [
            Zone(id: "mynumber", kind: .mynumber, networks: Self.p("10.10.0.0/16")),
            Zone(id: "lgwan2", kind: .lgwan, networks: Self.p("10.20.0.0/16")),
        ])
        let new = Policy(renamed.keepingRetiredZones(of: verifier.policy.config))
        XCTAssertEqual(new.config.zones.map(\.id), ["mynumber", "lgwan2", "lgwan", "internet"])
        XCTAssertEqual(new.config.zones.map(\.networks.count), [1, 1, 0, 0])
        XCTAssertEqual(new.zoneMap.lookup(IPAddress("10.20.3.4")!), ZoneRef(zone: 1))
        XCTAssertFalse(new.zoneMap.lookup(IPAddress("10.30.7.8")!).isZone, "nothing falls in a retired zone")
        verifier.replacePolicy(new)
        feed(F.tcpFrame("10.20.3.4", 51513, "10.10.7.8", 445, flags: 0x02), at: 1)
        let m = verifier.matrix
        XCTAssertEqual(m.flows[m.index(ZoneRef(zone: 2)) * m.side + m.index(ZoneRef(zone: 3))], 1, "lgwan→internet")
        XCTAssertEqual(m.flows[m.index(ZoneRef(zone: 1)) * m.side + m.index(ZoneRef(zone: 0))], 1, "lgwan2→mynumber")
        XCTAssertEqual(m.flows.reduce(0, +), 2)

        let again = PolicyConfig(zones: [
            Zone(id: "internet", kind: .internet, networks: Self.p("10.30.0.0/16"))
        ]).keepingRetiredZones(of: new.config)
        XCTAssertEqual(again.zones.map(\.id), ["internet", "mynumber", "lgwan2", "lgwan"])
        XCTAssertEqual(again.zones.map(\.networks.count), [1, 0, 0, 0])
    }
}
