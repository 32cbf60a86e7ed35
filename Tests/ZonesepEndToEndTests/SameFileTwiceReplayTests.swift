import Foundation
import XCTest

/// The same capture reached twice — a symbolic link beside it in the directory (a rotation script's
/// `current.pcap`), or the directory and the file named both — was merged with itself packet by packet:
/// every packet, byte, matrix cell and declaration count doubled, without a word. It is read once, and the
/// other path is listed as skipped, naming the file read.
final class SameFileTwiceReplayTests: ScratchDirectoryTestCase {
    func replay(_ inputs: [String]) throws -> ProcessOutcome {
        try Harness.run(
            zonesep,
            ["replay", "--config", root.appendingPathComponent("zones.conf").path, "--output", "json"] + inputs,
            timeout: 120)
    }

    /// The summary without its `files`, which name the paths given.
    func summary(_ run: ProcessOutcome) throws -> (summary: NSDictionary, files: [[String: Any]]) {
        let (_, summary, problems) = JSONLines.replay(run)
        XCTAssertEqual(problems, [])
        var s = try XCTUnwrap(summary, run.brief)
        let files = try XCTUnwrap(s.removeValue(forKey: "files") as? [[String: Any]])
        return (s as NSDictionary, files)
    }

    func testALinkBesideItsFileAndAFileNamedTwiceAreReadOnce() throws {
        let dir = scratch.appendingPathComponent("span")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let file = dir.appendingPathComponent("span-0015.pcap").path
        try FileManager.default.copyItem(
            atPath: root.appendingPathComponent("captures/span-0015.pcap").path, toPath: file)
        let link = dir.appendingPathComponent("current.pcap").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "span-0015.pcap")

        let once = try replay([file])
        let (alone, aloneFiles) = try summary(once)
        let packets = try XCTUnwrap(JSONLines.int(alone["packets"]))
        XCTAssertEqual(aloneFiles.map { JSONLines.int($0["packets"]) }, [packets])
        XCTAssertGreaterThan(packets, 50)

        for inputs in [[dir.path], [dir.path, file]] {
            let run = try replay(inputs)
            XCTAssertEqual(run.status, once.status, run.brief)
            let (s, files) = try summary(run)
            XCTAssertEqual(s, alone, "\(inputs): every count as for the file read once")
            XCTAssertEqual(files.first?["path"] as? String, file, "the file, not the link, is read")
            XCTAssertEqual(files.first.flatMap { JSONLines.int($0["packets"]) }, packets)
            var skipped = [link + ": the same file as \(file), which is read"]
            if inputs.count == 2 { skipped.append(file + ": named more than once, read once") }
            XCTAssertEqual(
                files.dropFirst().map { "\($0["path"] as? String ?? "?"): \($0["skipped"] as? String ?? "?")" },
                skipped)
            XCTAssertTrue(files.dropFirst().allSatisfy { JSONLines.int($0["packets"]) == 0 }, "\(files)")
            XCTAssertTrue(
                run.stderrText.contains(
                    "\(skipped.count) input(s) are a file given already, or a copy of one, and were not read again "
                        + "(each is in the summary's files with the reason): \(link) (the same file as \(file), which is read)"
                ),
                run.stderrText)
        }
    }
}
