// ICMP for IPv4 (RFC 792), an 8-byte header:
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |     Type      |     Code      |          Checksum             |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |   Identifier (echo, 8 and 0)  |   Sequence Number (echo)      |
//   |   or type-specific (unused, next-hop MTU, gateway, pointer)   |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |  Errors (3 unreachable, 4 source quench, 5 redirect,          |
//   |  11 time exceeded, 12 parameter problem): the IP header of    |
//   |  the packet reported on, and at least its first 8 data bytes  |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// The quoted packet's tuple goes to the `inner*` fields; when it cannot be read (cut, or not IPv4)
// `hasInner` stays false, which is not an anomaly: the ICMP message itself was fine.

/// Decodes an ICMP (IPv4) header and the packet quoted by an error message.
public enum ICMPDecoder {
    public static let headerLength = 8
    public static let echoReply: UInt8 = 0
    public static let echoRequest: UInt8 = 8

    /// Whether `type` is an error message that quotes the offending packet.
    @inlinable
    public static func isError(_ type: UInt8) -> Bool {
        switch type {
        case 3, 4, 5, 11, 12: return true
        default: return false
        }
    }

    /// Sets the type, code, echo identifier and inner tuple, or records `icmpTruncated` and returns false.
    @inlinable
    @discardableResult
    public static func decode(_ c: inout ByteCursor, into p: inout DecodedPacket) -> Bool {
        guard let type = readHeader(&c, into: &p, echoRequest: echoRequest, echoReply: echoReply) else {
            return p.markMalformed(.icmpTruncated)
        }
        if isError(type) { decodeInner(c, into: &p) }
        return true
    }

    /// The 8-byte header ICMP and ICMPv6 share (type, code, checksum, then the identifier and sequence
    /// number of an echo): sets type, code and an echo's identifier, and returns the type, or nil when cut.
    @inlinable @inline(__always)
    static func readHeader(
        _ c: inout ByteCursor, into p: inout DecodedPacket, echoRequest: UInt8, echoReply: UInt8
    ) -> UInt8? {
        guard let header = c.readInteger(as: UInt64.self) else { return nil }
        let type = UInt8(truncatingIfNeeded: header >> 56)
        p.icmpType = type
        p.icmpCode = UInt8(truncatingIfNeeded: header >> 48)
        if type == echoRequest || type == echoReply { p.icmpEchoID = UInt16(truncatingIfNeeded: header >> 16) }
        return type
    }

    /// Reads the IPv4 header quoted by an error message, and the ports after it when present.
    @inlinable
    static func decodeInner(_ quoted: ByteCursor, into p: inout DecodedPacket) {
        var c = quoted
        guard let word0 = c.peekInteger(at: 0, as: UInt64.self),
            let word1 = c.peekInteger(at: 8, as: UInt64.self),
            let dst = c.peekInteger(at: 16, as: UInt32.self),
            word0 >> 60 == 4
        else { return }
        let headerLength = Int(truncatingIfNeeded: word0 >> 56 & 0x0f) &* 4
        guard headerLength >= IPv4Decoder.minimumHeaderLength, c.skip(headerLength) else { return }
        let fragment = UInt16(truncatingIfNeeded: word0)
        p.hasInner = true
        p.innerSrc = IPAddress(v4: UInt32(truncatingIfNeeded: word1))
        p.innerDst = IPAddress(v4: dst)
        p.innerProto = UInt8(truncatingIfNeeded: word1 >> 48)
        if fragment & IPv4Decoder.fragmentOffsetMask == 0 { decodeInnerPorts(&c, into: &p) }
    }

    /// Reads the ports of a quoted TCP, UDP or SCTP header (its first 4 bytes), when they were quoted, or the
    /// identifier of a quoted echo: an echo's flow is keyed by it, and an error about a ping joins that flow.
    @inlinable
    static func decodeInnerPorts(_ c: inout ByteCursor, into p: inout DecodedPacket) {
        if IPProtocolNumber.hasPorts(p.innerProto) {
            guard let ports = c.readInteger(as: UInt32.self) else { return }
            p.innerSrcPort = UInt16(truncatingIfNeeded: ports >> 16)
            p.innerDstPort = UInt16(truncatingIfNeeded: ports)
            p.innerHasPorts = true
        } else if p.innerProto == IPProtocolNumber.icmp {
            decodeInnerEcho(c, into: &p, echoRequest: echoRequest, echoReply: echoReply)
        } else if p.innerProto == IPProtocolNumber.icmpv6 {
            decodeInnerEcho(c, into: &p, echoRequest: ICMPv6Decoder.echoRequest, echoReply: ICMPv6Decoder.echoReply)
        }
    }

    /// The identifier of a quoted echo request or reply (type, code, checksum, then the identifier), when
    /// quoted that far.
    @inlinable
    static func decodeInnerEcho(_ c: ByteCursor, into p: inout DecodedPacket, echoRequest: UInt8, echoReply: UInt8) {
        guard let type = c.peekInteger(at: 0, as: UInt8.self), type == echoRequest || type == echoReply,
            let id = c.peekInteger(at: 4, as: UInt16.self)
        else { return }
        p.innerEchoID = id
    }
}
