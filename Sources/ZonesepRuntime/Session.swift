import ZonesepCapture
import ZonesepCore
import ZonesepOutput

/// One engine and what listens to it: the run's delivery sinks and this session's own collectors for the
/// summary: the violating flows, the host findings, what each declaration allowed, and the tunnels whose
/// ends break the policy. `replay` runs one session; `watch` one per capture worker.
///
/// Frames always go through the engine in batches: the sinks hear about them through events, so no
/// output takes a frame off the batched path.
public final class Session {
    public private(set) var policy: Policy
    public let verifier: Verifier
    private let collector: ViolationCollector
    private let audit: DeclarationAudit
    private let hosts: HostFindingCollector
    private let tunnels: TunnelAudit
    private let judgedZones: JudgedZonesSink

    /// `sinks`: the delivery's sinks for this session (`DeliveryPipeline.eventSinks(session:)`) and any
    /// other; the collectors of violations and of declarations' use are added here, and the tunnel audit,
    /// which raises its alerts through the first `AlertEvents` among `sinks` (none: the summary only).
    /// `hostTable`: the one the sessions of one sensor share (frames of one MAC reach several workers), else
    /// one of its own.
    public init(policy: Policy, maxFlows: Int, sinks: [EventSink], hostTable: HostTable? = nil) {
        self.policy = policy
        let collector = ViolationCollector()
        self.collector = collector
        let audit = DeclarationAudit(policy: policy)
        self.audit = audit
        let hosts = HostFindingCollector()
        self.hosts = hosts
        // The delivery's alerts raise the tunnels' too; the audit hears a batch first, so that `AlertEvents`,
        // hearing it next, writes each in its place by packet time, before it tells the chain the batch's last
        // packet time (a suppression window that would close).
        let tunnels = TunnelAudit(alerts: sinks.lazy.compactMap { $0 as? AlertEvents }.first)
        self.tunnels = tunnels
        let judgedZones = JudgedZonesSink(SinkFanout([tunnels] + sinks + [collector, audit, hosts]))
        self.judgedZones = judgedZones
        verifier = Verifier(policy: policy, flowCapacity: maxFlows, sink: judgedZones, hostTable: hostTable)
    }

    /// The alerts of tunnels whose own ends break the policy raised so far, by `RuleID.rawValue` (for
    /// `watch`'s stats and metrics, read on the session's own thread).
    public var tunnelAlertsByRule: [UInt64] { tunnels.alertsByRule }

    /// Frames whose bytes stay valid until this returns, at most `Verifier.batchSize` at a time for the
    /// engine's prefetching to work (more are taken, one by one).
    @inline(__always)
    public func process(frames: UnsafeBufferPointer<Verifier.Frame>, linkType: LinkType) {
        verifier.process(batch: frames, linkType: linkType)
    }

    /// Counts every frame of `reader`, a file whose link type zonesep does not decode, as not verified.
    public func countUndecodable(_ reader: CaptureFileReader) -> (stats: CaptureTimeline.FileStats, error: PcapError?) {
        var stats = CaptureTimeline.FileStats()
        while true {
            switch reader.next() {
            case .frame(let f):
                verifier.countUndecodable(
                    timestamp: f.timestampMicros, wireLength: f.wireLength, dataLink: reader.dataLink)
                stats.packets += 1
                // A time no record can hold is not the file's first or last (the frame is counted all the same).
                guard PacketTime.isWritable(f.timestampMicros),
                    !reader.isPcapng || f.timestampMicros != PacketTime.missing
                else { continue }
                stats.include(f.timestampMicros)
            case .end:
                return (stats, nil)
            case .error(let e):
                return (stats, e)
            }
        }
    }

    /// Counts the frames of a file that its reader took out for their times (`FileStats.unwritableTimes`,
    /// `FileStats.missingTimes`).
    public func countTimesTakenOut(_ stats: CaptureTimeline.FileStats) {
        verifier.countUnwritableTimes(frames: stats.unwritableTimes, bytes: stats.unwritableTimeBytes)
        verifier.countMissingTimes(frames: stats.missingTimes, bytes: stats.missingTimeBytes)
    }

    /// Swaps in a reloaded policy between two batches: flows are kept, and each one's next verdict and
    /// every later alert use the new map. A flow judged before keeps its verdict and its record the zones
    /// it was judged with (`JudgedZonesSink`), a host finding in the summary the zones it was raised with;
    /// give `new` the old map's zones with `PolicyConfig.keepingRetiredZones`.
    public func replacePolicy(_ new: Policy) {
        let before = judgedZones.judgedZones(of: verifier.flows)
        verifier.replacePolicy(new)  // hands on the events made under the old map first
        judgedZones.reloaded(before, from: policy, to: new, flows: verifier.flows)
        hosts.reloaded(from: policy, to: new)
        policy = new
    }

    /// Ends every flow and builds this session's summary (the delivery's counts are added by its owner).
    public func finish(files: [ReplaySummary.FileResult]) -> ReplaySummary {
        verifier.finish()
        var summary = ReplaySummary(
            policy: policy, counters: verifier.counters, matrix: verifier.matrix, files: files,
            flowsActive: verifier.activeFlows, flowsEvicted: verifier.flows.evictions,
            flowCapacity: verifier.flows.capacity, violations: collector.inStartOrder)
        summary.violationsOmitted = collector.omitted
        summary.violationsOmittedBy = collector.omittedBy
        summary.declarations = audit.declarations(for: policy)
        tunnels.creditTunnels(to: &summary.declarations)
        summary.hostFindings = hosts.findings
        summary.hostFindingsOmitted = hosts.omitted
        summary.hostFindingsOmittedBy = hosts.omittedBy
        summary.tunnelsBreakingPolicy = tunnels.tunnels
        summary.tunnelsBreakingPolicyNotListed = tunnels.notListed
        summary.tunnelAlerts = tunnels.alertsRaised
        return summary
    }
}
