/// A preallocated open-addressing flow table with a hard cap, idle timeouts and counted evictions.
///
/// Entries live in one dense buffer of `capacity` slots, reserved once (pages are touched only as flows
/// take them); the index is a power-of-two array of (hash tag, entry+1) pairs probed linearly, at most half
/// full, with backward-shift deletion so no tombstones build up. The index starts small and doubles in
/// place as the table fills, up to its size at the cap: a town hall's few thousand flows then probe an
/// index that fits in the CPU cache rather than one sized for a million. Nothing allocates once the table
/// has reached its working size; under a flood of new flows the oldest of a small window is evicted and
/// counted.
public final class FlowTable {
    public let capacity: Int
    public let timeouts: FlowTimeouts
    /// The largest `--max-flows` (2^28 flows, 32 GiB of entries): entry ids are 32-bit, and past 2^62 the
    /// index's doubling overflowed and never ended. The commands refuse more with a message.
    public static let maximumCapacity = 1 << 28
    /// The entries, for a caller that reads and writes an entry in place by index (the flow-export table:
    /// the subscript's accessors, called across modules, allocate a coroutine frame per use). Only indices
    /// that `find` or `insert` returned are valid, until `remove`.
    public let entries: UnsafeMutablePointer<FlowEntry>
    /// The index size at the cap: twice the capacity, rounded up to a power of two.
    let maximumSlotCount: Int
    private let freeList: UnsafeMutablePointer<UInt32>
    private let inUse: UnsafeMutablePointer<Bool>
    /// The timeout of a new flow by IP protocol number: `insert` folds each new flow's deadline into the
    /// sweep's bound, and a load is cheaper than the protocol switch on a flood of new flows.
    private let newFlowTimeouts: UnsafeMutablePointer<Int64>

    /// Flows in the table, and flows that left it full (evicted) or idle.
    public var count: Int { m.pointee.count }
    public var evictions: UInt64 { m.pointee.evictions }
    public var expirations: UInt64 { m.pointee.expirations }
    /// Packet times more than `jumpLimit` ahead of the table's clock that the next packet did not follow
    /// (see `sweep`), and the first of them: times the sweep was not run at.
    public var timeJumpsIgnored: UInt64 { m.pointee.jumpsIgnored }
    public var firstTimeJumpIgnored: Int64? { m.pointee.firstJumpIgnored }

    /// The table's mutable bookkeeping, behind a pointer so that the per-packet path pays no dynamic
    /// exclusivity check (see `Verifier`).
    struct Bookkeeping {
        /// High 32 bits: the key hash's low 32 bits (so a slot knows its home without rehashing the key).
        /// Low 32 bits: entry index + 1 (0 = empty). Mapped once at its size at the cap, and used from the
        /// start: the index grows in place.
        var slots: UnsafeMutablePointer<UInt64>
        var slotMask: Int
        var freeCount = 0
        /// Entries ever handed out (the dense prefix `0..<highWater` has been initialised).
        var highWater = 0
        /// Round-robin cursor of the idle sweep.
        var sweepCursor = 0
        /// No flow can be idle at a packet time up to this: no entry's deadline (`lastSeen` plus its own
        /// timeout) is below it. Renewed by each full round of checks, and lowered by whatever brings a
        /// deadline closer since (a new flow, a TCP flow closing, a packet time earlier than `latest`).
        /// While `now` is at most this the sweep skips its checks: with a deadline per flow rather than
        /// the shortest timeout for all, a minute of new TCP and UDP flows is never checked.
        var quietUntil = Int64.max
        /// The same bound being gathered by the current round of checks, and the entries it has checked.
        var roundQuietUntil = Int64.max
        var roundChecked = 0
        /// The latest packet time noted: a `lastSeen` written at it or later never brings a deadline closer.
        /// With `holdsTimeJumps`, the table's clock: a time more than `jumpLimit` ahead of it is noted only
        /// once the next packet follows it.
        var latest = Int64.min
        /// What `sweep` compares each packet time with: `quietUntil`, or `latest` plus `jumpLimit` when that
        /// is lower, so that a time jumping ahead takes the out-of-line way (`passGate`) and the common one
        /// checks nothing more. `Int64.min` while a jump is held: the next packet settles it.
        var gate = Int64.min
        /// The last packet's time was more than `jumpLimit` ahead of `latest`, and the sweep did not run at
        /// it (`heldTime`); the next packet says whether the clock really moved.
        var heldJump = false
        var heldTime: Int64 = 0
        var jumpsIgnored: UInt64 = 0
        var firstJumpIgnored: Int64? = nil
        var count = 0
        var evictions: UInt64 = 0
        var expirations: UInt64 = 0
        /// Members whose new probe in `growIndex` wrapped past the end (what the tests reach).
        var wrappedProbes = 0
        /// Slots from the index's size up to this may still hold what a `drain` left there (it empties
        /// only the index's first size): `growIndex` zeroes them before it uses them.
        var staleSlotsEnd = 0
        /// `sweep` returns true at the first packet time past this (`setAlarm`), in the gate's one
        /// comparison: the verifier's way to act at an instant of packet time at no cost per packet.
        var alarm = Int64.max
    }
    private let m: UnsafeMutablePointer<Bookkeeping>

