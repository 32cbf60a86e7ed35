/// The classic BPF program that shares a mirror port's frames among watch's workers (Linux
/// PACKET_FANOUT_CBPF): the kernel runs it on each frame and hands the frame to member `result % members`.
///
/// The kernel's own hash (PACKET_FANOUT_HASH) is by each packet's own header, so an ICMP error
/// (router → sender) and the flow it reports on (sender → receiver) could land on two workers and that
/// flow be judged, and alerted, twice; and a VXLAN or Geneve tunnel's outer UDP source port differs by
/// direction, so one inner connection could too. This program hashes by host pair:
///
///     IPv4 / IPv6 (after up to three VLAN tags, or a PPPoE session header)
///       ICMP / ICMPv6 error    (unfragmented or a first fragment; ICMPv6 behind up to four extension
///                              headers) the quoted packet's two addresses: the flow it reports on; but an error
///                              not sent to the quoted packet's source is a flow of its own
///                              (DecodedPacket.travelsWithQuotedFlow): its own two addresses
///       anything else          its two addresses, combined by XOR (the same value for both directions)
///     anything else            0: the first worker (ARP, LLDP, MPLS, ...)
///
/// then mixes that value (MurmurHash3's finaliser), so `% members` sees every bit. The worker then joins
/// an error to the quoted flow only if it knows that flow; an error about a packet never seen is judged
/// there by its own addresses (the one way the program cannot match a replay: docs/operations.md).
///
/// Never by ports or an echo identifier: a later IP fragment has neither, and the kernel must not put
/// fragments together for us (PACKET_FANOUT_FLAG_DEFRAG drops those that never make a whole datagram,
/// lost or overlapping ones, and hands over a datagram that never crossed the wire). By addresses alone,
/// a flow's unfragmented packets, first fragments and later fragments, IPv4 or IPv6, all get the same
/// value, as does every ICMP error about it; the price is balance by host pair, not by connection.
///
/// The packet data of a fanout program starts at the network header for a received frame (the kernel took
/// the Ethernet header and the outermost VLAN tag off), at the Ethernet header for one the sensor's own
/// host sends; the EtherType comes from the ancillary load of `skb->protocol`.
public enum FanoutProgram {
    /// One classic BPF instruction (`struct sock_filter`).
    public struct Instruction: Equatable, Sendable {
        public var code: UInt16
        public var jt: UInt8
        public var jf: UInt8
        public var k: UInt32
    }

    /// The program (at most a few hundred instructions; the kernel's limit is 4,096).
    public static let instructions: [Instruction] = build()

    // Opcodes (linux/filter.h, linux/bpf_common.h).
    static let ld: UInt16 = 0x00, ldx: UInt16 = 0x01, st: UInt16 = 0x02, alu: UInt16 = 0x04
    static let jmp: UInt16 = 0x05, ret: UInt16 = 0x06, misc: UInt16 = 0x07
    static let w: UInt16 = 0x00, h: UInt16 = 0x08, b: UInt16 = 0x10
    static let imm: UInt16 = 0x00, abs: UInt16 = 0x20, ind: UInt16 = 0x40, mem: UInt16 = 0x60
    static let add: UInt16 = 0x00, mul: UInt16 = 0x20, and: UInt16 = 0x50, lsh: UInt16 = 0x60
    static let rsh: UInt16 = 0x70, xor: UInt16 = 0xa0
    static let ja: UInt16 = 0x00, jeq: UInt16 = 0x10
    static let srcK: UInt16 = 0x00, srcX: UInt16 = 0x08, retA: UInt16 = 0x10
    static let tax: UInt16 = 0x00, txa: UInt16 = 0x80
    /// SKF_AD_OFF + SKF_AD_PROTOCOL: the frame's EtherType, in host order.
    static let protocolAncillary = UInt32(bitPattern: -0x1000)
    /// SKF_AD_OFF + SKF_AD_PKTTYPE (`PACKET_OUTGOING` is 4) and + SKF_AD_HATYPE (`ARPHRD_ETHER` is 1).
    static let packetTypeAncillary = UInt32(bitPattern: -0x1000 + 4)
    static let hardwareTypeAncillary = UInt32(bitPattern: -0x1000 + 28)

