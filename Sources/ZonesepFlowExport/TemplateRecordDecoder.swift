import ZonesepCore

/// What a datagram's header says about time, for turning a record's times into µs since the epoch.
public struct ExportClock: Sendable {
    /// The message's export time (IPFIX, NetFlow v9: whole seconds; v5: with nanoseconds), µs.
    public var exportMicros: Int64
    /// NetFlow v9 and v5: the exporter's uptime (ms) when the message left; uptime-based record times are
    /// relative to it.
    public var sysUptimeMillis: UInt32?
    /// IPFIX: the exporter's systemInitTimeMilliseconds, from an options record (or the record itself).
    public var systemInitMillis: Int64?

    @inlinable
    public init(exportMicros: Int64, sysUptimeMillis: UInt32? = nil, systemInitMillis: Int64? = nil) {
        self.exportMicros = exportMicros
        self.sysUptimeMillis = sysUptimeMillis
        self.systemInitMillis = systemInitMillis
    }

    /// How far after its own datagram's export a record's uptime time may lie (exporters read their uptime
    /// for the header and for the records at slightly different moments); further is refused.
    public static let afterExportToleranceMillis: Int64 = 1000

    /// µs since the epoch of uptime `ms`: relative to the header's uptime when there is one, else to the
    /// system init time (IPFIX); nil when neither is known. Against the header, the 32-bit difference is
    /// read as up to 2^31 ms (24.8 days) before the export, which also takes an uptime that wrapped after
    /// 49.7 days. A time after the export by more than `afterExportToleranceMillis` is impossible (the
    /// record would describe packets not yet seen) and comes out as `Int64.max`, which the decoder refuses
    /// (`timestamp-out-of-range`) rather than move record time ahead for every exporter.
    @inlinable
    func micros(ofUptime ms: UInt32, systemInit: Int64?) -> Int64? {
        if let now = sysUptimeMillis {
            let before = Int64(Int32(bitPattern: now &- ms))
            if before < -Self.afterExportToleranceMillis { return .max }
            return RecordTime.difference(exportMicros, before * 1000)
        }
        guard let initMs = systemInit else { return nil }
        return Self.micros(ofUptime: ms, systemInit: initMs, exportMillis: exportMicros / 1000)
    }

    /// IPFIX: uptime `ms` of a system started at `initMs`, in a message exported at `exportMillis`. The
    /// init time says how long the system had been up: less than 49.7 days, and the uptime has not wrapped,
    /// so the time is the init time plus the uptime, however long before the export (a connection open for
    /// a month), and refused when after it (softflowd's IPFIX without `-A`, whose uptimes lay 23 days
    /// ahead). Longer, and the uptime wrapped: the latest of its wraps not after the export. A system
    /// started after its own export places nothing. Saturated (`RecordTime`).
    @inlinable
    static func micros(ofUptime ms: UInt32, systemInit initMs: Int64, exportMillis: Int64) -> Int64 {
        let latest = RecordTime.sum(exportMillis, afterExportToleranceMillis)
        let up = RecordTime.difference(exportMillis, initMs)
        if up < -afterExportToleranceMillis { return .max }
        var t = RecordTime.sum(initMs, Int64(ms))
        if up >= 1 << 32, t <= latest {
            // The wraps between this reading of the uptime and the export.
            t = RecordTime.sum(t, (RecordTime.difference(latest, t) >> 32) << 32)
        }
        return t > latest ? .max : RecordTime.product(t, 1000)
    }
}

/// Options values that apply to an exporter's observation domain rather than to one flow.
public struct DomainOptions: Sendable, Equatable {
    /// 1 in N packets metered, as the exporter's options records said; nil until one did.
    public var samplingRate: UInt32?
    public var systemInitMillis: Int64?

    @inlinable public init() {}
}

