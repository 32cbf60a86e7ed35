import XCTest

@testable import ZonesepCore

/// Packet times that do not fit the run's clock. One packet stamped an hour ahead (a timestamp glitch, a
/// sensor whose clock is off) ran the idle sweep at its time and ended every open flow, each violating one
/// then alerting again; a packet stamped before its flow's last one moved the flow's last packet time back,
/// so the flow's next packet started another flow and its record ended before it began.
final class VerifierPacketTimeTests: VerifierTestCase {
    typealias Timed = (seconds: Double, frame: [UInt8])

    /// A TCP packet of connection `c` (client, port, server, port), from its client or its server.
    static func tcp(_ c: (String, UInt16, String, UInt16), fromClient: Bool, flags: UInt8) -> [UInt8] {
        fromClient
            ? F.tcpFrame(c.0, c.1, c.2, c.3, flags: flags) : F.tcpFrame(c.2, c.3, c.0, c.1, flags: flags)
    }

    /// Two Mynumber hosts' connections to the Internet zone (mynumber-isolation): handshakes at 0–0.5 s,
    /// data and the first one's close at 1–2.2 s; with `stray`, between them an LGWAN host's DNS query
    /// stamped an hour ahead.
    static func twoConnections(stray: Bool) -> [Timed] {
        let a = ("10.10.1.21", UInt16(50001), "10.30.1.21", UInt16(443))
        let b = ("10.10.1.22", UInt16(50002), "10.30.1.22", UInt16(8443))
        var frames: [Timed] = [
            (0, tcp(a, fromClient: true, flags: 0x02)), (0.1, tcp(a, fromClient: false, flags: 0x12)),
            (0.2, tcp(a, fromClient: true, flags: 0x10)), (0.3, tcp(b, fromClient: true, flags: 0x02)),
            (0.4, tcp(b, fromClient: false, flags: 0x12)), (0.5, tcp(b, fromClient: true, flags: 0x10)),
        ]
        if stray { frames.append((3_601, F.udpFrame("10.20.1.5", 5353, "10.20.1.53", 53))) }
        frames += [
            (1, tcp(a, fromClient: true, flags: 0x18)), (1.1, tcp(a, fromClient: false, flags: 0x18)),
            (1.2, tcp(b, fromClient: true, flags: 0x18)), (1.3, tcp(b, fromClient: false, flags: 0x18)),
            (2, tcp(a, fromClient: true, flags: 0x11)), (2.1, tcp(a, fromClient: false, flags: 0x11)),
            (2.2, tcp(a, fromClient: true, flags: 0x10)),
        ]
        return frames
    }

    /// What a run of `frames` gave: its alerts as "seconds initiator", and each flow's end as "port
    /// first–last reason" (seconds after t0), in the order the flows ended.
    func run(_ frames: [Timed], batched: Bool) -> (alerts: [String], ends: [String]) {
        let sink = RecordingSink([.flowEnds])
        verifier = Verifier(policy: Self.policy(), flowCapacity: 64, sink: sink)
        let alerts = batched ? feedBatch(frames) : frames.compactMap { feed($0.frame, at: $0.seconds) }
        verifier.finish()
        func s(_ t: Int64) -> String {
            let tenths = (t - t0) / 100_000
            return "\(tenths / 10).\(abs(tenths % 10))"
        }
        return (
            alerts.map { "\(s($0.timestampMicros)) \($0.initiator.name)" },
            sink.seen.map {
                "\(min($0.entry.key.portA, $0.entry.key.portB)) \(s($0.entry.times[0]))–\(s($0.entry.times[1])) "
                    + "\($0.reason.map { "\($0)" } ?? "?")"
            }
        )
    }

