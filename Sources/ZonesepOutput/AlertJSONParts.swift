import ZonesepCore

/// A map's prepared names (`ZoneTexts`) and the runs of an alert record that are the same for every alert
/// of a rule, a zone or a zone and an initiator method, each rendered once with its keys and punctuation: an
/// alert copies five runs where it wrote eighteen pieces (keys, names, labels, quotes), a fifth of its cost.
///
/// The runs lie in one allocation read through a pointer: copying one costs no reference count and no
/// check beyond its index's. Never changed after `init`, so shared freely between threads.
final class AlertJSONParts: @unchecked Sendable {
    let texts: ZoneTexts
    private let ruleCount: Int
    private let slotCount: Int
    private let initiatorCount: Int
    /// The runs one after another; run `k` is `bytes[bounds[k]..<bounds[k + 1]]`.
    private let bytes: UnsafeMutablePointer<UInt8>
    private let bounds: UnsafeMutablePointer<Int>

    init(texts: ZoneTexts) {
        self.texts = texts
        ruleCount = texts.ruleJSON.count
        slotCount = texts.nameJSON.count
        initiatorCount = texts.initiatorJSON.count
        var runs: [[UInt8]] = []
        func run(_ pieces: [UInt8]...) { runs.append(pieces.flatMap { $0 }) }
        func ascii(_ s: String) -> [UInt8] { Array(s.utf8) }
        // In the order `keys(of:)` counts them.
        for r in 0..<ruleCount {
            run(
                ascii(",\"event_type\":\"alert\",\"rule\":"), texts.ruleJSON[r], ascii(",\"severity\":"),
                texts.severityJSON[r])
        }
        for z in 0..<slotCount { run(ascii(",\"src_zone\":"), texts.nameJSON[z]) }
        for z in 0..<slotCount {
            for m in 0..<initiatorCount {
                run(ascii(",\"dest_zone\":"), texts.nameJSON[z], ascii(",\"initiator\":"), texts.initiatorJSON[m])
            }
        }
        for z in 0..<slotCount {
            run(ascii(",\"sensor\":"), texts.sensorJSON, ascii(",\"message\":\""), texts.labelJSON[z], ascii(" "))
        }
        for z in 0..<slotCount { run(ascii(" \u{2192} "), texts.labelJSON[z], ascii(" ")) }
        let total = runs.reduce(0) { $0 + $1.count }
        bytes = .allocate(capacity: max(total, 1))
        bounds = .allocate(capacity: runs.count + 1)
        var at = 0
        for (k, r) in runs.enumerated() {
            bounds[k] = at
            (bytes + at).initialize(from: r, count: r.count)
            at += r.count
        }
        bounds[runs.count] = at
    }

    deinit {
        bytes.deallocate()
        bounds.deallocate()
    }

    /// The runs of one alert, by index.
    struct Keys {
        /// `,"event_type":"alert","rule":…,"severity":…`
        let head: Int
        /// `,"src_zone":…`
        let srcZone: Int
        /// `,"dest_zone":…,"initiator":…`
        let destZone: Int
        /// `,"sensor":…,"message":"` and the initiator's zone label and a space.
        let messageHead: Int
        /// ` → `, the responder's zone label and a space.
        let arrow: Int
    }

    /// The runs of `a`, or nil when a part of it has none (a zone the map does not have): such an alert is
    /// written piece by piece.
    @inline(__always)
    func keys(of a: Alert) -> Keys? {
        let rule = Int(a.rule.rawValue)
        let initiator = Int(a.initiator.rawValue)
        guard rule < ruleCount, initiator < initiatorCount, let src = texts.slot(a.srcZone),
            let dest = texts.slot(a.destZone), src < slotCount, dest < slotCount
        else { return nil }
        let srcZones = ruleCount
        let destZones = srcZones + slotCount
        let messageHeads = destZones + slotCount * initiatorCount
        let arrows = messageHeads + slotCount
        return Keys(
            head: rule, srcZone: srcZones + src, destZone: destZones + dest * initiatorCount + initiator,
            messageHead: messageHeads + src, arrow: arrows + dest)
    }

    /// Run `k` (an index from `keys(of:)`).
    @inline(__always)
    func run(_ k: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: bytes + bounds[k], count: bounds[k + 1] - bounds[k])
    }
}
