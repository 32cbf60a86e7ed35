/// A direct-mapped memory of the (MAC, address, VLANs) a verifier has already passed to the host table,
/// so that frames the flow entry cannot vouch for (ARP, neighbour advertisements, ICMP errors, a flow's
/// packets from a MAC other than its first one) do not take the table's lock each time. A miss only costs
/// a redundant observation, which raises nothing new: the table's answer does not depend on repeats.
/// A hit must mean the table has nothing to add, so a slot also says whether the triple was seen as an IP
/// packet's source, which `zone-vlan-mismatch` judges: an ARP or neighbour advertisement (not held to the
/// zone's VLANs) does not stand for a later IP packet of the same triple, while the IP packet stands for
/// both. Allocated once; cleared when the policy changes (observations are then judged anew).
struct HostSeenCache {
    struct Slot {
        var address = IPAddress(rawValue: 0)
        var mac: UInt64 = 0
        /// The triple's VLANs (28 bits), `usedBit`, and `checkedBit` when it was seen as an IP source: one
        /// word, so that a lookup still costs one compare for the VLANs and the slot's state together.
        var tag: UInt32 = 0

        var used: Bool { tag & HostSeenCache.usedBit != 0 }
        var vlans: UInt32 { tag & 0x0fff_ffff }
        /// The triple was seen as an IP packet's source (its VLANs judged).
        var checkedVLAN: Bool { tag & HostSeenCache.checkedBit != 0 }
    }

    static let usedBit: UInt32 = 1 << 31
    static let checkedBit: UInt32 = 1 << 30

    static let slotCount = 4096
    let slots: UnsafeMutablePointer<Slot>

    init() {
        // On cache-line boundaries: at malloc's 16 bytes every other 32-byte slot straddled two lines, and
        // the prefetch of its start did not bring the MAC and tag that a lookup compares first.
        slots = UnsafeMutableRawPointer.allocate(
            byteCount: HostSeenCache.slotCount * MemoryLayout<Slot>.stride, alignment: HostSeenCache.lineBytes
        ).bindMemory(to: Slot.self, capacity: HostSeenCache.slotCount)
        slots.initialize(repeating: Slot(), count: HostSeenCache.slotCount)
    }

    static let lineBytes = 64

    func deallocate() { UnsafeMutableRawPointer(slots).deallocate() }

    func clear() { slots.update(repeating: Slot(), count: HostSeenCache.slotCount) }

    /// The slot the triple maps to (one of `slotCount`), whatever showed it: an IP sighting replaces the
    /// ARP sighting of its triple rather than sit beside it.
    @inline(__always)
    static func slotIndex(mac: UInt64, address: IPAddress, vlans: UInt32) -> Int {
        let a = address.rawValue
        let h =
            (UInt64(truncatingIfNeeded: a) ^ UInt64(truncatingIfNeeded: a >> 64)) &* 0x9e37_79b9_7f4a_7c15
            ^ (mac ^ UInt64(vlans) << 48) &* 0xc2b2_ae3d_27d4_eb4f
        return Int(truncatingIfNeeded: h >> 52)  // 12 bits: `slotCount`
    }

    /// Asks for the triple's slot ahead of `checkAndInsert` (a new MAC's slot is a miss in these 128 KiB).
    @inline(__always)
    func prefetch(mac: UInt64, address: IPAddress, vlans: UInt32) {
        Prefetch.write(slots + HostSeenCache.slotIndex(mac: mac, address: address, vlans: vlans))
    }

    /// Whether the triple (`vlans`: 28 bits) is known as well as this sighting would make it known: an
    /// IP source (`checksVLAN`) only by an IP source, an ARP or neighbour advertisement by either. If not,
    /// it is remembered so (in place of whatever shared its slot).
    @inline(__always)
    func checkAndInsert(mac: UInt64, address: IPAddress, vlans: UInt32, checksVLAN: Bool) -> Bool {
        let s = slots + HostSeenCache.slotIndex(mac: mac, address: address, vlans: vlans)
        let tag = vlans | HostSeenCache.usedBit | (checksVLAN ? HostSeenCache.checkedBit : 0)
        // A sighting that checks nothing is known whether or not the slot's was checked.
        let mask = checksVLAN ? UInt32.max : ~HostSeenCache.checkedBit
        if s.pointee.tag & mask == tag && s.pointee.mac == mac && s.pointee.address == address { return true }
        s.pointee = Slot(address: address, mac: mac, tag: tag)
        return false
    }
}
