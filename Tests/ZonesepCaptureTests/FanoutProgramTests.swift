import XCTest
import ZonesepCore

@testable import ZonesepCapture

/// The fanout program run by a small classic BPF interpreter written here (the kernel's semantics for the
/// instructions it uses: loads past the data end the program with 0, scratch memory must be written before
/// it is read). WatchTests runs the same program in the kernel on real traffic.
final class FanoutProgramTests: XCTestCase {
    typealias I = FanoutProgram.Instruction

    /// The program's result for a frame whose network layer is `data` and whose EtherType is `proto`.
    /// `outgoing`: a frame the host sends, whose data starts at its Ethernet header (`PACKET_OUTGOING`).
    static func run(_ program: [I], _ data: [UInt8], proto: UInt16, outgoing: Bool = false) -> UInt32 {
        execute(program, data, proto: proto, outgoing: outgoing).result
    }

    /// The program's result and how many instructions it ran to get there.
    static func execute(_ program: [I], _ data: [UInt8], proto: UInt16, outgoing: Bool = false) -> (
        result: UInt32, steps: Int
    ) {
        var steps = 0
        let result = interpret(program, data, proto: proto, outgoing: outgoing, steps: &steps)
        return (result, steps)
    }

    static func interpret(_ program: [I], _ data: [UInt8], proto: UInt16, outgoing: Bool, steps: inout Int) -> UInt32 {
        var a: UInt32 = 0
        var x: UInt32 = 0
        var m = [UInt32?](repeating: nil, count: 16)
        var pc = 0
        func load(_ at: Int, _ size: Int) -> UInt32? {
            guard at >= 0, at + size <= data.count else { return nil }
            return data[at..<at + size].reduce(0) { $0 << 8 | UInt32($1) }
        }
        while pc < program.count {
            let i = program[pc]
            pc += 1
            steps += 1
            let size = [0x00: 4, 0x08: 2, 0x10: 1][Int(i.code & 0x18)] ?? 4
            switch (i.code & 0x07, i.code & 0xe0) {
            case (0x00, 0x00): a = i.k
            case (0x00, 0x20):
                switch Int32(bitPattern: i.k) {
                case -0x1000: a = UInt32(proto)
                case -0x1000 + 4: a = outgoing ? 4 : 0
                case -0x1000 + 28: a = 1  // ARPHRD_ETHER
                default:
                    XCTFail("absolute load other than the ancillary EtherType, packet type, hardware type")
                    return 0
                }
            case (0x00, 0x40):
                guard let v = load(Int(x &+ i.k), size) else { return 0 }
                a = v
            case (0x00, 0x60):
                guard let v = m[Int(i.k)] else {
                    XCTFail("M[\(i.k)] read before written at \(pc - 1)")
                    return 0
                }
                a = v
            case (0x01, 0x00): x = i.k
            case (0x01, 0x60):
                guard let v = m[Int(i.k)] else {
                    XCTFail("M[\(i.k)] read before written at \(pc - 1)")
                    return 0
                }
                x = v
            case (0x02, _): m[Int(i.k)] = a
            case (0x04, _):
                let operand = i.code & 0x08 != 0 ? x : i.k
                switch i.code & 0xf0 {
                case 0x00: a = a &+ operand
                case 0x20: a = a &* operand
                case 0x50: a &= operand
                case 0x60: a <<= operand
                case 0x70: a >>= operand
                case 0xa0: a ^= operand
                default:
                    XCTFail("ALU op \(i.code)")
                    return 0
                }
            case (0x05, _):
                if i.code & 0xf0 == 0x00 {
                    pc += Int(i.k)
                } else {
                    XCTAssertEqual(i.code & 0xf0, 0x10, "only jeq")
                    pc += a == (i.code & 0x08 != 0 ? x : i.k) ? Int(i.jt) : Int(i.jf)
                }
            case (0x06, _): return i.code & 0x18 == 0x10 ? a : i.k
            case (0x07, _): if i.code & 0xf8 == 0x80 { a = x } else { x = a }
            default:
                XCTFail("opcode \(i.code)")
                return 0
            }
        }
        XCTFail("ran off the end")
        return 0
    }

