// VXLAN (RFC 7348), 8 bytes, in a UDP datagram to a port of `vxlan_ports` (4789, and 8472 for the
// Linux kernel's pre-IANA default):
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |R|R|R|R|I|R|R|R|            Reserved                           |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                VXLAN Network Identifier (VNI) |   Reserved    |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |  the tenant's Ethernet frame ...
//
// I says the VNI is valid; the VNI keeps two tenants' reused addresses apart (it is part of the flow).
// The UDP source port is a hash of the inner flow, so the outer datagram is never a flow of its own.

/// Decodes a VXLAN header and enters its tunnel layer.
public enum VXLANDecoder {
    public static let headerLength = 8
    public static let vniValid: UInt64 = 0x0800_0000_0000_0000

    /// Returns `.ethernet` (the tenant's frame), or `.done` when cut (`vxlanTruncated`) or too deep.
    @inlinable
    public static func decode(_ c: inout ByteCursor, into p: inout DecodedPacket) -> NextLayer {
        guard let header = c.readInteger(as: UInt64.self) else {
            p.dropPorts()
            p.markMalformed(.vxlanTruncated)
            return .done
        }
        let vni = UInt32(truncatingIfNeeded: header >> 8) & 0xff_ffff
        let valid = header & vniValid != 0
        guard p.enterTunnel(.vxlan, id: valid ? vni : nil) else { return .done }
        if valid { p.setVNI(vni) }
        return .ethernet
    }
}
