/// The packet-matching loop: decode → classify → flow → policy, one pass over each packet.
///
/// Owns the flow table and the counters; I/O stays outside: capture feeds frames in, and what happens to
/// flows comes out as events, in batches, to one `EventSink` (see `Engine/Events`). Allocation-free per
/// packet once the flow table is warm.
///
/// Mutable state is private behind read-only accessors: with no access from outside the module the
/// optimiser drops the dynamic exclusivity checks that would otherwise cost a few nanoseconds a packet.
public final class Verifier {
    public var policy: Policy { _policy }
    public let flows: FlowTable
    /// MAC → addresses, behind the host rules: the verifier's own, or one shared by several workers.
    public let hostTable: HostTable
    /// The counters, with the host table's evictions and dropped addresses (a shared table's: every worker
    /// reports the same ones).
    public var counters: Counters {
        var c = state.pointee.counters
        c.hostMACsEvicted = hostTable.macsEvicted
        c.hostAddressesDropped = hostTable.addressesDropped
        c.hostFindingsForgotten = hostTable.findingsForgotten
        c.timeJumpsIgnored = flows.timeJumpsIgnored
        c.firstTimeJumpIgnoredMicros = flows.firstTimeJumpIgnored
        return c
    }
    public var matrix: ZoneMatrix {
        var m = state.pointee.matrix
        let cells = state.pointee.cells
        let flowCounts = Verifier.flowCells(cells, m)
        for i in m.packets.indices {
            m.packets[i] = cells[2 * i]
            m.bytes[i] = cells[2 * i + 1]
            m.flows[i] = flowCounts[2 * i]
            m.untaggedFlows[i] = flowCounts[2 * i + 1]
        }
        return m
    }
    private var _policy: Policy
    /// The policy's VXLAN and Geneve ports, kept beside it so the packet loop reads them from here.
    private var tunnelPorts: TunnelPorts
    /// Where events go; nil: nowhere (the counters, matrix and returned alerts still work).
    private let sink: EventSink?
    /// What the sinks compute once per event for all of them, carried with each batch; reset before each.
    private let memo = EventMemo(capacity: Verifier.eventCapacity)
    /// Everything the per-packet path mutates, behind a pointer: a class's stored properties get a dynamic
    /// exclusivity check on each access (about 350 instructions a packet here, by callgrind), memory reached
    /// through a pointer does not. Only this class touches it, one packet at a time.
    private struct State {
        var counters = Counters()
        /// The shape of the matrix only (its counts stay zero): they are all in `cells`.
        var matrix: ZoneMatrix
        /// Packets and bytes of each cell of `matrix`, side by side, then each cell's flows and untagged
        /// flows side by side (`flowCells`), in memory of its own: updating them through the matrix's arrays
        /// cost two uniqueness checks a packet (about 70 instructions in all), and about 30 a new flow.
        var cells: UnsafeMutablePointer<UInt64>
        var fragments = FragmentTable()
        var nextSerial: UInt64 = 1
        /// The table index of the flow the last packet started when it raised an alert.
        var alertIndex = 0
        /// Events waiting for the sink, `eventCount` of `eventCapacity`.
        var events: UnsafeMutablePointer<EngineEvent>
        var eventCount = 0
        /// What the sink wants, split into flags the per-packet code tests with one load each.
        var wantsFlaggedPackets = false
        var wantsAllStarts = false
        var wantsTunnelStarts = false
        var wantsViolationStarts = false
        var wantsAllEnds = false
        var wantsViolationEnds = false
        var wantsDeclaredEnds = false
        var wantsPacketTime = false
        /// The packet time the sink was last told (the last frame of the batch of its last call).
        var packetTimeTold = Int64.min
        /// The frames being processed (what `flaggedPacket` events index) and the index of the current one.
        var frames = UnsafeBufferPointer<Frame>(start: nil, count: 0)
        var frameIndex: Int32 = 0
        var linkType = LinkType.ethernet
        var policyEpoch = 0
        /// Closed TCP connections that left the table, whose stragglers join no new flow.
        var closed: ClosedConnections
        /// The policy's routers, zone kinds and VLANs, for the host table.
        var hostRules: HostRules
        /// `hostRules`, the policy and its zone map without reference counting, for the new-flow path (a
        /// retain and a release each time cost about 40 instructions). `hostRules` and the verifier's
        /// `_policy` keep them alive; set again with them on a reload.
        var hostRulesRef: Unmanaged<HostRules>
        var policyRef: Unmanaged<Policy>
        var zoneMapRef: Unmanaged<ZoneMap>
        var hostSeen = HostSeenCache()
        /// The MACs whose host-index slots `touchNewFlow` asked for lately, newest first (0: none): each one's
        /// entry is asked for four calls later.
        var pendingHostMACs: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        var wantsHostFindings = false
        /// Host findings of the queued events (`EngineEvent.hostFinding` indexes it); empty almost always.
        var hostFindings: [HostFinding] = []
        /// What the host table's last observation raised, until `queueHostFindings` takes it.
        var newHostFindings: [HostFinding] = []
        /// The zones of IPv4 addresses judged lately (see `zone(of:)`), `zoneCacheSize` words.
        var zoneCache: UnsafeMutablePointer<UInt64>
    }
    /// Words of the zone cache (512 KiB, zeroed pages from the kernel, touched as used). A scan's sources
    /// recur only tens of thousands of flows apart: on churn.pcap (64,127 addresses in 600,000 new flows)
    /// 1,024 words hit 47 % of lookups, 65,536 words 90 %. The slots of a likely new flow's two addresses
    /// are asked for ahead (`touchNewFlow`), so a cache larger than the CPU's does not stall.
    static let zoneCacheSize = 1 << 16
    private let state: UnsafeMutablePointer<State>
    /// The frame being processed: `single` for `process`, or one of `decoded` in a batch (no copy). Held
    /// through a pointer, like `state`: as a stored `var` each packet paid a dynamic exclusivity check.
    private let current: UnsafeMutablePointer<UnsafeMutablePointer<DecodedPacket>>
    private let single: UnsafeMutablePointer<DecodedPacket>
    private var packet: DecodedPacket {
        @inline(__always) _read { yield current.pointee.pointee }
    }
    /// Decoded frames of the current batch (`process(batch:)`), `batchSize` of them, allocated once.
    private let decoded: UnsafeMutablePointer<DecodedPacket>
    /// What the first pass over a batch found for each frame: its tuple when it is a common frame (then
    /// `decoded` is filled only if the fast lane passes it on), and its key hash for prefetching.
    private let lanes: UnsafeMutablePointer<Lane>
    private struct Lane {
        /// 0: not a common frame. Else 1 + where the Ethernet header of its tuple starts (0 for a plain
        /// frame, past the outer headers inside a tunnel): for a plain frame one byte stored, as the flag
        /// it replaced (a field of its own cost plain frames about 20 instructions more by callgrind).
        var commonAt: UInt8 = 0
        var common: Bool { commonAt != 0 }
        var fromA = false
        var tcpFlags: UInt8 = 0
        var hash: UInt64 = 0
        /// The entry `touchEntry` found for `hash` (-1: none), most likely this frame's flow.
        var candidate: Int32 = -1
        var key = FlowKey(
            addressA: IPAddress(rawValue: 0), addressB: IPAddress(rawValue: 0), portA: 0, portB: 0, proto: 0,
            vlans: 0)
    }
    /// Events a batch of frames can leave before the sink is called mid-batch: a frame makes at most a
    /// start, a flagged packet and a few ends (eviction, reopening, the idle sweep's two).
    static let eventCapacity = 8 * batchSize
    /// A frame standing alone (`process(timestamp:…)`), for the events that point at it.
    private let singleFrame: UnsafeMutablePointer<Frame>

    /// Flows examined by the idle sweep per packet: enough to keep up with any arrival rate of new flows.
    public static let sweepBudget = 2

    /// Frames `process(batch:)` takes at once: enough to keep `lookahead` frames of prefetching ahead most of
    /// the time, few enough that the batch's lanes and decoded packets (about 12 KB) stay in the L1 cache.
    public static let batchSize = 64

    /// How many frames ahead of the one being worked on `process(batch:)` prefetches: 16 ran faster than
    /// 4 and 8 in `core-profile`, and 8 about 10 % faster than asking for the whole batch at once.
    static let lookahead = 16

    /// `sink` receives the events it asks for (its `interests`, read once here). `hostTable`: one shared
    /// with other verifiers (the workers of one sensor), else a table of the default size of its own.
    public init(
        policy: Policy, flowCapacity: Int = 1 << 20, timeouts: FlowTimeouts = FlowTimeouts(), sink: EventSink? = nil,
        hostTable: HostTable? = nil
    ) {
        self._policy = policy
        self.tunnelPorts = policy.config.tunnelPorts
        self.sink = sink
        // A lone packet stamped far ahead must not end every open flow as idle (`FlowTable.sweep`).
        self.flows = FlowTable(capacity: flowCapacity, timeouts: timeouts, holdsTimeJumps: true)
        // A table of its own is reached by this verifier alone: no lock.
        self.hostTable = hostTable ?? HostTable(limits: HostTable.Limits(), exclusive: true)
        state = .allocate(capacity: 1)
        let matrix = ZoneMatrix(zoneCount: policy.config.zones.count)
        let events = UnsafeMutablePointer<EngineEvent>.allocate(capacity: Verifier.eventCapacity)
        // An eighth of the flow cap, between 1,024 and 65,536 connections (4 MiB at most).
        let closed = ClosedConnections(capacity: min(max(flowCapacity / 8, 1024), 1 << 16))
        let hostRules = HostRules(policy.config)
        let zoneCache = ZeroedMemory.allocate(UInt64.self, count: Verifier.zoneCacheSize)
        state.initialize(
            to: State(
                matrix: matrix, cells: Verifier.cells(for: matrix), events: events, closed: closed,
                hostRules: hostRules, hostRulesRef: .passUnretained(hostRules), policyRef: .passUnretained(policy),
                zoneMapRef: .passUnretained(policy.zoneMap), zoneCache: zoneCache))
        state.pointee.hostFindings.reserveCapacity(16)
        state.pointee.newHostFindings.reserveCapacity(2)
        let wants = sink?.interests ?? []
        state.pointee.wantsFlaggedPackets = wants.contains(.flaggedPackets)
        state.pointee.wantsAllStarts = wants.contains(.flowStarts)
        state.pointee.wantsTunnelStarts = wants.contains(.tunnelStarts) || wants.contains(.flowStarts)
        state.pointee.wantsViolationStarts = wants.contains(.violationStarts) || wants.contains(.flowStarts)
        state.pointee.wantsAllEnds = wants.contains(.flowEnds)
        state.pointee.wantsViolationEnds = wants.contains(.violationEnds) || wants.contains(.flowEnds)
        state.pointee.wantsDeclaredEnds = wants.contains(.declaredEnds) || wants.contains(.flowEnds)
        state.pointee.wantsHostFindings = wants.contains(.hostFindings)
        state.pointee.wantsPacketTime = wants.contains(.packetTime)
        singleFrame = .allocate(capacity: 1)
        singleFrame.initialize(
            to: Frame(timestamp: 0, bytes: UnsafeRawBufferPointer(start: nil, count: 0), wireLength: 0))
        single = .allocate(capacity: 1)
        single.initialize(to: DecodedPacket())
        current = .allocate(capacity: 1)
        current.initialize(to: single)
        decoded = .allocate(capacity: Verifier.batchSize)
        decoded.initialize(repeating: DecodedPacket(), count: Verifier.batchSize)
        lanes = .allocate(capacity: Verifier.batchSize)
        lanes.initialize(repeating: Lane(), count: Verifier.batchSize)
        armExpiryAlarm(after: .min)
    }

