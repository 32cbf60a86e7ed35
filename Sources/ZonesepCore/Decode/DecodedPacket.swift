/// What one pass over a packet's bytes found, as a value the caller owns and reuses for every packet
/// (gopacket's DecodingLayerParser): no object per layer, no allocation.
public struct DecodedPacket: Sendable {
    /// Outcome of decoding: how far the decoder got.
    public enum Outcome: UInt8, Sendable {
        /// An IP packet with its transport header (or a protocol without ports).
        case ip
        /// A non-first fragment: addresses known, transport header not in this packet.
        case ipFragment
        /// Not IP (ARP, LLDP, STP, ...): counted, not an anomaly.
        case notIP
        /// Malformed or truncated: see `anomaly`.
        case malformed
    }

    public var outcome: Outcome = .notIP
    /// The first problem found, set exactly when `outcome` is `.malformed`.
    public var anomaly: DecodeAnomaly? = nil

    // Link layer.
    public var srcMAC: MACAddress? = nil
    public var dstMAC: MACAddress? = nil
    /// 802.1Q / 802.1ad tags, outermost first; `vlanCount` of them are valid (0...2).
    public var vlan0: UInt16 = 0
    public var vlan1: UInt16 = 0
    public var vlanCount: UInt8 = 0

    // Network layer.
    /// 4 or 6 once the IP addresses were read, 0 before. A `.malformed` packet may still carry its
    /// addresses (a truncated TCP header, say): `ipVersion != 0` tells whether `src`/`dst` are valid.
    public var ipVersion: UInt8 = 0
    public var src = IPAddress(rawValue: 0)
    public var dst = IPAddress(rawValue: 0)
    /// The transport protocol (after IPv6 extension headers).
    public var proto: UInt8 = 0
    /// Fragment identification (IPv4 16-bit id or IPv6 32-bit id), valid when `isFragment`.
    public var fragmentID: UInt32 = 0
    /// Part of a fragmented datagram (first or not).
    public var isFragment = false
    /// A fragment other than the first (offset > 0): ports come from the first fragment's flow.
    public var isNonFirstFragment = false

    // Transport layer (valid when `hasPorts`).
    public var hasPorts = false
    public var srcPort: UInt16 = 0
    public var dstPort: UInt16 = 0
    /// TCP flags byte 13 (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10, URG 0x20, ECE 0x40, CWR 0x80).
    public var tcpFlags: UInt8 = 0

    // ICMP / ICMPv6.
    public var icmpType: UInt8 = 0
    public var icmpCode: UInt8 = 0
    /// Echo identifier, which keeps concurrent pings apart as flows.
    public var icmpEchoID: UInt16 = 0
    /// An ICMP error carries the header of the packet it reports on; that packet's tuple is here.
    public var hasInner = false
    public var innerSrc = IPAddress(rawValue: 0)
    public var innerDst = IPAddress(rawValue: 0)
    public var innerProto: UInt8 = 0
    public var innerSrcPort: UInt16 = 0
    public var innerDstPort: UInt16 = 0
    public var innerHasPorts = false

    @inlinable public init() {}

    /// Resets every field, so a reused value never carries a previous packet's data.
    @inlinable
    public mutating func reset() { self = DecodedPacket() }

    /// Marks the packet malformed with `anomaly`, unless an earlier problem was already recorded (a packet
    /// keeps the first one). Returns false, so a decoder can `return p.markMalformed(.x)`.
    @inlinable
    @discardableResult
    public mutating func markMalformed(_ anomaly: DecodeAnomaly) -> Bool {
        if self.anomaly == nil { self.anomaly = anomaly }
        outcome = .malformed
        return false
    }

    public enum TCPFlag {
        public static let fin: UInt8 = 0x01
        public static let syn: UInt8 = 0x02
        public static let rst: UInt8 = 0x04
        public static let psh: UInt8 = 0x08
        public static let ack: UInt8 = 0x10
        public static let urg: UInt8 = 0x20
        public static let ece: UInt8 = 0x40
        public static let cwr: UInt8 = 0x80
    }
}
