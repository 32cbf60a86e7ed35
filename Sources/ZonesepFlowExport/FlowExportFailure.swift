/// Why (part of) an export datagram could not be decoded. Each is counted per exporter by name; none is
/// fatal, and the rest of the datagram is read where its framing allows.
public enum FlowExportFailure: UInt8, Sendable, CaseIterable {
    /// Shorter than its protocol's header.
    case datagramTruncated
    /// A version field zonesep does not decode (not 5, 9, 10, or sFlow 5).
    case unknownVersion
    /// The header's length or record count disagrees with the datagram's size.
    case lengthMismatch
    /// A set (flowset) header that is cut short or claims more bytes than the message holds.
    case setTruncated
    /// A set id reserved by the protocol (IPFIX 0, 1 and 4-255; NetFlow v9 2-255).
    case reservedSetID
    /// A template or options template record cut short.
    case templateTruncated
    /// A template that cannot describe records: id below 256, a zero-length field, bad scope count.
    case templateInvalid
    /// A data record shorter than its template, or a variable-length field running past the set.
    case recordTruncated
    /// A data set whose template is unknown (dropped when it could not be held, or evicted while held).
    case noTemplate
    /// An sFlow sample or flow record cut short, or whose length runs past its container.
    case sampleTruncated
    /// An sFlow agent address type other than IPv4 (1) or IPv6 (2).
    case badAddressType
    /// A sampled header the packet decoder found malformed.
    case sampledHeaderMalformed
    /// A sampled header of a protocol other than Ethernet, IPv4 or IPv6.
    case sampledHeaderUnsupported
    /// A flow record whose start or end no RFC 3339 text can hold (before year 0000 or after 9999, see
    /// `PacketTime`), or that overflowed 64 bits in µs: not handed on, so never judged at an invented time.
    case timestampOutOfRange

    /// The name summaries and stats use.
    public var name: String {
        switch self {
        case .datagramTruncated: return "datagram-truncated"
        case .unknownVersion: return "unknown-version"
        case .lengthMismatch: return "length-mismatch"
        case .setTruncated: return "set-truncated"
        case .reservedSetID: return "reserved-set-id"
        case .templateTruncated: return "template-truncated"
        case .templateInvalid: return "template-invalid"
        case .recordTruncated: return "record-truncated"
        case .noTemplate: return "no-template"
        case .sampleTruncated: return "sample-truncated"
        case .badAddressType: return "bad-address-type"
        case .sampledHeaderMalformed: return "sampled-header-malformed"
        case .sampledHeaderUnsupported: return "sampled-header-unsupported"
        case .timestampOutOfRange: return "timestamp-out-of-range"
        }
    }
}

