/// The datagrams one session accepted lately, each by its sequence number and a hash of its bytes: the
/// same datagram sent again (a duplicate) repeats both, where a late datagram brings a sequence number
/// not received and a restarted exporter other bytes (another export time or uptime) under an old one.
///
/// 8-way set-associative (a set is one cache line), the entry of a full set that arrived first giving way
/// (by arrival, not by sequence number: after a restart the older entries have the higher numbers). A sequence
/// that counts datagrams (NetFlow v9, sFlow) fills the sets in turn, 8 consecutive numbers a set, so the
/// last 4,096 datagrams are all kept; one that counts records (IPFIX, NetFlow v5) steps by a datagram's
/// records, and is spread by a hash: nearly all of the last 1,000 datagrams are kept, most of the last
/// 2,000. The table starts small and doubles as the session sends, up to `maxEntries`, within a budget the
/// decoder keeps for all sessions: a session of one datagram costs 512 bytes.
struct ReceivedDatagrams {
    static let ways = 8
    static let initialEntries = 64
    static let maxEntries = 4096

    /// `sequence << 32 | hash` (the hash's low bit set, so that no entry is 0, an empty place).
    private var entries: [UInt64] = []
    /// Datagrams remembered in all: the table grows once it has taken half as many as it holds, so that
    /// hashed sequences seldom fill a set.
    private var inserted = 0
    /// Sets, less 1 (a power of 2).
    private var mask: UInt32 = 0
    /// Per set, the place the next entry takes: the one that arrived first of a full set.
    private var next: [UInt8] = []

    var capacity: Int { entries.count }

    /// A 32-bit hash of a datagram's bytes (8 at a time; never 0).
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var h: UInt64 = 0x9e37_79b9_7f4a_7c15 ^ UInt64(bytes.count)
        var i = 0
        while i + 8 <= bytes.count {
            h = ((h << 5 | h >> 59) ^ bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0x517c_c1b7_2722_0a95
            i += 8
        }
        var tail: UInt64 = 0
        while i < bytes.count {
            tail = tail << 8 | UInt64(bytes[i])
            i += 1
        }
        h = ((h << 5 | h >> 59) ^ tail) &* 0x517c_c1b7_2722_0a95
        h ^= h >> 29
        return UInt32(truncatingIfNeeded: h >> 32) | 1
    }

    /// The first place of the set `sequence` belongs to.
    private func set(of sequence: UInt32, countsDatagrams: Bool) -> Int {
        var x = sequence
        if countsDatagrams {
            x >>= 3
        } else {
            // murmur3's finaliser: steps of any size spread over the sets.
            x ^= x >> 16
            x &*= 0x85eb_ca6b
            x ^= x >> 13
            x &*= 0xc2b2_ae35
            x ^= x >> 16
        }
        return Int(x & mask) &* Self.ways
    }

    func contains(sequence: UInt32, hash: UInt32, countsDatagrams: Bool) -> Bool {
        guard !entries.isEmpty else { return false }
        let entry = UInt64(sequence) << 32 | UInt64(hash)
        let first = set(of: sequence, countsDatagrams: countsDatagrams)
        for i in first..<(first + Self.ways) where entries[i] == entry { return true }
        return false
    }

    /// Remembers a datagram; grows first when it may (`mayGrow`: the decoder's budget allows). Returns the
    /// entries the table grew by.
    mutating func insert(sequence: UInt32, hash: UInt32, countsDatagrams: Bool, mayGrow: Bool) -> Int {
        var grown = 0
        if entries.isEmpty {
            grown = resize(Self.initialEntries, countsDatagrams: countsDatagrams)
        } else if inserted * 2 >= entries.count && entries.count < Self.maxEntries && mayGrow {
            grown = resize(entries.count * 2, countsDatagrams: countsDatagrams)
        }
        inserted += 1
        place(UInt64(sequence) << 32 | UInt64(hash), countsDatagrams: countsDatagrams)
        return grown
    }

    /// Puts `entry` in its set, in place of the entry that arrived first.
    private mutating func place(_ entry: UInt64, countsDatagrams: Bool) {
        let first = set(of: UInt32(truncatingIfNeeded: entry >> 32), countsDatagrams: countsDatagrams)
        for i in first..<(first + Self.ways) where entries[i] == entry { return }
        let s = first / Self.ways
        entries[first + Int(next[s])] = entry
        next[s] = (next[s] + 1) & UInt8(Self.ways - 1)
    }

    /// Grows to `count` entries, each set's entries placed again in the order they arrived.
    private mutating func resize(_ count: Int, countsDatagrams: Bool) -> Int {
        let (old, oldNext) = (entries, next)
        entries = Array(repeating: 0, count: count)
        next = Array(repeating: 0, count: count / Self.ways)
        mask = UInt32(count / Self.ways - 1)
        for (s, n) in oldNext.enumerated() {
            for k in 0..<Self.ways {
                let e = old[s * Self.ways + (Int(n) + k) % Self.ways]
                if e != 0 { place(e, countsDatagrams: countsDatagrams) }
            }
        }
        return count - old.count
    }
}
