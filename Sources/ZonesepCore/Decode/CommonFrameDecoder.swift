// The frame a core switch mirrors nearly all the time, recognised in one step:
//
//    0              6              12     14            (18 with one 802.1Q / 802.1ad tag)
//   +--------------+--------------+------+------------+----------------------------------------------+
//   | dst MAC      | src MAC      | type | [TCI|type] | IPv4, IHL 5, not a fragment  | TCP or UDP    |
//   +--------------+--------------+------+------------+ IPv6, next header TCP or UDP | ports, flags  |
//
//   IPv4: 0 ver/IHL=0x45  2 total length  6 flags+offset (0 or DF)  9 protocol  12 src  16 dst
//   IPv6: 0 version 6     4 payload length  6 next header           8 src       24 dst
//   TCP:  0 src port  2 dst port  12 data offset (>= 5) + flags      UDP: 0 src  2 dst  4 length (>= 8)
//
// `PacketDecoder` handles every frame; this decoder accepts only the shape above and refuses anything
// else (options, extension headers, fragments, ICMP, a second tag, IPv4-mapped IPv6 addresses, any
// malformation), so the verifier's
// fast lane can skip the full `DecodedPacket` for packets of flows it already knows. A UDP datagram to a
// VXLAN or Geneve port, or to MPLS-in-UDP's 6635, is refused too: its tuple is the tunnel's, not a flow's
// (GRE, EtherIP, MPLS in IP and IP in IP are neither TCP nor UDP, so they never get this far). When the refused frame is IPv4 (no options, not a
// fragment) carrying GRE or UDP to a tunnel port, `read` says where the datagram's payload lies, so
// `CommonTunnelDecoder` goes on from there instead of reading the outer headers again. For each frame it
// accepts, `PacketDecoder` reaches the same tuple with outcome `.ip`: a differential test holds the two
// to that.

/// The tuple of a common frame.
public struct CommonFrame: Sendable {
    public var src = IPAddress(rawValue: 0)
    public var dst = IPAddress(rawValue: 0)
    public var srcPort: UInt16 = 0
    public var dstPort: UInt16 = 0
    public var proto: UInt8 = 0
    /// TCP flags byte (0 for UDP).
    public var tcpFlags: UInt8 = 0
    /// The VLAN tag packed as in `FlowKey.vlans` (0 untagged).
    public var vlans: UInt32 = 0
    /// The VXLAN network id of a frame `CommonTunnelDecoder` took out of a tunnel (nil: none valid).
    /// `CommonFrameDecoder` neither sets nor reads it: a plain frame has none.
    public var vni: UInt32? = nil

    @inlinable public init() {}
}

/// What `CommonFrameDecoder.read` made of a frame: a common frame (its tuple decoded), the outer headers of
/// a tunnel the fast lane may open (where the IPv4 payload lies and what it is), or anything else. One
/// word, so the plain frame's test is one compare, as the `Bool` it replaced.
@frozen
public struct CommonFrameShape: Equatable, Sendable {
    /// 0: other, 1: common, else `Tunnel` in bits 0-7, the payload's start in bits 8-23, its end above.
    public let rawValue: UInt64

    /// What an IPv4 datagram the fast lane may open carries.
    public enum Tunnel: UInt8, Sendable {
        case gre = 2
        case vxlan = 3
        case geneve = 4
    }

    @inlinable init(rawValue: UInt64) { self.rawValue = rawValue }

    /// Neither a common frame nor the outside of a tunnel: `PacketDecoder`'s.
    public static let other = CommonFrameShape(rawValue: 0)
    /// A common frame, its tuple decoded.
    public static let common = CommonFrameShape(rawValue: 1)

    /// An IPv4 datagram (no options, not a fragment) of `tunnel`, its payload `b[start..<end]`.
    @inlinable @inline(__always)
    static func tunnel(_ tunnel: Tunnel, start: Int, end: Int) -> CommonFrameShape {
        CommonFrameShape(
            rawValue: UInt64(tunnel.rawValue) | UInt64(truncatingIfNeeded: start) << 8
                | UInt64(truncatingIfNeeded: end) << 24)
    }

