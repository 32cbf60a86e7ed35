import ZonesepCore
import ZonesepCrypto

/// Community ID v1 (corelight/community-id-spec): the flow hash Zeek and Suricata also write, so a SIEM
/// can join zonesep's alerts with theirs.
public enum CommunityID {
    /// ICMP message types and the type a reply would have: such a flow is two-way and ordered like ports.
    static let icmpv4Pairs: [UInt8: UInt8] = [8: 0, 0: 8, 13: 14, 14: 13, 15: 16, 16: 15, 10: 9, 9: 10, 17: 18, 18: 17]
    static let icmpv6Pairs: [UInt8: UInt8] = [
        128: 129, 129: 128, 133: 134, 134: 133, 135: 136, 136: 135, 130: 131, 131: 130, 144: 145, 145: 144,
    ]

    /// The `1:<base64>` id of a flow, given as seen from its initiator.
    public static func compute(
        src: IPAddress, dst: IPAddress, proto: UInt8, srcPort: UInt16?, dstPort: UInt16?, icmpType: UInt8,
        icmpCode: UInt8, seed: UInt16 = 0
    ) -> String {
        var sp: UInt16 = srcPort ?? 0
        var dp: UInt16 = dstPort ?? 0
        var oneWay = false
        if proto == IPProtocolNumber.icmp || proto == IPProtocolNumber.icmpv6 {
            let pairs = proto == IPProtocolNumber.icmp ? icmpv4Pairs : icmpv6Pairs
            sp = UInt16(icmpType)
            if let reply = pairs[icmpType] {
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
        func bytes(_ x: IPAddress) -> [UInt8] {
            if x.isIPv4 { return (0..<4).reversed().map { UInt8(truncatingIfNeeded: x.v4 >> (UInt32($0) * 8)) } }
            return (0..<16).reversed().map { UInt8(truncatingIfNeeded: x.rawValue >> (UInt128($0) * 8)) }
        }
        var input: [UInt8] = [UInt8(seed >> 8), UInt8(seed & 0xff)]
        input += bytes(a) + bytes(b) + [proto, 0]
        let hasPorts =
            proto == IPProtocolNumber.tcp || proto == IPProtocolNumber.udp || proto == IPProtocolNumber.icmp
            || proto == IPProtocolNumber.icmpv6 || proto == 132
        if hasPorts { input += [UInt8(sp >> 8), UInt8(sp & 0xff), UInt8(dp >> 8), UInt8(dp & 0xff)] }
        return "1:" + Base64.encode(SHA1.digest(input))
    }
}
