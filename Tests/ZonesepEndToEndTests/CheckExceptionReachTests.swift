import Foundation
import XCTest

/// `zonesep check` on exceptions whose reach its old messages misstated: a catch-all it said had no
/// effect, and exceptions that can never allow a flow, about which it said nothing. Warnings only: exit 0.
final class CheckExceptionReachTests: XCTestCase {
    func testCheckSaysWhatACatchAllAndADeadExceptionDo() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zonesep-check-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("zones.conf")
        // The review's c6.conf, with its c2.conf's two exceptions that nothing ever asks.
        let zones = """
            [zones.m]
            kind = "mynumber"
            networks = ["10.10.0.0/16"]
            [zones.l]
            kind = "lgwan"
            networks = ["10.20.0.0/16"]
            [zones.i]
            kind = "internet"
            networks = ["10.30.0.0/16"]
            [[gateways]]
            name = "g"
            addresses = ["203.0.113.10"]

            """
        try
            (zones + exception("e1", from: "10.30.0.0/16", to: "0.0.0.0/0", port: "any")
            + exception("never2", from: "10.30.0.5", to: "10.30.0.6", port: "tcp/443")
            + exception("ext-to-ext", from: "8.8.8.8", to: "1.1.1.1", port: "tcp/443"))
            .write(to: file, atomically: true, encoding: .utf8)
        let outcome = try Harness.run(try Harness.zonesep(), ["check", "--config", file.path], timeout: 120)
        XCTAssertEqual(outcome.status, 0, outcome.brief)
        let lines = outcome.stderrText.split(separator: "\n").map(String.init)
        let prefix = "zonesep: \(file.path)"
        XCTAssertFalse(outcome.stderrText.contains("lies in"), outcome.stderrText)
        XCTAssertTrue(
            lines.contains {
                $0.hasPrefix("\(prefix):16: warning: exceptions[0].to[0]: 0.0.0.0/0 overlaps a mynumber zone")
                    && $0.hasSuffix("but the rest of it does allow the flows it names")
            }, outcome.stderrText)
        XCTAssertTrue(
            lines.contains {
                $0.hasPrefix("\(prefix):16: warning: exceptions[0].to[0]: 0.0.0.0/0 with ports = [\"any\"] makes")
                    && $0.contains("waives sanitisation-bypass, security-cloud-bypass and unzoned-host")
            }, outcome.stderrText)
        XCTAssertTrue(
            lines.contains {
                $0.hasPrefix("\(prefix):20: warning: exceptions[1]: exception 'never2' can never allow a flow")
                    && $0.contains("these flows break no rule an exception can waive;")
            }, outcome.stderrText)
        XCTAssertTrue(
            lines.contains {
                $0.hasPrefix("\(prefix):27: warning: exceptions[2]: exception 'ext-to-ext' can never allow a flow")
                    && $0.contains("these flows break no rule an exception can waive;")
            }, outcome.stderrText)
        // Each 2099 expiry is also said to be more than three years away (ExceptionCatchAllCoverTests).
        XCTAssertEqual(
            lines.filter { $0.contains(": warning: ") && !$0.contains(".expires: ") }.count, 4, outcome.stderrText)
        XCTAssertEqual(lines.filter { $0.contains(".expires: ") && $0.contains("more than three years") }.count, 3)
    }

    /// An `[[exceptions]]` table of seven lines, approved and valid until 2099, for one port.
    private func exception(_ name: String, from: String, to: String, port: String) -> String {
        """
        [[exceptions]]
        name = "\(name)"
        from = ["\(from)"]
        to = ["\(to)"]
        ports = ["\(port)"]
        approved = "x"
        expires = 2099-01-01

        """
    }
}
