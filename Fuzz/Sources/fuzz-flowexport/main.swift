import FuzzSupport
import ZonesepCore
import ZonesepFlowExport

// Flow exports as `collect` takes them: IPFIX, NetFlow v9 and v5 and sFlow datagrams decoded by one
// FlowExportDecoder (templates and held data carry over from one datagram to the next, within an input),
// their records judged by the demonstration policy in a small flow table.
//
// Input: datagrams, each  exporter u8 (which of 4 source addresses sent it) | length u16 little-endian |
// length bytes. Small limits, so held sets, session and exporter caps and flow evictions are reached too.

let policy = Fuzz.demonstrationPolicy

/// Counts what the table hands out, so the events are used.
final class Counter: EventSink {
    let interests: EventInterests = [.flowStarts, .flowEnds]
    var count = 0
    func consume(_ batch: EventBatch) {
        for e in batch.events { count &+= Int(truncatingIfNeeded: e.flow.packets &+ e.flow.bytes & 1) }
    }
}

/// libFuzzer calls this once per input (its runtime brings `main`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = Fuzz.bytes(data, size)
    var limits = FlowExportDecoder.Limits()
    limits.heldSets = 4
    limits.heldBytes = 4096
    limits.sessions = 8
    limits.exporters = 3
    limits.templateLifetimeMicros = 60_000_000
    var decoder = FlowExportDecoder(limits: limits)
    let counter = Counter()
    let table = ExportFlowTable(policy: policy, capacity: 16, sink: counter)
    var at = 0
    var time: Int64 = 1_781_481_600_000_000
    while at + 3 <= input.count {
        let exporter = input[at]
        let length = min(Int(input[at + 1]) | Int(input[at + 2]) << 8, input.count - at - 3)
        let bytes = UnsafeRawBufferPointer(rebasing: input[(at + 3)..<(at + 3 + length)])
        time += Int64(exporter) * 1_000_000
        decoder.decode(
            bytes, exporter: IPAddress(v4: 0xc000_0200 | UInt32(exporter & 3)), port: 4739 + UInt16(exporter >> 6),
            receivedMicros: time
        ) {
            // No record reaches the table with a time no RFC 3339 text can hold (`timestamp-out-of-range`).
            precondition($0.timesAreWritable, "a record time outside the years 0000-9999 was handed on")
            table.add($0)
        }
        table.flush()
        at += 3 + length
    }
    table.finish()
    var sum = counter.count
    for s in decoder.stats.values { sum &+= Int(truncatingIfNeeded: s.records &+ s.totalFailures) }
    return sum == Int.min ? 1 : 0
}
