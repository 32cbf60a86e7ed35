import FoundationEssentials
import ZonesepCore

/// The capture files named on a command line, expanded and put in replay order.
public enum CaptureSet {
    /// File name endings taken from a directory (a file named explicitly is read whatever its name).
    public static let captureExtensions: Set<String> = ["pcap", "pcapng", "cap", "dmp", "ntar"]

    /// An argument that could not be used, with the reason.
    public struct Problem: Sendable, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "\(path): \(reason)" }
    }

    /// Expands directories (recursively, capture files only, sorted by path) and keeps files as given.
    public static func expand(_ arguments: [String]) -> (files: [String], problems: [Problem]) {
        var files: [String] = []
        var problems: [Problem] = []
        let fm = FileManager.default
        for arg in arguments {
            var isDir = false
            guard fm.fileExists(atPath: arg, isDirectory: &isDir) else {
                problems.append(Problem(path: arg, reason: "no such file or directory"))
                continue
            }
            if !isDir {
                files.append(arg)
                continue
            }
            guard let walked = try? fm.subpathsOfDirectory(atPath: arg) else {
                problems.append(Problem(path: arg, reason: "directory cannot be read"))
                continue
            }
            var found: [String] = []
            for rel in walked where captureExtensions.contains(PathText.pathExtension(rel).lowercased()) {
                found.append(PathText.appending(rel, to: arg))
            }
            if found.isEmpty { problems.append(Problem(path: arg, reason: "directory holds no capture files")) }
            files += found.sorted()
        }
        return (files, problems)
    }

    /// A file with the time of its first packet (nil when it has none or cannot be opened).
    public struct Entry: Sendable {
        public var path: String
        public var firstPacketMicros: Int64?
    }

    /// Orders files by the time of their first packet (ties and empty or unreadable files by path), so the
    /// flow table sees one timeline across files that were rotated by time.
    public static func inTimeOrder(_ files: [String]) -> [Entry] {
        let entries = files.map { path -> Entry in
            guard let f = try? PcapFile(path: path), case .frame(let frame) = f.next() else {
                return Entry(path: path, firstPacketMicros: nil)
            }
            return Entry(path: path, firstPacketMicros: frame.timestampMicros)
        }
        return entries.enumerated().sorted { l, r in
            switch (l.element.firstPacketMicros, r.element.firstPacketMicros) {
            case let (a?, b?) where a != b: return a < b
            case (nil, _?): return false
            case (_?, nil): return true
            default: return l.offset < r.offset
            }
        }.map(\.element)
    }
}
