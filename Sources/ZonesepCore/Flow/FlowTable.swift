/// A preallocated open-addressing flow table with a hard cap, idle timeouts and counted evictions.
///
/// Entries live in one dense buffer of `capacity` slots, reserved once (pages are touched only as flows
/// take them); the index is a power-of-two array of (hash tag, entry+1) pairs probed linearly, at most half
/// full, with backward-shift deletion so no tombstones build up. The index starts small and doubles as the
/// table fills, up to its size at the cap: a town hall's few thousand flows then probe an index that fits
/// in the CPU cache rather than one sized for a million. Nothing allocates once the table has reached its
/// working size; under a flood of new flows the oldest of a small window is evicted and counted.
public final class FlowTable {
    public let capacity: Int
    public let timeouts: FlowTimeouts
    let entries: UnsafeMutablePointer<FlowEntry>
    /// High 32 bits: the key hash's low 32 bits (so a slot knows its home without rehashing the key).
    /// Low 32 bits: entry index + 1 (0 = empty).
    var slots: UnsafeMutablePointer<UInt64>
    var slotMask: Int
    /// The index size at the cap: twice the capacity, rounded up to a power of two.
    let maximumSlotCount: Int
    var freeList: UnsafeMutablePointer<UInt32>
    var freeCount: Int
    /// Entries ever handed out (the dense prefix `0..<highWater` has been initialised).
    var highWater: Int
    var inUse: UnsafeMutablePointer<Bool>
    /// Round-robin cursor of the idle sweep.
    var sweepCursor = 0

    public private(set) var count = 0
    public internal(set) var evictions: UInt64 = 0
    public internal(set) var expirations: UInt64 = 0

    /// Window scanned for the least recently seen flow when the table is full.
    public static let evictionWindow = 16
    /// The index's first size (32 KiB): enough for 2,048 flows before it first doubles.
    static let initialSlotCount = 4096

    public init(capacity: Int, timeouts: FlowTimeouts = FlowTimeouts()) {
        let cap = max(capacity, 1)
        self.capacity = cap
        self.timeouts = timeouts
        var slotCount = 16
        while slotCount < cap * 2 { slotCount <<= 1 }
        maximumSlotCount = slotCount
        slotCount = min(slotCount, FlowTable.initialSlotCount)
        slotMask = slotCount - 1
        entries = .allocate(capacity: cap)
        // Entries stay uninitialised (untouched pages cost no memory) until a flow takes them.
        slots = .allocate(capacity: slotCount)
        slots.initialize(repeating: 0, count: slotCount)
        inUse = .allocate(capacity: cap)
        inUse.initialize(repeating: false, count: cap)
        freeList = .allocate(capacity: cap)
        freeCount = 0
        highWater = 0
    }

    deinit {
        if highWater > 0 { entries.deinitialize(count: highWater) }
        entries.deallocate()
        slots.deallocate()
        inUse.deallocate()
        freeList.deallocate()
    }

    @inline(__always)
    func tag(_ hash: UInt64) -> UInt64 { hash << 32 }

    /// The home position of the slot value `s` in the current index.
    @inline(__always)
    func home(_ s: UInt64) -> Int { Int(truncatingIfNeeded: s >> 32) & slotMask }

    /// The index of the entry for `key`, or nil.
    @inline(__always)
    public func find(_ key: FlowKey, hash: UInt64) -> Int? {
        var i = Int(truncatingIfNeeded: hash) & slotMask
        let t = tag(hash)
        while true {
            let s = slots[i]
            if s == 0 { return nil }
            if s & 0xffff_ffff_0000_0000 == t {
                let e = Int(truncatingIfNeeded: s & 0xffff_ffff) - 1
                if entries[e].key == key { return e }
            }
            i = (i + 1) & slotMask
        }
    }

    /// Access to an entry by index (valid until it is removed).
    public subscript(index: Int) -> FlowEntry {
        @inline(__always) _read { yield entries[index] }
        @inline(__always) _modify { yield &entries[index] }
    }

    /// Doubles the index (while below its size at the cap) and re-places every slot from its stored hash.
    func growIndex() {
        let oldCount = slotMask + 1
        let newCount = oldCount * 2
        let old = slots
        slots = .allocate(capacity: newCount)
        slots.initialize(repeating: 0, count: newCount)
        slotMask = newCount - 1
        for j in 0..<oldCount where old[j] != 0 {
            var i = home(old[j])
            while slots[i] != 0 { i = (i + 1) & slotMask }
            slots[i] = old[j]
        }
        old.deallocate()
    }

