import Foundation
import XCTest
import ZonesepCapture
import ZonesepCore
import ZonesepTestSupport

/// EtherIP (IP protocol 97), MPLS in IP (137), MPLS in UDP (port 6635), IPv4's Authentication Header in
/// transport and tunnel mode, L2TPv3 over IP (115, not opened by either: the outer packet), and ERSPAN II
/// whose En field says the switch took the frame's 802.1Q tag off into the header: written here, read back
/// with libpcap, decoded by PacketDecoder and by tshark (its defaults decode each of them). The same
/// innermost addresses, protocol and ports, source MAC and VLAN ids; for ERSPAN II, tshark's header VLAN
/// when its En is 1 or 2 and the frame carries no tag of its own.
final class IPTunnelsVersusTsharkTests: TemporaryDirectoryTestCase {
    typealias T = TunnelCorpusVersusTsharkTests
    typealias S = LLCSNAPVersusTsharkTests

    static func be32(_ v: UInt32) -> [UInt8] { S.be16(UInt16(v >> 16)) + S.be16(UInt16(v & 0xffff)) }

    /// An Ethernet frame from the mirror's 02:00:00:ff:00:01 (or `src`), with 802.1Q tags.
    static func ethernet(src: [UInt8] = [2, 0, 0, 0xff, 0, 1], vlans: [UInt16] = [], type: UInt16, _ p: [UInt8])
        -> [UInt8]
    {
        [2, 0, 0, 0xff, 0, 2] + src + vlans.flatMap { S.be16(0x8100) + S.be16($0) } + S.be16(type) + p
    }

    /// The host's own frame (02:00:00:20:03:04 → 02:00:00:30:07:08) around `packet`.
    static func hostFrame(vlans: [UInt16] = [], type: UInt16 = 0x0800, _ packet: [UInt8]) -> [UInt8] {
        [2, 0, 0, 0x30, 7, 8, 2, 0, 0, 0x20, 3, 4] + vlans.flatMap { S.be16(0x8100) + S.be16($0) } + S.be16(type)
            + packet
    }

    /// IPv4 from 192.168.255.1 to 192.168.255.2 (checksum left 0: neither decoder checks it).
    static func ipv4(proto: UInt8, _ payload: [UInt8]) -> [UInt8] {
        [0x45, 0] + S.be16(UInt16(20 + payload.count)) + [0, 9, 0x40, 0, 64, proto, 0, 0] + [192, 168, 255, 1]
            + [192, 168, 255, 2] + payload
    }

    /// IPv6 from fd00:ff::1 to fd00:ff::2.
    static func ipv6(next: UInt8, _ payload: [UInt8]) -> [UInt8] {
        let a: [UInt8] = [0xfd, 0, 0, 0xff] + [UInt8](repeating: 0, count: 11)
        return [0x60, 0, 0, 0] + S.be16(UInt16(payload.count)) + [next, 64] + a + [1] + a + [2] + payload
    }

    static func udp(dst: UInt16, _ payload: [UInt8]) -> [UInt8] {
        S.be16(49152) + S.be16(dst) + S.be16(UInt16(8 + payload.count)) + [0, 0] + payload
    }

    static func mpls(_ labels: [UInt32], _ payload: [UInt8]) -> [UInt8] {
        labels.enumerated().flatMap { i, l in be32(l << 12 | (i == labels.count - 1 ? 0x100 : 0) | 64) } + payload
    }

    /// An Authentication Header with a 96-bit ICV.
    static func ah(next: UInt8, _ payload: [UInt8]) -> [UInt8] {
        [next, 4, 0, 0] + be32(0x1001) + be32(1) + [UInt8](repeating: 0, count: 12) + payload
    }

    /// ERSPAN II in GRE with a sequence number: VLAN and En in the header, session 100.
    static func erspanII(vlan: UInt16, en: UInt32, _ frame: [UInt8]) -> [UInt8] {
        [0x10, 0, 0x88, 0xbe] + be32(1) + be32(1 << 28 | UInt32(vlan) << 16 | en << 11 | 100) + be32(0) + frame
    }

