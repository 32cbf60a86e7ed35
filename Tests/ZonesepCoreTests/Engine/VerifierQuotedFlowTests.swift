import XCTest

@testable import ZonesepCore

/// An ICMP error sent to the quoted packet's source joins the flow it quotes only when that flow is known
/// (in the table, or a connection closed a short while ago); otherwise it is judged by its own addresses,
/// so a made-up quote neither invents a flow nor hides the error's own traffic. A quoted echo is keyed by
/// its identifier, as the echo's own flow is, so an error about a ping joins that ping's flow.
final class VerifierQuotedFlowTests: VerifierTestCase {
    /// An ICMP error of `type`/`code` from `src` to `dst` whose body is all of `quoted` (not cut to 28 bytes).
    static func error(_ src: String, _ dst: String, type: UInt8 = 3, code: UInt8 = 3, quoting quoted: [UInt8])
        -> [UInt8]
    {
        F.ethernet(F.ipv4(src, dst, proto: 1, [type, code, 0, 0, 0, 0, 0, 0] + quoted))
    }

    /// Each flow in the table as "proto initiator>responder packets-to-server/packets-to-client".
    func flowsInTable() -> Set<String> {
        var out: Set<String> = []
        verifier.flows.forEach { e in
            let k = e.key
            let (from, to) = e.initiatorIsA ? (k.addressA, k.addressB) : (k.addressB, k.addressA)
            let (server, client) = e.initiatorIsA ? (e.packetsAB, e.packetsBA) : (e.packetsBA, e.packetsAB)
            out.insert("\(k.proto) \(from)>\(to) \(server)/\(client)")
        }
        return out
    }

    /// REVIEW-71 F2: a mynumber host sends an internet host port unreachables that quote a made-up
    /// connection of the receiver to the security cloud, with 400 bytes of data behind it. Before, the quote
    /// started an allowed flow (internet → gateway) and the mynumber → internet traffic raised nothing.
    func testAnErrorQuotingAPacketNeverSeenIsJudgedByItsOwnAddresses() throws {
        let madeUp =
            F.ipv4("10.30.7.8", "203.0.113.10", proto: 6, F.tcp(5000, 443, flags: 0x02))
            + Array("SECRET-RESIDENT-DATA".utf8) + [UInt8](repeating: 0x41, count: 380)
        let exfil = Self.error("10.10.2.2", "10.30.7.8", quoting: madeUp)
        let a = try XCTUnwrap(feed(exfil, at: 0))
        XCTAssertEqual(a.rule, .mynumberIsolation)
        XCTAssertEqual(a.proto, IPProtocolNumber.icmp)
        XCTAssertEqual(a.srcIP, IPAddress("10.10.2.2"))
        XCTAssertEqual(a.destIP, IPAddress("10.30.7.8"))
        XCTAssertEqual(a.initiator, .firstPacket)
        XCTAssertEqual(a.srcMAC, MACAddress("02:00:00:00:00:01"), "its own frame's MACs")
        XCTAssertNil(feed(exfil, at: 1), "the same two hosts: the same flow, one alert")
        XCTAssertNil(feed(exfil, at: 2))
        XCTAssertEqual(verifier.counters.flows, 1)
        XCTAssertEqual(verifier.counters.alerts, 1)
        XCTAssertEqual(flowsInTable(), ["1 10.10.2.2>10.30.7.8 3/0"], "no flow of the quoted tuple")
        let m = verifier.matrix
        XCTAssertEqual(m.flows[m.index(ZoneRef(zone: 0)) * m.side + m.index(ZoneRef(zone: 2))], 1)
        XCTAssertEqual(m.flows.reduce(0, +), 1)
        XCTAssertEqual(verifier.counters.framesJudged, 3)
    }

