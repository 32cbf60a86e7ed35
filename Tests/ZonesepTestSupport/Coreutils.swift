import Foundation

/// coreutils' own reading of a file, for tests that check what zonesep computed against a reader that is
/// not zonesep's.
public enum Coreutils {
    /// The SHA-256 (hex) `sha256sum FILE` gives for the file at `path`.
    public static func sha256sum(_ path: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        p.arguments = [path]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data.prefix(64), as: UTF8.self)
    }
}