    // Scratch memory: the hash so far, the network header's offset, a temporary, and an ICMP error's own
    // destination address (one word for IPv4, four for IPv6) to compare with the quoted source.
    static let hash: UInt32 = 0, base: UInt32 = 1, temp: UInt32 = 2, errorTo: UInt32 = 3

    /// IPv6 extension headers looked through for an ICMPv6 error (the program cannot loop).
    static let extensionHeaders = 4

    /// A program with named jump targets, resolved when it is finished.
    struct Assembler {
        var code: [Instruction] = []
        /// (instruction index, label of jt, label of jf) for conditional jumps; jt only for `ja`.
        var jumps: [(Int, String, String?)] = []
        var labels: [String: Int] = [:]

        mutating func op(_ c: UInt16, _ k: UInt32 = 0) { code.append(Instruction(code: c, jt: 0, jf: 0, k: k)) }
        mutating func label(_ name: String) { labels[name] = code.count }
        /// if A == k goto yes else goto no (nil: the next instruction).
        mutating func jumpIf(_ k: UInt32, _ yes: String, else no: String? = nil) {
            jumps.append((code.count, yes, no))
            op(jmp | jeq | srcK, k)
        }
        /// if A == X goto yes else goto no (nil: the next instruction).
        mutating func jumpIfX(_ yes: String, else no: String? = nil) {
            jumps.append((code.count, yes, no))
            op(jmp | jeq | srcX)
        }
        /// A = the 16 bits at X + `at` (the next protocol), X and `base` moved on by `by` bytes.
        mutating func skip(etherTypeAt at: UInt32, by: UInt32) {
            op(ld | h | ind, at)
            op(st, temp)
            op(misc | txa)
            op(alu | add | srcK, by)
            op(st, base)
            op(misc | tax)
            op(ld | mem, temp)
        }
        mutating func goto(_ target: String) {
            jumps.append((code.count, target, nil))
            op(jmp | ja)
        }

        /// The instructions with every jump resolved; nil (a bug, caught by the tests) when a target is
        /// missing, behind the jump, or too far for a conditional jump's 8 bits.
        func finished() -> [Instruction]? {
            var out = code
            for (at, yes, no) in jumps {
                guard let y = labels[yes], y > at else { return nil }
                if out[at].code == jmp | ja {
                    out[at].k = UInt32(y - at - 1)
                    continue
                }
                let n = no.flatMap { labels[$0] } ?? at + 1
                guard n > at, y - at - 1 <= 255, n - at - 1 <= 255 else { return nil }
                out[at].jt = UInt8(y - at - 1)
                out[at].jf = UInt8(n - at - 1)
            }
            return out
        }
    }

