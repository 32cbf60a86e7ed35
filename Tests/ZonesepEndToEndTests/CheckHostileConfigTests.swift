import Foundation
import XCTest

/// `zonesep check` on configurations written to mislead whoever reads its output.
final class CheckHostileConfigTests: XCTestCase {
    static let zones = """
        [zones.mynumber]
        kind = "mynumber"
        networks = ["10.10.0.0/16"]
        [zones.lgwan]
        kind = "lgwan"
        label = "LGWAN\\nzonesep: error: forged line"
        networks = [NETWORKS]

        """

    func check(_ text: String) throws -> ProcessOutcome {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zonesep-check-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("zones.conf")
        try text.write(to: file, atomically: true, encoding: .utf8)
        return try Harness.run(try Harness.zonesep(), ["check", "--config", file.path], timeout: 120)
    }

    func testALabelWithANewlineCannotInjectALine() throws {
        let outcome = try check(Self.zones.replacingOccurrences(of: "NETWORKS", with: "\"10.20.0.0/16\""))
        XCTAssertEqual(outcome.status, 0, outcome.brief)
        let lines = outcome.stdoutText.split(separator: "\n") + outcome.stderrText.split(separator: "\n")
        XCTAssertFalse(lines.contains { $0.hasPrefix("zonesep: error: forged") }, outcome.stdoutText)
        XCTAssertTrue(outcome.stdoutText.contains("LGWAN\\nzonesep: error: forged line"), outcome.stdoutText)
    }

    func testAHundredThousandBadPrefixesPrintAHundredAndTwoLines() throws {
        let bad = (0..<100_000).map { "\"10.\($0 >> 16).\(($0 >> 8) & 255).\($0 & 255)/33\"" }
        let outcome = try check(Self.zones.replacingOccurrences(of: "NETWORKS", with: bad.joined(separator: ", ")))
        XCTAssertEqual(outcome.status, 2, outcome.brief)
        let lines = outcome.stderrText.split(separator: "\n")
        // The first 100 problems, the count of the rest, and the closing "N error(s)" line.
        XCTAssertEqual(lines.count, 102, lines.suffix(3).joined(separator: "\n"))
        XCTAssertTrue(
            lines[0].hasSuffix("zones.lgwan.networks[0]: '10.0.0.0/33' is not an IPv4 or IPv6 network"),
            String(lines[0]))
        XCTAssertTrue(lines[100].hasSuffix("zones.conf: 99900 more errors not shown"), String(lines[100]))
        XCTAssertTrue(lines[101].hasSuffix("100000 error(s); nothing was started"), String(lines[101]))
    }
}
