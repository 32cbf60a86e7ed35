import ZonesepCapture
import ZonesepCore

/// The outages of a `watch` run, for its summary: the control loop tells it, at every look (at least once a
/// second), what keeps the sensor blind, if anything; each stretch of one cause becomes a `CaptureOutage`.
/// Times are the sensor's wall clock, so each end is late by at most the loop's interval.
public struct OutageLog: Sendable, Equatable {
    /// The longest outages, in time order: at most `CaptureOutage.listed`.
    public private(set) var listed: [CaptureOutage] = []
    /// Outages ended but not listed (shorter than every one listed).
    public private(set) var notListed: UInt64 = 0
    /// The time blind, every outage counted, listed or not (µs).
    public private(set) var blindMicros: Int64 = 0
    /// The outage going on, and since when.
    private var open: (kind: CaptureOutage.Kind, since: Int64)?

    public init() {}

    public static func == (a: OutageLog, b: OutageLog) -> Bool {
        a.listed == b.listed && a.notListed == b.notListed && a.blindMicros == b.blindMicros
            && a.open?.kind == b.open?.kind && a.open?.since == b.open?.since
    }

    /// What keeps the sensor blind: the interface missing, a worker's capture closed, the link down or
    /// without carrier, in that order (the first names the cause best); nil when it sees the port.
    public static func kind(link: InterfaceState, capturing: Int, workers: Int) -> CaptureOutage.Kind? {
        switch link {
        case .missing: return .interfaceGone
        case _ where capturing < workers: return .captureDown
        case .down: return .linkDown
        case .noCarrier: return .noCarrier
        case .up: return nil
        }
    }

    /// The state at `now`: an outage of another kind (or none) ends the one going on there.
    public mutating func observe(_ kind: CaptureOutage.Kind?, now: Int64) {
        if let o = open, o.kind == kind { return }
        if let o = open { close(CaptureOutage(fromMicros: o.since, toMicros: max(o.since, now), kind: o.kind)) }
        open = kind.map { ($0, now) }
    }

    /// At the stop: an outage still going on ends at `now`.
    public mutating func finish(now: Int64) { observe(nil, now: now) }

    private mutating func close(_ o: CaptureOutage) {
        blindMicros &+= o.length
        if listed.count >= CaptureOutage.listed {
            // Full: the longest are kept (a night down must not go unlisted behind a hundred flaps).
            guard let shortest = listed.indices.reversed().min(by: { listed[$0].length < listed[$1].length }),
                listed[shortest].length < o.length
            else {
                notListed += 1
                return
            }
            listed.remove(at: shortest)
            notListed += 1
        }
        listed.append(o)  // ends come in time order, and so do their starts
    }
}
