import ZonesepCore

/// The sink behind the summary's list of violating flows: each one's alert when it starts, its counters
/// when it ends.
///
/// A sensor that runs for months must not grow without bound: past `limit` violating flows the list takes
/// no more (it counts them), while each still raises its alert elsewhere.
public final class ViolationCollector: EventSink {
    public static let defaultLimit = 100_000

    public let interests: EventInterests = [.violationStarts, .violationEnds]
    public let limit: Int
    /// Violating flows still in the table, in the order they started (so by serial: the engine numbers
    /// flows as they start), each with its Community ID digest where a sink before this one hashed it
    /// (`EventBatch.knownFlowID`). A flow's end finds its entry by binary search and leaves a hole, which
    /// goes when holes are half the list: a dictionary by serial cost three SipHash hashes and two
    /// copies of the alert a flow, a scan's thousands.
    ///
    /// This state is reached only from the collector's own calls, one at a time: unchecked, it is touched
    /// in place with no run-time exclusivity check (some 80 instructions an access, several an event), where
    /// taking it out of the object for each batch cost a retain and a release of each list.
    @exclusivity(unchecked) private var open = Open()
    /// Holes in `open`: entries whose flow has ended.
    @exclusivity(unchecked) private var ended = 0
    /// Starts that came after a later serial's (a conduit MAC checked late gives an older flow its verdict),
    /// by serial. Put in `open` in order, each moved every entry after it: thousands of open flows a late
    /// verdict, quadratic in a capture of many.
    @exclusivity(unchecked) private var late: [UInt64: Open.Entry] = [:]
    /// Every VLAN id of the flows with more than two own tags, by serial: the key keeps the outermost and
    /// innermost only, and the violation's `vlan` is its alert's (all of them), read again from the first
    /// packet here, off the packet path, for the few flows that need it.
    @exclusivity(unchecked) private var deepVLANs: [UInt64: [UInt16]] = [:]
    /// The first packet of such a flow, decoded again (the decoder's buffers reused).
    @exclusivity(unchecked) private var packet = DecodedPacket()
    @exclusivity(unchecked) public private(set) var violations: [Violation] = []
    @exclusivity(unchecked) public private(set) var omitted: UInt64 = 0
    /// The omitted ones by rule and zone pair.
    @exclusivity(unchecked) public private(set) var omittedBy = OmittedViolations()

    /// Plain values only (the flow entry at its start, of which the alert is made at its end): adding, ending
    /// and clearing entries copies bytes, where keeping the alert (with its arrays) cost a retain and a
    /// release at every move. The serials stand apart for the search to read them bare; the rest of an
    /// entry goes in one list, one append a flow, kept in chunks: an array of them (160 bytes each) copied
    /// itself into fresh pages at every doubling, a thousand page faults for a scan's 18,000.
    private struct Open {
        var serials: [UInt64] = []
        /// By index of `serials`.
        let entries = ChunkedList<Entry>()

        struct Entry {
            var start: FlowEntry
            var flowID: FlowIDDigest?
            var isOpen = true
        }

        var count: Int { serials.count }

        mutating func append(_ start: FlowEntry, _ flowID: FlowIDDigest?) {
            serials.append(start.serial)
            entries.append(Entry(start: start, flowID: flowID))
        }

        /// Drops the entries of ended flows.
        mutating func compact() {
            var kept = 0
            for k in serials.indices where entries.pointer(at: k).pointee.isOpen {
                if kept != k {
                    serials[kept] = serials[k]
                    entries.pointer(at: kept).pointee = entries.pointer(at: k).pointee
                }
                kept += 1
            }
            serials.removeLast(serials.count - kept)
            entries.removeLast(entries.count - kept)
        }

        /// The first index whose serial is not below `serial`.
        func position(of serial: UInt64) -> Int {
            serials.withUnsafeBufferPointer { list in
                var low = 0
                var high = list.count
                while low < high {
                    let mid = (low &+ high) >> 1
                    if list[mid] < serial { low = mid &+ 1 } else { high = mid }
                }
                return low
            }
        }
    }

    public init(limit: Int = ViolationCollector.defaultLimit) { self.limit = limit }

