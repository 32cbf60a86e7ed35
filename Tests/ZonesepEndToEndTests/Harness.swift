import Foundation
import XCTest

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// What a child process left behind once it ended (or was ended).
struct ProcessOutcome: Sendable {
    /// The exit status, or the signal number when `exitedNormally` is false.
    var status: Int32
    /// Ended by `exit`, as opposed to by a signal.
    var exitedNormally: Bool
    /// Still running at the deadline, and killed.
    var timedOut: Bool
    var stdout: Data
    var stderr: Data

    var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    var stderrText: String { String(decoding: stderr, as: UTF8.self) }
    var stdoutLines: [Substring] { stdoutText.split(separator: "\n", omittingEmptySubsequences: true) }

    /// One line for failure messages.
    var brief: String {
        let how =
            timedOut ? "timed out" : exitedNormally ? "exit status \(status)" : "killed by signal \(status)"
        let err = stderrText.trimmingCharacters(in: .whitespacesAndNewlines)
        return err.isEmpty ? how : "\(how); stderr: \(err.prefix(400))"
    }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Finding the repository, the `zonesep` binary and tcpdump, and running them.
enum Harness {
    /// The directory holding Package.swift, found by walking up from the calling source file.
    static func repositoryRoot(from filePath: String = #filePath) throws -> URL {
        var dir = URL(fileURLWithPath: filePath).deletingLastPathComponent()
        while dir.path != "/" && !dir.path.isEmpty {
            if FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) {
                return dir
            }
            dir.deleteLastPathComponent()
        }
        throw HarnessError("no Package.swift above \(filePath)")
    }

    /// The capture corpus the repository carries (Tests/Corpus/tcpdump: tcpdump's own test captures), or an
    /// error naming the path when it is missing, so that a test fails saying why rather than passing on nothing.
    static func corpusDirectory(from filePath: String = #filePath) throws -> URL {
        let corpus = try repositoryRoot(from: filePath).appendingPathComponent("Tests/Corpus/tcpdump")
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: corpus.path, isDirectory: &isDirectory), isDirectory.boolValue
        else { throw HarnessError("the capture corpus is missing: expected the directory \(corpus.path)") }
        return corpus
    }

    /// Where SwiftPM put the products of this build (e.g. .build/debug). On Linux the test runner is an
    /// executable in that directory, so it is `Bundle.main`'s directory; on macOS it is the .xctest bundle's parent.
    static var productsDirectory: URL {
        #if os(macOS)
            for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
                return bundle.bundleURL.deletingLastPathComponent()
            }
            return Bundle.main.bundleURL.deletingLastPathComponent()
        #else
            return Bundle.main.bundleURL
        #endif
    }

    /// The `zonesep` executable built with the tests (`ZONESEP_BIN` overrides, e.g. to test an installed one).
    static func zonesep() throws -> URL {
        if let path = ProcessInfo.processInfo.environment["ZONESEP_BIN"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        let url = productsDirectory.appendingPathComponent("zonesep")
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw HarnessError(
                "no zonesep executable at \(url.path): `swift test` builds it (this test target depends on it)")
        }
        return url
    }

    /// tcpdump, which the matrix test uses as its reference; CI installs it.
    static func tcpdump() throws -> URL {
        var candidates = ["/usr/bin/tcpdump", "/usr/sbin/tcpdump", "/usr/local/bin/tcpdump", "/usr/local/sbin/tcpdump"]
        if let path = ProcessInfo.processInfo.environment["PATH"] {
            candidates += path.split(separator: ":").map { "\($0)/tcpdump" }
        }
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate) {
            return URL(fileURLWithPath: candidate)
        }
        throw HarnessError(
            "tcpdump is not installed (looked in \(candidates.joined(separator: ", "))): "
                + "the zone-matrix test counts packets with it; install it (apt-get install tcpdump)")
    }

    /// The files of a directory named *.pcap, *.pcapng or *.cap, by name (`zonesep replay DIR` takes these and
    /// any other file whose first bytes are a capture's).
    static func captureFiles(in directory: URL) throws -> [URL] {
        try FileManager.default.contentsOfDirectory(
            at: directory.resolvingSymlinksInPath(), includingPropertiesForKeys: nil
        )
        .filter { ["pcap", "pcapng", "cap"].contains($0.pathExtension.lowercased()) }
        .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    /// Runs `executable` with `arguments`, stdin from /dev/null, stdout and stderr captured. A process still
    /// running after `timeout` seconds gets SIGTERM, then SIGKILL 5 s later, and the outcome says `timedOut`.
    ///
    /// Output goes to temporary files rather than pipes, so a chatty child can never block on a full pipe.
    static func run(_ executable: URL, _ arguments: [String], timeout: TimeInterval, in directory: URL? = nil)
        throws -> ProcessOutcome
    {
        let fm = FileManager.default
        let scratch = fm.temporaryDirectory.appendingPathComponent("zonesep-e2e-\(UUID().uuidString)")
        try fm.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: scratch) }
        let outURL = scratch.appendingPathComponent("stdout")
        let errURL = scratch.appendingPathComponent("stderr")
        guard fm.createFile(atPath: outURL.path, contents: nil), fm.createFile(atPath: errURL.path, contents: nil)
        else { throw HarnessError("cannot create output files in \(scratch.path)") }
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        defer {
            try? out.close()
            try? err.close()
        }

        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        try process.run()

        var timedOut = false
        if finished.wait(timeout: .now() + timeout) == .timedOut {
            timedOut = true
            process.terminate()
            if finished.wait(timeout: .now() + 5) == .timedOut {
                kill(process.processIdentifier, SIGKILL)
                finished.wait()
            }
        }
        return ProcessOutcome(
            status: process.terminationStatus, exitedNormally: process.terminationReason == .exit,
            timedOut: timedOut, stdout: try Data(contentsOf: outURL), stderr: try Data(contentsOf: errURL))
    }
}

