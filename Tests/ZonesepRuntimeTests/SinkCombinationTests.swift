import XCTest
import ZonesepCapture
import ZonesepConfig
import ZonesepCore
import ZonesepOutput

@testable import ZonesepRuntime

/// Outputs listen; they never decide. The demonstration's captures replayed through a session with every
/// combination of sinks give the same verdicts, counters, matrix and violating flows.
final class SinkCombinationTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    struct Frame {
        var time: Int64
        var bytes: [UInt8]
        var wireLength: Int
    }

    /// Every frame of captures/, in the order replay reads the files.
    static func frames() throws -> (frames: [Frame], linkType: LinkType) {
        var out: [Frame] = []
        let paths = CaptureSet.expand([root.appendingPathComponent("captures").path]).files
        for entry in CaptureSet.inTimeOrder(paths) {
            let file = try CaptureFileReader(path: entry.path, mode: .libpcap)
            XCTAssertEqual(file.linkType, .ethernet)
            while case .frame(let f) = file.next() {
                out.append(Frame(time: f.timestampMicros, bytes: Array(f.bytes), wireLength: f.wireLength))
            }
        }
        return (out, .ethernet)
    }

    static func policy() throws -> Policy {
        let result = ZonesConfigLoader.load(path: root.appendingPathComponent("zones.conf").path)
        return Policy(try XCTUnwrap(result.config))
    }

    struct Outcome {
        var summary: ReplaySummary
        var alertFlowIDs: [String]
    }

    /// Replays the frames through a session whose delivery is `config` (nil: no delivery at all, only the
    /// summary's collector), in batches of `batch`.
    func replay(_ config: DeliveryConfig?, batch: Int, dir: URL) throws -> Outcome {
        let policy = try Self.policy()
        let (frames, linkType) = try Self.frames()
        let devnull = open("/dev/null", O_WRONLY)
        defer { close(devnull) }
        let pipeline = try config.map {
            try DeliveryPipeline($0, stdout: StdoutSink(format: .json, flushEachLine: false, fd: devnull))
        }
        let session = Session(policy: policy, maxFlows: 1 << 16, sinks: pipeline?.eventSinks(session: 0) ?? [])
        session.process(frames, inBatchesOf: batch, linkType: linkType) { _ in }
        var summary = session.finish(files: [])
        pipeline?.finish(into: &summary)
        pipeline?.close()
        var ids: [String] = []
        if let path = config?.alertsPath {
            let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
            // Flows' alerts, by flow id; a host finding's alert has none (it is checked by its own tests).
            for line in lines where line.contains("\"event_type\":\"alert\"") && !line.contains("\"addresses\":") {
                let id = try XCTUnwrap(
                    line.range(of: "\"flow_id\":\"").map { line[$0.upperBound...].prefix { $0 != "\"" } })
                ids.append(String(id))
            }
        }
        return Outcome(summary: summary, alertFlowIDs: ids)
    }

    func testEveryCombinationOfSinksGivesTheSameVerdicts() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("zonesep-sinks-\(getpid())")
        try? FileManager.default.removeItem(at: base)
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: base) }

        let reference = try replay(nil, batch: 1, dir: base)
        let violations = reference.summary.violations
        XCTAssertEqual(violations.count, 22, "the demonstration's violating flows")
        let format = AlertFormat(policy: try Self.policy())

        for combination in 1..<16 {
            let dir = base.appendingPathComponent("c\(combination)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            var c = DeliveryConfig()
            c.alertsPath = dir.appendingPathComponent("alerts.jsonl").path
            if combination & 1 != 0 {
                c.evidenceDirectory = dir.appendingPathComponent("evidence").path
                try FileManager.default.createDirectory(atPath: c.evidenceDirectory!, withIntermediateDirectories: true)
            }
            if combination & 2 != 0 { c.suppressWindowMicros = 3_600_000_000 }
            if combination & 4 != 0 { c.maxAlertRate = 1 }
            let batch = combination & 8 != 0 ? Verifier.batchSize : 7
            let run = try replay(c, batch: batch, dir: dir)
            let what = "combination \(combination)"
            let (s, r) = (run.summary, reference.summary)
            XCTAssertEqual(s.counters.alertsByRule, r.counters.alertsByRule, what)
            XCTAssertEqual(s.counters.flows, r.counters.flows, what)
            XCTAssertEqual(s.counters.packets, r.counters.packets, what)
            XCTAssertEqual(s.matrix.flows, r.matrix.flows, what)
            XCTAssertEqual(s.matrix.packets, r.matrix.packets, what)
            XCTAssertEqual(s.violations.map(\.alert), violations.map(\.alert), what)
            XCTAssertEqual(s.violations.map(\.packets), violations.map(\.packets), what)
            // What reached the alerts file: every violation unless a stage held some back, in order.
            let all = violations.map { format.flowID($0.alert) }
            if c.suppressWindowMicros == 0 && c.maxAlertRate == 0 {
                XCTAssertEqual(run.alertFlowIDs, all, what)
            } else {
                // The demonstration repeats some violations within the hour (its alerts are seconds apart,
                // so a rate of one a second holds none back on its own).
                if c.suppressWindowMicros > 0 { XCTAssertLessThan(run.alertFlowIDs.count, all.count, what) }
                XCTAssertEqual(
                    UInt64(all.count - run.alertFlowIDs.count), s.alertsSuppressed + s.alertsRateLimited, what)
            }
            if c.evidenceDirectory != nil {
                let withFile = s.violations.filter { $0.evidenceFile != nil }
                XCTAssertEqual(withFile.count, run.alertFlowIDs.count, "\(what): one evidence file per alert written")
            }
        }
    }
}
