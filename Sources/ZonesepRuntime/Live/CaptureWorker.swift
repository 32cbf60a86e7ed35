import Synchronization
import ZonesepCapture
import ZonesepCore
import ZonesepOutput

#if canImport(Glibc)
    import Glibc
#endif

/// What a worker last published for the stats record: read by the control thread while it runs.
public struct WorkerSnapshot: Sendable {
    public var packets: UInt64 = 0
    public var bytes: UInt64 = 0
    public var flows: UInt64 = 0
    public var flowsActive = 0
    public var alerts: UInt64 = 0
    public var anomalies: UInt64 = 0
    public var lastPacketMicros: Int64?
    public var kernel: KernelStats?
    /// The worker has left its loop (stopped, or its capture failed).
    public var ended = false

    public init() {}
}

/// One capture thread: its own libpcap handle (a member of the fanout group when there are several) and
/// its own session, so a flow's state never crosses threads. The control thread reaches it only through
/// `post(policy:)`, `requestStop()` and `snapshot()`.
///
/// `@unchecked Sendable`: `capture` and `session` are used by the worker's thread alone from `start` until
/// the control thread has joined it; everything shared is behind a Mutex or an Atomic.
public final class CaptureWorker: @unchecked Sendable {
    private struct Commands {
        var policy: Policy?
        var stop = false
    }

    public let capture: PcapLive
    public let linkType: LinkType
    public let session: Session
    private let wakeup: Wakeup
    /// Wakes the control thread when this worker ends.
    private let control: Wakeup
    /// Bumped with every command, so the per-packet check is one relaxed load.
    private let generation = Atomic<UInt64>(0)
    private let commands = Mutex(Commands())
    private let published = Mutex(WorkerSnapshot())
    /// Why the capture ended by itself; read after the join.
    public private(set) var failure: PcapError?
    /// Frames waiting to go through the engine together.
    private let batcher = FrameBatcher()

    /// Packets read between two looks at the clock (to publish a snapshot) and at the wake-up pipe.
    public static let batch = 256
    /// How often a busy worker publishes its counts.
    public static let publishEveryMicros: Int64 = 200_000
    /// At most this many frames already in the kernel ring are judged after a stop.
    public static let drainLimit = 1 << 20

    public init(capture: PcapLive, linkType: LinkType, session: Session, wakeup: Wakeup, control: Wakeup) {
        self.capture = capture
        self.linkType = linkType
        self.session = session
        self.wakeup = wakeup
        self.control = control
    }

    /// Hands over a reloaded policy, taken between two packets.
    public func post(policy: Policy) {
        commands.withLock { $0.policy = policy }
        generation.add(1, ordering: .releasing)
        wakeup.wake()
    }

    public func requestStop() {
        commands.withLock { $0.stop = true }
        generation.add(1, ordering: .releasing)
        wakeup.wake()
    }

    public func snapshot() -> WorkerSnapshot { published.withLock { $0 } }

    /// The worker's loop (the caller keeps the daemon's signals away from its thread): wait for packets or a command, judge every waiting packet, publish counts now and
    /// then. On stop, what the kernel has already captured is still judged, so nothing seen is lost.
    public func run() {
        var fds = [
            pollfd(fd: capture.selectableDescriptor, events: Int16(POLLIN), revents: 0),
            pollfd(fd: wakeup.readDescriptor, events: Int16(POLLIN), revents: 0),
        ]
        var seen: UInt64 = 0
        var stopping = false
        var lastPublished = Monotonic.nowMicros()
        running: while true {
            _ = poll(&fds, 2, 200)
            if fds[1].revents != 0 { _ = wakeup.drain() }
            var n = 0
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
                    break reading
                case .error(let e):
                    failure = e
                    break running
                }
            }
            batcher.flush(to: session, linkType: linkType)
            let now = Monotonic.nowMicros()
            if now - lastPublished >= CaptureWorker.publishEveryMicros {
                publish(ended: false)
                lastPublished = now
            }
        }
        batcher.flush(to: session, linkType: linkType)
        if stopping { drain() }
        publish(ended: true)
        control.wake()
    }

    /// Applies a pending policy; true when a stop was asked for.
    private func applyCommands() -> Bool {
        let (policy, stop) = commands.withLock { c -> (Policy?, Bool) in
            defer { c.policy = nil }
            return (c.policy, c.stop)
        }
        if let policy { session.replacePolicy(policy) }
        return stop
    }

    private func drain() {
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
        var s = WorkerSnapshot()
        s.packets = v.counters.packets
        s.bytes = v.counters.bytes
        s.flows = v.counters.flows
        s.flowsActive = v.activeFlows
        s.alerts = v.counters.alerts
        s.anomalies = v.counters.anomalyTotal
        s.lastPacketMicros = v.counters.lastPacketMicros
        s.kernel = capture.stats()
        s.ended = ended
        published.withLock { $0 = s }
    }
}
