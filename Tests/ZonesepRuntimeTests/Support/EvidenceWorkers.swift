import Foundation
import XCTest
import ZonesepCore
import ZonesepOutput

@testable import ZonesepRuntime

/// `watch --workers N` without the capture: `count` sessions of the demonstration's policy sharing one
/// delivery pipeline with `--evidence DIR/evidence`, each fed its frames in the order given, their summaries
/// merged as `watch` merges its workers' and finished by the pipeline.
enum EvidenceWorkers {
    static func run(
        sessions count: Int, in dir: URL, batch: Int,
        feeding order: [(session: Int, frames: [SinkCombinationTests.Frame])]
    ) throws -> ReplaySummary {
        let evidence = dir.appendingPathComponent("evidence")
        try FileManager.default.createDirectory(at: evidence, withIntermediateDirectories: true)
        var config = DeliveryConfig()
        config.evidenceDirectory = evidence.path
        let devnull = open("/dev/null", O_WRONLY)
        defer { close(devnull) }
        let pipeline = try DeliveryPipeline(
            config, stdout: StdoutSink(format: .json, flushEachLine: false, fd: devnull))
        let policy = try SinkCombinationTests.policy()
        let sessions = (0..<count).map {
            Session(policy: policy, maxFlows: 1 << 16, sinks: pipeline.eventSinks(session: $0))
        }
        for (s, frames) in order { sessions[s].process(frames, inBatchesOf: batch, linkType: .ethernet) { _ in } }
        var summary = try XCTUnwrap(SummaryMerge.merge(sessions.map { $0.finish(files: []) }, files: []))
        pipeline.finish(into: &summary)
        pipeline.close()
        return summary
    }
}
