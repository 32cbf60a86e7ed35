import XCTest
import ZonesepCore

@testable import ZonesepOutput

/// Community ID v1 against the values the specification's baseline and Zeek's own tests give, seed 0
/// and 1, both directions of each flow (same id), IPv4 and IPv6, ICMP pairs and a portless protocol.
final class CommunityIDTests: XCTestCase {
    func id(
        _ src: String, _ dst: String, _ proto: UInt8, _ sp: UInt16?, _ dp: UInt16?, icmp: (UInt8, UInt8) = (0, 0),
        seed: UInt16 = 0
    ) -> String {
        CommunityID.compute(
            src: IPAddress(src)!, dst: IPAddress(dst)!, proto: proto, srcPort: sp, dstPort: dp, icmpType: icmp.0,
            icmpCode: icmp.1, seed: seed)
    }

    func testSpecificationBaseline() {
        XCTAssertEqual(id("128.232.110.120", "66.35.250.204", 6, 34855, 80), "1:LQU9qZlK+B5F3KDmev6m5PMibrg=")
        XCTAssertEqual(id("66.35.250.204", "128.232.110.120", 6, 80, 34855), "1:LQU9qZlK+B5F3KDmev6m5PMibrg=")
    }

    func testZeekVectorsSeed0() {
        XCTAssertEqual(id("1.2.3.4", "5.6.7.8", 6, 1122, 3344), "1:wCb3OG7yAFWelaUydu0D+125CLM=")
        XCTAssertEqual(id("5.6.7.8", "1.2.3.4", 6, 3344, 1122), "1:wCb3OG7yAFWelaUydu0D+125CLM=")
        XCTAssertEqual(id("1.2.3.4", "5.6.7.8", 17, 1122, 3344), "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=")
        XCTAssertEqual(id("5.6.7.8", "1.2.3.4", 17, 3344, 1122), "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=")
        // Echo request and its reply are one flow.
        XCTAssertEqual(id("1.2.3.4", "5.6.7.8", 1, nil, nil, icmp: (8, 0)), "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=")
        XCTAssertEqual(id("5.6.7.8", "1.2.3.4", 1, nil, nil, icmp: (0, 0)), "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=")
        let a = "fe80:1:203:405:607:809:a0b:c0d"
        let b = "fe80:1011:1213:1415:1617:1819:1a1b:1c1d"
        XCTAssertEqual(id(a, b, 58, nil, nil, icmp: (128, 0)), "1:0bf7hyMJUwt3fMED7z8LIfRpBeo=")
        XCTAssertEqual(id(b, a, 58, nil, nil, icmp: (129, 0)), "1:0bf7hyMJUwt3fMED7z8LIfRpBeo=")
        // A protocol without ports (RSVP) hashes the addresses and protocol alone.
        XCTAssertEqual(id("1.2.3.4", "5.6.7.8", 46, nil, nil), "1:ikv3kmf89luf73WPz1jOs49S768=")
    }

    func testZeekVectorsSeed1() {
        XCTAssertEqual(id("1.2.3.4", "5.6.7.8", 6, 1122, 3344, seed: 1), "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=")
        XCTAssertEqual(id("1.2.3.4", "5.6.7.8", 17, 1122, 3344, seed: 1), "1:OShq+iKDAMVouh/4bMxB9Sz4amw=")
        XCTAssertEqual(id("1.2.3.4", "5.6.7.8", 1, nil, nil, icmp: (8, 0), seed: 1), "1:9pr4ZGTICiuZoIh90RRYE2RyXpU=")
        XCTAssertEqual(
            id(
                "fe80:1:203:405:607:809:a0b:c0d", "fe80:1011:1213:1415:1617:1819:1a1b:1c1d", 58, nil, nil,
                icmp: (128, 0), seed: 1),
            "1:IO27GQzPuCtNnwFvjWALMHu5tJE=")
    }

    /// A flow whose first packet was an echo reply: its receiver is the initiator (the alert's source), and
    /// its id is the one Zeek, Suricata and tshark give the ping, hashed as the reply was sent (with the
    /// initiator's address and the reply's type together, it hashed another flow).
    func testEchoReplySeenFirstHashesThePing() {
        func entry(_ a: String, _ b: String, proto: UInt8, type: UInt8, initiatorIsA: Bool) -> FlowEntry {
            var e = FlowEntry(
                key: FlowKey(
                    addressA: IPAddress(a)!, addressB: IPAddress(b)!, portA: 0, portB: 0, proto: proto, vlans: 0))
            e.icmpType = type
            e.initiatorIsA = initiatorIsA
            e.rule = RuleID.mynumberIsolation.rawValue
            return e
        }
        func text(_ e: FlowEntry) -> (entry: String, alert: String?) {
            (
                CommunityID.text(CommunityID.digest(of: e)),
                Alert(flow: e).map { CommunityID.text(CommunityID.digest(of: $0)) }
            )
        }
        // 5.6.7.8 → 1.2.3.4 echo reply seen first: 1.2.3.4 (A) initiated; the Zeek vector of this ping.
        let v4 = text(entry("1.2.3.4", "5.6.7.8", proto: 1, type: 0, initiatorIsA: true))
        XCTAssertEqual(v4.entry, "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=")
        XCTAssertEqual(v4.alert, "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=")
        // 1.2.3.4 → 5.6.7.8 echo reply seen first: 5.6.7.8 (B) initiated.
        let v4b = text(entry("1.2.3.4", "5.6.7.8", proto: 1, type: 0, initiatorIsA: false))
        XCTAssertEqual(v4b.entry, id("1.2.3.4", "5.6.7.8", 1, nil, nil, icmp: (0, 0)))
        XCTAssertEqual(v4b.alert, v4b.entry)
        // The echo request seen first stays as it was.
        let request = text(entry("1.2.3.4", "5.6.7.8", proto: 1, type: 8, initiatorIsA: true))
        XCTAssertEqual(request.entry, "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=")
        XCTAssertEqual(request.alert, request.entry)
        // ICMPv6: b → a echo reply seen first, a (A) initiated.
        let v6 = text(
            entry(
                "fe80:1:203:405:607:809:a0b:c0d", "fe80:1011:1213:1415:1617:1819:1a1b:1c1d", proto: 58, type: 129,
                initiatorIsA: true))
        XCTAssertEqual(v6.entry, "1:0bf7hyMJUwt3fMED7z8LIfRpBeo=")
        XCTAssertEqual(v6.alert, "1:0bf7hyMJUwt3fMED7z8LIfRpBeo=")
    }
}
