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
// test holds the two to that. Plain frames never get here (`CommonFrameDecoder` takes them first).

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
        @inline(__always) func be16(_ at: Int) -> UInt16 {
            UInt16(bigEndian: b.loadUnaligned(fromByteOffset: at, as: UInt16.self))
        }
        @inline(__always) func be32(_ at: Int) -> UInt32 {
            UInt32(bigEndian: b.loadUnaligned(fromByteOffset: at, as: UInt32.self))
        }

        let count = b.count
        guard count >= 14 + 20 + 8 else { return false }  // outer headers and the shortest tunnel header
        var l3 = 14
        var type = be16(12)
        if type != EtherType.ipv4 && VLANDecoder.isTag(type) {
            type = UInt16(truncatingIfNeeded: be32(14))
            l3 = 18
        }
        guard type == EtherType.ipv4, b.load(fromByteOffset: l3, as: UInt8.self) == 0x45 else { return false }
        let total = Int(be16(l3 &+ 2))
        guard total >= 20 || total == 0, be16(l3 &+ 6) & 0x3fff == 0 else { return false }
        let captured = count &- l3
        // Where the outer datagram ends: as IPv4Decoder bounds its payload.
        let end = l3 &+ (total == 0 ? captured : min(total, captured))
        let l4 = l3 &+ 20
        let proto = b.load(fromByteOffset: l3 &+ 9, as: UInt8.self)
        let inner: Int
        if proto == IPProtocolNumber.gre {
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
        } else if proto == IPProtocolNumber.udp {
            guard end &- l4 >= UDPDecoder.headerLength &+ VXLANDecoder.headerLength,
                tunnelPorts.kind(ofDestination: be16(l4 &+ 2)) == .vxlan, be16(l4 &+ 4) >= 8
            else { return false }
            let flags = b.load(fromByteOffset: l4 &+ 8, as: UInt8.self)
            f.vni = flags & 0x08 != 0 ? be32(l4 &+ 12) >> 8 : nil
            inner = l4 &+ UDPDecoder.headerLength &+ VXLANDecoder.headerLength
        } else {
            return false
        }
        innerEthernet = inner
        return CommonFrameDecoder.decode(
            UnsafeRawBufferPointer(rebasing: b[inner..<end]), tunnelPorts: tunnelPorts, into: &f)
    }
}