/// Decodes one data record of a template (IPFIX or NetFlow v9, which share the field numbering) into a
/// `FlowRecord`, or an options record into `DomainOptions`. Every field is read through a bounds-checked
/// slice; a field of an unexpected size is skipped, never misread (a template that gives an address, a
/// port or the protocol such a size is refused before: `FieldKind.accepts(length:)`).
public enum TemplateRecordDecoder {
    /// Raw times found in one record, resolved once all its fields are read (a record may carry its own
    /// system init time after its uptimes).
    @usableFromInline
    struct Times {
        @usableFromInline var startUptime: UInt32? = nil
        @usableFromInline var endUptime: UInt32? = nil
        @usableFromInline var startAbsolute: Int64? = nil
        @usableFromInline var endAbsolute: Int64? = nil
        @usableFromInline var startDelta: Int64? = nil
        @usableFromInline var endDelta: Int64? = nil
        @usableFromInline var systemInit: Int64? = nil
        @usableFromInline var interval: UInt64? = nil
        @usableFromInline var space: UInt64 = 0
        @usableFromInline var rate: UInt64? = nil
        @inlinable init() {}
    }

    /// Total counts found in one record (IPFIX octetTotalCount, packetTotalCount and their reverse), used
    /// only when the record has no delta counts: a total repeats the packets of the flow's earlier records.
    @usableFromInline
    struct Totals {
        @usableFromInline var packets: UInt64? = nil
        @usableFromInline var bytes: UInt64? = nil
        @usableFromInline var reversePackets: UInt64? = nil
        @usableFromInline var reverseBytes: UInt64? = nil
        /// A delta count (packetDeltaCount and the like) was read: the totals are not needed.
        @usableFromInline var sawDelta = false
        @inlinable init() {}
    }

    /// The addresses found in one record, each family apart: a template may carry both (one template for
    /// both families, the unused one zero-filled), and the family is chosen once all fields are read.
    @usableFromInline
    struct Addresses {
        @usableFromInline var src4: IPAddress? = nil
        @usableFromInline var dst4: IPAddress? = nil
        @usableFromInline var src6: IPAddress? = nil
        @usableFromInline var dst6: IPAddress? = nil
        /// ipVersion (IE 60) when the record says 4 or 6, else 0.
        @usableFromInline var version: UInt8 = 0
        @inlinable init() {}
    }

    /// Reads one record of `template` from `c`. Returns false, with the cursor wherever it stopped, when
    /// the record runs past the bytes (a truncated record); the record's fields are then meaningless.
    @inlinable
    public static func decode(
        _ c: inout ByteCursor, template: borrowing Template, clock: ExportClock, domain: inout DomainOptions,
        into r: inout FlowRecord
    ) -> Bool {
        r.resetFlowFields()
        r.hasPortFields = template.hasPortFields
        var t = Times()
        var a = Addresses()
        var n = Totals()
        for f in template.fields {
            var length = Int(f.length)
            if f.length == TemplateField.variableLength {
                // RFC 7011 7: one length byte, or 255 and a two-byte length.
                guard let first = c.readInteger(as: UInt8.self) else { return false }
                if first < 255 {
                    length = Int(first)
                } else {
                    guard let long = c.readInteger(as: UInt16.self) else { return false }
                    length = Int(long)
                }
            }
            guard let field = c.readSlice(length) else { return false }
            if f.kind != .skip { apply(f.kind, field.base, &r, &t, &a, &n) }
        }
        if template.isOptions {
            if let s = t.systemInit { domain.systemInitMillis = s }
            if let rate = samplingRate(t) { domain.samplingRate = rate }
            return true
        }
        resolveAddresses(a, into: &r)
        if !n.sawDelta { resolveTotals(n, into: &r) }
        resolveTimes(t, clock: clock, systemInit: t.systemInit ?? domain.systemInitMillis, into: &r)
        r.samplingRate = samplingRate(t) ?? domain.samplingRate ?? 1
        if !r.hasICMPType, template.hasPortFields,
            r.proto == IPProtocolNumber.icmp || r.proto == IPProtocolNumber.icmpv6
        {
            // Exporters without an ICMP field (NetFlow tradition, softflowd, pmacct) put type << 8 | code
            // in the destination port; a template with neither leaves the type unknown.
            r.icmpType = UInt8(truncatingIfNeeded: r.dstPort >> 8)
            r.icmpCode = UInt8(truncatingIfNeeded: r.dstPort)
            r.hasICMPType = true
        }
        if r.hasICMPType {
            r.srcPort = 0
            r.dstPort = 0
        }
        return true
    }