    /// The tunnel the datagram carries, nil for a common frame or another.
    @inlinable public var tunnel: Tunnel? { Tunnel(rawValue: UInt8(truncatingIfNeeded: rawValue)) }
    /// Where the tunnel's header starts (the outer IPv4 payload).
    @inlinable public var payloadStart: Int { Int(truncatingIfNeeded: rawValue >> 8 & 0xffff) }
    /// Where the outer IPv4 datagram ends: its total length, or what was captured.
    @inlinable public var payloadEnd: Int { Int(truncatingIfNeeded: rawValue >> 24) }
}

public enum CommonFrameDecoder {
    /// Decodes an Ethernet frame of the common shape into `f` and returns true; false (with `f` undefined)
    /// for any other frame, which then goes to `PacketDecoder`. UDP tunnels on the standard ports. Never traps.
    @inlinable @inline(__always)
    public static func decode(_ b: UnsafeRawBufferPointer, into f: inout CommonFrame) -> Bool {
        read(b, tunnelPorts: .standard, into: &f) == .common
    }

    /// As `decode(_:into:)`, refusing UDP datagrams to the VXLAN and Geneve ports of `tunnelPorts`.
    @inlinable @inline(__always)
    public static func decode(
        _ b: UnsafeRawBufferPointer, tunnelPorts: TunnelPorts, into f: inout CommonFrame
    ) -> Bool {
        read(b, tunnelPorts: tunnelPorts, into: &f) == .common
    }