    static func run(_ data: [UInt8], proto: UInt16 = 0x0800, outgoing: Bool = false) -> UInt32 {
        run(FanoutProgram.standard, data, proto: proto, outgoing: outgoing)
    }

    // Packets, as the kernel hands them over (from the network header).

    static func v4(_ a: String) -> [UInt8] { a.split(separator: ".").map { UInt8($0)! } }

    static func ipv4(_ src: String, _ dst: String, proto: UInt8, _ payload: [UInt8], fragment: UInt16 = 0x4000)
        -> [UInt8]
    {
        let length = UInt16(20 + payload.count)
        return [0x45, 0, UInt8(length >> 8), UInt8(length & 0xff), 0, 1, UInt8(fragment >> 8), UInt8(fragment & 0xff)]
            + [64, proto, 0, 0] + v4(src) + v4(dst) + payload
    }

    static func ports(_ s: UInt16, _ d: UInt16, _ rest: Int = 16) -> [UInt8] {
        [UInt8(s >> 8), UInt8(s & 0xff), UInt8(d >> 8), UInt8(d & 0xff)] + [UInt8](repeating: 0, count: rest)
    }

    static func tcp(_ src: String, _ sp: UInt16, _ dst: String, _ dp: UInt16) -> [UInt8] {
        ipv4(src, dst, proto: 6, ports(sp, dp))
    }

    static func udp(_ src: String, _ sp: UInt16, _ dst: String, _ dp: UInt16) -> [UInt8] {
        ipv4(src, dst, proto: 17, ports(sp, dp, 4))
    }

    /// An ICMP error of `type` from `from` to the quoted packet's source, quoting its header and 8 bytes.
    static func icmpError(from: String, type: UInt8 = 3, quoting p: [UInt8]) -> [UInt8] {
        let quoted = Array(p.prefix(28))
        return ipv4(from, "\(p[12]).\(p[13]).\(p[14]).\(p[15])", proto: 1, [type, 3, 0, 0, 0, 0, 0, 0] + quoted)
    }

    static func echo(_ src: String, _ dst: String, type: UInt8, id: UInt16) -> [UInt8] {
        ipv4(src, dst, proto: 1, [type, 0, 0, 0, UInt8(id >> 8), UInt8(id & 0xff), 0, 1])
    }

    static func v6(_ last: UInt8) -> [UInt8] { [0xfd, 0, 0, 0x20] + [UInt8](repeating: 0, count: 11) + [last] }

    static func ipv6(_ src: UInt8, _ dst: UInt8, next: UInt8, _ payload: [UInt8]) -> [UInt8] {
        [0x60, 0, 0, 0, UInt8(payload.count >> 8), UInt8(payload.count & 0xff), next, 64] + v6(src) + v6(dst) + payload
    }

    func testAProgramTheKernelTakes() {
        let p = FanoutProgram.standard
        XCTAssertGreaterThan(p.count, 50, "assembled (a failed assembly is one `ret 0`)")
        XCTAssertLessThanOrEqual(p.count, 4096)
        XCTAssertEqual(p.last.map { $0.code & 0x07 }, 0x06, "ends with a return")
    }

    func testBothDirectionsOfAFlowAgree() {
        for (sp, dp) in [(51512, 445), (40000, 80), (443, 61000)] as [(UInt16, UInt16)] {
            let there = Self.run(Self.tcp("10.20.3.4", sp, "10.30.7.8", dp))
            XCTAssertEqual(there, Self.run(Self.tcp("10.30.7.8", dp, "10.20.3.4", sp)))
            XCTAssertNotEqual(there, 0)
        }
        XCTAssertEqual(
            Self.run(Self.echo("10.20.3.4", "10.30.7.8", type: 8, id: 77)),
            Self.run(Self.echo("10.30.7.8", "10.20.3.4", type: 0, id: 77)))
        let a = Self.ipv6(4, 8, next: 6, Self.ports(51512, 445))
        XCTAssertEqual(
            Self.run(a, proto: 0x86dd), Self.run(Self.ipv6(8, 4, next: 6, Self.ports(445, 51512)), proto: 0x86dd))
    }