    /// Window scanned for the least recently seen flow when the table is full.
    public static let evictionWindow = 16
    /// The index's first size (32 KiB): enough for 2,048 flows before it first doubles.
    static let initialSlotCount = 4096

    /// The shortest idle timeout of any flow.
    let shortestTimeout: Int64
    /// How far ahead of the table's clock a packet time may be and still be swept at at once: the shortest
    /// timeout (a step no longer than it ends no flow that had a packet at the clock's time), or, for a
    /// table that does not hold jumps, no limit.
    let jumpLimit: Int64

    /// The address space a table of `capacity` flows maps at its largest (entries and the fully grown
    /// index), in bytes.
    public static func mappedBytes(capacity: Int) -> (entries: Int, index: Int) {
        let cap = min(max(capacity, 1), maximumCapacity)
        var slotCount = 16
        while slotCount < cap * 2 { slotCount <<= 1 }
        return (cap * MemoryLayout<FlowEntry>.stride, slotCount * MemoryLayout<UInt64>.stride)
    }

    /// Whether `tables` tables of `capacity` flows can be mapped now (see `mappedBytes`).
    public static func canMap(capacity: Int, tables: Int = 1) -> Bool {
        let (entries, index) = mappedBytes(capacity: capacity)
        return ZeroedMemory.canMap(Array(repeating: [entries, index], count: max(1, tables)).flatMap { $0 })
    }

    /// `holdsTimeJumps`: a packet time more than the shortest timeout ahead of the latest one is not swept
    /// at until the next packet's time is past that limit too (see `sweep`): one packet stamped an hour
    /// ahead (a timestamp glitch, a sensor whose clock is off) ended every open flow as idle.
    public init(capacity: Int, timeouts: FlowTimeouts = FlowTimeouts(), holdsTimeJumps: Bool = false) {
        let cap = max(capacity, 1)
        self.capacity = cap
        self.timeouts = timeouts
        shortestTimeout = min(timeouts.tcp, timeouts.tcpClosed, timeouts.udp, timeouts.icmp, timeouts.other)
        jumpLimit = holdsTimeJumps ? max(shortestTimeout, 0) : .max
        var slotCount = 16
        while slotCount < cap * 2 { slotCount <<= 1 }
        maximumSlotCount = slotCount
        slotCount = min(slotCount, FlowTable.initialSlotCount)
        let mask = slotCount - 1
        // On page (and from 2 MiB on huge-page) boundaries: each 128-byte entry is exactly two cache lines.
        // Entries stay uninitialised (untouched pages cost no memory) until a flow takes them.
        entries = ZeroedMemory.allocate(FlowEntry.self, count: cap)
        // The whole index at the cap, of which the first `slotCount` slots are used: each doubling then
        // zeroes only the new half, where a region mapped anew per doubling touched twice the final index
        // (a first touch, slow on a virtual machine, was a twelfth of a flood's time). Small pages for
        // its first 2 MiB: a town hall's index would fault in a whole huge page for a few kilobytes.
        let slots = ZeroedMemory.allocate(UInt64.self, count: maximumSlotCount, smallPagesFirst: 2 << 20)
        m = .allocate(capacity: 1)
        m.initialize(to: Bookkeeping(slots: slots, slotMask: mask))
        // Like the entries, initialised only up to `highWater` (every reader stops there): a million
        // flags written up front were a megabyte of page faults before the first packet.
        inUse = .allocate(capacity: cap)
        freeList = .allocate(capacity: cap)
        newFlowTimeouts = .allocate(capacity: 256)
        for proto in 0..<256 { newFlowTimeouts[proto] = max(0, timeouts.timeout(proto: UInt8(proto), closed: false)) }
    }

