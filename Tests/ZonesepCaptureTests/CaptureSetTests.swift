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
        let (files, problems) = CaptureSet.expand([root + "/caps", root + "/named.bin"])
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

    /// A link back up the tree is not followed (the walk ends, each file once); a link to a capture file is
    /// taken like the file.
    func testLinksToDirectoriesAreNotFollowedAndLinksToFilesAreTaken() throws {
        let fm = FileManager.default
        try fm.createSymbolicLink(atPath: root + "/caps/b/up", withDestinationPath: "..")
        try fm.createSymbolicLink(atPath: root + "/caps/link.pcap", withDestinationPath: "z.pcap")
        let (files, problems) = CaptureSet.expand([root + "/caps"])
        XCTAssertEqual(
            files,
            [
                root + "/caps/a/deeper/one.cap", root + "/caps/a/x.dmp", root + "/caps/b/two.PCAPNG",
                root + "/caps/b/y.ntar", root + "/caps/link.pcap", root + "/caps/z.pcap",
            ])
        XCTAssertTrue(problems.isEmpty, "\(problems)")
    }

    /// A directory of the tree that cannot be opened is a problem naming it and the system's reason (as root,
    /// as the tests run, no permission stops `opendir`: a directory removed under the walk stands in).
    func testADirectoryThatCannotBeOpenedIsNamedWithItsReason() {
        var found: [String] = []
        var problems: [CaptureSet.Problem] = []
        CaptureSet.walk(root + "/gone", into: &found, problems: &problems)
        CaptureSet.walk(root + "/caps/b", into: &found, problems: &problems)
        XCTAssertEqual(
            problems.map(\.description), [root + "/gone: directory cannot be read: No such file or directory"])
        XCTAssertEqual(found.sorted(), [root + "/caps/b/two.PCAPNG", root + "/caps/b/y.ntar"])
    }

    func testWhatCannotBeUsedIsSaid() {
        let (files, problems) = CaptureSet.expand([root + "/missing.pcap", root + "/empty", root + "/other"])
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
        let (files, problems) = CaptureSet.expand([root + "/fifo.pcap", "/dev/zero", root + "/caps/b"])
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
}
