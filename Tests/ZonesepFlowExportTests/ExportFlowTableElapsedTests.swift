import XCTest

@testable import ZonesepFlowExport

/// Record times come from exporters and can be anything: the idle and sweep arithmetic saturates instead
/// of trapping (fuzz-flowexport found the trap; Fuzz/regressions/flowexport/sweep-overflow replays it).
final class ExportFlowTableElapsedTests: XCTestCase {
    func testElapsedSaturates() {
        XCTAssertEqual(ExportFlowTable.elapsed(from: 5, to: 8), 3)
        XCTAssertEqual(ExportFlowTable.elapsed(from: 8, to: 5), -3)
        XCTAssertEqual(ExportFlowTable.elapsed(from: .min, to: .max), .max)
        XCTAssertEqual(ExportFlowTable.elapsed(from: .max, to: .min), .min)
        XCTAssertEqual(ExportFlowTable.elapsed(from: -1, to: .max), .max)
    }
}
