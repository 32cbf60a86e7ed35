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
// `PacketDecoder` handles every frame; this decoder accepts only the shape above and returns false for
// anything else (options, extension headers, fragments, ICMP, a second tag, any malformation), so the
// verifier's fast lane can skip the full `DecodedPacket` for packets of flows it already knows. A UDP
// datagram to a VXLAN or Geneve port is refused too: its tuple is the tunnel's, not a flow's (GRE and IP
// in IP are neither TCP nor UDP, so they never get this far). For each
// frame it accepts, `PacketDecoder` reaches the same tuple with outcome `.ip`: a differential test holds
// the two to that.

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

public enum CommonFrameDecoder {
    /// Decodes an Ethernet frame of the common shape into `f` and returns true; false (with `f` undefined)
    /// for any other frame, which then goes to `PacketDecoder`. UDP tunnels on the standard ports. Never traps.
    @inlinable @inline(__always)
    public static func decode(_ b: UnsafeRawBufferPointer, into f: inout CommonFrame) -> Bool {
        decode(b, tunnelPorts: .standard, into: &f)
    }

    /// As `decode(_:into:)`, refusing UDP datagrams to the VXLAN and Geneve ports of `tunnelPorts`.
    @inlinable @inline(__always)
    public static func decode(
        _ b: UnsafeRawBufferPointer, tunnelPorts: TunnelPorts, into f: inout CommonFrame
    ) -> Bool {
        @inline(__always) func be16(_ at: Int) -> UInt16 {
            UInt16(bigEndian: b.loadUnaligned(fromByteOffset: at, as: UInt16.self))
        }
        @inline(__always) func be32(_ at: Int) -> UInt32 {
            UInt32(bigEndian: b.loadUnaligned(fromByteOffset: at, as: UInt32.self))
        }

        let count = b.count
        guard count >= 14 + 20 else { return false }  // no IP header of either kind fits in less
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
        if type == EtherType.ipv4 {
            guard captured >= 20, b.load(fromByteOffset: l3, as: UInt8.self) == 0x45 else { return false }
            let total = Int(be16(l3 &+ 2))
            guard total >= 20 || total == 0, be16(l3 &+ 6) & 0x3fff == 0 else { return false }
            f.proto = b.load(fromByteOffset: l3 &+ 9, as: UInt8.self)
            f.src = IPAddress(v4: be32(l3 &+ 12))
            f.dst = IPAddress(v4: be32(l3 &+ 16))
            l4 = l3 &+ 20
            l4Length = (total == 0 ? captured : min(total, captured)) &- 20
        } else if type == EtherType.ipv6 {
            guard captured >= 40, b.load(fromByteOffset: l3, as: UInt8.self) >> 4 == 6 else { return false }
            let payloadLength = Int(be16(l3 &+ 4))
            f.proto = b.load(fromByteOffset: l3 &+ 6, as: UInt8.self)
            f.src = IPAddress(v6: UInt128(bigEndian: b.loadUnaligned(fromByteOffset: l3 &+ 8, as: UInt128.self)))
            f.dst = IPAddress(v6: UInt128(bigEndian: b.loadUnaligned(fromByteOffset: l3 &+ 24, as: UInt128.self)))
            l4 = l3 &+ 40
            l4Length = payloadLength == 0 ? captured &- 40 : min(payloadLength, captured &- 40)
        } else {
            return false
        }
        if f.proto == IPProtocolNumber.tcp {
            guard l4Length >= TCPDecoder.requiredLength else { return false }
            let offsetAndFlags = be16(l4 &+ 12)
            guard offsetAndFlags >> 12 >= 5 else { return false }
            f.tcpFlags = UInt8(truncatingIfNeeded: offsetAndFlags)
        } else if f.proto == IPProtocolNumber.udp {
            guard l4Length >= UDPDecoder.headerLength else { return false }
            let length = be16(l4 &+ 4)
            guard length >= 8 || (length == 0 && type == EtherType.ipv6) else { return false }
            f.tcpFlags = 0
        } else {
            return false
        }
        let ports = be32(l4)
        f.srcPort = UInt16(truncatingIfNeeded: ports >> 16)
        f.dstPort = UInt16(truncatingIfNeeded: ports)
        return f.proto == IPProtocolNumber.tcp || tunnelPorts.kind(ofDestination: f.dstPort) == nil
    }
}
