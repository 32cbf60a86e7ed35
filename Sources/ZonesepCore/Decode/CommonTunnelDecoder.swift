// The encapsulated frames a remote mirror or a virtualised core sends nearly all the time, recognised in
// one step, so their known flows take the fast lane as plain frames do:
//
//    0          14 (18 with one tag)       +20
//   +----------+--------------------------+---------------------------------------+---------------------+
//   | Ethernet | IPv4, IHL 5,             | 47: GRE 0000 88be       (ERSPAN I)    | a common frame      |
//   | [1 tag]  | not a fragment           | 47: GRE 1000 88be, seq, ERSPAN II v1  | (CommonFrameDecoder)|
//   |          |                          | 17: UDP to a VXLAN port, VXLAN        |                     |
//   +----------+--------------------------+---------------------------------------+---------------------+
//
//   GRE:    0 flags+version (exactly 0x0000, or 0x1000: the sequence bit alone)  2 protocol type 0x88be
//           4 sequence number (0x1000 only)
//   ERSPAN II: 0 version (high nibble, 1) ... 8 bytes
//   UDP:    2 dst port (one of `TunnelPorts`' VXLAN ports)  4 length (>= 8)
//   VXLAN:  0 flags (I = 0x08: the VNI is valid)  4 VNI (24 bits)
//
// The inner frame ends where the outer IPv4 datagram does (its total length, or what was captured). Any
// other shape (GRE with a key or checksum, ERSPAN III, Geneve, IPv6 outside, a second tunnel inside, and
// every malformation) returns false and takes `PacketDecoder`. For each frame it accepts, `PacketDecoder`
// reaches the same innermost tuple, own VLANs and VNI with outcome `.ip` after one tunnel: a differential
// test holds the two to that. The outer headers are `CommonFrameDecoder.read`'s: it refuses the frame and
// says where the tunnel's header starts, and this decoder goes on from there.

/// Recognises one ERSPAN I/II or VXLAN tunnel around a common frame.
public enum CommonTunnelDecoder {
    /// Decodes the inner common frame of an ERSPAN I/II or VXLAN frame into `f` (with `f.vni`, the VXLAN
    /// VNI when its I flag is set) and returns true; false (with `f` undefined) for any other frame. Never traps.
    @inlinable @inline(__always)
    public static func decode(
        _ b: UnsafeRawBufferPointer, tunnelPorts: TunnelPorts, into f: inout CommonFrame
    ) -> Bool {
        var inner = 0
        return decode(b, tunnelPorts: tunnelPorts, into: &f, innerEthernet: &inner)
    }

    /// As `decode(_:tunnelPorts:into:)`, with `innerEthernet` set to where the inner frame's Ethernet header
    /// starts in `b` (its source MAC is the sender's, as `PacketDecoder` reads it).
    @inlinable @inline(__always)
    public static func decode(
        _ b: UnsafeRawBufferPointer, tunnelPorts: TunnelPorts, into f: inout CommonFrame, innerEthernet: inout Int
    ) -> Bool {
        let outer = CommonFrameDecoder.read(b, tunnelPorts: tunnelPorts, into: &f)
        return decode(b, outer: outer, tunnelPorts: tunnelPorts, into: &f, innerEthernet: &innerEthernet)
    }

    /// Goes on from `outer`, what `CommonFrameDecoder.read` made of `b`: false unless it found the outside
    /// of a tunnel, else as `decode(_:tunnelPorts:into:innerEthernet:)`.
    @inlinable @inline(__always)
    public static func decode(
        _ b: UnsafeRawBufferPointer, outer: CommonFrameShape, tunnelPorts: TunnelPorts, into f: inout CommonFrame,
        innerEthernet: inout Int
    ) -> Bool {
        @inline(__always) func be16(_ at: Int) -> UInt16 {
            UInt16(bigEndian: b.loadUnaligned(fromByteOffset: at, as: UInt16.self))
        }
        @inline(__always) func be32(_ at: Int) -> UInt32 {
            UInt32(bigEndian: b.loadUnaligned(fromByteOffset: at, as: UInt32.self))
        }

        guard let tunnel = outer.tunnel else { return false }
        let l4 = outer.payloadStart
        let end = outer.payloadEnd  // within `b`: `read` bounded it by what was captured
        let inner: Int
        switch tunnel {
        case .gre:
            guard end &- l4 >= 4 else { return false }
            let header = be32(l4)
            if header == UInt32(GREDecoder.erspan) {  // no flags: ERSPAN type I, the frame right after
                inner = l4 &+ 4
            } else if header == UInt32(GREDecoder.sequencePresent) << 16 | UInt32(GREDecoder.erspan) {
                guard end &- l4 >= 8 &+ ERSPANDecoder.typeIILength,
                    b.load(fromByteOffset: l4 &+ 8, as: UInt8.self) >> 4 == 1
                else { return false }
                inner = l4 &+ 8 &+ ERSPANDecoder.typeIILength
            } else {
                return false
            }
            f.vni = nil
        case .vxlan:
            // `read` checked the UDP header (8 bytes or more, length >= 8) and the port.
            guard end &- l4 >= UDPDecoder.headerLength &+ VXLANDecoder.headerLength else { return false }
            let flags = b.load(fromByteOffset: l4 &+ 8, as: UInt8.self)
            f.vni = flags & 0x08 != 0 ? be32(l4 &+ 12) >> 8 : nil
            inner = l4 &+ UDPDecoder.headerLength &+ VXLANDecoder.headerLength
        case .geneve:
            return false
        }
        innerEthernet = inner
        return CommonFrameDecoder.read(
            UnsafeRawBufferPointer(rebasing: b[inner..<end]), tunnelPorts: tunnelPorts, into: &f) == .common
    }
}
