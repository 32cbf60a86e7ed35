import Synchronization
import ZonesepCapture
import ZonesepCore
import ZonesepOutput

#if canImport(Glibc)
    import Glibc
#endif

/// What a worker last published for the stats record and the metrics: read by the control thread.
public struct WorkerSnapshot: Sendable {
    public var packets: UInt64 = 0
    public var bytes: UInt64 = 0
    public var flows: UInt64 = 0
    public var flowsActive = 0
    public var flowsEvicted: UInt64 = 0
    public var flowCapacity = 0
    public var alerts: UInt64 = 0
    /// Indexed by `RuleID.rawValue`.
    public var alertsByRule: [UInt64] = []
    /// Host findings this worker raised, indexed by `HostRuleID.rawValue`.
    public var hostFindingsByRule: [UInt64] = []
    /// Alerts of tunnels whose own ends break the policy this worker raised, indexed by `RuleID.rawValue`.
    public var tunnelAlertsByRule: [UInt64] = []
    public var anomalies: UInt64 = 0
    public var lastPacketMicros: Int64?
    /// The flow table's clock (`FlowTable.clock`): what the other workers are brought up to (`PortClock`).
    public var clockMicros: Int64?
    /// Every handle this worker had, added up: counts survive a capture that was lost and reopened.
    public var kernel: KernelStats?
    /// The capture is open (false while the interface is gone or down and the worker waits for it).
    public var capturing = true
    /// Why it is not, while it is not.
    public var captureError: String?
    /// Captures handed over after the last one was lost (or, with --wait-for-interface, never opened).
    public var captureRestarts: UInt64 = 0
    /// The worker has left its loop (it was asked to stop).
    public var ended = false

    public init() {}
}

/// One capture thread: its own libpcap handle (a member of the fanout group when there are several) and
/// its own session, so a flow's state never crosses threads. The control thread reaches it only through
/// `post(policy:)`, `post(capture:)`, `post(advance:)`, `requestStop()` and `snapshot()`.
///
/// When the capture fails while running (the interface vanished or went down), the worker closes it and
/// keeps its session — flows, suppression windows, everything — until the control thread hands it a new
/// capture, opened when the interface is back under the same name.
///
/// `@unchecked Sendable`: `capture` and `session` are used by the worker's thread alone from `start` until
/// the control thread has joined it; everything shared is behind a Mutex or an Atomic.
public final class CaptureWorker: @unchecked Sendable {
    private struct Commands {
        var policy: Policy?
        /// The number of the reload `policy` comes from (0 for the first), for `policySwitches`.
        var reload = 0
        var capture: HandOver?
        var stop = false
    }

    /// A capture on its way from the control thread, which opened it, to the worker, which owns it from
    /// then on (neither touches it while the other does).
    public struct HandOver: @unchecked Sendable {
        public var capture: PcapLive
        public var linkType: LinkType

        public init(capture: PcapLive, linkType: LinkType) {
            self.capture = capture
            self.linkType = linkType
        }
    }

    private var capture: PcapLive?
    private var linkType: LinkType?
    public let session: Session
    private let wakeup: Wakeup
    /// Wakes the control thread when this worker ends.
    private let control: Wakeup
    /// Bumped with every command, so the per-packet check is one relaxed load.
    private let generation = Atomic<UInt64>(0)
    private let commands = Mutex(Commands())
    private let published = Mutex(WorkerSnapshot())
    /// Frames waiting to go through the engine together.
    private let batcher = FrameBatcher()
    /// Kernel counts of the handles closed so far, and the latest counts of the open one.
    private var kernelBefore = KernelStats()
    /// Each reloaded policy this worker took, by the number `post(policy:reload:)` gave it, with the packet
    /// time of the last frame it had judged under the map before: read once the worker has ended.
    public private(set) var policySwitches: [(reload: Int, lastPacketMicros: Int64?)] = []
    /// Whether libpcap ever gave counts (`pcap_stats`): without them the drops are unknown, not 0.
    private var kernelKnown = false
    private var kernelNow = KernelStats()
    private var captureError: String?
    private var restarts: UInt64 = 0
    /// The port's packet time posted by the control thread (`PortClock`), taken when the ring is empty.
    private let advance = Mutex<PortClock.Advance?>(nil)
    /// Bumped with every `post(advance:)`: read once per emptied ring, so a busy worker's batches are not
    /// cut short by it as they are by a command.
    private let advanceGeneration = Atomic<UInt64>(0)
    private var advanceSeen: UInt64 = 0