    public func consume(_ batch: EventBatch) {
        // Events are read where they lie (`for e in` copied each, a flow entry and all, most of them of
        // allowed flows).
        let events = batch.events
        for i in events.indices where events[i].concernsViolation {
            switch events[i].kind {
            case .flowStarted:
                guard events[i].flow.verdict != nil else { continue }  // what `Alert(flow:)` asks
                let serial = events[i].flow.serial
                if events[i].flow.key.vlanCount > 2 { keepVLANs(of: i, in: batch) }
                if let last = open.serials.last, last >= serial {
                    late[serial] = Open.Entry(start: events[i].flow, flowID: batch.knownFlowID(of: i))
                } else {
                    open.append(events[i].flow, batch.knownFlowID(of: i))
                }
            case .flowEnded:
                let serial = events[i].flow.serial
                let k = open.position(of: serial)
                if k < open.count, open.serials[k] == serial {
                    let entry = open.entries.pointer(at: k)
                    guard entry.pointee.isOpen else { continue }
                    entry.pointee.isOpen = false
                    ended += 1
                    record(entry.pointee, ending: events[i])
                    if ended > 32 && ended * 2 > open.count {
                        open.compact()
                        ended = 0
                    }
                } else if !late.isEmpty, let entry = late.removeValue(forKey: serial) {
                    record(entry, ending: events[i])
                }
            case .flaggedPacket, .hostFinding:
                continue
            }
        }
    }

    /// The violation of the flow `entry` started, which `end` ended; counted as omitted past `limit`.
    @inline(__always)
    private func record(_ entry: Open.Entry, ending end: EngineEvent) {
        if violations.count < limit, let a = Alert(flow: entry.start) {
            if violations.count == violations.capacity { makeRoom() }
            violations.append(Violation(alert: a, flow: end.flow, end: end.endReason, flowID: entry.flowID))
            // Set in place: a `var` alert cost a copy of every violation.
            if !deepVLANs.isEmpty, let all = takeVLANs(of: entry.start.serial) {
                violations[violations.count - 1].alert.vlanIDs = all
            }
        } else {
            omitted += 1
            if !deepVLANs.isEmpty { _ = takeVLANs(of: entry.start.serial) }
            if let rule = entry.start.verdict {
                omittedBy.add(
                    .init(rule: rule, srcZone: entry.start.initiatorZone, destZone: entry.start.responderZone))
            }
        }
    }

    /// Keeps every VLAN id of the violating flow that event `i` of `batch` starts, read from its first
    /// packet. Out of line, as `takeVLANs`: inlined, the rare case cost `consume` some 400 instructions a
    /// batch by callgrind.
    @inline(never)
    private func keepVLANs(of i: Int, in batch: EventBatch) {
        guard let frame = batch.frame(of: batch.events[i]) else { return }
        PacketDecoder.decode(
            frame.bytes, linkType: batch.linkType, tunnelPorts: batch.policy.config.tunnelPorts, into: &packet)
        if packet.vlanCount == batch.events[i].flow.key.vlanCount {
            deepVLANs[batch.events[i].flow.serial] = packet.vlans
        }
    }

    /// The VLAN ids `keepVLANs` kept for the flow `serial`, forgotten here.
    @inline(never)
    private func takeVLANs(of serial: UInt64) -> [UInt16]? { deepVLANs.removeValue(forKey: serial) }

    /// Grows `violations` to hold every flow still open as well (they all end at a capture's end, one after
    /// another), at least doubling it and never past `limit`: grown by doubling, the list was copied into
    /// fresh memory again and again as a replay's last batches ended its flows.
    private func makeRoom() {
        let n = violations.count
        violations.reserveCapacity(min(limit, n + max(n, openCount + 1, 16)))
    }

    /// Violating flows that have started and not ended.
    public var openCount: Int { open.count - ended + late.count }

    /// The violations in the order their flows started (a run's flows all end before its summary).
    ///
    /// Often that is already their order (the flows still open at a capture's end end in the order of their
    /// entries, which a scan fills in start order): one pass checks, and the list is then returned as it
    /// is. The sort copied every violation into a new array: 18,000 of them cost about 1,200 page faults.
    public var inStartOrder: [Violation] {
        let ordered = violations.withUnsafeBufferPointer { v in
            v.indices.dropFirst().allSatisfy { v[$0 - 1].alert.flowSerial < v[$0].alert.flowSerial }
        }
        return ordered ? violations : violations.sorted { $0.alert.flowSerial < $1.alert.flowSerial }
    }
}
