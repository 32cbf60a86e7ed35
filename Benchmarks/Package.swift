// swift-tools-version:6.1
// The benchmark suite, a package of its own so that the root package's `swift test` (and CI) never builds
// package-benchmark and its dependencies. Run it with `cd Benchmarks && swift package benchmark`.
import PackageDescription

let package = Package(
    name: "zonesep-benchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "zonesep", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // Frames, the benchmark policy and the core-path driver, shared by the suite and core-profile.
        .target(
            name: "BenchFixtures",
            dependencies: [
                .product(name: "ZonesepCore", package: "zonesep"),
                .product(name: "ZonesepFlowExport", package: "zonesep"),
            ]),
        // The core path alone in a plain process, for perf and callgrind.
        .executableTarget(name: "core-profile", dependencies: ["BenchFixtures"]),
        // Flow-export decoding (and judging) alone, likewise.
        .executableTarget(name: "flowexport-profile", dependencies: ["BenchFixtures"]),
        // Zone lookups alone, likewise.
        .executableTarget(
            name: "lookup-profile",
            dependencies: ["BenchFixtures", .product(name: "ZonesepCore", package: "zonesep")]),
        .executableTarget(
            name: "ZonesepBenchmarks",
            dependencies: [
                "BenchFixtures",
                .product(name: "ZonesepCore", package: "zonesep"),
                .product(name: "ZonesepConfig", package: "zonesep"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/ZonesepBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