    /// The other way round (REVIEW-71 F2, g18): an internet host's error to an LGWAN PC, quoting a made-up
    /// SMB connection of that PC to a mynumber server, framed the PC with a critical alert and named nothing
    /// of the packet that was really sent.
    func testAMadeUpQuoteFramesNobody() throws {
        let madeUp = F.ipv4("10.20.3.4", "10.10.1.53", proto: 6, F.tcp(5000, 445, flags: 0x02))
        let a = try XCTUnwrap(feed(Self.error("10.30.9.9", "10.20.3.4", code: 1, quoting: madeUp), at: 0))
        XCTAssertEqual(a.rule, .sanitisationBypass)
        XCTAssertEqual(a.proto, IPProtocolNumber.icmp)
        XCTAssertEqual(a.srcIP, IPAddress("10.30.9.9"))
        XCTAssertEqual(a.destIP, IPAddress("10.20.3.4"))
        XCTAssertEqual(verifier.counters.count(.mynumberIsolation), 0)
        XCTAssertEqual(verifier.counters.flows, 1)
    }

    /// An error is judged by its own addresses only until the packet it quotes is seen: once the flow is in
    /// the table, the next error about it joins it (a router's time exceeded, from an address in no zone).
    func testAnErrorJoinsItsFlowOnceTheFlowIsSeen() throws {
        let query = F.ipv4("10.20.3.4", "10.20.5.5", proto: 17, F.udp(40000, 53))
        let early = try XCTUnwrap(feed(Self.error("10.30.0.1", "10.20.3.4", type: 11, code: 0, quoting: query), at: 0))
        XCTAssertEqual(early.rule, .sanitisationBypass, "internet → lgwan icmp, its own addresses")
        XCTAssertEqual(early.srcIP, IPAddress("10.30.0.1"))
        XCTAssertNil(feed(F.ethernet(query), at: 0.5), "the query itself: lgwan → lgwan, allowed")
        XCTAssertNil(feed(Self.error("10.30.0.1", "10.20.3.4", type: 11, code: 0, quoting: query), at: 0.6))
        XCTAssertEqual(verifier.counters.flows, 2)
        XCTAssertEqual(flowsInTable(), ["1 10.30.0.1>10.20.3.4 1/0", "17 10.20.3.4>10.20.5.5 1/1"])
    }

    /// A flow idle past its timeout is no longer known: an error quoting it then is judged by its own
    /// addresses, not folded into (and restarting) the flow it names.
    func testAnErrorAboutAFlowIdlePastItsTimeoutIsJudgedByItsOwnAddresses() throws {
        let query = F.ipv4("10.20.3.4", "10.20.5.5", proto: 17, F.udp(40000, 53))
        XCTAssertNil(feed(F.ethernet(query), at: 0))
        XCTAssertNil(feed(Self.error("10.30.0.1", "10.20.3.4", type: 11, code: 0, quoting: query), at: 0.1))
        let late = try XCTUnwrap(
            feed(Self.error("10.30.0.1", "10.20.3.4", type: 11, code: 0, quoting: query), at: 200))
        XCTAssertEqual(late.rule, .sanitisationBypass)
        XCTAssertEqual(late.proto, IPProtocolNumber.icmp)
        XCTAssertEqual(late.srcIP, IPAddress("10.30.0.1"))
        XCTAssertEqual(verifier.counters.flows, 2)
    }

    /// An error quoting a TCP connection that closed and left the table is that connection's straggler:
    /// no new flow, no alert, counted after close and not verified.
    func testAnErrorAboutAClosedConnectionIsItsStraggler() throws {
        let syn = F.ipv4("10.20.3.4", "10.20.5.5", proto: 6, F.tcp(51512, 445, flags: 0x02))
        XCTAssertNil(feed(F.ethernet(syn), at: 0))
        XCTAssertNil(feed(F.tcpFrame("10.20.5.5", 445, "10.20.3.4", 51512, flags: 0x12), at: 0.1))
        XCTAssertNil(feed(F.tcpFrame("10.20.3.4", 51512, "10.20.5.5", 445, flags: 0x11), at: 1))
        XCTAssertNil(feed(F.tcpFrame("10.20.5.5", 445, "10.20.3.4", 51512, flags: 0x11), at: 1.1))
        XCTAssertNil(feed(F.tcpFrame("10.20.3.4", 51512, "10.20.5.5", 445, flags: 0x10), at: 1.2))
        // Past the closed flow's 10 s in the table: unrelated frames sweep it into the closed memory (the
        // second, which shows that the clock did move on past the first's jump: `FlowTable.sweep`).
        XCTAssertNil(feed(F.udpFrame("10.20.3.9", 40000, "10.20.5.5", 53), at: 15))
        XCTAssertNil(feed(F.udpFrame("10.20.3.9", 40000, "10.20.5.5", 53), at: 15.1))
        XCTAssertEqual(verifier.activeFlows, 1)
        XCTAssertNil(feed(Self.error("10.30.0.1", "10.20.3.4", type: 11, code: 0, quoting: syn), at: 20))
        XCTAssertEqual(verifier.counters.flows, 2)
        XCTAssertEqual(verifier.counters.alerts, 0)
        XCTAssertEqual(verifier.counters.packetsAfterClose, 1)
        XCTAssertEqual(verifier.counters.notVerifiedByReason[Int(NotVerifiedReason.afterClose.rawValue)], 1)
        XCTAssertEqual(verifier.counters.framesJudged, 7)
        // In the matrix by its own addresses: internet → lgwan.
        let m = verifier.matrix
        XCTAssertEqual(m.packets[m.index(ZoneRef(zone: 2)) * m.side + m.index(ZoneRef(zone: 1))], 1)
    }

