import XCTest
import ZonesepTestSupport

@testable import ZonesepCore

/// The per-zone words of candidate declarations (`EndCandidates`) that let a new flow skip a kind's lookup,
/// and the two ways of matching a kind (trying the candidates, or the index past 64 declarations): each
/// against `ReferenceJudge`, the plain file-order scan, on the random policies of `PolicyIndexTests`.
final class EndCandidatesTests: XCTestCase {
    typealias Random = SplitMix64
    static let now = PolicyIndexTests.now

    /// The new flow's judge (`FlowJudge.judge`, zones from the map, the words read from its zones) and
    /// `Policy.judge` must both be the reference's judgement, for policies whose kinds have from a few
    /// declarations to a hundred or so (both sides of the 64 that a word names exactly).
    func check(seed: UInt64, policies: Int, declarations: Int, flows: Int) {
        var r = Random(seed: seed)
        var judged = [String: Int]()
        var kinds = (past64: 0, atMost64: 0)
        for n in 0..<policies {
            let config = PolicyIndexTests.policy(&r, declarations: declarations)
            let policy = Policy(config)
            let reference = ReferenceJudge(config)
            for count in [config.conduits.count, config.sanitisation.count, config.exceptions.count] {
                if count > EndCandidates.exactKinds { kinds.past64 += 1 } else { kinds.atMost64 += 1 }
            }
            for _ in 0..<flows {
                let f = PolicyIndexTests.flow(&r, policy.zoneMap)
                let time = Self.now + Int64(r.int(5) - 2) * 1_000_000
                let want = reference.judge(f, at: time)
                XCTAssertEqual(policy.judge(f, at: time), want, "policy \(n) (seed \(seed)): \(f) at \(time)")
                // The same flow as a new flow's first packet, sent by either end.
                for senderInitiates in [true, false] {
                    let o = FlowJudge.Observation(
                        sender: senderInitiates ? f.initiator : f.responder,
                        receiver: senderInitiates ? f.responder : f.initiator, proto: f.proto,
                        senderPort: senderInitiates ? 50000 : f.port ?? 0,
                        receiverPort: senderInitiates ? f.port ?? 0 : 50000, hasPorts: f.port != nil,
                        senderMAC: senderInitiates ? f.initiatorMAC : f.responderMAC,
                        receiverMAC: senderInitiates ? f.responderMAC : f.initiatorMAC)
                    let got = FlowJudge.judge(
                        o, senderInitiates: senderInitiates,
                        senderZone: senderInitiates ? f.initiatorZone : f.responderZone,
                        receiverZone: senderInitiates ? f.responderZone : f.initiatorZone, at: time, by: policy)
                    if got != want {
                        XCTFail("policy \(n) (seed \(seed)): new flow \(f) at \(time): \(got), reference \(want)")
                        return
                    }
                }
                let outcome =
                    want.rule != nil
                    ? want.rule!.name
                    : (want.declaration >= 0 ? "allowed by \(policy.declarations[want.declaration].kind)" : "allowed")
                judged[outcome, default: 0] += 1
            }
        }
        // With some 60 gateways, a few of them wide, hardly any external address escapes them all.
        let rules = RuleID.allCases.filter { declarations < 100 || $0 != .securityCloudBypass }
        for outcome in ["allowed", "allowed by conduit", "allowed by sanitisation", "allowed by gateway"]
            + ["allowed by exception"] + rules.map(\.name)
        {
            XCTAssertGreaterThan(judged[outcome] ?? 0, 5, "\(outcome): \(judged)")
        }
        if declarations > 4 * EndCandidates.exactKinds {
            XCTAssertGreaterThan(kinds.past64, 0, "kinds matched by their index")
            XCTAssertGreaterThan(kinds.atMost64, 0, "kinds matched by their candidates")
        }
    }

    func testSmallPoliciesJudgeNewFlowsAsTheReference() {
        check(seed: 11, policies: 300, declarations: 12, flows: 100)
    }

    func testPoliciesAroundSixtyFourOfAKind() {
        check(seed: 12, policies: 12, declarations: 260, flows: 800)
    }

    /// `Policy.judge` follows the flow's zones for the rules whatever they are (a flow judged before a
    /// reload keeps its zones), and its addresses for the declarations: the words must come from the
    /// addresses' zones in this map, not from the zones the flow carries.
    func testZonesOtherThanTheMapsJudgeAsTheReference() {
        var r = Random(seed: 13)
        var differing = 0
        for n in 0..<200 {
            let config = PolicyIndexTests.policy(&r, declarations: 12)
            let policy = Policy(config)
            let reference = ReferenceJudge(config)
            let refs = config.zones.indices.map { ZoneRef(zone: $0) } + [.external, .unzoned]
            for _ in 0..<100 {
                var f = PolicyIndexTests.flow(&r, policy.zoneMap)
                f.initiatorZone = r.pick(refs)
                f.responderZone = r.pick(refs)
                if f.initiatorZone != policy.zoneMap.lookup(f.initiator) { differing += 1 }
                let want = reference.judge(f, at: Self.now)
                let got = policy.judge(f, at: Self.now)
                if got != want {
                    XCTFail("policy \(n): \(f): \(got), reference \(want)")
                    return
                }
            }
        }
        XCTAssertGreaterThan(differing, 1000)
    }