    deinit {
        if m.pointee.highWater > 0 { entries.deinitialize(count: m.pointee.highWater) }
        ZeroedMemory.free(entries, count: capacity)
        ZeroedMemory.free(m.pointee.slots, count: maximumSlotCount)
        inUse.deallocate()
        freeList.deallocate()
        newFlowTimeouts.deallocate()
        m.deinitialize(count: 1)
        m.deallocate()
    }

    @inline(__always)
    func tag(_ hash: UInt64) -> UInt64 { hash << 32 }

    /// The home position of the slot value `s` in the current index.
    @inline(__always)
    func home(_ s: UInt64) -> Int { Int(truncatingIfNeeded: s >> 32) & m.pointee.slotMask }

    /// The index of the entry for `key`, or nil.
    @inline(__always)
    public func find(_ key: FlowKey, hash: UInt64) -> Int? {
        var i = Int(truncatingIfNeeded: hash) & m.pointee.slotMask
        let t = tag(hash)
        while true {
            let s = m.pointee.slots[i]
            if s == 0 { return nil }
            if s & 0xffff_ffff_0000_0000 == t {
                let e = Int(truncatingIfNeeded: s & 0xffff_ffff) - 1
                if entries[e].key == key { return e }
            }
            i = (i + 1) & m.pointee.slotMask
        }
    }

    /// Asks for the index slot a key with `hash` starts probing at, so that a later `find` finds it in
    /// cache (the caller issues several before using any).
    @inline(__always)
    public func touchIndex(hash: UInt64) {
        Prefetch.read(m.pointee.slots + (Int(truncatingIfNeeded: hash) & m.pointee.slotMask))
    }

    /// Asks for the entry that the first or second slot of `hash`'s probe points to when its tag matches
    /// (the likely match), after `touchIndex` brought the slots in: the per-packet fields, the key through
    /// the byte counters. Returns that entry's index (-1 when neither slot has the tag) for `holds`, so the
    /// packet's own lookup need not probe again. Only a hint, and without a branch: whether the first
    /// slot is the flow's is a coin toss at a quarter of packets, which a branch mispredicted.
    @inline(__always)
    public func touchEntry(hash: UInt64) -> Int32 {
        let i = Int(truncatingIfNeeded: hash) & m.pointee.slotMask
        let t = tag(hash)
        let s0 = m.pointee.slots[i]
        let s1 = m.pointee.slots[(i &+ 1) & m.pointee.slotMask]
        let first = 0 &- UInt64(Branchless.bit(s0 & 0xffff_ffff_0000_0000 == t))
        let second = 0 &- UInt64(Branchless.bit(s1 & 0xffff_ffff_0000_0000 == t)) & ~first
        let e = Int(truncatingIfNeeded: (s0 & first | s1 & second) & 0xffff_ffff) &- 1
        // Clamped to the first entry when e is -1 (no slot matched): a pointer before an allocation is
        // undefined even when only prefetched, and the wasted hint costs no branch.
        let p = max(e, 0)
        let raw = UnsafeRawPointer(entries + p)
        Prefetch.write(raw)
        Prefetch.write(raw + FlowTable.hotBytes - 1)
        // And its flag, which `holds` reads first: a megabyte at the default cap, a miss under churn.
        Prefetch.read(inUse + p)
        return Int32(truncatingIfNeeded: e)
    }

