import ZonesepCore

// NetFlow version 9 (RFC 3954), one export packet per UDP datagram:
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-------------------------------+-------------------------------+
//   |        Version = 0x0009       |  Count (template + data recs) |
//   +-------------------------------+-------------------------------+
//   |                      sysUpTime (ms since boot)                |
//   +---------------------------------------------------------------+
//   |                      UNIX Secs (export time)                  |
//   +---------------------------------------------------------------+
//   |               Sequence Number (export packets sent)           |
//   +---------------------------------------------------------------+
//   |                           Source ID                           |
//   +-------------------------------+-------------------------------+
//   |   FlowSet ID (0, 1, >= 256)   |            Length             |  then records, padded to 4 bytes
//   +-------------------------------+-------------------------------+
//
//   Template FlowSet (0):         Template ID (>= 256) | Field Count | (Type | Length) * Field Count
//   Options Template FlowSet (1): Template ID | Scope Length | Option Length |
//                                 (Scope Type | Length) * Scope Length / 4 | (Type | Length) * ...
//
//   Field types share IPFIX's numbering for everything zonesep reads; scope types (system, interface,
//   line card, cache, template) are a numbering of their own and are skipped. FIRST_SWITCHED and
//   LAST_SWITCHED are sysUpTime values, placed in time through the header's sysUpTime and UNIX Secs.

extension FlowExportDecoder {
    /// Decodes one NetFlow v9 export packet.
    mutating func decodeNetFlowV9(
        _ datagram: ByteCursor, exporter: IPAddress, port: UInt16, stats s: inout ExporterStats,
        _ body: (borrowing FlowRecord) -> Void
    ) {
        var c = datagram
        guard c.readInteger(as: UInt16.self) != nil, let count = c.readInteger(as: UInt16.self),
            let uptime = c.readInteger(as: UInt32.self), let unixSecs = c.readInteger(as: UInt32.self),
            let sequence = c.readInteger(as: UInt32.self), let sourceID = c.readInteger(as: UInt32.self)
        else { return s.failures[.datagramTruncated] += 1 }
        // RFC 3954 section 5.1: the source address and Source ID name the exporter's stream, whatever port
        // each packet leaves from.
        let key = SessionKey(exporter: exporter, port: 0, domain: sourceID, input: .netflowV9)
        if isDuplicate(key, sequence, stats: &s) { return }
        noteExportTime(Int64(unixSecs) * 1_000_000, exporter: exporter, input: .netflowV9, stats: &s)

        guard admit(key, .datagram(sequence), stats: &s) else { return }
        let clock = ExportClock(exportMicros: Int64(unixSecs) * 1_000_000, sysUptimeMillis: uptime)
        // Data records read so far: the least the header's count has counted before the next flowset.
        var records = 0
        // Fewer than a flowset header's 4 bytes at the end is padding of the datagram itself.
        while c.readableBytes >= 4 {
            guard let setID = c.readInteger(as: UInt16.self), let setLength = c.readInteger(as: UInt16.self),
                setLength >= 4
            else {
                s.failures[.setTruncated] += 1
                break
            }
            guard var set = c.readSlice(Int(setLength) - 4) else {
                s.failures[.setTruncated] += 1
                // A data flowset cut on the way: its header and the records before the cut are the exporter's,
                // read as IPFIX's are (`decodeCutSet`). v9's header has no length to tell a cut, but its count
                // (every record of the packet by RFC 3954, the flow records alone by softflowd) bounds the
                // records a flowset's length can say it held: one that says more is mis-framed, dropped whole.
                if setID >= 256, let t = template(setID, of: key, at: clock.exportMicros, stats: &s),
                    records + (Int(setLength) - 4) / max(t.minimumRecordLength, 1) <= Int(count)
                {
                    _ = decodeCutSet(
                        &c, length: setLength, template: t, key: key, port: port, clock: clock, stats: &s, body)
                }
                break
            }
            switch setID {
            case 0: decodeV9Templates(&set, key: key, clock: clock, stats: &s, body)
            case 1: decodeV9OptionsTemplates(&set, key: key, clock: clock, stats: &s, body)
            case 256...:
                if let t = template(setID, of: key, at: clock.exportMicros, stats: &s) {
                    records += Int(decodeDataSet(set, template: t, key: key, port: port, clock: clock, stats: &s, body))
                } else {
                    holdDataSet(set, templateID: setID, key: key, port: port, clock: clock, stats: &s)
                }
            default:
                s.failures[.reservedSetID] += 1
            }
        }
    }

    mutating func decodeV9Templates(
        _ set: inout ByteCursor, key: SessionKey, clock: ExportClock, stats s: inout ExporterStats,
        _ body: (borrowing FlowRecord) -> Void
    ) {
        // Fewer than 4 bytes left is padding.
        while set.readableBytes >= 4 {
            guard let id = set.readInteger(as: UInt16.self), let count = set.readInteger(as: UInt16.self) else {
                return
            }
            guard count > 0 else { return s.failures[.templateInvalid] += 1 }
            var fields: [TemplateField] = []
            fields.reserveCapacity(Int(count))
            var valid = id >= 256
            for _ in 0..<count {
                guard let type = set.readInteger(as: UInt16.self), let length = set.readInteger(as: UInt16.self) else {
                    return s.failures[.templateTruncated] += 1
                }
                // NetFlow v9 has no variable-length fields: 65535 is a length like any other here.
                let kind = FieldKind(id: type)
                if length == 0 || length == TemplateField.variableLength || !kind.accepts(length: length) {
                    valid = false
                }
                fields.append(TemplateField(kind: kind, length: length))
            }
            guard valid else {
                s.failures[.templateInvalid] += 1
                continue
            }
            store(
                Template(id: id, fields: fields, isOptions: false, refreshedMicros: clock.exportMicros), for: key,
                stats: &s, body)
        }
    }

    mutating func decodeV9OptionsTemplates(
        _ set: inout ByteCursor, key: SessionKey, clock: ExportClock, stats s: inout ExporterStats,
        _ body: (borrowing FlowRecord) -> Void
    ) {
        // An options template takes at least 6 bytes; less is padding.
        while set.readableBytes >= 6 {
            guard let id = set.readInteger(as: UInt16.self), let scopeLength = set.readInteger(as: UInt16.self),
                let optionLength = set.readInteger(as: UInt16.self)
            else { return }
            guard scopeLength % 4 == 0, optionLength % 4 == 0, Int(scopeLength) + Int(optionLength) > 0 else {
                return s.failures[.templateInvalid] += 1
            }
            let scopeCount = Int(scopeLength / 4)
            let count = scopeCount + Int(optionLength / 4)
            var fields: [TemplateField] = []
            fields.reserveCapacity(count)
            var valid = id >= 256
            for i in 0..<count {
                guard let type = set.readInteger(as: UInt16.self), let length = set.readInteger(as: UInt16.self) else {
                    return s.failures[.templateTruncated] += 1
                }
                let kind = i < scopeCount ? FieldKind.skip : FieldKind(id: type)
                if length == 0 || length == TemplateField.variableLength || !kind.accepts(length: length) {
                    valid = false
                }
                fields.append(TemplateField(kind: kind, length: length))
            }
            guard valid else {
                s.failures[.templateInvalid] += 1
                continue
            }
            store(
                Template(id: id, fields: fields, isOptions: true, refreshedMicros: clock.exportMicros), for: key,
                stats: &s, body)
        }
    }
}
