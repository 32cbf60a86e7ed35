import ArgumentParser
import Foundation
import ZonesepCapture
import ZonesepCore
import ZonesepCrypto
import ZonesepOutput
import ZonesepRuntime

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

struct ReportError: Error {
    var message: String
    init(_ message: String) { self.message = message }
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

/// A run saved as JSON Lines, read back into the report model. Alert records give each violating flow its
/// zones, VLANs and initiator method; the closing summary record gives everything else.
enum SavedRun {
    static func read(_ path: String, policy: Policy, provenance: AuditReport.Provenance) throws(ReportError)
        -> AuditReport
    {
        let data: Data
        do {
            data =
                path == "-"
                ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ReportError("\(path): cannot be read: \(error.localizedDescription)")
        }
        let name = path == "-" ? "<stdin>" : path
        var alerts: [(line: Int, object: [String: Any])] = []
        var evidenceDigests: [String: String] = [:]
        var summary: (line: Int, object: [String: Any])?
        var lineNumber = 0
        for raw in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = raw
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            let parsed: Any
            do { parsed = try JSONSerialization.jsonObject(with: Data(line)) } catch {
                throw ReportError("\(name):\(lineNumber): not a JSON record: \(error.localizedDescription)")
            }
            guard let object = parsed as? [String: Any] else {
                throw ReportError("\(name):\(lineNumber): not a JSON object")
            }
            switch object["event_type"] as? String {
            case "alert":
                // Only what pairs it with its violation and what the report shows of it: a day's alerts add up.
                alerts.append((lineNumber, object.filter { RecordReader.alertKeys.contains($0.key) }))
            case "evidence":
                // A closed evidence capture: its file's SHA-256, shown beside the alert that names the file.
                if let file = object["file"] as? String, let digest = object["sha256"] as? String {
                    evidenceDigests[file] = digest
                }
            case "summary":
                if let first = summary {
                    throw ReportError(
                        "\(name):\(lineNumber): a second summary record (the first is on line \(first.line)): "
                            + "give one run per file")
                }
                summary = (lineNumber, object)
            case nil:
                throw ReportError("\(name):\(lineNumber): no event_type: not a zonesep record")
            default:
                continue  // other record types (for example from a live run) say nothing the report shows
            }
        }
        guard let summary else {
            throw ReportError(
                "\(name): no summary record: the file must hold a whole run of `zonesep replay --output json`, "
                    + "which ends with its summary")
        }
        var reader = RecordReader(file: name, line: summary.line, policy: policy)
        var report = try reader.report(summary.object, alerts: alerts, provenance: provenance)
        for i in report.violations.indices {
            if let e = report.violations[i].evidence, e.sha256 == nil {
                report.violations[i].evidence?.sha256 = evidenceDigests[e.path]
            }
        }
        return report
    }
}

/// Field access with messages that name the file, the line and the key.
struct RecordReader {
    var file: String
    var line: Int
    let policy: Policy
    let zoneRefs: [String: ZoneRef]
    /// The fields of an alert record the report reads.
    static let alertKeys: Set<String> = [
        "flow_id", "timestamp", "src_zone", "dest_zone", "initiator", "vlan", "evidence",
    ]

    init(file: String, line: Int, policy: Policy) {
        self.file = file
        self.line = line
        self.policy = policy
        var refs: [String: ZoneRef] = ["external": .external, "unzoned": .unzoned, "local": .local]
        for (i, z) in policy.config.zones.enumerated() { refs[z.id] = ZoneRef(zone: i) }
        zoneRefs = refs
    }

    func fail(_ key: String, _ what: String) -> ReportError {
        ReportError("\(file):\(line): \(key): \(what)")
    }

    func uint(_ o: [String: Any], _ key: String, in path: String = "") throws(ReportError) -> UInt64 {
        let v = o[key]
        if let i = v as? Int, i >= 0 { return UInt64(i) }
        if let n = v as? NSNumber, n.int64Value >= 0, !(v is Bool) { return n.uint64Value }
        throw fail(path + key, v == nil ? "missing" : "not a non-negative integer")
    }

    func string(_ o: [String: Any], _ key: String, in path: String = "") throws(ReportError) -> String {
        guard let s = o[key] as? String else { throw fail(path + key, o[key] == nil ? "missing" : "not a string") }
        return s
    }

    func optionalString(_ o: [String: Any], _ key: String, in path: String = "") throws(ReportError) -> String? {
        guard let v = o[key], !(v is NSNull) else { return nil }
        guard let s = v as? String else { throw fail(path + key, "not a string or null") }
        return s
    }

