import Synchronization

/// The layer-2 memory behind the host rules: MAC address → every address seen with it (zone, VLANs, how,
/// first seen), bounded in MACs and in addresses per MAC, and the findings already raised.
///
/// Fed by the verifier with one observation per (MAC, address, VLANs) it has not yet passed on (the flow
/// entry and a small cache remember what was), so it is not on the per-packet path: most packets never
/// reach it. It takes a lock for each observation so that the workers of `watch --workers N`, which see
/// frames of one MAC in different threads, share one table and raise each finding once, exactly as a
/// replay of the same frames would (which worker raises it, and so the completing address when two arrive
/// at once, can differ).
///
/// Memory is allocated once, at its full size: `macs` entries of `addressesPerMAC` addresses, and an
/// open-addressing index of twice as many slots. When every entry is taken, the MAC seen first (the
/// oldest entry) makes room; `macsEvicted` counts those, `addressesDropped` the addresses a full entry
/// could not keep. A MAC that already raised `dual-homed-host`, and an (address, VLAN) that raised
/// `zone-vlan-mismatch`, are remembered apart, so an eviction never raises a finding twice.
public final class HostTable: @unchecked Sendable {
    public struct Limits: Sendable, Equatable {
        public var macs: Int
        public var addressesPerMAC: Int
        /// Findings remembered per rule so that each is raised once; past it the memory starts again (and a
        /// finding may be raised a second time) rather than grow with a flood of spoofed sources.
        public var findings: Int
        public init(macs: Int = 16_384, addressesPerMAC: Int = 16, findings: Int = 65_536) {
            self.macs = max(1, macs)
            self.addressesPerMAC = max(1, min(addressesPerMAC, 255))
            self.findings = max(1, findings)
        }
    }

    /// What one frame showed: `mac` sent (or announced) `address`, in `zone`, with the frame's own VLANs
    /// packed as a flow key packs them.
    public struct Observation: Sendable {
        public var mac: UInt64
        public var address: IPAddress
        public var zone: ZoneRef
        public var vlans: UInt32
        public var evidence: HostEvidence
        public var time: Int64
        public init(
            mac: UInt64, address: IPAddress, zone: ZoneRef, vlans: UInt32, evidence: HostEvidence, time: Int64
        ) {
            self.mac = mac
            self.address = address
            self.zone = zone
            self.vlans = vlans & 0x0fff_ffff
            self.evidence = evidence
            self.time = time
        }

        /// The innermost VLAN id, nil for an untagged frame, and for a priority tag (id 0: 802.1p priority
        /// only, the frame belongs to no VLAN — IP phones send them — so it is not checked against `vlans`).
        @inlinable
        public var innermostVLAN: UInt16? {
            let count = vlans >> 24 & 0x0f
            if count == 0 { return nil }
            let id = UInt16(truncatingIfNeeded: count == 1 ? vlans >> 12 & 0xfff : vlans & 0xfff)
            return id == 0 ? nil : id
        }
    }

    public let limits: Limits
    private let storage: Mutex<Storage>

    public init(limits: Limits = Limits()) {
        self.limits = limits
        storage = Mutex(Storage(limits: limits))
    }

    deinit { storage.withLock { $0.deallocate() } }

    /// Records `o` and returns the findings it completes (usually none). `rules` are the policy's: a
    /// declared router's MAC records nothing, nor does an address outside every zone that is not external
    /// (unzoned, local). `checksVLAN`: the observation is an IP packet's source, which `zone-vlan-mismatch`
    /// judges (ARP and neighbour advertisements are not).
    public func observe(_ o: Observation, rules: HostRules, checksVLAN: Bool) -> [HostFinding] {
        let classBit = rules.classBit(o.zone)
        // A group (multicast) or all-zero source MAC is no device; a router's is exempt.
        guard classBit != 0, o.mac & 0x0100_0000_0000 == 0, o.mac != 0, !rules.isRouter(o.mac) else { return [] }
        let vlanMismatch = checksVLAN && o.innermostVLAN.map { rules.vlanMismatch(o.zone, vlan: $0) } == true
        return storage.withLock { $0.record(o, classBit: classBit, vlanMismatch: vlanMismatch) }
    }

    /// Looks every stored address up again in a new policy's zone map (a reload), so that evidence names
    /// the zones in force; the findings already raised stay raised.
    public func rezone(_ map: ZoneMap, rules: HostRules) {
        storage.withLock { $0.rezone(map, rules: rules) }
    }