    /// Packets read between two looks at the clock (to publish a snapshot) and at the wake-up pipe.
    public static let batch = 256
    /// How often a busy worker publishes its counts.
    public static let publishEveryMicros: Int64 = 200_000
    /// At most this many frames already in the kernel ring are judged after a stop.
    public static let drainLimit = 1 << 20

    /// `capture` is nil when the interface was not there at start and the daemon was asked to wait for it.
    public init(capture: HandOver?, session: Session, wakeup: Wakeup, control: Wakeup) {
        self.capture = capture?.capture
        self.linkType = capture?.linkType
        self.session = session
        self.wakeup = wakeup
        self.control = control
        if capture == nil { captureError = "waiting for the interface" }
        publish(ended: false)
    }

    /// Hands over a reloaded policy, taken between two packets; `reload` numbers the applied reloads from 0.
    /// A policy not yet taken when the next comes is never used: the worker goes straight to the next.
    public func post(policy: Policy, reload: Int = 0) {
        commands.withLock {
            $0.policy = policy
            $0.reload = reload
        }
        generation.add(1, ordering: .releasing)
        wakeup.wake()
    }

    /// Hands over a capture opened again after the last one was lost.
    public func post(capture: HandOver) {
        commands.withLock { $0.capture = capture }
        generation.add(1, ordering: .releasing)
        wakeup.wake()
    }

    /// Hands over the port's packet time: once this worker's ring is empty, its flow table's clock moves
    /// up to it (never back) and the flows idle then end, though this worker's host pairs are quiet.
    public func post(advance a: PortClock.Advance) {
        advance.withLock { pending in
            guard let p = pending else { return pending = a }
            let (budget, overflow) = p.budget.addingReportingOverflow(a.budget)
            pending = PortClock.Advance(to: max(p.to, a.to), budget: overflow ? .max : budget)
        }
        advanceGeneration.add(1, ordering: .releasing)
        wakeup.wake()
    }

    public func requestStop() {
        commands.withLock { $0.stop = true }
        generation.add(1, ordering: .releasing)
        wakeup.wake()
    }

    public func snapshot() -> WorkerSnapshot { published.withLock { $0 } }

    /// After the thread is joined: ends the flows still open, then publishes again, so that the closing
    /// stats and metrics hold none of the flows that flush ended as active.
    public func finish() -> ReplaySummary {
        let summary = session.finish(files: [])
        publish(ended: true)
        return summary
    }

    /// The worker's loop (the caller keeps the daemon's signals away from its thread): wait for packets or
    /// a command, judge every waiting packet, publish counts now and then. On stop, what the kernel has
    /// already captured is still judged, so nothing seen is lost.
    public func run() {
        var seen: UInt64 = 0
        var stopping = false
        var lastPublished = Monotonic.nowMicros()
        judgeFirstShared()
        running: while true {
            guard let capture, let linkType else {
                if waitForCapture(&seen) {
                    stopping = true
                    break running
                }
                continue running
            }
            var fds = [
                pollfd(fd: capture.selectableDescriptor, events: Int16(POLLIN), revents: 0),
                pollfd(fd: wakeup.readDescriptor, events: Int16(POLLIN), revents: 0),
            ]
            _ = poll(&fds, 2, 200)
            if fds[1].revents != 0 { _ = wakeup.drain() }
            var n = 0
            var emptied = false
            reading: while n < CaptureWorker.batch {
                let g = generation.load(ordering: .acquiring)
                if g != seen {
                    seen = g
                    batcher.flush(to: session, linkType: linkType)  // judged with the map they came under
                    if applyCommands() {
                        stopping = true
                        break running
                    }
                }
                switch capture.next() {
                case .frame(let f):
                    batcher.add(
                        timestamp: f.timestampMicros, bytes: f.bytes, wireLength: f.wireLength, to: session,
                        linkType: linkType)
                    n += 1
                case .empty:
                    emptied = true
                    break reading
                case .error(let e):
                    batcher.flush(to: session, linkType: linkType)
                    lose(e)
                    publish(ended: false)
                    continue running
                }
            }
            batcher.flush(to: session, linkType: linkType)
            // Every frame the kernel had for this worker is judged: packet time before the port's is past.
            if emptied { advanceIfPosted() }
            let now = Monotonic.nowMicros()
            if now - lastPublished >= CaptureWorker.publishEveryMicros {
                publish(ended: false)
                lastPublished = now
            }
        }
        if let linkType { batcher.flush(to: session, linkType: linkType) }
        if stopping { drain() }
        publish(ended: true)
        control.wake()
    }

