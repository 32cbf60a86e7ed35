import Foundation
import XCTest
import ZonesepTestSupport

/// An end-to-end test that runs the built binary from the repository's root, with a scratch directory of its
/// own (TemporaryDirectoryTestCase's, made before each test and removed after it): the setup its subclasses
/// would otherwise each repeat.
class ScratchDirectoryTestCase: TemporaryDirectoryTestCase {
    var root: URL!
    var zonesep: URL!
    /// The test's directory, under the name the end-to-end tests give it.
    var scratch: URL! { dir }

    override func setUpWithError() throws {
        root = try Harness.repositoryRoot()
        zonesep = try Harness.zonesep()
        try super.setUpWithError()
    }
}
