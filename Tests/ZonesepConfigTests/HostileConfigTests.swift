import XCTest
import ZonesepCore

@testable import ZonesepConfig

/// zones.conf written to mislead a reader of `check`: control characters in names and labels, floods of
/// errors, lists too long to read.
final class HostileConfigTests: XCTestCase {
    func testALabelWithANewlineCannotForgeASummaryLine() throws {
        let forged = "zones.conf:1: error: forged\nsensor        spoofed"
        let text = Fixtures.base.replacingOccurrences(
            of: "kind = \"lgwan\"",
            with: "kind = \"lgwan\"\nlabel = \"\(forged.replacingOccurrences(of: "\n", with: "\\n"))\"")
        let config = try XCTUnwrap(ZonesConfigLoader.load(text: text, fileName: "zones.conf").config)
        XCTAssertEqual(config.zones[1].label, forged, "the label itself is kept as written")
        let summary = ConfigSummary.render(config)
        let clean = ConfigSummary.render(
            try XCTUnwrap(ZonesConfigLoader.load(text: Fixtures.base, fileName: "zones.conf").config))
        XCTAssertEqual(summary.split(separator: "\n").count, clean.split(separator: "\n").count)
        XCTAssertFalse(
            summary.split(separator: "\n").contains {
                $0.hasPrefix("zones.conf:1") || $0.hasPrefix("sensor        spoofed")
            })
        XCTAssertTrue(summary.contains("zones.conf:1: error: forged\\nsensor        spoofed"), summary)
    }

    func testDiagnosticsQuotingTheFileEscapeIt() throws {
        let r = ZonesConfigLoader.load(
            text: Fixtures.base.replacingOccurrences(
                of: "\"10.20.0.0/16\"", with: "\"10.20.0.0/16\\nzones.conf:1: ok\""),
            fileName: "zones.conf")
        let d = try XCTUnwrap(r.errors.first)
        XCTAssertTrue(d.message.contains("\n"), "the message quotes the value as it is")
        XCTAssertFalse(d.description.contains("\n"))
        XCTAssertTrue(d.description.contains("'10.20.0.0/16\\nzones.conf:1: ok' is not"), d.description)
        // A key with a control character is spelt as TOML would write it.
        let key = ZonesConfigLoader.load(text: "\"a\\u001Bb\" = 1\n" + Fixtures.base, fileName: "zones.conf")
        XCTAssertEqual(key.errors.first?.keyPath, "\"a\\u001Bb\"")
    }

    /// A character that shows as nothing, pasted into a network, is written out where the value is quoted,
    /// so that a good-looking value is not called wrong without a visible reason (REVIEW-149 F4).
    func testInvisibleCharactersInAQuotedValueAreShown() throws {
        for (pasted, shown) in [("\u{200B}", "\\u{200B}"), ("\u{00A0}", "\\u{A0}"), ("\u{FEFF}", "\\u{FEFF}")] {
            let r = ZonesConfigLoader.load(
                text: Fixtures.base.replacingOccurrences(of: "\"10.20.0.0/16\"", with: "\"10.20.0.0\(pasted)/16\""),
                fileName: "zones.conf")
            let d = try XCTUnwrap(r.errors.first)
            XCTAssertTrue(d.description.contains("'10.20.0.0\(shown)/16' is not"), d.description)
        }
        // A full-width space shows, and labels hold it: left as it is.
        XCTAssertEqual(ConfigDiagnostic.showingInvisible("本庁\u{3000}LGWAN"), "本庁\u{3000}LGWAN")
    }

    func testAFloodOfErrorsIsCutAfterTheFirstHundred() {
        let bad = (0..<100_000).map { "\"10.\($0 >> 16).\(($0 >> 8) & 255).\($0 & 255)/33\"" }.joined(separator: ",")
        let r = ZonesConfigLoader.load(
            text: Fixtures.base.replacingOccurrences(of: "[\"10.20.0.0/16\"]", with: "[\(bad)]"), fileName: "zones.conf"
        )
        XCTAssertEqual(r.errors.count, 100_000, "every problem is still found")
        let lines = r.lines()
        XCTAssertEqual(lines.count, 101)
        XCTAssertEqual(lines.prefix(100).map(\.text), r.diagnostics.prefix(100).map(\.description))
        XCTAssertEqual(lines.last?.text, "zones.conf: 99900 more errors not shown")
        XCTAssertEqual(lines.last?.severity, .error)
        XCTAssertEqual(r.lines(limit: 100_000).count, 100_000, "nothing to count when all fit")
    }

    func testLongListsAreShortenedInTheSummary() throws {
        var text = Fixtures.base.replacingOccurrences(
            of: "[\"10.30.0.0/16\"]", with: "[" + (0..<50).map { "\"10.30.\($0).0/24\"" }.joined(separator: ", ") + "]")
        for i in 0..<30 {
            text += """
                [[exceptions]]
                name = "e\(i)"
                from = ["10.30.0.0/24"]
                to = ["198.51.100.\(i)"]
                ports = ["tcp/443"]
                approved = "No.\(i)"
                expires = \(i < 25 ? "2027-03-31" : "2020-01-01")

                """
        }
        let config = try XCTUnwrap(ZonesConfigLoader.load(text: text, fileName: "zones.conf").config)
        let summary = ConfigSummary.render(config, now: 1_795_219_200_000_000)
        let lines = summary.split(separator: "\n")
        XCTAssertTrue(
            lines.contains { $0.hasSuffix("10.30.6.0/24, 10.30.7.0/24, … (42 more)") }, summary)
        XCTAssertEqual(lines.filter { $0.hasPrefix("  e") }.count, 20)
        XCTAssertEqual(lines.last, "  … 10 more (5 of them expired)")
        XCTAssertTrue(summary.contains("exceptions    30 (5 expired)"))
    }
}