    /// As `decode(_:tunnelPorts:into:)`, saying also where a refused IPv4 frame's GRE or VXLAN/Geneve
    /// payload lies (`f` then undefined as on any refusal), for `CommonTunnelDecoder`. Never traps.
    @inlinable @inline(__always)
    public static func read(
        _ b: UnsafeRawBufferPointer, tunnelPorts: TunnelPorts, into f: inout CommonFrame
    ) -> CommonFrameShape {
        @inline(__always) func be16(_ at: Int) -> UInt16 {
            UInt16(bigEndian: b.loadUnaligned(fromByteOffset: at, as: UInt16.self))
        }
        @inline(__always) func be32(_ at: Int) -> UInt32 {
            UInt32(bigEndian: b.loadUnaligned(fromByteOffset: at, as: UInt32.self))
        }

        let count = b.count
        guard count >= 14 + 20 else { return .other }  // no IP header of either kind fits in less
        var l3 = 14
        var type = be16(12)
        f.vlans = 0
        if type != EtherType.ipv4 && type != EtherType.ipv6 && VLANDecoder.isTag(type) {
            let tag = be32(14)
            type = UInt16(truncatingIfNeeded: tag)
            f.vlans = FlowKey.packVLANs(count: 1, outer: UInt16(truncatingIfNeeded: tag >> 16), inner: 0)
            l3 = 18
        }
        let captured = count &- l3
        let l4: Int
        let l4Length: Int
        // UDP length 0 is allowed where the IP header gave no length either (IPv6, or IPv4 total length 0).
        var lengthFromCapture = true
        if type == EtherType.ipv4 {
            guard captured >= 20, b.load(fromByteOffset: l3, as: UInt8.self) == 0x45 else { return .other }
            let total = Int(be16(l3 &+ 2))
            guard total >= 20 || total == 0, be16(l3 &+ 6) & 0x3fff == 0 else { return .other }
            f.proto = b.load(fromByteOffset: l3 &+ 9, as: UInt8.self)
            f.src = IPAddress(v4: be32(l3 &+ 12))
            f.dst = IPAddress(v4: be32(l3 &+ 16))
            l4 = l3 &+ 20
            l4Length = (total == 0 ? captured : min(total, captured)) &- 20
            lengthFromCapture = total == 0
        } else if type == EtherType.ipv6 {
            guard captured >= 40, b.load(fromByteOffset: l3, as: UInt8.self) >> 4 == 6 else { return .other }
            let payloadLength = Int(be16(l3 &+ 4))
            f.proto = b.load(fromByteOffset: l3 &+ 6, as: UInt8.self)
            f.src = IPAddress(v6: UInt128(bigEndian: b.loadUnaligned(fromByteOffset: l3 &+ 8, as: UInt128.self)))
            f.dst = IPAddress(v6: UInt128(bigEndian: b.loadUnaligned(fromByteOffset: l3 &+ 24, as: UInt128.self)))
            // An IPv4-mapped address marks the flow key (`FlowKey.mappedIPv6Flag`): `PacketDecoder`'s.
            guard !f.src.isIPv4 && !f.dst.isIPv4 else { return .other }
            l4 = l3 &+ 40
            l4Length = payloadLength == 0 ? captured &- 40 : min(payloadLength, captured &- 40)
        } else {
            return .other
        }
        if f.proto == IPProtocolNumber.tcp {
            guard l4Length >= TCPDecoder.requiredLength else { return .other }
            let offsetAndFlags = be16(l4 &+ 12)
            guard offsetAndFlags >> 12 >= 5 else { return .other }
            f.tcpFlags = UInt8(truncatingIfNeeded: offsetAndFlags)
        } else if f.proto == IPProtocolNumber.udp {
            guard l4Length >= UDPDecoder.headerLength else { return .other }
            let length = be16(l4 &+ 4)
            guard length >= 8 || (length == 0 && lengthFromCapture) else { return .other }
            f.tcpFlags = 0
        } else {
            // GRE: an ERSPAN mirror's or a keyed tunnel's outside; refused either way.
            guard f.proto == IPProtocolNumber.gre, type == EtherType.ipv4 else { return .other }
            return .tunnel(.gre, start: l4, end: l4 &+ l4Length)
        }
        let ports = be32(l4)
        f.srcPort = UInt16(truncatingIfNeeded: ports >> 16)
        f.dstPort = UInt16(truncatingIfNeeded: ports)
        if f.proto == IPProtocolNumber.tcp { return .common }
        guard let kind = tunnelPorts.kind(ofDestination: f.dstPort) else {
            return f.dstPort == MPLSInUDPDecoder.port ? .other : .common
        }
        guard type == EtherType.ipv4 else { return .other }
        return .tunnel(kind == .vxlan ? .vxlan : .geneve, start: l4, end: l4 &+ l4Length)
    }

    /// The TCP sequence number of a common TCP frame whose Ethernet header starts at `ethernetAt` of `frame`:
    /// where `read` found the TCP header, past the frame's own VLAN tag if it has one, then an IPv4 header of
    /// 20 bytes or an IPv6 header of 40, as the version nibble says. Only for a frame `read` accepted as
    /// common TCP, which holds at least 14 bytes of TCP header. For a new flow's SYN: no packet pays for it.
    /// The tag is the frame's, not the flow key's: a key can hold a VLAN the frame does not carry (the one
    /// an ERSPAN II header gives a mirrored frame whose tag the switch removed).
    @inlinable
    public static func tcpSequence(_ frame: UnsafeRawPointer, ethernetAt: Int) -> UInt32 {
        let type = UInt16(bigEndian: frame.loadUnaligned(fromByteOffset: ethernetAt &+ 12, as: UInt16.self))
        let tagged = type != EtherType.ipv4 && type != EtherType.ipv6
        let l3 = ethernetAt &+ (tagged ? 18 : 14)
        let ipv4 = frame.load(fromByteOffset: l3, as: UInt8.self) >> 4 == 4
        let l4 = l3 &+ (ipv4 ? 20 : 40)
        return UInt32(bigEndian: frame.loadUnaligned(fromByteOffset: l4 &+ 4, as: UInt32.self))
    }
}
