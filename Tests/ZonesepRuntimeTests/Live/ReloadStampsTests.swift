import XCTest

@testable import ZonesepRuntime

/// The summary's time of a `watch` reload is that of the last frame judged under the earlier map by any
/// worker: workers take the new map at their own moments, and a time taken when the signal came (the
/// workers' snapshots of a moment before) put alerts of the earlier map after it.
final class ReloadStampsTests: XCTestCase {
    func testTheLastFrameUnderTheEarlierMapOfAnyWorker() {
        // Worker 0 took reload 0 after its frame at 100, worker 1 after its frame at 140.
        let switches: [[(reload: Int, lastPacketMicros: Int64?)]] = [[(0, 100)], [(0, 140)]]
        XCTAssertEqual(ReloadStamps.lastUnderEarlierMap(reload: 0, switches: switches, lastPackets: [900, 950]), 140)
    }

    func testAWorkerThatNeverTookItJudgedEverythingUnderTheEarlierMap() {
        // Worker 1 ended before it took reload 0: its last frame, 130, was judged under the earlier map.
        let switches: [[(reload: Int, lastPacketMicros: Int64?)]] = [[(0, 100)], []]
        XCTAssertEqual(ReloadStamps.lastUnderEarlierMap(reload: 0, switches: switches, lastPackets: [900, 130]), 130)
    }

    func testAReloadSkippedForTheNextTakesTheNextsMoment() {
        // Worker 0 took reload 1 directly (reload 0 was replaced before it took it): its switch at 300 ended
        // the map before reload 0 as well.
        let switches: [[(reload: Int, lastPacketMicros: Int64?)]] = [[(1, 300)], [(0, 120), (1, 310)]]
        XCTAssertEqual(ReloadStamps.lastUnderEarlierMap(reload: 0, switches: switches, lastPackets: [900, 900]), 300)
        XCTAssertEqual(ReloadStamps.lastUnderEarlierMap(reload: 1, switches: switches, lastPackets: [900, 900]), 310)
    }

    func testNoFrameBeforeItIsNil() {
        let switches: [[(reload: Int, lastPacketMicros: Int64?)]] = [[(0, nil)], [(0, nil)]]
        XCTAssertNil(ReloadStamps.lastUnderEarlierMap(reload: 0, switches: switches, lastPackets: [900, 950]))
    }
}