    @inlinable
    static func samplingRate(_ t: Times) -> UInt32? {
        if let i = t.interval, i > 0 { return UInt32(clamping: (i + t.space) / i) }
        if let n = t.rate { return UInt32(clamping: max(n, 1)) }
        return nil
    }

    /// The record's family: the one ipVersion names when the template has both, else the one whose
    /// addresses are not unspecified (IPv4 when both name addresses), else the only one the template has.
    /// A record of no address at all leaves `ipVersion` 0.
    @inlinable
    static func resolveAddresses(_ a: Addresses, into r: inout FlowRecord) {
        let has4 = a.src4 != nil || a.dst4 != nil
        let has6 = a.src6 != nil || a.dst6 != nil
        guard has4 || has6 else { return }
        let v4Zero = IPAddress(v4: 0)
        let v6Zero = IPAddress(v6: 0)
        let use6: Bool
        if has4 != has6 {
            use6 = has6
        } else if a.version != 0 {
            use6 = a.version == 6
        } else {
            let named4 = (a.src4 ?? v4Zero) != v4Zero || (a.dst4 ?? v4Zero) != v4Zero
            let named6 = (a.src6 ?? v6Zero) != v6Zero || (a.dst6 ?? v6Zero) != v6Zero
            use6 = named6 && !named4
        }
        r.src = use6 ? a.src6 ?? v6Zero : a.src4 ?? v4Zero
        r.dst = use6 ? a.dst6 ?? v6Zero : a.dst4 ?? v4Zero
        r.ipVersion = use6 ? 6 : 4
    }

    /// A record with total counts and no delta counts: its counts are the totals (`countsAreTotals`).
    @inlinable
    static func resolveTotals(_ n: Totals, into r: inout FlowRecord) {
        if let v = n.packets { r.packets = v }
        if let v = n.bytes { r.bytes = v }
        if let v = n.reversePackets { r.reversePackets = v }
        if let v = n.reverseBytes { r.reverseBytes = v }
        if n.reversePackets != nil || n.reverseBytes != nil { r.isBiflow = true }
        r.countsAreTotals = n.packets != nil || n.bytes != nil || n.reversePackets != nil || n.reverseBytes != nil
    }

    @inlinable
    static func resolveTimes(_ t: Times, clock: ExportClock, systemInit: Int64?, into r: inout FlowRecord) {
        var start: Int64? = t.startAbsolute
        var end: Int64? = t.endAbsolute
        var source = FlowTimeSource.record
        if start == nil, let d = t.startDelta { start = RecordTime.difference(clock.exportMicros, d) }
        if end == nil, let d = t.endDelta { end = RecordTime.difference(clock.exportMicros, d) }
        if start == nil && end == nil {
            source = .uptime
            if let u = t.startUptime { start = clock.micros(ofUptime: u, systemInit: systemInit) }
            if let u = t.endUptime { end = clock.micros(ofUptime: u, systemInit: systemInit) }
        }
        switch (start, end) {
        case (let s?, let e?):
            r.startMicros = s
            r.endMicros = e
        case (let s?, nil):
            r.startMicros = s
            r.endMicros = s
        case (nil, let e?):
            r.startMicros = e
            r.endMicros = e
        case (nil, nil):
            r.startMicros = clock.exportMicros
            r.endMicros = clock.exportMicros
            source = .export
        }
        r.timeSource = source
    }

    /// Reads an unsigned integer of 1...8 bytes (IPFIX reduced-size encoding); nil for other sizes.
    /// The usual sizes are one unaligned load each, not a loop over the bytes: every field of every record
    /// comes through here.
    @inlinable @inline(__always)
    static func unsigned(_ b: UnsafeRawBufferPointer) -> UInt64? {
        guard let p = b.baseAddress else { return nil }
        switch b.count {
        case 1: return UInt64(p.load(as: UInt8.self))
        case 2: return UInt64(UInt16(bigEndian: p.loadUnaligned(as: UInt16.self)))
        case 4: return UInt64(UInt32(bigEndian: p.loadUnaligned(as: UInt32.self)))
        case 8: return UInt64(bigEndian: p.loadUnaligned(as: UInt64.self))
        case 3, 5, 6, 7:
            var v: UInt64 = 0
            for byte in b { v = v << 8 | UInt64(byte) }
            return v
        default: return nil
        }
    }

