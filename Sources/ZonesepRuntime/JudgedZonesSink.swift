import ZonesepCore

/// Keeps, across reloads, the zones each open flow was judged with. A reload re-zones the engine's open
/// flows (their later packets count in the matrix, and reach the host rules, under the zones their
/// addresses have now), but a flow's record must name the zones its verdict was made with, so that flow
/// records counted by zones still give the matrix's flow cells. This sink stands between the engine and
/// the session's sinks and, for a flow whose zones a reload changed, puts the judged ones back into its
/// `flowEnded` event. With nothing noted (every run without a reload) it only passes batches on.
final class JudgedZonesSink: EventSink {
    let next: EventSink
    let interests: EventInterests
    /// By flow serial: the zones (A, B) the open flow was judged with, as refs of the current policy.
    /// Reached only from the session's own calls, one at a time: unchecked, the look at it every batch
    /// makes costs no run-time exclusivity check (some 60 instructions a batch, for a run with no reload).
    @exclusivity(unchecked) private(set) var judged: [UInt64: (ZoneRef, ZoneRef)] = [:]
    @exclusivity(unchecked) private var patched: [EngineEvent] = []

    init(_ next: EventSink) {
        self.next = next
        interests = next.interests
    }

    /// Each open flow's zones as judged (refs of the policy in force), before a reload re-zones them.
    func judgedZones(of flows: FlowTable) -> [UInt64: (ZoneRef, ZoneRef)] {
        guard interests.contains(.flowEnds) else { return [:] }
        var out: [UInt64: (ZoneRef, ZoneRef)] = [:]
        flows.forEach { e in out[e.serial] = judged[e.serial] ?? (e.zoneA, e.zoneB) }
        return out
    }

    /// After the engine took `new`: notes the flows whose zones changed, their judged zones found in `new`
    /// by id (`PolicyConfig.keepingRetiredZones` keeps every old id there; a zone it lacks leaves the flow
    /// with its new zones).
    func reloaded(_ before: [UInt64: (ZoneRef, ZoneRef)], from old: Policy, to new: Policy, flows: FlowTable) {
        judged.removeAll()
        guard !before.isEmpty else { return }
        let carried = ZoneRenumbering(from: old.config, to: new.config)
        flows.forEach { e in
            guard let (a, b) = before[e.serial], let za = carried(a), let zb = carried(b) else { return }
            if za != e.zoneA || zb != e.zoneB { judged[e.serial] = (za, zb) }
        }
    }

    func consume(_ batch: EventBatch) {
        guard !judged.isEmpty,
            batch.events.contains(where: { $0.kind == .flowEnded && judged[$0.flow.serial] != nil })
        else { return next.consume(batch) }
        patched.removeAll(keepingCapacity: true)
        patched.append(contentsOf: batch.events)
        for i in patched.indices where patched[i].kind == .flowEnded {
            guard let (a, b) = judged.removeValue(forKey: patched[i].flow.serial) else { continue }
            patched[i].flow.zoneA = a
            patched[i].flow.zoneB = b
        }
        patched.withUnsafeBufferPointer { events in
            next.consume(
                EventBatch(
                    events: events, frames: batch.frames, linkType: batch.linkType, policy: batch.policy,
                    policyEpoch: batch.policyEpoch, hostFindings: batch.hostFindings, memo: batch.memo))
        }
    }
}
