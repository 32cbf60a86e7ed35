import ZonesepCore
import ZonesepCrypto

/// Community ID v1 (corelight/community-id-spec): the flow hash Zeek and Suricata also write, so a SIEM
/// can join zonesep's alerts with theirs.
public enum CommunityID {
    /// The reply type of an ICMP message type that has one (such a flow is two-way and ordered like
    /// ports), else nil.
    @inlinable
    static func icmpv4Reply(_ t: UInt8) -> UInt8? {
        switch t {
        case 8: return 0
        case 0: return 8
        case 13: return 14
        case 14: return 13
        case 15: return 16
        case 16: return 15
        case 10: return 9
        case 9: return 10
        case 17: return 18
        case 18: return 17
        default: return nil
        }
    }

    @inlinable
    static func icmpv6Reply(_ t: UInt8) -> UInt8? {
        switch t {
        case 128: return 129
        case 129: return 128
        case 133: return 134
        case 134: return 133
        case 135: return 136
        case 136: return 135
        case 130: return 131
        case 131: return 130
        case 144: return 145
        case 145: return 144
        default: return nil
        }
    }

    /// The `1:<base64>` id of a flow, given as seen from its initiator; `mappedIPv6`: the flow is IPv6, so an
    /// IPv4-mapped address is hashed as the 16 bytes on the wire.
    public static func compute(
        src: IPAddress, dst: IPAddress, proto: UInt8, srcPort: UInt16?, dstPort: UInt16?, icmpType: UInt8,
        icmpCode: UInt8, seed: UInt16 = 0, mappedIPv6: Bool = false
    ) -> String {
        var out: [UInt8] = []
        append(
            src: src, dst: dst, proto: proto, srcPort: srcPort, dstPort: dstPort, icmpType: icmpType,
            icmpCode: icmpCode, seed: seed, mappedIPv6: mappedIPv6, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the `1:<base64>` id to `out`.
    public static func append(
        src: IPAddress, dst: IPAddress, proto: UInt8, srcPort: UInt16?, dstPort: UInt16?, icmpType: UInt8,
        icmpCode: UInt8, seed: UInt16 = 0, mappedIPv6: Bool = false, to out: inout [UInt8]
    ) {
        withDigest(
            src: src, dst: dst, proto: proto, srcPort: srcPort, dstPort: dstPort, icmpType: icmpType,
            icmpCode: icmpCode, seed: seed, mappedIPv6: mappedIPv6
        ) { append($0, to: &out) }
    }

    /// Appends the `1:<base64>` id of `digest` to `out`.
    static func append(_ digest: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "1"))
        out.append(UInt8(ascii: ":"))
        Base64.append(digest, to: &out)
    }

    /// Stores the address's bytes in network order at `p`; returns how many (4 or 16: an IPv6 packet's
    /// IPv4-mapped address, `mappedIPv6`, is 16 bytes on the wire).
    @inline(__always)
    static func store(_ x: IPAddress, mappedIPv6: Bool, at p: UnsafeMutableRawPointer) -> Int {
        if x.isIPv4 && !mappedIPv6 {
            p.storeBytes(of: x.v4.bigEndian, as: UInt32.self)
            return 4
        }
        p.storeBytes(of: x.rawValue.bigEndian, as: UInt128.self)
        return 16
    }

    /// The source and destination of a flow's first packet, from its initiator and responder: the Community
    /// ID hashes a packet as it was sent, and the type kept is the first packet's, so an echo reply seen
    /// first (whose receiver `InitiatorRule` makes the initiator) went from the responder. Hashed from the
    /// initiator's side with the reply's type, it was another flow's id, not the ping's.
    @inlinable
    public static func sentEnds(initiator: IPAddress, responder: IPAddress, proto: UInt8, icmpType: UInt8) -> (
        src: IPAddress, dst: IPAddress
    ) {
        InitiatorRule.isEchoReply(proto: proto, icmpType: icmpType) ? (responder, initiator) : (initiator, responder)
    }

    /// The digest of an alert's flow (its addresses, protocol, ports, ICMP type and code): what the alert,
    /// its syslog message, its evidence record and the summary's violation each carry as `flow_id`. The
    /// alert names the initiator as its source; its ICMP type is the first packet's.
    static func withDigest(of a: Alert, _ body: (UnsafeRawBufferPointer) -> Void) {
        let (src, dst) = sentEnds(initiator: a.srcIP, responder: a.destIP, proto: a.proto, icmpType: a.icmpType)
        withDigest(
            src: src, dst: dst, proto: a.proto, srcPort: a.srcPort, dstPort: a.destPort, icmpType: a.icmpType,
            icmpCode: a.icmpCode, mappedIPv6: a.mappedIPv6, body)
    }

