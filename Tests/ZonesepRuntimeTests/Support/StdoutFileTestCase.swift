import Foundation
import XCTest
import ZonesepCore
import ZonesepOutput
import ZonesepTestSupport

@testable import ZonesepRuntime

#if canImport(Glibc)
    import Glibc
#endif

/// A session of the demonstration's policy delivering into the test's own directory, with standard output
/// written line by line into `stdout.jsonl` there: a test reads it between batches to see what entered the
/// outputs so far.
class StdoutFileTestCase: TemporaryDirectoryTestCase {
    var stdoutPath: String { dir.appendingPathComponent("stdout.jsonl").path }
    private var stdout: Int32 = -1

    /// The pipeline for `config` (whose evidence directory, if it names one, is made first) and a session
    /// of `policy` (the demonstration's by default) feeding it, as `watch` builds it when `live`.
    func deliver(_ config: DeliveryConfig, policy: Policy? = nil, live: Bool = false) throws -> (
        DeliveryPipeline, Session
    ) {
        if let evidence = config.evidenceDirectory {
            try FileManager.default.createDirectory(atPath: evidence, withIntermediateDirectories: true)
        }
        stdout = open(stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        XCTAssertGreaterThanOrEqual(stdout, 0)
        let pipeline = try DeliveryPipeline(config, stdout: StdoutSink(format: .json, flushEachLine: true, fd: stdout))
        let session = Session(
            policy: try policy ?? SinkCombinationTests.policy(), maxFlows: 1 << 16,
            sinks: pipeline.eventSinks(session: 0, live: live))
        return (pipeline, session)
    }

    override func tearDown() {
        if stdout >= 0 { close(stdout) }
        stdout = -1
        super.tearDown()
    }
}
