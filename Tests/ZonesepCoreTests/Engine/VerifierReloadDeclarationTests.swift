import XCTest

@testable import ZonesepCore

/// A `watch` reload that reorders declarations: a flow judged before it ends named by the declaration that
/// allowed it, with that declaration's MAC check, as a flow record and the declaration audit read it with
/// the batch's (new) policy, and its pending MAC check goes on only where the new policy allows it by the
/// same conduit (REVIEW-82 M2). The flow's declaration was an index into the old policy's declarations, read
/// under the new one, and every pending check was dropped.
final class VerifierReloadDeclarationTests: XCTestCase {
    typealias F = EngineFrames
    let t0: Int64 = 1_781_431_200_000_000
    static func p(_ s: String) -> [IPPrefix] { [IPPrefix(s)!] }

    static let zones = [
        Zone(id: "mynumber", kind: .mynumber, networks: p("10.10.0.0/16")),
        Zone(id: "lgwan", kind: .lgwan, networks: p("10.20.0.0/16")),
        Zone(id: "lgwan-wan", kind: .lgwan, networks: p("172.20.0.0/14")),
        Zone(id: "internet", kind: .internet, networks: p("10.30.0.0/16")),
    ]
    static func conduit(_ name: String, from: String, mac: String? = nil) -> Conduit {
        Conduit(
            name: name, from: p(from), fromMAC: mac.flatMap(MACAddress.init), to: p("172.20.9.9"),
            ports: [.tcp(443...443)])
    }
    static func sanitisation(_ name: String, from: String, to: String) -> SanitisationPath {
        SanitisationPath(name: name, method: .fileSanitiser, from: p(from), to: p(to), ports: [.tcp(443...443)])
    }
    static let old = PolicyConfig(
        sensor: "test", zones: zones,
        conduits: [conduit("intermediate-server", from: "10.10.1.5", mac: "02:00:0a:0a:01:05")],
        sanitisation: [sanitisation("file-sanitiser", from: "10.30.7.20", to: "10.20.7.20")])
    /// A conduit without a MAC first, and another sanitisation path before the old one: every index moves.
    static let reordered = PolicyConfig(
        sensor: "test", zones: zones,
        conduits: [conduit("n1", from: "10.10.1.7"), old.conduits[0]],
        sanitisation: [sanitisation("mail", from: "10.30.5.10", to: "10.20.5.10"), old.sanitisation[0]])

    func feed(_ v: Verifier, _ frame: [UInt8], at us: Int64, linkType: LinkType = .ethernet) {
        frame.withUnsafeBytes {
            _ = v.process(timestamp: t0 + us, bytes: $0, wireLength: frame.count, linkType: linkType)
        }
    }

    /// Each ended flow as a flow record names it with the batch's policy, by its client port: `allowed_by`,
    /// `mac_check`, the verdict and the declaration.
    final class Ends {
        let sink = RecordingSink([.flowStarts, .flowEnds])
        var ended: [UInt16: (allowedBy: String?, macUnverified: Bool, verdict: RuleID?, declaration: Int16)] = [:]
        init() {
            sink.each = { [unowned self] e, batch in
                guard e.kind == .flowEnded else { return }
                let d = Int(e.flow.declaration)
                let name = e.flow.verdict == nil && d >= 0 ? batch.policy.declarations[d] : nil
                self.ended[max(e.flow.key.portA, e.flow.key.portB)] = (
                    name.map { "\($0.kind.name) \($0.name)" }, batch.policy.conduitMACUnverified(e.flow),
                    e.flow.verdict, e.flow.declaration
                )
            }
        }
    }

    /// The conduit's flow with no link header (no MAC to check), and the sanitisation path's, under `old`;
    /// then `new`, and (`rogue`) a packet of the conduit's flow from a MAC the conduit does not name.
    func run(reloadingTo new: PolicyConfig, rogue: Bool) -> (Verifier, Ends) {
        let ends = Ends()
        let v = Verifier(policy: Policy(Self.old), flowCapacity: 64, sink: ends.sink)
        feed(v, F.ipv4("10.10.1.5", "172.20.9.9", proto: 6, F.tcp(46000, 443, flags: 0x02)), at: 0, linkType: .raw)
        feed(v, F.tcpFrame("10.30.7.20", 46001, "10.20.7.20", 443, flags: 0x02), at: 1)
        v.replacePolicy(Policy(new))
        if rogue {
            feed(v, F.tcpFrame("10.10.1.5", 46000, "172.20.9.9", 443, flags: 0x10, srcMAC: "02:00:5e:00:00:99"), at: 2)
        }
        v.finish()
        return (v, ends)
    }

