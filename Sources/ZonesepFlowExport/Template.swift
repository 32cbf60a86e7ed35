/// One field of a template: what it means and how many bytes it takes (`variableLength`: the record says).
public struct TemplateField: Sendable, Equatable {
    public var kind: FieldKind
    public var length: UInt16

    /// IPFIX's marker for a variable-length field (RFC 7011 section 7).
    public static let variableLength: UInt16 = 0xffff

    @inlinable
    public init(kind: FieldKind, length: UInt16) {
        self.kind = kind
        self.length = length
    }
}

/// A template as received, compiled for decoding: its fields in order and the shortest record it allows.
public struct Template: Sendable, Equatable {
    public var id: UInt16
    public var fields: [TemplateField]
    /// Options templates describe metadata records (sampling, system init time), never flows.
    public var isOptions: Bool
    /// The fewest bytes one record can take (each variable-length field at least its 1-byte length);
    /// fewer bytes left in a set than this are padding.
    public var minimumRecordLength: Int
    /// Export time (µs) of the message that last carried this template, for expiry.
    public var refreshedMicros: Int64
    /// Whether the template has a port field: an exporter aggregating by addresses alone (pmacct's
    /// `aggregate: src_host, dst_host, proto`) sends TCP and UDP records without ports, which are not
    /// non-first fragments and cannot be judged like a flow whose ports are known.
    public var hasPortFields: Bool
    /// Whether it has an ICMP type field (`icmpTypeCodeIPv4` and the like): a template of ICMP flows
    /// (softflowd sends one per family) has no ports and is no aggregation by addresses.
    public var hasICMPTypeFields: Bool
    /// Whether it has an address field of either family (a flow template, not one of metadata).
    public var hasAddressFields: Bool
    /// Whether every field has a fixed length: each record then takes `minimumRecordLength` bytes, so the
    /// records of a set cut short can be framed and counted from its length.
    public var hasFixedLength: Bool
    /// Which storing of a template this is (unique in the decoder), and the decoder's tick when it was last
    /// stored or used: the bounded template store evicts the least recently used first.
    var serial: UInt64 = 0
    var lastUsed: UInt64 = 0

    public init(id: UInt16, fields: [TemplateField], isOptions: Bool, refreshedMicros: Int64) {
        self.id = id
        self.fields = fields
        self.isOptions = isOptions
        self.refreshedMicros = refreshedMicros
        var minimum = 0
        for f in fields { minimum += f.length == TemplateField.variableLength ? 1 : Int(f.length) }
        self.minimumRecordLength = minimum
        hasPortFields = fields.contains { $0.kind == .srcPort || $0.kind == .dstPort }
        hasICMPTypeFields = fields.contains { $0.kind == .icmpTypeCode || $0.kind == .icmpType }
        hasFixedLength = !fields.contains { $0.length == TemplateField.variableLength }
        hasAddressFields = fields.contains {
            $0.kind == .srcIPv4 || $0.kind == .dstIPv4 || $0.kind == .srcIPv6 || $0.kind == .dstIPv6
        }
    }
}