    /// 64-bit NTP time (RFC 5905: seconds since 1900, then a binary fraction) in µs since 1970. The
    /// fraction is rounded to the nearest µs: RFC 7011 6.1.9 has exporters of microseconds clear its
    /// low 11 bits, which leaves it just under the µs they meant.
    @inlinable
    static func ntpMicros(_ b: UnsafeRawBufferPointer) -> Int64? {
        guard b.count == 8, let v = unsigned(b) else { return nil }
        let seconds = Int64(v >> 32) - 2_208_988_800
        // Parenthesised: `>>` binds tighter than `&*` (at most 2^52, no overflow).
        let fraction = Int64(((v & 0xffff_ffff) * 1_000_000 + (1 << 31)) >> 32)
        return seconds &* 1_000_000 &+ fraction
    }

    /// A 6-byte MAC field; all zeros is what exporters write where they could not fill it (no device has that
    /// MAC), read as no MAC in the record rather than a device that differs from the one a conduit names.
    @inlinable
    static func mac(_ b: UnsafeRawBufferPointer) -> MACAddress? {
        guard b.count == 6, let v = unsigned(b), v != 0 else { return nil }
        return MACAddress(rawValue: v)
    }

    @inlinable
    static func ipv6(_ b: UnsafeRawBufferPointer) -> IPAddress? {
        guard b.count == 16 else { return nil }
        var c = ByteCursor(b)
        return c.readIPv6()
    }

