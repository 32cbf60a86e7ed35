// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "zonesep",
    products: [
        .executable(name: "zonesep", targets: ["zonesep"]),
        .library(name: "ZonesepCore", targets: ["ZonesepCore"]),
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
        // Memory hints (one header, no library): the CPU's prefetch and the kernel's huge pages.
        .systemLibrary(name: "CMemoryHints"),
        // Decoding, zone lookup, flow table and policy: pure Swift, no I/O, no Foundation.
        .target(name: "ZonesepCore", dependencies: ["CMemoryHints"]),
        // zones.conf: a TOML reader that keeps line numbers, and the checks that turn it into a policy.
        .target(name: "ZonesepConfig", dependencies: ["ZonesepCore"]),
        // libpcap handles (files, and later interfaces): the only target that calls libpcap.
        .target(name: "ZonesepCapture", dependencies: ["CPcap", "ZonesepCore"]),
        // Alert and summary encoders (JSON Lines, text).
        .target(name: "ZonesepOutput", dependencies: ["ZonesepCore"]),
        .executableTarget(
            name: "zonesep",
            dependencies: [
                "ZonesepCore", "ZonesepConfig", "ZonesepCapture", "ZonesepOutput",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "ZonesepCoreTests", dependencies: ["ZonesepCore"]),
        .testTarget(name: "ZonesepConfigTests", dependencies: ["ZonesepConfig"]),
        .testTarget(name: "ZonesepCaptureTests", dependencies: ["ZonesepCapture"]),
        .testTarget(name: "ZonesepOutputTests", dependencies: ["ZonesepOutput"]),
        .testTarget(name: "ZonesepEndToEndTests", dependencies: ["zonesep"]),
    ]
)