    struct Seen: Equatable, CustomStringConvertible {
        var tuple: T.Tuple?
        var srcMAC: String?
        var vlans: [UInt16]
        var description: String { "\(tuple.map(\.description) ?? "no IP") mac \(srcMAC ?? "-") vlan \(vlans)" }
    }

    /// tshark's innermost IP packet, Ethernet source and own VLANs of each frame.
    func tshark(_ file: URL) throws -> [Seen] {
        let fields = [
            "frame.protocols", "eth.src", "vlan.id", "erspan.vlan", "erspan.encap", "ip.src", "ip.dst", "ip.proto",
            "ipv6.src", "ipv6.dst", "ipv6.nxt", "tcp.srcport", "tcp.dstport", "udp.srcport", "udp.dstport",
        ]
        let text = try T.runTshark(
            ["-n", "-r", file.path, "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,"]
                + fields.flatMap { ["-e", $0] })
        return text.split(separator: "\n").map { line in
            let c = line.split(separator: "\t", omittingEmptySubsequences: false).map {
                $0.split(separator: ",").map(String.init)
            }
            func all(_ name: String) -> [String] { c[fields.firstIndex(of: name)!] }
            func last(_ name: String) -> String? { all(name).last }
            let layers = (all("frame.protocols").first ?? "").split(separator: ":").map(String.init)
            var tuple: T.Tuple? = nil
            if let at = layers.lastIndex(where: { $0 == "ip" || $0 == "ipv6" }) {
                let v6 = layers[at] == "ipv6"
                let after = layers[(at + 1)...]
                let transport = after.contains("tcp") ? "tcp" : after.contains("udp") ? "udp" : nil
                let proto =
                    transport == "tcp" ? 6 : transport == "udp" ? 17 : UInt8(last(v6 ? "ipv6.nxt" : "ip.proto") ?? "")
                tuple = T.Tuple(
                    src: last(v6 ? "ipv6.src" : "ip.src") ?? "?", dst: last(v6 ? "ipv6.dst" : "ip.dst") ?? "?",
                    proto: proto)
                if let t = transport, let sp = UInt16(last("\(t).srcport") ?? ""),
                    let dp = UInt16(last("\(t).dstport") ?? "")
                {
                    tuple?.ports = (sp, dp)
                }
            }
            // The MAC and tags are the innermost packet's own: those of the Ethernet header after the last
            // tunnel, none when a tunnel carries IP without one (tshark lists every header's).
            let tags = all("vlan.id").compactMap { UInt16($0) }
            var mac = last("eth.src")
            var vlans = tags
            if let first = layers.firstIndex(where: { $0 == "ip" || $0 == "ipv6" }),
                let inner = layers.lastIndex(where: { $0 == "ip" || $0 == "ipv6" }), inner > first
            {
                if let eth = layers[first..<inner].lastIndex(of: "eth") {
                    vlans = Array(tags.suffix(layers[eth..<inner].filter { $0 == "vlan" }.count))
                    // ERSPAN II, En 1 or 2, an untagged frame: the tag the switch moved into the header.
                    if layers[eth - 1] == "erspan", vlans.isEmpty, let en = last("erspan.encap"),
                        en == "1" || en == "2", let vlan = UInt16(last("erspan.vlan") ?? "")
                    {
                        vlans = [vlan]
                    }
                } else {
                    mac = nil
                    vlans = []
                }
            }
            return Seen(tuple: tuple, srcMAC: mac, vlans: vlans)
        }
    }

    /// PacketDecoder's innermost IP packet, Ethernet source and own VLANs of each frame, read with libpcap.
    func ours(_ file: URL) throws -> [Seen] {
        let pcap = try PcapFile(path: file.path)
        var p = DecodedPacket()
        var seen: [Seen] = []
        while case .frame(let f) = pcap.next() {
            PacketDecoder.decode(f.bytes, linkType: .ethernet, into: &p)
            seen.append(Seen(tuple: T.Tuple(p), srcMAC: p.srcMAC?.description, vlans: p.vlans))
        }
        return seen
    }

