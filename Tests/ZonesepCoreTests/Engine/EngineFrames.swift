@testable import ZonesepCore

/// Builds Ethernet frames for the engine tests (checksums are not verified by the decoder, so zero).
enum EngineFrames {
    static func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xff)] }
    static func v4(_ s: String) -> [UInt8] {
        let a = IPAddress(s)!.v4
        return [UInt8(a >> 24), UInt8(a >> 16 & 0xff), UInt8(a >> 8 & 0xff), UInt8(a & 0xff)]
    }
    static func mac(_ s: String) -> [UInt8] {
        let m = MACAddress(s)!.rawValue
        return (0..<6).reversed().map { UInt8(truncatingIfNeeded: m >> (UInt64($0) * 8)) }
    }

    static func ethernet(
        _ payload: [UInt8], type: UInt16 = 0x0800, src: String = "02:00:00:00:00:01",
        dst: String = "02:00:00:00:00:02", vlans: [UInt16] = []
    ) -> [UInt8] {
        var f = mac(dst) + mac(src)
        for (i, v) in vlans.enumerated() { f += be16(i == 0 && vlans.count > 1 ? 0x88a8 : 0x8100) + be16(v) }
        return f + be16(type) + payload
    }

    static func ipv4(
        _ src: String, _ dst: String, proto: UInt8, _ payload: [UInt8], id: UInt16 = 1, flagsOffset: UInt16 = 0
    ) -> [UInt8] {
        let total = UInt16(20 + payload.count)
        return [0x45, 0] + be16(total) + be16(id) + be16(flagsOffset) + [64, proto, 0, 0] + v4(src) + v4(dst)
            + payload
    }

    static func tcp(_ sport: UInt16, _ dport: UInt16, flags: UInt8, sequence: UInt32 = 1) -> [UInt8] {
        be16(sport) + be16(dport) + be16(UInt16(sequence >> 16)) + be16(UInt16(sequence & 0xffff))
            + [0, 0, 0, 0, 0x50, flags] + be16(65535) + [0, 0, 0, 0]
    }

    static func udp(_ sport: UInt16, _ dport: UInt16, payload: [UInt8] = [1, 2, 3, 4]) -> [UInt8] {
        be16(sport) + be16(dport) + be16(UInt16(8 + payload.count)) + [0, 0] + payload
    }

    static func icmpEcho(type: UInt8, id: UInt16) -> [UInt8] { [type, 0, 0, 0] + be16(id) + be16(1) }

    /// An ICMP error (type 3 by default) quoting `inner` (an IPv4 packet, of which 28 bytes are kept).
    static func icmpError(quoting inner: [UInt8], type: UInt8 = 3, code: UInt8 = 3) -> [UInt8] {
        [type, code, 0, 0, 0, 0, 0, 0] + Array(inner.prefix(28))
    }

    static func tcpFrame(
        _ src: String, _ sport: UInt16, _ dst: String, _ dport: UInt16, flags: UInt8, sequence: UInt32 = 1,
        vlans: [UInt16] = [], srcMAC: String = "02:00:00:00:00:01", dstMAC: String = "02:00:00:00:00:02"
    ) -> [UInt8] {
        ethernet(
            ipv4(src, dst, proto: 6, tcp(sport, dport, flags: flags, sequence: sequence)), src: srcMAC, dst: dstMAC,
            vlans: vlans)
    }

    static func udpFrame(_ src: String, _ sport: UInt16, _ dst: String, _ dport: UInt16) -> [UInt8] {
        ethernet(ipv4(src, dst, proto: 17, udp(sport, dport)))
    }

    /// The outer Ethernet header's MACs of a tunnel: the mirror's or the VTEP's, never a host's.
    static let mirrorMAC = "02:00:c0:00:02:01"
    static let sensorMAC = "02:00:c0:00:02:64"

    /// `frame` as a mirror sends it: in ERSPAN type II (GRE with a sequence number, session `session`)
    /// from 192.0.2.1 to the sensor 192.0.2.100.
    static func erspanII(_ frame: [UInt8], session: UInt16 = 7) -> [UInt8] {
        let gre: [UInt8] = [0x10, 0x00, 0x88, 0xbe, 0, 0, 0, 1]
        let erspan = be16(0x1000) + be16(session & 0x3ff) + [0, 0, 0, 0]
        return ethernet(
            ipv4("192.0.2.1", "192.0.2.100", proto: 47, gre + erspan + frame), src: mirrorMAC, dst: sensorMAC)
    }

    /// `frame` bridged in GRE (0x6558) with `key`, the virtual network, as NVGRE sends it.
    static func keyedGRE(_ frame: [UInt8], key: UInt32) -> [UInt8] {
        let gre: [UInt8] = [0x20, 0x00, 0x65, 0x58] + be16(UInt16(key >> 16)) + be16(UInt16(key & 0xffff))
        return ethernet(ipv4("192.0.2.1", "192.0.2.2", proto: 47, gre + frame), src: mirrorMAC, dst: sensorMAC)
    }

    /// `frame` in Geneve (no options, an Ethernet payload) to port 6081 with `vni`.
    static func geneve(_ frame: [UInt8], vni: UInt32) -> [UInt8] {
        let header: [UInt8] = [0, 0, 0x65, 0x58] + be16(UInt16(vni >> 8)) + [UInt8(vni & 0xff), 0]
        return ethernet(
            ipv4("192.0.2.1", "192.0.2.2", proto: 17, udp(61000, 6081, payload: header + frame)), src: mirrorMAC,
            dst: sensorMAC)
    }

    /// `frame` in VXLAN between two VTEPs, the VNI valid when given.
    static func vxlan(_ frame: [UInt8], vni: UInt32?) -> [UInt8] {
        let header: [UInt8] =
            [vni == nil ? 0 : 0x08, 0, 0, 0] + be16(UInt16((vni ?? 0) >> 8)) + [UInt8((vni ?? 0) & 0xff), 0]
        return ethernet(
            ipv4("192.0.2.1", "192.0.2.2", proto: 17, udp(61000, 4789, payload: header + frame)), src: mirrorMAC,
            dst: sensorMAC)
    }
}
