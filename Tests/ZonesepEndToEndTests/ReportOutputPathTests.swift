import Foundation
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// Where `zonesep report -o PATH` and `replay --report PATH` put the report when PATH is not a plain file: a
/// device or a pipe is written into (renamed over, `/dev/null` became a regular file for the whole machine),
/// and a symbolic link leads to the file it names, which is replaced while the link stays.
final class ReportOutputPathTests: ScratchDirectoryTestCase {
    /// The demonstration's run saved as JSON Lines, the input of `zonesep report`.
    var saved: URL!

    override func setUpWithError() throws {
        try super.setUpWithError()
        chmod(scratch.path, 0o755)
        let run = try Harness.run(
            zonesep, ["replay", "--config", "zones.conf", "--output", "json", "captures/"], timeout: 60, in: root)
        XCTAssertEqual(run.status, 1, run.brief)
        saved = scratch.appendingPathComponent("run.jsonl")
        try run.stdout.write(to: saved)
        chmod(saved.path, 0o644)
    }

    func report(to path: String, runAs: [String] = []) throws -> ProcessOutcome {
        let args = ["report", saved.path, "--config", root.appendingPathComponent("zones.conf").path, "-o", path]
        guard let first = runAs.first else { return try Harness.run(zonesep, args, timeout: 60) }
        return try Harness.run(
            URL(fileURLWithPath: first), Array(runAs.dropFirst()) + [zonesep.path] + args, timeout: 60)
    }

    func fileType(_ path: String) -> mode_t {
        var st = stat()
        return lstat(path, &st) == 0 ? st.st_mode & S_IFMT : 0
    }

    /// A null device (made here with mknod, as root) stays a device, and the run succeeds.
    func testADeviceStaysADevice() throws {
        let node = scratch.appendingPathComponent("null").path
        let nullDevice: dev_t = 1 << 8 | 3  // major 1, minor 3, as Linux encodes small numbers
        guard mknod(node, S_IFCHR | 0o666, nullDevice) == 0 else {
            throw XCTSkip("mknod of a null device refused here: \(String(cString: strerror(errno)))")
        }
        let out = try report(to: node)
        XCTAssertEqual(out.status, 0, out.brief)
        XCTAssertEqual(fileType(node), S_IFCHR, "still a character device")
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: scratch.path).sorted(), ["null", "run.jsonl"])
        let replay = try Harness.run(
            zonesep, ["replay", "--config", "zones.conf", "--report", node, "captures/"], timeout: 60, in: root)
        XCTAssertEqual(replay.status, 1, replay.brief)
        XCTAssertEqual(fileType(node), S_IFCHR, "still a character device after replay --report")
    }

    /// `-o /dev/null` by a user who cannot write to /dev: the device is writable, so the report goes there
    /// (it was refused: "directory /dev is not writable").
    func testAnUnprivilegedUserMayWriteToDevNull() throws {
        guard geteuid() == 0 else { return try check(runAs: []) }
        guard
            let setpriv = ["/usr/bin/setpriv", "/bin/setpriv"].first(where: {
                FileManager.default.isExecutableFile(atPath: $0)
            })
        else { throw XCTSkip("setpriv (util-linux) is not installed") }
        let runAs = [setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
        let probe = try Harness.run(
            URL(fileURLWithPath: setpriv), Array(runAs.dropFirst()) + [zonesep.path, "--version"], timeout: 20)
        guard probe.status == 0 else { throw XCTSkip("user nobody cannot run \(zonesep.path): \(probe.brief)") }
        try check(runAs: runAs)
    }

    private func check(runAs: [String]) throws {
        XCTAssertEqual(fileType("/dev/null"), S_IFCHR)
        let out = try report(to: "/dev/null", runAs: runAs)
        XCTAssertEqual(out.status, 0, out.brief)
        XCTAssertEqual(fileType("/dev/null"), S_IFCHR, "/dev/null is still the device")
    }

    /// `-o /dev/stdout >> log.html`: the report is appended to the file the shell opened.
    func testStandardOutputRedirectedToAFileIsAppendedTo() throws {
        let log = scratch.appendingPathComponent("log.html").path
        try "earlier\n".write(toFile: log, atomically: false, encoding: .utf8)
        let out = try Harness.run(
            URL(fileURLWithPath: "/bin/sh"),
            [
                "-c", "\"$0\" report \"$1\" --config \"$2\" -o /dev/stdout >> \"$3\"", zonesep.path, saved.path,
                root.appendingPathComponent("zones.conf").path, log,
            ], timeout: 60)
        XCTAssertEqual(out.status, 0, out.brief)
        let text = try String(contentsOfFile: log, encoding: .utf8)
        XCTAssertTrue(text.hasPrefix("earlier\n<!DOCTYPE html>"), String(text.prefix(80)))
    }

    /// A link to a report replaces the report it names; the link stays a link.
    func testASymbolicLinkLeadsToTheFileItNames() throws {
        let real = scratch.appendingPathComponent("real.html").path
        let link = scratch.appendingPathComponent("latest.html").path
        try "old".write(toFile: real, atomically: false, encoding: .utf8)
        XCTAssertEqual(symlink("real.html", link), 0)
        let out = try report(to: link)
        XCTAssertEqual(out.status, 0, out.brief)
        XCTAssertEqual(fileType(link), S_IFLNK, "the link stays")
        let text = try String(contentsOfFile: real, encoding: .utf8)
        XCTAssertTrue(text.hasPrefix("<!DOCTYPE html>"), String(text.prefix(80)))
    }
}