    /// An ICMP error lands where the flow it quotes does, whoever sends it: the UDP port unreachable of
    /// the namespace test, a router's TTL exceeded about a TCP connection, an ICMPv6 error.
    func testICMPErrorsFollowTheFlowTheyQuote() {
        let datagram = Self.udp("10.20.3.4", 40001, "10.30.7.8", 5353)
        let flow = Self.run(datagram)
        XCTAssertEqual(Self.run(Self.icmpError(from: "10.30.7.8", quoting: datagram)), flow)
        XCTAssertEqual(Self.run(Self.icmpError(from: "10.0.0.1", type: 11, quoting: datagram)), flow)
        let segment = Self.tcp("10.20.3.4", 51512, "10.30.7.8", 445)
        XCTAssertEqual(Self.run(Self.icmpError(from: "10.0.0.1", type: 11, quoting: segment)), Self.run(segment))
        let v6 = Self.ipv6(4, 8, next: 17, Self.ports(40001, 5353, 4))
        let v6error = Self.ipv6(8, 4, next: 58, [1, 4, 0, 0, 0, 0, 0, 0] + v6)
        XCTAssertEqual(Self.run(v6error, proto: 0x86dd), Self.run(v6, proto: 0x86dd))
        // Behind extension headers, as the decoder reads them: a router's (9) error behind a hop-by-hop header
        // (8 bytes) and destination options (16), or in the first fragment of a fragmented error.
        let error: [UInt8] = [1, 4, 0, 0, 0, 0, 0, 0] + v6
        let options: [UInt8] = [60, 0, 1, 4, 0, 0, 0, 0] + [58, 1, 1, 12] + [UInt8](repeating: 0, count: 12)
        let behindOptions = Self.ipv6(9, 4, next: 0, options + error)
        XCTAssertEqual(Self.run(behindOptions, proto: 0x86dd), Self.run(v6, proto: 0x86dd))
        let first = Self.ipv6(9, 4, next: 44, Self.fragmentHeader(next: 58, offset: 0, more: true) + error)
        XCTAssertEqual(Self.run(first, proto: 0x86dd), Self.run(v6, proto: 0x86dd))
        // Its later fragment has no ICMPv6 header: by its own addresses, whatever its bytes look like.
        let later = Self.ipv6(9, 4, next: 44, Self.fragmentHeader(next: 58, offset: 1, more: false) + error)
        XCTAssertEqual(
            Self.run(later, proto: 0x86dd),
            Self.run(Self.ipv6(9, 4, next: 58, [135, 0, 0, 0, 0, 0, 0, 0]), proto: 0x86dd))
        XCTAssertNotEqual(Self.run(later, proto: 0x86dd), Self.run(v6, proto: 0x86dd))
    }

