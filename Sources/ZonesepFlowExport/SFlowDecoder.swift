import ZonesepCore

// sFlow version 5 (sflow.org, "sFlow Version 5"), XDR-encoded: every field is a big-endian 32-bit
// word or a multiple of one, opaque data padded to 4 bytes.
//
//   Datagram:  version = 5 | agent address type (1 IPv4, 2 IPv6) | agent address (4 or 16) |
//              sub-agent id | sequence number (datagrams) | uptime (ms) | sample count | samples
//   Sample:    data format (enterprise << 12 | format) | length | sample data
//     0:1 flow sample:          sequence | source id (type << 24 | index) | sampling rate | sample pool |
//                               drops | input | output | record count | flow records
//     0:3 expanded flow sample: sequence | source id type | source id index | sampling rate |
//                               sample pool | drops | input format | input | output format | output |
//                               record count | flow records
//     0:2, 0:4 counter samples: ignored (counted)
//   Flow record: data format | length | record data
//     0:1 raw packet header:  header protocol (1 Ethernet, 11 IPv4, 12 IPv6) | frame length |
//                             stripped | header length | header bytes (padded)
//     0:2 Ethernet frame:     length | source MAC (6 + 2 pad) | destination MAC (6 + 2 pad) | type
//     0:3 IPv4 data:          length | protocol | src | dst | src port | dst port | tcp flags | tos
//     0:4 IPv6 data:          length | protocol | src (16) | dst (16) | src port | dst port | flags | prio
//     0:1001 extended switch: source VLAN | source priority | destination VLAN | destination priority
//
//   A sampled header goes through zonesep's own packet decoder (the same as captured frames), so one
//   sample is one packet of 1-in-`sampling rate`; sFlow has no absolute time, so the datagram's arrival
//   is the packet's time.

extension FlowExportDecoder {
    /// The parts of one flow sample's records that make a flow record.
    struct SampleParts {
        var header: UnsafeRawBufferPointer? = nil
        var headerProtocol: UInt32 = 0
        var frameLength: UInt32 = 0
        var stripped: UInt32 = 0
        var srcMAC: MACAddress? = nil
        var dstMAC: MACAddress? = nil
        var switchVLAN: UInt32 = 0
        /// From an IPv4 or IPv6 data record, when there is no header to decode.
        var hasIPData = false
        var ipData = FlowRecord()
    }

    /// Decodes one sFlow v5 datagram.
    mutating func decodeSFlow(
        _ datagram: ByteCursor, exporter: IPAddress, port: UInt16, receivedMicros: Int64,
        stats s: inout ExporterStats, _ body: (borrowing FlowRecord) -> Void
    ) {
        var c = datagram
        guard c.readInteger(as: UInt32.self) != nil, let addressType = c.readInteger(as: UInt32.self) else {
            return s.failures[.datagramTruncated] += 1
        }
        let agent: IPAddress?
        switch addressType {
        case 1: agent = c.readIPv4()
        case 2: agent = c.readIPv6()
        default: return s.failures[.badAddressType] += 1
        }
        guard let agent, let subAgent = c.readInteger(as: UInt32.self), let sequence = c.readInteger(as: UInt32.self),
            c.readInteger(as: UInt32.self) != nil, let sampleCount = c.readInteger(as: UInt32.self)
        else { return s.failures[.datagramTruncated] += 1 }

        // Sequence numbers count each agent's (and sub-agent's) datagrams: agents behind one relay are apart.
        let key = SessionKey(exporter: exporter, port: port, domain: subAgent, input: .sflow, agent: agent)
        if isDuplicate(key, sequence, stats: &s) { return }
        guard admit(key, .datagram(sequence), stats: &s) else { return }
        record.input = .sflow
        record.exporter = agent
        record.source = exporter
        record.exporterPort = port
        record.observationDomain = subAgent
        var remaining = sampleCount
        while remaining > 0, c.readableBytes > 0 {
            remaining -= 1
            guard let format = c.readInteger(as: UInt32.self), let length = c.readInteger(as: UInt32.self),
                length <= UInt32(c.readableBytes), var sample = c.readSlice(Int(length))
            else { return s.failures[.sampleTruncated] += 1 }
            switch format {
            case 1, 3:
                decodeFlowSample(
                    &sample, expanded: format == 3, receivedMicros: receivedMicros, stats: &s, body)
            case 2, 4:
                s.counterSamples += 1
            default:
                continue  // another enterprise's sample, or a format zonesep does not use
            }
        }
        if remaining > 0 { s.failures[.sampleTruncated] += 1 }
    }