    /// REVIEW-73 finding 5: a ping and the time exceeded or unreachable it draws are one flow and one alert,
    /// whatever the echo's identifier (before, any identifier but 0 split the error off as a second flow).
    func testAnErrorAboutAPingJoinsThePingsFlow() throws {
        for (n, id) in [UInt16(1234), 0, 1].enumerated() {
            let host = "10.20.5.\(n + 1)"
            let echo = F.ipv4(host, "10.30.5.3", proto: 1, F.icmpEcho(type: 8, id: id))
            let a = try XCTUnwrap(feed(F.ethernet(echo), at: Double(n)), "id \(id)")
            XCTAssertEqual(a.rule, .sanitisationBypass)
            XCTAssertNil(feed(Self.error("10.30.5.3", host, quoting: echo), at: Double(n) + 0.1), "id \(id)")
            XCTAssertNil(feed(Self.error("10.30.0.1", host, type: 11, code: 0, quoting: echo), at: Double(n) + 0.2))
        }
        XCTAssertEqual(verifier.counters.flows, 3)
        XCTAssertEqual(verifier.counters.alerts, 3)
        XCTAssertEqual(
            flowsInTable(), ["1 10.20.5.1>10.30.5.3 1/2", "1 10.20.5.2>10.30.5.3 1/2", "1 10.20.5.3>10.30.5.3 1/2"])
        // Another identifier between the same hosts is another ping: an error about it, never seen, does not
        // join the first but is judged by its own addresses (internet → lgwan).
        let other = F.ipv4("10.20.5.1", "10.30.5.3", proto: 1, F.icmpEcho(type: 8, id: 1235))
        let own = try XCTUnwrap(feed(Self.error("10.30.5.3", "10.20.5.1", quoting: other), at: 10))
        XCTAssertEqual(own.srcIP, IPAddress("10.30.5.3"))
        XCTAssertEqual(verifier.counters.flows, 4)
    }

    /// The same for ICMPv6: an echo request and the time exceeded a router sends back about it.
    func testAnICMPv6ErrorAboutAPingJoinsThePingsFlow() throws {
        func v6(_ src: String, _ dst: String, _ icmp: [UInt8]) -> [UInt8] {
            Build.ipv6(src: src, dst: dst, next: 58, icmp)
        }
        let echo = v6("fd00:20::5:5", "fd00:30::5:5", Build.icmp(type: 128, id: 4321, seq: 1))
        let a = try XCTUnwrap(feed(F.ethernet(echo, type: 0x86dd), at: 0))
        XCTAssertEqual(a.rule, .sanitisationBypass)
        let exceeded = v6("fd00:30::1", "fd00:20::5:5", Build.icmp(type: 3, echo))
        XCTAssertNil(feed(F.ethernet(exceeded, type: 0x86dd), at: 0.1))
        XCTAssertEqual(verifier.counters.flows, 1)
        XCTAssertEqual(flowsInTable(), ["58 fd00:20::5:5>fd00:30::5:5 1/1"])
    }
}