    /// Zeroed packet, byte, flow and untagged flow counts for every cell of `m`.
    private static func cells(for m: ZoneMatrix) -> UnsafeMutablePointer<UInt64> {
        let cells = UnsafeMutablePointer<UInt64>.allocate(capacity: 4 * m.side * m.side)
        cells.initialize(repeating: 0, count: 4 * m.side * m.side)
        return cells
    }

    /// The flow and untagged flow counts of `cells`, two per cell of `m`, after the packets and bytes.
    @inline(__always)
    private static func flowCells(_ cells: UnsafeMutablePointer<UInt64>, _ m: ZoneMatrix) -> UnsafeMutablePointer<
        UInt64
    > {
        cells + 2 &* m.side &* m.side
    }

    deinit {
        state.pointee.cells.deallocate()
        state.pointee.events.deallocate()
        state.pointee.closed.deallocate()
        state.pointee.hostSeen.deallocate()
        ZeroedMemory.free(state.pointee.zoneCache, count: Verifier.zoneCacheSize)
        state.deinitialize(count: 1)
        singleFrame.deallocate()
        state.deallocate()
        single.deinitialize(count: 1)
        single.deallocate()
        current.deallocate()
        decoded.deinitialize(count: Verifier.batchSize)
        decoded.deallocate()
        lanes.deinitialize(count: Verifier.batchSize)
        lanes.deallocate()
    }

    /// Swaps in a new policy between two packets. Flows keep their state and verdict; new flows are judged
    /// by it. The matrix is re-indexed by zone id, so counts for zones in both maps carry over, and each
    /// live flow's zones are looked up again in the new map (an index into the old map's zones would name
    /// another zone, or none, in the new one), and its declaration in the new policy (`FlowEntry.carry`).
    public func replacePolicy(_ new: Policy) {
        flushEvents()  // events made under the old map are read with it
        let old = matrix
        var fresh = ZoneMatrix(zoneCount: new.config.zones.count)
        func map(_ i: Int) -> ZoneRef? {
            let r = old.ref(i)
            guard r.isZone else { return r }
            let id = policy.config.zones[r.zoneIndex].id
            return new.config.zones.firstIndex { $0.id == id }.map { ZoneRef(zone: $0) }
        }
        for a in 0..<old.side {
            for b in 0..<old.side {
                guard let ra = map(a), let rb = map(b) else { continue }
                let from = old.side * a + b
                let to = fresh.index(ra) * fresh.side + fresh.index(rb)
                fresh.packets[to] += old.packets[from]
                fresh.bytes[to] += old.bytes[from]
                fresh.flows[to] += old.flows[from]
                fresh.untaggedFlows[to] += old.untaggedFlows[from]
            }
        }
        state.pointee.cells.deallocate()
        state.pointee.cells = Verifier.cells(for: fresh)
        let flowCounts = Verifier.flowCells(state.pointee.cells, fresh)
        for i in fresh.packets.indices {
            state.pointee.cells[2 * i] = fresh.packets[i]
            state.pointee.cells[2 * i + 1] = fresh.bytes[i]
            flowCounts[2 * i] = fresh.flows[i]
            flowCounts[2 * i + 1] = fresh.untaggedFlows[i]
            fresh.packets[i] = 0
            fresh.bytes[i] = 0
            fresh.flows[i] = 0
            fresh.untaggedFlows[i] = 0
        }
        state.pointee.matrix = fresh
        let judgedBy = _policy
        let renumbered = DeclarationRenumbering(from: judgedBy, to: new)
        _policy = new
        tunnelPorts = new.config.tunnelPorts
        state.pointee.zoneCache.update(repeating: 0, count: Verifier.zoneCacheSize)
        state.pointee.policyEpoch &+= 1
        let map = new.zoneMap
        // Host observations are judged anew under the new zones, VLANs and routers: the table's addresses
        // take their new zones, and nothing is taken as already seen.
        state.pointee.hostRules = HostRules(new.config)
        state.pointee.hostRulesRef = .passUnretained(state.pointee.hostRules)
        state.pointee.policyRef = .passUnretained(new)
        state.pointee.zoneMapRef = .passUnretained(new.zoneMap)
        hostTable.rezone(map, rules: state.pointee.hostRules)
        state.pointee.hostSeen.clear()
        flows.updateEach { e in
            e.zoneA = map.lookup(e.key.addressA)
            e.zoneB = map.lookup(e.key.addressB)
            e.macA &= ~FlowEntry.hostSeen
            e.macB &= ~FlowEntry.hostSeen
            // Its declaration renumbered; a pending MAC check kept only where the new policy agrees.
            e.carry(across: renumbered, from: judgedBy, to: new)
        }
        armExpiryAlarm(after: flows.clock ?? .min)
    }

    /// Processes one captured frame. Returns the alert when this packet starts a violating flow.
    public func process(
        timestamp now: Int64, bytes: UnsafeRawBufferPointer, wireLength: Int, linkType: LinkType
    ) -> Alert? {
        current.pointee = single
        singleFrame.pointee = Frame(timestamp: now, bytes: bytes, wireLength: wireLength)
        state.pointee.frames = UnsafeBufferPointer(start: singleFrame, count: 1)
        state.pointee.linkType = linkType
        state.pointee.frameIndex = 0
        PacketDecoder.decode(bytes, linkType: linkType, tunnelPorts: tunnelPorts, into: &single.pointee)
        begin(timestamp: now, wireLength: wireLength)
        let raised = processDecoded(timestamp: now, wireLength: wireLength, keyHash: 0)
        let alert = raised ? Alert(flow: flows[state.pointee.alertIndex]) : nil
        flushEvents()
        return alert
    }

    /// Counts a frame of a capture whose link type zonesep does not decode (`dataLink`, the file's DLT): a
    /// frame not verified, by that reason, so that a run holding such a file never reads as all clear.
    public func countUndecodable(timestamp now: Int64, wireLength: Int, dataLink: Int32) {
        state.pointee.counters.packets &+= 1
        state.pointee.counters.bytes &+= UInt64(wireLength)
        if PacketTime.isWritable(now) {
            if state.pointee.counters.firstPacketMicros == nil { state.pointee.counters.firstPacketMicros = now }
            state.pointee.counters.lastPacketMicros = now
        }
        state.pointee.counters.count(.notVerified(.linkType, UInt32(bitPattern: dataLink)))
    }

    /// Counts frames that a capture reader took out because their time cannot be written (`PacketTime`):
    /// malformed, `timestampOutOfRange`, not judged; their times are not the capture's first or last.
    public func countUnwritableTimes(frames: UInt64, bytes: UInt64) {
        guard frames > 0 else { return }
        state.pointee.counters.packets &+= frames
        state.pointee.counters.bytes &+= bytes
        state.pointee.counters.framesMalformed &+= frames
        state.pointee.counters.anomalies[Int(DecodeAnomaly.timestampOutOfRange.rawValue)] &+= frames
    }

    /// Counts frames that a capture reader took out because they have no time (`PacketTime.missing`): not
    /// verified, `noTimestamp`, not judged; their times are not the capture's first or last.
    public func countMissingTimes(frames: UInt64, bytes: UInt64) {
        guard frames > 0 else { return }
        state.pointee.counters.packets &+= frames
        state.pointee.counters.bytes &+= bytes
        state.pointee.counters.count(.notVerified(.noTimestamp, 0), frames: frames)
    }

    /// One frame for `process(batch:linkType:each:)`.
    public struct Frame {
        public var timestamp: Int64
        public var bytes: UnsafeRawBufferPointer
        public var wireLength: Int
        public init(timestamp: Int64, bytes: UnsafeRawBufferPointer, wireLength: Int) {
            self.timestamp = timestamp
            self.bytes = bytes
            self.wireLength = wireLength
        }
    }

    /// Processes up to `batchSize` frames in order, with exactly the outcome of calling `process` for each,
    /// and calls `alert(i, a)` right after frame `i` when it raises `a`. The bytes of every frame must stay
    /// valid for the whole call: the events of the batch go to the sink, pointing at them, before it returns.
    ///
    /// Only frames that raise an alert reach the closure: an `Alert?` per frame would cost a few copies of
    /// a large value on every packet.
    ///
    /// A first pass reads each frame's tuple (`CommonFrameDecoder` where it can, `CommonTunnelDecoder` for
    /// one ERSPAN I/II, Ethernet-in-GRE, VXLAN or Geneve tunnel around such a frame, else `PacketDecoder`) and
    /// touches the flow-table memory the frame will need (its index slot, then its entry), so the batch's
    /// cache misses overlap instead of stalling one packet after another. A common frame of a flow already
    /// in the table then takes the fast lane; everything else is decoded in full and goes the general way.
    public func process(
        batch: UnsafeBufferPointer<Frame>, linkType: LinkType, alert: (Int, Alert) -> Void = { _, _ in }
    ) {
        let n = min(batch.count, Verifier.batchSize)
        state.pointee.frames = batch
        state.pointee.linkType = linkType
        readTuples(batch, count: n, linkType: linkType)
        // The entries, `lookahead` frames ahead (see `readTuples`).
        let lookahead = Verifier.lookahead
        @inline(__always) func touchEntry(_ k: Int) {
            let candidate = lanes[k].hash != 0 ? flows.touchEntry(hash: lanes[k].hash) : -1
            lanes[k].candidate = candidate
            // No entry named: most likely a new flow (under a scan, nearly every frame). One test here; the
            // rest out of line.
            if candidate < 0 { touchNewFlow(k, batch) }
        }
        for k in 0..<min(lookahead, n) { touchEntry(k) }
        for k in 0..<n {
            if k + lookahead < n { touchEntry(k + lookahead) }
            let now = batch[k].timestamp
            let wireLength = batch[k].wireLength
            state.pointee.frameIndex = Int32(truncatingIfNeeded: k)
            begin(timestamp: now, wireLength: wireLength)
            let way =
                lanes[k].common
                ? fastLane(
                    lanes + k, frame: batch[k].bytes.baseAddress.unsafelyUnwrapped, timestamp: now,
                    wireLength: wireLength) : .general
            if way == .counted { continue }
            if generalWay(batch[k], k, linkType: linkType, newFlow: way == .newFlow),
                let a = Alert(flow: flows[state.pointee.alertIndex])
            {
                alert(k, a)
            }
        }
        flushEvents()
        if batch.count > n { processOneByOne(batch, from: n, linkType: linkType, alert: alert) }
        // One load and one comparison a batch: the sink hears of packet time when no event told it.
        if state.pointee.wantsPacketTime, let last = batch.last,
            last.timestamp >= state.pointee.packetTimeTold &+ Verifier.packetTimeEvery
        {
            tellPacketTime(batch)
        }
    }

