import XCTest

@testable import ZonesepCore

/// `InitiatorRule.decide` tests TCP and UDP first, each flag and rank once: against the direction rules
/// as rules.md words them, for every protocol that matters, every flag of the handshake, every pair of
/// port ranks (at their edges) and the ICMP types that decide.
final class InitiatorRuleEveryCaseTests: XCTestCase {
    /// rules.md's table, written out plainly.
    static func rule(
        proto: UInt8, srcPort: UInt16, dstPort: UInt16, tcpFlags: UInt8, icmpType: UInt8, hasPorts: Bool
    ) -> (Bool, InitiatorMethod) {
        func rank(_ p: UInt16) -> Int { p < 1024 ? 0 : p < 49152 ? 1 : 2 }
        let syn = tcpFlags & 0x02 != 0
        let ack = tcpFlags & 0x10 != 0
        if proto == 6 && hasPorts {
            if syn && !ack { return (true, .syn) }
            if syn && ack { return (false, .synAck) }
            if rank(srcPort) != rank(dstPort) { return (rank(dstPort) < rank(srcPort), .inferred) }
            return (true, .firstPacket)
        }
        if proto == 17 && hasPorts && rank(srcPort) < rank(dstPort) { return (false, .inferred) }
        if proto == 1 { return (icmpType != 0, .firstPacket) }
        if proto == 58 { return (icmpType != 129, .firstPacket) }
        return (true, .firstPacket)
    }

    func testEveryCaseFollowsTheRules() {
        let ports: [UInt16] = [0, 80, 1023, 1024, 3389, 49151, 49152, 65535]
        var methods = Set<InitiatorMethod>()
        for proto: UInt8 in [6, 17, 1, 58, 132, 47, 0] {
            for hasPorts in [true, false] {
                for flags in 0...UInt8(0x3f) {
                    for sport in ports {
                        for dport in ports {
                            for icmp: UInt8 in [0, 3, 8, 128, 129] {
                                let got = InitiatorRule.decide(
                                    proto: proto, srcPort: sport, dstPort: dport, tcpFlags: flags, icmpType: icmp,
                                    hasPorts: hasPorts)
                                let want = Self.rule(
                                    proto: proto, srcPort: sport, dstPort: dport, tcpFlags: flags, icmpType: icmp,
                                    hasPorts: hasPorts)
                                if got.senderInitiates != want.0 || got.method != want.1 {
                                    XCTFail("proto \(proto) \(hasPorts) flags \(flags) \(sport)→\(dport) icmp \(icmp)")
                                    return
                                }
                                methods.insert(got.method)
                            }
                        }
                    }
                }
            }
        }
        XCTAssertEqual(methods, [.syn, .synAck, .inferred, .firstPacket])
    }
}
