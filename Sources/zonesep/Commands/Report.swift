import ArgumentParser
import Foundation
import ZonesepCapture
import ZonesepCore
import ZonesepCrypto
import ZonesepOutput
import ZonesepRuntime
import ZonesepSavedRun

extension Zonesep {
    /// `zonesep report`: the audit report of a run saved as JSON Lines, the same document `replay --report`
    /// writes, for a run made earlier or elsewhere.
    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the audit report of a saved run (the JSON Lines of `replay --output json`).",
            discussion: """
                Give the zones.conf the run was made with: the report shows its zone map and digest. \
                The report is the same, byte for byte, as `replay --report` writes for that run. \
                Exit status: 0 report written, 2 usage, configuration or input error.
                """)

        @OptionGroup var configOptions: ConfigOptions

        @Argument(help: "The saved run: alert records and the closing summary record (- for standard input).")
        var savedRun: String

        @Option(name: [.short, .long], help: "Where to write the report (- for standard output).")
        var output: String = "-"

        @Option(name: .long, help: "html: the whole report; md or csv: its tables alone.")
        var reportFormat: ReportFormat = .html

        func validate() throws {
            if output != "-" { try ReportFile.checkWritable(output) }
        }

        func run() throws {
            guard let config = PolicyLoading.load(configOptions.config, now: nil) else {
                throw ExitCode(ExitStatus.usage)
            }
            do {
                let provenance = try ReportFile.provenance(configPath: configOptions.config)
                let report = try SavedRun.read(savedRun, policy: Policy(config), provenance: provenance)
                try ReportFile.write(reportFormat.render(report), to: output)
            } catch {
                Diagnostics.error(error.message)
                throw ExitCode(ExitStatus.usage)
            }
        }
    }
}

extension ReportFormat: ExpressibleByArgument {}

/// `--report FILE [--report-format F]` of `replay`: the audit report of the run, beside its alerts.
struct ReportOptions: ParsableArguments {
    @Option(name: .long, help: "Also write the audit report of the run to this file.")
    var report: String?

    @Option(name: .long, help: "html (default): the whole report, self-contained; md or csv: its tables alone.")
    var reportFormat: ReportFormat?

    /// Fails before the replay starts, not after an hour of it, when the report could not be written.
    func validate() throws {
        if let report { try ReportFile.checkWritable(report) }
        if report == nil && reportFormat != nil { throw ValidationError("--report-format needs --report FILE") }
    }

    /// Writes the report of a finished run; on failure says why and returns false.
    func write(_ summary: ReplaySummary?, configPath: String) -> Bool {
        guard let report, let summary else { return true }
        do {
            let provenance = try ReportFile.provenance(configPath: configPath)
            let format = reportFormat ?? .html
            try ReportFile.write(format.render(AuditReport(summary: summary, provenance: provenance)), to: report)
            return true
        } catch {
            Diagnostics.error(error.message)
            return false
        }
    }
}

/// The report's file system side: the digest of zones.conf and writing the result.
enum ReportFile {
    static func provenance(configPath: String) throws(ReportError) -> AuditReport.Provenance {
        AuditReport.Provenance(
            zonesepVersion: Zonesep.version, libpcapVersion: PcapFile.libraryVersion, configPath: configPath,
            configSHA256: try sha256(ofFile: configPath))
    }

    /// SHA-256 of a file, read in 64 KiB pieces.
    static func sha256(ofFile path: String) throws(ReportError) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ReportError("\(path): cannot be read to compute its SHA-256")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        while true {
            let chunk: Data?
            do { chunk = try handle.read(upToCount: 1 << 16) } catch {
                throw ReportError("\(path): read error while computing its SHA-256: \(error.localizedDescription)")
            }
            guard let chunk, !chunk.isEmpty else { break }
            chunk.withUnsafeBytes { hasher.update($0) }
        }
        return SHA256.hex(hasher.finalize())
    }

    /// The directory must exist and be writable, and the path must not be a directory.
    static func checkWritable(_ path: String) throws {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue {
            throw ValidationError("report file \(path) is a directory")
        }
        let dir = (path as NSString).deletingLastPathComponent
        let parent = dir.isEmpty ? "." : dir
        guard fm.fileExists(atPath: parent, isDirectory: &isDir), isDir.boolValue else {
            throw ValidationError("report file \(path): directory \(parent) does not exist")
        }
        guard fm.isWritableFile(atPath: parent) else {
            throw ValidationError("report file \(path): directory \(parent) is not writable")
        }
    }

    /// Writes through a temporary file renamed into place, so a reader never sees half a report.
    static func write(_ text: String, to path: String) throws(ReportError) {
        if path == "-" {
            let out = LineWriter(fd: 1)
            out.write(line: String(text.dropLast(text.hasSuffix("\n") ? 1 : 0)))
            out.flush()
            if let failure = out.failure { throw ReportError("cannot write the report to standard output: \(failure)") }
            return
        }
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw ReportError("cannot write the report to \(path): \(error.localizedDescription)")
        }
    }
}