    /// At most this often (µs of packet time), a batch that left no event is handed on empty, for its time.
    static let packetTimeEvery: Int64 = 1_000_000

    /// The sink told how far packet time has come with no event to carry it: an empty batch of `frames`.
    @inline(never)
    private func tellPacketTime(_ frames: UnsafeBufferPointer<Frame>) {
        guard let sink, let last = frames.last else { return }
        state.pointee.packetTimeTold = last.timestamp
        memo.reset()
        sink.consume(
            EventBatch(
                events: UnsafeBufferPointer(start: state.pointee.events, count: 0), frames: frames,
                linkType: state.pointee.linkType, policy: _policy, policyEpoch: state.pointee.policyEpoch,
                memo: memo))
    }

    /// A frame whose index slots named no entry, `lookahead` frames before it is worked on: if common, most
    /// likely a new flow, whose sender the host table will hear of (`noteNewSender`) and whose addresses
    /// `startFlow` looks up. Under a scan each such observation missed the cache three times in a row (the
    /// seen-cache slot, the index slot of a MAC as random as a hash, the MAC's entry): the first two are
    /// asked for now, with the zone cache's words of both addresses, and the entry of the MAC of the fourth
    /// such frame before, whose index slot has had time to arrive. Hints only: a wrong guess costs a wasted
    /// line, never an outcome.
    ///
    /// Frame `k` by its index, not its lane's address: the index back from an address cost a division by
    /// the lane's size.
    @inline(never)
    private func touchNewFlow(_ k: Int, _ batch: UnsafeBufferPointer<Frame>) {
        let lane = lanes + k
        guard lane.pointee.common else { return }
        let frame = batch[k].bytes.baseAddress.unsafelyUnwrapped
        let sender = Verifier.newSender(
            key: lane.pointee.key, fromA: lane.pointee.fromA, frame: frame,
            ethernetAt: Int(lane.pointee.commonAt) &- 1)
        state.pointee.hostSeen.prefetch(mac: sender.mac, address: sender.address, vlans: sender.vlans)
        hostTable.prefetchSlot(mac: sender.mac)
        // And the zone cache's words of the flow's two addresses, which `startFlow` reads.
        prefetchZone(of: lane.pointee.key.addressA)
        prefetchZone(of: lane.pointee.key.addressB)
        // Four calls later: at one the slot had often not arrived (a batch's first `lookahead` frames are
        // touched one after another).
        let (a, b, c, oldest) = state.pointee.pendingHostMACs
        hostTable.prefetchEntry(mac: oldest)
        state.pointee.pendingHostMACs = (sender.mac, a, b, c)
    }

    /// A common frame that joined no flow, as a closed connection's straggler: the host table hears of its
    /// sender as `processDecoded` makes it hear of the same frame decoded in full. Out of line: rare.
    @inline(never)
    private func observeStraggler(key: FlowKey, fromA: Bool, frame: UnsafeRawPointer, ethernetAt: Int, now: Int64) {
        let s = Verifier.newSender(key: key, fromA: fromA, frame: frame, ethernetAt: ethernetAt)
        observeHost(
            mac: s.mac, address: s.address, zone: _policy.zoneMap.lookup(s.address), vlans: s.vlans,
            evidence: .ipSource, now: now)
    }

    /// What the first frame of a new flow makes the host table hear (`newFlowLane`, then `noteNewSender`):
    /// the source MAC of its (innermost) Ethernet header at `ethernetAt`, its source address, and the flow's
    /// VLANs as the observation keeps them.
    @inline(__always)
    static func newSender(
        key: FlowKey, fromA: Bool, frame: UnsafeRawPointer, ethernetAt: Int
    ) -> (mac: UInt64, address: IPAddress, vlans: UInt32) {
        let mac = UInt64(bigEndian: frame.loadUnaligned(fromByteOffset: ethernetAt &+ 6, as: UInt64.self)) >> 16
        return (mac, fromA ? key.addressA : key.addressB, key.vlans & 0x0fff_ffff)
    }

    /// Frames past the batch size (a caller that ignored it), one at a time.
    @inline(never)
    private func processOneByOne(
        _ batch: UnsafeBufferPointer<Frame>, from start: Int, linkType: LinkType, alert: (Int, Alert) -> Void
    ) {
        for k in start..<batch.count {
            if let a = process(
                timestamp: batch[k].timestamp, bytes: batch[k].bytes, wireLength: batch[k].wireLength,
                linkType: linkType)
            {
                alert(k, a)
            }
        }
    }

    /// The first pass over a batch: each frame's tuple and key hash into its lane, and its index slot
    /// asked for. Its own function, like `generalWay`: the batch loop stays small enough for the compiler
    /// to inline the decoder and the fast lane into it (in one large function they were calls).
    private func readTuples(_ batch: UnsafeBufferPointer<Frame>, count n: Int, linkType: LinkType) {
        let ethernet = linkType == .ethernet
        // Each frame's headers, index slot and flow entry are cache misses of their own. They are asked for
        // `lookahead` frames before they are needed: far enough to arrive in time, near enough that the
        // requests in flight stay within what the CPU can track (asking for a whole batch at once stalled).
        let lookahead = Verifier.lookahead
        func prefetchFrame(_ k: Int) {
            if let base = batch[k].bytes.baseAddress {
                Prefetch.read(base)
                Prefetch.read(base + 64)
            }
        }
        for k in 0..<min(lookahead, n) { prefetchFrame(k) }
        var frame = CommonFrame()
        let ports = tunnelPorts
        for k in 0..<n {
            // k < n <= batchSize: no overflow to check for.
            if k &+ lookahead < n { prefetchFrame(k &+ lookahead) }
            let lane = lanes + k
            let shape = ethernet ? CommonFrameDecoder.read(batch[k].bytes, tunnelPorts: ports, into: &frame) : .other
            if shape == .common {
                let (key, fromA) = FlowKey.canonical(
                    src: frame.src, srcPort: frame.srcPort, dst: frame.dst, dstPort: frame.dstPort,
                    proto: frame.proto, vlans: frame.vlans)
                lane.pointee.commonAt = 1
                lane.pointee.key = key
                lane.pointee.fromA = fromA
                lane.pointee.tcpFlags = frame.tcpFlags
                lane.pointee.hash = key.hashValue64
            } else {
                readOtherTuple(batch[k].bytes, k, shape, linkType: linkType, tunnelPorts: ports)
            }
            if lane.pointee.hash != 0 { flows.touchIndex(hash: lane.pointee.hash) }
        }
    }

    /// The first pass for a frame that is not a plain common frame: one ERSPAN I/II, Ethernet-in-GRE, VXLAN or
    /// Geneve tunnel around a common frame (`CommonTunnelDecoder`, from where `shape`, the plain decoder's
    /// reading, says the tunnel starts) still gets its tuple for the fast lane, with the tunnel's VNI; any
    /// other frame is decoded in full. Out of line, so the loop around the plain frame's decoder stays as it was (with the tunnel
    /// decoder in it, plain frames cost about 30 instructions more by callgrind).
    @inline(never)
    private func readOtherTuple(
        _ bytes: UnsafeRawBufferPointer, _ k: Int, _ shape: CommonFrameShape, linkType: LinkType,
        tunnelPorts ports: TunnelPorts
    ) {
        let lane = lanes + k
        var frame = CommonFrame()
        var inner = 0
        if CommonTunnelDecoder.decode(bytes, outer: shape, tunnelPorts: ports, into: &frame, innerEthernet: &inner) {
            let (key, fromA) = FlowKey.canonical(
                src: frame.src, srcPort: frame.srcPort, dst: frame.dst, dstPort: frame.dstPort, proto: frame.proto,
                vlans: frame.vlans, vni: frame.vni)
            lane.pointee.commonAt = UInt8(truncatingIfNeeded: 1 &+ inner)  // at most 55
            lane.pointee.key = key
            lane.pointee.fromA = fromA
            lane.pointee.tcpFlags = frame.tcpFlags
            lane.pointee.hash = key.hashValue64
        } else {
            PacketDecoder.decode(bytes, linkType: linkType, tunnelPorts: ports, into: &decoded[k])
            lane.pointee.commonAt = 0
            lane.pointee.hash = Verifier.keyHash(decoded[k])
        }
    }

    /// Frame `k` of a batch the fast lane did not count: decoded in full (unless the first pass did) and
    /// processed the general way, or, for a common frame the fast lane found no flow for (`newFlow`), a new
    /// flow started without the full decode. Returns whether it raised an alert, as `processDecoded` does.
    @inline(never)
    private func generalWay(_ frame: Frame, _ k: Int, linkType: LinkType, newFlow: Bool) -> Bool {
        if newFlow {
            return newFlowLane(
                lanes + k, frame: frame.bytes.baseAddress.unsafelyUnwrapped, timestamp: frame.timestamp,
                wireLength: frame.wireLength)
        }
        // The fast lane's hash is of the fast lane's key; after the full decode the key is hashed again (a
        // rare frame: an expired flow, a SYN on a closed one), so that a disagreement between the decoders
        // could only miscount, never file an entry under a hash that is not its key's.
        var hash = lanes[k].hash
        if lanes[k].common {
            PacketDecoder.decode(frame.bytes, linkType: linkType, tunnelPorts: tunnelPorts, into: &decoded[k])
            hash = 0
        }
        current.pointee = decoded + k
        return processDecoded(timestamp: frame.timestamp, wireLength: frame.wireLength, keyHash: hash)
    }

    /// What the fast lane did with a common frame: counted it, or found no flow for it (`newFlowLane`
    /// starts one, with no second probe of the index), or left it to the general way.
    private enum FastLaneOutcome: UInt8 {
        case counted, newFlow, general
    }

    /// A common frame of a flow in the table that neither expired nor is being reopened: the same counts
    /// and flow updates as `processDecoded`, without the full decode. Changes nothing unless it returns
    /// `counted`: `newFlow` when no flow has the frame's key, `general` for a frame that needs the general
    /// way (an expired flow, a SYN on a closed one).
    @inline(__always)
    private func fastLane(
        _ lane: UnsafeMutablePointer<Lane>, frame: UnsafeRawPointer, timestamp now: Int64, wireLength: Int
    ) -> FastLaneOutcome {
        let i: Int
        let candidate = Int(lane.pointee.candidate)
        if flows.holds(candidate, lane.pointee.key) {
            i = candidate
        } else {
            guard let found = flows.find(lane.pointee.key, hash: lane.pointee.hash) else { return .newFlow }
            i = found
        }
        let proto = lane.pointee.key.proto
        let flags = lane.pointee.tcpFlags
        if startsAnew(i, proto: proto, tcpFlags: flags, now: now) { return .general }
        state.pointee.counters.ipPackets &+= 1
        let fromA = lane.pointee.fromA
        // A common frame is Ethernet: its source MAC is bytes 6-11 of its Ethernet header (the innermost one
        // inside a tunnel, as the general way reads it; in the cache by now).
        let mac = frame.loadUnaligned(fromByteOffset: Int(lane.pointee.commonAt) &+ 5, as: UInt64.self)
        countCommonFrame(
            flows.entries + i, fromA: fromA, proto: proto, tcpFlags: flags, senderMAC: UInt64(bigEndian: mac) >> 16,
            now: now, wireLength: wireLength)
        return .counted
    }

