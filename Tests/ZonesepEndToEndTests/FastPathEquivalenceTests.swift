import Foundation
import XCTest

/// The buffered reader is an optimisation, never a change of meaning: a replay must print the same bytes
/// (alerts, summary, file results and errors), the same diagnostics and exit with the same status whether
/// the files go through it (`--reader auto`, the default) or through libpcap alone.
final class FastPathEquivalenceTests: XCTestCase {
    static let timeout: TimeInterval = 120

    func replayBothWays(_ inputs: [String], config: String, file: StaticString = #filePath, line: UInt = #line)
        throws
    {
        let zonesep = try Harness.zonesep()
        for output in ["json", "text"] {
            let args = ["replay", "--config", config, "--output", output]
            let fast = try Harness.run(zonesep, args + ["--reader", "auto"] + inputs, timeout: Self.timeout)
            let plain = try Harness.run(zonesep, args + ["--reader", "libpcap"] + inputs, timeout: Self.timeout)
            XCTAssertFalse(fast.timedOut || plain.timedOut, "replay timed out", file: file, line: line)
            XCTAssertTrue(fast.exitedNormally, fast.brief, file: file, line: line)
            XCTAssertEqual(fast.status, plain.status, "exit status", file: file, line: line)
            XCTAssertEqual(fast.stderrText, plain.stderrText, "diagnostics (\(output))", file: file, line: line)
            XCTAssertFalse(fast.stdout.isEmpty, "no output", file: file, line: line)
            if fast.stdout != plain.stdout {
                let a = fast.stdoutLines
                let b = plain.stdoutLines
                let i = (0..<min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
                XCTFail(
                    "\(output) output differs at line \(i + 1) of \(a.count) / \(b.count):\n"
                        + "auto:    \(i < a.count ? String(a[i].prefix(600)) : "(none)")\n"
                        + "libpcap: \(i < b.count ? String(b[i].prefix(600)) : "(none)")", file: file, line: line)
            }
        }
    }

    func testDemoCapturesReplayTheSameThroughEitherReader() throws {
        let root = try Harness.repositoryRoot()
        try replayBothWays(
            [root.appendingPathComponent("captures").path], config: root.appendingPathComponent("zones.conf").path)
    }

    func testCorpusReplaysTheSameThroughEitherReader() throws {
        let root = try Harness.repositoryRoot()
        let corpus = try Harness.corpusDirectory()
        // Every file in one replay (one flow table across all of them, as an audit of a directory does),
        // and then in a few groups so that a file's own summary, errors included, is compared too.
        let files = try FileManager.default.contentsOfDirectory(atPath: corpus.path).sorted()
            .map { corpus.appendingPathComponent($0).path }
        XCTAssertGreaterThan(files.count, 100)
        let config = root.appendingPathComponent("zones.conf").path
        try replayBothWays([corpus.path], config: config)
        let groups = 8
        for g in 0..<groups {
            let part = files.enumerated().filter { $0.offset % groups == g }.map(\.element)
            try replayBothWays(part, config: config)
        }
    }

    /// pcapng as Wireshark's tools write it (nanoseconds, two interfaces, a second interface libpcap
    /// refuses) and overlapping files merged (pcap with pcapng, Ethernet with raw IP): the same either way.
    func testPcapngVariantsAndMergedFilesReplayTheSameThroughEitherReader() throws {
        let root = try Harness.repositoryRoot()
        let config = root.appendingPathComponent("zones.conf").path
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fast-path-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        func out(_ name: String) -> String { dir.appendingPathComponent(name).path }
        let span = root.appendingPathComponent("captures/span-2330.pcap").path
        let (_, a, b, _) = try MergedReplayTests.splitDemo(into: dir)
        try MergedReplayTests.tool("editcap", ["-F", "nsecpcap", span, out("ns.pcap")])
        try MergedReplayTests.tool("editcap", ["-F", "pcapng", out("ns.pcap"), out("ns.pcapng")])
        try MergedReplayTests.tool("editcap", ["-F", "pcapng", "-t", "0.5", span, out("shifted.pcapng")])
        try MergedReplayTests.tool(
            "mergecap",
            ["-F", "pcapng", "-I", "none", "-w", out("two.pcapng"), out("ns.pcapng"), out("shifted.pcapng")])
        try MergedReplayTests.tool("editcap", ["-F", "pcapng", "-T", "rawip", "-C", "14", span, out("raw.pcapng")])
        try MergedReplayTests.tool(
            "mergecap", ["-F", "pcapng", "-I", "none", "-w", out("mixed.pcapng"), out("ns.pcapng"), out("raw.pcapng")])
        try replayBothWays([a, b], config: config)
        try replayBothWays([out("two.pcapng"), out("ns.pcapng")], config: config)
        try replayBothWays([out("raw.pcapng"), span], config: config)
        try replayBothWays([out("mixed.pcapng")], config: config)
    }
}
