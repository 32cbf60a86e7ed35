import Foundation
import XCTest

/// Every capture of Tests/Corpus/tcpdump (tcpdump's own test files: hundreds of protocols and link types,
/// many malformed on purpose) must replay: no crash, no hang, an exit status of 0, 1 or 2, a reason on stderr
/// for a file it cannot read, and a summary record as the last line of stdout in every case.
final class CorpusReplayTests: XCTestCase {
    static let timeout: TimeInterval = 20
    static let concurrency = 4

    /// One result slot per file, filled by several workers.
    final class Results: @unchecked Sendable {
        private let lock = NSLock()
        private var next = 0
        private var problems: [String?]

        init(count: Int) { problems = Array(repeating: nil, count: count) }

        /// The next file index to run, or nil when all are taken.
        func take() -> Int? {
            lock.lock()
            defer { lock.unlock() }
            guard next < problems.count else { return nil }
            next += 1
            return next - 1
        }

        func record(_ index: Int, _ problem: String?) {
            lock.lock()
            problems[index] = problem
            lock.unlock()
        }

        var all: [String] {
            lock.lock()
            defer { lock.unlock() }
            return problems.compactMap { $0 }
        }
    }

    func testEveryCorpusCaptureReplays() throws {
        let root = try Harness.repositoryRoot()
        let corpus = try Harness.corpusDirectory()
        let files = try Self.regularFiles(under: corpus)
        XCTAssertFalse(files.isEmpty, "no files under \(corpus.path)")
        let zonesep = try Harness.zonesep()
        let config = root.appendingPathComponent("zones.conf").path

        let results = Results(count: files.count)
        DispatchQueue.concurrentPerform(iterations: Self.concurrency) { _ in
            while let i = results.take() {
                let file = files[i]
                do {
                    let outcome = try Harness.run(
                        zonesep, ["replay", "--output", "json", "--config", config, file.path], timeout: Self.timeout)
                    results.record(i, Self.problem(with: outcome, replaying: file))
                } catch {
                    results.record(i, "\(file.lastPathComponent): could not run zonesep: \(error)")
                }
            }
        }
        let failures = results.all
        XCTAssertTrue(
            failures.isEmpty,
            "\(failures.count) of \(files.count) corpus files failed:\n" + failures.joined(separator: "\n"))
    }

    static func regularFiles(under directory: URL) throws -> [URL] {
        guard
            let walker = FileManager.default.enumerator(
                at: directory, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles])
        else { throw HarnessError("cannot list \(directory.path)") }
        var files: [URL] = []
        for case let url as URL in walker
        where (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true {
            files.append(url)
        }
        return files.sorted { $0.path < $1.path }
    }

    /// What is wrong with one replay, or nil.
    static func problem(with outcome: ProcessOutcome, replaying file: URL) -> String? {
        var problems: [String] = []
        if outcome.timedOut {
            problems.append("still running after \(Int(timeout)) s")
        } else if !outcome.exitedNormally {
            problems.append("killed by signal \(outcome.status)")
        } else if ![0, 1, 2].contains(outcome.status) {
            problems.append("exit status \(outcome.status) (expected 0, 1 or 2)")
        } else if outcome.status == 2 {
            // The file must be named, with a reason beside the name.
            let stderr = outcome.stderrText
            let said = stderr.trimmingCharacters(in: .whitespacesAndNewlines).prefix(300)
            let name = file.lastPathComponent
            let rest = stderr.replacingOccurrences(of: file.path, with: "")
                .replacingOccurrences(of: name, with: "").replacingOccurrences(of: "zonesep", with: "")
            if !stderr.contains(name) {
                problems.append("exit status 2 but stderr does not name the file: \(said)")
            } else if rest.unicodeScalars.filter({ CharacterSet.letters.contains($0) }).count < 4 {
                problems.append("exit status 2 but stderr gives no reason: \(said)")
            }
        }
        if !outcome.timedOut && outcome.exitedNormally {
            let last = outcome.stdoutLines.last
            if last.flatMap(JSONLines.object)?["event_type"] as? String != "summary" {
                let shown = last.map { String($0.prefix(200)) } ?? "(no output)"
                problems.append("last stdout line is not a summary record: \(shown)")
            }
        }
        return problems.isEmpty ? nil : "\(file.lastPathComponent): " + problems.joined(separator: "; ")
    }
}