    func testALonePacketStampedAnHourAheadEndsNoOtherFlow() {
        for batched in [false, true] {
            let clean = run(Self.twoConnections(stray: false), batched: batched)
            XCTAssertEqual(clean.alerts, ["0.0 syn", "0.3 syn"])
            XCTAssertEqual(clean.ends, ["443 0.0–2.2 closed", "8443 0.3–1.3 endOfCapture"])
            let strayed = run(Self.twoConnections(stray: true), batched: batched)
            XCTAssertEqual(strayed.alerts, clean.alerts, "batched \(batched): one connection, one alert")
            XCTAssertEqual(
                strayed.ends, clean.ends + ["53 3601.0–3601.0 endOfCapture"],
                "batched \(batched): the stray packet's own flow, at its own time, and no flow ended idle by it")
            let c = verifier.counters
            XCTAssertEqual(c.flows, 3)
            XCTAssertEqual(c.timeJumpsIgnored, 1)
            XCTAssertEqual(c.firstTimeJumpIgnoredMicros, t0 + 3_601_000_000)
            XCTAssertEqual(c.timesBackInFlow, 0, "each connection's packets are in order")
        }
    }

    /// A real gap (the capture stopped and went on, files of two periods) still ends the idle flows, at the
    /// packet after the first one past the gap.
    func testAGapInTheCaptureEndsTheIdleFlowsOnePacketLater() {
        let gap = RecordingSink([.flowEnds])
        verifier = Verifier(policy: Self.policy(), flowCapacity: 64, sink: gap)
        feed(F.udpFrame("10.20.1.5", 40000, "10.20.1.53", 53), at: 0)
        feed(F.udpFrame("10.20.1.6", 40001, "10.20.1.53", 53), at: 200)
        XCTAssertEqual(gap.seen.count, 0, "the first packet past the gap is held: nothing ended at it")
        feed(F.udpFrame("10.20.1.7", 40002, "10.20.1.53", 53), at: 200.5)
        XCTAssertEqual(gap.seen.map(\.entry.key.portA), [40000], "the next one followed: the idle flow ended")
        XCTAssertEqual(gap.seen.compactMap(\.reason), [.idle])
        XCTAssertEqual(verifier.counters.timeJumpsIgnored, 0)
    }

    /// The packet a lone jump came with is judged at its own time, and a flow it continues past that flow's
    /// timeout by that time is ended and started anew, as for any packet: only the other flows are kept.
    func testTheJumpingPacketsOwnFlowGoesByItsOwnTime() {
        XCTAssertNil(feed(F.udpFrame("10.20.1.5", 40000, "10.20.1.53", 53), at: 0))
        XCTAssertNil(feed(F.udpFrame("10.20.1.5", 40000, "10.20.1.53", 53), at: 3_600))
        XCTAssertNil(feed(F.udpFrame("10.20.1.5", 40000, "10.20.1.53", 53), at: 1))
        XCTAssertEqual(verifier.counters.flows, 2)
        XCTAssertEqual(verifier.counters.timesBackInFlow, 1, "the third packet is stamped before the flow's last")
    }

    /// One TCP connection whose fifth packet (the server's data) is stamped an hour early.
    static let stepBack: [Timed] = {
        let c = ("10.10.1.20", UInt16(50000), "10.30.1.20", UInt16(443))
        return [
            (0, tcp(c, fromClient: true, flags: 0x02)), (0.1, tcp(c, fromClient: false, flags: 0x12)),
            (0.2, tcp(c, fromClient: true, flags: 0x10)), (1, tcp(c, fromClient: true, flags: 0x18)),
            (2 - 3_600, tcp(c, fromClient: false, flags: 0x18)), (3, tcp(c, fromClient: true, flags: 0x10)),
            (4, tcp(c, fromClient: true, flags: 0x11)), (4.1, tcp(c, fromClient: false, flags: 0x11)),
            (4.2, tcp(c, fromClient: true, flags: 0x10)),
        ]
    }()

    func testAPacketStampedBeforeItsFlowsLastLeavesTheFlowWhole() {
        for batched in [false, true] {
            let r = run(Self.stepBack, batched: batched)
            XCTAssertEqual(r.alerts, ["0.0 syn"], "batched \(batched)")
            XCTAssertEqual(r.ends, ["443 0.0–4.2 closed"], "batched \(batched): one flow, ending after it began")
            XCTAssertEqual(verifier.counters.flows, 1)
            XCTAssertEqual(verifier.counters.timesBackInFlow, 1)
            XCTAssertEqual(verifier.counters.timeJumpsIgnored, 0)
        }
    }
}
