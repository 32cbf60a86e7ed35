#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// TCP connections that closed (FIN from both sides, or RST) and have left the flow table, remembered for
/// a while so that their stragglers do not start new flows.
///
/// A peer whose last ACK was lost retransmits its FIN, or answers with a RST, tens of seconds after the
/// connection closed (Linux keeps TIME_WAIT for 60 s, Windows for up to 240 s): such a packet belongs to the
/// connection that ended, not to a new one, and judged as a new flow it raised a second alert with an
/// `inferred` initiator. A TCP packet without SYN whose flow is not in the table but closed here within
/// `memory` is counted as an IP packet of the zone matrix and joins no flow.
///
/// Direct-mapped and fixed in size: a newer connection takes the slot of an older one, so the memory never
/// grows and nothing allocates per packet. Zero-filled by `calloc`, so slots cost memory only once used.
struct ClosedConnections {
    /// One remembered connection: its key, and the packet time until which stragglers are absorbed (0: empty).
    struct Slot {
        var key: FlowKey
        var until: Int64
        /// Renewals never reach past this (five memories after the close): traffic that keeps coming on a
        /// closed connection's tuple without a SYN (picked up mid-stream, or going on after a forged RST) is
        /// a flow again after it, judged and recorded, rather than absorbed for ever.
        var limit: Int64
    }

    private let slots: UnsafeMutablePointer<Slot>
    private let mask: Int
    private let allocatedByCalloc: Bool
    /// How long after its last packet a closed connection is remembered, in microseconds.
    let memory: Int64

    /// Two minutes: past Linux's TIME_WAIT and a FIN's retransmissions with backoff, within Windows' default.
    static let defaultMemory: Int64 = 120_000_000

    /// `capacity` slots, rounded up to a power of two (at least 1,024).
    init(capacity: Int, memory: Int64 = ClosedConnections.defaultMemory) {
        var n = 1024
        while n < capacity { n <<= 1 }
        mask = n - 1
        self.memory = memory
        // All-zero bits are an empty slot (until 0) of a valid key: calloc's pages stay untouched until used.
        let raw = calloc(n, MemoryLayout<Slot>.stride)
        allocatedByCalloc = raw != nil
        slots = (raw ?? UnsafeMutableRawPointer.allocate(byteCount: n * MemoryLayout<Slot>.stride, alignment: 16))
            .bindMemory(to: Slot.self, capacity: n)
        if raw == nil {
            UnsafeMutableRawPointer(slots).initializeMemory(
                as: UInt8.self, repeating: 0, count: n * MemoryLayout<Slot>.stride)
        }
    }

    /// Frees the slots (the owner calls it once, from its deinit).
    func deallocate() {
        if allocatedByCalloc {
            free(UnsafeMutableRawPointer(slots))
        } else {
            UnsafeMutableRawPointer(slots).deallocate()
        }
    }

    @inline(__always)
    private func slot(_ hash: UInt64) -> UnsafeMutablePointer<Slot> {
        // The high bits: the flow table's index uses the low ones.
        slots + (Int(truncatingIfNeeded: hash >> 40) & mask)
    }

    /// Remembers a closed connection whose last packet was at `lastSeen`.
    func remember(_ key: FlowKey, hash: UInt64, lastSeen: Int64) {
        let s = slot(hash)
        s.pointee.key = key
        s.pointee.until = lastSeen &+ memory
        s.pointee.limit = lastSeen &+ 5 &* memory
    }

    /// Whether a packet at `now` of the flow `key` belongs to a connection remembered here; if so its memory is
    /// renewed from `now` (a straggler's retransmissions back off for longer than the first wait).
    @inline(__always)
    func absorbs(_ key: FlowKey, hash: UInt64, now: Int64) -> Bool {
        let s = slot(hash)
        guard s.pointee.until != 0, now <= s.pointee.until, s.pointee.key == key else { return false }
        s.pointee.until = min(now &+ memory, s.pointee.limit)
        return true
    }
}