    func time(_ o: [String: Any], _ key: String, in path: String = "") throws(ReportError) -> Int64 {
        let s = try string(o, key, in: path)
        guard let t = ReportText.micros(rfc3339: s) else { throw fail(path + key, "'\(s)' is not an RFC 3339 time") }
        return t
    }

    func optionalTime(_ o: [String: Any], _ key: String, in path: String = "") throws(ReportError) -> Int64? {
        guard let s = try optionalString(o, key, in: path) else { return nil }
        guard let t = ReportText.micros(rfc3339: s) else { throw fail(path + key, "'\(s)' is not an RFC 3339 time") }
        return t
    }

    func port(_ o: [String: Any], _ key: String, in path: String) throws(ReportError) -> UInt16? {
        guard let v = o[key], !(v is NSNull) else { return nil }
        let n = try uint(o, key, in: path)
        guard n <= 65535 else { throw fail(path + key, "\(n) is not a port number") }
        return UInt16(n)
    }

    func ip(_ o: [String: Any], _ key: String, in path: String) throws(ReportError) -> IPAddress {
        let s = try string(o, key, in: path)
        guard let a = IPAddress(s) else { throw fail(path + key, "'\(s)' is not an IP address") }
        return a
    }

    func zone(_ name: String, _ key: String) throws(ReportError) -> ZoneRef {
        guard let z = zoneRefs[name] else {
            throw fail(key, "zone '\(name)' is not declared in this zones.conf: give the zones.conf the run used")
        }
        return z
    }

    func object(_ o: [String: Any], _ key: String, in path: String = "") throws(ReportError) -> [String: Any] {
        guard let x = o[key] as? [String: Any] else {
            throw fail(path + key, o[key] == nil ? "missing" : "not an object")
        }
        return x
    }

    func array(_ o: [String: Any], _ key: String, in path: String = "") throws(ReportError) -> [[String: Any]] {
        guard let x = o[key] as? [Any] else { throw fail(path + key, o[key] == nil ? "missing" : "not an array") }
        var out: [[String: Any]] = []
        for (i, item) in x.enumerated() {
            guard let obj = item as? [String: Any] else { throw fail("\(path)\(key)[\(i)]", "not an object") }
            out.append(obj)
        }
        return out
    }

