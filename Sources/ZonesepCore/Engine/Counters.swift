/// Replay-wide counts for the summary record. Fixed-size arrays, allocated once, updated in place.
public struct Counters: Sendable {
    public var packets: UInt64 = 0
    public var bytes: UInt64 = 0
    public var ipPackets: UInt64 = 0
    public var nonIPPackets: UInt64 = 0
    public var flows: UInt64 = 0
    public var anomalies = [UInt64](repeating: 0, count: DecodeAnomaly.allCases.count)
    public var alertsByRule = [UInt64](repeating: 0, count: RuleID.allCases.count)
    /// First and last packet time seen (µs), or nil before the first packet.
    public var firstPacketMicros: Int64? = nil
    public var lastPacketMicros: Int64? = nil

    public init() {}

    public var alerts: UInt64 { alertsByRule.reduce(0, +) }
    public var anomalyTotal: UInt64 { anomalies.reduce(0, +) }

    public func count(_ a: DecodeAnomaly) -> UInt64 { anomalies[Int(a.rawValue)] }
    public func count(_ r: RuleID) -> UInt64 { alertsByRule[Int(r.rawValue)] }
}

/// Zone-to-zone counts: packets and bytes by (source, destination) of each IP packet, and flows by
/// (initiator, responder). Indexed by zone, then external, unzoned, local.
public struct ZoneMatrix: Sendable {
    public let zoneCount: Int
    public let side: Int
    public var packets: [UInt64]
    public var bytes: [UInt64]
    public var flows: [UInt64]

    public init(zoneCount: Int) {
        self.zoneCount = zoneCount
        side = zoneCount + 3
        packets = Array(repeating: 0, count: side * side)
        bytes = Array(repeating: 0, count: side * side)
        flows = Array(repeating: 0, count: side * side)
    }

    @inlinable
    public func index(_ r: ZoneRef) -> Int { ZoneMatrix.index(r, zoneCount: zoneCount) }

    /// `index(_:)` of a matrix of `zoneCount` zones, for callers that keep their own counts.
    @inlinable
    public static func index(_ r: ZoneRef, zoneCount: Int) -> Int {
        // external, unzoned, local (0xfffd...0xffff) follow the zones in that order; no branch on the hot path.
        let raw = Int(r.rawValue)
        return raw < Int(ZoneRef.external.rawValue) ? raw : zoneCount &+ (raw &- Int(ZoneRef.external.rawValue))
    }

    /// The ZoneRef of a row or column index.
    public func ref(_ i: Int) -> ZoneRef {
        i < zoneCount ? ZoneRef(zone: i) : [ZoneRef.external, .unzoned, .local][i - zoneCount]
    }

    @inlinable
    public mutating func addPacket(from a: ZoneRef, to b: ZoneRef, bytes n: Int) {
        let i = index(a) * side + index(b)
        packets[i] &+= 1
        bytes[i] &+= UInt64(n)
    }

    @inlinable
    public mutating func addFlow(from a: ZoneRef, to b: ZoneRef) {
        flows[index(a) * side + index(b)] &+= 1
    }
}
