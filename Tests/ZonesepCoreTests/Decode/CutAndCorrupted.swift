import ZonesepTestSupport

/// The frames a fast-path decoder is held to its general reading on: every prefix of each shape, and
/// `corruptions` copies of each with one to three bytes replaced, mostly among its first `headerBytes`
/// (where acceptance is decided), sometimes anywhere. `accepts` checks one frame (named for a failure
/// message) and says whether the decoder took it; the counts let a test fail a decoder that refuses all.
func cutAndCorrupted(
    _ shapes: [(String, [UInt8])], corruptions: Int, headerBytes: Int, seed: UInt64,
    _ accepts: (_ frame: [UInt8], _ what: String) -> Bool
) -> (accepted: Int, refused: Int) {
    var accepted = 0
    var refused = 0
    func count(_ took: Bool) {
        if took { accepted += 1 } else { refused += 1 }
    }
    var r = SplitMix64(seed: seed)
    for (name, bytes) in shapes {
        for cut in 0...bytes.count { count(accepts(Array(bytes.prefix(cut)), "\(name) cut to \(cut)")) }
        for i in 0..<corruptions {
            var corrupted = bytes
            for _ in 0..<(1 + Int.random(in: 0..<3, using: &r)) {
                let at =
                    Bool.random(using: &r)
                    ? Int.random(in: 0..<min(bytes.count, headerBytes), using: &r)
                    : Int.random(in: 0..<bytes.count, using: &r)
                corrupted[at] = UInt8(truncatingIfNeeded: r.next())
            }
            count(accepts(corrupted, "\(name) corruption \(i): \(corrupted)"))
        }
    }
    return (accepted, refused)
}
