import ZonesepCore

// NetFlow version 5: a fixed 24-byte header and up to 30 fixed 48-byte records, IPv4 only.
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-------------------------------+-------------------------------+
//   |        Version = 0x0005       |         Count (1-30)          |
//   +-------------------------------+-------------------------------+
//   |                     SysUptime (ms since boot)                 |
//   +---------------------------------------------------------------+
//   |                     unix_secs (export time)                   |
//   +---------------------------------------------------------------+
//   |                    unix_nsecs (residual ns)                   |
//   +---------------------------------------------------------------+
//   |            flow_sequence (flows sent before this one)         |
//   +---------------+---------------+-------------------------------+
//   |  engine_type  |   engine_id   | mode(2) | sampling interval(14)|
//   +---------------+---------------+-------------------------------+
//
//   Record: srcaddr(4) dstaddr(4) nexthop(4) input(2) output(2) dPkts(4) dOctets(4) First(4) Last(4)
//           srcport(2) dstport(2) pad1(1) tcp_flags(1) prot(1) tos(1) src_as(2) dst_as(2)
//           src_mask(1) dst_mask(1) pad2(2)
//
//   First and Last are SysUptime values at the flow's first and last packet. ICMP records carry
//   type << 8 | code in dstport.

extension FlowExportDecoder {
    /// Bytes of one NetFlow v5 record.
    static let v5RecordLength = 48

    /// Decodes one NetFlow v5 export packet.
    mutating func decodeNetFlowV5(
        _ datagram: ByteCursor, exporter: IPAddress, port: UInt16, stats s: inout ExporterStats,
        _ body: (borrowing FlowRecord) -> Void
    ) {
        var c = datagram
        guard c.readInteger(as: UInt16.self) != nil, let count = c.readInteger(as: UInt16.self),
            let uptime = c.readInteger(as: UInt32.self), let unixSecs = c.readInteger(as: UInt32.self),
            let unixNsecs = c.readInteger(as: UInt32.self), let sequence = c.readInteger(as: UInt32.self),
            let engineType = c.readInteger(as: UInt8.self), let engineID = c.readInteger(as: UInt8.self),
            let sampling = c.readInteger(as: UInt16.self)
        else { return s.failures[.datagramTruncated] += 1 }
        let domain = UInt32(engineType) << 8 | UInt32(engineID)
        // As NetFlow v9's source id (RFC 3954 section 5.1): the address and engine, not the port.
        let key = SessionKey(exporter: exporter, port: 0, domain: domain, input: .netflowV5)
        if isDuplicate(key, sequence, stats: &s) { return }
        noteExportTime(
            Int64(unixSecs) * 1_000_000 + Int64(unixNsecs / 1000), exporter: exporter, input: .netflowV5, stats: &s)
        // Only whole records are read: a count the datagram cannot hold is a mismatch.
        let whole = c.readableBytes / FlowExportDecoder.v5RecordLength
        if Int(count) != whole || c.readableBytes % FlowExportDecoder.v5RecordLength != 0 {
            s.failures[.lengthMismatch] += 1
        }
        // Records the count announces that did not arrive whole were cut on the way (the sequence number
        // counts them as sent, which they were); a count past the format's 30 is no header to believe.
        if Int(count) > whole && count <= 30 { s.truncatedRecords += UInt64(Int(count) - whole) }
        guard admit(key, .records(sequence, UInt32(count)), stats: &s) else { return }
        let clock = ExportClock(
            exportMicros: Int64(unixSecs) * 1_000_000 + Int64(unixNsecs / 1000), sysUptimeMillis: uptime)
        let interval = UInt32(sampling & 0x3fff)
        record.input = .netflowV5
        if record.sampledPacket.ipVersion != 0 { record.sampledPacket.reset() }
        record.exporter = exporter
        record.source = exporter
        record.exporterPort = port
        record.observationDomain = domain
        for _ in 0..<min(Int(count), whole) {
            guard var r = c.readSlice(FlowExportDecoder.v5RecordLength) else { break }
            decodeV5Record(&r, clock: clock, into: &record)
            record.samplingRate = max(interval, 1)
            // The header's times keep every record within 1969-2106; checked as every decoder does.
            guard record.timesAreWritable else {
                s.failures[.timestampOutOfRange] += 1
                continue
            }
            s.records += 1
            s.noteSampling(record.samplingRate)
            body(record)
        }
    }

    /// Reads one 48-byte record (the slice is exactly that long, so every read succeeds).
    @inlinable
    func decodeV5Record(_ c: inout ByteCursor, clock: ExportClock, into r: inout FlowRecord) {
        r.resetFlowFields()
        r.src = IPAddress(v4: c.readInteger(as: UInt32.self) ?? 0)
        r.dst = IPAddress(v4: c.readInteger(as: UInt32.self) ?? 0)
        r.ipVersion = 4
        c.skip(8)  // nexthop, input, output
        r.packets = UInt64(c.readInteger(as: UInt32.self) ?? 0)
        r.bytes = UInt64(c.readInteger(as: UInt32.self) ?? 0)
        let first = c.readInteger(as: UInt32.self) ?? 0
        let last = c.readInteger(as: UInt32.self) ?? 0
        r.startMicros = clock.micros(ofUptime: first, systemInit: nil) ?? clock.exportMicros
        r.endMicros = clock.micros(ofUptime: last, systemInit: nil) ?? clock.exportMicros
        r.timeSource = .uptime
        let srcPort = c.readInteger(as: UInt16.self) ?? 0
        let dstPort = c.readInteger(as: UInt16.self) ?? 0
        c.skip(1)
        r.tcpFlags = c.readInteger(as: UInt8.self) ?? 0
        r.proto = c.readInteger(as: UInt8.self) ?? 0
        if r.proto == IPProtocolNumber.icmp {
            r.icmpType = UInt8(truncatingIfNeeded: dstPort >> 8)
            r.icmpCode = UInt8(truncatingIfNeeded: dstPort)
            r.hasICMPType = true
        } else {
            r.srcPort = srcPort
            r.dstPort = dstPort
        }
    }
}
