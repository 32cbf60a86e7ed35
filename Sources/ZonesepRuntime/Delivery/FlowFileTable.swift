/// The evidence file of each flow being written, by session and flow serial: looked up for every packet
/// of a flagged flow, most often to find none (the packets of a flow whose file has closed).
///
/// Open addressing with linear probing on a multiplicative hash of the pair, at most half full, and
/// deletion by moving the rest of a run back (no tombstones). A `Dictionary` keyed by the pair hashed it
/// with SipHash at every lookup, about 270 instructions; here a lookup is a multiplication and a probe or
/// two. The engine numbers flows in order, so the serials of the open files spread over the slots.
struct FlowFileTable {
    struct Slot {
        var serial: UInt64 = 0
        var session: Int = 0
        /// The file's id; 0 marks an empty slot (the evidence sink numbers files from 1).
        var file: UInt64 = 0
    }

    private(set) var slots: [Slot]
    private(set) var count = 0
    /// 64 - log2(slots.count): the hash's top bits pick the slot.
    private var shift: UInt64

    init(minimumCapacity: Int = 32) {
        var n = 8
        while n < 2 * minimumCapacity { n *= 2 }
        slots = Array(repeating: Slot(), count: n)
        shift = UInt64(64 - n.trailingZeroBitCount)
    }

    @inline(__always)
    private func home(session: Int, serial: UInt64) -> Int {
        let mixed = (serial ^ (UInt64(truncatingIfNeeded: session) &* 0xff51_afd7_ed55_8ccd)) &* 0x9e37_79b9_7f4a_7c15
        return Int(truncatingIfNeeded: mixed >> shift)
    }

    /// The slot holding the pair, or the empty slot where its probe ends.
    @inline(__always)
    private func find(session: Int, serial: UInt64) -> (index: Int, found: Bool) {
        slots.withUnsafeBufferPointer { s in
            let mask = s.count - 1
            var i = home(session: session, serial: serial)
            while true {
                if s[i].file == 0 { return (i, false) }
                if s[i].serial == serial && s[i].session == session { return (i, true) }
                i = (i + 1) & mask
            }
        }
    }

    /// The file of flow `serial` of session `session`, if one is open.
    @inline(__always)
    func file(session: Int, serial: UInt64) -> UInt64? {
        let (i, found) = find(session: session, serial: serial)
        return found ? slots[i].file : nil
    }

    /// Records (or replaces) the file of a flow; `file` is not 0.
    mutating func set(session: Int, serial: UInt64, file: UInt64) {
        precondition(file != 0, "file ids start at 1")
        if 2 * (count + 1) > slots.count { grow() }
        let (i, found) = find(session: session, serial: serial)
        if !found { count += 1 }
        slots[i] = Slot(serial: serial, session: session, file: file)
    }

    /// Forgets the file of a flow; returns it, or nil when the flow had none.
    @discardableResult
    mutating func remove(session: Int, serial: UInt64) -> UInt64? {
        let (at, found) = find(session: session, serial: serial)
        guard found else { return nil }
        let file = slots[at].file
        let mask = slots.count - 1
        // The run after the hole moves back where it may: a later slot whose home lies cyclically after
        // the hole and no later than the slot itself stays; any other fills the hole, which moves to it.
        var hole = at
        var j = at
        while true {
            j = (j + 1) & mask
            if slots[j].file == 0 { break }
            let h = home(session: slots[j].session, serial: slots[j].serial)
            let stays = hole < j ? (hole < h && h <= j) : (hole < h || h <= j)
            if !stays {
                slots[hole] = slots[j]
                hole = j
            }
        }
        slots[hole] = Slot()
        count -= 1
        return file
    }

    private mutating func grow() {
        let old = slots
        slots = Array(repeating: Slot(), count: old.count * 2)
        shift -= 1
        for s in old where s.file != 0 {
            let (i, _) = find(session: s.session, serial: s.serial)
            slots[i] = s
        }
    }
}
