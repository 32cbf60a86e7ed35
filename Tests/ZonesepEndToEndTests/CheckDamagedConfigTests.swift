import Foundation
import XCTest

/// A damaged zones.conf whose keys nest tables thousands deep (a header or dotted key of 20,000 parts) is an
/// error with its file and line, at once: it used to take gigabytes and crash `check`, and a daemon's reload.
final class CheckDamagedConfigTests: XCTestCase {
    func testAKeyNestingTablesThousandsDeepIsAnErrorNotACrash() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zonesep-deep-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let demo = try String(
            contentsOf: Harness.repositoryRoot().appendingPathComponent("zones.conf"), encoding: .utf8)
        let deep = Array(repeating: "a", count: 20_000).joined(separator: ".")
        let demoLines = demo.split(separator: "\n", omittingEmptySubsequences: false).count
        let cases: [(name: String, text: String, place: String)] = [
            ("header.conf", "[\(deep)]\n" + demo, "1:2"),
            ("dotted.conf", demo + "\n\(deep) = 1\n", "\(demoLines + 1):1"),
        ]
        for (name, text, line) in cases {
            let file = dir.appendingPathComponent(name)
            try text.write(to: file, atomically: true, encoding: .utf8)
            let outcome = try Harness.run(try Harness.zonesep(), ["check", "--config", file.path], timeout: 60)
            XCTAssertTrue(outcome.exitedNormally, "\(name): \(outcome.brief)")
            XCTAssertEqual(outcome.status, 2, "\(name): \(outcome.brief)")
            XCTAssertTrue(
                outcome.stderrText.contains(
                    "\(file.path):\(line): the key nests tables more than 64 deep (20000 dotted parts)"),
                "\(name): \(outcome.stderrText.prefix(600))")
        }
    }
}
