/// Turns the daemon's counts, sampled once a second, into the warnings an operator must see on stderr:
/// the kernel dropping packets, the link going down or coming back, the capture lost and regained, the
/// flow table starting to evict. Each kind is rate-limited on its own clock (monotonic time), and a
/// warning held back is not lost: its count goes into the next one, so the numbers always add up.
public struct LossWarnings: Sendable {
    /// One sample of what the daemon can see.
    public struct Sample: Sendable {
        /// Monotonic microseconds.
        public var now: Int64
        /// The kernel's drop counts since the start (ring full, and the interface's own).
        public var kernelDropped: UInt64
        public var interfaceDropped: UInt64
        /// Flows pushed out of a full table since the start.
        public var evicted: UInt64
        public var flowCapacity: Int
        public var link: InterfaceState
        /// Workers whose capture is open, of `workers`.
        public var capturing: Int
        public var workers: Int
        /// Why the capture is down (the last failure), when it is.
        public var captureError: String?

        public init(
            now: Int64, kernelDropped: UInt64 = 0, interfaceDropped: UInt64 = 0, evicted: UInt64 = 0,
            flowCapacity: Int = 0, link: InterfaceState = .up, capturing: Int = 1, workers: Int = 1,
            captureError: String? = nil
        ) {
            self.now = now
            self.kernelDropped = kernelDropped
            self.interfaceDropped = interfaceDropped
            self.evicted = evicted
            self.flowCapacity = flowCapacity
            self.link = link
            self.capturing = capturing
            self.workers = workers
            self.captureError = captureError
        }
    }

    public let interface: String
    /// At most one drop warning this often (its count covers everything since the last one).
    public var dropEvery: Int64 = 60_000_000
    /// At most one eviction warning this often.
    public var evictionEvery: Int64 = 600_000_000
    /// At most this many link or capture changes are told per `linkWindow`; the rest are counted.
    public var linkBurst = 6
    public var linkWindow: Int64 = 60_000_000

    private var previous: Sample?
    private var dropsReported: UInt64 = 0
    private var lastDropWarning: Int64?
    private var evictionsReported: UInt64 = 0
    private var lastEvictionWarning: Int64?
    private var linkSince: Int64 = 0
    private var captureDownSince: Int64?
    private var linkWindowStart: Int64?
    private var linkTold = 0
    private var linkUntold = 0

    public init(interface: String) { self.interface = interface }

    /// The warnings this sample calls for (usually none).
    public mutating func observe(_ s: Sample) -> [String] {
        var out: [String] = []
        guard let p = previous else {
            // The counts start at zero with the capture, so drops and evictions before this first look are
            // told like later ones; a link already down is told as it is.
            previous = s
            linkSince = s.now
            if s.link != .up { out.append(linkText(s.link, after: nil)) }
            return out + losses(s)
        }
        previous = s

        if s.link != p.link {
            let after = s.link == .up ? s.now - linkSince : nil
            linkSince = s.now
            tellLinkChange(linkText(s.link, after: after), now: s.now, into: &out)
        }
        if s.capturing < s.workers && p.capturing == p.workers {
            captureDownSince = s.now
            let which =
                s.workers == 1 ? "the capture" : "the capture of \(s.workers - s.capturing) of \(s.workers) workers"
            let why = s.captureError.map { " (\($0))" } ?? ""
            tellLinkChange(
                "\(interface): \(which) stopped\(why); flows and state are kept, retrying until the interface is back",
                now: s.now, into: &out)
        } else if s.capturing == s.workers && p.capturing < p.workers {
            let gap = captureDownSince.map { " after \(Self.seconds(s.now - $0))" } ?? ""
            captureDownSince = nil
            tellLinkChange("\(interface): capturing again\(gap)", now: s.now, into: &out)
        }
        if linkUntold > 0, let start = linkWindowStart, s.now - start >= linkWindow {
            // With the state now: the last change told may no longer hold.
            out.append(
                "\(interface): \(linkUntold) more link or capture changes in the last \(Self.seconds(linkWindow)); "
                    + "now: \(Self.state(s))")
            linkUntold = 0
            linkWindowStart = s.now
            linkTold = 0
        }

        return out + losses(s)
    }

