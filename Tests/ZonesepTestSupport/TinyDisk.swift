import Foundation
import XCTest

/// Shared by the test targets that need a full disk (capture, output, end to end).
///
/// A tmpfs of a few KiB mounted for one test: a real full disk (ENOSPC from the kernel, short writes at
/// the edge) without touching any other file system. Mounting needs root, which CI has; elsewhere the
/// test is skipped with a message saying so.
public final class TinyDisk {
    public let path: String
    private var mounted = false

    /// `inodes`: at most that many files and directories (the root included), for a disk whose inodes run
    /// out before its space.
    public init(kilobytes: Int = 64, inodes: Int? = nil) throws {
        guard geteuid() == 0 else {
            throw XCTSkip("mounting a tmpfs needs root (CI runs the suite as root); skipped")
        }
        path =
            FileManager.default.temporaryDirectory.appendingPathComponent("zonesep-tinydisk-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/mount")
        p.arguments = [
            "-t", "tmpfs", "-o", "size=\(kilobytes)k" + (inodes.map { ",nr_inodes=\($0)" } ?? ""), "tmpfs", path,
        ]
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw XCTSkip("mount -t tmpfs failed (status \(p.terminationStatus)): no tmpfs in this environment")
        }
        mounted = true
    }

    /// Fills every free byte with a file of its own; returns its path (remove it to give the space back).
    @discardableResult
    public func fill(name: String = "filler") -> String {
        let file = path + "/" + name
        let fd = open(file, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        guard fd >= 0 else { return file }
        defer { close(fd) }
        let block = [UInt8](repeating: 0x5a, count: 512)
        while block.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) > 0 {}
        var one: UInt8 = 0x5a
        while write(fd, &one, 1) == 1 {}
        return file
    }

    /// Gives the filler's space back.
    public func free(name: String = "filler") { unlink(path + "/" + name) }

    /// Gives `bytes` of the filler's space back (it shrinks by that much).
    public func free(bytes: Int, name: String = "filler") {
        var st = stat()
        guard stat(path + "/" + name, &st) == 0 else { return }
        truncate(path + "/" + name, max(0, st.st_size - off_t(bytes)))
    }

    deinit {
        guard mounted else { return }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/umount")
        p.arguments = ["-l", path]
        try? p.run()
        p.waitUntilExit()
        rmdir(path)
    }
}