    /// A common frame whose key the fast lane found in no entry: a new flow, started from what the first
    /// pass read (the tuple, TCP flags, and the MACs of its Ethernet header) with exactly the outcome of
    /// `processDecoded` on the fully decoded frame, without decoding it again.
    /// A common frame is TCP or UDP, not a fragment, with ports and no address resolution: the general
    /// way's other cases cannot arise. Returns whether the flow violates, as `processDecoded` does.
    private func newFlowLane(
        _ lane: UnsafeMutablePointer<Lane>, frame: UnsafeRawPointer, timestamp now: Int64, wireLength: Int
    ) -> Bool {
        state.pointee.counters.ipPackets &+= 1
        let key = lane.pointee.key
        let hash = lane.pointee.hash
        let fromA = lane.pointee.fromA
        let flags = lane.pointee.tcpFlags
        let proto = key.proto
        if proto == IPProtocolNumber.tcp && flags & DecodedPacket.TCPFlag.syn == 0
            && state.pointee.closed.absorbs(key, hash: hash, now: now)
        {
            state.pointee.counters.packetsAfterClose &+= 1
            state.pointee.counters.count(.notVerified(.afterClose, 0))
            countStrayIPPacket(
                from: fromA ? key.addressA : key.addressB, to: fromA ? key.addressB : key.addressA,
                wireLength: wireLength)
            observeStraggler(
                key: key, fromA: fromA, frame: frame, ethernetAt: Int(lane.pointee.commonAt) &- 1, now: now)
            return false
        }
        // The (innermost) Ethernet header: destination MAC, then source MAC.
        let ethernet = Int(lane.pointee.commonAt) &- 1
        let dst = UInt64(bigEndian: frame.loadUnaligned(fromByteOffset: ethernet, as: UInt64.self)) >> 16
        let src = UInt64(bigEndian: frame.loadUnaligned(fromByteOffset: ethernet &+ 6, as: UInt64.self)) >> 16
        // unowned(unsafe), as in `begin`: the closure lives only for the call.
        let i = flows.insert(key, hash: hash, now: now) { [unowned(unsafe) self] e, r in self.endFlow(e, r) }
        // A SYN's initial sequence number, for telling a retried SYN from a new connection (`synTag`).
        let sequence =
            flags & (DecodedPacket.TCPFlag.syn | DecodedPacket.TCPFlag.ack) == DecodedPacket.TCPFlag.syn
            ? CommonFrameDecoder.tcpSequence(frame, ethernetAt: ethernet) : 0
        let first = FirstPacket(
            hasPorts: true, tcpFlags: flags, tcpSequence: sequence, icmpType: 0, icmpCode: 0,
            srcMAC: MACAddress(rawValue: src), dstMAC: MACAddress(rawValue: dst), inTunnel: ethernet != 0)
        let raised = startFlowInline(i, now: now, fromA: fromA, first: first)
        if raised { state.pointee.alertIndex = i }
        countCommonFrame(
            flows.entries + i, fromA: fromA, proto: proto, tcpFlags: flags, senderMAC: src, now: now,
            wireLength: wireLength)
        return raised
    }

    /// What a common frame does to its flow `e` (known or just started): its counts, the matrix, the TCP
    /// state and the host table's note of its sender. One body for the fast lane and the new-flow lane.
    @inline(__always)
    private func countCommonFrame(
        _ e: UnsafeMutablePointer<FlowEntry>, fromA: Bool, proto: UInt8, tcpFlags flags: UInt8, senderMAC: UInt64,
        now: Int64, wireLength: Int
    ) {
        count(e, now: now, fromA: fromA, wireLength: wireLength)
        addPacket(
            from: fromA ? e.pointee.zoneA : e.pointee.zoneB, to: fromA ? e.pointee.zoneB : e.pointee.zoneA,
            bytes: wireLength)
        if proto == IPProtocolNumber.tcp { applyTCPFlags(e, flags, fromA: fromA) }
        noteSender(e, fromA: fromA, mac: senderMAC, now: now)
    }

    /// The host table hears of a packet's sender (its MAC, its address in flow entry `e`, the flow's
    /// VLANs) unless the entry says it already has: the side's MAC field holds `FlowEntry.hostSeen` above
    /// the MAC once it was passed on, so one load and one compare decide for nearly every packet.
    @inline(__always)
    private func noteSender(_ e: UnsafeMutablePointer<FlowEntry>, fromA: Bool, mac: UInt64, now: Int64) {
        // macB is the word after macA: the side's field by address arithmetic, not a branch on a coin toss.
        let field = Verifier.macField(e, fromA: fromA)
        if field.pointee != mac | FlowEntry.hostSeen { noteNewSender(e, field, fromA: fromA, mac: mac, now: now) }
    }

    /// The MAC in a side's MAC field, below the `hostSeen` mark.
    static let macBits: UInt64 = 0xffff_ffff_ffff

    /// The MAC field (`macA` or `macB`) of the side `fromA` says.
    @inline(__always)
    static func macField(_ e: UnsafeMutablePointer<FlowEntry>, fromA: Bool) -> UnsafeMutablePointer<UInt64> {
        let a = UnsafeMutableRawPointer(e) + MemoryLayout<FlowEntry>.offset(of: \FlowEntry.macA).unsafelyUnwrapped
        return (a + 8 &* Int(1 &- Branchless.bit(fromA))).assumingMemoryBound(to: UInt64.self)
    }

    /// `noteSender`'s rare case: the side not yet passed on, or a packet from another MAC than its own
    /// (nearly once per new flow). The seen-cache's answer is all most calls need, so the table's work is a
    /// call of its own (`observeUnseenSource`), made last: this function keeps a small frame.
    @inline(never)
    private func noteNewSender(
        _ e: UnsafeMutablePointer<FlowEntry>, _ field: UnsafeMutablePointer<UInt64>, fromA: Bool, mac: UInt64,
        now: Int64
    ) {
        // The entry vouches only for the side's own MAC (the one alerts show); another MAC asks each time
        // (the seen-cache answers it). Nothing below reads the field.
        if e.pointee.hasMACs && mac == field.pointee { field.pointee |= FlowEntry.hostSeen }
        // Only a marked flow (its exception expired, or a reload withdrew it: then it may have no declaration
        // left) or one a declaration allowed whose packet comes from another MAC than the side's owes a check.
        if e.pointee.tcpState & FlowEntry.allowanceExpiredFlag != 0
            || (e.pointee.declaration >= 0 && field.pointee & Verifier.macBits != mac)
        {
            checkDeclaredFlow(e, fromA: fromA, mac: mac, now: now)
        }
        // A side whose MAC the first packet did not show comes here with every packet: one bit decides
        // whether a conduit still waits for it.
        if e.pointee.lateMACCheck { return noteSenderOfLateMACFlow(e, fromA: fromA, mac: mac, now: now) }
        let address = fromA ? e.pointee.key.addressA : e.pointee.key.addressB
        let vlans = e.pointee.key.vlans & 0x0fff_ffff
        if state.pointee.hostSeen.checkAndInsert(mac: mac, address: address, vlans: vlans, checksVLAN: true) {
            return
        }
        observeUnseenSource(
            mac: mac, address: address, zone: fromA ? e.pointee.zoneA : e.pointee.zoneB, vlans: vlans, now: now)
    }

    /// `noteNewSender` for a flow marked `lateMACCheck`: the host table hears of the sender first, then the
    /// conduit's MAC is checked (in that order, as for any flow: a finding's event comes before the alert's).
    @inline(never)
    private func noteSenderOfLateMACFlow(
        _ e: UnsafeMutablePointer<FlowEntry>, fromA: Bool, mac: UInt64, now: Int64
    ) {
        let k = e.pointee.key
        passToHostTable(
            mac: mac, address: fromA ? k.addressA : k.addressB, zone: fromA ? e.pointee.zoneA : e.pointee.zoneB,
            vlans: k.vlans, evidence: .ipSource, now: now)
        if e.pointee.rule == FlowEntry.noVerdict && !e.pointee.judgedBeforeReload {
            checkLateMAC(e, fromA: fromA, mac: mac, now: now)
        }
    }

    /// A flow a conduit allowed although its first packet did not show a MAC the conduit names: marked, so
    /// that the first packet showing that side's MAC checks it (`checkLateMAC`). Out of line: declared flows.
    @inline(never)
    private func markUncheckedMAC(_ e: UnsafeMutablePointer<FlowEntry>) {
        let unchecked = state.pointee.policyRef._withUnsafeGuaranteedRef { $0.conduitMACUnverified(e.pointee) }
        if unchecked { e.pointee.lateMACCheck = true }
    }

    /// The first packet of side `fromA` that shows its MAC, in a flow allowed by a conduit whose MAC for a
    /// side was not seen: the MAC is kept in the entry and the flow judged again with it (at its first
    /// packet's time, as before). A MAC the conduit does not name raises `conduit-mac-mismatch` now, dated
    /// by this packet; the rest of the flow's packets are flagged from this one on.
    @inline(never)
    private func checkLateMAC(_ e: UnsafeMutablePointer<FlowEntry>, fromA: Bool, mac: UInt64, now: Int64) {
        guard e.pointee.mac(ofA: fromA) == nil else { return }
        e.pointee.setMAC(MACAddress(rawValue: mac), ofA: fromA)
        let j = _policy.judge(FlowEnds(of: e.pointee), at: e.pointee.firstSeen)
        e.pointee.declaration = Int16(clamping: j.declaration)
        guard let rule = j.rule else {
            e.pointee.lateMACCheck = _policy.conduitMACUnverified(e.pointee)
            return
        }
        raiseLate(rule, e)
    }

    /// `noteNewSender` for a flow a declaration allowed: the exception that allowed it may have expired
    /// since (`allowanceExpired`), or the side may send from another MAC than the one it showed.
    @inline(never)
    private func checkDeclaredFlow(_ e: UnsafeMutablePointer<FlowEntry>, fromA: Bool, mac: UInt64, now: Int64) {
        if e.pointee.tcpState & FlowEntry.allowanceExpiredFlag != 0 { allowanceExpired(e, now: now) }
        guard e.pointee.rule == FlowEntry.noVerdict, let shown = e.pointee.mac(ofA: fromA), shown.rawValue != mac
        else { return }
        checkChangedMAC(e, fromA: fromA, mac: mac)
    }