    /// Whether entry `index`, named by `touchEntry` some packets ago, still holds the flow of `key`: it
    /// may have ended since, and its entry gone to another flow.
    @inline(__always)
    public func holds(_ index: Int, _ key: FlowKey) -> Bool {
        index >= 0 && inUse[index] && entries[index].key == key
    }

    /// Bytes at the start of an entry that every packet of its flow reads or writes: the key through
    /// `bytesBA` (a test holds the layout to it).
    static let hotBytes = 96

    /// Access to an entry by index (valid until it is removed).
    public subscript(index: Int) -> FlowEntry {
        @inline(__always) _read { yield entries[index] }
        @inline(__always) _modify { yield &entries[index] }
    }

    /// Doubles the index in place (while below its size at the cap): the new half is still zero.
    ///
    /// Each slot of the old half is taken out in turn and probed anew from its home in the doubled index,
    /// starting just after the first empty slot: every slot between a member's old home and its old place
    /// was then already taken out and placed, so its new probe never steps over a slot still to be taken
    /// out (which would leave a hole in it). Until the pass wraps to slot 0 no probe wraps past the end
    /// (the new half then holds only the members of slots already passed, each at most one half above
    /// its old place); after, a probe that wraps meets only slots already passed and the one just emptied.
    func growIndex() {
        let oldCount = m.pointee.slotMask + 1
        let slots = m.pointee.slots
        let oldMask = oldCount - 1
        let newMask = oldCount * 2 - 1
        m.pointee.slotMask = newMask
        let stale = m.pointee.staleSlotsEnd - oldCount
        if stale > 0 { (slots + oldCount).update(repeating: 0, count: min(stale, oldCount)) }
        var start = 0
        while slots[start] != 0 { start += 1 }  // at most half full: there is an empty slot
        // Wrapping arithmetic: every index stays below the index's size, at most 2^29.
        var wrapped = 0
        var j = start
        for _ in 0..<oldCount {
            j = (j &+ 1) & oldMask
            let s = slots[j]
            if s == 0 { continue }
            slots[j] = 0
            let home = Int(truncatingIfNeeded: s >> 32) & newMask
            var i = home
            while slots[i] != 0 { i = (i &+ 1) & newMask }
            slots[i] = s
            if i < home { wrapped &+= 1 }
        }
        m.pointee.wrappedProbes += wrapped
    }

    /// Inserts a new flow for `key` (not present). When the table is full an entry is evicted first and
    /// passed to `evicted` before its slot is reused.
    ///
    /// The new flow's deadline is `now` plus its protocol's timeout: its `lastSeen` is set to `now`.
    public func insert(_ key: FlowKey, hash: UInt64, now: Int64, evicted: (FlowEntry, FlowEndReason) -> Void) -> Int {
        // Wrapping: past Int64.max the sum turns negative, a bound lower than need be (the timeouts here
        // are not negative), never a higher one.
        lowerQuietUntil(now &+ newFlowTimeouts[Int(key.proto)])
        // A held jump's time is not one to call flows idle at: the table's clock is.
        if m.pointee.count >= capacity { evictOne(now: m.pointee.heldJump ? m.pointee.latest : now, evicted: evicted) }
        // Wrapping arithmetic from here: every count is below `capacity`, at most 2^28.
        let e: Int
        let free = m.pointee.freeCount
        if free > 0 {
            m.pointee.freeCount = free &- 1
            e = Int(freeList[free &- 1])
        } else {
            e = m.pointee.highWater
            m.pointee.highWater = e &+ 1
        }
        // Written once, in place (a freed entry is overwritten alike: `FlowEntry` holds no references). The
        // flow's `lastSeen` only moves forward from here (`Verifier.count`): it starts at its first packet.
        (entries + e).initialize(to: FlowEntry(key: key, lastSeen: now))
        inUse[e] = true
        let count = m.pointee.count &+ 1
        m.pointee.count = count
        if count &* 2 > m.pointee.slotMask &+ 1 && m.pointee.slotMask &+ 1 < maximumSlotCount { growIndex() }
        let slots = m.pointee.slots
        let mask = m.pointee.slotMask
        var i = Int(truncatingIfNeeded: hash) & mask
        while slots[i] != 0 { i = (i &+ 1) & mask }
        slots[i] = tag(hash) | UInt64(e &+ 1)
        return e
    }

