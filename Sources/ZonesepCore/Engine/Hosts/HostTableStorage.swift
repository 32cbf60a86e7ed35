/// One address as the host table keeps it: 32 bytes (a `HostAddress` takes 48), the VLANs packed as an
/// observation packs them.
struct StoredHostAddress {
    var ip: IPAddress
    var firstSeenMicros: Int64
    /// A flow key's VLAN bits (count, outer, inner), 28 of them.
    var vlans: UInt32
    var zone: ZoneRef
    var evidence: HostEvidence

    @inline(__always)
    init(_ o: HostTable.Observation) {
        ip = o.address
        firstSeenMicros = o.time
        vlans = o.vlans
        zone = o.zone
        evidence = o.evidence
    }

    /// Whether this is the observation's address with the observation's VLANs (the table keeps one of each).
    @inline(__always)
    func matches(_ ip: IPAddress, vlans: UInt32) -> Bool { self.ip == ip && self.vlans == vlans }

    var hostAddress: HostAddress {
        HostAddress(
            ip: ip, zone: zone, vlanCount: UInt8(truncatingIfNeeded: vlans >> 24 & 0x0f),
            vlanOuter: UInt16(truncatingIfNeeded: vlans >> 12 & 0xfff),
            vlanInner: UInt16(truncatingIfNeeded: vlans & 0xfff),
            evidence: evidence, firstSeenMicros: firstSeenMicros)
    }
}

/// The host table's memory: entries in the order MACs came (the oldest is the next to make room), the
/// index, the addresses past each MAC's first, and the findings already raised. Reached by one thread at a
/// time (`HostTable` locks it when it is shared).
///
/// A MAC's first address lives in its entry, so a new MAC writes one 48-byte entry and nothing else:
/// entries are handed out in order, a stream the hardware prefetches, where the first address used to sit
/// at a stride of 768 bytes in a 12 MB array, a fresh cache line each time. The other addresses (a MAC with
/// two or more, the rare and interesting case) sit in `more`, `perMAC - 1` of them per entry.
struct HostTableStorage {
    struct Entry {
        var mac: UInt64
        /// Addresses kept, `first` included (1...perMAC).
        var count: UInt8
        /// The class bits (`HostRules`) of every address seen, kept ones or not.
        var classes: UInt8
        /// The index slot that names this entry (kept as the index shifts it back): evicting the entry
        /// empties it without a probe.
        var slot: UInt32
        var first: StoredHostAddress
    }