    /// MACs pushed out of the full table so far.
    public var macsEvicted: UInt64 { storage.withLock { $0.macsEvicted } }
    /// Addresses not kept because their MAC already held `addressesPerMAC`.
    public var addressesDropped: UInt64 { storage.withLock { $0.addressesDropped } }
    /// Findings no longer remembered as raised because a rule's memory held `limits.findings`.
    public var findingsForgotten: UInt64 { storage.withLock { $0.findingsForgotten } }
    /// MACs in the table now.
    public var count: Int { storage.withLock { $0.count } }

    /// The addresses held for `mac`, in the order first seen (for tests and reports).
    public func addresses(of mac: MACAddress) -> [HostAddress] {
        storage.withLock { s in s.find(mac.rawValue).map { s.addressList($0) } ?? [] }
    }
}

/// The table's memory, reached only under the lock.
private struct Storage {
    struct Entry {
        var mac: UInt64 = 0
        var count: UInt8 = 0
        /// The class bits (`HostRules`) of every address seen, kept ones or not.
        var classes: UInt8 = 0
    }

    let capacity: Int
    let perMAC: Int
    let slotMask: Int
    /// Per slot the MAC and its entry id + 1, 0 for an empty one (linear probing, backward-shift deletion).
    /// The MAC beside the id: a probe and a deletion's shifting compare and rehash MACs without reading the
    /// entries (a cache miss each under a scan's stream of new MACs).
    let slots: UnsafeMutablePointer<Slot>

    struct Slot {
        var mac: UInt64 = 0
        var id: Int32 = 0
    }
    let entries: UnsafeMutablePointer<Entry>
    let addresses: UnsafeMutablePointer<HostAddress>
    /// Entries handed out so far (up to `capacity`), then the next to evict: ids are reused in the order
    /// they were first handed out, so this is always the MAC inserted longest ago.
    var count = 0
    var nextVictim = 0
    var macsEvicted: UInt64 = 0
    var addressesDropped: UInt64 = 0
    /// The findings raised, per rule, so each is raised once: at most `findingLimit` each, then forgotten
    /// all at once (counted) and begun again.
    var reportedDualHomed = Set<UInt64>()
    var reportedVLAN = Set<VLANKey>()
    let findingLimit: Int
    var findingsForgotten: UInt64 = 0

    struct VLANKey: Hashable {
        var address: IPAddress
        var vlan: UInt16
    }

    init(limits: HostTable.Limits) {
        capacity = limits.macs
        findingLimit = limits.findings
        perMAC = limits.addressesPerMAC
        var n = 1
        while n < 2 * capacity { n <<= 1 }
        slotMask = n - 1
        // Zeroed memory from the kernel, on huge pages (about 11 MB at the default size): an empty slot and
        // an empty entry are zero, and addresses are read only below their entry's count. Written out up
        // front, every page faulted in before the first packet.
        slots = ZeroedMemory.allocate(Slot.self, count: n)
        entries = ZeroedMemory.allocate(Entry.self, count: capacity)
        addresses = ZeroedMemory.allocate(HostAddress.self, count: capacity * perMAC)
    }

    func deallocate() {
        ZeroedMemory.free(slots, count: slotMask + 1)
        ZeroedMemory.free(entries, count: capacity)
        ZeroedMemory.free(addresses, count: capacity * perMAC)
    }

    func home(_ mac: UInt64) -> Int {
        Int(truncatingIfNeeded: (mac &* 0x9e37_79b9_7f4a_7c15) >> 40) & slotMask
    }

    /// The entry id of `mac`, if held.
    func find(_ mac: UInt64) -> Int? {
        var s = home(mac)
        while slots[s].id != 0 {
            if slots[s].mac == mac { return Int(slots[s].id) - 1 }
            s = (s + 1) & slotMask
        }
        return nil
    }

    func addressList(_ id: Int) -> [HostAddress] {
        Array(UnsafeBufferPointer(start: addresses + id * perMAC, count: Int(entries[id].count)))
    }

    /// The entry of `mac`, inserted (evicting the oldest when full) if new.
    mutating func entry(for mac: UInt64) -> Int {
        var s = home(mac)
        while slots[s].id != 0 {
            if slots[s].mac == mac { return Int(slots[s].id) - 1 }
            s = (s + 1) & slotMask
        }
        let id: Int
        if count < capacity {
            id = count
            count += 1
        } else {
            id = nextVictim
            nextVictim = (nextVictim + 1) % capacity
            removeSlot(of: entries[id].mac)
            macsEvicted &+= 1
            s = home(mac)  // the removal may have moved slots: probe again for a free one
            while slots[s].id != 0 { s = (s + 1) & slotMask }
        }
        entries[id] = Entry(mac: mac)
        slots[s] = Slot(mac: mac, id: Int32(id + 1))
        return id
    }

