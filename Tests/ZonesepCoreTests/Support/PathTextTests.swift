import Foundation
import XCTest

@testable import ZonesepCore

/// PathText against Foundation's NSString, whose spelling the commands' file lists and messages kept
/// before the executable dropped Foundation.
final class PathTextTests: XCTestCase {
    func testExtensionsAsNSStringReadsThem() {
        let paths = [
            "a.pcap", ".pcap", "dir/.pcap", "a.b.PCAP", "noext", "a.", "dir.d/file", "x/y.pcapng", "x/y.pcap/",
            "/abs/z.cap", "", "/", "..", "a..pcap", "dir/sub.d/f.ntar",
        ]
        for p in paths {
            XCTAssertEqual(PathText.pathExtension(p), (p as NSString).pathExtension, p)
        }
        XCTAssertEqual(PathText.pathExtension("x/y.pcapng"), "pcapng")
        XCTAssertEqual(PathText.pathExtension(".pcap"), "")
    }

    func testAppendingAsNSStringJoins() {
        for (directory, component) in [("dir", "a.pcap"), ("dir/", "a.pcap"), ("/", "a.pcap"), ("./d", "sub/a.pcap")] {
            XCTAssertEqual(
                PathText.appending(component, to: directory),
                (directory as NSString).appendingPathComponent(component), "\(directory) + \(component)")
        }
    }

    func testParentAsNSStringFindsIt() {
        for p in ["a/b/c.html", "c.html", "/c.html", "a/b/", "/", "a//b", "./r.html", "a/b//c"] {
            XCTAssertEqual(PathText.parent(p), (p as NSString).deletingLastPathComponent, p)
        }
        XCTAssertEqual(PathText.parent("reports/audit.html"), "reports")
    }
}
