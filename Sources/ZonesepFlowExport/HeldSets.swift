/// Data sets that arrived before their template (a collector started after the exporter sent it, or a
/// datagram reordered ahead of it), kept until the template comes. Bounded by count, bytes and age (the
/// decoder expires them, and takes them all at the end); every set let go is counted as `noTemplate` by
/// its exporter, so nothing is dropped silently. Kept in arrival order; arrival times are the monotonic
/// clock's, which never go back, so the sets past an age are always a prefix (`expire`).
struct HeldSets {
    struct Held {
        var session: SessionKey
        var templateID: UInt16
        var clock: ExportClock
        /// The source port of the datagram that carried it, and when it arrived (monotonic).
        var port: UInt16
        var receivedMicros: Int64
        var bytes: [UInt8]
    }

    var sets: [Held] = []
    var totalBytes = 0
    let maxSets: Int
    let maxBytes: Int

    init(maxSets: Int, maxBytes: Int) {
        self.maxSets = maxSets
        self.maxBytes = maxBytes
    }

    /// Keeps a copy of `body` (a data set's records) for `templateID`, evicting the oldest held sets to
    /// make room; returns whether it was kept (a set larger than the whole budget is not) and the sessions
    /// whose sets were evicted (one entry per set).
    mutating func hold(
        _ body: UnsafeRawBufferPointer, session: SessionKey, templateID: UInt16, clock: ExportClock, port: UInt16,
        receivedMicros: Int64
    ) -> (held: Bool, evicted: [SessionKey]) {
        guard maxSets > 0, body.count <= maxBytes else { return (false, []) }
        var evicted: [SessionKey] = []
        while sets.count >= maxSets || totalBytes + body.count > maxBytes, !sets.isEmpty {
            let old = sets.removeFirst()
            totalBytes -= old.bytes.count
            evicted.append(old.session)
        }
        sets.append(
            Held(
                session: session, templateID: templateID, clock: clock, port: port, receivedMicros: receivedMicros,
                bytes: Array(body)))
        totalBytes += body.count
        return (true, evicted)
    }

    /// Removes and returns, oldest first, the sets held for `templateID` of `session`.
    mutating func take(session: SessionKey, templateID: UInt16) -> [Held] {
        guard sets.contains(where: { $0.session == session && $0.templateID == templateID }) else { return [] }
        var taken: [Held] = []
        var kept: [Held] = []
        for h in sets {
            if h.session == session && h.templateID == templateID { taken.append(h) } else { kept.append(h) }
        }
        sets = kept
        totalBytes = kept.reduce(0) { $0 + $1.bytes.count }
        return taken
    }

    /// Removes the sets that arrived before `cutoff` (the oldest, since sets are kept in arrival order);
    /// returns their sessions, one entry per set.
    mutating func expire(receivedBefore cutoff: Int64) -> [SessionKey] {
        let n = sets.prefix { $0.receivedMicros < cutoff }.count
        guard n > 0 else { return [] }
        let gone = sets[..<n].map(\.session)
        sets.removeFirst(n)
        totalBytes = sets.reduce(0) { $0 + $1.bytes.count }
        return gone
    }

    /// Removes and returns every set held.
    mutating func takeAll() -> [Held] {
        defer {
            sets = []
            totalBytes = 0
        }
        return sets
    }
}