    func testIPTunnelsAgreeWithTshark() throws {
        let tcp4 = S.tcp4
        let udp6 = S.udp6
        let tcp4Transport = Array(tcp4[20...])
        var ahTransport = Array(tcp4[0..<20]) + Self.ah(next: 6, tcp4Transport)
        ahTransport[9] = 51
        ahTransport[2...3] = S.be16(UInt16(ahTransport.count))[...]
        let frames: [(String, [UInt8])] = [
            (
                "EtherIP, VLAN 120 inside",
                Self.ethernet(type: 0x0800, Self.ipv4(proto: 97, [0x30, 0] + Self.hostFrame(vlans: [120], tcp4)))
            ),
            (
                "EtherIP over IPv6",
                Self.ethernet(type: 0x86dd, Self.ipv6(next: 97, [0x30, 0] + Self.hostFrame(type: 0x86dd, udp6)))
            ),
            ("MPLS in IP", Self.ethernet(type: 0x0800, Self.ipv4(proto: 137, Self.mpls([2002], tcp4)))),
            (
                "MPLS in IPv6, two labels",
                Self.ethernet(type: 0x86dd, Self.ipv6(next: 137, Self.mpls([16, 2002], udp6)))
            ),
            (
                "MPLS in UDP",
                Self.ethernet(type: 0x0800, Self.ipv4(proto: 17, Self.udp(dst: 6635, Self.mpls([2003], tcp4))))
            ),
            (
                "MPLS in UDP over IPv6, tagged outside",
                Self.ethernet(
                    vlans: [999], type: 0x86dd, Self.ipv6(next: 17, Self.udp(dst: 6635, Self.mpls([7], udp6))))
            ),
            ("AH transport mode", Self.hostFrame(vlans: [120], ahTransport)),
            ("AH tunnel mode", Self.ethernet(type: 0x0800, Self.ipv4(proto: 51, Self.ah(next: 4, tcp4)))),
            (
                "two AH headers, tunnel mode",
                Self.ethernet(
                    type: 0x0800, Self.ipv4(proto: 51, Self.ah(next: 51, Self.ah(next: 4, tcp4))))
            ),
            (
                "L2TPv3 over IP (not opened)",
                Self.ethernet(
                    type: 0x0800, Self.ipv4(proto: 115, Self.be32(0x1001) + Self.hostFrame(vlans: [120], tcp4)))
            ),
            (
                "ERSPAN II, En 2, untagged frame",
                Self.ethernet(
                    type: 0x0800, Self.ipv4(proto: 47, Self.erspanII(vlan: 110, en: 2, Self.hostFrame(tcp4))))
            ),
            (
                "ERSPAN II, En 2, tagged frame",
                Self.ethernet(
                    type: 0x0800,
                    Self.ipv4(proto: 47, Self.erspanII(vlan: 5, en: 2, Self.hostFrame(vlans: [120], tcp4))))
            ),
            (
                "ERSPAN II, En 3, untagged frame",
                Self.ethernet(
                    type: 0x0800, Self.ipv4(proto: 47, Self.erspanII(vlan: 110, en: 3, Self.hostFrame(tcp4))))
            ),
        ]
        var pcap = PcapBytes()
        for (i, (_, f)) in frames.enumerated() { pcap.append(f, micros: (1_800_000_000 + Int64(i)) * 1_000_000) }
        let file = dir.appendingPathComponent("ip-tunnels.pcap")
        try pcap.data.write(to: file)

        let ours = try ours(file)
        let theirs = try tshark(file)
        XCTAssertEqual(ours.count, frames.count)
        XCTAssertEqual(theirs.count, frames.count)
        for i in 0..<min(ours.count, theirs.count, frames.count) {
            XCTAssertEqual(ours[i], theirs[i], frames[i].0)
            XCTAssertNotNil(ours[i].tuple, "\(frames[i].0): judged")
        }
        // What the comparison stands on: the host's packet inside, but where it is not opened.
        XCTAssertEqual(ours.filter { $0.tuple?.dst == "10.30.7.8" }.count, 9)
        XCTAssertEqual(ours[9].tuple?.proto, 115)
        XCTAssertEqual(ours[10].vlans, [110])
    }
}