    @inlinable
    static func apply(
        _ kind: FieldKind, _ b: UnsafeRawBufferPointer, _ r: inout FlowRecord, _ t: inout Times, _ a: inout Addresses,
        _ n: inout Totals
    ) {
        switch kind {
        case .skip: return
        case .octets:
            if let v = unsigned(b) {
                r.bytes = v
                n.sawDelta = true
            }
        case .packets:
            if let v = unsigned(b) {
                r.packets = v
                n.sawDelta = true
            }
        case .reverseOctets:
            if let v = unsigned(b) {
                r.reverseBytes = v
                r.isBiflow = true
                n.sawDelta = true
            }
        case .reversePackets:
            if let v = unsigned(b) {
                r.reversePackets = v
                r.isBiflow = true
                n.sawDelta = true
            }
        case .totalOctets: if let v = unsigned(b) { n.bytes = v }
        case .totalPackets: if let v = unsigned(b) { n.packets = v }
        case .reverseTotalOctets: if let v = unsigned(b) { n.reverseBytes = v }
        case .reverseTotalPackets: if let v = unsigned(b) { n.reversePackets = v }
        case .initiatorOctets: if let v = unsigned(b) { r.bytes = v; markInitiator(&r); n.sawDelta = true }
        case .responderOctets: if let v = unsigned(b) { r.reverseBytes = v; markInitiator(&r); n.sawDelta = true }
        case .initiatorPackets: if let v = unsigned(b) { r.packets = v; markInitiator(&r); n.sawDelta = true }
        case .responderPackets: if let v = unsigned(b) { r.reversePackets = v; markInitiator(&r); n.sawDelta = true }
        case .proto: if let v = unsigned(b) { r.proto = UInt8(truncatingIfNeeded: v) }
        // tcpControlBits is 2 bytes since RFC 7125 (1 in NetFlow v9): the classic flags are the low byte.
        case .tcpFlags: if let v = unsigned(b) { r.tcpFlags = UInt8(truncatingIfNeeded: v) }
        case .reverseTCPFlags:
            if let v = unsigned(b) {
                r.reverseTCPFlags = UInt8(truncatingIfNeeded: v)
                r.isBiflow = true
            }
        // 1 byte in RFC 7011's reduced-size encoding; a template of any other length is refused.
        case .srcPort: if b.count <= 2, let v = unsigned(b) { r.srcPort = UInt16(v) }
        case .dstPort: if b.count <= 2, let v = unsigned(b) { r.dstPort = UInt16(v) }
        case .srcIPv4: if b.count == 4, let v = unsigned(b) { a.src4 = IPAddress(v4: UInt32(v)) }
        case .dstIPv4: if b.count == 4, let v = unsigned(b) { a.dst4 = IPAddress(v4: UInt32(v)) }
        case .srcIPv6: if let v = ipv6(b) { a.src6 = v }
        case .dstIPv6: if let v = ipv6(b) { a.dst6 = v }
        case .ipVersion: if let v = unsigned(b), v == 4 || v == 6 { a.version = UInt8(v) }
        case .icmpTypeCode:
            if b.count == 2, let v = unsigned(b) {
                r.icmpType = UInt8(v >> 8)
                r.icmpCode = UInt8(v & 0xff)
                r.hasICMPType = true
            }
        case .icmpType:
            if b.count == 1 {
                r.icmpType = b[0]
                r.hasICMPType = true
            }
        case .icmpCode: if b.count == 1 { r.icmpCode = b[0] }
        case .srcMAC: if let m = mac(b) { r.srcMAC = m }
        case .dstMAC: if let m = mac(b) { r.dstMAC = m }
        // The MACs after the exporter forwarded the packet: used only when the record has no others.
        case .postSrcMAC: if r.srcMAC == nil, let m = mac(b) { r.srcMAC = m }
        case .postDstMAC: if r.dstMAC == nil, let m = mac(b) { r.dstMAC = m }
        case .vlan, .dot1qVLAN:
            if let v = unsigned(b), v != 0, r.vlanCount == 0 { r.addVLAN(UInt16(truncatingIfNeeded: v & 0xfff)) }
        case .dot1qCustomerVLAN:
            // A QinQ frame's inner tag: it follows the service tag.
            if let v = unsigned(b), v != 0 { r.addVLAN(UInt16(truncatingIfNeeded: v & 0xfff)) }
        case .postVLAN: return
        case .startUptime: if b.count == 4, let v = unsigned(b) { t.startUptime = UInt32(v) }
        case .endUptime: if b.count == 4, let v = unsigned(b) { t.endUptime = UInt32(v) }
        // Unsigned 64-bit values: one past Int64 or µs that overflow saturate (`RecordTime`), and the record
        // is then refused as `timestamp-out-of-range` rather than judged at a time wrapped into 1970.
        case .startSeconds: if let v = unsigned(b) { t.startAbsolute = RecordTime.micros(v, unit: 1_000_000) }
        case .endSeconds: if let v = unsigned(b) { t.endAbsolute = RecordTime.micros(v, unit: 1_000_000) }
        case .startMillis: if let v = unsigned(b) { t.startAbsolute = RecordTime.micros(v, unit: 1000) }
        case .endMillis: if let v = unsigned(b) { t.endAbsolute = RecordTime.micros(v, unit: 1000) }
        case .startMicrosNTP, .startNanosNTP: if let v = ntpMicros(b) { t.startAbsolute = v }
        case .endMicrosNTP, .endNanosNTP: if let v = ntpMicros(b) { t.endAbsolute = v }
        case .startDeltaMicros: if let v = unsigned(b) { t.startDelta = Int64(clamping: v) }
        case .endDeltaMicros: if let v = unsigned(b) { t.endDelta = Int64(clamping: v) }
        case .systemInitMillis: if let v = unsigned(b) { t.systemInit = Int64(clamping: v) }
        case .samplingInterval, .samplerRandomInterval: if let v = unsigned(b) { t.rate = v }
        case .samplingPacketInterval: if let v = unsigned(b) { t.interval = v }
        case .samplingPacketSpace: if let v = unsigned(b) { t.space = v }
        case .biflowDirection: if let v = unsigned(b) { r.biflowDirection = UInt8(truncatingIfNeeded: v) }
        case .flowEndReason: if let v = unsigned(b) { r.endReason = UInt8(truncatingIfNeeded: v) }
        }
    }

    /// Initiator and responder counters (RFC 5103-style, as firewalls export them) say `src` initiated.
    @inlinable
    static func markInitiator(_ r: inout FlowRecord) {
        r.isBiflow = true
        if r.biflowDirection == 0 { r.biflowDirection = 1 }
    }
}
