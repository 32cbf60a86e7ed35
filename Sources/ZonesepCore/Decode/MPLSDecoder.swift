// MPLS label stack (RFC 3032), 4 bytes an entry, after EtherType 0x8847 (unicast) or 0x8848 (multicast),
// GRE protocol type 0x8847, or PPP protocol 0x0281:
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                Label                  | TC  |S|      TTL      |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |   ... more entries until S (bottom of stack) is set
//
// The stack does not say what it carries; after the bottom entry the first nibble does (RFC 4385):
// 4 IPv4, 6 IPv6, 0 a pseudowire control word, then (4 bytes on) an Ethernet frame, 1 the associated
// channel (OAM: no IP). Another nibble is not verified. The bottom label (a VPN or service label) is the
// layer's id for the alert; it is not part of a flow (labels change hop by hop).
//
//   Control word:  |0 0 0 0| Flags |FRG|  Length   |        Sequence number        |

/// Decodes an MPLS label stack and chooses its payload.
public enum MPLSDecoder {
    public static let entryLength = 4
    public static let controlWordLength = 4
    public static let bottomOfStack: UInt32 = 0x100

    /// Reads the stack into a tunnel layer of `p` and returns the payload's layer; `.done` when malformed
    /// (`mplsTruncated`, or too deep), without IP (associated channel) or not verified.
    @inlinable
    public static func decode(_ c: inout ByteCursor, into p: inout DecodedPacket) -> NextLayer {
        var entry: UInt32 = 0
        repeat {
            guard let e = c.readInteger(as: UInt32.self) else {
                p.markMalformed(.mplsTruncated)
                return .done
            }
            entry = e
        } while entry & bottomOfStack == 0
        guard p.enterTunnel(.mpls, id: entry >> 12) else { return .done }
        guard let first = c.peekInteger(as: UInt8.self) else {
            p.markMalformed(.mplsTruncated)
            return .done
        }
        switch first >> 4 {
        case 4: return .ipv4
        case 6: return .ipv6
        case 0:
            guard c.skip(controlWordLength) else {
                p.markMalformed(.mplsTruncated)
                return .done
            }
            return .ethernet
        case 1:
            p.outcome = .notIP
            return .done
        default:
            p.outcome = .notIP
            p.markNotVerified(.mplsPayload, UInt32(first >> 4))
            return .done
        }
    }
}