    /// A packet of side `fromA` from another MAC than the one the flow showed for it, in a flow a conduit
    /// naming that side's MAC allowed: the MAC was checked once, and another device answering for the
    /// address since (ARP spoofing, a replaced device) took the side over unseen (REVIEW-144 F3). Judged
    /// again with the new MAC (at the first packet's time, as the late check); a MAC the conduit does not
    /// name raises `conduit-mac-mismatch` now, dated by this packet, and the entry keeps the new MAC, which
    /// the alert shows.
    private func checkChangedMAC(_ e: UnsafeMutablePointer<FlowEntry>, fromA: Bool, mac: UInt64) {
        // A declared router's copy of the same packet (an untagged mirror of a routing switch sees both) is no
        // other device answering for the address: the host rules exempt it, and so does this check.
        // A flow judged before a reload is checked too, by the conduit of that name in the policy now in force:
        // every reload (logrotate's daily SIGHUP) marks every flow so.
        guard !state.pointee.hostRules.isRouter(mac),
            _policy.conduitNamesMAC(
                declaration: Int(e.pointee.declaration), initiator: fromA == e.pointee.initiatorIsA)
        else { return }
        var changed = e.pointee
        changed.setMAC(MACAddress(rawValue: mac), ofA: fromA)
        let j = _policy.judge(FlowEnds(of: changed), at: e.pointee.firstSeen)
        guard let rule = j.rule else { return }
        e.pointee.setMAC(MACAddress(rawValue: mac), ofA: fromA)
        e.pointee.declaration = Int16(clamping: j.declaration)
        raiseLate(rule, e)
    }

    /// `passToHostTable` out of line, for the frames that join no flow (ARP, neighbour advertisements,
    /// stray IP packets).
    @inline(never)
    private func observeHost(
        mac: UInt64, address: IPAddress, zone: ZoneRef, vlans: UInt32, evidence: HostEvidence, now: Int64
    ) {
        passToHostTable(mac: mac, address: address, zone: zone, vlans: vlans, evidence: evidence, now: now)
    }

    /// Passes an observation to the host table unless this verifier already did (an ARP or neighbour
    /// advertisement does not count as having passed on the IP source of the same triple: see
    /// `HostSeenCache`), and queues the findings it completes. Only IP sources are held to `vlans`.
    @inline(__always)
    private func passToHostTable(
        mac: UInt64, address: IPAddress, zone: ZoneRef, vlans: UInt32, evidence: HostEvidence, now: Int64
    ) {
        let vlans = vlans & 0x0fff_ffff
        let checksVLAN = evidence == .ipSource
        if state.pointee.hostSeen.checkAndInsert(mac: mac, address: address, vlans: vlans, checksVLAN: checksVLAN) {
            return
        }
        observeUnseen(mac: mac, address: address, zone: zone, vlans: vlans, evidence: evidence, now: now)
    }

    /// What `passToHostTable` does once the seen-cache missed: the host table hears of the triple (`vlans`
    /// masked to 28 bits), and the findings it completes are queued. Out of line: the seen-cache's hits,
    /// and the frames that join a flow, need none of it.
    @inline(never)
    private func observeUnseen(
        mac: UInt64, address: IPAddress, zone: ZoneRef, vlans: UInt32, evidence: HostEvidence, now: Int64
    ) {
        recordUnseen(
            HostTable.Observation(mac: mac, address: address, zone: zone, vlans: vlans, evidence: evidence, time: now),
            checksVLAN: evidence == .ipSource)
    }

    /// `observeUnseen` for an IP packet's source, the one a new flow brings: its arguments fit the
    /// registers, so that `noteNewSender` ends in a jump to it.
    @inline(never)
    private func observeUnseenSource(mac: UInt64, address: IPAddress, zone: ZoneRef, vlans: UInt32, now: Int64) {
        recordUnseen(
            HostTable.Observation(mac: mac, address: address, zone: zone, vlans: vlans, evidence: .ipSource, time: now),
            checksVLAN: true)
    }

    /// The rules' judgement of `o` (a closure small enough to inline), then the table's record of it.
    @inline(__always)
    private func recordUnseen(_ o: HostTable.Observation, checksVLAN: Bool) {
        let admitted = state.pointee.hostRulesRef._withUnsafeGuaranteedRef { $0.admit(o, checksVLAN: checksVLAN) }
        if hostTable.record(o, admitted: admitted, into: &state.pointee.newHostFindings) { queueHostFindings() }
    }

    /// Counts the findings the last observation raised and queues them for the sink (when it wants them).
    @inline(never)
    private func queueHostFindings() {
        for i in state.pointee.newHostFindings.indices {
            let f = state.pointee.newHostFindings[i]
            state.pointee.counters.hostFindingsByRule[Int(f.rule.rawValue)] &+= 1
            guard state.pointee.wantsHostFindings else { continue }
            if state.pointee.eventCount == Verifier.eventCapacity { flushEvents() }
            state.pointee.hostFindings.append(f)
            emit(EngineEvent(hostFinding: state.pointee.hostFindings.count - 1, frame: state.pointee.frameIndex))
        }
        // Its buffer kept, not shared: the next finding appends without allocating.
        state.pointee.newHostFindings.removeAll(keepingCapacity: true)
    }

    /// The host table hears of an ARP sender or a neighbour advertisement's target, and of the source of an
    /// IP packet that joined no flow (malformed transport, orphan fragment, a closed connection's
    /// straggler, an ICMP error's sender); such a source with no MAC is counted (`hostRulesNoMAC`).
    private func observeFrame(now: Int64, sourceToo: Bool) {
        let p = packet
        if let r = p.resolution {
            observeHost(
                mac: r.mac.rawValue, address: r.address, zone: _policy.zoneMap.lookup(r.address),
                vlans: p.packedVLANs, evidence: r.evidence, now: now)
        }
        guard sourceToo, p.ipVersion != 0 else { return }
        if let mac = p.srcMAC {
            observeHost(
                mac: mac.rawValue, address: p.src, zone: _policy.zoneMap.lookup(p.src), vlans: p.packedVLANs,
                evidence: .ipSource, now: now)
        } else {
            state.pointee.counters.hostRulesNoMAC &+= 1
        }
    }

    /// Whether a packet of protocol `proto` with `tcpFlags` (0 when it has none to go on) ends flow `i`
    /// and starts a new one: the flow went idle past its timeout, or a SYN reopens a closed TCP flow.
    @inline(__always)
    private func startsAnew(_ i: Int, proto: UInt8, tcpFlags: UInt8, now: Int64) -> Bool {
        flows.isExpired(i, now: now)
            || (proto == IPProtocolNumber.tcp && flows.entries[i].isClosed
                && tcpFlags & (DecodedPacket.TCPFlag.syn | DecodedPacket.TCPFlag.ack) == DecodedPacket.TCPFlag.syn)
    }

    /// Whether the SYN being processed, which `startsAnew` would take for a new connection on the closed
    /// flow `i`, is that flow's own first SYN sent again: from its initiator, with the same initial sequence
    /// number (`FlowEntry.synTag`), before the closed flow's timeout. Windows answers a RST to its SYN by
    /// sending the same SYN twice more: one `connect()`, one flow, one alert.
    @inline(never)
    private func retriesFirstSYN(_ i: Int, fromA: Bool, now: Int64) -> Bool {
        let e = flows.entries + i
        return !flows.isExpired(i, now: now) && e.pointee.key.proto == IPProtocolNumber.tcp
            && e.pointee.method == .syn && e.pointee.initiatorIsA == fromA
            && e.pointee.synTag == FlowEntry.synTag(packet.tcpSequence)
    }

    /// Counts a packet of `wireLength` bytes in flow entry `e`, in its direction, at `now`, and makes the flow the
    /// last one seen. Field by field: a copy of the whole entry would cost a memcpy a packet.
    ///
    /// `lastSeen` never goes back: a packet stamped before the flow's latest one (merged files, a second
    /// interface's clock) moved it back, and the flow's next packet then found it idle and started another
    /// (a second alert), its record ending before it began. Such packets are counted instead, without a
    /// branch (a max and a compare).
    @inline(__always)
    private func count(_ e: UnsafeMutablePointer<FlowEntry>, now: Int64, fromA: Bool, wireLength: Int) {
        let n = UInt64(wireLength)
        let last = e.pointee.lastSeen
        e.pointee.lastSeen = max(last, now)
        state.pointee.counters.timesBackInFlow &+= UInt64(Branchless.bit(now < last))
        // Both directions' counts, one of them by zero: the direction alternates unpredictably, and a
        // branch on it mispredicted every other packet.
        let a = UInt64(Branchless.bit(fromA))
        let bytesA = n & (0 &- a)
        e.pointee.packetsAB &+= a
        e.pointee.packetsBA &+= 1 &- a
        e.pointee.bytesAB &+= bytesA
        e.pointee.bytesBA &+= n &- bytesA
        if state.pointee.wantsFlaggedPackets && e.pointee.rule != FlowEntry.noVerdict {
            emit(.flaggedPacket, flow: e, frame: state.pointee.frameIndex)
        }
    }

    /// Queues an event for the sink, handing the queue over first when it is full.
    @inline(__always)
    private func emit(_ event: EngineEvent) {
        if state.pointee.eventCount == Verifier.eventCapacity { flushEvents() }
        (state.pointee.events + state.pointee.eventCount).initialize(to: event)
        state.pointee.eventCount &+= 1
    }

    /// Queues an event of flow `e`, the entry copied from where it lies straight into the queue: an
    /// `EngineEvent` built first and then queued copied the entry twice, once through a call to memcpy.
    @inline(__always)
    private func emit(
        _ kind: EngineEvent.Kind, flow e: UnsafePointer<FlowEntry>, frame: Int32 = -1,
        endReason: FlowEndReason = .idle
    ) {
        if state.pointee.eventCount == Verifier.eventCapacity { flushEvents() }
        let slot = state.pointee.events + state.pointee.eventCount
        // Field by field into the uninitialised slot: `EngineEvent` holds no references.
        slot.pointee.kind = kind
        slot.pointee.endReason = endReason
        slot.pointee.hostFinding = -1
        slot.pointee.frame = frame
        slot.pointee.flow = e.pointee
        state.pointee.eventCount &+= 1
    }

    /// Hands the queued events to the sink, with the frames they point at. Out of line: once a batch.
    @inline(never)
    private func flushEvents() {
        let count = state.pointee.eventCount
        guard count > 0 else { return }
        state.pointee.eventCount = 0
        let findings = state.pointee.hostFindings
        if !findings.isEmpty { state.pointee.hostFindings.removeAll(keepingCapacity: true) }
        guard let sink else { return }
        // The sinks learn packet time from the batch's last frame (`packetTime`).
        if let last = state.pointee.frames.last { state.pointee.packetTimeTold = last.timestamp }
        memo.reset()
        sink.consume(
            EventBatch(
                events: UnsafeBufferPointer(start: state.pointee.events, count: count), frames: state.pointee.frames,
                linkType: state.pointee.linkType, policy: _policy, policyEpoch: state.pointee.policyEpoch,
                hostFindings: findings, memo: memo))
    }

    /// The TCP state machine: RST closes the flow, FIN marks its sender's side.
    @inline(__always)
    private func applyTCPFlags(_ e: UnsafeMutablePointer<FlowEntry>, _ flags: UInt8, fromA: Bool) {
        if flags & (DecodedPacket.TCPFlag.rst | DecodedPacket.TCPFlag.fin) != 0 { endTCPSide(e, flags, fromA: fromA) }
    }

