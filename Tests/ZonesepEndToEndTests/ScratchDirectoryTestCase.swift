import Foundation
import XCTest

/// An end-to-end test that runs the built binary from the repository's root with a scratch directory of its
/// own, made before each test and removed after it: the setup its subclasses would otherwise each repeat.
class ScratchDirectoryTestCase: XCTestCase {
    var root: URL!
    var zonesep: URL!
    var scratch: URL!

    override func setUpWithError() throws {
        try super.setUpWithError()
        root = try Harness.repositoryRoot()
        zonesep = try Harness.zonesep()
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
            "zonesep-\(String(describing: type(of: self)))-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDown() {
        if let scratch { try? FileManager.default.removeItem(at: scratch) }
        super.tearDown()
    }
}
