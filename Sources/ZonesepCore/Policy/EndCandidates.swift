/// What one class of address (a zone, or external, unzoned, local) can be to the declarations: for each
/// kind, the declarations that name an address of it as initiator and as responder (bit `i & 63` for
/// declaration i of the kind), and the class's row in `Policy.pairs`.
///
/// A new flow ANDs its initiator's word and its responder's: zero means that no declaration of the kind
/// can match the flow, which most flows learn in one compare instead of a probe of the kind's index (a
/// flow between two zones of one kind paid about 100 instructions to find no conduit). A kind of at most
/// 64 declarations is matched by verifying the candidates the word names, in file order; a larger one by
/// its `DeclarationIndex`, which the word only gates. The words are worked out from the addresses' zones,
/// so they hold only for a flow whose zones are the ones this policy's map gives its addresses.
@usableFromInline
struct EndCandidates: BitwiseCopyable {
    @usableFromInline var conduitFrom: UInt64 = 0
    @usableFromInline var conduitTo: UInt64 = 0
    @usableFromInline var sanitisationFrom: UInt64 = 0
    @usableFromInline var sanitisationTo: UInt64 = 0
    /// Gateways holding an address of the class (a gateway has no sides).
    @usableFromInline var gateway: UInt64 = 0
    @usableFromInline var exceptionFrom: UInt64 = 0
    @usableFromInline var exceptionTo: UInt64 = 0
    /// The class for `Policy.pairs`: its zone's kind (its position in `ZoneKind.allCases`), or external
    /// (3), unzoned (4), local (5).
    @usableFromInline var pairClass: Int = 0

    /// The most declarations of a kind whose candidates a word names exactly (one bit each).
    static let exactKinds = UInt64.bitWidth

    /// The position of `ref`'s class in the table: external, unzoned and local first (the top three
    /// codes wrap round to 0, 1, 2), then the zones in order. One add, no branch.
    @inlinable @inline(__always)
    static func slot(_ ref: ZoneRef) -> Int { Int(truncatingIfNeeded: ref.rawValue &+ 3) }

    /// Declaration `i`'s bit in a word.
    static func bit(_ i: Int) -> UInt64 { 1 << UInt64(i & 63) }

    /// The table of `config`, indexed by `slot`, from `map` (`config`'s own zone map).
    static func table(_ config: PolicyConfig, _ map: ZoneMap) -> [EndCandidates] {
        let slots = config.zones.count + 3
        // The seven words of each slot side by side while they are marked (a key path per write cost
        // more than the marking).
        var words = [UInt64](repeating: 0, count: slots * 7)
        mark(config.conduits, { $0.from }, 0, &words, map)
        mark(config.conduits, { $0.to }, 1, &words, map)
        mark(config.sanitisation, { $0.from }, 2, &words, map)
        mark(config.sanitisation, { $0.to }, 3, &words, map)
        mark(config.gateways, { $0.addresses }, 4, &words, map)
        mark(config.exceptions, { $0.from }, 5, &words, map)
        mark(config.exceptions, { $0.to }, 6, &words, map)
        return (0..<slots).map { s in
            let w = { (word: Int) in words[s * 7 + word] }
            return EndCandidates(
                conduitFrom: w(0), conduitTo: w(1), sanitisationFrom: w(2), sanitisationTo: w(3), gateway: w(4),
                exceptionFrom: w(5), exceptionTo: w(6),
                // External, unzoned and local, then the zones' kinds.
                pairClass: s < 3 ? 3 + s : ZoneKind.allCases.firstIndex(of: config.zones[s - 3].kind) ?? 0)
        }
    }

    /// Sets declaration i's bit in word `word` of every slot whose class an address of `list(declarations[i])`
    /// can take.
    /// Each prefix marks the classes of the ranges it meets. A wide one (a /8 over many zones, `::/0`)
    /// meets many, and a policy may name it in thousands of declarations: those are gathered first and
    /// each marks its ranges once, with the bits of all its declarations.
    ///
    /// The lists are read from the declarations in place: an array of them (`exceptions.map(\.from)`) was a
    /// large allocation and a reference count per declaration, for each of the seven words.
    private static func mark<D>(
        _ declarations: [D], _ list: (D) -> [IPPrefix], _ word: Int, _ words: inout [UInt64], _ map: ZoneMap
    ) {
        var wide: [IPPrefix: UInt64] = [:]
        for i in declarations.indices {
            for p in list(declarations[i]) {
                let r = map.ranges(from: p.first, through: p.last)
                if r.count > 8 {
                    wide[p, default: 0] |= bit(i)
                } else {
                    for k in r { words[slot(map.rangeClass(k)) &* 7 &+ word] |= bit(i) }
                }
            }
        }
        for (p, b) in wide {
            for k in map.ranges(from: p.first, through: p.last) { words[slot(map.rangeClass(k)) &* 7 &+ word] |= b }
        }
    }

    /// The smallest candidate in `candidates` (bit i: declaration i) that `classify` finds primary and,
    /// when there is none, the smallest secondary one; -1 for none (as `DeclarationIndex.firstTwo`).
    @inlinable
    static func firstTwo(
        in candidates: UInt64, classify: (Int) -> DeclarationIndex.Match
    ) -> (primary: Int, secondary: Int) {
        var left = candidates
        var secondary = -1
        while left != 0 {
            let i = left.trailingZeroBitCount
            left &= left &- 1
            switch classify(i) {
            case .none: continue
            case .primary: return (i, -1)
            case .secondary: if secondary < 0 { secondary = i }
            }
        }
        return (-1, secondary)
    }
}