    /// A FIN or RST: the flow's state, and the flow table told once the flow is closed (its timeout, now
    /// the closed one, may end it before any other).
    @inline(never)
    private func endTCPSide(_ e: UnsafeMutablePointer<FlowEntry>, _ flags: UInt8, fromA: Bool) {
        if flags & DecodedPacket.TCPFlag.rst != 0 { e.pointee.tcpState |= FlowEntry.reset }
        if flags & DecodedPacket.TCPFlag.fin != 0 { e.pointee.tcpState |= fromA ? FlowEntry.finA : FlowEntry.finB }
        if e.pointee.isClosed { flows.timeoutShortened(e) }
    }

    /// The flow tuple a decoded IP packet names by its own headers: its own, or for an ICMP error sent to
    /// the quoted packet's source the packet it reports on (the flow it joins if that flow is known); an
    /// ICMP echo's identifier, quoted or not, stands for both ports. (A later fragment has no ports of its
    /// own: the fragment table supplies them.)
    @inline(__always)
    static func ownTuple(_ p: DecodedPacket) -> (
        src: IPAddress, dst: IPAddress, proto: UInt8, srcPort: UInt16, dstPort: UInt16
    ) {
        if p.travelsWithQuotedFlow {
            return p.innerHasPorts
                ? (p.innerSrc, p.innerDst, p.innerProto, p.innerSrcPort, p.innerDstPort)
                : (p.innerSrc, p.innerDst, p.innerProto, p.innerEchoID, p.innerEchoID)
        }
        return addressedTuple(p)
    }

    /// The flow tuple of a packet by its own addresses, protocol and ports (an echo's identifier for both).
    @inline(__always)
    static func addressedTuple(_ p: DecodedPacket) -> (
        src: IPAddress, dst: IPAddress, proto: UInt8, srcPort: UInt16, dstPort: UInt16
    ) {
        if p.hasPorts { return (p.src, p.dst, p.proto, p.srcPort, p.dstPort) }
        if p.proto == IPProtocolNumber.icmp || p.proto == IPProtocolNumber.icmpv6 {
            return (p.src, p.dst, p.proto, p.icmpEchoID, p.icmpEchoID)
        }
        return (p.src, p.dst, p.proto, 0, 0)
    }

    /// The canonical flow key of `tuple` on the VLANs of packet `p`, and whether its source is endpoint A. An
    /// IPv6 packet with an IPv4-mapped address is marked (`FlowKey.mappedIPv6Flag`): no IPv4 packet joins it.
    /// (An ICMPv6 error quotes IPv6, an ICMP error IPv4: the quoted tuple is of `p`'s own version.)
    @inline(__always)
    static func flowKey(
        _ t: (src: IPAddress, dst: IPAddress, proto: UInt8, srcPort: UInt16, dstPort: UInt16), of p: DecodedPacket
    ) -> (key: FlowKey, fromA: Bool) {
        let mapped = p.ipVersion == 6 && (t.src.isIPv4 || t.dst.isIPv4)
        return FlowKey.canonical(
            src: t.src, srcPort: t.srcPort, dst: t.dst, dstPort: t.dstPort, proto: t.proto,
            vlans: p.packedVLANs | (mapped ? FlowKey.mappedIPv6Flag : 0), vni: p.virtualNetwork)
    }

    /// The hash of the flow key of a decoded packet, for prefetching and then for the lookup itself (hashed
    /// once). 0: none known here, as for a later fragment, whose ports come from the fragment table.
    @inline(__always)
    static func keyHash(_ p: DecodedPacket) -> UInt64 {
        guard p.outcome == .ip else { return 0 }
        return flowKey(ownTuple(p), of: p).key.hashValue64
    }

    /// What every frame does first, whichever way it then goes: the totals, packet time, and the idle sweep.
    @inline(__always)
    private func begin(timestamp now: Int64, wireLength: Int) {
        state.pointee.counters.packets &+= 1
        state.pointee.counters.bytes &+= UInt64(wireLength)
        if state.pointee.counters.firstPacketMicros == nil { state.pointee.counters.firstPacketMicros = now }
        state.pointee.counters.lastPacketMicros = now
        // unowned(unsafe): the closure lives only for this call, and a strong capture costs a retain and a
        // release of the verifier on every packet.
        if flows.sweep(
            now: now, budget: Verifier.sweepBudget, ended: { [unowned(unsafe) self] e, r in self.endFlow(e, r) })
        {
            exceptionsExpired(at: now)
        }
    }

    /// Arms the flow table's alarm for the next expiry of an exception of the policy in force after `now`
    /// (an exception allows up to, not at, its expiry): the sweep's one comparison a packet carries it.
    private func armExpiryAlarm(after now: Int64) {
        var next = Int64.max
        for x in _policy.config.exceptions where x.expiresAtMicros > now { next = min(next, x.expiresAtMicros) }
        flows.setAlarm(next == .max ? .max : next &- 1)
    }

    /// Packet time reached an exception's expiry: the flows it allowed that are still in the table are
    /// marked, and each is judged again at its next packet (`allowanceExpired`), if one comes (REVIEW-144
    /// F2: a connection kept alive went on allowed for days). Their MACs' host-seen marks are lifted, so
    /// that the next packet of either side takes `noteNewSender`: the packets of other flows pay nothing.
    @inline(never)
    private func exceptionsExpired(at now: Int64) {
        let exceptions = _policy.config.exceptions
        let base = _policy.exceptionBase
        flows.updateEach { e in
            // Judged before a reload or not (every reload, logrotate's daily SIGHUP too, marks every flow): the
            // declaration is the policy in force's exception of that name, whose expiry this is.
            guard e.rule == FlowEntry.noVerdict else { return }
            let x = Int(e.declaration) &- base
            guard x >= 0 && x < exceptions.count && exceptions[x].expiresAtMicros <= now else { return }
            e.tcpState |= FlowEntry.allowanceExpiredFlag
            e.macA &= ~FlowEntry.hostSeen
            e.macB &= ~FlowEntry.hostSeen
        }
        // After the table's clock, which a time held as a jump has not moved: a lone packet stamped years
        // ahead must not put the expiries before it out of reach (marking at it is harmless: each flow is
        // judged again at its own packet's time).
        armExpiryAlarm(after: min(now, flows.clock ?? now))
    }

    /// The first packet of a flow after the exception that allowed it expired (`exceptionsExpired`): judged
    /// again at this packet's time. Another declaration may allow it now; if none does, its verdict is
    /// raised now, dated by this packet, as a late one.
    @inline(never)
    private func allowanceExpired(_ e: UnsafeMutablePointer<FlowEntry>, now: Int64) {
        e.pointee.tcpState &= ~FlowEntry.allowanceExpiredFlag
        guard e.pointee.rule == FlowEntry.noVerdict else { return }
        var j = _policy.judge(FlowEnds(of: e.pointee), at: now)
        // As at its start: Internet traffic carried to the security cloud keeps the servers' addresses inside
        // (the packet being processed is the flow's own, in the same tunnel).
        if j.rule == .securityCloudBypass && e.pointee.inTunnel { j = tunnelledToGateway(else: j) }
        e.pointee.declaration = Int16(clamping: j.declaration)
        if let rule = j.rule { raiseLate(rule, e) }
    }

    /// A verdict reached at the packet being processed, after the flow's first (its alert is dated by this
    /// packet, `verdictIsLate`): counted, its start told, and this packet the first of its evidence (`count`
    /// ran before the verdict).
    private func raiseLate(_ rule: RuleID, _ e: UnsafeMutablePointer<FlowEntry>) {
        e.pointee.lateMACCheck = true
        e.pointee.rule = rule.rawValue
        state.pointee.counters.alertsByRule[Int(rule.rawValue)] &+= 1
        if state.pointee.wantsViolationStarts {
            emit(.flowStarted, flow: e, frame: state.pointee.frameIndex)
        }
        if state.pointee.wantsFlaggedPackets {
            emit(.flaggedPacket, flow: e, frame: state.pointee.frameIndex)
        }
    }

