import XCTest
import ZonesepCore
import ZonesepRuntime

/// `PortClock`: at each tick of `watch`'s control thread, every worker behind the port's packet time (the
/// latest of the workers' flow-table clocks) is posted it, with the sweep budget of the packets the other
/// workers got since the last tick; a worker at the port's time, or alone, is posted nothing.
final class PortClockTests: XCTestCase {
    func snapshot(packets: UInt64, clock: Int64?) -> WorkerSnapshot {
        var s = WorkerSnapshot()
        s.packets = packets
        s.clockMicros = clock
        return s
    }

    func testAQuietWorkerIsPostedThePortsTimeWithTheOthersPacketsSweepBudget() {
        var clock = PortClock(workers: 3)
        // First tick: worker 0 had 6 packets, then its host pairs fell quiet; 1 and 2 go on.
        XCTAssertEqual(
            clock.tick([
                snapshot(packets: 6, clock: 1_000_000), snapshot(packets: 40, clock: 2_000_000),
                snapshot(packets: 10, clock: 1_900_000),
            ]),
            [
                PortClock.Advance(to: 2_000_000, budget: 50 * Verifier.sweepBudget), nil,
                PortClock.Advance(to: 2_000_000, budget: 46 * Verifier.sweepBudget),
            ])
        // Next tick: only the packets since the last one count.
        XCTAssertEqual(
            clock.tick([
                snapshot(packets: 6, clock: 1_000_000), snapshot(packets: 60, clock: 3_000_000),
                snapshot(packets: 10, clock: 3_000_000),
            ]),
            [PortClock.Advance(to: 3_000_000, budget: 20 * Verifier.sweepBudget), nil, nil])
        // No packet anywhere since: the port's time did not move, nothing to sweep for.
        XCTAssertEqual(
            clock.tick([
                snapshot(packets: 6, clock: 1_000_000), snapshot(packets: 60, clock: 3_000_000),
                snapshot(packets: 10, clock: 3_000_000),
            ]),
            [nil, nil, nil])
    }

    /// A worker that has had no packet yet is brought up too (its table is empty; its clock then is the port's).
    func testAWorkerWithoutPacketsIsPostedToo() {
        var clock = PortClock(workers: 2)
        XCTAssertEqual(
            clock.tick([snapshot(packets: 0, clock: nil), snapshot(packets: 5, clock: 7_000_000)]),
            [PortClock.Advance(to: 7_000_000, budget: 5 * Verifier.sweepBudget), nil])
        XCTAssertEqual(
            clock.tick([snapshot(packets: 0, clock: nil), snapshot(packets: 5, clock: nil)]), [nil, nil],
            "no clock anywhere: no port time")
    }

    /// One worker's clock is the port's: `--workers 1` is posted nothing, so it runs as before.
    func testASingleWorkerIsPostedNothing() {
        var clock = PortClock(workers: 1)
        XCTAssertEqual(clock.tick([snapshot(packets: 100, clock: 5_000_000)]), [nil])
        XCTAssertEqual(clock.tick([snapshot(packets: 200, clock: 6_000_000)]), [nil])
    }
}