    /// Removes the entry at `index`.
    public func remove(at index: Int) {
        let hash = entries[index].key.hashValue64
        var i = Int(truncatingIfNeeded: hash) & m.pointee.slotMask
        while Int(truncatingIfNeeded: m.pointee.slots[i] & 0xffff_ffff) != index + 1 {
            if m.pointee.slots[i] == 0 { return }  // not indexed: nothing to do
            i = (i + 1) & m.pointee.slotMask
        }
        // Backward-shift deletion: pull later members of the probe run into the hole.
        var hole = i
        var j = (i + 1) & m.pointee.slotMask
        while m.pointee.slots[j] != 0 {
            let h = home(m.pointee.slots[j])
            // Move j into the hole if its home is not cyclically in (hole, j].
            let distHole = (hole - h) & m.pointee.slotMask
            let distJ = (j - h) & m.pointee.slotMask
            if distHole < distJ {
                m.pointee.slots[hole] = m.pointee.slots[j]
                hole = j
            }
            j = (j + 1) & m.pointee.slotMask
        }
        m.pointee.slots[hole] = 0
        inUse[index] = false
        freeList[m.pointee.freeCount] = UInt32(index)
        m.pointee.freeCount += 1
        m.pointee.count -= 1
    }

    /// Whether the entry has been idle past its timeout at `now`.
    @inline(__always)
    public func isExpired(_ index: Int, now: Int64) -> Bool {
        let e = entries + index  // fields read in place: no copy of the entry
        let idle = now - e.pointee.lastSeen
        // Within the shortest timeout nothing is expired: the common case skips the per-protocol choice.
        return idle > shortestTimeout
            && idle > timeouts.timeout(proto: e.pointee.key.proto, closed: e.pointee.isClosed)
    }

    /// `lastSeen + timeout`, the packet time after which a flow is idle; saturated.
    @inline(__always)
    static func deadline(_ lastSeen: Int64, _ timeout: Int64) -> Int64 {
        let (d, overflow) = lastSeen.addingReportingOverflow(timeout)
        return overflow ? (d < 0 ? .max : .min) : d
    }

    /// The deadline of the flow in `e`.
    @inline(__always)
    func deadline(_ e: UnsafePointer<FlowEntry>) -> Int64 {
        FlowTable.deadline(e.pointee.lastSeen, timeouts.timeout(proto: e.pointee.key.proto, closed: e.pointee.isClosed))
    }

    /// Folds a deadline that may be below every other into the sweep's bounds.
    @inline(__always)
    func lowerQuietUntil(_ deadline: Int64) {
        if deadline < m.pointee.quietUntil { m.pointee.quietUntil = deadline }
        if deadline < m.pointee.roundQuietUntil { m.pointee.roundQuietUntil = deadline }
        if deadline < m.pointee.gate { m.pointee.gate = deadline }
    }

    /// Sets `gate` from `quietUntil`, the clock and the alarm (see `gate`).
    @inline(__always)
    func renewGate() {
        let (cap, overflow) = m.pointee.latest.addingReportingOverflow(jumpLimit)
        m.pointee.gate =
            m.pointee.heldJump ? .min : min(m.pointee.quietUntil, overflow ? .max : cap, m.pointee.alarm)
    }

    /// Makes the first `sweep` at a packet time past `t` return true (and clear the alarm): one alarm at a
    /// time, `Int64.max` for none.
    public func setAlarm(_ t: Int64) {
        m.pointee.alarm = t
        renewGate()
    }

    /// A packet time that may become some entry's `lastSeen`: one earlier than the latest can bring that
    /// entry's deadline closer, to no less than it plus the shortest timeout.
    @inline(__always)
    func noteTime(_ now: Int64) {
        if now >= m.pointee.latest {
            m.pointee.latest = now
        } else {
            steppedBack(now)
        }
    }

