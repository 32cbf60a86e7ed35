// IPv6 fixed header (RFC 8200), 40 bytes:
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |Version| Traffic Class |           Flow Label                  |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |         Payload Length        |  Next Header  |   Hop Limit   |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                                                               |
//   +                                                               +
//   |                         Source Address                        |
//   +                          (128 bits)                           +
//   |                                                               |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                                                               |
//   +                                                               +
//   |                      Destination Address                      |
//   +                          (128 bits)                           +
//   |                                                               |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Extension headers follow, chained by Next Header. Hop-by-Hop (0), Routing (43), Destination
// Options (60), Mobility (135), HIP (139) and Shim6 (140) share one layout, their length in 8-byte
// units not counting the first 8:
//
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |  Next Header  |  Hdr Ext Len  |  options / routing data ...   |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Authentication Header (51, RFC 4302) has the same first two fields, its length in 4-byte units
// minus 2. The Fragment header (44) is 8 bytes:
//
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |  Next Header  |   Reserved    |      Fragment Offset    |Res|M|
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                         Identification                        |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// No Next Header (59) ends the chain with no payload; ESP (50) and anything else is the upper layer.
// Payload Length 0 (jumbogram, segmentation offload) means "as captured".

/// Decodes an IPv6 header and its extension-header chain; the upper layer is the dispatch's to decode.
public enum IPv6Decoder {
    public static let headerLength = 40
    /// Extension headers walked before giving up with `ipv6TooManyExtensions`.
    public static let maximumExtensionHeaders = 8
    public static let noNextHeader: UInt8 = 59

    /// Where an extension-header chain led: the upper-layer protocol and any fragment header's fields.
    public struct ExtensionChain: Sendable {
        /// The upper-layer protocol (after the last extension header), or the Next Header of a non-first
        /// fragment's Fragment header.
        public var proto: UInt8
        public var isFragment = false
        public var isNonFirstFragment = false
        public var fragmentID: UInt32 = 0
        /// Set when the chain is truncated or too long; the other fields are then incomplete.
        public var anomaly: DecodeAnomaly? = nil

        @inlinable
        public init(proto: UInt8) { self.proto = proto }
    }

    /// Decodes the IPv6 header and its extension-header chain at `c` into `p` (`proto` the upper layer) and
    /// returns a cursor over the upper-layer header and data; nil when malformed (anomaly recorded) or a
    /// non-first fragment (outcome `.ipFragment`).
    @inlinable
    public static func decode(_ c: inout ByteCursor, into p: inout DecodedPacket) -> ByteCursor? {
        // Version, traffic class, flow label, payload length, next header, hop limit; then the addresses.
        guard let word0 = c.peekInteger(at: 0, as: UInt64.self),
            let src = c.peekInteger(at: 8, as: UInt128.self),
            let dst = c.peekInteger(at: 24, as: UInt128.self)
        else {
            if let first = c.peekInteger(as: UInt8.self), first >> 4 != 6 {
                p.markMalformed(.ipv6BadVersion)
            } else {
                p.markMalformed(.ipv6Truncated)
            }
            return nil
        }
        guard word0 >> 60 == 6 else {
            p.markMalformed(.ipv6BadVersion)
            return nil
        }
        let payloadLength = UInt16(truncatingIfNeeded: word0 >> 16)
        let nextHeader = UInt8(truncatingIfNeeded: word0 >> 8)
        p.ipVersion = 6
        p.src = IPAddress(v6: src)
        p.dst = IPAddress(v6: dst)
        p.proto = nextHeader

        let capturedPayload = c.readableBytes &- headerLength
        c.skip(headerLength)
        let length = payloadLength == 0 ? capturedPayload : min(Int(payloadLength), capturedPayload)
        guard var payload = c.readSlice(length) else {
            p.markMalformed(.ipv6Truncated)
            return nil
        }

        let chain = walkExtensions(&payload, nextHeader: nextHeader)
        if let anomaly = chain.anomaly {
            p.markMalformed(anomaly)
            return nil
        }
        p.proto = chain.proto
        p.isFragment = chain.isFragment
        p.isNonFirstFragment = chain.isNonFirstFragment
        p.fragmentID = chain.fragmentID
        if chain.isNonFirstFragment {
            p.outcome = .ipFragment
            return nil
        }
        return payload
    }

    /// Walks the extension headers starting with `nextHeader`, leaving `c` at the upper-layer header (or, for
    /// a non-first fragment, at the fragment data). Used for the outer packet and for the packet quoted in
    /// an ICMPv6 error.
    @inlinable
    public static func walkExtensions(_ c: inout ByteCursor, nextHeader: UInt8) -> ExtensionChain {
        var chain = ExtensionChain(proto: nextHeader)
        var count = 0
        while true {
            switch chain.proto {
            case 0, 43, 44, 51, 60, 135, 139, 140: break
            default: return chain
            }
            guard count < maximumExtensionHeaders else {
                chain.anomaly = .ipv6TooManyExtensions
                return chain
            }
            count &+= 1
            guard let nextAndUnits = c.peekInteger(as: UInt16.self) else {
                chain.anomaly = .ipv6ExtensionTruncated
                return chain
            }
            let next = UInt8(truncatingIfNeeded: nextAndUnits >> 8)
            let units = UInt8(truncatingIfNeeded: nextAndUnits)
            let length: Int
            switch chain.proto {
            case 44: length = 8
            case 51: length = (Int(units) &+ 2) &* 4
            default: length = (Int(units) &+ 1) &* 8
            }
            guard c.readableBytes >= length else {
                chain.anomaly = .ipv6ExtensionTruncated
                return chain
            }
            if chain.proto == 44 {
                guard let fragmentHeader = c.peekInteger(as: UInt64.self) else {
                    chain.anomaly = .ipv6ExtensionTruncated
                    return chain
                }
                let offsetAndFlags = UInt16(truncatingIfNeeded: fragmentHeader >> 32)
                let identification = UInt32(truncatingIfNeeded: fragmentHeader)
                let offset = offsetAndFlags >> 3
                if offset != 0 || offsetAndFlags & 1 != 0 {
                    chain.isFragment = true
                    chain.fragmentID = identification
                }
                chain.isNonFirstFragment = offset != 0
            }
            c.skip(length)
            chain.proto = next
            // The rest of a non-first fragment is data from the middle of the datagram, not headers.
            if chain.isNonFirstFragment { return chain }
        }
    }
}
