// Zone lookups alone in a plain process, for perf and callgrind (the suite's lookup benchmarks, one size):
//   .build/release/lookup-profile ipv6-scattered 100000 20
// Arguments: layout (ipv4, ipv6-scattered, ipv6-allocation), prefixes, millions of lookups. Prints ns each.
import BenchFixtures
import Dispatch
import ZonesepCore

let args = CommandLine.arguments
let layouts: [String: PrefixLayout] = [
    "ipv4": .ipv4, "ipv6-scattered": .ipv6Scattered, "ipv6-allocation": .ipv6Allocation, "ipv4-private": .ipv4Private,
]
let layout = args.count > 1 ? layouts[args[1]] ?? .ipv4 : .ipv4
let prefixes = args.count > 2 ? Int(args[2]) ?? 300 : 300
let millions = args.count > 3 ? Int(args[3]) ?? 10 : 10
/// The measured loop, in a function so that the map is a local and not a top-level global.
func run(_ map: ZoneMap, _ addresses: [IPAddress], _ count: Int) -> UInt64 {
    var sum: UInt64 = 0
    addresses.withUnsafeBufferPointer { a in
        let mask = a.count - 1
        for i in 0..<count { sum &+= UInt64(map.lookup(a[i & mask]).rawValue) }
    }
    return sum
}

let (map, addresses) = lookupFixture(prefixes: prefixes, layout: layout)
let start = DispatchTime.now().uptimeNanoseconds
let sum = run(map, addresses, millions * 1_000_000)
let ns = Double(DispatchTime.now().uptimeNanoseconds - start) / Double(millions * 1_000_000)
print("\(layout.rawValue), \(prefixes) prefixes: \(ns) ns/lookup (\(sum))")
