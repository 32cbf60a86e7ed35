import BenchFixtures
import Benchmark
import ZonesepCore

/// Built on first use, so a filtered run builds only the fixtures it needs, outside the measured region.
final class Fixture<T>: @unchecked Sendable {
    private let make: () -> T
    private var built: T?
    init(_ make: @escaping () -> T) { self.make = make }
    var value: T {
        if let v = built { return v }
        let v = make()
        built = v
        return v
    }
}

/// Where a lookup benchmark's prefixes lie.
enum PrefixLayout: String, CaseIterable {
    /// IPv4 /24s anywhere in 11.0.0.0-203.255.255.0.
    case ipv4 = "IPv4"
    /// IPv6 /48s with 40 random bits under fd00::/8: no common block below the /8.
    case ipv6Scattered = "IPv6 scattered /48s"
    /// IPv6 /64s under one /32, as a town hall's subnets under its allocation.
    case ipv6Allocation = "IPv6 /64s under one /32"
}

/// A zone map of `count` distinct prefixes laid out as `layout` says (in four zones) and addresses to look
/// up: three in four inside some prefix, the rest anywhere.
func lookupFixture(prefixes count: Int, layout: PrefixLayout) -> (ZoneMap, [IPAddress]) {
    let ipv6 = layout != .ipv4
    var r = SplitMix64(seed: UInt64(count) &* (layout == .ipv4 ? 1 : (layout == .ipv6Scattered ? 3 : 5)))
    var nets: [[IPPrefix]] = [[], [], [], []]
    var starts: [UInt128] = []
    var seen = Set<UInt128>()
    while starts.count < count {
        let base: UInt128
        let length: Int
        if layout == .ipv6Scattered {
            base = UInt128(0xfd00) << 112 | UInt128(r.next() & 0xff_ffff_ffff) << 80
            length = 48
        } else if layout == .ipv6Allocation {
            base = UInt128(0x2001_0db8) << 96 | UInt128(r.next() & 0xffff_ffff) << 64
            length = 64
        } else {
            // A /24 anywhere in 11.0.0.0-203.255.255.0 (16 million of them: 10/8 alone holds only 65,536
            // /24s, too few for 100,000 distinct prefixes).
            let net = 0x0b00_0000 + UInt32(truncatingIfNeeded: r.next() % 0xc100_0000) & 0xffff_ff00
            base = IPAddress(v4: net).rawValue
            length = 120
        }
        guard seen.insert(base).inserted else { continue }
        starts.append(base)
        nets[starts.count % 4].append(IPPrefix(address: IPAddress(rawValue: base), length: length))
    }
    let kinds: [ZoneKind] = [.mynumber, .lgwan, .lgwan, .internet]
    let zones = (0..<4).map { Zone(id: "z\($0)", kind: kinds[$0], networks: nets[$0]) }
    let map = ZoneMap(zones: zones, internal: PolicyConfig.defaultInternal)
    var addresses: [IPAddress] = []
    for i in 0..<(1 << 16) {
        if i % 4 == 3 {
            let any: UInt128 =
                ipv6
                ? UInt128(r.next()) << 64 | UInt128(r.next())
                : IPAddress(v4: UInt32(truncatingIfNeeded: r.next())).rawValue
            addresses.append(IPAddress(rawValue: any))
        } else {
            let host: UInt128 = ipv6 ? UInt128(r.next()) : UInt128(r.next() & 0xff)
            addresses.append(IPAddress(rawValue: starts[r.below(starts.count)] | host))
        }
    }
    return (map, addresses)
}

