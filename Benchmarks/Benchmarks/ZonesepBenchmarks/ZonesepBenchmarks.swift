import BenchFixtures
import Benchmark
import ZonesepConfig
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
    /// One iteration of either core-path benchmark: a million packets through the warm fixture.
    let runCore = { (benchmark: Benchmark) in
        let run = core.value
        benchmark.startMeasurement()
        run.run(benchmark.scaledIterations.count)
        benchmark.stopMeasurement()
        blackHole(run.alerts)
    }
    Benchmark(
        "Core path, warm (IMIX, 20k flows, 300 prefixes)",
        configuration: .init(
            thresholds: [
                .mallocCountTotal: .init(absolute: [.p0: 0, .p25: 0, .p50: 0, .p75: 0, .p90: 0, .p99: 0, .p100: 0])
            ])
    ) { benchmark in runCore(benchmark) }

    // The same with a sink attached, asking for what a sensor's outputs ask for (alerts, the packets of
    // alerted flows for evidence, violating flows' ends): the cost of the event interface on the fast path.
    let coreWithSink = Fixture {
        let run = CoreRun(frames: FrameSet.imix(flows: 20_000, packets: 1 << 18), sink: CountingSink())
        run.run(run.frames.count)
        return run
    }
    Benchmark(
        "Core path, warm, with a sink (alerts, evidence packets, ends)",
        configuration: .init(
            thresholds: [
                .mallocCountTotal: .init(absolute: [.p0: 0, .p25: 0, .p50: 0, .p75: 0, .p90: 0, .p99: 0, .p100: 0])
            ])
    ) { benchmark in
        let run = coreWithSink.value
        benchmark.startMeasurement()
        run.run(benchmark.scaledIterations.count)
        benchmark.stopMeasurement()
        blackHole(run.alerts)
    }

    // The same packets as the core path, each as a remote mirror or a virtualised core delivers it: in
    // ERSPAN type II with a VLAN tag inside, and in VXLAN (`FrameSet.encapsulated`). Every flow is the
    // plain benchmark's, judged on its innermost headers; the bar is half the plain rate, with no
    // allocation (the same static threshold of 0).
    for encapsulation in Encapsulation.allCases {
        let fixture = Fixture {
            let run = CoreRun(frames: FrameSet.imix(flows: 20_000, packets: 1 << 18).encapsulated(encapsulation))
            run.run(run.frames.count)
            return run
        }
        Benchmark(
            "Core path, warm, \(encapsulation.rawValue) (same packets)",
            configuration: .init(
                thresholds: [
                    .mallocCountTotal: .init(absolute: [.p0: 0, .p25: 0, .p50: 0, .p75: 0, .p90: 0, .p99: 0, .p100: 0])
                ])
        ) { benchmark in
            let run = fixture.value
            benchmark.startMeasurement()
            run.run(benchmark.scaledIterations.count)
            benchmark.stopMeasurement()
            blackHole(run.alerts)
        }
    }

    Benchmark(
        "Core path, instructions (hardware counters)",
        configuration: .init(metrics: [.instructions, .throughput])
    ) { benchmark in runCore(benchmark) }

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

    // The policy's judgement of new flows that cross tiers (the call a new flow makes after its zone
    // lookups), with the benchmark town hall's 10 declarations and with a prefecture's 10,000: the
    // declaration index should make both cost about the same. One iteration = 1M judgements.
    for declarations in [10, 10_000] {
        let fixture = Fixture { () -> (Policy, [FlowEnds]) in
            let policy = Policy(PolicyFixture.config(declarations: declarations))
            precondition(policy.declarations.count == declarations)
            return (policy, PolicyFixture.flows(policy, count: 1 << 16))
        }
        Benchmark(
            "Policy, judge a new flow, \(declarations) declarations",
            configuration: .init(metrics: [.throughput, .wallClock, .cpuUser, .mallocCountTotal])
        ) { benchmark in
            let (policy, flows) = fixture.value
            benchmark.startMeasurement()
            var allowed = 0
            flows.withUnsafeBufferPointer { f in
                let mask = f.count - 1
                for i in benchmark.scaledIterations {
                    allowed &+= policy.judge(f[i & mask], at: PolicyFixture.now).declaration
                }
            }
            benchmark.stopMeasurement()
            blackHole(allowed)
        }
    }

    // Flow export decoding: IPFIX and NetFlow v9 data messages of 30 records each (softflowd's IPv4 template,
    // known before measuring), decoded into one reused record. One iteration = 1M records; throughput is in
    // M records/s. No allocation per record: the same static threshold of 0 as the core path.
    // With judging: each record also into collect's flow table (the benchmark town hall's 300 prefixes),
    // the table warm (every flow known), as a collector's steady state.
    for (ipfix, judged) in [(true, false), (false, false), (true, true)] {
        let fixture = Fixture { FlowExportRun(ipfix: ipfix, judged: judged) }
        Benchmark(
            "Flow export \(judged ? "decoding and judging" : "decoding"), \(ipfix ? "IPFIX" : "NetFlow v9") (30 records a message)",
            configuration: .init(
                thresholds: [
                    .mallocCountTotal: .init(absolute: [.p0: 0, .p25: 0, .p50: 0, .p75: 0, .p90: 0, .p99: 0, .p100: 0])
                ])
        ) { benchmark in
            let run = fixture.value
            benchmark.startMeasurement()
            run.run(records: benchmark.scaledIterations.count)
            benchmark.stopMeasurement()
            precondition(run.decoder.stats.values.first?.totalFailures == 0)
            blackHole(run.sum)
            blackHole(run.table?.flows)
        }
    }

    // Loading zones.conf (TOML reading and every check, as `zonesep` does at start-up and on reload) of a
    // prefecture's 10,000 declarations. One iteration = one load; MB/s = the size in the name × loads/s.
    let zonesConf = Fixture { () -> String in
        let text = PolicyFixture.zonesConf(declarations: 10_000)
        let r = ZonesConfigLoader.load(text: text, fileName: "bench.conf")
        precondition(r.config?.exceptions.count == 9_996, "\(r.diagnostics.prefix(3))")
        return text
    }
    let megabytes = Double(zonesConf.value.utf8.count) / 1e6
    Benchmark(
        "zones.conf load, 10,000 declarations (\((megabytes * 100).rounded() / 100) MB)",
        // CPU time beside the wall clock: on a shared machine the wall clock also counts other processes.
        configuration: .init(metrics: [.throughput, .wallClock, .cpuUser, .mallocCountTotal], scalingFactor: .one)
    ) { benchmark in
        let text = zonesConf.value
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(ZonesConfigLoader.load(text: text, fileName: "bench.conf"))
        }
        benchmark.stopMeasurement()
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
