/// The host table's index, MAC → entry id: open addressing, linear probing, backward-shift deletion.
///
/// A slot is one word: the MAC in the low 48 bits and the entry id + 1 in the high 16 (0: empty), so a
/// probe and a deletion's shifting compare and rehash MACs without reading any entry. Under a stream of
/// new MACs (a scan, a flood) every insertion also deletes the oldest MAC's slot, which the table keeps in
/// the entry (`remove(slot:moved:)` names the entries it shifts, about one deletion in four). At 8 bytes a
/// slot, four slots an entry fit the 512 KiB that two 16-byte slots an entry took (the default table): at a
/// quarter full, a deletion walks about one slot after its own where it walked nearly four at half full
/// (churn100k, by callgrind), and a probe rarely goes past its home. Entry ids are below `maxEntries`.
struct HostMACIndex {
    static let macMask: UInt64 = 0xffff_ffff_ffff
    /// Entries an index can name: ids + 1 fill the 16 bits above the MAC.
    static let maxEntries = 0xffff

    let slots: UnsafeMutablePointer<UInt64>
    /// Slot count - 1 (a power of two, at least four times the entries: probes stay short).
    let mask: Int

    init(entries: Int) {
        var n = 1
        while n < 4 * entries { n <<= 1 }
        mask = n - 1
        // Zeroed pages from the kernel: every slot starts empty.
        slots = ZeroedMemory.allocate(UInt64.self, count: n)
    }

    func deallocate() { ZeroedMemory.free(slots, count: mask + 1) }

    @inline(__always)
    func home(_ mac: UInt64) -> Int {
        Int(truncatingIfNeeded: (mac &* 0x9e37_79b9_7f4a_7c15) >> 40) & mask
    }

    /// Where `mac` is: its entry id and slot, or (-1, the empty slot that ends its probe).
    @inline(__always)
    func probe(_ mac: UInt64) -> (id: Int, slot: Int) {
        var s = home(mac)
        while true {
            let v = slots[s]
            if v == 0 { return (-1, s) }
            if v & HostMACIndex.macMask == mac { return (Int(truncatingIfNeeded: v >> 48) &- 1, s) }
            s = (s &+ 1) & mask
        }
    }

    /// The entry id of `mac`, if held.
    func find(_ mac: UInt64) -> Int? {
        let p = probe(mac)
        return p.id < 0 ? nil : p.id
    }

    /// Fills empty slot `slot` (from `probe`, or the one `remove(slot:moved:)` left) with `mac` and entry `id`.
    @inline(__always)
    func set(_ slot: Int, mac: UInt64, id: Int) {
        slots[slot] = mac | UInt64(truncatingIfNeeded: id &+ 1) << 48
    }

    /// Empties the slot of `mac` (held) and shifts back the slots after it that probed past it.
    func remove(_ mac: UInt64) {
        var s = home(mac)
        while slots[s] != 0 && slots[s] & HostMACIndex.macMask != mac { s = (s &+ 1) & mask }
        guard slots[s] != 0 else { return }
        _ = remove(slot: s) { _, _ in }
    }

    /// Empties full slot `slot` and shifts back the slots after it that probed past it, telling `moved` each
    /// entry id whose slot changed and its new slot (the host table keeps each entry's slot, so that an
    /// eviction needs no probe). Returns the slot left empty, which a probe that ran past it can now take.
    @inline(__always)
    func remove(slot: Int, moved: (_ id: Int, _ slot: Int) -> Void) -> Int {
        var hole = slot
        var next = (slot &+ 1) & mask
        while true {
            let v = slots[next]
            if v == 0 { break }
            let h = home(v & HostMACIndex.macMask)
            // The slot at `next` may fill the hole when its home is not in (hole, next], cyclically.
            if (hole &- h) & mask < (next &- h) & mask {
                slots[hole] = v
                moved(Int(truncatingIfNeeded: v >> 48) &- 1, hole)
                hole = next
            }
            next = (next &+ 1) & mask
        }
        slots[hole] = 0
        return hole
    }

    /// The entry id in `mac`'s home slot when that slot holds `mac`, else -1 (a hint for prefetching: a MAC
    /// past its home, or absent, gives -1).
    @inline(__always)
    func idAtHome(_ mac: UInt64) -> Int {
        let v = slots[home(mac)]
        return v != 0 && v & HostMACIndex.macMask == mac ? Int(truncatingIfNeeded: v >> 48) &- 1 : -1
    }

    /// Asks for the line of `mac`'s home slot, to be written soon (a new sender's probe).
    @inline(__always)
    func prefetch(_ mac: UInt64) { Prefetch.write(slots + home(mac)) }
}
