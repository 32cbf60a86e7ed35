import Foundation
import XCTest

/// A Debian tool the metrics tests check against (promtool from `prometheus`, curl), run to its end.
enum ExternalTool {
    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func find(_ name: String, package: String) throws -> URL {
        for dir in ["/usr/bin", "/usr/local/bin", "/bin"]
        where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") {
            return URL(fileURLWithPath: "\(dir)/\(name)")
        }
        throw XCTSkip("\(name) is not installed: apt-get install \(package) (scripts/test installs it)")
    }

    /// Runs `tool` with `input` on stdin; output goes through files so a large answer never blocks a pipe.
    static func run(_ tool: URL, _ arguments: [String], input: String = "") throws -> Outcome {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zonesep-tool-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let files = ["in", "out", "err"].map { dir.appendingPathComponent($0) }
        try input.write(to: files[0], atomically: true, encoding: .utf8)
        for f in files.dropFirst() { _ = FileManager.default.createFile(atPath: f.path, contents: nil) }
        let p = Process()
        p.executableURL = tool
        p.arguments = arguments
        p.standardInput = try FileHandle(forReadingFrom: files[0])
        p.standardOutput = try FileHandle(forWritingTo: files[1])
        p.standardError = try FileHandle(forWritingTo: files[2])
        try p.run()
        p.waitUntilExit()
        return Outcome(
            status: p.terminationStatus, stdout: try String(contentsOf: files[1], encoding: .utf8),
            stderr: try String(contentsOf: files[2], encoding: .utf8))
    }
}
