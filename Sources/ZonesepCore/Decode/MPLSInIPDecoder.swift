// MPLS in IP (RFC 4023 §3), IP protocol 137 over IPv4 or IPv6: the label stack straight after the IP header,
// with no header of its own:
//
//   +------------------------+------------------------------------+----------------------------------+
//   | IPv4 / IPv6, proto 137 | MPLS label stack entries (4 bytes  | the labelled packet: IPv4, IPv6, |
//   |                        | each, down to the bottom of stack) | or an Ethernet pseudowire        |
//   +------------------------+------------------------------------+----------------------------------+
//
// The stack and what it carries are `MPLSDecoder`'s; its tunnel layer (`mpls`, the bottom label) gets the
// outer IP header's addresses, so the alert names the routers between which the labelled packet travelled.

/// Hands the payload of an IP packet of protocol 137 to the MPLS decoder.
public enum MPLSInIPDecoder {
    /// Returns `.mpls`: the label stack starts at `c`.
    @inlinable
    public static func decode(_ c: inout ByteCursor, into p: inout DecodedPacket) -> NextLayer {
        .mpls
    }
}
