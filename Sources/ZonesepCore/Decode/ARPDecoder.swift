// ARP (RFC 826) for IPv4 over Ethernet-sized hardware addresses, 28 bytes after the EtherType 0x0806:
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |  Hardware type (1 Ethernet)   |  Protocol type (0x0800 IPv4)  |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   | HW length (6) |Proto length(4)| Operation (1 request, 2 reply)|
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |              Sender hardware address (6 bytes)                |
//   +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                               |  Sender protocol address ...  |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |  ... (4 bytes)                |  Target hardware address ...  |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
//   |                        ... (6 bytes)                          |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                Target protocol address (4 bytes)              |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Requests, replies and gratuitous ARP (a request or reply whose sender and target protocol addresses are
// equal) all state the sender's binding of its MAC to its address: that binding is what the host table
// records. An ARP probe (sender address 0.0.0.0) binds nothing (0.0.0.0 is a local address). ARP for other
// hardware or protocol sizes (InARP on Frame Relay, ...) is not decoded and is no anomaly; a header or body
// cut short is `arpTruncated`.

/// Decodes an ARP packet's sender binding into `DecodedPacket.resolution`.
public enum ARPDecoder {
    /// Hardware type, protocol type, the two lengths and the operation.
    public static let fixedLength = 8
    /// The whole packet for 6-byte hardware and 4-byte protocol addresses.
    public static let ethernetIPv4Length = 28
    public static let request: UInt16 = 1
    public static let reply: UInt16 = 2

    /// Reads the packet after the EtherType. The frame stays `.notIP`; a request or reply for IPv4 with
    /// 6-byte hardware addresses sets `resolution`; a packet shorter than its lengths say marks it
    /// malformed (`arpTruncated`).
    @inlinable
    public static func decode(_ c: inout ByteCursor, into p: inout DecodedPacket) {
        p.outcome = .notIP
        guard let fixed = c.peekInteger(at: 0, as: UInt64.self) else {
            p.markMalformed(.arpTruncated)
            return
        }
        let protocolType = UInt16(truncatingIfNeeded: fixed >> 32)
        let hardwareLength = Int(UInt8(truncatingIfNeeded: fixed >> 24))
        let protocolLength = Int(UInt8(truncatingIfNeeded: fixed >> 16))
        let operation = UInt16(truncatingIfNeeded: fixed)
        guard c.readableBytes >= fixedLength + 2 * (hardwareLength + protocolLength) else {
            p.markMalformed(.arpTruncated)
            return
        }
        guard protocolType == EtherType.ipv4, hardwareLength == 6, protocolLength == 4,
            operation == request || operation == reply,
            let senderMAC = c.peekInteger(at: 8, as: UInt64.self),  // 6 bytes of MAC and 2 of the address
            let senderIP = c.peekInteger(at: 14, as: UInt32.self),
            let targetIP = c.peekInteger(at: 24, as: UInt32.self)
        else { return }
        c.skip(ethernetIPv4Length)
        p.resolution = AddressResolution(
            mac: MACAddress(rawValue: senderMAC >> 16), address: IPAddress(v4: senderIP), evidence: .arp,
            arpOperation: operation, gratuitous: senderIP == targetIP)
    }
}
