import Foundation
import XCTest

/// A user's clone has nothing beside it: no file the project tracks may send a reader, a test or a script
/// to a sibling `shared` folder of the developers' machine (its specification or its capture corpus).
final class SelfContainedRepositoryTests: XCTestCase {
    /// Where the check looks: everything a newcomer reads, builds or runs.
    static let scope = ["README.md", "docs", "Sources", "Tests", "scripts", ".ci"]

    /// Spelt in pieces so that this file does not match itself.
    static let forbidden = [".." + "/shared", "shared" + "/corpus", "shared" + "/DESIGN.md"]

    func testNoTrackedFileReachesOutsideTheRepository() throws {
        let root = try Harness.repositoryRoot()
        let files = try Self.trackedFiles(root: root)
        XCTAssertTrue(files.contains("README.md"), "the file list is wrong: no README.md among \(files.count)")
        XCTAssertTrue(files.contains { $0.hasPrefix("docs/") }, "the file list is wrong: nothing under docs/")
        XCTAssertTrue(
            files.contains("Tests/ZonesepEndToEndTests/SelfContainedRepositoryTests.swift"),
            "the file list is wrong: this test's own file is missing")
        var offenders: [String] = []
        for path in files {
            guard let data = FileManager.default.contents(atPath: root.appendingPathComponent(path).path) else {
                continue  // listed by git but deleted in the working tree
            }
            for (n, line) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
                for pattern in Self.forbidden where line.firstRange(of: Array(pattern.utf8)) != nil {
                    offenders.append("\(path):\(n + 1): mentions \(pattern)")
                }
            }
        }
        XCTAssertTrue(
            offenders.isEmpty,
            "files refer to a folder outside the repository (a clone has none; use Tests/Corpus and docs/):\n"
                + offenders.joined(separator: "\n"))
    }

    /// The files git tracks under `scope`, relative to `root`; without git (an unpacked archive), every
    /// regular file under it.
    static func trackedFiles(root: URL) throws -> [String] {
        if FileManager.default.fileExists(atPath: root.appendingPathComponent(".git").path),
            let git = ["/usr/bin/git", "/usr/local/bin/git"].first(where: FileManager.default.isExecutableFile)
        {
            let outcome = try Harness.run(
                URL(fileURLWithPath: git), ["ls-files", "-z", "--"] + scope, timeout: 60, in: root)
            XCTAssertTrue(outcome.exitedNormally && outcome.status == 0, "git ls-files: \(outcome.brief)")
            return outcome.stdout.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        }
        var out: [String] = []
        for entry in scope {
            let top = root.appendingPathComponent(entry)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: top.path, isDirectory: &isDirectory) else { continue }
            guard isDirectory.boolValue else {
                out.append(entry)
                continue
            }
            guard
                let walker = FileManager.default.enumerator(
                    at: top, includingPropertiesForKeys: [.isRegularFileKey], options: [])
            else { throw HarnessError("cannot list \(top.path)") }
            for case let url as URL in walker
            where (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
                out.append(entry + "/" + url.path.dropFirst(top.path.count + 1))
            }
        }
        return out
    }
}
