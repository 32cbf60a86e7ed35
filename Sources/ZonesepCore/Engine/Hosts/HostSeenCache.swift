/// A direct-mapped memory of the (MAC, address, VLANs) a verifier has already passed to the host table,
/// so that frames the flow entry cannot vouch for (ARP, neighbour advertisements, ICMP errors, a flow's
/// packets from a MAC other than its first one) do not take the table's lock each time. A miss only costs
/// a redundant observation, which raises nothing new: the table's answer does not depend on repeats.
/// Allocated once; cleared when the policy changes (observations are then judged anew).
struct HostSeenCache {
    struct Slot {
        var address = IPAddress(rawValue: 0)
        var mac: UInt64 = 0
        var vlans: UInt32 = 0
        var used = false
    }

    static let slotCount = 4096
    let slots: UnsafeMutablePointer<Slot>

    init() {
        slots = .allocate(capacity: HostSeenCache.slotCount)
        slots.initialize(repeating: Slot(), count: HostSeenCache.slotCount)
    }

    func deallocate() { slots.deallocate() }

    func clear() { slots.update(repeating: Slot(), count: HostSeenCache.slotCount) }

    /// The slot the triple maps to (one of `slotCount`).
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

    /// Whether the triple is known; if not, it is remembered (in place of whatever shared its slot).
    @inline(__always)
    func checkAndInsert(mac: UInt64, address: IPAddress, vlans: UInt32) -> Bool {
        let s = slots + HostSeenCache.slotIndex(mac: mac, address: address, vlans: vlans)
        if s.pointee.used && s.pointee.mac == mac && s.pointee.address == address && s.pointee.vlans == vlans {
            return true
        }
        s.pointee = Slot(address: address, mac: mac, vlans: vlans, used: true)
        return false
    }
}