    /// The digest of an alert's flow, as a value to carry (`withDigest(of:_:)` hands it over in place).
    public static func digest(of a: Alert) -> FlowIDDigest {
        var d = FlowIDDigest()
        withDigest(of: a) { bytes in d = FlowIDDigest { $0.copyMemory(from: bytes) } }
        return d
    }

    /// The digest of a flow entry's flow, seen from its initiator as its alert is (`Alert(flow:)`): the
    /// same bytes as `digest(of: Alert(flow: e))`, for flows with no verdict too.
    public static func digest(of e: FlowEntry) -> FlowIDDigest {
        let k = e.key
        let ports = IPProtocolNumber.hasPorts(k.proto)
        let (src, dst) = sentEnds(
            initiator: e.initiatorIsA ? k.addressA : k.addressB, responder: e.initiatorIsA ? k.addressB : k.addressA,
            proto: k.proto, icmpType: e.icmpType)
        var d = FlowIDDigest()
        withDigest(
            src: src, dst: dst,
            proto: k.proto, srcPort: ports ? (e.initiatorIsA ? k.portA : k.portB) : nil,
            dstPort: ports ? (e.initiatorIsA ? k.portB : k.portA) : nil, icmpType: e.icmpType, icmpCode: e.icmpCode,
            mappedIPv6: k.mappedIPv6
        ) { bytes in d = FlowIDDigest { $0.copyMemory(from: bytes) } }
        return d
    }

    /// The `1:<base64>` id of a digest.
    public static func text(_ d: FlowIDDigest) -> String {
        var out: [UInt8] = [UInt8(ascii: "1"), UInt8(ascii: ":")]
        out.reserveCapacity(30)
        d.withUnsafeBytes { Base64.append($0, to: &out) }
        return String(decoding: out, as: UTF8.self)
    }

    /// The flow's SHA-1 digest (20 bytes) handed to `body`: the hashed tuple is laid out in a buffer on the
    /// stack (building it in arrays cost more than the hash itself), and so is the digest.
    static func withDigest(
        src: IPAddress, dst: IPAddress, proto: UInt8, srcPort: UInt16?, dstPort: UInt16?, icmpType: UInt8,
        icmpCode: UInt8, seed: UInt16 = 0, mappedIPv6: Bool, _ body: (UnsafeRawBufferPointer) -> Void
    ) {
        var sp: UInt16 = srcPort ?? 0
        var dp: UInt16 = dstPort ?? 0
        var oneWay = false
        if proto == IPProtocolNumber.icmp || proto == IPProtocolNumber.icmpv6 {
            sp = UInt16(icmpType)
            if let reply = proto == IPProtocolNumber.icmp ? icmpv4Reply(icmpType) : icmpv6Reply(icmpType) {
                dp = UInt16(reply)
            } else {
                dp = UInt16(icmpCode)
                oneWay = true
            }
        }
        var a = src
        var b = dst
        if !oneWay && (b.rawValue < a.rawValue || (a == b && dp < sp)) {
            swap(&a, &b)
            swap(&sp, &dp)
        }
        // The Community ID hashes ICMP's type and code in the ports' place.
        let hasPorts =
            IPProtocolNumber.hasPorts(proto) || proto == IPProtocolNumber.icmp || proto == IPProtocolNumber.icmpv6
        // seed (2) + two addresses (up to 32) + protocol and padding (2) + ports (4): at most 40 bytes,
        // stored through a raw pointer a field at a time (byte by byte through a nested function, the
        // tuple cost about 450 instructions, a third of the hash).
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64) { input in
            guard let base = input.baseAddress else { return }
            let raw = UnsafeMutableRawPointer(base)
            raw.storeBytes(of: seed.bigEndian, as: UInt16.self)
            var n = 2
            n += store(a, mappedIPv6: mappedIPv6, at: raw + n)
            n += store(b, mappedIPv6: mappedIPv6, at: raw + n)
            raw.storeBytes(of: proto, toByteOffset: n, as: UInt8.self)
            raw.storeBytes(of: 0, toByteOffset: n + 1, as: UInt8.self)
            n += 2
            if hasPorts {
                raw.storeBytes(of: sp.bigEndian, toByteOffset: n, as: UInt16.self)
                raw.storeBytes(of: dp.bigEndian, toByteOffset: n + 2, as: UInt16.self)
                n += 4
            }
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: SHA1.byteCount) { digest in
                SHA1.digest(
                    UnsafeRawBufferPointer(start: raw, count: n),
                    into: UnsafeMutableRawBufferPointer(digest))
                body(UnsafeRawBufferPointer(digest))
            }
        }
    }
}
