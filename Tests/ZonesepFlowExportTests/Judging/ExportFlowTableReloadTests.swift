import XCTest
import ZonesepConfig
import ZonesepCore
import ZonesepFlowExport

/// A reload (SIGHUP in `collect`) that reorders and removes declarations: a flow judged before it is named,
/// at its end, by the declaration that allowed it, with that declaration's MAC check, and a later record's
/// MACs check its conduit's MAC only where the new policy allows it by the same conduit (REVIEW-82 M2). A
/// flow's declaration was an index into the old policy's declarations, read under the new one, and the
/// late check judged the flow under the new policy with it.
final class ExportFlowTableReloadTests: XCTestCase {
    typealias T = ExportFlowTableTests

    /// Each ended flow as a flow record names it with the batch's policy: `allowed_by` and `mac_check`.
    final class Ends: EventSink {
        let interests: EventInterests = [.flowStarts, .flowEnds]
        var started: [FlowEntry] = []
        var ended: [UInt16: (allowedBy: String?, macUnverified: Bool, verdict: RuleID?)] = [:]
        func consume(_ batch: EventBatch) {
            for e in batch.events {
                guard e.kind == .flowEnded else {
                    started.append(e.flow)
                    continue
                }
                let d = Int(e.flow.declaration)
                let name = e.flow.verdict == nil && d >= 0 ? batch.policy.declarations[d] : nil
                ended[max(e.flow.key.portA, e.flow.key.portB)] = (
                    name.map { "\($0.kind.name) \($0.name)" }, batch.policy.conduitMACUnverified(e.flow),
                    e.flow.verdict
                )
            }
        }
    }

    static func conduit(_ name: String, from: String, mac: String? = nil) -> Conduit {
        Conduit(
            name: name, from: [IPPrefix(from)!], fromMAC: mac.flatMap(MACAddress.init), to: [IPPrefix("172.20.9.9")!],
            ports: [.tcp(443...443)])
    }

    /// Three flows judged by the demonstration's zones.conf: a conduit's whose MAC no record carries
    /// (port 51445), a sanitisation path's (51600) and one of a sanitisation path the reload removes (40000).
    func openThreeFlows(_ t: ExportFlowTable) {
        t.add(T.record("10.10.1.5", 51445, "172.20.9.9", 443, flags: 0x02))
        t.add(T.record("10.30.7.20", 51600, "10.20.7.20", 443))
        t.add(T.record("10.30.5.10", 40000, "10.20.5.10", 25))
        t.flush()
    }

    func testAFlowJudgedBeforeAReloadIsNamedByTheDeclarationThatAllowedIt() throws {
        let old = try XCTUnwrap(T.policy)
        let ends = Ends()
        let t = ExportFlowTable(policy: old, sink: ends)
        openThreeFlows(t)
        XCTAssertEqual(
            ends.started.map(\.declaration), [0, 3, 1], "intermediate-server, file-sanitiser, mail-text-relay")
        // Two conduits come first (one naming a MAC), and mail-text-relay is gone: every index moves.
        var edited = old.config
        edited.conduits =
            [
                Self.conduit("n1", from: "10.10.1.7"), Self.conduit("n2", from: "10.10.1.6", mac: "02:00:0a:0a:01:06"),
            ] + edited.conduits
        edited.sanitisation.removeAll { $0.name == "mail-text-relay" }
        let new = Policy(edited.keepingRetiredZones(of: old.config))
        XCTAssertEqual(new.declarations.prefix(4).map(\.name), ["n1", "n2", "intermediate-server", "virtual-browser"])
        t.replacePolicy(new)
        t.finish()
        XCTAssertEqual(ends.ended.count, 3)
        XCTAssertEqual(ends.ended[51445]?.allowedBy, "conduit intermediate-server")
        XCTAssertEqual(ends.ended[51445]?.macUnverified, true, "its MAC was never in a record")
        XCTAssertEqual(ends.ended[51600]?.allowedBy, "sanitisation file-sanitiser")
        XCTAssertEqual(ends.ended[51600]?.macUnverified, false, "a sanitisation path names no MAC")
        XCTAssertEqual(ends.ended[40000]?.allowedBy, nil, "the reload removed the path that allowed it")
        XCTAssertEqual(ends.ended[40000]?.macUnverified, false)
        XCTAssertEqual(t.conduitMACNotVerified, 1)
        XCTAssertEqual(t.violations, [:])
    }