    /// Empties the slot of `mac` and shifts back the entries after it that probed past it.
    mutating func removeSlot(of mac: UInt64) {
        var s = home(mac)
        while slots[s].id != 0 && slots[s].mac != mac { s = (s + 1) & slotMask }
        guard slots[s].id != 0 else { return }
        var hole = s
        var next = (s + 1) & slotMask
        while slots[next].id != 0 {
            let h = home(slots[next].mac)
            // The entry at `next` may fill the hole when its home is not in (hole, next], cyclically.
            let distanceToHole = (hole - h) & slotMask
            let distanceToNext = (next - h) & slotMask
            if distanceToHole < distanceToNext {
                slots[hole] = slots[next]
                hole = next
            }
            next = (next + 1) & slotMask
        }
        slots[hole] = Slot()
    }

    mutating func record(_ o: HostTable.Observation, classBit: UInt8, vlanMismatch: Bool) -> [HostFinding] {
        let id = entry(for: o.mac)
        let base = addresses + id * perMAC
        let n = Int(entries[id].count)
        let vlanCount = UInt8(truncatingIfNeeded: o.vlans >> 24 & 0x0f)
        let outer = UInt16(truncatingIfNeeded: o.vlans >> 12 & 0xfff)
        let inner = UInt16(truncatingIfNeeded: o.vlans & 0xfff)
        let seen = HostAddress(
            ip: o.address, zone: o.zone, vlanCount: vlanCount, vlanOuter: outer, vlanInner: inner,
            evidence: o.evidence, firstSeenMicros: o.time)
        var known = false
        for i in 0..<n
        where base[i].ip == o.address && base[i].vlanCount == vlanCount && base[i].vlanOuter == outer
            && base[i].vlanInner == inner
        {
            known = true
            break
        }
        var kept = known
        if !known {
            if n < perMAC {
                base[n] = seen
                entries[id].count = UInt8(n + 1)
                kept = true
            } else {
                addressesDropped &+= 1
            }
        }
        entries[id].classes |= classBit

        var findings: [HostFinding] = []
        let classes = entries[id].classes
        if classes.nonzeroBitCount >= 2 && !reportedDualHomed.contains(o.mac) {
            if reportedDualHomed.count >= findingLimit {
                findingsForgotten &+= UInt64(reportedDualHomed.count)
                reportedDualHomed.removeAll(keepingCapacity: true)
            }
            reportedDualHomed.insert(o.mac)
            findings.append(
                finding(
                    .dualHomedHost, classes & HostRules.mynumberClass != 0 ? .critical : .high, o, seen, id,
                    kept: kept))
        }
        if vlanMismatch, let vlan = o.innermostVLAN, !reportedVLAN.contains(VLANKey(address: o.address, vlan: vlan)) {
            if reportedVLAN.count >= findingLimit {
                findingsForgotten &+= UInt64(reportedVLAN.count)
                reportedVLAN.removeAll(keepingCapacity: true)
            }
            reportedVLAN.insert(VLANKey(address: o.address, vlan: vlan))
            findings.append(finding(.zoneVLANMismatch, .high, o, seen, id, kept: kept))
        }
        return findings
    }

    func finding(
        _ rule: HostRuleID, _ severity: Severity, _ o: HostTable.Observation, _ seen: HostAddress, _ id: Int,
        kept: Bool
    ) -> HostFinding {
        var list = addressList(id)
        if !kept { list.append(seen) }  // the address that completed it is evidence even past the cap
        let completing = list.first { $0.ip == seen.ip && $0.vlans == seen.vlans } ?? seen
        return HostFinding(
            rule: rule, severity: severity, timestampMicros: o.time, mac: MACAddress(rawValue: o.mac),
            address: completing, addresses: list)
    }

    mutating func rezone(_ map: ZoneMap, rules: HostRules) {
        for id in 0..<count {
            var classes: UInt8 = 0
            for i in 0..<Int(entries[id].count) {
                let a = addresses + id * perMAC + i
                a.pointee.zone = map.lookup(a.pointee.ip)
                classes |= rules.classBit(a.pointee.zone)
            }
            // Class bits of addresses past the cap are kept: they were seen, whatever their zone now.
            entries[id].classes = classes | (entries[id].count == UInt8(perMAC) ? entries[id].classes : 0)
        }
    }
}