/// What one exporter sent and how much of it could be read: the verdict is only as complete as this.
public struct ExporterStats: Sendable, Equatable {
    /// Datagrams received, of any version.
    public var datagrams: UInt64 = 0
    /// Flow records handed to the caller (sFlow: flow samples with a decodable IP header).
    public var records: UInt64 = 0
    /// Of those, TCP, UDP and SCTP records of a template without port fields (an export aggregated by
    /// addresses): judged only where no port could change the verdict.
    public var recordsWithoutPorts: UInt64 = 0
    /// Template and options template records received (refreshes included).
    public var templates: UInt64 = 0
    /// Templates withdrawn by the exporter, and templates expired for want of a refresh.
    public var templatesWithdrawn: UInt64 = 0
    public var templatesExpired: UInt64 = 0
    /// Templates evicted, the least recently used first, because the session (or all sessions together)
    /// held as many as the decoder keeps: data for them is held and counted as `noTemplate` if the
    /// template does not come again.
    public var templatesEvicted: UInt64 = 0
    /// Datagrams dropped because they began a new session while the session table was full.
    public var datagramsRejected: UInt64 = 0
    /// Options data records read (sampling rate, system init time); never handed on as flows.
    public var optionsRecords: UInt64 = 0
    /// Data sets held because their template had not arrived yet, and those later decoded.
    public var setsHeld: UInt64 = 0
    public var setsReleased: UInt64 = 0
    /// sFlow samples ignored on purpose: counter samples, and flow samples of a frame with no IP in it.
    public var counterSamples: UInt64 = 0
    public var sampledNotIP: UInt64 = 0
    /// Sequence numbers that skipped ahead (each one a gap no late datagram filled), and how much the gaps
    /// add up to: datagrams for NetFlow v9 and sFlow, records for IPFIX and NetFlow v5, whose sequence
    /// counts records. A gap is counted once it can no longer be filled (`SequenceTracker`).
    public var sequenceGaps: UInt64 = 0
    public var missedDatagrams: UInt64 = 0
    public var missedRecords: UInt64 = 0
    /// Records the exporter sent in datagrams that arrived cut short (an IPFIX message shorter than its
    /// header's length, a NetFlow v9 data flowset running past its packet within the header's count, a
    /// NetFlow v5 packet shorter than its count): the records of a cut set past the last whole one, known
    /// from the set's length (records of a fixed length), or the one record cut where the set's records
    /// vary in length. Not sequence loss: the datagram arrived.
    public var truncatedRecords: UInt64 = 0
    /// Datagrams that arrived after a later one (reordered on the way): what they carried is not loss.
    public var lateDatagrams: UInt64 = 0
    /// Datagrams received again (the same sequence number and bytes as one accepted from the stream): not
    /// decoded, so their records are not judged twice. Counted in `datagrams` too.
    public var duplicateDatagrams: UInt64 = 0
    /// Sequence numbers that went far backwards (a restarted exporter): not counted as loss.
    public var sequenceResets: UInt64 = 0
    /// Failures by reason, indexed by `FlowExportFailure.rawValue`.
    public var failures = FailureCounts()
    /// Records of packets sampled 1 in N with N > 1, and the largest N seen (1 while every packet was
    /// metered): a flow none of whose packets was sampled is in no record, so it was never verified.
    public var sampledRecords: UInt64 = 0
    public var samplingRate: UInt32 = 1
    /// The exporter's clock against the collector's: the latest datagram's export time (its header's)
    /// minus its arrival, µs; nil until a datagram with an export time came (sFlow carries none).
    public var clockOffsetMicros: Int64? = nil
    /// Whether the offset was once past `FlowExportDecoder.clockOffsetWarningMicros` (said once).
    public var clockOffsetWarned = false

    public init() {}

    /// Counts a record's sampling rate (1 in `rate` packets metered).
    @inlinable
    public mutating func noteSampling(_ rate: UInt32) {
        guard rate > 1 else { return }
        sampledRecords += 1
        if rate > samplingRate { samplingRate = rate }
    }

    /// `clockOffsetMicros` in whole seconds, rounded (export times are whole seconds).
    public var clockOffsetSeconds: Int64? { clockOffsetMicros.map(Self.seconds) }

    /// µs to whole seconds, rounded half away from zero.
    public static func seconds(_ micros: Int64) -> Int64 {
        micros >= 0 ? (micros &+ 500_000) / 1_000_000 : -((500_000 &- micros) / 1_000_000)
    }

    /// All failures, whatever the reason.
    public var totalFailures: UInt64 { failures.total }
}

/// A fixed array of counts, one per `FlowExportFailure`, so counting never allocates.
public struct FailureCounts: Sendable, Equatable {
    @usableFromInline var counts:
        (
            UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
            UInt64, UInt64, UInt64, UInt64, UInt64, UInt64
        ) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)

    public init() {}

    public subscript(_ reason: FlowExportFailure) -> UInt64 {
        get {
            withUnsafeBytes(of: counts) { $0.load(fromByteOffset: Int(reason.rawValue) * 8, as: UInt64.self) }
        }
        set {
            withUnsafeMutableBytes(of: &counts) {
                $0.storeBytes(of: newValue, toByteOffset: Int(reason.rawValue) * 8, as: UInt64.self)
            }
        }
    }

    public var total: UInt64 { FlowExportFailure.allCases.reduce(0) { $0 + self[$1] } }

    /// The non-zero counts, by name, in the enum's order.
    public var nonZero: [(name: String, count: UInt64)] {
        FlowExportFailure.allCases.compactMap { self[$0] == 0 ? nil : ($0.name, self[$0]) }
    }

    public static func == (a: FailureCounts, b: FailureCounts) -> Bool {
        FlowExportFailure.allCases.allSatisfy { a[$0] == b[$0] }
    }
}