let benchmarks: @Sendable () -> Void = {
    // No `instructions` here: see the core path's instructions benchmark below.
    Benchmark.defaultConfiguration = .init(
        metrics: [.throughput, .wallClock, .mallocCountTotal],
        warmupIterations: 1,
        scalingFactor: .mega,
        maxDuration: .seconds(3),
        maxIterations: 50)

    // The core path: decode → zone lookup → flow table → policy on frames already in memory, the flow table
    // warm: the fixture makes one pass over every frame before any measurement, so every measured
    // iteration finds every flow. One iteration = 1M packets; throughput is in Mpps. No allocation per
    // packet: `mallocCountTotal` has a static threshold of 0 (Thresholds/). Instructions are a benchmark of
    // their own: on a machine without hardware counters (this project's VM) the `instructions` metric
    // reads nothing and its setup costs 16 mallocs an iteration, which would fail that threshold.
    let core = Fixture {
        let run = CoreRun(frames: FrameSet.imix(flows: 20_000, packets: 1 << 18))
        run.run(run.frames.count)
        return run
    }
    Benchmark(
        "Core path, warm (IMIX, 20k flows, 300 prefixes)",
        configuration: .init(
            thresholds: [
                .mallocCountTotal: .init(absolute: [.p0: 0, .p25: 0, .p50: 0, .p75: 0, .p90: 0, .p99: 0, .p100: 0])
            ])
    ) { benchmark in
        let run = core.value
        benchmark.startMeasurement()
        run.run(benchmark.scaledIterations.count)
        benchmark.stopMeasurement()
        blackHole(run.alerts)
    }

    Benchmark(
        "Core path, instructions (hardware counters)",
        configuration: .init(metrics: [.instructions, .throughput])
    ) { benchmark in
        let run = core.value
        benchmark.startMeasurement()
        run.run(benchmark.scaledIterations.count)
        benchmark.stopMeasurement()
        blackHole(run.alerts)
    }

    // Zone lookup alone, at several table sizes: one iteration = 1M lookups of mixed addresses.
    for layout in PrefixLayout.allCases {
        for size in [300, 10_000, 100_000] {
            let fixture = Fixture { lookupFixture(prefixes: size, layout: layout) }
            Benchmark("Zone lookup, \(layout.rawValue), \(size) prefixes") { benchmark in
                let (map, addresses) = fixture.value
                benchmark.startMeasurement()
                var sum: UInt64 = 0
                addresses.withUnsafeBufferPointer { a in
                    let mask = a.count - 1
                    for i in benchmark.scaledIterations { sum &+= UInt64(map.lookup(a[i & mask]).rawValue) }
                }
                benchmark.stopMeasurement()
                blackHole(sum)
            }
        }
    }

    // A SYN flood at the cap: every packet a new flow from a random source, the table (64k flows) full, so
    // each insert evicts one. Memory stays at the table's reservation; evictions are counted.
    let flood = Fixture { CoreRun(frames: FrameSet.synFlood(packets: 1 << 18), flowCapacity: 1 << 16) }
    Benchmark(
        "Flow table under a SYN flood (cap 65,536 flows)",
        configuration: .init(metrics: [.throughput, .wallClock, .mallocCountTotal, .peakMemoryResident])
    ) { benchmark in
        let run = flood.value
        benchmark.startMeasurement()
        run.run(benchmark.scaledIterations.count)
        benchmark.stopMeasurement()
        precondition(run.verifier.activeFlows <= 1 << 16 && run.verifier.flows.evictions > 0)
    }

    // The memory of a full default-size table: 1,048,576 flows. One iteration fills a new table.
    Benchmark(
        "Flow table, 1M flows (memory)",
        configuration: .init(
            metrics: [.wallClock, .peakMemoryResidentDelta, .mallocCountTotal], scalingFactor: .one, maxIterations: 3)
    ) { benchmark in
        let table = FlowTable(capacity: 1 << 20)
        var r = SplitMix64(seed: 1)
        for i in 0..<(1 << 20) {
            let key = FlowKey(
                addressA: IPAddress(v4: 0x0a00_0000 | UInt32(i)),
                addressB: IPAddress(v4: UInt32(truncatingIfNeeded: r.next())),
                portA: 49152, portB: 443, proto: 6, vlans: 0)
            _ = table.insert(key, hash: key.hashValue64, now: 0, evicted: { _, _ in })
        }
        precondition(table.count == 1 << 20)
        blackHole(table)
    }
}