/// Reading zonesep's JSON Lines.
enum JSONLines {
    static func object(_ line: Substring) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
    }

    static func int(_ value: Any?) -> Int? {
        switch value {
        case let i as Int: return i
        case let n as NSNumber: return n.intValue
        default: return nil
        }
    }

    static func isNull(_ value: Any?) -> Bool { value is NSNull }

    /// A replay's stdout, split into alert records and the final summary; `problems` lists every line that is
    /// not what the contract says (not JSON, an unknown event_type, a summary before the end, no summary).
    static func replay(_ outcome: ProcessOutcome) -> (
        alerts: [(line: Substring, object: [String: Any])],
        summary: [String: Any]?, problems: [String]
    ) {
        var alerts: [(line: Substring, object: [String: Any])] = []
        var summary: [String: Any]?
        var problems: [String] = []
        let lines = outcome.stdoutLines
        for (i, line) in lines.enumerated() {
            guard let object = object(line) else {
                problems.append("line \(i + 1) is not a JSON object: \(line.prefix(200))")
                continue
            }
            switch object["event_type"] as? String {
            case "alert":
                if summary != nil { problems.append("line \(i + 1): an alert after the summary") }
                alerts.append((line, object))
            case "summary":
                if i != lines.count - 1 { problems.append("line \(i + 1): a summary that is not the last line") }
                summary = object
            default:
                problems.append("line \(i + 1): event_type is not alert or summary: \(line.prefix(200))")
            }
        }
        if summary == nil { problems.append("no summary record as the last stdout line") }
        return (alerts, summary, problems)
    }
}

/// The zone ids and networks declared in a zones.conf: just enough TOML for the file this repository ships
/// (`[zones.ID]` tables with a `networks = [...]` array of strings, on one line or several).
enum ZonesConf {
    struct Zone {
        var id: String
        var networks: [String]
    }

    static func zones(in file: URL) throws -> [Zone] {
        let text = try String(contentsOf: file, encoding: .utf8)
        var zones: [Zone] = []
        var current: Int?
        var pending: String?  // a networks array not yet closed
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = stripComment(raw).trimmingCharacters(in: .whitespaces)
            if let open = pending {
                pending = open + " " + line
            } else if line.hasPrefix("[") {
                current = nil
                if !line.hasPrefix("[["), line.hasPrefix("[zones."), line.hasSuffix("]") {
                    let id = line.dropFirst("[zones.".count).dropLast()
                    zones.append(Zone(id: id.trimmingCharacters(in: CharacterSet(charactersIn: "\" ")), networks: []))
                    current = zones.count - 1
                }
                continue
            } else if current != nil, line.hasPrefix("networks"), let eq = line.firstIndex(of: "=") {
                pending = String(line[line.index(after: eq)...])
            } else {
                continue
            }
            if let value = pending, value.contains("]") {
                if let current { zones[current].networks = quotedStrings(value) }
                pending = nil
            }
        }
        return zones
    }

    private static func stripComment(_ line: Substring) -> String {
        var inString = false
        var out = ""
        for c in line {
            if c == "\"" { inString.toggle() }
            if c == "#" && !inString { break }
            out.append(c)
        }
        return out
    }

    private static func quotedStrings(_ text: String) -> [String] {
        text.split(separator: "\"", omittingEmptySubsequences: false).enumerated()
            .filter { $0.offset % 2 == 1 }.map { String($0.element) }
    }
}

/// Counting the records of a classic pcap file (what `tcpdump -w -` writes).
enum PcapCount {
    /// Packets, and the sum of their original (wire) lengths: pcap's `len`, not the captured `caplen`.
    static func count(_ data: Data) throws -> (packets: Int, bytes: Int) {
        let b = [UInt8](data)
        guard b.count >= 24 else { throw HarnessError("pcap output shorter than its file header (\(b.count) bytes)") }
        let magicLE = UInt32(b[0]) | UInt32(b[1]) << 8 | UInt32(b[2]) << 16 | UInt32(b[3]) << 24
        let little: Bool
        switch magicLE {
        case 0xa1b2_c3d4, 0xa1b2_3c4d: little = true
        case 0xd4c3_b2a1, 0x4d3c_b2a1: little = false
        default: throw HarnessError("not a pcap file (magic \(String(magicLE, radix: 16)))")
        }
        func u32(_ at: Int) -> Int {
            let v =
                little
                ? UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24
                : UInt32(b[at + 3]) | UInt32(b[at + 2]) << 8 | UInt32(b[at + 1]) << 16 | UInt32(b[at]) << 24
            return Int(v)
        }
        var offset = 24
        var packets = 0
        var bytes = 0
        while offset < b.count {
            guard offset + 16 <= b.count else { throw HarnessError("truncated pcap record header at \(offset)") }
            let caplen = u32(offset + 8)
            let len = u32(offset + 12)
            offset += 16 + caplen
            guard offset <= b.count else { throw HarnessError("truncated pcap record at \(offset - caplen)") }
            packets += 1
            bytes += len
        }
        return (packets, bytes)
    }
}
