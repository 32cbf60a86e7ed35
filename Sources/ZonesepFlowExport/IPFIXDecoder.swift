import ZonesepCore

// IPFIX (RFC 7011), one message per UDP datagram:
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-------------------------------+-------------------------------+
//   |       Version = 0x000a        |        Message Length         |
//   +-------------------------------+-------------------------------+
//   |                          Export Time (s)                      |
//   +---------------------------------------------------------------+
//   |        Sequence Number (data records sent, modulo 2^32)       |
//   +---------------------------------------------------------------+
//   |                     Observation Domain ID                     |
//   +-------------------------------+-------------------------------+
//   |     Set ID (2, 3, >= 256)     |          Set Length           |  then the set's records, padding
//   +-------------------------------+-------------------------------+
//
//   Template record (set 2):  Template ID (>= 256) | Field Count, then per field:
//   Options template (set 3): Template ID | Field Count | Scope Field Count, then per field:
//   +-+-----------------------------+-------------------------------+
//   |E|  Information Element id     |  Field Length (65535: varies) |
//   +-+-----------------------------+-------------------------------+
//   |          Enterprise Number (only when E is set)               |
//   +---------------------------------------------------------------+
//
//   A template record with Field Count 0 withdraws template Template ID (2 or 3: all of that set's
//   kind). A variable-length field starts with its length: one byte, or 255 and two bytes. RFC 5103
//   biflows carry the reverse direction's counters as enterprise 29305 elements.

extension FlowExportDecoder {
    /// Decodes one IPFIX message.
    mutating func decodeIPFIX(
        _ datagram: ByteCursor, exporter: IPAddress, port: UInt16, stats s: inout ExporterStats,
        _ body: (borrowing FlowRecord) -> Void
    ) {
        var c = datagram
        guard c.readInteger(as: UInt16.self) != nil, let length = c.readInteger(as: UInt16.self),
            let exportTime = c.readInteger(as: UInt32.self), let sequence = c.readInteger(as: UInt32.self),
            let domain = c.readInteger(as: UInt32.self)
        else { return s.failures[.datagramTruncated] += 1 }
        guard length >= 16 else { return s.failures[.lengthMismatch] += 1 }
        let key = SessionKey(exporter: exporter, port: port, domain: domain, input: .ipfix)
        if isDuplicate(key, sequence, stats: &s) { return }
        noteExportTime(Int64(exportTime) * 1_000_000, exporter: exporter, input: .ipfix, stats: &s)
        // A message longer than the datagram was cut on the way: read the sets that arrived whole, and the
        // whole records of the set the cut fell in (`decodeCutSet`).
        if Int(length) != c.base.count { s.failures[.lengthMismatch] += 1 }
        let cut = Int(length) > c.base.count
        var whole = ByteCursor(c.base)
        guard var sets = whole.readSlice(min(Int(length), c.base.count)) else { return }
        sets.skip(16)

        guard open(key, stats: &s) else { return }
        let clock = ExportClock(exportMicros: Int64(exportTime) * 1_000_000)
        // What the sequence number will be checked with: the data records read (all, and flow records
        // alone), and for the sets held for their template at least 1 record a set and at most 1 a byte.
        // A datagram whose records cannot be counted for damage is left out of the check (`damaged`).
        var records: UInt32 = 0
        var flows: UInt32 = 0
        var unknownLow: UInt32 = 0
        var unknownHigh: UInt32 = 0
        var damaged = false
        while sets.readableBytes > 0 {
            let setStart = sets.offset
            guard let setID = sets.readInteger(as: UInt16.self), let setLength = sets.readInteger(as: UInt16.self),
                setLength >= 4
            else {
                s.failures[.setTruncated] += 1
                damaged = true
                break
            }
            guard var set = sets.readSlice(Int(setLength) - 4) else {
                s.failures[.setTruncated] += 1
                // Cut on the way inside a set the message holds: its header and the records before the cut
                // are the exporter's. A set overrunning a message the datagram agrees with is mis-framed:
                // where it really ends, and so its records, are unknown.
                if cut, setStart + Int(setLength) <= Int(length), setID >= 256,
                    let t = template(setID, of: key, at: clock.exportMicros, stats: &s),
                    let declared = decodeCutSet(
                        &sets, length: setLength, template: t, key: key, port: port, clock: clock, stats: &s, body)
                {
                    records &+= declared
                    if !t.isOptions { flows &+= declared }
                    // Sets after it were cut off whole: their records are not known.
                    damaged = setStart + Int(setLength) < Int(length)
                } else {
                    damaged = true
                }
                break
            }
            switch setID {
            case 2, 3:
                decodeIPFIXTemplates(&set, options: setID == 3, key: key, clock: clock, stats: &s, body)
            case 256...:
                if let t = template(setID, of: key, at: clock.exportMicros, stats: &s) {
                    let n = decodeDataSet(set, template: t, key: key, port: port, clock: clock, stats: &s, body)
                    records &+= n
                    if !t.isOptions { flows &+= n }
                } else {
                    holdDataSet(set, templateID: setID, key: key, port: port, clock: clock, stats: &s)
                    unknownLow &+= 1
                    unknownHigh &+= UInt32(setLength)
                }
            default:
                s.failures[.reservedSetID] += 1
            }
            // A message cut between two sets: what followed is not known.
            if cut && sets.readableBytes == 0 { damaged = true }
        }
        var mark = SequenceMark(
            sequence: sequence, low: records &+ unknownLow, high: records &+ unknownHigh,
            flowsLow: flows &+ unknownLow, flowsHigh: flows &+ unknownHigh, countsRecords: true)
        let counted = mark.high
        if damaged {
            // Records lost to the damage: at most 1 a byte of the message.
            mark.damaged = true
            mark.high &+= UInt32(length)
            mark.flowsHigh &+= UInt32(length)
        }
        checkSequence(key, mark, stats: &s)
        // A message of templates alone has the sequence number of the data message next to it: remembering
        // it would push that one out, and sent again it only refreshes its templates.
        if counted > 0 { remember(key, sequence) }
    }

