import ZonesepCore

extension Build {
    /// An ARP packet for IPv4 over Ethernet (28 bytes): hardware type 1, protocol 0x0800, lengths 6 and 4.
    static func arp(
        operation: UInt16 = 2, senderMAC: UInt64 = macA, senderIP: String, targetMAC: UInt64 = 0, targetIP: String,
        hardwareLength: UInt8 = 6, protocolLength: UInt8 = 4
    ) -> [UInt8] {
        be16(1) + be16(0x0800) + [hardwareLength, protocolLength] + be16(operation) + mac(senderMAC) + v4(senderIP)
            + mac(targetMAC) + v4(targetIP)
    }

    /// An ICMPv6 neighbour advertisement (flags S and O) for `target`, with a target link-layer address
    /// option naming `optionMAC`.
    static func neighborAdvertisement(target: String, optionMAC: UInt64 = macA) -> [UInt8] {
        [136, 0, 0, 0, 0x60, 0, 0, 0] + v6(target) + [2, 1] + mac(optionMAC)
    }
}