    mutating func report(
        _ s: [String: Any], alerts: [(line: Int, object: [String: Any])], provenance: AuditReport.Provenance
    ) throws(ReportError) -> AuditReport {
        let totals = AuditReport.Totals(
            packets: try uint(s, "packets"), bytes: try uint(s, "bytes"), ipPackets: try uint(s, "ip_packets"),
            nonIPPackets: try uint(s, "non_ip_packets"), flows: try uint(s, "flows"))
        let ft = try object(s, "flow_table")
        let flowTable = AuditReport.FlowTableUse(
            capacity: Int(clamping: try uint(ft, "capacity", in: "flow_table.")),
            activeAtEnd: Int(clamping: try uint(ft, "active_at_end", in: "flow_table.")),
            evicted: try uint(ft, "evicted", in: "flow_table."))

        // Anomalies in DESIGN.md's order of kinds (a JSON object's order is not kept), unknown kinds last.
        let an = try object(s, "anomalies")
        var anomalies: [AuditReport.AnomalyCount] = []
        for k in DecodeAnomaly.allCases where an[k.name] != nil {
            anomalies.append(.init(kind: k.name, packets: try uint(an, k.name, in: "anomalies.")))
        }
        let known = Set(DecodeAnomaly.allCases.map(\.name))
        for k in an.keys.sorted() where !known.contains(k) {
            anomalies.append(.init(kind: k, packets: try uint(an, k, in: "anomalies.")))
        }
        anomalies.removeAll { $0.packets == 0 }

        var matrix = ZoneMatrix(zoneCount: policy.config.zones.count)
        let m = try object(s, "matrix")
        for (i, c) in try array(m, "packets", in: "matrix.").enumerated() {
            let at = "matrix.packets[\(i)]."
            let a = try zone(try string(c, "src_zone", in: at), at + "src_zone")
            let b = try zone(try string(c, "dest_zone", in: at), at + "dest_zone")
            let x = matrix.index(a) * matrix.side + matrix.index(b)
            matrix.packets[x] = try uint(c, "packets", in: at)
            matrix.bytes[x] = try uint(c, "bytes", in: at)
        }
        for (i, c) in try array(m, "flows", in: "matrix.").enumerated() {
            let at = "matrix.flows[\(i)]."
            let a = try zone(try string(c, "src_zone", in: at), at + "src_zone")
            let b = try zone(try string(c, "dest_zone", in: at), at + "dest_zone")
            matrix.flows[matrix.index(a) * matrix.side + matrix.index(b)] = try uint(c, "flows", in: at)
        }

        var files: [AuditReport.CaptureFile] = []
        for (i, f) in try array(s, "files").enumerated() {
            let at = "files[\(i)]."
            files.append(
                AuditReport.CaptureFile(
                    path: try string(f, "path", in: at), linkType: try optionalString(f, "link_type", in: at),
                    packets: try uint(f, "packets", in: at),
                    firstPacketMicros: try optionalTime(f, "first_packet", in: at),
                    lastPacketMicros: try optionalTime(f, "last_packet", in: at),
                    error: try optionalString(f, "error", in: at)))
        }

        // Each violation's alert: the same flow id and first packet time, taken in order (a 5-tuple reused
        // later is another flow with the same Community ID but a later first packet).
        let summaryLine = line
        var alertsByKey: [String: [(line: Int, object: [String: Any])]] = [:]
        for a in alerts {
            let key = "\(a.object["flow_id"] as? String ?? "")|\(a.object["timestamp"] as? String ?? "")"
            alertsByKey[key, default: []].append(a)
        }
        var violations: [AuditReport.ViolatingFlow] = []
        for (i, v) in try array(s, "violations").enumerated() {
            let at = "violations[\(i)]."
            let ruleName = try string(v, "rule", in: at)
            guard let rule = RuleID.allCases.first(where: { $0.name == ruleName }) else {
                throw fail(at + "rule", "'\(ruleName)' is not a rule id")
            }
            let flowID = try string(v, "flow_id", in: at)
            let firstSeen = try string(v, "first_seen", in: at)
            var flow = AuditReport.ViolatingFlow(
                number: i + 1, flowID: flowID, rule: rule, proto: try string(v, "proto", in: at),
                srcIP: try ip(v, "src_ip", in: at), srcPort: try port(v, "src_port", in: at),
                destIP: try ip(v, "dest_ip", in: at), destPort: try port(v, "dest_port", in: at),
                srcZone: .external, destZone: .external, initiatorMethod: nil, vlan: [],
                firstSeenMicros: try time(v, "first_seen", in: at), lastSeenMicros: try time(v, "last_seen", in: at),
                packets: try uint(v, "packets", in: at), bytes: try uint(v, "bytes", in: at),
                end: try string(v, "end", in: at), evidence: try evidence(v, in: at))
            let key = "\(flowID)|\(firstSeen)"
            if var queue = alertsByKey[key], !queue.isEmpty {
                let a = queue.removeFirst()
                alertsByKey[key] = queue
                line = a.line
                flow.srcZone = try zone(try string(a.object, "src_zone"), "src_zone")
                flow.destZone = try zone(try string(a.object, "dest_zone"), "dest_zone")
                flow.initiatorMethod = try optionalString(a.object, "initiator")
                if let tags = a.object["vlan"] as? [Any] {
                    for t in tags {
                        guard let n = (t as? NSNumber)?.intValue, (0...4095).contains(n) else {
                            throw fail("vlan", "not a list of VLAN ids")
                        }
                        flow.vlan.append(UInt16(n))
                    }
                }
                if flow.evidence == nil, let file = try optionalString(a.object, "evidence") {
                    flow.evidence = AuditReport.Evidence(path: file)
                }
                line = summaryLine
            } else {
                // No alert record for it (the file was cut, or filtered): the zones follow from zones.conf.
                flow.srcZone = policy.zoneMap.lookup(flow.srcIP)
                flow.destZone = policy.zoneMap.lookup(flow.destIP)
            }
            violations.append(flow)
        }

        return AuditReport(
            provenance: provenance, policy: policy, sensor: try string(s, "sensor"), totals: totals, files: files,
            flowTable: flowTable, droppedPackets: s["dropped"] == nil ? nil : try uint(s, "dropped"),
            anomalies: anomalies, matrix: matrix, violations: violations)
    }

    /// `evidence`: a path, or an object with `path` and `sha256` (written by the evidence sink, when it runs).
    func evidence(_ v: [String: Any], in at: String) throws(ReportError) -> AuditReport.Evidence? {
        guard let e = v["evidence"], !(e is NSNull) else { return nil }
        if let path = e as? String { return AuditReport.Evidence(path: path) }
        guard let o = e as? [String: Any] else { throw fail(at + "evidence", "not a path or an object") }
        return AuditReport.Evidence(
            path: try string(o, "path", in: at + "evidence."),
            sha256: try optionalString(o, "sha256", in: at + "evidence."))
    }
}
