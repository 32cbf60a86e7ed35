import Foundation
import XCTest

/// Start-up is part of every replay's cost (the bare libpcap loop it is measured against starts in about a
/// millisecond). The full Foundation library, with its internationalisation and ICU data, cost each run some
/// 15 M instructions in the dynamic loader and the runtime's conformance scans before the first packet; the
/// executable uses FoundationEssentials alone, and this holds it there. As a sensor is installed
/// (`--static-swift-stdlib`), it also takes libstdc++ from its archive (Package.swift's
/// `Linking/static-libstdc++`): binding libstdc++.so's symbols cost every start 2 M instructions.
final class ExecutableLinkageTests: XCTestCase {
    func testTheExecutableLoadsFoundationEssentialsButNotFoundation() throws {
        let libraries = try Self.libraries(of: try Harness.zonesep())
        XCTAssertTrue(libraries.contains("libpcap.so.0.8"), "ldd's output is not what this test reads: \(libraries)")
        if libraries.contains(where: { $0.hasPrefix("libswiftCore.so") }) {
            // (With --static-swift-stdlib, FoundationEssentials is linked in and ldd shows no trace of it.)
            XCTAssertTrue(libraries.contains("libFoundationEssentials.so"), "\(libraries)")
        }
        for heavy in ["libFoundation.so", "libFoundationInternationalization.so", "lib_FoundationICU.so"] {
            XCTAssertFalse(libraries.contains(heavy), "zonesep loads \(heavy): an `import Foundation` crept back")
        }
    }

    /// libssl serves only `tls://` syslog: it is loaded when such a destination is set up (CLibSSL, whose
    /// forwarding `SyslogTLSTests` and `SyslogTLSEndToEndTests` exercise), not bound at every start (its 667
    /// symbols cost 0.6 M instructions). libcrypto, which every alert's Community ID uses, stays linked.
    func testLibsslIsNotLoadedAtStart() throws {
        let libraries = try Self.libraries(of: try Harness.zonesep())
        XCTAssertTrue(libraries.contains("libcrypto.so.3"), "ldd's output is not what this test reads: \(libraries)")
        XCTAssertFalse(
            libraries.contains("libssl.so.3"),
            "zonesep links libssl again (or objects built before COpenSSL stopped linking it are left: delete "
                + ".build/*/debug/Zonesep*.build and rebuild): \(libraries)")
    }

    /// The suite's own build links the Swift runtime dynamically (libswiftCore.so brings libstdc++.so with
    /// it), so this links a program statically the way Package.swift links zonesep, and one without the
    /// package's search directory, which must load libstdc++.so (else the check proves nothing). A zonesep
    /// built with `--static-swift-stdlib` (`ZONESEP_BIN`) is held to it as well.
    func testAStaticSwiftRuntimeBringsNoLibstdcxx() throws {
        let zonesep = try Harness.zonesep()
        let own = try Self.libraries(of: zonesep)
        if !own.contains(where: { $0.hasPrefix("libswiftCore.so") }) {
            XCTAssertFalse(own.contains("libstdc++.so.6"), "\(zonesep.path) loads libstdc++.so.6: \(own)")
        }

        let swiftc = try Self.swiftc()
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("zonesep-link-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let source = scratch.appendingPathComponent("main.swift")
        // A Dictionary of a String key needs the runtime's C++ parts (its hashing and metadata caches).
        try Data("print([\"zone\": 1].count)\n".utf8).write(to: source)
        let searchDirectory = try Harness.repositoryRoot().appendingPathComponent("Linking/static-libstdc++")

        func link(_ name: String, _ extra: [String]) throws -> Set<String> {
            let output = scratch.appendingPathComponent(name)
            let outcome = try Harness.run(
                swiftc, ["-static-stdlib"] + extra + [source.path, "-o", output.path], timeout: 300)
            XCTAssertEqual(outcome.status, 0, String(decoding: outcome.stderr, as: UTF8.self))
            let run = try Harness.run(output, [], timeout: 30)
            XCTAssertEqual(String(decoding: run.stdout, as: UTF8.self), "1\n")
            return try Self.libraries(of: output)
        }
        let withPackageFlags = try link("static", ["-L", searchDirectory.path])
        let without = try link("control", [])
        XCTAssertTrue(without.contains("libstdc++.so.6"), "the control program does not load libstdc++: \(without)")
        XCTAssertFalse(
            withPackageFlags.contains("libstdc++.so.6"),
            "linked with \(searchDirectory.path) on the search path, it still loads libstdc++.so.6: \(withPackageFlags)"
        )
        XCTAssertTrue(withPackageFlags.contains("libc.so.6"), "\(withPackageFlags)")
    }

    /// The names of the libraries `ldd` lists for an executable.
    static func libraries(of executable: URL) throws -> Set<String> {
        let ldd = ["/usr/bin/ldd", "/bin/ldd"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let ldd else { throw XCTSkip("ldd is not installed") }
        let outcome = try Harness.run(URL(fileURLWithPath: ldd), [executable.path], timeout: 30)
        XCTAssertEqual(outcome.status, 0, String(decoding: outcome.stderr, as: UTF8.self))
        return Set(
            String(decoding: outcome.stdout, as: UTF8.self).split(separator: "\n").compactMap {
                $0.split(whereSeparator: { $0 == " " || $0 == "\t" }).first.map(String.init)
            })
    }

    /// The swiftc of the toolchain running the tests (on PATH, as `swift test` leaves it, or beside `swift`).
    static func swiftc() throws -> URL {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let candidates =
            path.split(separator: ":").map { "\($0)/swiftc" } + ["/opt/swift/usr/bin/swiftc", "/usr/bin/swiftc"]
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("no swiftc on PATH")
        }
        return URL(fileURLWithPath: found)
    }
}
