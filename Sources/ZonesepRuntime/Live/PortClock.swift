import ZonesepCore

/// The capture port's packet time for `watch --workers N`, taken by the control thread from the workers'
/// snapshots once a tick: each worker's flow table ages only by the packets the fanout gives it, so one
/// whose host pairs fell quiet while the port stays busy would keep its ended flows (records, evidence
/// hashes) until the stop. A worker behind the port is brought up to it (`CaptureWorker.post(advance:)`).
///
/// The port's time is the latest of the workers' flow-table clocks (`FlowTable.clock`), not of their last
/// packets: a lone packet stamped far ahead, which a table holds back, must not end every flow elsewhere.
public struct PortClock {
    /// What a worker is posted: the port's packet time, and how many of its flows it may check for it.
    public struct Advance: Sendable, Equatable {
        public var to: Int64
        /// `Verifier.sweepBudget` for every packet the other workers got since the last tick: the entries
        /// those packets would have checked here had the port had one worker.
        public var budget: Int

        public init(to: Int64, budget: Int) {
            self.to = to
            self.budget = budget
        }
    }

    /// Each worker's packets at the last tick.
    private var packetsBefore: [UInt64]

    public init(workers: Int) {
        packetsBefore = Array(repeating: 0, count: workers)
    }

    /// For each worker of `snapshots` (in worker order), the advance to post to it, or nil when its clock is
    /// the port's (always, with one worker) or no other worker had a packet since the last tick.
    public mutating func tick(_ snapshots: [WorkerSnapshot]) -> [Advance?] {
        guard snapshots.count == packetsBefore.count else { return snapshots.map { _ in nil } }
        let fresh = snapshots.indices.map { snapshots[$0].packets &- min(packetsBefore[$0], snapshots[$0].packets) }
        packetsBefore = snapshots.map(\.packets)
        let total = fresh.reduce(0, &+)
        guard snapshots.count > 1, let port = snapshots.compactMap(\.clockMicros).max() else {
            return snapshots.map { _ in nil }
        }
        return snapshots.indices.map { i in
            let others = total &- fresh[i]
            guard others > 0, snapshots[i].clockMicros.map({ $0 < port }) ?? true else { return nil }
            let budget = others > UInt64(Int.max / Verifier.sweepBudget) ? Int.max : Int(others) * Verifier.sweepBudget
            return Advance(to: port, budget: budget)
        }
    }
}