    static func build() -> [Instruction] {
        var a = Assembler()
        // Every scratch slot is written before any read (the kernel's checker insists).
        a.op(ld | imm, 0)
        a.op(st, hash)
        a.op(st, base)
        a.op(st, temp)
        // A frame the sensor's host sends itself starts at its Ethernet header, not at the network header.
        a.op(ldx | imm, 0)
        a.op(ld | w | abs, packetTypeAncillary)
        a.jumpIf(4, "outgoing", else: "start")
        a.label("outgoing")
        a.op(ld | w | abs, hardwareTypeAncillary)
        a.jumpIf(1, "ethernet", else: "start")
        a.label("ethernet")
        a.op(ldx | imm, 14)
        a.label("start")
        a.op(misc | txa)
        a.op(st, base)
        a.op(ld | h | abs, protocolAncillary)
        // The EtherType: IP straight away, or behind one or two more VLAN tags (the kernel took the outermost
        // off), or a PPPoE session header.
        for tag in 0..<2 {
            a.jumpIf(0x0800, "ipv4")
            a.jumpIf(0x86dd, "ipv6")
            a.jumpIf(0x8864, "pppoe")
            a.jumpIf(0x8100, "vlan\(tag)")
            a.jumpIf(0x88a8, "vlan\(tag)")
            a.jumpIf(0x9100, "vlan\(tag)", else: "other")
            a.label("vlan\(tag)")
            // A tag still in the data: TCI, then the next EtherType; the network header 4 bytes on.
            a.skip(etherTypeAt: 2, by: 4)
        }
        a.jumpIf(0x0800, "ipv4")
        a.jumpIf(0x86dd, "ipv6")
        a.jumpIf(0x8864, "pppoe", else: "other")  // a fourth tag: not opened
        a.label("pppoe")
        // Version/type, code, session, length, then the PPP protocol: IPv4 0x0021, IPv6 0x0057.
        a.skip(etherTypeAt: 6, by: 8)
        a.jumpIf(0x0021, "ipv4")
        a.jumpIf(0x0057, "ipv6", else: "other")
        // Here rather than at the end, within a conditional jump's reach (255 instructions) of the above.
        a.label("other")
        a.op(ret | srcK, 0)

        // X: the IP header. `quoted`: the header an ICMP error carries (no ICMP inside it is opened).
        func ip(quoted: Bool) {
            let p = quoted ? "q" : ""
            a.label(p + "ipv4")
            a.op(misc | txa)
            a.op(st, base)
            if quoted {
                // Quoting a packet its receiver did not send: hashed as the error's own flow (`hash` still
                // holds its addresses).
                a.op(ld | w | ind, 12)
                a.op(ldx | mem, errorTo)
                a.jumpIfX("qipv4-ours", else: "finish")
                a.label("qipv4-ours")
                a.op(ldx | mem, base)
            }
            a.op(ld | w | ind, 12)  // source
            a.op(st, temp)
            a.op(ld | w | ind, 16)  // destination
            a.op(ldx | mem, temp)
            a.op(alu | xor | srcX)
            a.op(st, hash)  // a quoted header starts afresh: the error's own addresses do not count
            if quoted {
                a.goto("finish")
            } else {
                // An ICMP header only in a datagram's first fragment (or an unfragmented one).
                a.op(ldx | mem, base)
                a.op(ld | h | ind, 6)
                a.op(alu | and | srcK, 0x1fff)
                a.jumpIf(0, "ipv4-first", else: "finish")
                a.label("ipv4-first")
                a.op(ld | b | ind, 9)
                a.op(st, temp)
                // X: the ICMP header, after the header's own length.
                a.op(ld | b | ind, 0)
                a.op(alu | and | srcK, 0x0f)
                a.op(alu | lsh | srcK, 2)
                a.op(alu | add | srcX)
                a.op(misc | tax)
                a.op(ld | mem, temp)
                a.jumpIf(1, "icmp4", else: "finish")
            }

            a.label(p + "ipv6")
            a.op(misc | txa)
            a.op(st, base)
            if quoted {
                for word in 0..<4 {
                    a.op(ld | w | ind, UInt32(8 + 4 * word))
                    a.op(ldx | mem, errorTo + UInt32(word))
                    a.jumpIfX("qipv6-ours\(word)", else: "finish")
                    a.label("qipv6-ours\(word)")
                    a.op(ldx | mem, base)
                }
            }
            a.op(ld | w | ind, 8)
            for word in 1..<8 {
                a.op(st, temp)
                a.op(ld | w | ind, UInt32(8 + 4 * word))
                a.op(ldx | mem, temp)
                a.op(alu | xor | srcX)
                a.op(ldx | mem, base)
            }
            a.op(st, hash)
            if quoted {
                a.goto("finish")
            } else {
                // A: the next header, X: where it starts. ICMPv6 behind up to four extension headers, as the
                // decoder finds it: hop-by-hop, routing or destination options (8 bytes a unit after the
                // first 8), or a fragment header of a first fragment (a later one holds no ICMPv6 header).
                a.op(ld | b | ind, 6)
                a.op(st, temp)
                a.op(misc | txa)
                a.op(alu | add | srcK, 40)
                a.op(misc | tax)
                a.op(ld | mem, temp)
                for step in 0..<FanoutProgram.extensionHeaders {
                    let (options, fragment) = ("v6options\(step)", "v6fragment\(step)")
                    a.jumpIf(58, "icmp6")
                    a.jumpIf(44, fragment)
                    a.jumpIf(0, options)
                    a.jumpIf(43, options)
                    a.jumpIf(60, options, else: "finish")
                    a.label(fragment)
                    a.op(ld | h | ind, 2)
                    a.op(alu | and | srcK, 0xfff8)
                    a.jumpIf(0, fragment + "-first", else: "finish")
                    a.label(fragment + "-first")
                    a.op(ld | b | ind, 0)
                    a.op(st, temp)
                    a.op(misc | txa)
                    a.op(alu | add | srcK, 8)
                    a.op(misc | tax)
                    a.op(ld | mem, temp)
                    a.goto("v6next\(step)")
                    a.label(options)
                    a.op(ld | b | ind, 0)
                    a.op(st, temp)
                    a.op(ld | b | ind, 1)
                    a.op(alu | lsh | srcK, 3)
                    a.op(alu | add | srcK, 8)
                    a.op(alu | add | srcX)
                    a.op(misc | tax)
                    a.op(ld | mem, temp)
                    a.label("v6next\(step)")
                }
                a.jumpIf(58, "icmp6", else: "finish")
            }
        }

        ip(quoted: false)

        // X: the ICMP header. An error: the packet it quotes, 8 bytes on, once its own destination is kept in
        // `errorTo` (at 16 in an IPv4 header, 24 to 39 in an IPv6 one); anything else keeps its addresses.
        for (name, errors, quoted, destination) in [
            ("icmp4", [3, 4, 5, 11, 12], "qipv4", [16]),
            ("icmp6", [1, 2, 3, 4], "qipv6", [24, 28, 32, 36]),
        ] {
            a.label(name)
            a.op(ld | b | ind, 0)
            for t in errors.dropLast() { a.jumpIf(UInt32(t), name + "-error") }
            a.jumpIf(UInt32(errors.last ?? 0), name + "-error", else: "finish")
            a.label(name + "-error")
            a.op(misc | txa)
            a.op(st, temp)
            a.op(ldx | mem, base)
            for (word, at) in destination.enumerated() {
                a.op(ld | w | ind, UInt32(at))
                a.op(st, errorTo + UInt32(word))
            }
            a.op(ld | mem, temp)
            a.op(alu | add | srcK, 8)
            a.op(misc | tax)
            a.goto(quoted)
        }

        ip(quoted: true)

        // MurmurHash3's 32-bit finaliser: addresses of one site differ in a few middle bits, whose XOR alone
        // (or one multiply) can leave the low bits `% members` reads the same for every pair.
        a.label("finish")
        a.op(ld | mem, hash)
        for (shift, multiplier) in [(16, 0x85EB_CA6B), (13, 0xC2B2_AE35), (16, 0)] as [(UInt32, UInt32)] {
            a.op(st, temp)
            a.op(alu | rsh | srcK, shift)
            a.op(ldx | mem, temp)
            a.op(alu | xor | srcX)
            if multiplier != 0 { a.op(alu | mul | srcK, multiplier) }
        }
        a.op(ret | retA)
        return a.finished() ?? [Instruction(code: ret | srcK, jt: 0, jf: 0, k: 0)]
    }
}