    /// The conduit that allowed a flow is removed, and a conduit naming a MAC takes its index: the flow's
    /// next record, with MACs, does not judge it again under the new policy (which would raise
    /// `mynumber-isolation` from a reload).
    func testALaterRecordsMACsDoNotJudgeAgainAFlowJudgedBeforeAReload() throws {
        let old = try XCTUnwrap(T.policy)
        let ends = Ends()
        let t = ExportFlowTable(policy: old, sink: ends)
        openThreeFlows(t)
        var edited = old.config
        edited.conduits = [Self.conduit("n2", from: "10.10.1.6", mac: "02:00:0a:0a:01:06")]
        t.replacePolicy(Policy(edited.keepingRetiredZones(of: old.config)))
        var withMACs = T.record("10.10.1.5", 51445, "172.20.9.9", 443, flags: 0x10, start: 1_781_481_601_000_000)
        withMACs.srcMAC = MACAddress("02:00:5e:10:99:05")
        withMACs.dstMAC = MACAddress("02:00:00:00:00:01")
        t.add(withMACs)
        t.finish()
        XCTAssertEqual(t.violations, [:], "no verdict from a reload")
        XCTAssertEqual(ends.started.count, 3, "no late start")
        XCTAssertEqual(t.flows, 3)
        XCTAssertNil(ends.ended[51445]?.verdict)
        XCTAssertEqual(ends.ended[51445]?.allowedBy, nil, "its conduit is gone")
        XCTAssertEqual(ends.ended[51445]?.macUnverified, true, "the old conduit's MAC was never checked")
        XCTAssertEqual(t.conduitMACNotVerified, 1)
    }

    /// A reload that puts a conduit without MACs first (and, `moved`, 'intermediate-server' on another
    /// port), then the conduit flow's next record, from a rogue MAC. Returns the table and its ends.
    func reloadThenRogueRecord(moved: Bool) throws -> (ExportFlowTable, Ends) {
        let old = try XCTUnwrap(T.policy)
        let ends = Ends()
        let t = ExportFlowTable(policy: old, sink: ends)
        openThreeFlows(t)
        var edited = old.config
        edited.conduits.insert(Self.conduit("n1", from: "10.10.1.7"), at: 0)
        if moved { edited.conduits[1].ports = [.tcp(8443...8443)] }
        t.replacePolicy(Policy(edited.keepingRetiredZones(of: old.config)))
        var withMACs = T.record("10.10.1.5", 51445, "172.20.9.9", 443, flags: 0x10, start: 1_781_481_601_000_000)
        withMACs.srcMAC = MACAddress("02:00:5e:10:99:05")
        withMACs.dstMAC = MACAddress("02:00:00:00:00:01")
        t.add(withMACs)
        t.finish()
        return (t, ends)
    }

    /// The new policy allows the flow by the same conduit, its MAC still unseen: the record checks it, and
    /// the rogue MAC raises `conduit-mac-mismatch` on the conduit's new index.
    func testAPendingMACCheckGoesOnWhereTheNewPolicyAllowsByTheSameConduit() throws {
        let (t, ends) = try reloadThenRogueRecord(moved: false)
        XCTAssertEqual(t.violations, [.conduitMACMismatch: 1])
        XCTAssertEqual(ends.started.count, 4, "the late verdict's start")
        XCTAssertEqual(ends.started.last?.declaration, 1, "intermediate-server in the new policy")
        XCTAssertEqual(ends.started.last?.verdictIsLate, true)
        XCTAssertEqual(ends.ended[51445]?.verdict, .conduitMACMismatch)
        XCTAssertEqual(t.conduitMACNotVerified, 0)
    }

    /// The new policy would not allow the flow by its conduit (now on another port): the record's MACs do
    /// not judge it again, and it stays allowed by the conduit, MAC not verified.
    func testAFlowTheNewPolicyJudgesOtherwiseIsNotCheckedAgain() throws {
        let (t, ends) = try reloadThenRogueRecord(moved: true)
        XCTAssertEqual(t.violations, [:])
        XCTAssertEqual(ends.started.count, 3)
        XCTAssertNil(ends.ended[51445]?.verdict)
        XCTAssertEqual(ends.ended[51445]?.allowedBy, "conduit intermediate-server")
        XCTAssertEqual(ends.ended[51445]?.macUnverified, true)
        XCTAssertEqual(t.conduitMACNotVerified, 1)
    }
}
