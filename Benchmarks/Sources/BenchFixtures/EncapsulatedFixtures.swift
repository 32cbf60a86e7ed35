/// What a sensor fed by a remote mirror or a virtualised core receives: the frames of another `FrameSet`,
/// each wrapped in the same outer headers, so an encapsulated benchmark judges exactly the inner packets of
/// the plain one it mirrors.
public enum Encapsulation: String, CaseIterable, Sendable {
    /// A core switch's ERSPAN type II session (GRE with a sequence number, protocol 0x88be) to the
    /// sensor, the mirrored frame carrying an 802.1Q tag (VLAN 100) as a trunk port's frames do.
    case erspanIIVLAN = "ERSPAN II + VLAN"
    /// A virtualised core: VXLAN to port 4789 between two VTEPs, VNI 5001, the tenant's frame untagged.
    case vxlan = "VXLAN"

    /// The name core-profile takes on its command line.
    public var argument: String { self == .erspanIIVLAN ? "erspan" : "vxlan" }
}

extension FrameSet {
    /// The mirror's outer MACs and addresses: switch 192.0.2.1 to sensor 192.0.2.100.
    static let outerSrc = v4(192, 0, 2, 1)
    static let outerDst = v4(192, 0, 2, 100)

    /// Every frame of `self` wrapped as `encapsulation` says, in the same order.
    public func encapsulated(_ encapsulation: Encapsulation) -> FrameSet {
        var set = FrameSet()
        set.storage.reserveCapacity(storage.count + count * 64)
        for i in 0..<count {
            let inner = Array(storage[offsets[i]..<(offsets[i] + lengths[i])])
            let frame: [UInt8]
            switch encapsulation {
            case .erspanIIVLAN: frame = Self.erspanII(inner, sequence: UInt32(truncatingIfNeeded: i))
            case .vxlan: frame = Self.vxlan(inner)
            }
            set.offsets.append(set.storage.count)
            set.lengths.append(frame.count)
            set.storage += frame
        }
        return set
    }

    /// Outer Ethernet and IPv4 (no options, DF) around `payload` of IP protocol `proto`.
    static func outerIPv4(proto: UInt8, payload: [UInt8]) -> [UInt8] {
        let total = 20 + payload.count
        let ethernet: [UInt8] = [2, 0] + outerDst + [2, 0] + outerSrc + [0x08, 0x00]
        let ip: [UInt8] =
            [0x45, 0, UInt8(total >> 8), UInt8(total & 0xff), 0, 0, 0x40, 0, 64, proto, 0, 0] + outerSrc + outerDst
        return ethernet + ip + payload
    }

    /// `inner` with an 802.1Q tag of VLAN 100 after its MACs, in GRE (S bit, `sequence`) and an ERSPAN
    /// type II header (version 1, session 7, VLAN 100), in IPv4 protocol 47.
    static func erspanII(_ inner: [UInt8], sequence: UInt32) -> [UInt8] {
        let tagged = Array(inner[0..<12]) + [0x81, 0x00, 0x00, 100] + Array(inner[12...])
        let gre: [UInt8] =
            [0x10, 0x00, 0x88, 0xbe]
            + [
                UInt8(sequence >> 24), UInt8(sequence >> 16 & 0xff), UInt8(sequence >> 8 & 0xff),
                UInt8(sequence & 0xff),
            ]
        // Version 1, VLAN 100, COS 0, En 0, T 0, session 7; reserved and index 0.
        let erspan: [UInt8] = [0x10, 0x64, 0x00, 0x07, 0, 0, 0, 0]
        return outerIPv4(proto: 47, payload: gre + erspan + tagged)
    }

    /// `inner` in VXLAN (VNI 5001) in UDP to 4789, the source port a hash of the inner frame's addresses
    /// and ports (bytes 26-37 of an untagged IPv4 frame), as a VTEP picks it.
    static func vxlan(_ inner: [UInt8]) -> [UInt8] {
        var h: UInt32 = 2_166_136_261
        for b in inner[26..<min(38, inner.count)] { h = (h ^ UInt32(b)) &* 16_777_619 }
        let sport = UInt16(49152 + h % 16384)
        let udpLength = 8 + 8 + inner.count
        let udp: [UInt8] = [
            UInt8(sport >> 8), UInt8(sport & 0xff), 0x12, 0xb5, UInt8(udpLength >> 8), UInt8(udpLength & 0xff), 0, 0,
        ]
        let vxlan: [UInt8] = [0x08, 0, 0, 0, 0x00, 0x13, 0x89, 0]  // I flag; VNI 5001 (0x001389)
        return outerIPv4(proto: 17, payload: udp + vxlan + inner)
    }
}
