import Foundation
import XCTest

/// A user's clone has nothing beside it: no file the project tracks may send a reader, a test or a script
/// to a sibling `shared` folder of the developers' machine (its specification or its capture corpus).
final class SelfContainedRepositoryTests: XCTestCase {
    /// Spelt in pieces so that this file does not match itself.
    static let forbidden = [".." + "/shared", "shared" + "/corpus", "shared" + "/DESIGN.md"]

    /// Build products and tool state, never part of a clone (skipped when there is no git to ask).
    static let untracked: Set<String> = [".git", ".build", ".swiftpm", ".bench"]

    /// Everything a newcomer reads, builds or runs: README.md, docs, Sources, Tests, scripts, .ci, the
    /// benchmark and fuzzing packages, the demonstration.
    func testNoTrackedFileReachesOutsideTheRepository() throws {
        let root = try Harness.repositoryRoot()
        let files = try Self.trackedFiles(root: root)
        for expected in ["README.md", "docs/README.md", "scripts/test", ".ci/run", "Package.swift"] {
            XCTAssertTrue(files.contains(expected), "the file list is wrong: no \(expected) among \(files.count)")
        }
        XCTAssertTrue(
            files.contains("Tests/ZonesepEndToEndTests/SelfContainedRepositoryTests.swift"),
            "the file list is wrong: this test's own file is missing")
        let offenders = Self.offenders(files, root: root)
        XCTAssertTrue(
            offenders.isEmpty,
            "files refer to a folder outside the repository (a clone has none; use Tests/Corpus and docs/):\n"
                + offenders.joined(separator: "\n"))
    }

    /// The walk used without git finds a mention in a source file and skips build products.
    func testTheWalkWithoutGitFindsAMentionAndSkipsBuildProducts() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("self-contained-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let fm = FileManager.default
        try fm.createDirectory(at: dir.appendingPathComponent("docs"), withIntermediateDirectories: true)
        try fm.createDirectory(at: dir.appendingPathComponent(".build/debug"), withIntermediateDirectories: true)
        let mention = Data("see \(Self.forbidden[0])/DESIGN.md\n".utf8)
        try Data("clean\n".utf8).write(to: dir.appendingPathComponent("README.md"))
        try (Data("first line\n".utf8) + mention).write(to: dir.appendingPathComponent("docs/guide.md"))
        try mention.write(to: dir.appendingPathComponent(".build/debug/cache.txt"))

        let files = try Self.walkedFiles(root: dir).sorted()
        XCTAssertEqual(files, ["README.md", "docs/guide.md"])
        XCTAssertEqual(
            Self.offenders(files, root: dir),
            ["docs/guide.md:2: mentions \(Self.forbidden[0])", "docs/guide.md:2: mentions \(Self.forbidden[2])"])
    }

    /// `path:line: mentions PATTERN` for every line of `files` (relative to `root`) holding a forbidden string.
    static func offenders(_ files: [String], root: URL) -> [String] {
        var out: [String] = []
        for path in files {
            guard let data = FileManager.default.contents(atPath: root.appendingPathComponent(path).path) else {
                continue  // listed by git but deleted in the working tree
            }
            for (n, line) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
                for pattern in forbidden where line.firstRange(of: Array(pattern.utf8)) != nil {
                    out.append("\(path):\(n + 1): mentions \(pattern)")
                }
            }
        }
        return out
    }

    /// The files git tracks, relative to `root`; without git (an unpacked archive), every regular file but
    /// build products.
    static func trackedFiles(root: URL) throws -> [String] {
        if FileManager.default.fileExists(atPath: root.appendingPathComponent(".git").path),
            let git = ["/usr/bin/git", "/usr/local/bin/git"].first(where: FileManager.default.isExecutableFile)
        {
            let outcome = try Harness.run(URL(fileURLWithPath: git), ["ls-files", "-z"], timeout: 60, in: root)
            XCTAssertTrue(outcome.exitedNormally && outcome.status == 0, "git ls-files: \(outcome.brief)")
            return outcome.stdout.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        }
        return try walkedFiles(root: root)
    }

    static func walkedFiles(root: URL) throws -> [String] {
        let base = root.resolvingSymlinksInPath().path
        guard
            let walker = FileManager.default.enumerator(
                at: root.resolvingSymlinksInPath(), includingPropertiesForKeys: [.isRegularFileKey], options: [])
        else { throw HarnessError("cannot list \(root.path)") }
        var out: [String] = []
        for case let url as URL in walker {
            let name = url.lastPathComponent
            if untracked.contains(name) || name.hasPrefix(".build") {
                walker.skipDescendants()
                continue
            }
            if (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
                let path = url.resolvingSymlinksInPath().path
                out.append(path.hasPrefix(base + "/") ? String(path.dropFirst(base.count + 1)) : path)
            }
        }
        return out
    }
}