    /// `noteTime`'s rare way, out of line: the packet loop that inlines the sweep stays small enough for the
    /// compiler to inline the fast lane into it too.
    @inline(never)
    func steppedBack(_ now: Int64) {
        lowerQuietUntil(FlowTable.deadline(now, shortestTimeout))
    }

    /// Tells the sweep that the flow in `e` (an entry of this table) has a shorter timeout now: a TCP flow
    /// closed by FIN or RST. Its deadline may be below every other.
    @inline(never)  // once a FIN or RST
    public func timeoutShortened(_ e: UnsafePointer<FlowEntry>) {
        lowerQuietUntil(deadline(e))
    }

    /// Expires idle flows among the next `budget` entries of the round-robin sweep.
    ///
    /// Every `lastSeen` the caller writes must be a `now` it passed here first, the `now` of the `insert`
    /// of a new flow, or later than the entry's own; and a flow's timeout may shrink only with a call to
    /// `timeoutShortened`. That is what lets the sweep skip its checks while no flow can be idle.
    ///
    /// In a table that holds time jumps, a `now` more than `jumpLimit` ahead of the clock is not swept at:
    /// if the next `now` is past that limit too, the clock moved (a gap in the capture) and the sweep goes
    /// on from there, one packet later; if not, the jump was a lone packet's, counted in `timeJumpsIgnored`.
    ///
    /// Returns true when `now` is past the alarm (`setAlarm`), which is then cleared; a time held as a jump
    /// rings it too (it is the packet's own time), and leaves it set.
    @inline(__always) @discardableResult
    public func sweep(now: Int64, budget: Int, ended: (FlowEntry, FlowEndReason) -> Void) -> Bool {
        // One comparison for nearly every packet: no flow can be idle, the time did not jump, no alarm.
        guard now <= m.pointee.gate else { return passGate(now: now, budget: budget, ended: ended) }
        // Noted even while the table is empty: the first packet's time is the `latest` an earlier packet
        // after it is a step back from (without it, that step back went unseen and the bound stayed high).
        noteTime(now)
        skipChecks(budget: budget)
        return false
    }

    /// The sweep of a packet whose time no flow can be idle at: the cursor moves on as if each entry had
    /// been checked, and the next round of checks starts afresh (a round must check entries one after
    /// another to cover them all).
    @inline(__always)
    func skipChecks(budget: Int) {
        let highWater = m.pointee.highWater
        let next = m.pointee.sweepCursor + min(budget, highWater)
        m.pointee.sweepCursor = next >= highWater ? next - highWater : next
        m.pointee.roundChecked = 0
        m.pointee.roundQuietUntil = .max
    }

    /// `sweep` past its gate: a time jumping ahead is held or settled, the gate renewed, and the entries
    /// checked when some flow can be idle. Out of line: the packet loop stays small.
    @inline(never)
    func passGate(now: Int64, budget: Int, ended: (FlowEntry, FlowEndReason) -> Void) -> Bool {
        let latest = m.pointee.latest
        let (step, overflow) = now.subtractingReportingOverflow(latest)
        // Past the limit (a step too large for 64 bits is past any); never for a table that holds no jumps.
        let ahead = jumpLimit != .max && latest != .min && now > latest && (overflow || step > jumpLimit)
        if m.pointee.heldJump {
            m.pointee.heldJump = false
            if !ahead {
                // The time came back: the held one was a lone packet's.
                m.pointee.jumpsIgnored += 1
                if m.pointee.firstJumpIgnored == nil { m.pointee.firstJumpIgnored = m.pointee.heldTime }
            }
        } else if ahead {
            m.pointee.heldJump = true
            m.pointee.heldTime = now
            m.pointee.gate = .min
            // An alarm is no less past for a time held as a jump (a quiet link's next packet, minutes on): the
            // packet is judged at its own time. The alarm stays; whoever it rings for sets it again.
            return now > m.pointee.alarm
        }
        noteTime(now)
        let rang = now > m.pointee.alarm
        if rang { m.pointee.alarm = .max }
        renewGate()
        if now <= m.pointee.quietUntil || m.pointee.highWater == 0 {
            skipChecks(budget: budget)
        } else {
            checkIdle(now: now, steps: min(budget, m.pointee.highWater), ended: ended)
        }
        return rang
    }