    /// The words of the design's example policy: a conduit from a mynumber host to an lgwan-wan host is a
    /// candidate only from the mynumber zone to the lgwan-wan zone, so a flow between two lgwan zones (or
    /// two mynumber ones) is allowed without a conduit lookup; a prefix over several zones marks each.
    func testWordsNameTheZonesADeclarationReaches() {
        let p = { (s: [String]) in s.compactMap { IPPrefix($0) } }
        let config = PolicyConfig(
            zones: [
                Zone(id: "mynumber", kind: .mynumber, networks: p(["10.10.0.0/16"])),
                Zone(id: "lgwan", kind: .lgwan, networks: p(["10.20.0.0/16"])),
                Zone(id: "lgwan-wan", kind: .lgwan, networks: p(["172.20.0.0/14"])),
                Zone(id: "internet", kind: .internet, networks: p(["10.30.0.0/16"])),
            ],
            gateways: [Gateway(name: "cloud", addresses: p(["203.0.113.10"]))],
            conduits: [
                Conduit(name: "c", from: p(["10.10.1.5"]), to: p(["172.20.9.9"]), ports: [.tcp(443...443)])
            ],
            sanitisation: [
                SanitisationPath(
                    name: "s", method: .fileSanitiser, from: p(["10.0.0.0/8"]), to: p(["10.30.6.0/28"]),
                    ports: [.any])
            ])
        let policy = Policy(config)
        let t = EndCandidates.table(config, policy.zoneMap)
        func slot(_ z: Int) -> Int { EndCandidates.slot(ZoneRef(zone: z)) }
        let external = EndCandidates.slot(.external)
        let unzoned = EndCandidates.slot(.unzoned)
        XCTAssertEqual(t.map(\.conduitFrom), [0, 0, 0, 1, 0, 0, 0])
        XCTAssertEqual(t.map(\.conduitTo), [0, 0, 0, 0, 0, 1, 0])
        XCTAssertEqual(t[external].gateway, 1)
        XCTAssertEqual(t.indices.filter { t[$0].gateway != 0 }, [external])
        // 10.0.0.0/8 holds every zone of 10/8 and the unzoned addresses between them.
        XCTAssertEqual(t.indices.filter { t[$0].sanitisationFrom != 0 }, [unzoned, slot(0), slot(1), slot(3)])
        XCTAssertEqual(t.indices.filter { t[$0].sanitisationTo != 0 }, [slot(3)])
        XCTAssertEqual(t.map(\.pairClass), [3, 4, 5, 0, 1, 1, 2])

        // Between two lgwan zones only a conduit could matter, and none can match: allowed up front.
        let lg = slot(1)
        let wan = slot(2)
        let same = policy.pair(ends: lg, wan).check
        XCTAssertEqual(same, .none)
        XCTAssertFalse(policy.mayViolate(same, ends: lg, wan))
        XCTAssertTrue(policy.mayViolate(policy.pair(ends: slot(0), wan).check, ends: slot(0), wan))
        // A conduit that could match keeps the flow for judging, even between zones of one kind.
        let mac = Policy(
            PolicyConfig(
                zones: config.zones,
                conduits: [
                    Conduit(
                        name: "lg", from: p(["10.20.1.1"]), fromMAC: MACAddress("02:00:00:00:00:01"),
                        to: p(["172.20.1.1"]), ports: [.any])
                ]))
        XCTAssertTrue(mac.mayViolate(.none, ends: lg, wan))
        XCTAssertFalse(mac.mayViolate(.none, ends: wan, lg), "the conduit's direction only")
        let spoof = FlowJudge.Observation(
            sender: IPAddress("10.20.1.1")!, receiver: IPAddress("172.20.1.1")!, proto: 6, senderPort: 50000,
            receiverPort: 80, hasPorts: true, senderMAC: MACAddress("02:00:00:00:00:99"))
        XCTAssertEqual(
            FlowJudge(policy: mac).decide(spoof, at: Self.now).judgement,
            Judgement(rule: .conduitMACMismatch, declaration: 0))
    }

    /// Every class a prefix's addresses can take, as the map gives them, whatever the prefix's length.
    func testRangesMeetEveryClassAPrefixHolds() {
        var r = Random(seed: 14)
        for _ in 0..<100 {
            let config = PolicyIndexTests.policy(&r, declarations: 0)
            let map = ZoneMap(zones: config.zones, internal: config.internal)
            for _ in 0..<50 {
                let p = PolicyIndexTests.prefix(&r)
                let visited = Set(map.ranges(from: p.first, through: p.last).map(map.rangeClass))
                // Addresses of the prefix: its ends and addresses near the seeds inside it.
                for _ in 0..<50 {
                    let a = PolicyIndexTests.address(&r)
                    let inside = [a, IPAddress(rawValue: p.first), IPAddress(rawValue: p.last)].filter {
                        $0.rawValue >= p.first && $0.rawValue <= p.last
                    }
                    for b in inside {
                        XCTAssertTrue(visited.contains(map.lookup(b)), "\(p): \(b) in \(map.lookup(b))")
                    }
                }
            }
        }
    }
}
