/// A preallocated open-addressing flow table with a hard cap, idle timeouts and counted evictions.
///
/// Entries live in one dense buffer of `capacity` slots, allocated once; the index is a power-of-two array
/// of (entry+1, hash tag) pairs probed linearly, at most half full, with backward-shift deletion so no
/// tombstones build up. Nothing allocates after `init`, whatever the traffic: under a flood of new flows
/// the oldest of a small window is evicted and counted.
public final class FlowTable {
    public let capacity: Int
    public let timeouts: FlowTimeouts
    let entries: UnsafeMutablePointer<FlowEntry>
    /// Low 32 bits: entry index + 1 (0 = empty). High 32 bits: the key hash's top bits.
    let slots: UnsafeMutablePointer<UInt64>
    let slotMask: Int
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

    public init(capacity: Int, timeouts: FlowTimeouts = FlowTimeouts()) {
        let cap = max(capacity, 1)
        self.capacity = cap
        self.timeouts = timeouts
        var slotCount = 16
        while slotCount < cap * 2 { slotCount <<= 1 }
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
    func tag(_ hash: UInt64) -> UInt64 { hash & 0xffff_ffff_0000_0000 }

    /// The index of the entry for `key`, or nil.
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
        _read { yield entries[index] }
        _modify { yield &entries[index] }
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
            let e = Int(truncatingIfNeeded: slots[j] & 0xffff_ffff) - 1
            let home = Int(truncatingIfNeeded: entries[e].key.hashValue64) & slotMask
            // Move j into the hole if its home is not cyclically in (hole, j].
            let distHole = (hole - home) & slotMask
            let distJ = (j - home) & slotMask
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

    /// Bytes allocated up front for `capacity` flows (entries, index, bookkeeping).
    public var reservedBytes: Int {
        capacity * (MemoryLayout<FlowEntry>.stride + 4 + 1) + (slotMask + 1) * 8
    }
}

/// Why a flow left the table.
public enum FlowEndReason: UInt8, Sendable {
    case idle, closed, evicted, endOfCapture
}