    /// Everything after decoding and `begin`: `packet` holds the decoded frame, and `keyHash`, unless 0, the
    /// hash of its flow key by `keyHash(_:)`. Returns whether the packet started a violating flow, whose
    /// index is then `alertIndex` (the caller builds the alert: a Bool is cheaper to return than an `Alert?`).
    /// Out of line: in a batch it is the rare way, and inlined it would crowd the loop around the fast lane.
    @inline(never)
    private func processDecoded(timestamp now: Int64, wireLength: Int, keyHash: UInt64) -> Bool {
        state.pointee.counters.count(packet.coverage)
        switch packet.outcome {
        case .notIP:
            state.pointee.counters.nonIPPackets &+= 1
            if packet.resolution != nil { observeFrame(now: now, sourceToo: false) }
            if packet.fragmentedTunnel != 0 { recordTunnelDatagram(packet.coverage, .nonIP, now: now) }
            return false
        case .malformed:
            if let a = packet.anomaly { state.pointee.counters.anomalies[Int(a.rawValue)] &+= 1 }
            if packet.fragmentedTunnel != 0 {
                recordTunnelDatagram(
                    packet.coverage, packet.ipVersion != 0 ? .ip : .neither, anomaly: packet.anomaly, now: now)
            }
            if packet.ipVersion != 0 {  // addresses were read: an IP packet for the matrix, as tcpdump counts
                state.pointee.counters.ipPackets &+= 1
                countStrayIPPacket(wireLength)
                observeFrame(now: now, sourceToo: true)
            }
            return false
        case .ip, .ipFragment:
            break
        }
        if packet.tcpFlagsCut { state.pointee.counters.tcpFlagsUnknown &+= 1 }

        // The tuple the packet belongs to (`ownTuple`), a later fragment's ports from the fragment table.
        var tuple = Verifier.ownTuple(packet)
        var fromInner = packet.travelsWithQuotedFlow
        var fromFragmentTable = false
        if !fromInner && packet.isNonFirstFragment {
            guard let datagram = state.pointee.fragments.lookup(packet, at: now) else {
                if let d = state.pointee.fragments.lookupTunnel(packet, at: now) {
                    countTunnelFragment(d, now: now, wireLength: wireLength)
                    return false
                }
                state.pointee.counters.ipPackets &+= 1
                state.pointee.counters.anomalies[Int(DecodeAnomaly.fragmentOrphan.rawValue)] &+= 1
                // Without ports it joins no flow and is judged by nothing: not verified (still in the matrix).
                let orphan = FrameCoverage.notVerified(.fragmentOrphan, UInt32(packet.ipVersion))
                state.pointee.counters.count(orphan)
                if packet.fragmentedTunnel != 0 {
                    recordTunnelDatagram(orphan, .ip, anomaly: .fragmentOrphan, now: now)
                }
                countStrayIPPacket(wireLength)
                observeFrame(now: now, sourceToo: true)
                return false
            }
            (tuple.proto, tuple.srcPort, tuple.dstPort) = datagram
            fromFragmentTable = true
        }
        // Not before: a later fragment of a tunnel datagram counts as its first fragment's frame did.
        state.pointee.counters.ipPackets &+= 1
        var (key, fromA) = Verifier.flowKey(tuple, of: packet)
        // `keyHash` is the hash of the same key, unless the fragment table supplied the ports.
        var hash = keyHash != 0 && !fromFragmentTable ? keyHash : key.hashValue64
        var index = flows.find(key, hash: hash)
        // An ICMP error joins the flow it quotes only when that flow is known: in the table (not idle past its
        // timeout), or a connection closed a short while ago, whose straggler it is. A quote alone is no
        // evidence of a flow: made up, it would invent one and hide the error's own traffic, so the error is
        // then judged by its own addresses, as one sent to a third party is.
        if fromInner && (index.map { flows.isExpired($0, now: now) } ?? true) {
            if tuple.proto == IPProtocolNumber.tcp && state.pointee.closed.absorbs(key, hash: hash, now: now) {
                countAfterClose(wireLength: wireLength, now: now)
                return false
            }
            fromInner = false
            tuple = Verifier.addressedTuple(packet)
            (key, fromA) = Verifier.flowKey(tuple, of: packet)
            hash = key.hashValue64
            index = flows.find(key, hash: hash)
        }
        if packet.isFragment && !packet.isNonFirstFragment {
            state.pointee.fragments.record(packet, srcPort: tuple.srcPort, dstPort: tuple.dstPort, at: now)
        }
        let proto = tuple.proto
        var raised = false

        if let i = index {
            // An ICMP error's quoted packet carries no flags of this packet's own.
            if startsAnew(i, proto: proto, tcpFlags: fromInner ? 0 : packet.tcpFlags, now: now) {
                if !fromInner && retriesFirstSYN(i, fromA: fromA, now: now) {
                    // The attempt goes on: open again, with the open timeout. A flow judged before a reload stays
                    // so (the flag shares the byte): its retry is no cause to judge it under the new policy.
                    flows.entries[i].tcpState &= FlowEntry.judgedBeforeReloadFlag
                } else {
                    endFlow(flows[i], flows[i].endReason(.idle))
                    flows.remove(at: i)
                    index = nil
                }
            }
        }
        let i: Int
        if let found = index {
            i = found
        } else {
            if proto == IPProtocolNumber.tcp && packet.hasPorts && packet.tcpFlags & DecodedPacket.TCPFlag.syn == 0
                && state.pointee.closed.absorbs(key, hash: hash, now: now)
            {
                // A straggler of a connection that closed (a late FIN, RST or ACK): no new flow.
                countAfterClose(wireLength: wireLength, now: now)
                return false
            }
            // Never an ICMP error's quoted packet (`fromInner` joins only a flow in the table): the packet's own.
            i = flows.insert(key, hash: hash, now: now) { [unowned(unsafe) self] e, r in self.endFlow(e, r) }
            let p = packet
            let first = FirstPacket(
                hasPorts: p.hasPorts, tcpFlags: p.tcpFlags, tcpSequence: p.tcpSequence, icmpType: p.icmpType,
                icmpCode: p.icmpCode, srcMAC: p.srcMAC, dstMAC: p.dstMAC, inTunnel: !p.tunnels.isEmpty)
            raised = startFlow(i, now: now, fromA: fromA, first: first)
            if raised { state.pointee.alertIndex = i }
        }
        if packet.fragmentedTunnel != 0 {
            recordTunnelDatagram(packet.coverage, .ip, flow: key, fromA: fromA != fromInner, now: now)
        }

        // Counters and TCP state; zones of this packet's own addresses for the packet matrix. An ICMP error
        // goes back to the sender of the packet it quotes: it counts in the other direction from that packet.
        let e = flows.entries + i
        count(e, now: now, fromA: fromA != fromInner, wireLength: wireLength)
        // A packet without a MAC does not reach `noteNewSender`, where a flow's mark is read in the fast lane.
        if e.pointee.tcpState & FlowEntry.allowanceExpiredFlag != 0 { allowanceExpired(e, now: now) }
        if fromInner {
            let map = _policy.zoneMap
            addPacket(from: map.lookup(packet.src), to: map.lookup(packet.dst), bytes: wireLength)
            // The flow is the quoted packet's: its entry says nothing of this packet's own sender.
            observeFrame(now: now, sourceToo: true)
        } else {
            addPacket(
                from: fromA ? e.pointee.zoneA : e.pointee.zoneB, to: fromA ? e.pointee.zoneB : e.pointee.zoneA,
                bytes: wireLength)
            if proto == IPProtocolNumber.tcp && packet.hasPorts { applyTCPFlags(e, packet.tcpFlags, fromA: fromA) }
            if packet.resolution != nil { observeFrame(now: now, sourceToo: false) }
            if let mac = packet.srcMAC {
                noteSender(e, fromA: fromA, mac: mac.rawValue, now: now)
            } else {
                state.pointee.counters.hostRulesNoMAC &+= 1
            }
        }
        return raised
    }

    /// A packet that belongs to a connection that closed and left the table (a TCP straggler without SYN,
    /// or an ICMP error quoting one): no flow, no rule judged it, so not verified (`after-close`); it still
    /// counts in the matrix, and its sender is seen like any IP packet's.
    @inline(never)
    private func countAfterClose(wireLength: Int, now: Int64) {
        state.pointee.counters.packetsAfterClose &+= 1
        let coverage = FrameCoverage.notVerified(.afterClose, 0)
        state.pointee.counters.count(coverage)
        if packet.fragmentedTunnel != 0 { recordTunnelDatagram(coverage, .ip, now: now) }
        countStrayIPPacket(wireLength)
        observeFrame(now: now, sourceToo: true)
    }

    /// Remembers what the inner packet of a tunnel entered from the first fragment of its outer datagram
    /// came to (`coverage`, the totals it `counted` in, its `anomaly`; `flow`, the direction `fromA`, when it
    /// was judged as one), for the datagram's later fragments. Out of line: tunnels are rarely fragmented.
    @inline(never)
    private func recordTunnelDatagram(
        _ coverage: FrameCoverage, _ counted: FragmentTable.TunnelDatagram.Counted, anomaly: DecodeAnomaly? = nil,
        flow: FlowKey? = nil, fromA: Bool = false, now: Int64
    ) {
        let d = FragmentTable.TunnelDatagram(
            coverage: coverage, counted: counted, anomaly: anomaly, src: packet.src, dst: packet.dst, flow: flow,
            fromA: fromA)
        state.pointee.fragments.recordTunnel(packet, d, at: now)
    }

    /// A later fragment of a tunnel datagram whose first fragment was decoded: it holds the rest of that
    /// fragment's inner packet, so it counts as that frame did (IP or not, coverage, anomaly, matrix cell by
    /// the inner addresses, not the tunnel's), and in its flow when it was judged as one; the flow's verdict
    /// and the host table are not touched.
    @inline(never)
    private func countTunnelFragment(_ d: FragmentTable.TunnelDatagram, now: Int64, wireLength: Int) {
        state.pointee.counters.count(d.coverage)
        if let a = d.anomaly { state.pointee.counters.anomalies[Int(a.rawValue)] &+= 1 }
        switch d.counted {
        case .nonIP:
            state.pointee.counters.nonIPPackets &+= 1
            return
        case .neither:
            return
        case .ip:
            state.pointee.counters.ipPackets &+= 1
        }
        // The flow may have left the table, or its packet was a straggler of a closed one: the matrix still.
        if let key = d.flow, let i = flows.find(key, hash: key.hashValue64), !flows.isExpired(i, now: now) {
            count(flows.entries + i, now: now, fromA: d.fromA, wireLength: wireLength)
        }
        let map = _policy.zoneMap
        addPacket(from: map.lookup(d.src), to: map.lookup(d.dst), bytes: wireLength)
    }

    /// What `startFlow` needs of a flow's first packet, whichever way it was read (decoded in full, or the
    /// first pass's tuple of a common frame).
    struct FirstPacket {
        var hasPorts: Bool
        var tcpFlags: UInt8
        /// The TCP sequence number (kept for a SYN: its initial one).
        var tcpSequence: UInt32
        var icmpType: UInt8
        var icmpCode: UInt8
        var srcMAC: MACAddress?
        var dstMAC: MACAddress?
        var inTunnel: Bool
    }

    /// Fills in a new flow from its first packet: initiator, zones, MACs, and the verdict (by `judge`).
    /// Returns whether the flow violates (its alert is built from the entry). Writes the entry in place: a
    /// copy out and back cost two 128-byte copies a new flow.
    func startFlow(_ i: Int, now: Int64, fromA: Bool, first p: FirstPacket) -> Bool {
        startFlowInline(i, now: now, fromA: fromA, first: p)
    }

    /// `startFlow`'s body, inlined into `newFlowLane` (a flood's every new flow), where a call passed the
    /// first packet through memory.
    @inline(__always)
    private func startFlowInline(_ i: Int, now: Int64, fromA: Bool, first p: FirstPacket) -> Bool {
        let e = flows.entries + i
        let key = e.pointee.key
        let o = FlowJudge.Observation(
            sender: fromA ? key.addressA : key.addressB, receiver: fromA ? key.addressB : key.addressA,
            proto: key.proto, senderPort: fromA ? key.portA : key.portB, receiverPort: fromA ? key.portB : key.portA,
            hasPorts: p.hasPorts, tcpFlags: p.tcpFlags, icmpType: p.icmpType, senderMAC: p.srcMAC,
            receiverMAC: p.dstMAC)
        // What `FlowJudge.decide` does, with the zones through the cache.
        let (senderInitiates, method) = InitiatorRule.decide(
            proto: o.proto, srcPort: o.senderPort, dstPort: o.receiverPort, tcpFlags: o.tcpFlags,
            icmpType: o.icmpType, hasPorts: o.hasPorts)
        let zoneA = zone(of: key.addressA)
        let zoneB = zone(of: key.addressB)
        var j = state.pointee.policyRef._withUnsafeGuaranteedRef {
            FlowJudge.judge(
                o, senderInitiates: senderInitiates, senderZone: fromA ? zoneA : zoneB,
                receiverZone: fromA ? zoneB : zoneA, at: now, by: $0)
        }
        // Internet traffic may reach the security cloud inside a tunnel to its gateway: asked only of a
        // bypass in a tunnel, so other flows pay one test.
        if j.rule == .securityCloudBypass && p.inTunnel { j = tunnelledToGateway(else: j) }
        e.pointee.serial = state.pointee.nextSerial
        state.pointee.nextSerial &+= 1
        e.pointee.firstSeen = now
        // The initiation byte in one store (the new entry's holds no other flag yet), not a read, change and
        // write of it per flag.
        e.pointee.initiation =
            method.rawValue | (senderInitiates == fromA ? FlowEntry.initiatorIsAFlag : 0)
            | (p.inTunnel ? FlowEntry.inTunnelFlag : 0)
        e.pointee.zoneA = zoneA
        e.pointee.zoneB = zoneB
        if let s = p.srcMAC, let d = p.dstMAC {
            e.pointee.hasMACs = true
            e.pointee.macA = fromA ? s.rawValue : d.rawValue
            e.pointee.macB = fromA ? d.rawValue : s.rawValue
        } else if let s = p.srcMAC {
            e.pointee.setMAC(s, ofA: fromA)  // a cooked capture: the sender's only, on its own side
        }
        let proto = key.proto
        if proto == IPProtocolNumber.icmp || proto == IPProtocolNumber.icmpv6 {
            // Community ID orders ICMP by the initiator's message type.
            e.pointee.icmpType = p.icmpType
            e.pointee.icmpCode = p.icmpCode
        } else if proto == IPProtocolNumber.tcp && method == .syn {
            e.pointee.synTag = FlowEntry.synTag(p.tcpSequence)
        }
        state.pointee.counters.flows &+= 1
        state.pointee.counters.flowsTagged &+= UInt64(Branchless.bit(key.vlanCount != 0))
        if let tunnel = UnopenedTunnel.of(
            proto: proto, hasPorts: p.hasPorts, senderPort: o.senderPort, receiverPort: o.receiverPort,
            opened: tunnelPorts)
        {
            // Once a flow, never a packet: the fast lane of known flows does not pay for it. Its packets are
            // counted as not verified when it ends (`endFlow`).
            state.pointee.counters.unopenedTunnelFlows[tunnel.rawValue] &+= 1
            e.pointee.unopenedTunnel = tunnel
        }
        // Untagged (or VLAN 0): zone-vlan-mismatch cannot judge it, said of the zones that declare `vlans`.
        addFlow(
            from: e.pointee.initiatorZone, to: e.pointee.responderZone,
            untagged: UInt64(Branchless.bit(key.innermostVLAN == 0)))

        e.pointee.declaration = Int16(clamping: j.declaration)
        // Only a flow a declaration allowed can owe a conduit's MAC check (most flows need none).
        if j.declaration >= 0 && j.rule == nil { markUncheckedMAC(e) }
        let raised = j.rule != nil
        if let rule = j.rule {
            e.pointee.rule = rule.rawValue
            state.pointee.counters.alertsByRule[Int(rule.rawValue)] &+= 1
        }
        let wanted =
            raised
            ? state.pointee.wantsViolationStarts
            : state.pointee.wantsAllStarts || (p.inTunnel && state.pointee.wantsTunnelStarts)
        if wanted {
            emit(.flowStarted, flow: e, frame: state.pointee.frameIndex)
        }
        return raised
    }

