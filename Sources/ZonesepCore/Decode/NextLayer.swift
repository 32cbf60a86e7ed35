/// The header the dispatch decodes next, as each layer's decoder names it: the packet's bytes read like the
/// protocol stack, one layer handing the next to `PacketDecoder`'s loop.
public enum NextLayer: Sendable, Equatable {
    /// An Ethernet II header (a frame, an Ethernet pseudowire, a bridged tunnel's payload).
    case ethernet
    /// Whatever an EtherType names: a tag, MPLS, PPPoE, IPv4, IPv6, or a frame with no IP.
    case etherType(UInt16)
    case ipv4
    case ipv6
    /// IPv4 or IPv6 by the version nibble (raw IP links, ERSPAN type III IP frames).
    case ipByVersion
    /// An MPLS label stack.
    case mpls
    /// Nothing more: `outcome` (and `notVerified`) say how the packet ended.
    case done
}
