import ZonesepCore

/// The sink behind the summary's `host_findings`: every host rule's finding in the order raised, for the
/// summary, `zonesep report` and the audit report's section on devices.
///
/// The engine raises each finding once a run, so the list grows only with distinct findings; still, past
/// `limit` it takes no more (it counts them), as the list of violating flows does.
public final class HostFindingCollector: EventSink {
    public static let defaultLimit = 10_000

    public let interests: EventInterests = [.hostFindings]
    public let limit: Int
    public private(set) var findings: [HostFinding] = []
    public private(set) var omitted: UInt64 = 0
    /// The omitted ones by rule and severity.
    public private(set) var omittedBy = OmittedHostFindings()

    public init(limit: Int = HostFindingCollector.defaultLimit) { self.limit = limit }

    /// After a reload: the findings' zones as refs of the new policy, so that the summary, written with
    /// it, names the zones each finding was raised with (a zone the new policy lacks keeps its old ref).
    public func reloaded(from old: Policy, to new: Policy) {
        guard !findings.isEmpty else { return }
        let carried = ZoneRenumbering(from: old.config, to: new.config)
        for i in findings.indices {
            findings[i].address.zone = carried(findings[i].address.zone) ?? findings[i].address.zone
            for j in findings[i].addresses.indices {
                findings[i].addresses[j].zone = carried(findings[i].addresses[j].zone) ?? findings[i].addresses[j].zone
            }
        }
    }

    public func consume(_ batch: EventBatch) {
        // A finding's event indexes the batch's findings: a batch without any (nearly all) holds none to
        // look for, and is not read event by event.
        guard !batch.hostFindings.isEmpty else { return }
        let events = batch.events
        for i in events.indices where events[i].kind == .hostFinding {
            guard let f = batch.hostFinding(of: events[i]) else { continue }
            if findings.count < limit {
                findings.append(f)
            } else {
                omitted += 1
                omittedBy.add(.init(rule: f.rule, severity: f.severity))
            }
        }
    }
}