    /// The capture failed while running: close it now (a fanout group lives as long as any of its
    /// sockets), keep its counts, and wait for the control thread to hand over a new one.
    private func lose(_ error: PcapError) {
        kernelBefore = kernelBefore + kernelNow
        kernelNow = KernelStats()
        capture = nil
        captureError = error.message
    }

    /// While there is no capture: wait for a command (a new capture, a policy, the stop). True on stop.
    private func waitForCapture(_ seen: inout UInt64) -> Bool {
        var fds = [pollfd(fd: wakeup.readDescriptor, events: Int16(POLLIN), revents: 0)]
        _ = poll(&fds, 1, Int32(CaptureWorker.publishEveryMicros / 1000))
        if fds[0].revents != 0 { _ = wakeup.drain() }
        let g = generation.load(ordering: .acquiring)
        if g != seen {
            seen = g
            if applyCommands() { return true }
        }
        advanceIfPosted()
        publish(ended: false)
        return false
    }

    /// Brings the flow table up to the port's packet time posted since the last look (`post(advance:)`).
    private func advanceIfPosted() {
        let g = advanceGeneration.load(ordering: .acquiring)
        guard g != advanceSeen else { return }
        advanceSeen = g
        let posted = advance.withLock { p -> PortClock.Advance? in
            defer { p = nil }
            return p
        }
        guard let a = posted else { return }
        session.verifier.advance(to: a.to, budget: a.budget)
    }

    /// Applies a pending policy and a handed-over capture; true when a stop was asked for.
    private func applyCommands() -> Bool {
        let (policy, reload, handOver, stop) = commands.withLock { c -> (Policy?, Int, HandOver?, Bool) in
            defer {
                c.policy = nil
                c.capture = nil
            }
            return (c.policy, c.reload, c.capture, c.stop)
        }
        if let policy {
            policySwitches.append((reload, session.verifier.counters.lastPacketMicros))
            session.replacePolicy(policy)
            // New VXLAN or Geneve ports: the fanout program must open what the verifier now opens. Every
            // member sets the same program (the group keeps one); a refusal keeps the old one, as a
            // replacement that cannot be made would.
            _ = capture?.updateFanoutProgram(tunnelPorts: policy.config.tunnelPorts)
        }
        if let handOver {
            capture = handOver.capture
            linkType = handOver.linkType
            captureError = nil
            restarts &+= 1
            judgeFirstShared()
        }
        return stop
    }

    /// The frame a new capture read past the join of its fanout group, the first of this worker's share.
    private func judgeFirstShared() {
        guard let capture, let linkType else { return }
        capture.takeFirstShared {
            batcher.add(
                timestamp: $0.timestampMicros, bytes: $0.bytes, wireLength: $0.wireLength, to: session,
                linkType: linkType)
        }
    }

    /// Judges what the kernel holds at the stop. The socket takes no more first, so the closing counts
    /// reconcile: kernel `received` is the frames judged plus those dropped, not also those that came
    /// after the stop (counted as received, but never read).
    private func drain() {
        guard let capture, let linkType else { return }
        _ = capture.stopIntake()
        var n = 0
        while n < CaptureWorker.drainLimit, case .frame(let f) = capture.next() {
            batcher.add(
                timestamp: f.timestampMicros, bytes: f.bytes, wireLength: f.wireLength, to: session, linkType: linkType)
            n += 1
        }
        batcher.flush(to: session, linkType: linkType)
    }

    private func publish(ended: Bool) {
        let v = session.verifier
        if let k = capture?.stats() {
            kernelNow = k
            kernelKnown = true
        }
        var s = WorkerSnapshot()
        s.packets = v.counters.packets
        s.bytes = v.counters.bytes
        s.flows = v.counters.flows
        s.flowsActive = v.activeFlows
        s.flowsEvicted = v.flows.evictions
        s.flowCapacity = v.flows.capacity
        s.alerts = v.counters.alerts
        s.alertsByRule = v.counters.alertsByRule
        s.hostFindingsByRule = v.counters.hostFindingsByRule
        s.tunnelAlertsByRule = session.tunnelAlertsByRule
        s.anomalies = v.counters.anomalyTotal
        s.lastPacketMicros = v.counters.lastPacketMicros
        s.clockMicros = v.flows.clock
        s.kernel = kernelKnown ? kernelBefore + kernelNow : nil
        s.capturing = capture != nil
        s.captureError = captureError
        s.captureRestarts = restarts
        s.ended = ended
        published.withLock { $0 = s }
    }
}