    /// The stop, with the last sample: what the rate limits held back is told whatever their clocks say
    /// (the link or capture changes not told, with the state at the stop; drops and evictions since their
    /// last warnings), so that stderr's last word on each is true.
    public mutating func finish(_ s: Sample) -> [String] {
        var out = observe(s)
        if linkUntold > 0 {
            let since = linkWindowStart.map { " in the last \(Self.seconds(s.now - $0))" } ?? ""
            out.append(
                "\(interface): \(linkUntold) more link or capture changes\(since); at the stop: \(Self.state(s))")
            linkUntold = 0
        }
        return out + losses(s, atOnce: true)
    }

    /// The link's and the capture's state in a few words, for a line that counts changes not told one by one.
    static func state(_ s: Sample) -> String {
        let link =
            switch s.link {
            case .up: "link up"
            case .noCarrier: "link down (no carrier)"
            case .down: "interface administratively down"
            case .missing: "interface gone"
            }
        let capture =
            s.capturing >= s.workers
            ? "capturing"
            : s.workers == 1 ? "not capturing" : "\(s.workers - s.capturing) of \(s.workers) workers not capturing"
        return "\(link), \(capture)"
    }

    /// Drops and evictions since the last warning of each, when its clock allows (or `atOnce`).
    private mutating func losses(_ s: Sample, atOnce: Bool = false) -> [String] {
        var out: [String] = []
        let dropped = s.kernelDropped &+ s.interfaceDropped
        if dropped > dropsReported && (atOnce || lastDropWarning.map({ s.now - $0 >= dropEvery }) ?? true) {
            let since = lastDropWarning.map { " in the last \(Self.seconds(s.now - $0))" } ?? ""
            out.append(
                "\(interface): the kernel dropped \(dropped - dropsReported) packets\(since) (\(dropped) since the "
                    + "start): the sensor is losing traffic; give it a bigger --buffer-size or more --workers")
            dropsReported = dropped
            lastDropWarning = s.now
        }

        if s.evicted > evictionsReported, atOnce || lastEvictionWarning.map({ s.now - $0 >= evictionEvery }) ?? true {
            let first = lastEvictionWarning == nil
            let n = s.evicted - evictionsReported
            out.append(
                first
                    ? "\(Self.fullTable(s)): \(n) least recently seen flows evicted; "
                        + "a flow seen again after its eviction is judged as new; raise --max-flows"
                    : "the flow table evicted \(n) more flows in the last \(Self.seconds(s.now - (lastEvictionWarning ?? 0))) "
                        + "(\(s.evicted) since the start)")
            evictionsReported = s.evicted
            lastEvictionWarning = s.now
        }
        return out
    }

    /// Which table is full: with several workers, one of theirs (each holds `--max-flows`; `flowCapacity`
    /// adds them up).
    static func fullTable(_ s: Sample) -> String {
        s.workers > 1
            ? "a worker's flow table is full (\(s.flowCapacity / s.workers) flows, each of \(s.workers) workers)"
            : "the flow table is full (\(s.flowCapacity) flows)"
    }

    private mutating func tellLinkChange(_ text: String, now: Int64, into out: inout [String]) {
        if linkWindowStart.map({ now - $0 >= linkWindow }) ?? true {
            linkWindowStart = now
            linkTold = 0
        }
        if linkTold < linkBurst {
            linkTold += 1
            out.append(text)
        } else {
            linkUntold += 1
        }
    }

    private func linkText(_ state: InterfaceState, after: Int64?) -> String {
        switch state {
        case .up: return "\(interface): link up" + (after.map { " after \(Self.seconds($0)) down" } ?? "")
        case .noCarrier: return "\(interface): link down (no carrier): nothing reaches the sensor until it is back"
        case .down: return "\(interface): interface is administratively down (ip link set \(interface) up)"
        case .missing: return "\(interface): the interface is gone"
        }
    }

    static func seconds(_ micros: Int64) -> String {
        let s = Double(micros) / 1_000_000
        if s < 10 { return "\(Double(Int((s * 10).rounded())) / 10) s" }
        return "\(Int(s.rounded())) s"
    }
}
