// The encapsulated frames a remote mirror or a virtualised core sends nearly all the time, recognised in
// one step, so their known flows take the fast lane as plain frames do:
//
//    0          14 (18 with one tag)       +20
//   +----------+--------------------------+-------------------------------------------+-----------------+
//   | Ethernet | IPv4, IHL 5,             | 47: GRE 1000 88be, seq, ERSPAN II v1      | a common frame  |
//   | [1 tag]  | not a fragment           | 47: GRE 0000 88be         (ERSPAN I)      | (CommonFrame-   |
//   |          |                          | 47: GRE 0000 6558 / 2000 6558, key /      |  Decoder)       |
//   |          |                          |     3000 6558, key, seq  (Ethernet, NVGRE)|                 |
//   |          |                          | 17: UDP to a VXLAN port, VXLAN            |                 |
//   |          |                          | 17: UDP to a Geneve port, Geneve, no      |                 |
//   |          |                          |     options, protocol 6558 (Ethernet)     |                 |
//   +----------+--------------------------+-------------------------------------------+-----------------+
//
//   GRE:    0 flags+version (exactly one of the words above: no checksum, no routing, version 0)
//           2 protocol type  4 key (0x2000, 0x3000: the VNI, 32 bits)  then the sequence number if 0x1000
//   ERSPAN II: 0 version (high nibble, 1), VLAN; En 1 or 2: the VLAN is an untagged frame's own ... 8 bytes
//   UDP:    2 dst port (one of `TunnelPorts`' ports)  4 length (>= 8)
//   VXLAN:  0 flags (I = 0x08: the VNI is valid)  4 VNI (24 bits)
//   Geneve: 0 version 0 and option length 0 (the whole byte 0)  2 protocol type 0x6558  4 VNI (24 bits)
//
// The inner frame ends where the outer IPv4 datagram does (its total length, or what was captured). Any
// other shape (GRE with a checksum, GRE carrying IP or MPLS, ERSPAN III, Geneve with options or carrying
// IP, IPv6 outside, a second tunnel inside, and every malformation) returns false and takes
// `PacketDecoder`. For each frame it accepts, `PacketDecoder` reaches the same innermost tuple, own VLANs
// and VNI with outcome `.ip` after one tunnel: a differential test holds the two to that. The outer
// headers are `CommonFrameDecoder.read`'s: it refuses the frame and says where the tunnel's header starts,
// and this decoder goes on from there.

/// Recognises one ERSPAN I/II, Ethernet-in-GRE, VXLAN or Geneve tunnel around a common frame.
public enum CommonTunnelDecoder {
    /// Decodes the inner common frame of an ERSPAN I/II, Ethernet-in-GRE, VXLAN or Geneve frame into `f`
    /// (with `f.vni`: the GRE key, the VXLAN VNI when its I flag is set, the Geneve VNI) and returns true;
    /// false (with `f` undefined) for any other frame. Never traps.
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
        var removedTag: UInt32 = 0  // an ERSPAN II header's VLAN the frame's tag was moved to, packed
        switch tunnel {
        case .gre:
            guard end &- l4 >= 4 else { return false }
            let header = be32(l4)
            let keyed = UInt32(GREDecoder.keyPresent) << 16 | UInt32(GREDecoder.transparentEthernet)
            let sequenced = UInt32(GREDecoder.sequencePresent) << 16
            // ERSPAN II after the sequence number: a mirror's usual frame, tested first (without the hint the
            // compiler turned the tests into a search, 8 instructions more a frame by callgrind).
            if _fastPath(header == sequenced | UInt32(GREDecoder.erspan)) {
                guard end &- l4 >= 8 &+ ERSPANDecoder.typeIILength,
                    b.load(fromByteOffset: l4 &+ 8, as: UInt8.self) >> 4 == 1
                else { return false }
                inner = l4 &+ 8 &+ ERSPANDecoder.typeIILength
                f.vni = nil
                if let vlan = ERSPANDecoder.removedTag(be32(l4 &+ 8)) {
                    removedTag = FlowKey.packVLANs(count: 1, outer: vlan, inner: 0)
                }
            } else if header == UInt32(GREDecoder.erspan) || header == UInt32(GREDecoder.transparentEthernet) {
                inner = l4 &+ 4  // no flags: ERSPAN type I or a bridged frame, right after
                f.vni = nil
            } else if header == keyed || header == keyed | sequenced {
                // The key names the virtual network; the sequence number, if any, follows it.
                let length = header == keyed ? 8 : 12
                guard end &- l4 >= length else { return false }
                f.vni = be32(l4 &+ 4)
                inner = l4 &+ length
            } else {
                return false
            }
        case .vxlan:
            // `read` checked the UDP header (8 bytes or more, length >= 8 or 0 in a datagram of IPv4 length 0) and the port.
            guard end &- l4 >= UDPDecoder.headerLength &+ VXLANDecoder.headerLength else { return false }
            let flags = b.load(fromByteOffset: l4 &+ 8, as: UInt8.self)
            f.vni = flags & 0x08 != 0 ? be32(l4 &+ 12) >> 8 : nil
            inner = l4 &+ UDPDecoder.headerLength &+ VXLANDecoder.headerLength
        case .geneve:
            guard end &- l4 >= UDPDecoder.headerLength &+ GeneveDecoder.headerLength,
                b.load(fromByteOffset: l4 &+ 8, as: UInt8.self) == 0,  // version 0, no options
                be16(l4 &+ 10) == GREDecoder.transparentEthernet
            else { return false }
            f.vni = be32(l4 &+ 12) >> 8
            inner = l4 &+ UDPDecoder.headerLength &+ GeneveDecoder.headerLength
        }
        innerEthernet = inner
        guard
            CommonFrameDecoder.read(
                UnsafeRawBufferPointer(rebasing: b[inner..<end]), tunnelPorts: tunnelPorts, into: &f) == .common
        else { return false }
        // ERSPAN II with En 1 or 2: the header holds the tag the switch took off an untagged frame.
        if removedTag != 0 && f.vlans == 0 { f.vlans = removedTag }
        return true
    }
}
