import Foundation
import XCTest

@testable import ZonesepCapture

/// Expanding the command line's capture arguments: directories walked recursively for capture files only,
/// sorted by path; files named explicitly kept whatever their name; what cannot be used said.
final class CaptureSetTests: XCTestCase {
    private var root: String = ""

    override func setUpWithError() throws {
        root = NSTemporaryDirectory() + "captureset-\(UUID().uuidString)"
        let fm = FileManager.default
        for dir in ["caps/b", "caps/a/deeper", "empty", "other"] {
            try fm.createDirectory(atPath: root + "/" + dir, withIntermediateDirectories: true)
        }
        for file in [
            "caps/z.pcap", "caps/b/two.PCAPNG", "caps/a/deeper/one.cap", "caps/a/notes.txt", "caps/a/.pcap",
            "caps/a/x.dmp", "caps/b/y.ntar", "other/readme.md", "named.bin",
        ] {
            XCTAssertTrue(fm.createFile(atPath: root + "/" + file, contents: Data()))
        }
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: root)
    }

    func testDirectoriesGiveTheirCaptureFilesSortedAndFilesStayAsNamed() {
        let (files, problems, _) = CaptureSet.expand([root + "/caps", root + "/named.bin"])
        XCTAssertEqual(
            files,
            [
                root + "/caps/a/deeper/one.cap", root + "/caps/a/x.dmp", root + "/caps/b/two.PCAPNG",
                root + "/caps/b/y.ntar", root + "/caps/z.pcap", root + "/named.bin",
            ])
        XCTAssertTrue(problems.isEmpty, "\(problems)")
        // A trailing slash does not double the separator.
        XCTAssertEqual(
            CaptureSet.expand([root + "/caps/b/"]).files, [root + "/caps/b/two.PCAPNG", root + "/caps/b/y.ntar"])
    }

    /// A link back up the tree is not followed again (the walk ends, each file once); a link to a capture
    /// file is taken like the file.
    func testLinksUpTheTreeAreNotFollowedAgainAndLinksToFilesAreTaken() throws {
        let fm = FileManager.default
        try fm.createSymbolicLink(atPath: root + "/caps/b/up", withDestinationPath: "..")
        try fm.createSymbolicLink(atPath: root + "/caps/link.pcap", withDestinationPath: "z.pcap")
        let (files, problems, _) = CaptureSet.expand([root + "/caps"])
        XCTAssertEqual(
            files,
            [
                root + "/caps/a/deeper/one.cap", root + "/caps/a/x.dmp", root + "/caps/b/two.PCAPNG",
                root + "/caps/b/y.ntar", root + "/caps/link.pcap", root + "/caps/z.pcap",
            ])
        XCTAssertTrue(problems.isEmpty, "\(problems)")
    }

    /// A link to a directory is followed (an archive's day linked in: REVIEW-107 F1; it was left unread),
    /// each directory read once: a link back up the tree, or to a directory read already, is listed as
    /// skipped with the reason, and so is a pipe not named like a capture.
    func testLinksToDirectoriesAreReadOnceAndPipesAreListedAsSkipped() throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: root + "/day", withIntermediateDirectories: true)
        XCTAssertTrue(fm.createFile(atPath: root + "/day/late.pcap", contents: Data()))
        try fm.createSymbolicLink(atPath: root + "/caps/b/up", withDestinationPath: "..")
        try fm.createSymbolicLink(atPath: root + "/caps/2026-06-15", withDestinationPath: root + "/day")
        try fm.createSymbolicLink(atPath: root + "/caps/again", withDestinationPath: "a")
        XCTAssertEqual(mkfifo(root + "/caps/a/fifo", 0o600), 0)
        let (files, problems, skipped) = CaptureSet.expand([root + "/caps"])
        XCTAssertTrue(problems.isEmpty, "\(problems)")
        XCTAssertEqual(
            files,
            [
                root + "/caps/2026-06-15/late.pcap", root + "/caps/a/deeper/one.cap", root + "/caps/a/x.dmp",
                root + "/caps/b/two.PCAPNG", root + "/caps/b/y.ntar", root + "/caps/z.pcap",
            ])
        let reasons = Dictionary(uniqueKeysWithValues: skipped.map { ($0.path, $0.reason) })
        let again = "a symbolic link to a directory read already (up the tree, or through another path)"
        XCTAssertEqual(reasons[root + "/caps/b/up"], again, "\(skipped)")
        XCTAssertEqual(reasons[root + "/caps/again"], again, "\(skipped)")
        XCTAssertEqual(reasons[root + "/caps/a/fifo"], "a pipe, not a capture file", "\(skipped)")
    }

    /// A directory of the tree that cannot be opened is a problem naming it and the system's reason (as root,
    /// as the tests run, no permission stops `opendir`: a directory removed under the walk stands in).
    func testADirectoryThatCannotBeOpenedIsNamedWithItsReason() {
        var found: [String] = []
        var problems: [CaptureSet.Problem] = []
        var skipped: [CaptureSet.Problem] = []
        CaptureSet.walk(root + "/gone", into: &found, problems: &problems, skipped: &skipped)
        CaptureSet.walk(root + "/caps/b", into: &found, problems: &problems, skipped: &skipped)
        XCTAssertEqual(
            problems.map(\.description), [root + "/gone: directory cannot be read: No such file or directory"])
        XCTAssertEqual(found.sorted(), [root + "/caps/b/two.PCAPNG", root + "/caps/b/y.ntar"])
    }

    func testWhatCannotBeUsedIsSaid() {
        let (files, problems, _) = CaptureSet.expand([root + "/missing.pcap", root + "/empty", root + "/other"])
        XCTAssertEqual(files, [])
        XCTAssertEqual(
            problems.map(\.description),
            [
                root + "/missing.pcap: no such file or directory", root + "/empty: directory holds no capture files",
                root + "/other: directory holds no capture files",
            ])
    }

    /// A pipe (named, or `/dev/stdin` on one) or a device is refused by name with the reason, not read: a
    /// capture is read more than once. A pipe named like a capture in a directory likewise.
    func testPipesAndDevicesAreRefusedByName() {
        XCTAssertEqual(mkfifo(root + "/fifo.pcap", 0o600), 0)
        XCTAssertEqual(mkfifo(root + "/caps/b/fifo.pcapng", 0o600), 0)
        let (files, problems, _) = CaptureSet.expand([root + "/fifo.pcap", "/dev/zero", root + "/caps/b"])
        XCTAssertEqual(files, [root + "/caps/b/two.PCAPNG", root + "/caps/b/y.ntar"])
        let why =
            "not a file: zonesep reads a capture more than once (to order the files by their first packet, then to "
            + "replay them); save it to a file and give that"
        XCTAssertEqual(
            problems.map(\.description),
            [
                root + "/fifo.pcap: is a pipe, " + why, "/dev/zero: is a character device, " + why,
                root + "/caps/b/fifo.pcapng: is a pipe, " + why,
            ])
    }

    /// tcpdump `-C` names its files `capture.pcap`, `capture.pcap1`, … (with `-W`, `capture.pcap0`, …): a
    /// file of a directory is taken by its first bytes (any pcap or pcapng magic, either byte order), not
    /// only by its name. A compressed file is a problem (a capture not read); any other file is skipped with
    /// its reason, never passed over without a word.
    func testFilesAreTakenByTheirFirstBytesAndTheRestAreNamed() throws {
        let dir = root + "/rotated"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let contents: [(String, [UInt8])] = [
            ("capture.pcap", [0xd4, 0xc3, 0xb2, 0xa1, 2, 0]),
            ("capture.pcap1", [0xa1, 0xb2, 0xc3, 0xd4, 0, 2]),
            ("capture.pcap0", [0x4d, 0x3c, 0xb2, 0xa1, 2, 0]),
            ("dump.pcapng.3", [0x0a, 0x0d, 0x0d, 0x0a, 0x1c, 0]),
            ("old.pcap.gz", [0x1f, 0x8b, 8, 0, 0, 0]),
            ("old.pcapng.zst", [0x28, 0xb5, 0x2f, 0xfd, 0, 0]),
            ("notes.txt", Array("hello, world".utf8)),
            ("tiny", [0xd4]),
        ]
        for (name, bytes) in contents {
            XCTAssertTrue(FileManager.default.createFile(atPath: dir + "/" + name, contents: Data(bytes)))
        }
        let (files, problems, skipped) = CaptureSet.expand([dir])
        XCTAssertEqual(
            files, ["capture.pcap", "capture.pcap0", "capture.pcap1", "dump.pcapng.3"].map { dir + "/" + $0 })
        XCTAssertEqual(
            problems.map(\.description).sorted(),
            [
                dir + "/old.pcap.gz: compressed (gzip): decompress it first; zonesep reads pcap and pcapng files",
                dir + "/old.pcapng.zst: compressed (zstd): decompress it first; zonesep reads pcap and pcapng files",
            ])
        XCTAssertEqual(
            skipped.map(\.description),
            [
                dir + "/notes.txt: not a capture file (no pcap or pcapng header)",
                dir + "/tiny: not a capture file (shorter than a capture file header)",
            ])
    }

    /// A file reached twice (a link beside its target, a hard link, a path named twice, a directory and a file
    /// in it) is read once: the first path that is no symbolic link, the others named as duplicates of it;
    /// a path whose file cannot be found is kept for its reader to name.
    func testAFileReachedTwiceIsReadOnce() throws {
        let fm = FileManager.default
        let caps = root + "/caps"
        try fm.createSymbolicLink(atPath: caps + "/current.pcap", withDestinationPath: "z.pcap")
        try fm.linkItem(atPath: caps + "/b/y.ntar", toPath: caps + "/b/y-hard.ntar")
        let (expanded, problems, _) = CaptureSet.expand([caps, caps + "/z.pcap", root + "/named.bin"])
        XCTAssertTrue(problems.isEmpty, "\(problems)")
        let given = expanded + [root + "/gone.pcap", root + "/named.bin"]
        let (files, duplicates) = CaptureSet.readOnce(given)
        XCTAssertEqual(
            files,
            [
                caps + "/a/deeper/one.cap", caps + "/a/x.dmp", caps + "/b/two.PCAPNG", caps + "/b/y-hard.ntar",
                caps + "/z.pcap", root + "/named.bin", root + "/gone.pcap",
            ])
        XCTAssertEqual(
            duplicates.map(\.description),
            [
                caps + "/b/y.ntar: the same file as \(caps)/b/y-hard.ntar, which is read",
                caps + "/current.pcap: the same file as \(caps)/z.pcap, which is read",
                caps + "/z.pcap: named more than once, read once",
                root + "/named.bin: named more than once, read once",
            ])
        // Files that are not the same stay, in their order.
        XCTAssertEqual(CaptureSet.readOnce(files).files, files)
        XCTAssertEqual(CaptureSet.readOnce(files).duplicates.count, 0)
    }

    /// A copy of a capture (the same bytes under another name and inode) is read once too: read twice, it
    /// doubled every count without a word (REVIEW-145 F5). Files of the same size but other bytes, even with
    /// the same first 64 KiB, are both read.
    func testACopyOfACaptureIsReadOnce() throws {
        let dir = root + "/copies"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let head = [UInt8](repeating: 7, count: CaptureCopies.headBytes)
        let capture = Data([0xd4, 0xc3, 0xb2, 0xa1] + head + [1, 2, 3])
        try capture.write(to: URL(fileURLWithPath: dir + "/a.pcap"))
        try capture.write(to: URL(fileURLWithPath: dir + "/copy-of-a.pcap"))
        try Data([0xd4, 0xc3, 0xb2, 0xa1] + head + [1, 2, 4]).write(to: URL(fileURLWithPath: dir + "/b.pcap"))
        try Data([0xd4, 0xc3, 0xb2, 0xa1] + head + [1, 2, 3, 4]).write(to: URL(fileURLWithPath: dir + "/c.pcap"))
        let given = [dir + "/a.pcap", dir + "/b.pcap", dir + "/c.pcap", dir + "/copy-of-a.pcap"]
        let (files, duplicates) = CaptureSet.readOnce(given)
        XCTAssertEqual(files, [dir + "/a.pcap", dir + "/b.pcap", dir + "/c.pcap"])
        XCTAssertEqual(
            duplicates.map(\.description), [dir + "/copy-of-a.pcap: the same bytes as \(dir)/a.pcap, which is read"])
    }

    /// The run's own outputs met in a directory given (its evidence directory, however spelled, and its
    /// alerts file) are left out and listed as skipped with their role: a replay with `--evidence caps/ev`
    /// read the evidence of the run before back as captures.
    func testTheRunsOwnOutputsAreLeftOutOfTheWalk() throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: root + "/caps/ev", withIntermediateDirectories: true)
        XCTAssertTrue(fm.createFile(atPath: root + "/caps/ev/20260615T001500.000000Z_r_x.pcap", contents: Data()))
        XCTAssertTrue(fm.createFile(atPath: root + "/caps/a.jsonl", contents: Data("{}\n".utf8)))
        let own = [
            CaptureSet.OwnOutput(path: root + "/caps/b/../ev/", role: "--evidence directory"),
            CaptureSet.OwnOutput(path: root + "/caps/a.jsonl", role: "--alerts file"),
            CaptureSet.OwnOutput(path: root + "/caps/report.html", role: "--report file"),  // not there yet
        ]
        let (files, problems, skipped) = CaptureSet.expand([root + "/caps"], leavingOut: own)
        XCTAssertEqual(
            files,
            [
                root + "/caps/a/deeper/one.cap", root + "/caps/a/x.dmp", root + "/caps/b/two.PCAPNG",
                root + "/caps/b/y.ntar", root + "/caps/z.pcap",
            ])
        XCTAssertTrue(problems.isEmpty, "\(problems)")
        XCTAssertEqual(
            skipped.filter(\.isOwnOutput).map(\.description),
            [
                root + "/caps/a.jsonl: this run's own --alerts file, not read as a capture",
                root + "/caps/ev: this run's own --evidence directory, not read as a capture",
            ])
    }
}
