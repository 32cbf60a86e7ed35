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

    /// `check` on a label in Shift_JIS, an integer past 64 bits and an expiry past 9999 in UTC: each message
    /// names the file, the line and the key, and says what is wrong. The first two named only the file, or
    /// called the number invalid; the expiry was accepted and made the saved run unreadable to `report`.
    func testBadBytesHugeIntegersAndFarExpiriesAreNamedByLineAndKey() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zonesep-check-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let zones = Self.zones.replacingOccurrences(of: "NETWORKS", with: "\"10.20.0.0/16\"")
        func check(_ bytes: [UInt8]) throws -> ProcessOutcome {
            let file = dir.appendingPathComponent("zones.conf")
            try Data(bytes).write(to: file)
            return try Harness.run(try Harness.zonesep(), ["check", "--config", file.path], timeout: 120)
        }
        let file = dir.appendingPathComponent("zones.conf").path
        let cases: [([UInt8], String)] = [
            (
                Array("[sensor]\nname = \"".utf8) + [0x91, 0xE6] + Array("\"\n".utf8) + Array(zones.utf8),
                "\(file):2: sensor.name: the byte 0x91 at column 9 is not valid UTF-8"
            ),
            (
                Array("[sensor]\nname = \"s\"\nvxlan_ports = [99999999999999999999999]\n\(zones)".utf8),
                "\(file):3: sensor.vxlan_ports[0]: '99999999999999999999999' is out of range for a 64-bit integer"
            ),
            (
                Array(
                    (zones + "[[exceptions]]\nname = \"e\"\nfrom = [\"10.20.0.0/16\"]\nto = [\"198.51.100.1\"]\n"
                        + "ports = [\"tcp/443\"]\napproved = \"x\"\nexpires = 9999-12-31T23:59:59-23:59\n").utf8),
                "\(file):14: exceptions[0].expires: '9999-12-31T23:59:59-23:59' is after 9999-12-31T23:59:59Z in UTC"
            ),
        ]
        for (bytes, message) in cases {
            let outcome = try check(bytes)
            XCTAssertEqual(outcome.status, 2, outcome.brief)
            XCTAssertTrue(outcome.stderrText.contains("zonesep: error: " + message), outcome.stderrText)
        }
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
