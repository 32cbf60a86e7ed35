import Foundation
import XCTest

/// Shared by the test targets whose tests each write files (capture, output, end to end).
///
/// A test with an empty directory of its own under the temporary directory, made before each test and
/// removed after it: the setup its subclasses would otherwise each repeat.
open class TemporaryDirectoryTestCase: XCTestCase {
    /// The test's directory, `zonesep-<class>-<uuid>`.
    public var dir: URL!

    open override func setUpWithError() throws {
        try super.setUpWithError()
        dir = FileManager.default.temporaryDirectory.appendingPathComponent(
            "zonesep-\(String(describing: type(of: self)))-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    open override func tearDown() {
        if let dir { try? FileManager.default.removeItem(at: dir) }
        super.tearDown()
    }
}
