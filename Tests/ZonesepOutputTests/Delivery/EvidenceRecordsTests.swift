import XCTest
import ZonesepCore

@testable import ZonesepOutput

/// The evidence file name and the `evidence` record, now made from a Community ID computed once by the
/// evidence sink: the same bytes as the name made with `String` filters and the records that hash the
/// flow again, on thousands of random alerts (times far before 1970 and past 9999 included).
final class EvidenceRecordsTests: XCTestCase {
    typealias R = RendererEquivalenceTests

    /// The file name as it was made before, kept as the reference.
    static func referenceName(_ format: AlertFormat, _ a: Alert) -> String {
        let t = Timestamp.rfc3339(a.timestampMicros).filter { $0 != "-" && $0 != ":" }
        var id = format.flowID(a)
        if id.hasPrefix("1:") { id.removeFirst(2) }
        let safe = String(
            id.compactMap { c -> Character? in
                switch c {
                case "/": return "_"
                case "+": return "-"
                case "=": return nil
                default: return c
                }
            })
        return "\(t)_\(a.rule.name)_\(safe).pcap"
    }

    func testNamesMatchTheReference() {
        var far = 0
        for policy in [OutputFixtures.policy, R.hostile] {
            let format = AlertFormat(policy: policy)
            let records = DeliveryRecords(format: format)
            var r = R.Random(seed: 17)
            for i in 0..<3000 {
                let a = R.alert(&r, policy: policy)
                let name = records.evidenceFileName(a, flowID: format.flowID(a))
                XCTAssertEqual(name, Self.referenceName(format, a), "alert \(i)")
                XCTAssertEqual(records.evidenceFileName(a), name, "alert \(i)")
                XCTAssertFalse(name.contains("/") || name.contains("+") || name.contains("="), name)
                if !(0...253_402_300_799_999_999).contains(a.timestampMicros) { far += 1 }
            }
        }
        XCTAssertGreaterThan(far, 100, "times outside years 1970-9999 are covered")
    }

    func testRecordsWithTheFlowIDGivenAreTheSame() {
        let format = AlertFormat(policy: R.hostile)
        let records = DeliveryRecords(format: format)
        let formatter = SyslogFormatter(facility: 16, appName: "zonesep", hostname: "host", procID: "1")
        var r = R.Random(seed: 19)
        for i in 0..<500 {
            let a = R.alert(&r, policy: R.hostile)
            let hashed = i % 3 != 0
            func evidence(_ flowID: String?) -> DeliveryRecords.Evidence {
                DeliveryRecords.Evidence(
                    alert: a, file: "f\(i).pcap", packets: UInt64(i), bytes: UInt64(24 + i * 16),
                    sha256: hashed ? String(repeating: "ab", count: 32) : nil, closed: "flow-end",
                    timestampMicros: a.timestampMicros + 5, error: hashed ? nil : "disk\nfull", flowID: flowID)
            }
            let given = evidence(format.flowID(a))
            let computed = evidence(nil)
            XCTAssertEqual(records.evidenceJSON(given), records.evidenceJSON(computed), "record \(i)")
            XCTAssertTrue(records.evidenceJSON(given).contains(format.flowID(a)))
            XCTAssertEqual(
                records.evidenceSyslog(given, formatter: formatter),
                records.evidenceSyslog(computed, formatter: formatter), "record \(i)")
        }
    }

    /// The alert's JSON record and syslog message with the Community ID the evidence sink computed once
    /// (so not hashed again for each form): the same bytes as with the ID computed from the alert.
    func testAlertFormsWithTheFlowIDGivenAreTheSame() {
        let format = AlertFormat(policy: R.hostile)
        let records = DeliveryRecords(format: format)
        let formatter = SyslogFormatter(facility: 16, appName: "zonesep", hostname: "host", procID: "1")
        var r = R.Random(seed: 23)
        for i in 0..<500 {
            let a = R.alert(&r, policy: R.hostile)
            let id = format.flowID(a)
            let evidence = i % 4 == 0 ? nil : "f\"\(i).pcap"
            let error = i % 5 == 0 ? "disk\nfull" : nil
            let given = records.alertJSONBytes(a, evidence: evidence, evidenceError: error, flowID: id)
            XCTAssertEqual(given, records.alertJSONBytes(a, evidence: evidence, evidenceError: error), "alert \(i)")
            XCTAssertTrue(String(decoding: given, as: UTF8.self).contains("\"flow_id\":\"\(id)\""), "alert \(i)")
            let message = format.syslog(a, formatter: formatter, evidence: evidence, flowID: id)
            XCTAssertEqual(message, format.syslog(a, formatter: formatter, evidence: evidence), "alert \(i)")
            XCTAssertTrue(String(decoding: message, as: UTF8.self).contains("flow_id=\"\(id)\""), "alert \(i)")
        }
    }
}
