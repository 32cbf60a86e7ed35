import Foundation
import XCTest

/// Start-up is part of every replay's cost (the bare libpcap loop it is measured against starts in about a
/// millisecond). The full Foundation library, with its internationalisation and ICU data, cost each run some
/// 15 M instructions in the dynamic loader and the runtime's conformance scans before the first packet; the
/// executable uses FoundationEssentials alone, and this holds it there.
final class ExecutableLinkageTests: XCTestCase {
    func testTheExecutableLoadsFoundationEssentialsButNotFoundation() throws {
        let zonesep = try Harness.zonesep()
        let ldd = ["/usr/bin/ldd", "/bin/ldd"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let ldd else { throw XCTSkip("ldd is not installed") }
        let outcome = try Harness.run(URL(fileURLWithPath: ldd), [zonesep.path], timeout: 30)
        XCTAssertEqual(outcome.status, 0, String(decoding: outcome.stderr, as: UTF8.self))
        let libraries = Set(
            String(decoding: outcome.stdout, as: UTF8.self).split(separator: "\n").compactMap {
                $0.split(whereSeparator: { $0 == " " || $0 == "\t" }).first.map(String.init)
            })
        XCTAssertTrue(libraries.contains("libpcap.so.0.8"), "ldd's output is not what this test reads: \(libraries)")
        XCTAssertTrue(libraries.contains("libFoundationEssentials.so"), "\(libraries)")
        for heavy in ["libFoundation.so", "libFoundationInternationalization.so", "lib_FoundationICU.so"] {
            XCTAssertFalse(libraries.contains(heavy), "zonesep loads \(heavy): an `import Foundation` crept back")
        }
    }
}