    /// Inserts a new flow for `key` (not present). When the table is full an entry is evicted first and
    /// passed to `evicted` before its slot is reused.
    public func insert(_ key: FlowKey, hash: UInt64, now: Int64, evicted: (FlowEntry, FlowEndReason) -> Void) -> Int {
        if count >= capacity { evictOne(now: now, evicted: evicted) }
        let e: Int
        if freeCount > 0 {
            freeCount -= 1
            e = Int(freeList[freeCount])
            entries[e] = FlowEntry(key: key)
        } else {
            e = highWater
            (entries + e).initialize(to: FlowEntry(key: key))
            highWater += 1
        }
        inUse[e] = true
        if (count + 1) * 2 > slotMask + 1 && slotMask + 1 < maximumSlotCount { growIndex() }
        var i = Int(truncatingIfNeeded: hash) & slotMask
        while slots[i] != 0 { i = (i + 1) & slotMask }
        slots[i] = tag(hash) | UInt64(e + 1)
        count += 1
        return e
    }

    /// Removes the entry at `index`.
    public func remove(at index: Int) {
        let hash = entries[index].key.hashValue64
        var i = Int(truncatingIfNeeded: hash) & slotMask
        while Int(truncatingIfNeeded: slots[i] & 0xffff_ffff) != index + 1 {
            if slots[i] == 0 { return }  // not indexed: nothing to do
            i = (i + 1) & slotMask
        }
        // Backward-shift deletion: pull later members of the probe run into the hole.
        var hole = i
        var j = (i + 1) & slotMask
        while slots[j] != 0 {
            let h = home(slots[j])
            // Move j into the hole if its home is not cyclically in (hole, j].
            let distHole = (hole - h) & slotMask
            let distJ = (j - h) & slotMask
            if distHole < distJ {
                slots[hole] = slots[j]
                hole = j
            }
            j = (j + 1) & slotMask
        }
        slots[hole] = 0
        inUse[index] = false
        freeList[freeCount] = UInt32(index)
        freeCount += 1
        count -= 1
    }

    /// Whether the entry has been idle past its timeout at `now`.
    public func isExpired(_ index: Int, now: Int64) -> Bool {
        let e = entries[index]
        return now - e.lastSeen > timeouts.timeout(for: e)
    }

    /// Expires idle flows among the next `budget` entries of the round-robin sweep.
    public func sweep(now: Int64, budget: Int, ended: (FlowEntry, FlowEndReason) -> Void) {
        guard highWater > 0 else { return }
        for _ in 0..<min(budget, highWater) {
            let e = sweepCursor
            sweepCursor = sweepCursor + 1 == highWater ? 0 : sweepCursor + 1
            if inUse[e] && isExpired(e, now: now) {
                ended(entries[e], .idle)
                expirations += 1
                remove(at: e)
            }
        }
    }

    /// Frees one entry: an expired one from the sweep window if any, else the least recently seen there.
    func evictOne(now: Int64, evicted: (FlowEntry, FlowEndReason) -> Void) {
        var oldest = -1
        var oldestSeen = Int64.max
        var scanned = 0
        var i = sweepCursor
        while scanned < FlowTable.evictionWindow || oldest < 0 {
            if inUse[i] {
                if isExpired(i, now: now) {
                    oldest = i
                    break
                }
                if entries[i].lastSeen < oldestSeen {
                    oldestSeen = entries[i].lastSeen
                    oldest = i
                }
            }
            i = i + 1 == highWater ? 0 : i + 1
            scanned += 1
        }
        sweepCursor = i
        if isExpired(oldest, now: now) {
            expirations += 1
            evicted(entries[oldest], .idle)
        } else {
            evictions += 1
            evicted(entries[oldest], .evicted)
        }
        remove(at: oldest)
    }

    /// Calls `body` for every live flow, in entry order (deterministic for the same input).
    public func forEach(_ body: (FlowEntry) -> Void) {
        for i in 0..<highWater where inUse[i] { body(entries[i]) }
    }

    /// Removes every flow, handing each to `ended` (the end of a replay).
    public func drain(_ ended: (FlowEntry, FlowEndReason) -> Void) {
        for i in 0..<highWater where inUse[i] {
            ended(entries[i], .endOfCapture)
            remove(at: i)
        }
    }

    /// Bytes reserved for `capacity` flows (entries, bookkeeping, and the index at its largest): the most
    /// the table can ever hold, whatever the traffic.
    public var reservedBytes: Int {
        capacity * (MemoryLayout<FlowEntry>.stride + 4 + 1) + maximumSlotCount * 8
    }
}

/// Why a flow left the table.
public enum FlowEndReason: UInt8, Sendable {
    case idle, closed, evicted, endOfCapture
}
