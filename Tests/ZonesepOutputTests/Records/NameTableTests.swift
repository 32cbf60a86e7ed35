import XCTest
import ZonesepCore

@testable import ZonesepOutput

/// The names a record writes by raw value (rule, severity, initiator method, flow end reason), read from one
/// array a table: each is the JSON string made for it, names of every length side by side (an empty one
/// among them), and a raw value past the table is its name escaped on the spot.
final class NameTableTests: XCTestCase {
    func written(_ body: (inout RecordWriter) -> Void) -> String {
        var out: [UInt8] = []
        RecordWriter.writing(into: &out, body)
        return String(decoding: out, as: UTF8.self)
    }

    func testEachNameOfEveryTableIsItsJSONString() {
        let texts = AlertFormat(policy: OutputFixtures.policy).texts
        // Every name is a plain word (letters and hyphens): its JSON string is the name in quotes.
        let tables = [
            (texts.ruleNames, RuleID.allCases.map(\.name)),
            (texts.severityNames, RuleID.allCases.map(\.severity.rawValue)),
            (texts.initiatorNames, ZoneTexts.cases(InitiatorMethod.init(rawValue:)).map(\.name)),
            (texts.endReasonNames, ZoneTexts.cases(FlowEndReason.init(rawValue:)).map(\.name)),
        ]
        for (table, names) in tables {
            XCTAssertEqual(table.count, names.count)
            XCTAssertFalse(names.isEmpty)
            for (i, name) in names.enumerated() {
                XCTAssertTrue(name.allSatisfy { $0.isLetter || $0 == "-" }, name)
                let text = written { w in
                    w.byte(UInt8(ascii: "<"))
                    ZoneTexts.writeName(table, UInt8(i), "unused", to: &w)
                    w.byte(UInt8(ascii: ">"))
                }
                XCTAssertEqual(text, "<\"" + name + "\">")
                XCTAssertEqual(String(decoding: table[i], as: UTF8.self), "\"" + name + "\"")
            }
        }
        XCTAssertEqual(
            written { ZoneTexts.writeName(texts.ruleNames, UInt8(RuleID.allCases[0].rawValue), "x", to: &$0) },
            "\"\(RuleID.allCases[0].name)\"")
    }

    func testNamesOfEveryLengthSideBySideAndPastTheTable() {
        let names: [[UInt8]] = [
            Array("\"a\"".utf8), [], Array("\"\"".utf8), Array(repeating: UInt8(ascii: "z"), count: 700),
        ]
        let table = NameTable(names)
        XCTAssertEqual(table.count, 4)
        for (i, name) in names.enumerated() {
            XCTAssertEqual(
                written { ZoneTexts.writeName(table, UInt8(i), "unused", to: &$0) },
                String(decoding: name, as: UTF8.self))
        }
        XCTAssertEqual(
            written { ZoneTexts.writeName(table, 4, "past \"the\" table", to: &$0) }, "\"past \\\"the\\\" table\"")
        XCTAssertEqual(written { ZoneTexts.writeName(NameTable([]), 0, "none", to: &$0) }, "\"none\"")
    }
}
