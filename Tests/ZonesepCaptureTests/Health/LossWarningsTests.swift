import XCTest

@testable import ZonesepCapture

final class LossWarningsTests: XCTestCase {
    let second: Int64 = 1_000_000

    func testDropsAreToldOncePerMinuteWithEveryPacketCounted() {
        var w = LossWarnings(interface: "eth1")
        XCTAssertEqual(w.observe(.init(now: 0)), [])
        XCTAssertEqual(w.observe(.init(now: second)), [], "no drop, no word")
        XCTAssertEqual(
            w.observe(.init(now: 2 * second, kernelDropped: 40, interfaceDropped: 2)),
            [
                "eth1: the kernel dropped 42 packets (42 since the start): the sensor is losing traffic; "
                    + "give it a bigger --buffer-size or more --workers"
            ])
        // More drops within the minute are held back, then told with their full count.
        XCTAssertEqual(w.observe(.init(now: 3 * second, kernelDropped: 100, interfaceDropped: 2)), [])
        XCTAssertEqual(w.observe(.init(now: 30 * second, kernelDropped: 150, interfaceDropped: 2)), [])
        XCTAssertEqual(
            w.observe(.init(now: 62 * second, kernelDropped: 150, interfaceDropped: 2)),
            [
                "eth1: the kernel dropped 110 packets in the last 60 s (152 since the start): the sensor is losing "
                    + "traffic; give it a bigger --buffer-size or more --workers"
            ])
        XCTAssertEqual(w.observe(.init(now: 200 * second, kernelDropped: 150, interfaceDropped: 2)), [])
    }

    /// The counts start at zero with the capture: drops before the first look are losses too.
    func testDropsBeforeTheFirstSampleAreWarnedAbout() {
        var w = LossWarnings(interface: "eth1")
        XCTAssertEqual(w.observe(.init(now: 0, kernelDropped: 7)).count, 1)
        XCTAssertEqual(w.observe(.init(now: second, kernelDropped: 7)), [])
    }

    func testLinkDownAndUp() {
        var w = LossWarnings(interface: "eth1")
        _ = w.observe(.init(now: 0))
        XCTAssertEqual(
            w.observe(.init(now: second, link: .noCarrier)),
            ["eth1: link down (no carrier): nothing reaches the sensor until it is back"])
        XCTAssertEqual(w.observe(.init(now: 2 * second, link: .noCarrier)), [])
        XCTAssertEqual(w.observe(.init(now: 14 * second, link: .up)), ["eth1: link up after 13 s down"])
    }

    func testACaptureLostAndRegained() {
        var w = LossWarnings(interface: "eth1")
        _ = w.observe(.init(now: 0, capturing: 2, workers: 2))
        XCTAssertEqual(
            w.observe(
                .init(now: second, link: .missing, capturing: 0, workers: 2, captureError: "The interface disappeared")),
            [
                "eth1: the interface is gone",
                "eth1: the capture of 2 of 2 workers stopped (The interface disappeared); flows and state are kept, "
                    + "retrying until the interface is back",
            ])
        XCTAssertEqual(
            w.observe(.init(now: 3 * second, link: .up, capturing: 1, workers: 2)), ["eth1: link up after 2.0 s down"])
        XCTAssertEqual(
            w.observe(.init(now: 3_500_000, link: .up, capturing: 2, workers: 2)), ["eth1: capturing again after 2.5 s"]
        )
    }

    /// A flapping link is told a few times a minute, and the rest counted.
    func testAFlappingLinkIsRateLimited() {
        var w = LossWarnings(interface: "eth1")
        _ = w.observe(.init(now: 0))
        var told: [String] = []
        for i in 1...20 { told += w.observe(.init(now: Int64(i) * second, link: i % 2 == 1 ? .noCarrier : .up)) }
        XCTAssertEqual(told.count, 6)
        let later = w.observe(.init(now: 61 * second, link: .up))
        XCTAssertEqual(later, ["eth1: 14 more link or capture changes in the last 60 s; now: link up, capturing"])
    }

