// ICMPv6 (RFC 4443), an 8-byte header:
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |     Type      |     Code      |          Checksum             |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   | Identifier (echo, 128 and 129)|   Sequence Number (echo)      |
//   |  or type-specific (unused, MTU, pointer, NDP flags)           |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |  Errors (1 destination unreachable, 2 packet too big,         |
//   |  3 time exceeded, 4 parameter problem): as much of the        |
//   |  offending packet as fits, its IPv6 header first              |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// The quoted packet's extension headers are walked as the outer packet's are; when the quoted packet
// cannot be read `hasInner` stays false, which is not an anomaly. A neighbour advertisement (136) goes on to
// `NeighborAdvertisementDecoder` for its target address.

/// Decodes an ICMPv6 header and the packet quoted by an error message.
public enum ICMPv6Decoder {
    public static let headerLength = 8
    public static let echoRequest: UInt8 = 128
    public static let echoReply: UInt8 = 129

    /// Whether `type` is an error message that quotes the offending packet.
    @inlinable
    public static func isError(_ type: UInt8) -> Bool { type >= 1 && type <= 4 }

    /// Sets the type, code, echo identifier and inner tuple, or records `icmpv6Truncated` and returns false.
    @inlinable
    @discardableResult
    public static func decode(_ c: inout ByteCursor, into p: inout DecodedPacket) -> Bool {
        guard let type = ICMPDecoder.readHeader(&c, into: &p, echoRequest: echoRequest, echoReply: echoReply) else {
            return p.markMalformed(.icmpv6Truncated)
        }
        if isError(type) { decodeInner(c, into: &p) }
        if type == NeighborAdvertisementDecoder.type { return NeighborAdvertisementDecoder.decode(c, into: &p) }
        return true
    }

    /// Reads the IPv6 header quoted by an error message, its extension headers, and the ports after them.
    @inlinable
    static func decodeInner(_ quoted: ByteCursor, into p: inout DecodedPacket) {
        var c = quoted
        guard let word0 = c.peekInteger(at: 0, as: UInt64.self),
            let src = c.peekInteger(at: 8, as: UInt128.self),
            let dst = c.peekInteger(at: 24, as: UInt128.self),
            word0 >> 60 == 6,
            c.skip(IPv6Decoder.headerLength)
        else { return }
        let chain = IPv6Decoder.walkExtensions(&c, nextHeader: UInt8(truncatingIfNeeded: word0 >> 8))
        guard chain.anomaly == nil else { return }
        p.hasInner = true
        p.innerSrc = IPAddress(v6: src)
        p.innerDst = IPAddress(v6: dst)
        p.innerProto = chain.proto
        if !chain.isNonFirstFragment { ICMPDecoder.decodeInnerPorts(&c, into: &p) }
    }
}
