import FoundationEssentials
import ZonesepCore
import ZonesepOutput

/// A run saved as JSON Lines (what `replay --output json` writes), read back into the report model. Alert
/// records give each violating flow its zones, VLANs and initiator method; the closing summary record gives
/// everything else; evidence records give the SHA-256 of the files the alerts name.
public enum SavedRun {
    /// Reads the run at `path` (`-` for standard input).
    public static func read(_ path: String, policy: Policy, provenance: AuditReport.Provenance)
        throws(ReportError) -> AuditReport
    {
        let data: Data
        do { data = Data(path == "-" ? try WholeFile.read(fd: 0) : try WholeFile.read(path: path)) } catch {
            throw ReportError("\(path): cannot be read: \(error)")
        }
        return try parse(data, name: path == "-" ? "<stdin>" : path, policy: policy, provenance: provenance)
    }

    /// Reads a run held in memory; `name` is the file named in messages. Each line is decoded into the
    /// records of `ZonesepOutput/Records`, which state the keys the writers write.
    public static func parse(_ data: Data, name: String, policy: Policy, provenance: AuditReport.Provenance)
        throws(ReportError) -> AuditReport
    {
        if let what = ForeignFile.kind(of: data, name: name) {
            throw ReportError(
                "\(name): \(what); `zonesep report` reads the JSON Lines of `zonesep replay --output json`")
        }
        let decoder = JSONDecoder()
        var alerts: [SavedAlert] = []
        // Records of `--flows` (or of anything else that is no run's output): said when no summary follows.
        var flowRecords = 0
        var evidenceDigests: [String: String] = [:]
        var summary: (line: Int, record: SummaryRecord)?
        // `watch` writes `stats` records, a replay none: drops a live run did not record are not a file's.
        var liveCapture = false
        var lineNumber = 0
        for raw in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = raw
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            let record: SavedRecord
            let bytes = Data(line)
            do { record = try decoder.decode(SavedRecord.self, from: bytes) } catch let error as DecodingError {
                if case .dataCorrupted(let context) = error, context.codingPath.isEmpty,
                    let key = try? decoder.decode(BadNumber.self, from: bytes).path
                {
                    throw ReportError("\(name):\(lineNumber): \(key): not a non-negative integer")
                }
                throw ReportError(error, file: name, line: lineNumber)
            } catch {
                throw ReportError("\(name):\(lineNumber): not a JSON record: \(error)")
            }
            switch record {
            case .alert(let a):
                // Only what pairs it with its violation and what the report shows of it: a day's alerts add up.
                alerts.append(SavedAlert(line: lineNumber, a))
            case .evidence(let e):
                if let digest = e.sha256 { evidenceDigests[e.file] = digest }
            case .summary(let s):
                if let first = summary {
                    throw ReportError(
                        "\(name):\(lineNumber): a second summary record (the first is on line \(first.line)): "
                            + "give one run per file")
                }
                summary = (lineNumber, s)
            case .flowExportSummary:
                throw ReportError(
                    "\(name):\(lineNumber): this is the summary of a `zonesep collect` run (\"input\":\"flow-export\"): "
                        + "the audit report is built from captured packets (capture files and their time spans, packet "
                        + "counts, how many frames were verified, the zone matrix), which flow exports do not give; "
                        + "replay the captures with --report, or use the collect run's alerts and --flows records")
            case .other(let type):
                if type == "stats" { liveCapture = true }
                if type == "flow" { flowRecords += 1 }
            }
        }
        guard let summary else {
            if flowRecords > 0 && alerts.isEmpty {
                throw ReportError(
                    "\(name): flow records (what --flows writes) and no summary record: give the run's own output, "
                        + "the JSON Lines `zonesep replay --output json` writes to stdout, which ends with its summary")
            }
            throw ReportError(
                "\(name): no summary record: the file must hold a whole run of `zonesep replay --output json`, "
                    + "which ends with its summary")
        }
        var provenance = provenance
        if let recorded = summary.record.configSHA256 {
            // A report shows the zone map, the declarations and the digest of the zones.conf it is given: with
            // any other file than the run's it would vouch for a policy the run was not judged by.
            guard recorded == provenance.configSHA256 else {
                throw ReportError(
                    "\(name):\(summary.line): the run was judged with a zones.conf whose SHA-256 is \(recorded), but "
                        + "\(provenance.configPath) has \(provenance.configSHA256): give the zones.conf of that run")
            }
        } else {
            provenance.configFromRun = false
        }
        // What judged the run is what the report names; the binary writing it only beside, when it differs.
        provenance.takeRunVersions(zonesep: summary.record.zonesepVersion, libpcap: summary.record.libpcapVersion)
        var builder = SavedRunBuilder(file: name, line: summary.line, policy: policy)
        builder.reloadsApplied = (summary.record.reloads ?? []).filter(\.applied).count
        var report = try builder.report(summary.record, alerts: alerts, provenance: provenance)
        report.liveCapture = liveCapture
        for i in report.violations.indices {
            if let e = report.violations[i].evidence, e.sha256 == nil, e.error == nil, let path = e.path {
                report.violations[i].evidence?.sha256 = evidenceDigests[path]
            }
        }
        return report
    }
}

/// The part of an alert record the report uses, with its line for messages.
struct SavedAlert {
    var line: Int
    var key: String
    var srcZone: String?
    var destZone: String?
    var initiator: String?
    var vlan: [UInt64]?
    var evidence: String?
    /// Why the alert got no evidence file (its `evidence_error`).
    var evidenceError: String?

    init(line: Int, _ a: AlertRecord) {
        self.line = line
        key = SavedAlert.key(flowID: a.flowID ?? "", time: a.timestamp ?? "")
        srcZone = a.srcZone
        destZone = a.destZone
        initiator = a.initiator
        vlan = a.vlan
        evidence = a.evidence
        evidenceError = a.evidenceError
    }

    /// A violation's alert has the same flow id and first packet time.
    static func key(flowID: String, time: String) -> String { "\(flowID)|\(time)" }
}

/// Finds the number JSONDecoder refused. For a number that does not fit the integer type asked for (-1, 1.5,
/// 1e30 as a count) it says only "not valid JSON", with no key path: this reads the line again as plain JSON,
/// every number as a count, and names the first that is not one (keys in sorted order). `path` is nil when
/// every number is a count: the line was not valid JSON after all.
struct BadNumber: Decodable {
    var path: String?

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int?
        init(stringValue: String) { self.stringValue = stringValue }
        init(intValue: Int) {
            self.stringValue = "Index \(intValue)"
            self.intValue = intValue
        }
    }

    init(from decoder: any Decoder) throws {
        if let object = try? decoder.container(keyedBy: Key.self) {
            for key in object.allKeys.sorted(by: { $0.stringValue < $1.stringValue }) {
                if let p = try object.decode(BadNumber.self, forKey: key).path {
                    path = p
                    return
                }
            }
            path = nil
        } else if var array = try? decoder.unkeyedContainer() {
            while !array.isAtEnd {
                if let p = try array.decode(BadNumber.self).path {
                    path = p
                    return
                }
            }
            path = nil
        } else {
            let value = try decoder.singleValueContainer()
            let fits =
                value.decodeNil() || (try? value.decode(Bool.self)) != nil || (try? value.decode(String.self)) != nil
                || (try? value.decode(UInt64.self)) != nil
            path = fits ? nil : ReportError.path(decoder.codingPath)
        }
    }
}
