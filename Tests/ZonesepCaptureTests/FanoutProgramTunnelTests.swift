import XCTest
import ZonesepCore

@testable import ZonesepCapture

/// The fanout program on tunnelled and labelled frames (FanoutProgramTests' interpreter): every copy of one
/// inner connection, whichever tunnel, session or switch brought it, both directions, plain or labelled,
/// gets the value of the bare packet, so one worker judges it as a replay does; what the program cannot
/// open goes to the first worker, never by the tunnel's own addresses.
final class FanoutProgramTunnelTests: XCTestCase {
    typealias T = FanoutProgramTests

    static func run(_ data: [UInt8], proto: UInt16 = 0x0800) -> UInt32 { T.run(data, proto: proto) }

    static func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xff)] }
    static func be32(_ v: UInt32) -> [UInt8] { be16(UInt16(v >> 16)) + be16(UInt16(v & 0xffff)) }

    /// An Ethernet frame inside a tunnel: two MACs, the EtherType, the payload.
    static func ether(_ type: UInt16, _ payload: [UInt8]) -> [UInt8] {
        [2, 0, 0, 0, 0x77, 0x30, 2, 0, 0, 0, 0x77, 0x10] + be16(type) + payload
    }

    /// An outer IPv4 packet of `proto` between a mirror's tunnel endpoints.
    static func outer(_ src: String, _ proto: UInt8, _ payload: [UInt8], to dst: String = "192.0.2.100") -> [UInt8] {
        T.ipv4(src, dst, proto: proto, payload)
    }

    /// A UDP header from `sport` to `dport` (length and checksum 0: not read) and its payload.
    static func udp(_ sport: UInt16, _ dport: UInt16, _ payload: [UInt8]) -> [UInt8] {
        be16(sport) + be16(dport) + [0, 0, 0, 0] + payload
    }

    /// MPLS label stack entries, the last with the bottom-of-stack bit.
    static func labels(_ values: [UInt32]) -> [UInt8] {
        values.enumerated().flatMap { i, v in be32(v << 12 | (i == values.count - 1 ? 0x100 : 0) | 64) }
    }

    static let request = T.tcp("10.10.5.1", 40000, "10.30.5.1", 443)
    static let reply = T.tcp("10.30.5.1", 443, "10.10.5.1", 40000)

    /// Every way the verifier opens, around `p`: GRE (bridged Ethernet, keyed and sequenced, with a checksum
    /// carrying IP), ERSPAN I, II (a VLAN tag inside), III (platform subheader; IP frame type), VXLAN on both
    /// default ports, Geneve with options (Ethernet, IP), MPLS on the link, in GRE, in UDP and in IP, a PPPoE
    /// session carrying MPLS, IP in IP, EtherIP, IPv4's authentication header in tunnel mode, GRE over IPv6,
    /// ERSPAN around VXLAN (two tunnels), and SRv6's Ethernet (IP protocol 143) over IPv6 and IPv4.
    static func wrappings(_ p: [UInt8], from mirror: String) -> [(String, [UInt8], UInt16)] {
        let frame = ether(0x0800, p)
        let tagged = ether(0x8100, [0, 120, 0x08, 0x00] + p)
        let erspanII: [UInt8] = [0x10, 0, 0x88, 0xbe] + be32(7) + [0x10, 0x78, 0x08, 0x0a, 0, 0, 0, 1]
        let vxlan = udp(51000, 4789, [0x08, 0, 0, 0, 0, 0x13, 0x89, 0] + frame)
        var list: [(String, [UInt8], UInt16)] = []
        list.append(("GRE, bridged Ethernet", outer(mirror, 47, [0, 0, 0x65, 0x58] + frame), 0x0800))
        list.append(
            (
                "GRE, keyed and sequenced", outer(mirror, 47, [0x30, 0, 0x65, 0x58] + be32(5001) + be32(9) + frame),
                0x0800
            ))
        list.append(
            (
                "GRE with a checksum, carrying IP", outer(mirror, 47, [0x80, 0, 0x08, 0x00, 0x12, 0x34, 0, 0] + p),
                0x0800
            ))
        list.append(("ERSPAN I", outer(mirror, 47, [0, 0, 0x88, 0xbe] + frame), 0x0800))
        list.append(("ERSPAN II, a tag inside", outer(mirror, 47, erspanII + tagged), 0x0800))
        list.append(
            (
                "ERSPAN III, platform subheader",
                outer(
                    mirror, 47,
                    [0, 0, 0x22, 0xeb] + [0x20, 0x78, 0, 0x0a] + be32(1) + [0, 0, 0, 1] + be32(0) + be32(0) + frame),
                0x0800
            ))
        list.append(
            (
                "ERSPAN III, IP frame",
                outer(mirror, 47, [0, 0, 0x22, 0xeb] + [0x20, 0, 0, 0x0a] + be32(1) + [0, 0, 0x08, 0] + p), 0x0800
            ))
        list.append(("VXLAN", outer(mirror, 17, vxlan), 0x0800))
        list.append(
            ("VXLAN on 8472", outer(mirror, 17, udp(33333, 8472, [0x08, 0, 0, 0, 0, 0, 1, 0] + frame)), 0x0800))
        list.append(
            (
                "Geneve with options",
                outer(
                    mirror, 17, udp(40001, 6081, [0x02, 0, 0x65, 0x58, 0, 0, 9, 0] + [0, 1, 2, 1, 0, 0, 0, 0] + frame)),
                0x0800
            ))
        list.append(
            ("Geneve carrying IP", outer(mirror, 17, udp(40002, 6081, [0, 0, 0x08, 0x00, 0, 0, 9, 0] + p)), 0x0800))
        list.append(("MPLS on the link", labels([16, 17]) + p, 0x8847))
        list.append(("MPLS in GRE", outer(mirror, 47, [0, 0, 0x88, 0x47] + labels([300]) + p), 0x0800))
        list.append(("MPLS in UDP", outer(mirror, 17, udp(49152, 6635, labels([301, 302]) + p)), 0x0800))
        list.append(("MPLS in IP", outer(mirror, 137, labels([303]) + p), 0x0800))
        list.append(("PPPoE carrying MPLS", [0x11, 0, 0, 7, 0, 0, 0x02, 0x81] + labels([304]) + p, 0x8864))
        list.append(("IP in IP", outer(mirror, 4, p), 0x0800))
        list.append(("EtherIP", outer(mirror, 97, [0x30, 0] + frame), 0x0800))
        list.append(
            (
                "authentication header, tunnel mode",
                outer(mirror, 51, [4, 4, 0, 0] + be32(0x100) + be32(1) + [UInt8](repeating: 0xcc, count: 12) + p),
                0x0800
            ))
        list.append(
            (
                "ERSPAN II around VXLAN",
                outer(mirror, 47, erspanII + ether(0x0800, outer("10.99.0.1", 17, vxlan, to: "10.99.0.2"))), 0x0800
            ))
        let v6mirror = T.v6(mirror == "192.0.2.1" ? 1 : 2)
        list.append(
            ("GRE over IPv6", T.ipv6(v6mirror[15], 0x64, next: 47, [0, 0, 0x65, 0x58] + frame), 0x86dd))
        // SRv6's Ethernet (IP protocol 143), after a Segment Routing Header of one segment, and over IPv4.
        let srh: [UInt8] = [143, 2, 4, 0, 0, 0, 0, 0] + T.v6(0x64)
        list.append(("SRv6 layer 2", T.ipv6(v6mirror[15], 0x64, next: 43, srh + tagged), 0x86dd))
        list.append(("Ethernet in IPv4", outer(mirror, 143, frame), 0x0800))
        return list
    }

    /// The review's cases and every other tunnel: a connection mirrored by two switches (two tunnels, two
    /// sessions), its request through one and its reply through the other, seen plain and labelled.
    func testEveryCopyOfAConnectionGoesWhereTheBarePacketDoes() {
        let bare = Self.run(Self.request)
        XCTAssertEqual(Self.run(Self.reply), bare)
        for mirror in ["192.0.2.1", "192.0.2.2"] {
            for (name, frame, proto) in Self.wrappings(Self.request, from: mirror) {
                XCTAssertEqual(Self.run(frame, proto: proto), bare, "\(name) from \(mirror), request")
            }
            for (name, frame, proto) in Self.wrappings(Self.reply, from: mirror) {
                XCTAssertEqual(Self.run(frame, proto: proto), bare, "\(name) from \(mirror), reply")
            }
        }
        // The tunnel's own endpoints do not decide: two tunnels between the same endpoints carrying two host
        // pairs spread like bare pairs do.
        let members = Set(
            (0..<64).map { i in
                Self.run(
                    Self.outer(
                        "192.0.2.1", 47,
                        [0, 0, 0x65, 0x58] + Self.ether(0x0800, T.tcp("10.10.5.\(i)", 1, "10.30.5.1", 2)))) % 2
            })
        XCTAssertEqual(members, [0, 1])
        // IPv6 inside: as the bare IPv6 packet.
        let v6 = T.ipv6(4, 8, next: 6, T.ports(51512, 445))
        XCTAssertEqual(Self.run(Self.outer("192.0.2.1", 41, v6)), Self.run(v6, proto: 0x86dd), "6in4")
        XCTAssertEqual(
            Self.run(
                Self.outer("192.0.2.2", 17, Self.udp(1, 4789, [0x08, 0, 0, 0, 0, 0, 1, 0] + Self.ether(0x86dd, v6)))),
            Self.run(v6, proto: 0x86dd), "IPv6 in VXLAN")
    }

    /// An ICMP error inside a tunnel follows the flow it quotes, as a bare one does.
    func testATunnelledICMPErrorFollowsTheFlowItQuotes() {
        let datagram = T.udp("10.20.3.4", 40001, "10.30.7.8", 5353)
        let error = T.icmpError(from: "10.0.0.1", type: 11, quoting: datagram)
        let erspan: [UInt8] = [0, 0, 0x88, 0xbe]
        XCTAssertEqual(Self.run(Self.outer("192.0.2.1", 47, erspan + Self.ether(0x0800, error))), Self.run(datagram))
        // An ICMPv6 error behind an authentication header (24 bytes: length 4) and a mobility header, as the
        // decoder walks them.
        let v6 = T.ipv6(4, 8, next: 17, T.ports(40001, 5353, 4))
        let ah: [UInt8] = [135, 4, 0, 0] + Self.be32(0x100) + Self.be32(1) + [UInt8](repeating: 0xcc, count: 12)
        let mobility: [UInt8] = [58, 0, 0, 0, 0, 0, 0, 0]
        let signed = T.ipv6(9, 4, next: 51, ah + mobility + [1, 4, 0, 0, 0, 0, 0, 0] + v6)
        XCTAssertEqual(Self.run(signed, proto: 0x86dd), Self.run(v6, proto: 0x86dd))
    }

    /// What the program cannot open to its innermost pair goes to the first worker (0), whichever tunnel
    /// brought it: never by the tunnel's own addresses, which differ between two mirrors of one connection.
    func testWhatCannotBeOpenedGoesToTheFirstWorker() {
        let p = Self.request
        let frame = Self.ether(0x0800, p)
        var pinned: [(String, [UInt8], UInt16)] = []
        pinned.append(
            ("GRE with source routes", Self.outer("192.0.2.1", 47, [0x40, 0, 0x65, 0x58, 0, 0, 0, 0] + frame), 0x0800))
        pinned.append(
            ("PPTP's GRE", Self.outer("192.0.2.1", 47, [0x30, 0x81, 0x88, 0x0b, 0, 8, 0, 1, 0, 0, 0, 1] + p), 0x0800))
        pinned.append(("GRE of another protocol type", Self.outer("192.0.2.1", 47, [0, 0, 0x12, 0x34] + p), 0x0800))
        pinned.append(("an MPLS Ethernet pseudowire", Self.labels([16]) + [0, 0, 0, 0] + frame, 0x8847))
        pinned.append(("five MPLS labels", Self.labels([16, 17, 18, 19, 20]) + p, 0x8847))
        pinned.append(
            (
                "ERSPAN III of another frame type",
                Self.outer(
                    "192.0.2.1", 47, [0, 0, 0x22, 0xeb] + [0x20, 0, 0, 0x0a] + Self.be32(1) + [0, 0, 0x04, 0] + p),
                0x0800
            ))
        pinned.append(
            (
                "Geneve of another protocol type",
                Self.outer("192.0.2.1", 17, Self.udp(1, 6081, [0, 0, 0x12, 0x34, 0, 0, 9, 0] + p)), 0x0800
            ))
        pinned.append(
            (
                "four tunnels",
                Self.outer(
                    "192.0.2.1", 4,
                    Self.outer("192.0.2.2", 4, Self.outer("192.0.2.3", 4, Self.outer("192.0.2.4", 4, p)))), 0x0800
            ))
        pinned.append(
            (
                "three tags inside a tunnel",
                Self.outer(
                    "192.0.2.1", 97, [0x30, 0] + Self.ether(0x8100, [0, 1, 0x81, 0, 0, 2, 0x81, 0, 0, 3, 0x08, 0] + p)),
                0x0800
            ))
        for (name, frame, proto) in pinned { XCTAssertEqual(Self.run(frame, proto: proto), 0, name) }
        // Three tunnels are opened.
        let three = Self.outer("192.0.2.1", 4, Self.outer("192.0.2.2", 4, Self.outer("192.0.2.3", 4, p)))
        XCTAssertEqual(Self.run(three), Self.run(p))
        // A later fragment of a tunnel's datagram holds no tunnel header: by the tunnel's own addresses.
        let later = T.ipv4("192.0.2.1", "192.0.2.100", proto: 47, [UInt8](repeating: 0x41, count: 16), fragment: 0x00b9)
        XCTAssertEqual(Self.run(later), Self.run(T.tcp("192.0.2.100", 1, "192.0.2.1", 2)))
        XCTAssertNotEqual(Self.run(later), 0)
    }

    /// UDP tunnels are those of zones.conf's `vxlan_ports` and `geneve_ports`: another port is an ordinary
    /// datagram, by its own addresses, as the verifier judges it.
    func testUDPTunnelsOnTheConfiguredPorts() throws {
        let ports = try XCTUnwrap(TunnelPorts(vxlan: [9999], geneve: [7000]))
        let program = FanoutProgram.instructions(for: ports)
        let frame = Self.ether(0x0800, Self.request)
        let vxlan: [UInt8] = [0x08, 0, 0, 0, 0, 0, 1, 0]
        let bare = T.run(program, Self.request, proto: 0x0800)
        XCTAssertEqual(
            T.run(program, Self.outer("192.0.2.1", 17, Self.udp(1, 9999, vxlan + frame)), proto: 0x0800), bare)
        XCTAssertEqual(
            T.run(
                program, Self.outer("192.0.2.1", 17, Self.udp(1, 7000, [0, 0, 0x65, 0x58, 0, 0, 1, 0] + frame)),
                proto: 0x0800),
            bare)
        let standardPort = Self.outer("192.0.2.1", 17, Self.udp(1, 4789, vxlan + frame))
        XCTAssertEqual(
            T.run(program, standardPort, proto: 0x0800),
            T.run(program, T.udp("192.0.2.100", 4789, "192.0.2.1", 1), proto: 0x0800),
            "4789 is not a tunnel port here: the datagram's own pair")
        // Eight ports of each kind still make a program the kernel takes.
        let most = try XCTUnwrap(TunnelPorts(vxlan: Array(4780..<4788), geneve: Array(6080..<6088)))
        let big = FanoutProgram.instructions(for: most)
        XCTAssertGreaterThan(big.count, 50)
        XCTAssertLessThanOrEqual(big.count, 4096)
        XCTAssertLessThanOrEqual(FanoutProgram.standard.count, 4096)
    }

    /// Plain frames pay nothing for the tunnels: a TCP packet runs no more instructions than the program
    /// that opened no tunnel did (48 for IPv4, 78 for IPv6, counted on it by this interpreter); a UDP
    /// datagram, whose destination port must be compared with the tunnel ports, ten more.
    func testPlainFramesRunAsFewInstructionsAsBefore() {
        let program = FanoutProgram.standard
        XCTAssertLessThanOrEqual(T.execute(program, Self.request, proto: 0x0800).steps, 48)
        XCTAssertLessThanOrEqual(
            T.execute(program, T.ipv6(4, 8, next: 6, T.ports(51512, 445)), proto: 0x86dd).steps, 78)
        XCTAssertLessThanOrEqual(
            T.execute(program, T.udp("10.20.3.4", 40001, "10.30.7.8", 53), proto: 0x0800).steps, 48 + 10)
    }
}