    /// The table's clock: the latest packet time swept at (a time jumping ahead counts once the next packet
    /// follows it), or moved to by `advance`; nil before any.
    public var clock: Int64? { m.pointee.latest == .min ? nil : m.pointee.latest }

    /// Moves the clock forward to `now`, a packet time seen elsewhere on the same capture (another worker's
    /// clock), and ends the flows idle at it among the next `budget` entries of the round-robin sweep, as
    /// packets at `now` would: a worker whose host pairs fell quiet ends its flows while the port is busy.
    /// Between two packets only; nothing for a `now` the clock has passed (this table's own packets sweep
    /// it). A jump held here is settled by the next packet as before, unless `now` reached it (then it was
    /// no lone packet's).
    public func advance(to now: Int64, budget: Int, ended: (FlowEntry, FlowEndReason) -> Void) {
        guard now >= m.pointee.latest else { return }
        if m.pointee.heldJump && now >= m.pointee.heldTime { m.pointee.heldJump = false }
        m.pointee.latest = now
        renewGate()
        guard now > m.pointee.quietUntil, m.pointee.highWater > 0, budget > 0 else { return }
        checkIdle(now: now, steps: min(budget, m.pointee.highWater), ended: ended)
    }

    /// The checking half of `sweep`: `steps` entries from the cursor, and the bound renewed after each full
    /// round.
    @inline(never)  // rare beside the skip in `sweep`, which is inlined into the packet loop
    func checkIdle(now: Int64, steps: Int, ended: (FlowEntry, FlowEndReason) -> Void) {
        for _ in 0..<steps {
            let e = m.pointee.sweepCursor
            m.pointee.sweepCursor = e + 1 == m.pointee.highWater ? 0 : e + 1
            if inUse[e] {
                if isExpired(e, now: now) {
                    ended(entries[e], entries[e].endReason(.idle))
                    m.pointee.expirations += 1
                    remove(at: e)
                } else {
                    let d = deadline(entries + e)
                    if d < m.pointee.roundQuietUntil { m.pointee.roundQuietUntil = d }
                }
            }
            m.pointee.roundChecked += 1
            completeRoundIfDone()
        }
    }

    /// Ends a round of checks once it has covered every entry: each was checked since the round began, and
    /// every deadline brought closer since was folded into `roundQuietUntil`, which then bounds them all.
    @inline(__always)
    func completeRoundIfDone() {
        if m.pointee.roundChecked >= m.pointee.highWater {
            m.pointee.quietUntil = m.pointee.roundQuietUntil
            m.pointee.roundQuietUntil = .max
            m.pointee.roundChecked = 0
            renewGate()
        }
    }