    /// A new flow judged `security-cloud-bypass` inside a tunnel: allowed by the first `[[gateways]]` entry
    /// holding an outer address (destination, or source for the way back) of the innermost tunnel that has
    /// them, not an ERSPAN mirror's: Internet traffic carried to the security cloud in GRE or IP in IP
    /// keeps the real servers' addresses inside. Else `j`. The flow's first frame is decoded again here,
    /// where the flow entry keeps no tunnel addresses and the packet loop's decoded packet may be another's.
    @inline(never)
    private func tunnelledToGateway(else j: Judgement) -> Judgement {
        let index = Int(state.pointee.frameIndex)
        guard index < state.pointee.frames.count else { return j }
        var d = DecodedPacket()
        PacketDecoder.decode(
            state.pointee.frames[index].bytes, linkType: state.pointee.linkType, tunnelPorts: tunnelPorts, into: &d)
        guard let layer = d.tunnels.last(where: \.hasAddresses), !layer.type.isMirror else { return j }
        var g = _policy.firstGateway(layer.dst)
        if g < 0 { g = _policy.firstGateway(layer.src) }
        return g >= 0 ? Judgement(rule: nil, declaration: _policy.gatewayBase + g) : j
    }

    /// The zone of `address`, through a direct-mapped cache of IPv4 addresses met lately: the servers a
    /// town's hosts talk to recur in flow after flow, and a hit costs a tenth of the map's lookup (the
    /// cache is emptied when the policy changes). A word holds the address, the zone and a valid bit.
    @inline(__always)
    private func zone(of address: IPAddress) -> ZoneRef {
        guard address.isIPv4 else { return state.pointee.zoneMapRef._withUnsafeGuaranteedRef { $0.lookup(address) } }
        let v4 = address.v4
        let slot = state.pointee.zoneCache + Verifier.zoneCacheSlot(v4)
        let word = slot.pointee
        if word >> 32 == UInt64(v4) && word & 1 != 0 { return ZoneRef(rawValue: UInt16(truncatingIfNeeded: word >> 1)) }
        let zone = state.pointee.zoneMapRef._withUnsafeGuaranteedRef { $0.lookup(address) }
        slot.pointee = UInt64(v4) << 32 | UInt64(zone.rawValue) << 1 | 1
        return zone
    }

    /// The zone cache's word for IPv4 address `v4` (one of `zoneCacheSize`).
    @inline(__always)
    static func zoneCacheSlot(_ v4: UInt32) -> Int {
        Int(truncatingIfNeeded: (v4 &* 0x9E37_79B1) >> 16)  // 16 bits: `zoneCacheSize`
    }

    /// Asks for the zone cache's word of `address` (IPv4; nothing for IPv6, which the cache does not hold).
    @inline(__always)
    private func prefetchZone(of address: IPAddress) {
        if address.isIPv4 { Prefetch.read(state.pointee.zoneCache + Verifier.zoneCacheSlot(address.v4)) }
    }

    /// Counts a packet of `bytes` in the matrix cell (`a`, `b`).
    @inline(__always)
    private func addPacket(from a: ZoneRef, to b: ZoneRef, bytes: Int) {
        let side = state.pointee.matrix.side
        let zones = state.pointee.matrix.zoneCount
        // Wrapping arithmetic: both indices are below `side`, so nothing can overflow.
        let cell =
            state.pointee.cells + 2
            &* (ZoneMatrix.index(a, zoneCount: zones) &* side &+ ZoneMatrix.index(b, zoneCount: zones))
        cell[0] &+= 1
        cell[1] &+= UInt64(bytes)
    }

    /// Counts a new flow in the matrix cell (`a`, `b`), and among its untagged flows when `untagged` is 1:
    /// an add beside the flow count, in the same cache line.
    @inline(__always)
    private func addFlow(from a: ZoneRef, to b: ZoneRef, untagged: UInt64) {
        let side = state.pointee.matrix.side
        let zones = state.pointee.matrix.zoneCount
        let counts =
            state.pointee.cells + 2 &* side &* side + 2
            &* (ZoneMatrix.index(a, zoneCount: zones) &* side &+ ZoneMatrix.index(b, zoneCount: zones))
        counts[0] &+= 1
        counts[1] &+= untagged
    }

    /// An IP packet that joined no flow (malformed transport, orphan fragment) still counts in the matrix.
    func countStrayIPPacket(_ wireLength: Int) {
        countStrayIPPacket(from: packet.src, to: packet.dst, wireLength: wireLength)
    }

    /// The matrix's count of a packet from `src` to `dst` that belongs to no flow.
    func countStrayIPPacket(from src: IPAddress, to dst: IPAddress, wireLength: Int) {
        let map = _policy.zoneMap
        addPacket(from: map.lookup(src), to: map.lookup(dst), bytes: wireLength)
    }
    /// A flow leaves the table: an event, when the sink wants it. A closed TCP connection is remembered, so
    /// that its late packets start no new flow.
    func endFlow(_ e: FlowEntry, _ reason: FlowEndReason) {
        withUnsafePointer(to: e) { endFlow(in: $0, reason) }
    }

    /// `endFlow` for an entry read where it lies (`finish`): a flow whose end no sink wants is neither
    /// copied nor read past its first cache line, and one that it wants is copied once, into the event.
    @inline(__always)
    private func endFlow(in e: UnsafePointer<FlowEntry>, _ reason: FlowEndReason) {
        let proto = e.pointee.key.proto
        if proto == IPProtocolNumber.tcp {
            if e.pointee.isClosed {
                let key = e.pointee.key
                state.pointee.closed.remember(key, hash: key.hashValue64, lastSeen: e.pointee.lastSeen)
            }
        } else if e.pointee.icmpType != 0 && UnopenedTunnel.isCarrier(proto) {
            countUnopenedTunnel(e)
        }
        if wantsEnd(rule: e.pointee.rule, declaration: e.pointee.declaration) {
            emit(.flowEnded, flow: e, endReason: reason)
        }
    }

    /// A flow of a tunnel zonesep does not open ends: its outer flow was judged, what it carried never was,
    /// so its frames leave the verified share. Out of line: the end of every other flow pays one test.
    @inline(never)
    private func countUnopenedTunnel(_ e: UnsafePointer<FlowEntry>) {
        guard let tunnel = e.pointee.unopenedTunnel else { return }
        state.pointee.counters.count(.notVerified(.unopenedTunnel, UInt32(tunnel.rawValue)), frames: e.pointee.packets)
    }

    /// Whether the sink wants the end of a flow with verdict `rule` (`FlowEntry.rule`) and `declaration`.
    @inline(__always)
    private func wantsEnd(rule: UInt8, declaration: Int16) -> Bool {
        rule != FlowEntry.noVerdict
            ? state.pointee.wantsViolationEnds
            : state.pointee.wantsAllEnds || (declaration >= 0 && state.pointee.wantsDeclaredEnds)
    }

    /// Between two batches: the flow table's clock moved forward to `now`, a packet time another worker of
    /// the same capture has seen, and its flows idle at it among `budget` entries ended, each with its
    /// `flowEnded` event, as packets at `now` would (`FlowTable.advance`). Counts no packet: this verifier's
    /// own packet times (`counters`) stay those of its packets.
    public func advance(to now: Int64, budget: Int) {
        state.pointee.frames = UnsafeBufferPointer(start: nil, count: 0)
        flows.advance(to: now, budget: budget) { [unowned(unsafe) self] e, r in self.endFlow(e, r) }
        flushEvents()
    }

    /// Ends every flow still in the table (the end of a replay), each with a `flowEnded` event when the sink
    /// wants it, and hands the last events to the sink.
    public func finish() {
        state.pointee.frames = UnsafeBufferPointer(start: nil, count: 0)
        // Reached through an unretained reference: `self` outlives the call, and an unowned(unsafe) capture
        // still cost a retain and a release a flow here.
        let me = Unmanaged.passUnretained(self)
        flows.drain { e, reason in me._withUnsafeGuaranteedRef { $0.endFlow(in: e, reason) } }
        flushEvents()
    }

    /// Flows currently in the table.
    public var activeFlows: Int { flows.count }

    /// For tests: the zone the zone cache holds for IPv4 `address` (nil: none), from the word that
    /// `prefetchZone` asks for.
    func cachedZone(of address: IPAddress) -> ZoneRef? {
        let word = state.pointee.zoneCache[Verifier.zoneCacheSlot(address.v4)]
        guard word & 1 != 0, word >> 32 == UInt64(address.v4) else { return nil }
        return ZoneRef(rawValue: UInt16(truncatingIfNeeded: word >> 1))
    }

    /// For tests: whether this verifier's seen-cache holds the triple (what `touchNewFlow` asks for ahead)
    /// as an IP packet's source.
    func seenCacheHolds(mac: UInt64, address: IPAddress, vlans: UInt32) -> Bool {
        let s = state.pointee.hostSeen.slots[HostSeenCache.slotIndex(mac: mac, address: address, vlans: vlans)]
        return s.used && s.checkedVLAN && s.mac == mac && s.address == address && s.vlans == vlans
    }
}
