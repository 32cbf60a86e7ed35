import ZonesepCore

/// What a live capture's `files` entry says of the time its sensor was blind: each outage (the interface
/// gone, the capture down, the link down or without carrier) with its span in the sensor's wall clock, how
/// many times the capture was opened again, and the time blind in all.
public struct LiveCaptureRecord: Sendable, Equatable {
    /// The longest outages, in time order, at most `CaptureOutage.listed`; the others counted.
    public var outages: [CaptureOutage]
    public var outagesNotListed: UInt64
    /// Every outage's length added up, listed or not (µs).
    public var blindMicros: Int64
    /// Captures opened after the first was lost (or, waiting for the interface, never opened): the most of
    /// any worker, each of which has a handle of its own.
    public var captureRestarts: UInt64

    public init(outages: [CaptureOutage], outagesNotListed: UInt64, blindMicros: Int64, captureRestarts: UInt64) {
        self.outages = outages
        self.outagesNotListed = outagesNotListed
        self.blindMicros = blindMicros
        self.captureRestarts = captureRestarts
    }

    public var hadOutages: Bool { !outages.isEmpty || outagesNotListed > 0 }

    /// Outages in all, listed or not (wrapping: a saved run's counts are its own).
    public var outageCount: UInt64 { UInt64(outages.count) &+ outagesNotListed }

    /// Whole seconds blind, rounded up: an outage of a fraction of a second still reads as one.
    public var blindSeconds: Int64 { blindMicros / 1_000_000 &+ (blindMicros % 1_000_000 > 0 ? 1 : 0) }

    /// The most a saved run's `blind_seconds` may say: more could not be held in microseconds (a file edited
    /// by hand, or damaged, is refused with its line rather than read as nonsense).
    public static let maxBlindSeconds = Int64.max / 1_000_000

    /// The files table's status of the interface: nil when it was never blind.
    public var status: String? {
        guard hadOutages else { return nil }
        let n = outageCount
        return "blind \(blindSeconds) s: \(n) capture outage\(n == 1 ? "" : "s")"
    }

    /// The text summary's line, after the drops line: the packet span reads as one capture, which it was not.
    public func textLine(path: String) -> String? {
        guard hadOutages else { return nil }
        let n = outageCount
        let kinds = CaptureOutage.Kind.allCases.filter { k in outages.contains { $0.kind == k } }.map(\.rawValue)
        return "\(path): blind for \(blindSeconds) s in \(n) capture \(n == 1 ? "outage" : "outages") ("
            + kinds.joined(separator: ", ")
            + "; \(captureRestarts) capture \(captureRestarts == 1 ? "restart" : "restarts")"
            + "): nothing on the port was seen then, and \"no violation\" says nothing of that time.\n"
    }

    func add(to x: inout JSONObject) {
        x.add("capture_restarts", captureRestarts)
        x.addRaw(
            "outages",
            JSONObject.array(
                outages.map {
                    var o = JSONObject()
                    o.add("from", Timestamp.rfc3339($0.fromMicros))
                    o.add("to", Timestamp.rfc3339($0.toMicros))
                    o.add("kind", $0.kind.rawValue)
                    return o.json
                }))
        if outagesNotListed > 0 { x.add("outages_not_listed", outagesNotListed) }
        x.add("blind_seconds", blindSeconds)
    }
}