    /// Decodes the records of a data set of `template` that arrived before the datagram was cut (`set` is
    /// past its header, `length` the set's own length) and counts the rest in `truncatedRecords`. Returns
    /// the records the set held, for the sequence number, when the template's fixed record length tells
    /// it; nil for records of varying length, whose number past the cut is unknown (the one cut is
    /// counted). Each record read is framed as in a whole set: the cut only ends the set early.
    mutating func decodeCutSet(
        _ set: inout ByteCursor, length: UInt16, template t: Template, key: SessionKey, port: UInt16,
        clock: ExportClock, stats s: inout ExporterStats, _ body: (borrowing FlowRecord) -> Void
    ) -> UInt32? {
        guard t.hasFixedLength else {
            guard let rest = set.readSlice(set.readableBytes) else { return nil }
            let missing = Int(length) - 4 - rest.readableBytes
            _ = decodeDataSet(
                rest, template: t, key: key, port: port, clock: clock, missingBytes: missing, stats: &s, body)
            return nil
        }
        let size = max(t.minimumRecordLength, 1)
        // RFC 7011 section 3.3.1: a set's padding is shorter than any of its records.
        let declared = (Int(length) - 4) / size
        let arrived = set.readableBytes / size
        guard let rest = set.readSlice(arrived * size) else { return nil }
        let n = decodeDataSet(rest, template: t, key: key, port: port, clock: clock, stats: &s, body)
        s.truncatedRecords += UInt64(declared - arrived)
        return UInt32(n) &+ UInt32(declared - arrived)
    }

    /// Reads the template (or options template) records of one set, storing each and withdrawing those
    /// with no fields. A malformed record ends the set: what follows it cannot be framed.
    mutating func decodeIPFIXTemplates(
        _ set: inout ByteCursor, options: Bool, key: SessionKey, clock: ExportClock, stats s: inout ExporterStats,
        _ body: (borrowing FlowRecord) -> Void
    ) {
        // Fewer than 4 bytes left is padding.
        while set.readableBytes >= 4 {
            guard let id = set.readInteger(as: UInt16.self), let count = set.readInteger(as: UInt16.self) else {
                return
            }
            if count == 0 {
                if id >= 256 {
                    withdraw(id, options: options, for: key, stats: &s)
                } else if id == (options ? 3 : 2) {
                    withdraw(nil, options: options, for: key, stats: &s)
                } else {
                    return s.failures[.templateInvalid] += 1
                }
                continue
            }
            var scopeCount: UInt16 = 0
            if options {
                guard let n = set.readInteger(as: UInt16.self) else { return s.failures[.templateTruncated] += 1 }
                scopeCount = n
            }
            var fields: [TemplateField] = []
            fields.reserveCapacity(Int(count))
            var valid = id >= 256 && (!options || (scopeCount >= 1 && scopeCount <= count))
            for _ in 0..<count {
                guard let raw = set.readInteger(as: UInt16.self), let length = set.readInteger(as: UInt16.self) else {
                    return s.failures[.templateTruncated] += 1
                }
                var enterprise: UInt32 = 0
                if raw & 0x8000 != 0 {
                    guard let e = set.readInteger(as: UInt32.self) else { return s.failures[.templateTruncated] += 1 }
                    enterprise = e
                }
                let kind = FieldKind(id: raw & 0x7fff, enterprise: enterprise)
                if length == 0 || !kind.accepts(length: length) { valid = false }
                fields.append(TemplateField(kind: kind, length: length))
            }
            guard valid else {
                s.failures[.templateInvalid] += 1
                continue
            }
            store(
                Template(id: id, fields: fields, isOptions: options, refreshedMicros: clock.exportMicros), for: key,
                stats: &s, body)
        }
    }
}
