// A plain executable around the core-path fixture, for profilers that need one process doing only this:
//   perf record -g .build/release/core-profile 8
//   valgrind --tool=callgrind .build/release/core-profile 1      (instructions per packet, no HW counters needed)
// Arguments: millions of packets to feed after the warm-up pass (default 4), flows (default 20,000), then
// any of `sink` (attach a CountingSink: what a sensor's outputs ask of the engine), `erspan` (the same
// frames in ERSPAN type II with a VLAN tag inside) or `vxlan` (the same frames in VXLAN), or `flood`: the
// new-flow path instead, the SYN flood of the benchmark suite (every frame a new flow from a spoofed source,
// the table at its cap of 65,536 flows so that each evicts one), where
//   (Ir(core-profile 3 0 flood) - Ir(core-profile 1 0 flood)) / 2M
// is the instructions of one new flow: its insertion, judgement, alert, host observation and an eviction.
// Prints ns and Mpps.
import BenchFixtures
import Dispatch

let millions = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 4 : 4
let flows = CommandLine.arguments.count > 2 ? Int(CommandLine.arguments[2]) ?? 20_000 : 20_000
let options = CommandLine.arguments.dropFirst(3)
let withSink = options.contains("sink")
let encapsulation = Encapsulation.allCases.first { options.contains($0.argument) }
let flood = options.contains("flood")
var frames = flood ? FrameSet.synFlood(packets: 1 << 18) : FrameSet.imix(flows: flows, packets: 1 << 18)
if let encapsulation { frames = frames.encapsulated(encapsulation) }
let run = CoreRun(frames: frames, flowCapacity: flood ? 1 << 16 : 1 << 20, sink: withSink ? CountingSink() : nil)
run.run(run.frames.count)  // warm: every flow in the table
let start = DispatchTime.now().uptimeNanoseconds
run.run(millions * 1_000_000)
let ns = Double(DispatchTime.now().uptimeNanoseconds - start) / Double(millions * 1_000_000)
print(
    "\(flood ? "new flows (SYN flood)" : "core path")\(encapsulation.map { ", \($0.rawValue)" } ?? ""): \(ns) ns/packet, \(1000 / ns) Mpps, "
        + "\(run.alerts) alerts, \(run.verifier.activeFlows) flows")