    func testAFlowJudgedBeforeAReloadEndsNamedByTheDeclarationThatAllowedIt() {
        let (v, ends) = run(reloadingTo: Self.reordered, rogue: false)
        XCTAssertEqual(v.counters.alerts, 0)
        XCTAssertEqual(ends.ended[46000]?.allowedBy, "conduit intermediate-server")
        XCTAssertEqual(ends.ended[46000]?.macUnverified, true, "no packet showed its MAC")
        XCTAssertEqual(ends.ended[46001]?.allowedBy, "sanitisation file-sanitiser")
        XCTAssertEqual(ends.ended[46001]?.macUnverified, false)
    }

    /// The new policy allows the flow by the same conduit, its MAC still unseen: the check goes on, and the
    /// rogue MAC raises `conduit-mac-mismatch` on the conduit's new index.
    func testAPendingMACCheckGoesOnWhereTheNewPolicyAllowsByTheSameConduit() {
        let (v, ends) = run(reloadingTo: Self.reordered, rogue: true)
        XCTAssertEqual(v.counters.count(.conduitMACMismatch), 1)
        XCTAssertEqual(v.counters.alerts, 1)
        XCTAssertEqual(ends.ended[46000]?.verdict, .conduitMACMismatch)
        XCTAssertEqual(ends.ended[46000]?.declaration, 1, "intermediate-server in the new policy")
    }

    /// The reload moves the conduit to another port: the new policy would not allow the flow by it, so the
    /// flow keeps its verdict and the old policy's answer, and the rogue MAC is not checked (no alert from
    /// a reload, of `mynumber-isolation` or any rule).
    func testAFlowTheNewPolicyJudgesOtherwiseIsNotCheckedAgain() {
        var moved = Self.reordered
        moved.conduits[1].ports = [.tcp(8443...8443)]
        let (v, ends) = run(reloadingTo: moved, rogue: true)
        XCTAssertEqual(v.counters.alerts, 0)
        XCTAssertNil(ends.ended[46000]?.verdict)
        XCTAssertEqual(ends.ended[46000]?.allowedBy, "conduit intermediate-server")
        XCTAssertEqual(ends.ended[46000]?.macUnverified, true, "never verified")
    }

    /// A reload that removes the conduit: the flow it allowed names no declaration at its end (the new
    /// policy has none of that name to credit), its MAC stays unverified as judged, and is not checked.
    func testAFlowWhoseDeclarationAReloadRemovedNamesNone() {
        var removed = Self.reordered
        removed.conduits = [Self.conduit("n2", from: "10.10.1.6", mac: "02:00:0a:0a:01:06")]
        let (v, ends) = run(reloadingTo: removed, rogue: true)
        XCTAssertEqual(v.counters.alerts, 0)
        XCTAssertEqual(ends.ended[46000]?.declaration, -1)
        XCTAssertNil(ends.ended[46000]?.verdict)
        XCTAssertEqual(ends.ended[46000]?.macUnverified, true)
    }

    /// A SYN retried after a RST (Windows sends it again) joins the flow and opens it anew; the flow stays
    /// judged before the reload, so a rogue MAC after the retry is not checked under the new policy, which
    /// would judge it `mynumber-isolation` (REVIEW-95 F7: the retry cleared the mark with the TCP flags).
    func testASYNRetriedAfterAReloadLeavesTheFlowJudgedBeforeIt() {
        var moved = Self.reordered
        moved.conduits[1].ports = [.tcp(8443...8443)]
        let ends = Ends()
        let v = Verifier(policy: Policy(Self.old), flowCapacity: 64, sink: ends.sink)
        let syn = F.ipv4("10.10.1.5", "172.20.9.9", proto: 6, F.tcp(46000, 443, flags: 0x02))
        feed(v, syn, at: 0, linkType: .raw)
        feed(v, F.ipv4("172.20.9.9", "10.10.1.5", proto: 6, F.tcp(443, 46000, flags: 0x14)), at: 1, linkType: .raw)
        v.replacePolicy(Policy(moved))
        feed(v, syn, at: 2, linkType: .raw)
        feed(v, F.tcpFrame("10.10.1.5", 46000, "172.20.9.9", 443, flags: 0x10, srcMAC: "02:00:5e:00:00:99"), at: 3)
        v.finish()
        XCTAssertEqual(v.counters.alerts, 0)
        XCTAssertEqual(ends.ended.count, 1, "the retry joined the flow")
        XCTAssertNil(ends.ended[46000]?.verdict)
        XCTAssertEqual(ends.ended[46000]?.allowedBy, "conduit intermediate-server")
    }
}
