// swift-tools-version:6.1
import PackageDescription

// libFuzzer targets for zonesep's parsers of untrusted input. Build and run them with `scripts/fuzz`
// (which passes `--sanitize=fuzzer --sanitize=address`): each target defines only
// LLVMFuzzerTestOneInput, libFuzzer's runtime brings main, so they do not link without those flags.
let package = Package(
    name: "zonesep-fuzz",
    dependencies: [.package(name: "zonesep", path: "..")],
    targets: [
        // What the targets share: the demonstration policy, inputs as in-memory files, the capture files'
        // reading loop.
        .target(
            name: "FuzzSupport",
            dependencies: [
                .product(name: "ZonesepCore", package: "zonesep"),
                .product(name: "ZonesepConfig", package: "zonesep"),
                .product(name: "ZonesepCapture", package: "zonesep"),
            ]
        ),
        .executableTarget(
            name: "fuzz-packet",
            dependencies: [
                "FuzzSupport", .product(name: "ZonesepCore", package: "zonesep"),
                .product(name: "ZonesepOutput", package: "zonesep"),
            ]
        ),
        .executableTarget(
            name: "fuzz-pcap",
            dependencies: ["FuzzSupport"]
        ),
        .executableTarget(
            name: "fuzz-pcapng",
            dependencies: ["FuzzSupport"]
        ),
        .executableTarget(
            name: "fuzz-config",
            dependencies: [
                "FuzzSupport", .product(name: "ZonesepConfig", package: "zonesep"),
                .product(name: "ZonesepCore", package: "zonesep"),
            ]
        ),
        .executableTarget(
            name: "fuzz-flowexport",
            dependencies: [
                "FuzzSupport", .product(name: "ZonesepFlowExport", package: "zonesep"),
                .product(name: "ZonesepCore", package: "zonesep"),
            ]
        ),
        .executableTarget(
            name: "fuzz-savedrun",
            dependencies: [
                "FuzzSupport", .product(name: "ZonesepSavedRun", package: "zonesep"),
                .product(name: "ZonesepOutput", package: "zonesep"),
            ]
        ),
    ]
)
