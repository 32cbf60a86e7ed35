// swift-tools-version:6.1
import PackageDescription

/// With `--static-swift-stdlib` the executable links libstdc++ statically too (the Swift runtime's C++
/// library, which swiftc asks for as `-lstdc++`): this directory, searched ahead of GCC's, holds a linker
/// script that answers `-lstdc++` with libstdc++.a. The dynamic loader then binds none of libstdc++.so's
/// 1,671 symbols at every start (2.0 M instructions of a replay's 32 M). Builds without
/// `--static-swift-stdlib` ask for no `-lstdc++` and are not affected. (An absolute path, whatever directory
/// the link runs in.)
let staticLibstdcxx = String(#filePath.dropLast("Package.swift".count)) + "Linking/static-libstdc++"

let package = Package(
    name: "zonesep",
    products: [
        .executable(name: "zonesep", targets: ["zonesep"]),
        .library(name: "ZonesepCore", targets: ["ZonesepCore"]),
        .library(name: "ZonesepConfig", targets: ["ZonesepConfig"]),
        .library(name: "ZonesepFlowExport", targets: ["ZonesepFlowExport"]),
        // For the fuzzers (Fuzz/), which build as a package of their own.
        .library(name: "ZonesepCapture", targets: ["ZonesepCapture"]),
        .library(name: "ZonesepOutput", targets: ["ZonesepOutput"]),
        .library(name: "ZonesepSavedRun", targets: ["ZonesepSavedRun"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2")
    ],
    targets: [
        // libpcap, as Debian's libpcap-dev installs it.
        .systemLibrary(
            name: "CPcap",
            pkgConfig: "libpcap",
            providers: [.apt(["libpcap-dev"])]
        ),
        // OpenSSL 3, as Debian's libssl-dev installs it: libcrypto's digests, linked; libssl's declarations for
        // TLS, whose library CLibSSL loads when a tls:// destination is first set up.
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        // libssl's functions that TLS syslog calls, forwarded to libssl.so.3 loaded on demand (dlopen). DWARF 4
        // like the Swift code's: valgrind (callgrind, which the benchmarks use) cannot read clang's DWARF 5.
        .target(name: "CLibSSL", cSettings: [.unsafeFlags(["-gdwarf-4"])]),
        // Memory hints (one header, no library): the CPU's prefetch and the kernel's huge pages.
        .systemLibrary(name: "CMemoryHints"),
        // sendmmsg(2) and the socket error queue (one header, no library): syslog's UDP datagrams.
        .systemLibrary(name: "CDatagrams"),
        // Decoding, zone lookup, flow table and policy: pure Swift, no I/O, no Foundation.
        .target(name: "ZonesepCore", dependencies: ["CMemoryHints"]),
        // SHA-256 and SHA-1 from libcrypto behind small Swift types; Core stays free of any linked library.
        .target(name: "ZonesepCrypto", dependencies: ["COpenSSL"]),
        // zones.conf: a TOML reader that keeps line numbers, and the checks that turn it into a policy.
        .target(name: "ZonesepConfig", dependencies: ["ZonesepCore", "ZonesepCrypto"]),
        // libpcap handles (files, and later interfaces): the only target that calls libpcap.
        .target(name: "ZonesepCapture", dependencies: ["CPcap", "ZonesepCore", "ZonesepCrypto"]),
        // IPFIX, NetFlow v9/v5 and sFlow datagrams into flow records: no I/O.
        .target(name: "ZonesepFlowExport", dependencies: ["ZonesepCore"]),
        // Alert and summary encoders (JSON Lines, text).
        .target(
            name: "ZonesepOutput", dependencies: ["ZonesepCore", "ZonesepCrypto", "COpenSSL", "CLibSSL", "CDatagrams"]),
        // The run itself: the session around the engine, the sinks and delivery stages, live capture workers.
        .target(name: "ZonesepRuntime", dependencies: ["ZonesepCore", "ZonesepCapture", "ZonesepOutput"]),
        // A saved run (JSON Lines) read back into the report model.
        .target(name: "ZonesepSavedRun", dependencies: ["ZonesepCore", "ZonesepOutput"]),
        .executableTarget(
            name: "zonesep",
            dependencies: [
                "ZonesepCore", "ZonesepConfig", "ZonesepCapture", "ZonesepOutput", "ZonesepCrypto", "ZonesepFlowExport",
                "ZonesepRuntime", "ZonesepSavedRun",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            linkerSettings: [.unsafeFlags(["-L", staticLibstdcxx])]
        ),
        // What several test targets share (a tiny tmpfs for full-disk tests); not a test target itself.
        .target(name: "ZonesepTestSupport", path: "Tests/ZonesepTestSupport"),
        .testTarget(name: "ZonesepCoreTests", dependencies: ["ZonesepTestSupport", "ZonesepCore"]),
        .testTarget(name: "ZonesepCryptoTests", dependencies: ["ZonesepCrypto"]),
        .testTarget(name: "ZonesepConfigTests", dependencies: ["ZonesepTestSupport", "ZonesepConfig"]),
        .testTarget(name: "ZonesepCaptureTests", dependencies: ["ZonesepTestSupport", "ZonesepCapture"]),
        .testTarget(
            name: "ZonesepOutputTests",
            dependencies: ["ZonesepTestSupport", "ZonesepOutput", "ZonesepCrypto", "ZonesepSavedRun"]),
        .testTarget(name: "ZonesepRuntimeTests", dependencies: ["ZonesepTestSupport", "ZonesepRuntime", "ZonesepConfig"]),
        .testTarget(
            name: "ZonesepFlowExportTests", dependencies: ["ZonesepFlowExport", "ZonesepCapture", "ZonesepConfig"],
            exclude: ["Fixtures"]),
        .testTarget(name: "ZonesepEndToEndTests", dependencies: ["ZonesepTestSupport", "zonesep"]),
    ]
)