    /// Frees one entry: an expired one from the sweep window if any, else the least recently seen there.
    func evictOne(now: Int64, evicted: (FlowEntry, FlowEndReason) -> Void) {
        var oldest = -1
        var oldestSeen = Int64.max
        var scanned = 0
        var i = m.pointee.sweepCursor
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
            i = i + 1 == m.pointee.highWater ? 0 : i + 1
            scanned += 1
        }
        m.pointee.sweepCursor = i
        // The cursor passed the window's entries: they count as checked in the sweep's round, none of them
        // idle before the least `lastSeen` among them plus the shortest timeout.
        let bound = FlowTable.deadline(oldestSeen, shortestTimeout)
        if bound < m.pointee.roundQuietUntil { m.pointee.roundQuietUntil = bound }
        m.pointee.roundChecked += scanned
        completeRoundIfDone()
        if isExpired(oldest, now: now) {
            m.pointee.expirations += 1
            evicted(entries[oldest], entries[oldest].endReason(.idle))
        } else {
            m.pointee.evictions += 1
            evicted(entries[oldest], .evicted)
        }
        remove(at: oldest)
    }

    /// Calls `body` for every live flow, in entry order (deterministic for the same input).
    public func forEach(_ body: (FlowEntry) -> Void) {
        for i in 0..<m.pointee.highWater where inUse[i] { body(entries[i]) }
    }

    /// Lets `body` change every live flow in place (a new zone map's zones after a policy reload).
    public func updateEach(_ body: (inout FlowEntry) -> Void) {
        for i in 0..<m.pointee.highWater where inUse[i] {
            body(&entries[i])
            lowerQuietUntil(deadline(entries + i))  // whatever `body` changed
        }
    }

    /// Removes every flow, handing each to `ended` where it lies, with its end reason (the end of a replay).
    /// In place rather than by value: at a scan's end the caller wants nothing of most of 600,000 flows but
    /// their verdict, and a copy of each 128-byte entry (both its cache lines) cost some 80 instructions.
    /// The pointer is valid only during the call.
    @inline(__always)
    public func drain(_ ended: (UnsafePointer<FlowEntry>, FlowEndReason) -> Void) {
        for i in 0..<m.pointee.highWater where inUse[i] {
            let e = UnsafePointer(entries + i)
            ended(e, e.pointee.endReason(.endOfCapture))
        }
        // Then the table is emptied at once, as removing each entry in turn would leave it (the free list
        // in the same order), without rehashing every key to find its slot: a scan's 600,000 flows
        // cost some 300 instructions each that way.
        for i in 0..<m.pointee.highWater where inUse[i] {
            inUse[i] = false
            freeList[m.pointee.freeCount] = UInt32(i)
            m.pointee.freeCount += 1
        }
        // And the index back to its first size, of which only that much is zeroed now: zeroing all of it
        // (16 MiB after a scan's 600,000 flows) cost more than the rest of the drain. The rest is zeroed
        // by `growIndex` if the table fills again (`staleSlotsEnd`).
        let used = m.pointee.slotMask + 1
        let first = min(used, FlowTable.initialSlotCount)
        m.pointee.slots.update(repeating: 0, count: first)
        m.pointee.staleSlotsEnd = max(m.pointee.staleSlotsEnd, used)
        m.pointee.slotMask = first - 1
        m.pointee.count = 0
    }

    /// For tests: makes the next `sweep` check its entries whatever its bound says, as a table without the
    /// bound would (the bound must never change which flows end, nor when).
    func checkNextSweep() {
        m.pointee.quietUntil = .min
        m.pointee.gate = .min
    }

    /// For tests: the sweep's bound (no flow can be idle at a packet time up to it).
    var quietBound: Int64 { m.pointee.quietUntil }

    /// For tests: the sweep's gate (a sweep at a packet time up to it skips its checks).
    var gateBound: Int64 { m.pointee.gate }

    /// For tests: the index's size.
    var indexSlots: Int { m.pointee.slotMask + 1 }

    /// For tests: the index's size, its occupied slots (one per flow when the index is sound), and the
    /// probes of `growIndex` that wrapped past the end so far.
    var indexShape: (slots: Int, occupied: Int, wrapped: Int) {
        let n = m.pointee.slotMask + 1
        let occupied = (0..<n).reduce(0) { $0 + (m.pointee.slots[$1] != 0 ? 1 : 0) }
        return (n, occupied, m.pointee.wrappedProbes)
    }

    /// Bytes reserved for `capacity` flows (entries, bookkeeping, and the index at its largest): the most
    /// the table can ever hold, whatever the traffic.
    public var reservedBytes: Int {
        capacity * (MemoryLayout<FlowEntry>.stride + 4 + 1) + maximumSlotCount * 8
    }
}

/// Why a flow left the table.
public enum FlowEndReason: UInt8, Sendable {
    /// `idle`: no packet for the protocol's timeout; `closed`: TCP closed by RST or FIN from both sides;
    /// `evicted`: pushed out by the flow cap; `endOfCapture`: still open when the input ended.
    case idle, closed, evicted, endOfCapture
}