    /// An ICMP error sent to anyone but the quoted packet's source is a flow of its own (the verifier judges
    /// it by its own addresses): it lands where other ICMP between its own two addresses does, not where
    /// the quoted flow does, so that with any number of workers it is judged once, as in a replay.
    func testAnICMPErrorQuotingAnotherHostsPacketIsAFlowOfItsOwn() {
        let unrelated = Self.udp("10.10.5.5", 40001, "10.10.6.6", 5353)
        let forged = Self.ipv4("10.30.9.9", "10.20.3.4", proto: 1, [3, 3, 0, 0, 0, 0, 0, 0] + unrelated.prefix(28))
        let own = Self.ipv4("10.30.9.9", "10.20.3.4", proto: 1, [13, 0, 0, 0, 0, 0, 0, 0])  // a timestamp request
        XCTAssertEqual(Self.run(forged), Self.run(own))
        XCTAssertNotEqual(Self.run(forged), Self.run(unrelated))
        // IPv6: the quoted source differs from the error's destination in its last word only.
        let v6 = Self.ipv6(5, 6, next: 17, Self.ports(40001, 5353, 4))
        let v6forged = Self.ipv6(9, 4, next: 58, [1, 4, 0, 0, 0, 0, 0, 0] + v6)
        let v6own = Self.ipv6(9, 4, next: 58, [135, 0, 0, 0, 0, 0, 0, 0])  // a neighbour solicitation
        XCTAssertEqual(Self.run(v6forged, proto: 0x86dd), Self.run(v6own, proto: 0x86dd))
        XCTAssertNotEqual(Self.run(v6forged, proto: 0x86dd), Self.run(v6, proto: 0x86dd))
    }

    /// Shared by host pair: every connection between two hosts, whatever its ports or protocol, goes to one
    /// worker (a later fragment names neither, so nothing finer can keep a flow's fragments with it; a VXLAN
    /// tunnel's outer source port differs by direction too); different pairs spread over the workers.
    func testSharedByHostPair() {
        let pair = Self.run(Self.tcp("10.20.3.4", 40000, "10.30.7.8", 445))
        for port in 1..<64 {
            XCTAssertEqual(Self.run(Self.tcp("10.20.3.4", UInt16(40000 + port), "10.30.7.8", 445)), pair)
        }
        XCTAssertEqual(Self.run(Self.udp("10.30.7.8", 5353, "10.20.3.4", 40001)), pair)
        XCTAssertEqual(Self.run(Self.echo("10.20.3.4", "10.30.7.8", type: 8, id: 77)), pair)
        XCTAssertEqual(
            Self.run(Self.udp("10.20.0.11", 50001, "10.20.0.12", 4789)),
            Self.run(Self.udp("10.20.0.12", 61234, "10.20.0.11", 4789)))
        let members = Set((0..<64).map { Self.run(Self.tcp("10.20.3.\($0)", 40000, "10.30.7.8", 445)) % 2 })
        XCTAssertEqual(members, [0, 1], "64 host pairs use both of two workers")
        // Sites whose hosts differ only in a middle octet (WatchTests' three zones) spread too: their XORs
        // share every low bit, which the mixing must not leave to decide.
        let sites = [("10.10.0.2", "10.20.0.2"), ("10.10.0.2", "10.30.0.2"), ("10.20.0.2", "10.30.0.2")]
        XCTAssertEqual(Set(sites.map { Self.run(Self.tcp($0.0, 1, $0.1, 2)) % 2 }), [0, 1])
    }

    /// An IPv6 fragment header: the next header, the offset in 8-byte units, more fragments or not.
    static func fragmentHeader(next: UInt8, offset: UInt16, more: Bool) -> [UInt8] {
        let v = offset << 3 | (more ? 1 : 0)
        return [next, 0, UInt8(v >> 8), UInt8(v & 0xff), 0, 0, 0x12, 0x34]
    }

