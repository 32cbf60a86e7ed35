import ZonesepCore
import ZonesepFlowExport

/// Export datagrams for the flow-export decoding benchmarks: one template message, then data messages of
/// 30 records each over a spread of addresses and ports, as a router exports them. A class, so that each
/// measured iteration mutates the one decoder rather than a copy (a copy's first write would allocate).
public final class FlowExportRun {
    public let template: [UInt8]
    public private(set) var messages: [[UInt8]]
    let ipfix: Bool
    public let recordsPerMessage = 30
    public var decoder = FlowExportDecoder()
    public var sum: UInt64 = 0
    /// With judging: every record into the flow table of the benchmark town hall, as `collect` does.
    public let table: ExportFlowTable?

    /// The fields of the benchmark template (IPFIX element ids, NetFlow v9 types), softflowd's IPv4 set.
    static let fields: [(UInt16, UInt16)] = [
        (8, 4), (12, 4), (22, 4), (21, 4), (1, 4), (2, 4), (10, 4), (14, 4), (61, 1), (136, 1), (7, 2), (11, 2),
        (4, 1), (6, 1), (60, 1), (5, 1),
    ]

    public init(ipfix: Bool, judged: Bool = false, messages count: Int = 1024) {
        self.ipfix = ipfix
        table = judged ? ExportFlowTable(policy: Policy(BenchPolicy.config()), sink: AlertsOnly()) : nil
        var r = SplitMix64(seed: 7)
        func header(_ b: inout [UInt8], sequence: UInt32) {
            if ipfix {
                b += be16(10) + be16(0) + be32(1_781_481_600) + be32(sequence) + be32(1)
            } else {
                b += be16(9) + be16(30) + be32(3_600_000) + be32(1_781_481_600) + be32(sequence) + be32(1)
            }
        }
        func finish(_ b: inout [UInt8]) {
            if ipfix {
                b[2] = UInt8(b.count >> 8)
                b[3] = UInt8(b.count & 0xff)
            }
        }
        var t: [UInt8] = []
        header(&t, sequence: 0)
        var set =
            be16(ipfix ? 2 : 0) + be16(UInt16(8 + 4 * FlowExportRun.fields.count)) + be16(256)
            + be16(UInt16(FlowExportRun.fields.count))
        for (id, length) in FlowExportRun.fields { set += be16(id) + be16(length) }
        t += set
        finish(&t)
        template = t
        var out: [[UInt8]] = []
        for m in 0..<count {
            var b: [UInt8] = []
            header(&b, sequence: ipfix ? UInt32(m * 30) : UInt32(m + 1))
            let setLength = 4 + 30 * 42
            b += be16(256) + be16(UInt16(setLength))
            for _ in 0..<30 {
                let x = r.next()
                b += be32(0x0a1e_0000 | UInt32(truncatingIfNeeded: x & 0x3fff))  // 10.30.0-63.x: internet
                b += be32(0xcb00_7100 | UInt32(truncatingIfNeeded: x >> 16 & 0xff))  // 203.0.113.x
                b += be32(3_590_000) + be32(3_599_000)
                b +=
                    be32(UInt32(truncatingIfNeeded: x >> 24 & 0xffff))
                    + be32(UInt32(truncatingIfNeeded: x >> 40 & 0xff))
                b += be32(1) + be32(2) + [0, 1]
                b += be16(UInt16(truncatingIfNeeded: 49152 | x >> 48)) + be16(443) + [6, 0x1b, 4, 0]
            }
            finish(&b)
            out.append(b)
        }
        messages = out
        decode(template)
        // Two passes before measuring: the flow table holds every flow, as in a collector's steady state, and
        // the session's table of datagrams received has grown to its size.
        run(records: 2 * count * recordsPerMessage)
    }

    func decode(_ bytes: [UInt8]) {
        var s: UInt64 = 0
        bytes.withUnsafeBytes { b in
            if let table {
                decoder.decode(b, exporter: IPAddress(v4: 0xc000_0201), port: 4739, receivedMicros: 0) { table.add($0) }
                table.flush()
            } else {
                decoder.decode(b, exporter: IPAddress(v4: 0xc000_0201), port: 4739, receivedMicros: 0) { r in
                    s &+= r.bytes &+ UInt64(r.dstPort)
                }
            }
        }
        sum &+= s
    }

    /// Decodes messages round-robin until at least `records` records were handed out.
    public func run(records: Int) {
        var done = 0
        var i = 0
        while done < records {
            decode(messages[i])
            i = i + 1 == messages.count ? 0 : i + 1
            if i == 0 { renumber() }
            done += recordsPerMessage
        }
    }
}

extension FlowExportRun {
    /// Numbers the messages on from the last pass's, in place (IPFIX counts records, NetFlow v9 messages):
    /// a message repeating one the decoder accepted would be a duplicate, and not decoded.
    func renumber() {
        let at = ipfix ? 8 : 12
        let step = UInt32(messages.count) &* (ipfix ? UInt32(recordsPerMessage) : 1)
        for m in messages.indices {
            var v: UInt32 = 0
            for k in 0..<4 { v = v << 8 | UInt32(messages[m][at + k]) }
            v &+= step
            messages[m][at] = UInt8(v >> 24)
            messages[m][at + 1] = UInt8(v >> 16 & 0xff)
            messages[m][at + 2] = UInt8(v >> 8 & 0xff)
            messages[m][at + 3] = UInt8(v & 0xff)
        }
    }
}

@inline(__always) func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xff)] }
@inline(__always) func be32(_ v: UInt32) -> [UInt8] { be16(UInt16(v >> 16)) + be16(UInt16(v & 0xffff)) }

/// Takes the alerts' events and drops them: the benchmark measures decoding and judging, not output.
final class AlertsOnly: EventSink {
    let interests: EventInterests = [.violationStarts]
    var alerts = 0
    func consume(_ batch: EventBatch) { alerts &+= batch.events.count }
}