    func testEvictions() {
        var w = LossWarnings(interface: "eth1")
        _ = w.observe(.init(now: 0, flowCapacity: 1000))
        XCTAssertEqual(
            w.observe(.init(now: second, evicted: 5, flowCapacity: 1000)),
            [
                "the flow table is full (1000 flows): 5 least recently seen flows evicted; a flow seen again after "
                    + "its eviction is judged as new; raise --max-flows"
            ])
        XCTAssertEqual(w.observe(.init(now: 2 * second, evicted: 500, flowCapacity: 1000)), [])
        XCTAssertEqual(
            w.observe(.init(now: 601 * second, evicted: 900, flowCapacity: 1000)),
            ["the flow table evicted 895 more flows in the last 600 s (900 since the start)"])
        // watch --workers 4: the capacity is the four tables' sum, and the one that filled holds a quarter.
        var four = LossWarnings(interface: "eth1")
        XCTAssertEqual(
            four.observe(.init(now: second, evicted: 3, flowCapacity: 256, workers: 4)),
            [
                "a worker's flow table is full (64 flows, each of 4 workers): 3 least recently seen flows evicted; "
                    + "a flow seen again after its eviction is judged as new; raise --max-flows"
            ])
    }

    /// The stop comes within the minute after a seventh change, held back: the untold count is said with
    /// the state at the stop, so stderr does not end on "administratively down" after the link came up.
    func testTheStopTellsTheChangesHeldBackAndTheStateAtTheStop() {
        var w = LossWarnings(interface: "eth1")
        _ = w.observe(.init(now: 0, link: .down))
        var told: [String] = []
        for i in 1...7 { told += w.observe(.init(now: Int64(i) * second, link: i % 2 == 1 ? .up : .down)) }
        XCTAssertEqual(told.count, 6)
        XCTAssertEqual(told.last, "eth1: interface is administratively down (ip link set eth1 up)")
        XCTAssertEqual(
            w.finish(.init(now: 12 * second, link: .up)),
            ["eth1: 1 more link or capture changes in the last 11 s; at the stop: link up, capturing"])
        XCTAssertEqual(w.finish(.init(now: 13 * second, link: .up)), [], "told once")
    }

    /// A capture lost at the stop after the burst is said as such (here the one worker of two not capturing).
    func testTheStopNamesTheWorkersNotCapturing() {
        var w = LossWarnings(interface: "eth1")
        _ = w.observe(.init(now: 0, capturing: 2, workers: 2))
        for i in 1...7 { _ = w.observe(.init(now: Int64(i) * second, link: i % 2 == 1 ? .noCarrier : .up, workers: 2)) }
        XCTAssertEqual(
            w.finish(.init(now: 8 * second, link: .noCarrier, capturing: 1, workers: 2)),
            [
                "eth1: 2 more link or capture changes in the last 7.0 s; at the stop: link down (no carrier), "
                    + "1 of 2 workers not capturing"
            ])
    }

    /// Drops and evictions after the last once-a-minute (ten-minute) warning are said at the stop, with
    /// their full count: stderr's total is the run's.
    func testTheStopTellsDropsAndEvictionsSinceTheLastWarning() {
        var w = LossWarnings(interface: "eth1")
        _ = w.observe(.init(now: 0, flowCapacity: 1000))
        XCTAssertEqual(w.observe(.init(now: second, kernelDropped: 100, evicted: 5, flowCapacity: 1000)).count, 2)
        XCTAssertEqual(w.observe(.init(now: 20 * second, kernelDropped: 130, evicted: 9, flowCapacity: 1000)), [])
        XCTAssertEqual(
            w.finish(.init(now: 21 * second, kernelDropped: 140, evicted: 9, flowCapacity: 1000)),
            [
                "eth1: the kernel dropped 40 packets in the last 20 s (140 since the start): the sensor is losing "
                    + "traffic; give it a bigger --buffer-size or more --workers",
                "the flow table evicted 4 more flows in the last 20 s (9 since the start)",
            ])
        XCTAssertEqual(w.finish(.init(now: 22 * second, kernelDropped: 140, evicted: 9, flowCapacity: 1000)), [])
    }
}
