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
        ruleCount = texts.ruleNames.count
        slotCount = texts.nameJSON.count
        initiatorCount = texts.initiatorNames.count
        // The runs one after another into one array, then into the allocation, in the order `keys(of:)`
        // counts them.
        var all: [UInt8] = []
        var ends: [Int] = []
        func ascii(_ s: StaticString) { s.withUTF8Buffer { all.append(contentsOf: $0) } }
        func end() { ends.append(all.count) }
        for r in 0..<ruleCount {
            ascii(",\"event_type\":\"alert\",\"rule\":")
            all += texts.ruleNames[r]
            ascii(",\"severity\":")
            all += texts.severityNames[r]
            end()
        }
        for z in 0..<slotCount {
            ascii(",\"src_zone\":")
            all += texts.nameJSON[z]
            end()
        }
        for z in 0..<slotCount {
            for m in 0..<initiatorCount {
                ascii(",\"dest_zone\":")
                all += texts.nameJSON[z]
                ascii(",\"initiator\":")
                all += texts.initiatorNames[m]
                end()
            }
        }
        for z in 0..<slotCount {
            ascii(",\"sensor\":")
            all += texts.sensorJSON
            ascii(",\"message\":\"")
            all += texts.labelJSON[z]
            ascii(" ")
            end()
        }
        for z in 0..<slotCount {
            ascii(" \u{2192} ")
            all += texts.labelJSON[z]
            ascii(" ")
            end()
        }
        bytes = .allocate(capacity: max(all.count, 1))
        bytes.initialize(from: all, count: all.count)
        bounds = .allocate(capacity: ends.count + 1)
        bounds.initialize(to: 0)
        (bounds + 1).initialize(from: ends, count: ends.count)
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
