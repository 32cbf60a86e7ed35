/// The time a `watch` reload took effect, as the summary gives it: each worker takes a new map between two of
/// its own packets, at its own moment, so "when the map changed" is the packet time of the last frame any
/// worker judged under the earlier map. Every later frame was judged under the new one.
public enum ReloadStamps {
    /// `switches`: per worker, the reloads it took in order (each with the time of its last frame before it);
    /// a worker may skip one that the next replaced before it was taken. `lastPackets`: per worker, its last
    /// frame's time at the end: a worker that never took reload `reload` (or a later one) judged all its frames
    /// under the earlier map. nil when no frame was judged under it.
    public static func lastUnderEarlierMap(
        reload: Int, switches: [[(reload: Int, lastPacketMicros: Int64?)]], lastPackets: [Int64?]
    ) -> Int64? {
        var latest: Int64?
        for (w, taken) in switches.enumerated() {
            let t: Int64?
            if let s = taken.first(where: { $0.reload >= reload }) {
                t = s.lastPacketMicros
            } else {
                t = w < lastPackets.count ? lastPackets[w] : nil
            }
            if let t { latest = max(latest ?? t, t) }
        }
        return latest
    }
}
