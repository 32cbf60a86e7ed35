// A plain executable around the flow-export fixture, for profilers that need one process doing only this:
//   valgrind --tool=callgrind .build/release/flowexport-profile 1 judged   (instructions per record)
// Arguments: millions of records to decode after the warm-up pass (default 4), then `judged` to put every
// record into collect's flow table as well, and `v9` for NetFlow v9 instead of IPFIX. Prints ns a record.
import BenchFixtures
import Dispatch

let arguments = CommandLine.arguments.dropFirst()
let millions = arguments.first.flatMap { Int($0) } ?? 4
let run = FlowExportRun(ipfix: !arguments.contains("v9"), judged: arguments.contains("judged"))
run.run(records: run.messages.count * run.recordsPerMessage)  // warm: every template and flow known
let start = DispatchTime.now().uptimeNanoseconds
run.run(records: millions * 1_000_000)
let ns = Double(DispatchTime.now().uptimeNanoseconds - start) / Double(millions * 1_000_000)
print(
    "flow export\(run.table == nil ? "" : " judged"): \(ns) ns/record, \(1000 / ns) M records/s, "
        + "\(run.table?.flows ?? 0) flows, checksum \(run.sum)")
