// Ethernet in IP (RFC 8986 §10.1: IP protocol 143), what SRv6's layer-2 services (End.DX2, End.DT2U and
// End.DT2M) carry: after the IPv6 header and its extension headers (a Segment Routing Header, type 4 of the
// routing header, most often), the next header 143 is a whole Ethernet frame, with no header of its own:
//
//   +------------------+-------------------------------+---------------------------------------+
//   | IPv6 header      | Segment Routing Header        | Ethernet frame (the site's host's,     |
//   | next header 43   | next header 143 (optional)    | its own MACs and VLAN tags), no FCS    |
//   +------------------+-------------------------------+---------------------------------------+
//
// A carrier's or a prefecture's SRv6 network can carry a town hall's layer-2 segments between buildings
// this way. Left unopened, the frame inside would be judged only as a flow of protocol 143 between the two
// routers, and counted as verified (tshark opens it). Over IPv4 the same protocol number is read alike.

/// Enters the tunnel layer of an Ethernet frame carried straight in IP.
public enum SRv6L2Decoder {
    /// Returns `.ethernet` (the frame inside), or `.done` when the layers are too deep.
    @inlinable
    public static func decode(_ c: inout ByteCursor, into p: inout DecodedPacket) -> NextLayer {
        guard p.enterTunnel(.srv6L2) else { return .done }
        return .ethernet
    }
}