    let capacity: Int
    let perMAC: Int
    let index: HostMACIndex
    let entries: UnsafeMutablePointer<Entry>
    /// `perMAC - 1` addresses per entry: a MAC's second and later.
    let more: UnsafeMutablePointer<StoredHostAddress>
    /// The one region `entries` and `more` share, `blockBytes` long.
    let block: UnsafeMutablePointer<UInt8>
    let blockBytes: Int
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
        index = HostMACIndex(entries: capacity)
        // Zeroed memory from the kernel, touched as used: entries are read only below `count`, addresses only
        // below their entry's count. One region for both (8.6 MB at the default size), so that the entries'
        // 786 KB are on a huge page too: alone, below 2 MiB, they took 4 KiB pages, 192 page faults.
        let entryBytes = capacity * MemoryLayout<Entry>.stride
        let moreCount = max(1, capacity * (perMAC - 1))
        blockBytes = entryBytes + moreCount * MemoryLayout<StoredHostAddress>.stride
        block = ZeroedMemory.allocate(UInt8.self, count: blockBytes)
        // Both strides are multiples of 16, the alignment of an address.
        entries = UnsafeMutableRawPointer(block).bindMemory(to: Entry.self, capacity: capacity)
        more = (UnsafeMutableRawPointer(block) + entryBytes).bindMemory(to: StoredHostAddress.self, capacity: moreCount)
    }

    func deallocate() {
        index.deallocate()
        ZeroedMemory.free(block, count: blockBytes)
    }

    /// The entry id of `mac`, if held.
    func find(_ mac: UInt64) -> Int? { index.find(mac) }

    /// Address `i` (below the count) of entry `id`.
    @inline(__always)
    func address(_ id: Int, _ i: Int) -> StoredHostAddress {
        i == 0 ? entries[id].first : more[id &* (perMAC &- 1) &+ (i &- 1)]
    }

    func addressList(_ id: Int) -> [HostAddress] {
        (0..<Int(entries[id].count)).map { address(id, $0).hostAddress }
    }

    /// Records `o` (`classBit`: its address's class, not 0) and appends the findings it completes to
    /// `findings`; returns whether there are any.
    @inline(__always)
    mutating func record(
        _ o: HostTable.Observation, classBit: UInt8, vlanMismatch: Bool, into findings: inout [HostFinding]
    ) -> Bool {
        let p = index.probe(o.mac)
        guard p.id >= 0 else {
            let id = insert(o, classBit: classBit, emptySlot: p.slot)
            // One address of one class: `dual-homed-host` needs two classes.
            guard vlanMismatch else { return false }
            return raise(o, id, classes: classBit, vlanMismatch: true, kept: true, into: &findings)
        }
        return recordKnown(o, p.id, classBit: classBit, vlanMismatch: vlanMismatch, into: &findings)
    }

    /// A new MAC: the next entry (the oldest MAC's when all are taken), holding `o`'s address.
    /// `emptySlot`: the empty slot that ended `o.mac`'s probe.
    @inline(__always)
    private mutating func insert(_ o: HostTable.Observation, classBit: UInt8, emptySlot: Int) -> Int {
        let id: Int
        var slot = emptySlot
        if count < capacity {
            id = count
            count &+= 1
        } else {
            id = nextVictim
            nextVictim = nextVictim &+ 1 == capacity ? 0 : nextVictim &+ 1
            let entries = self.entries
            let hole = index.remove(slot: Int(entries[id].slot)) { moved, to in
                entries[moved].slot = UInt32(truncatingIfNeeded: to)
            }
            macsEvicted &+= 1
            // The only slot the removal emptied: the first empty one of `o.mac`'s probe if it lies before the
            // one the probe ended at (the removal fills no empty slot).
            let home = index.home(o.mac)
            if (hole &- home) & index.mask < (emptySlot &- home) & index.mask { slot = hole }
            // The next eviction's slot line, on its way while the packets in between are worked on (a new
            // MAC's slot is as random as a hash; the oldest MAC's slot is known now). And the entry after that
            // (both its lines: an entry may straddle two): new MACs come a few flows apart, too slowly for the
            // CPU to see the walk through the entries.
            Prefetch.write(index.slots + Int(entries[nextVictim].slot))
            let after = UnsafeRawPointer(entries + (nextVictim &+ 1 == capacity ? 0 : nextVictim &+ 1))
            Prefetch.read(after)
            Prefetch.read(after + (MemoryLayout<Entry>.size &- 1))
        }
        index.set(slot, mac: o.mac, id: id)
        entries[id] = Entry(
            mac: o.mac, count: 1, classes: classBit, slot: UInt32(truncatingIfNeeded: slot), first: StoredHostAddress(o)
        )
        return id
    }

    /// A MAC already held: its address list grows by `o`'s unless held (or full), and its classes by
    /// `classBit`.
    private mutating func recordKnown(
        _ o: HostTable.Observation, _ id: Int, classBit: UInt8, vlanMismatch: Bool, into findings: inout [HostFinding]
    ) -> Bool {
        let e = entries + id
        let n = Int(e.pointee.count)
        var known = e.pointee.first.matches(o.address, vlans: o.vlans)
        if !known {
            let base = more + id &* (perMAC &- 1)
            for i in 0..<(n &- 1) where base[i].matches(o.address, vlans: o.vlans) {
                known = true
                break
            }
        }
        var kept = known
        if !known {
            if n < perMAC {
                more[id &* (perMAC &- 1) &+ (n &- 1)] = StoredHostAddress(o)
                e.pointee.count = UInt8(truncatingIfNeeded: n &+ 1)
                kept = true
            } else {
                addressesDropped &+= 1
            }
        }
        e.pointee.classes |= classBit
        let classes = e.pointee.classes
        guard classes.nonzeroBitCount >= 2 || vlanMismatch else { return false }
        return raise(o, id, classes: classes, vlanMismatch: vlanMismatch, kept: kept, into: &findings)
    }

    /// The findings entry `id` (with `classes`) completes with `o`, unless raised before.
    private mutating func raise(
        _ o: HostTable.Observation, _ id: Int, classes: UInt8, vlanMismatch: Bool, kept: Bool,
        into findings: inout [HostFinding]
    ) -> Bool {
        var raised = false
        if classes.nonzeroBitCount >= 2 && !reportedDualHomed.contains(o.mac) {
            if reportedDualHomed.count >= findingLimit {
                findingsForgotten &+= UInt64(reportedDualHomed.count)
                reportedDualHomed.removeAll(keepingCapacity: true)
            }
            reportedDualHomed.insert(o.mac)
            findings.append(
                finding(
                    .dualHomedHost, classes & HostRules.mynumberClass != 0 ? .critical : .high, o, id, kept: kept))
            raised = true
        }
        if vlanMismatch, let vlan = o.innermostVLAN, !reportedVLAN.contains(VLANKey(address: o.address, vlan: vlan)) {
            if reportedVLAN.count >= findingLimit {
                findingsForgotten &+= UInt64(reportedVLAN.count)
                reportedVLAN.removeAll(keepingCapacity: true)
            }
            reportedVLAN.insert(VLANKey(address: o.address, vlan: vlan))
            findings.append(finding(.zoneVLANMismatch, .high, o, id, kept: kept))
            raised = true
        }
        return raised
    }

    func finding(
        _ rule: HostRuleID, _ severity: Severity, _ o: HostTable.Observation, _ id: Int, kept: Bool
    ) -> HostFinding {
        let seen = StoredHostAddress(o).hostAddress
        var list = addressList(id)
        if !kept { list.append(seen) }  // the address that completed it is evidence even past the cap
        let completing = list.first { $0.ip == seen.ip && $0.vlans == seen.vlans } ?? seen
        return HostFinding(
            rule: rule, severity: severity, timestampMicros: o.time, mac: MACAddress(rawValue: o.mac),
            address: completing, addresses: list)
    }

    mutating func rezone(_ map: ZoneMap, rules: HostRules) {
        for id in 0..<count {
            let e = entries + id
            e.pointee.first.zone = map.lookup(e.pointee.first.ip)
            var classes = rules.classBit(e.pointee.first.zone)
            let base = more + id * (perMAC - 1)
            for i in 0..<(Int(e.pointee.count) - 1) {
                base[i].zone = map.lookup(base[i].ip)
                classes |= rules.classBit(base[i].zone)
            }
            // Class bits of addresses past the cap are kept: they were seen, whatever their zone now.
            e.pointee.classes = classes | (e.pointee.count == UInt8(perMAC) ? e.pointee.classes : 0)
        }
    }
}
