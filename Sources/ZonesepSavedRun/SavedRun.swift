import Foundation
import ZonesepCore
import ZonesepOutput

/// A run saved as JSON Lines, read back into the report model. Alert records give each violating flow its
/// zones, VLANs and initiator method; the closing summary record gives everything else.
public enum SavedRun {
    /// Reads the run at `path` (`-` for standard input).
    public static func read(_ path: String, policy: Policy, provenance: AuditReport.Provenance)
        throws(ReportError) -> AuditReport
    {
        let data: Data
        do {
            data =
                path == "-"
                ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ReportError("\(path): cannot be read: \(error.localizedDescription)")
        }
        return try parse(data, name: path == "-" ? "<stdin>" : path, policy: policy, provenance: provenance)
    }

    /// Reads a run held in memory; `name` is the file named in messages.
    public static func parse(_ data: Data, name: String, policy: Policy, provenance: AuditReport.Provenance)
        throws(ReportError) -> AuditReport
    {
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
