import Synchronization

/// The layer-2 memory behind the host rules: MAC address → every address seen with it (zone, VLANs, how,
/// first seen), bounded in MACs and in addresses per MAC, and the findings already raised.
///
/// Fed by the verifier with one observation per (MAC, address, VLANs) it has not yet passed on (the flow
/// entry and a small cache remember what was), so it is not on the per-packet path: most packets never
/// reach it. A shared table takes a lock for each observation so that the workers of `watch --workers N`,
/// which see frames of one MAC in different threads, share one table and raise each finding once, exactly
/// as a replay of the same frames would (which worker raises it, and so the completing address when two
/// arrive at once, can differ); a verifier's own table (replay) takes none.
///
/// Memory is allocated once, at its full size: `macs` entries of `addressesPerMAC` addresses
/// (`HostTableStorage`), and an open-addressing index of four times as many slots (`HostMACIndex`). When
/// every entry is taken, the MAC seen first (the oldest entry) makes room; `macsEvicted` counts those, `addressesDropped` the addresses a full entry
/// could not keep. A MAC that already raised `dual-homed-host`, and an (address, VLAN) that raised
/// `zone-vlan-mismatch`, are remembered apart, so an eviction never raises a finding twice.
public final class HostTable: @unchecked Sendable {
    public struct Limits: Sendable, Equatable {
        // Set only through `init`, which keeps them within what the table's layout can hold.
        public private(set) var macs: Int
        public private(set) var addressesPerMAC: Int
        /// Findings remembered per rule so that each is raised once; past it the memory starts again (and a
        /// finding may be raised a second time) rather than grow with a flood of spoofed sources.
        public private(set) var findings: Int
        /// `macs` is at most 65,535 (`HostMACIndex` keeps an entry's id in 16 bits beside its MAC).
        public init(macs: Int = 16_384, addressesPerMAC: Int = 16, findings: Int = 65_536) {
            self.macs = max(1, min(macs, HostMACIndex.maxEntries))
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
            self.mac = mac & HostMACIndex.macMask
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
    /// Behind a pointer rather than in the `Mutex`: the table of a single verifier is reached without it.
    private let storage: UnsafeMutablePointer<HostTableStorage>
    private let lock = Mutex<Void>(())
    /// Only one verifier uses the table (`Verifier` makes one of its own): no lock is taken.
    private let exclusive: Bool
    /// The storage's index and entries (both fixed at init), for the prefetches, which take no lock.
    private let index: HostMACIndex
    private let entries: UnsafeMutablePointer<HostTableStorage.Entry>

    /// A table that several verifiers may share (the workers of `watch --workers N`): each observation
    /// takes a lock.
    public convenience init(limits: Limits = Limits()) {
        self.init(limits: limits, exclusive: false)
    }

    /// `exclusive`: one verifier alone uses the table, one packet at a time, and no lock is taken (under a
    /// scan, nearly every new flow observes a new MAC: an uncontended lock and unlock each time).
    init(limits: Limits, exclusive: Bool) {
        self.limits = limits
        self.exclusive = exclusive
        storage = .allocate(capacity: 1)
        storage.initialize(to: HostTableStorage(limits: limits))
        index = storage.pointee.index
        entries = storage.pointee.entries
    }

    deinit {
        storage.pointee.deallocate()
        storage.deinitialize(count: 1)
        storage.deallocate()
    }

    /// Runs `body` on the storage, under the lock unless the table is exclusive.
    @inline(__always)
    private func withStorage<R>(_ body: (UnsafeMutablePointer<HostTableStorage>) -> R) -> R {
        if exclusive { return body(storage) }
        return lock.withLock { _ in body(storage) }
    }

    /// Asks for the index slot where the probe for `mac` starts, ahead of an observation of it: under a scan
    /// nearly every new flow brings a MAC whose slot, as random as a hash, misses the cache. Only the
    /// address is computed (from fields fixed at init), so it needs no lock.
    @inline(__always)
    func prefetchSlot(mac: UInt64) {
        index.prefetch(mac & HostMACIndex.macMask)
    }

    /// After `prefetchSlot(mac:)` brought the slot in: asks for the entry of `mac` when that slot names it
    /// (the probe of a MAC already held nearly always ends there). A table of one verifier only: a shared
    /// table's slots may be written by another thread meanwhile.
    @inline(__always)
    func prefetchEntry(mac: UInt64) {
        guard exclusive else { return }
        let id = index.idAtHome(mac & HostMACIndex.macMask)
        guard id >= 0 else { return }
        // Both lines: an entry (48 bytes) may straddle two, its address in the second.
        let entry = UnsafeRawPointer(entries + id)
        Prefetch.write(entry)
        Prefetch.write(entry + (MemoryLayout<HostTableStorage.Entry>.size &- 1))
    }

    /// Records `o` and returns the findings it completes (usually none). `rules` are the policy's: a
    /// declared router's MAC records nothing, nor does an address outside every zone that is not external
    /// (unzoned, local). `checksVLAN`: the observation is an IP packet's source, which `zone-vlan-mismatch`
    /// judges (ARP and neighbour advertisements are not).
    public func observe(_ o: Observation, rules: HostRules, checksVLAN: Bool) -> [HostFinding] {
        var findings: [HostFinding] = []
        _ = observe(o, rules: rules, checksVLAN: checksVLAN, into: &findings)
        return findings
    }

    /// `observe` for the verifier: the findings are appended to `findings`, and the answer is whether there
    /// are any, so that the usual observation (nothing raised) builds and releases no array.
    @inline(__always)
    func observe(_ o: Observation, rules: HostRules, checksVLAN: Bool, into findings: inout [HostFinding]) -> Bool {
        record(o, admitted: rules.admit(o, checksVLAN: checksVLAN), into: &findings)
    }

    /// Records `o` as `HostRules.admit` judged it (`admitted`: 0, nothing to record), appending the findings it
    /// completes to `findings`; returns whether there are any. Apart from `observe` so that a verifier can
    /// ask its rules, reached through an unmanaged reference, in a closure of a few instructions.
    @inline(__always)
    func record(_ o: Observation, admitted: UInt16, into findings: inout [HostFinding]) -> Bool {
        guard admitted != 0 else { return false }
        let classBit = UInt8(truncatingIfNeeded: admitted)
        let vlanMismatch = admitted & HostRules.vlanMismatchBit != 0
        if exclusive {
            return storage.pointee.record(o, classBit: classBit, vlanMismatch: vlanMismatch, into: &findings)
        }
        return recordLocked(o, classBit: classBit, vlanMismatch: vlanMismatch, into: &findings)
    }

    /// `record` for a shared table, under its lock. Out of line: the lock's closure holds `o` in memory, and
    /// inlined it made every caller store `o` on the stack, though a verifier's own table takes no lock.
    @inline(never)
    private func recordLocked(
        _ o: Observation, classBit: UInt8, vlanMismatch: Bool, into findings: inout [HostFinding]
    ) -> Bool {
        lock.withLock { _ in
            storage.pointee.record(o, classBit: classBit, vlanMismatch: vlanMismatch, into: &findings)
        }
    }

    /// Looks every stored address up again in a new policy's zone map (a reload), so that evidence names
    /// the zones in force; the findings already raised stay raised.
    public func rezone(_ map: ZoneMap, rules: HostRules) {
        withStorage { $0.pointee.rezone(map, rules: rules) }
    }

    /// MACs pushed out of the full table so far.
    public var macsEvicted: UInt64 { withStorage { $0.pointee.macsEvicted } }
    /// Addresses not kept because their MAC already held `addressesPerMAC`.
    public var addressesDropped: UInt64 { withStorage { $0.pointee.addressesDropped } }
    /// Findings no longer remembered as raised because a rule's memory held `limits.findings`.
    public var findingsForgotten: UInt64 { withStorage { $0.pointee.findingsForgotten } }
    /// MACs in the table now.
    public var count: Int { withStorage { $0.pointee.count } }

    /// The addresses held for `mac`, in the order first seen (for tests and reports).
    public func addresses(of mac: MACAddress) -> [HostAddress] {
        withStorage { s in s.pointee.find(mac.rawValue & HostMACIndex.macMask).map { s.pointee.addressList($0) } ?? [] }
    }
}
