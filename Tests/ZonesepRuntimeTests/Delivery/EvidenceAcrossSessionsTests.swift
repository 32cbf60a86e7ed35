import XCTest
import ZonesepCapture
import ZonesepCore
import ZonesepOutput
import ZonesepTestSupport

@testable import ZonesepRuntime

/// `watch --workers N` runs a session per worker, each numbering its flows from 1: the summary's violations,
/// merged from the workers, must still carry the evidence file and hash of their own flow. They lost every
/// one as soon as two workers had written files.
final class EvidenceAcrossSessionsTests: XCTestCase {
    /// The demonstration's captures, file by file.
    static func framesByFile() throws -> [[SinkCombinationTests.Frame]] {
        let root = SinkCombinationTests.root
        let paths = CaptureSet.expand([root.appendingPathComponent("captures").path]).files
        return try CaptureSet.inTimeOrder(paths).map { entry in
            let file = try CaptureFileReader(path: entry.path, mode: .libpcap)
            var frames: [SinkCombinationTests.Frame] = []
            while case .frame(let f) = file.next() {
                frames.append(.init(time: f.timestampMicros, bytes: Array(f.bytes), wireLength: f.wireLength))
            }
            return frames
        }
    }

    /// The violations' (flow id, evidence file, hash, error) of the captures replayed by `sessions`
    /// sessions, file `k` going to session `k % sessions`, merged as `watch` merges its workers' summaries.
    func evidence(sessions count: Int, in dir: URL) throws -> [[String?]] {
        let files = try Self.framesByFile().enumerated().map { (session: $0.offset % count, frames: $0.element) }
        let summary = try EvidenceWorkers.run(sessions: count, in: dir, batch: Verifier.batchSize, feeding: files)
        return summary.violations.map { [$0.flowIDText, $0.evidenceFile, $0.evidenceSHA256, $0.evidenceError] }
            .sorted { ($0[0] ?? "", $0[1] ?? "") < ($1[0] ?? "", $1[1] ?? "") }
    }

    /// Files go to sessions whole, so a flow that spans two files is two flows there (as it would be on two
    /// workers): the list is checked for its own consistency, not against one session's.
    func testEachWorkersViolationsCarryTheirOwnEvidence() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("zonesep-ev-sessions-\(getpid())")
        try? FileManager.default.removeItem(at: base)
        defer { try? FileManager.default.removeItem(at: base) }
        for count in [1, 2, 3] {
            let dir = base.appendingPathComponent("s\(count)")
            let list = try evidence(sessions: count, in: dir)
            XCTAssertGreaterThanOrEqual(list.count, 21, "\(count) sessions: the demonstration's violating flows")
            for v in list {
                let what = "\(count) sessions, flow \(v[0] ?? "?")"
                let file = try XCTUnwrap(v[1], "\(what): no evidence file")
                // Its own flow's file: the name carries the flow's Community ID (base64url).
                let id = String(try XCTUnwrap(v[0]).dropFirst(2)).replacingOccurrences(of: "+", with: "-")
                    .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
                XCTAssertTrue(file.hasSuffix("_\(id).pcap"), "\(what): \(file)")
                let path = dir.appendingPathComponent("evidence").appendingPathComponent(file).path
                XCTAssertEqual(try Coreutils.sha256sum(path), try XCTUnwrap(v[2], "\(what): no hash"), what)
                XCTAssertNil(v[3], what)
            }
        }
    }
}