    mutating func decodeFlowSample(
        _ c: inout ByteCursor, expanded: Bool, receivedMicros: Int64, stats s: inout ExporterStats,
        _ body: (borrowing FlowRecord) -> Void
    ) {
        // sequence, source id (one word, or type and index), then the sampling rate.
        guard c.skip(expanded ? 12 : 8), let rate = c.readInteger(as: UInt32.self),
            c.skip(expanded ? 24 : 16), var recordCount = c.readInteger(as: UInt32.self)
        else { return s.failures[.sampleTruncated] += 1 }
        var parts = SampleParts()
        while recordCount > 0 {
            recordCount -= 1
            guard let format = c.readInteger(as: UInt32.self), let length = c.readInteger(as: UInt32.self),
                length <= UInt32(c.readableBytes), var data = c.readSlice(Int(length))
            else { return s.failures[.sampleTruncated] += 1 }
            guard readFlowRecord(format, &data, into: &parts) else { return s.failures[.sampleTruncated] += 1 }
        }

        record.resetFlowFields()
        if let header = parts.header {
            let linkType: LinkType
            switch parts.headerProtocol {
            case 1: linkType = .ethernet
            case 11: linkType = .ipv4
            case 12: linkType = .ipv6
            default: return s.failures[.sampledHeaderUnsupported] += 1
            }
            PacketDecoder.decode(header, linkType: linkType, into: &packet)
            switch packet.outcome {
            case .ip, .ipFragment: break
            case .notIP: return s.sampledNotIP += 1
            case .malformed: return s.failures[.sampledHeaderMalformed] += 1
            }
            fill(&record, from: packet)
        } else if parts.hasIPData {
            packet.reset()
            let r = parts.ipData
            record.src = r.src
            record.dst = r.dst
            record.ipVersion = r.ipVersion
            record.proto = r.proto
            record.srcPort = r.srcPort
            record.dstPort = r.dstPort
            record.tcpFlags = r.tcpFlags
        } else {
            return  // a sample with neither header nor addresses says nothing zonesep can judge
        }
        record.sampledPacket = packet
        if record.srcMAC == nil { record.srcMAC = parts.srcMAC }
        if record.dstMAC == nil { record.dstMAC = parts.dstMAC }
        if record.vlanCount == 0, parts.switchVLAN != 0, parts.switchVLAN < 4096 {
            record.addVLAN(UInt16(parts.switchVLAN))
        }
        record.packets = 1
        record.bytes = UInt64(parts.frameLength >= parts.stripped ? parts.frameLength - parts.stripped : 0)
        record.samplingRate = max(rate, 1)
        record.startMicros = receivedMicros
        record.endMicros = receivedMicros
        record.timeSource = .arrival
        // Timed by its arrival: only a caller's clock outside what RFC 3339 holds can refuse it.
        guard record.timesAreWritable else { return s.failures[.timestampOutOfRange] += 1 }
        s.records += 1
        s.noteSampling(record.samplingRate)
        body(record)
    }

    /// Reads one flow record of a sample into `parts`; false when it is shorter than its format needs.
    func readFlowRecord(_ format: UInt32, _ c: inout ByteCursor, into p: inout SampleParts) -> Bool {
        switch format {
        case 1:
            guard let proto = c.readInteger(as: UInt32.self), let frame = c.readInteger(as: UInt32.self),
                let stripped = c.readInteger(as: UInt32.self), let length = c.readInteger(as: UInt32.self),
                length <= UInt32(c.readableBytes), let header = c.readSlice(Int(length))
            else { return false }
            p.headerProtocol = proto
            p.frameLength = frame
            p.stripped = stripped
            p.header = UnsafeRawBufferPointer(rebasing: header.base[...])
        case 2:
            guard let frame = c.readInteger(as: UInt32.self), let src = c.readMAC(), c.skip(2), let dst = c.readMAC()
            else { return false }
            if p.frameLength == 0 { p.frameLength = frame }
            // All zeros: a MAC the agent could not fill, no MAC in the record (as in IPFIX's MAC fields).
            p.srcMAC = src.rawValue == 0 ? nil : src
            p.dstMAC = dst.rawValue == 0 ? nil : dst
        case 3, 4:
            let v6 = format == 4
            guard let frame = c.readInteger(as: UInt32.self), let proto = c.readInteger(as: UInt32.self),
                let src = v6 ? c.readIPv6() : c.readIPv4(), let dst = v6 ? c.readIPv6() : c.readIPv4(),
                let sport = c.readInteger(as: UInt32.self), let dport = c.readInteger(as: UInt32.self),
                let flags = c.readInteger(as: UInt32.self)
            else { return false }
            if p.frameLength == 0 { p.frameLength = frame }
            p.hasIPData = true
            p.ipData.src = src
            p.ipData.dst = dst
            p.ipData.ipVersion = v6 ? 6 : 4
            p.ipData.proto = UInt8(truncatingIfNeeded: proto)
            p.ipData.srcPort = UInt16(truncatingIfNeeded: sport)
            p.ipData.dstPort = UInt16(truncatingIfNeeded: dport)
            p.ipData.tcpFlags = UInt8(truncatingIfNeeded: flags)
        case 1001:
            guard let vlan = c.readInteger(as: UInt32.self) else { return false }
            p.switchVLAN = vlan
        default:
            break  // other formats (and other enterprises') are skipped whole
        }
        return true
    }

    /// A flow record of one sampled packet, in the packet's own direction.
    func fill(_ r: inout FlowRecord, from p: DecodedPacket) {
        r.ipVersion = p.ipVersion
        r.src = p.src
        r.dst = p.dst
        r.proto = p.proto
        if p.hasPorts {
            r.srcPort = p.srcPort
            r.dstPort = p.dstPort
        }
        r.tcpFlags = p.tcpFlags
        if p.proto == IPProtocolNumber.icmp || p.proto == IPProtocolNumber.icmpv6, !p.isNonFirstFragment {
            r.icmpType = p.icmpType
            r.icmpCode = p.icmpCode
            r.hasICMPType = true
        }
        r.srcMAC = p.srcMAC
        r.dstMAC = p.dstMAC
        if p.vlanCount > 0 { r.addVLAN(p.vlan0) }
        if p.vlanCount > 1 { r.addVLAN(p.vlan1) }
    }
}
