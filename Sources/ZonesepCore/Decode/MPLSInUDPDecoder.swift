// MPLS in UDP (RFC 7510), a UDP datagram to port 6635 (IANA's MPLS-in-UDP), over IPv4 or IPv6:
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |   Source Port = Entropy       |    Destination Port = 6635    |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |          UDP Length           |        UDP Checksum           |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                     MPLS Label Stack ...                      |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                     Message Body (IPv4, IPv6, pseudowire) ... |
//
// The source port is a hash of the inner flow (as VXLAN's), so the outer datagram is never a flow of its
// own. Only the destination port says MPLS-in-UDP; a VXLAN or Geneve port configured as 6635 takes
// precedence. The stack and what it carries are `MPLSDecoder`'s; its layer (`mpls`) gets the outer
// addresses. (Port 6636, MPLS-in-UDP over DTLS, is encrypted: an ordinary UDP flow, counted as an unopened tunnel.)

/// Decodes the MPLS label stack of a UDP datagram to `port`.
public enum MPLSInUDPDecoder {
    /// IANA's MPLS-in-UDP port.
    public static let port: UInt16 = 6635

    /// Returns the labelled packet's layer, as `MPLSDecoder.decode`; a stack cut short drops the outer
    /// datagram's ports, as a cut VXLAN header does (the datagram is malformed, not a UDP flow).
    @inlinable
    public static func decode(_ c: inout ByteCursor, into p: inout DecodedPacket) -> NextLayer {
        let before = p.tunnels.count
        let next = MPLSDecoder.decode(&c, into: &p)
        if p.outcome == .malformed && p.tunnels.count == before { p.dropPorts() }
        return next
    }
}
