/// A binding of a MAC address to an IP address that a frame announces: an ARP packet's sender, or an IPv6
/// neighbour advertisement's target from the frame's Ethernet source. The host table records it beside
/// the source addresses of IP packets (DESIGN.md, "Separation at layer 2").
public struct AddressResolution: Sendable, Equatable {
    public var mac: MACAddress
    public var address: IPAddress
    /// `.arp` or `.neighborAdvertisement`.
    public var evidence: HostEvidence
    /// The ARP operation (1 request, 2 reply); 0 for a neighbour advertisement.
    public var arpOperation: UInt16
    /// ARP whose sender and target protocol addresses are the same (an announcement of the sender's own
    /// binding); false for a neighbour advertisement.
    public var gratuitous: Bool

    @inlinable
    public init(mac: MACAddress, address: IPAddress, evidence: HostEvidence, arpOperation: UInt16, gratuitous: Bool) {
        self.mac = mac
        self.address = address
        self.evidence = evidence
        self.arpOperation = arpOperation
        self.gratuitous = gratuitous
    }
}