    /// Every fragment goes where the rest of its flow does, with no reassembly by the kernel first: a first
    /// fragment (ports, more fragments), a later one (no ports; a lone or overlapping one too), the flow's
    /// unfragmented packets, both directions, IPv4 and IPv6; a big ping's fragments; an ICMP error quoting
    /// a first fragment.
    func testEveryFragmentGoesWhereItsFlowDoes() {
        let (l, i) = ("10.20.3.4", "10.30.7.8")
        let flow = Self.run(Self.tcp(l, 51512, i, 445))
        let body = [UInt8](repeating: 0x41, count: 16)
        let first = Self.ipv4(l, i, proto: 6, Self.ports(51512, 445), fragment: 0x2000)
        let v4: [(String, [UInt8])] = [
            ("first fragment", first),
            ("later fragment", Self.ipv4(l, i, proto: 6, body, fragment: 0x00b9)),
            ("overlapping fragment", Self.ipv4(l, i, proto: 6, body, fragment: 0x0001)),
            ("reply", Self.tcp(i, 445, l, 51512)),
            ("reply's first fragment", Self.ipv4(i, l, proto: 6, Self.ports(445, 51512), fragment: 0x2000)),
            ("reply's later fragment", Self.ipv4(i, l, proto: 6, body, fragment: 0x20b9)),
            ("echo request", Self.echo(l, i, type: 8, id: 77)),
            ("echo's first fragment", Self.ipv4(l, i, proto: 1, [8, 0, 0, 0, 0, 77, 0, 1] + body, fragment: 0x2000)),
            ("echo's later fragment", Self.ipv4(l, i, proto: 1, body, fragment: 0x00b9)),
            ("error quoting a first fragment", Self.icmpError(from: "10.0.0.1", type: 11, quoting: first)),
        ]
        for (name, p) in v4 { XCTAssertEqual(Self.run(p), flow, name) }
        XCTAssertNotEqual(flow, 0)

        let v6 = Self.run(Self.ipv6(4, 8, next: 6, Self.ports(51512, 445)), proto: 0x86dd)
        let v6first = Self.ipv6(
            4, 8, next: 44, Self.fragmentHeader(next: 6, offset: 0, more: true) + Self.ports(51512, 445))
        let v6packets: [(String, [UInt8])] = [
            ("first fragment", v6first),
            (
                "later fragment",
                Self.ipv6(4, 8, next: 44, Self.fragmentHeader(next: 6, offset: 185, more: false) + body)
            ),
            ("reply", Self.ipv6(8, 4, next: 6, Self.ports(445, 51512))),
            (
                "reply's later fragment",
                Self.ipv6(8, 4, next: 44, Self.fragmentHeader(next: 6, offset: 1, more: true) + body)
            ),
            ("echo request", Self.ipv6(4, 8, next: 58, [128, 0, 0, 0, 0, 77, 0, 1])),
            ("error quoting a first fragment", Self.ipv6(8, 4, next: 58, [1, 4, 0, 0, 0, 0, 0, 0] + v6first)),
        ]
        for (name, p) in v6packets { XCTAssertEqual(Self.run(p, proto: 0x86dd), v6, "IPv6 \(name)") }
        XCTAssertNotEqual(v6, 0)
    }

    /// The same packet behind VLAN tags still in the data, or in a PPPoE session, hashes as if bare; what is
    /// not IP goes to the first worker.
    func testTagsAndPPPoEAreLookedThrough() {
        let p = Self.tcp("10.20.3.4", 51512, "10.30.7.8", 445)
        let bare = Self.run(p)
        XCTAssertEqual(Self.run([0, 120, 0x08, 0x00] + p, proto: 0x8100), bare)
        XCTAssertEqual(Self.run([0, 20, 0x81, 0x00, 0, 120, 0x08, 0x00] + p, proto: 0x88a8), bare)
        XCTAssertEqual(Self.run([0x11, 0, 0x12, 0x34, 0, UInt8(p.count + 2), 0x00, 0x21] + p, proto: 0x8864), bare)
        XCTAssertEqual(Self.run([0, 1, 8, 0, 6, 4, 0, 1], proto: 0x0806), 0, "ARP")
        // A frame the sensor's own host sends is seen from its Ethernet header on.
        let ethernet: [UInt8] = [2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00]
        XCTAssertEqual(Self.run(ethernet + p, outgoing: true), bare)
        let reply = Self.tcp("10.30.7.8", 445, "10.20.3.4", 51512)
        XCTAssertEqual(Self.run(ethernet + reply, outgoing: true), bare, "a reply the sensor's host sends")
        XCTAssertEqual(Self.run(Array(p.prefix(10))), 0, "a header cut short ends the program with 0")
    }
}
