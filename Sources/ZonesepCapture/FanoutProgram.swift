import ZonesepCore

/// The classic BPF program that shares a mirror port's frames among watch's workers (Linux
/// PACKET_FANOUT_CBPF): the kernel runs it on each frame and hands the frame to member `result % members`.
///
/// The kernel's own hash (PACKET_FANOUT_HASH) is by each packet's own header, so an ICMP error
/// (router → sender) and the flow it reports on (sender → receiver) could land on two workers and that
/// flow be judged, and alerted, twice; and a VXLAN or Geneve tunnel's outer UDP source port differs by
/// direction, so one inner connection could too. This program hashes by the host pair of the packet the
/// verifier judges, the innermost one:
///
///     link       up to three VLAN tags, a PPPoE session, an MPLS stack of up to four labels (bottom: IPv4
///                or IPv6 by the version nibble)
///     tunnels    up to three, nested in any order, each followed by the link layer again where it carries
///                a frame: GRE (checksum, key, sequence; IPv4, IPv6, MPLS, Ethernet), ERSPAN I, II, III
///                (with the platform subheader; Ethernet or IP), VXLAN and Geneve (with options; Ethernet,
///                IPv4, IPv6) on the configured ports, MPLS in UDP (6635), IP in IP (4, 41), MPLS in IP
///                (137), EtherIP (97), Ethernet (143, SRv6's layer 2); IPv4's Authentication Header, and IPv6's
///                among its extension headers
///     IPv4 / IPv6 (the innermost)
///       ICMP / ICMPv6 error    (unfragmented or a first fragment; ICMPv6 behind up to four extension
///                              headers) the quoted packet's two addresses: the flow it reports on; but an error
///                              not sent to the quoted packet's source is a flow of its own
///                              (DecodedPacket.travelsWithQuotedFlow): its own two addresses
///       anything else          its two addresses, combined by XOR (the same value for both directions)
///     a later IP fragment      its own two addresses (it holds no header of the next layer)
///     anything else            0: the first worker ("pinned": ARP, LLDP, and what the program cannot
///                              open: see docs/operations.md)
///
/// then mixes that value (MurmurHash3's finaliser), so `% members` sees every bit. The worker then joins
/// an error to the quoted flow only if it knows that flow; an error about a packet never seen is judged
/// there by its own addresses (the one way the program cannot match a replay: docs/operations.md).
///
/// By the innermost pair, not the tunnel's: one connection mirrored through two ERSPAN sessions, or whose
/// request and reply come through two switches' tunnels, or seen plain and labelled, is one flow to the
/// verifier and must be one worker's. A frame the program cannot open to its innermost pair goes to the
/// first worker, not by its outer pair: every copy of such a connection then still meets on one worker,
/// whichever tunnel brought it (only a copy the program can open goes elsewhere).
///
/// Never by ports or an echo identifier: a later IP fragment has neither, and the kernel must not put
/// fragments together for us (PACKET_FANOUT_FLAG_DEFRAG drops those that never make a whole datagram,
/// lost or overlapping ones, and hands over a datagram that never crossed the wire). By addresses alone,
/// a flow's unfragmented packets, first fragments and later fragments, IPv4 or IPv6, all get the same
/// value, as does every ICMP error about it; the price is balance by host pair, not by connection.
///
/// The packet data of a fanout program starts at the network header for a received frame (the kernel took
/// the Ethernet header and the outermost VLAN tag off), at the Ethernet header for one the sensor's own
/// host sends; the EtherType comes from the ancillary load of `skb->protocol`. A plain TCP packet runs no
/// more instructions than before tunnels were opened (FanoutProgramTunnelTests counts them).
public enum FanoutProgram {
    /// One classic BPF instruction (`struct sock_filter`).
    public struct Instruction: Equatable, Sendable {
        public var code: UInt16
        public var jt: UInt8
        public var jf: UInt8
        public var k: UInt32
    }

    /// The program for the standard tunnel ports (at most a few thousand instructions; the kernel's limit
    /// is 4,096).
    public static let standard: [Instruction] = instructions(for: .standard)

    /// The program for UDP tunnels on `ports` (`vxlan_ports`, `geneve_ports` of zones.conf).
    public static func instructions(for ports: TunnelPorts) -> [Instruction] {
        // Conditional jumps reach 255 instructions: those that turn out farther are assembled again as a
        // jump over an unconditional one, until every jump reaches.
        var far = Set<Int>()
        for _ in 0..<16 {
            var a = Assembler(far: far)
            emit(&a, ports)
            switch a.finished() {
            case .done(let code): return code
            case .tooFar(let sites): far.formUnion(sites)
            case .broken: return [Instruction(code: ret | srcK, jt: 0, jf: 0, k: 0)]
            }
        }
        return [Instruction(code: ret | srcK, jt: 0, jf: 0, k: 0)]
    }

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

    // Scratch memory: the hash so far, the network header's offset, a temporary, an ICMP error's own
    // destination address (one word for IPv4, four for IPv6) to compare with the quoted source, and where a
    // GRE or Geneve header's payload starts.
    static let hash: UInt32 = 0, base: UInt32 = 1, temp: UInt32 = 2, errorTo: UInt32 = 3, payload: UInt32 = 7

    /// IPv6 extension headers looked through (the program cannot loop).
    static let extensionHeaders = 4
    /// Tunnels opened inside one another (the verifier opens eight; mirrors nest two at most).
    static let tunnels = 3
    /// VLAN tags still in the data at each link layer (the kernel takes a received frame's outermost off).
    static let vlanTags = 2
    /// MPLS labels looked through to the bottom of the stack.
    static let mplsLabels = 4

    /// A program with named jump targets, resolved when it is finished.
    struct Assembler {
        /// The conditional jumps (numbered in the order they are written) whose targets are too far for
        /// their 8 bits: each is written as a conditional jump over unconditional ones.
        let far: Set<Int>
        var code: [Instruction] = []
        /// (instruction index, label of jt, label of jf, conditional jump's number) for conditional jumps;
        /// jt only and no number for `ja`.
        var jumps: [(Int, String, String?, Int?)] = []
        var labels: [String: Int] = [:]
        var conditionals = 0

        init(far: Set<Int>) { self.far = far }

        mutating func op(_ c: UInt16, _ k: UInt32 = 0) { code.append(Instruction(code: c, jt: 0, jf: 0, k: k)) }
        mutating func label(_ name: String) { labels[name] = code.count }
        /// X += `k`, through A (classic BPF adds to A only): past a header of `k` bytes.
        mutating func advanceX(by k: UInt32) {
            op(misc | txa)
            op(alu | add | srcK, k)
            op(misc | tax)
        }
        /// if A == k goto yes else goto no (nil: the next instruction).
        mutating func jumpIf(_ k: UInt32, _ yes: String, else no: String? = nil) {
            conditional(jmp | jeq | srcK, k, yes, no)
        }
        /// if A == X goto yes else goto no (nil: the next instruction).
        mutating func jumpIfX(_ yes: String, else no: String? = nil) {
            conditional(jmp | jeq | srcX, 0, yes, no)
        }
        mutating func conditional(_ c: UInt16, _ k: UInt32, _ yes: String, _ no: String?) {
            let number = conditionals
            conditionals += 1
            if far.contains(number) {
                // True: the next instruction, a jump to `yes`; false: past it (to a jump to `no`).
                code.append(Instruction(code: c, jt: 0, jf: 1, k: k))
                goto(yes)
                if let no { goto(no) }
                return
            }
            jumps.append((code.count, yes, no, number))
            op(c, k)
        }
        /// A = the 16 bits at X + `at` (the next protocol), X and `base` moved on by `by` bytes.
        mutating func skip(etherTypeAt at: UInt32, by: UInt32) {
            op(ld | h | ind, at)
            op(st, temp)
            move(by: by)
            op(ld | mem, temp)
        }
        /// X and `base` moved on by `by` bytes (A clobbered).
        mutating func move(by: UInt32) {
            advanceX(by: by)
            op(st, base)  // A still holds the new X
        }
        mutating func goto(_ target: String) {
            jumps.append((code.count, target, nil, nil))
            op(jmp | ja)
        }

        enum Outcome {
            case done([Instruction])
            /// These conditional jumps do not reach their targets.
            case tooFar(Set<Int>)
            /// A target missing or behind its jump (a bug, caught by the tests).
            case broken
        }

        /// The instructions with every jump resolved.
        func finished() -> Outcome {
            var out = code
            var tooFar = Set<Int>()
            for (at, yes, no, number) in jumps {
                guard let y = labels[yes], y > at else { return .broken }
                guard let number else {
                    out[at].k = UInt32(y - at - 1)
                    continue
                }
                guard let n = no.map({ labels[$0] }) ?? at + 1, n > at else { return .broken }
                guard y - at - 1 <= 255, n - at - 1 <= 255 else {
                    tooFar.insert(number)
                    continue
                }
                out[at].jt = UInt8(y - at - 1)
                out[at].jf = UInt8(n - at - 1)
            }
            return tooFar.isEmpty ? .done(out) : .tooFar(tooFar)
        }
    }

    static func emit(_ a: inout Assembler, _ ports: TunnelPorts) {
        // Every scratch slot is written before any read (the kernel's checker insists).
        a.op(ld | imm, 0)
        a.op(st, hash)
        a.op(st, base)
        a.op(st, temp)
        a.op(st, payload)
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
        for depth in 0...tunnels { layer(&a, depth, ports) }
        icmp(&a)
        quoted(&a)

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
        // What the program cannot open to its innermost packet, and what holds no IP: the first worker.
        a.label("pinned")
        a.op(ret | srcK, 0)
    }

    /// One link layer and the IP packet in it, `depth` tunnels in: on layer 0 A holds the frame's EtherType
    /// and X what follows it; a tunnel's payload enters the next layer at `ether` (an Ethernet frame),
    /// `mpls`, `version` (an IP header of either version), `ipv4` or `ipv6`, with X at it.
    static func layer(_ a: inout Assembler, _ depth: Int, _ ports: TunnelPorts) {
        func here(_ name: String) -> String { "\(name)@\(depth)" }
        func inner(_ name: String) -> String { depth < tunnels ? "\(name)@\(depth + 1)" : "pinned" }

        if depth > 0 {
            a.label(here("ether"))
            a.skip(etherTypeAt: 12, by: 14)
        }
        // The EtherType: IP straight away, or behind VLAN tags, a PPPoE session header or MPLS labels.
        for tag in 0...vlanTags {
            a.jumpIf(0x0800, here("ipv4"))
            a.jumpIf(0x86dd, here("ipv6"))
            a.jumpIf(0x8864, here("pppoe"))
            a.jumpIf(0x8847, here("mpls"))
            if tag == vlanTags {
                a.jumpIf(0x8848, here("mpls"), else: "pinned")  // one more tag: not opened
                break
            }
            a.jumpIf(0x8848, here("mpls"))
            a.jumpIf(0x8100, here("vlan\(tag)"))
            a.jumpIf(0x88a8, here("vlan\(tag)"))
            a.jumpIf(0x9100, here("vlan\(tag)"), else: "pinned")
            a.label(here("vlan\(tag)"))
            // A tag still in the data: TCI, then the next EtherType; the network header 4 bytes on.
            a.skip(etherTypeAt: 2, by: 4)
        }
        a.label(here("pppoe"))
        // Version/type, code, session, length, then the PPP protocol: IPv4 0x0021, IPv6 0x0057, MPLS 0x0281.
        a.skip(etherTypeAt: 6, by: 8)
        a.jumpIf(0x0021, here("ipv4"))
        a.jumpIf(0x0057, here("ipv6"))
        a.jumpIf(0x0281, here("mpls"), else: "pinned")

        // Label stack entries to the one with the bottom-of-stack bit; what it carries by its version nibble
        // (an Ethernet pseudowire, nibble 0, is pinned: whether a control word comes first is a guess).
        a.label(here("mpls"))
        for entry in 0..<mplsLabels {
            a.op(ld | b | ind, 2)
            a.op(alu | and | srcK, 1)
            a.op(st, temp)
            a.move(by: 4)
            a.op(ld | mem, temp)
            let next = entry + 1 < mplsLabels ? here("label\(entry + 1)") : "pinned"
            a.jumpIf(0, next, else: here("version"))
            if entry + 1 < mplsLabels { a.label(next) }
        }
        a.label(here("version"))
        a.op(ld | b | ind, 0)
        a.op(alu | rsh | srcK, 4)
        a.jumpIf(4, here("ipv4"))
        a.jumpIf(6, here("ipv6"), else: "pinned")

        // IPv6 first, so that IPv4 (X: its header) goes straight on into the protocols.
        a.label(here("ipv6"))
        a.op(misc | txa)
        a.op(st, base)
        a.op(ld | w | ind, 8)
        for word in 1..<8 {
            a.op(st, temp)
            a.op(ld | w | ind, UInt32(8 + 4 * word))
            a.op(ldx | mem, temp)
            a.op(alu | xor | srcX)
            a.op(ldx | mem, base)
        }
        a.op(st, hash)
        // A: the next header, X: where it starts. Up to four extension headers, as the decoder walks them:
        // hop-by-hop, routing, destination options, mobility, HIP or shim6 (8 bytes a unit after the first
        // 8), an authentication header (4 bytes a unit after the first 8), or a fragment header of a first
        // fragment (a later one holds no header of the next layer: by its own addresses).
        a.op(ld | b | ind, 6)
        a.op(st, temp)
        a.advanceX(by: 40)
        a.op(ld | mem, temp)
        a.jumpIf(6, "finish")  // TCP: nothing more to look into
        for step in 0..<extensionHeaders {
            let (options, fragment, ah) = (here("v6options\(step)"), here("v6fragment\(step)"), here("v6ah\(step)"))
            a.jumpIf(58, "icmp6")
            a.jumpIf(44, fragment)
            a.jumpIf(0, options)
            a.jumpIf(43, options)
            for header in [60, 135, 139, 140] as [UInt32] { a.jumpIf(header, options) }
            a.jumpIf(51, ah, else: here("protocol"))
            a.label(fragment)
            a.op(ld | h | ind, 2)
            a.op(alu | and | srcK, 0xfff8)
            a.jumpIf(0, fragment + "-first", else: "finish")
            a.label(fragment + "-first")
            a.op(ld | b | ind, 0)
            a.op(st, temp)
            a.advanceX(by: 8)
            a.op(ld | mem, temp)
            a.goto(here("v6next\(step)"))
            for (name, unit) in [(options, UInt32(3)), (ah, UInt32(2))] {
                a.label(name)
                a.op(ld | b | ind, 0)
                a.op(st, temp)
                a.op(ld | b | ind, 1)
                // Options: (length + 1) 8-byte units; an authentication header: (length + 2) 4-byte units.
                a.op(alu | add | srcK, unit == 3 ? 1 : 2)
                a.op(alu | lsh | srcK, unit)
                a.op(alu | add | srcX)
                a.op(misc | tax)
                a.op(ld | mem, temp)
                if name == options { a.goto(here("v6next\(step)")) }
            }
            a.label(here("v6next\(step)"))
        }
        a.jumpIf(58, "icmp6", else: here("protocol"))

        a.label(here("ipv4"))
        a.op(misc | txa)
        a.op(st, base)
        a.op(ld | w | ind, 12)  // source
        a.op(st, temp)
        a.op(ld | w | ind, 16)  // destination
        a.op(ldx | mem, temp)
        a.op(alu | xor | srcX)
        a.op(st, hash)
        // A later fragment holds no header of the next layer (a tunnel's either): by its own addresses.
        a.op(ldx | mem, base)
        a.op(ld | h | ind, 6)
        a.op(alu | and | srcK, 0x1fff)
        a.jumpIf(0, here("ipv4-first"), else: "finish")
        a.label(here("ipv4-first"))
        a.op(ld | b | ind, 9)
        a.jumpIf(6, "finish")  // TCP: nothing more to look into
        a.op(st, temp)
        // X: the payload, after the header's own length.
        a.op(ld | b | ind, 0)
        a.op(alu | and | srcK, 0x0f)
        a.op(alu | lsh | srcK, 2)
        a.op(alu | add | srcX)
        a.op(misc | tax)
        a.op(ld | mem, temp)
        a.jumpIf(17, here("udp"))
        // An authentication header signs what follows it (in tunnel mode, a whole IP packet).
        a.jumpIf(51, here("ipv4-ah"), else: here("ipv4-protocol"))
        a.label(here("ipv4-ah"))
        a.op(ld | b | ind, 0)
        a.op(st, temp)
        a.op(ld | b | ind, 1)
        a.op(alu | add | srcK, 2)
        a.op(alu | lsh | srcK, 2)
        a.op(alu | add | srcX)
        a.op(misc | tax)
        a.op(ld | mem, temp)
        a.label(here("ipv4-protocol"))
        a.jumpIf(1, "icmp4")

        // A: the IP protocol, X: its header. A tunnel's payload goes to the next layer; anything else is
        // judged by this packet's addresses.
        a.label(here("protocol"))
        a.jumpIf(17, here("udp"))
        a.jumpIf(47, here("gre"))
        a.jumpIf(4, inner("ipv4"))
        a.jumpIf(41, inner("ipv6"))
        a.jumpIf(137, inner("mpls"))
        a.jumpIf(143, inner("ether"))  // SRv6's Ethernet (RFC 8986): the frame straight after the header
        a.jumpIf(97, here("etherip"), else: "finish")
        a.label(here("etherip"))
        a.advanceX(by: 2)  // 2 bytes (the version), then the bridged frame
        a.goto(inner("ether"))

        // UDP: a tunnel by its destination port, as the verifier reads it (the configured VXLAN and Geneve
        // ports before MPLS in UDP's 6635).
        a.label(here("udp"))
        a.op(ld | h | ind, 2)
        for port in ports.vxlan { a.jumpIf(UInt32(port), here("vxlan")) }
        for port in ports.geneve { a.jumpIf(UInt32(port), here("geneve")) }
        a.jumpIf(6635, here("mpls-udp"), else: "finish")
        a.label(here("vxlan"))
        a.advanceX(by: 16)  // UDP and VXLAN headers, then the frame
        a.goto(inner("ether"))
        a.label(here("mpls-udp"))
        a.advanceX(by: 8)
        a.goto(inner("mpls"))
        a.label(here("geneve"))
        // UDP and Geneve headers and the options (4 bytes a unit), then the protocol type's payload.
        a.op(ld | b | ind, 8)
        a.op(alu | and | srcK, 0x3f)
        a.op(alu | lsh | srcK, 2)
        a.op(alu | add | srcK, 16)
        a.op(alu | add | srcX)
        a.op(st, payload)
        a.op(ld | h | ind, 10)
        a.op(ldx | mem, payload)
        a.jumpIf(0x6558, inner("ether"))
        a.jumpIf(0x0800, inner("ipv4"))
        a.jumpIf(0x86dd, inner("ipv6"), else: "pinned")

        // GRE, version 0 without routing (RFC 1701's source routes, PPTP's version 1: pinned): 4 bytes, and
        // 4 more for each of checksum, key and sequence number; the payload by protocol type.
        a.label(here("gre"))
        a.op(misc | txa)
        a.op(st, base)
        a.op(ld | h | ind, 0)
        a.op(alu | and | srcK, 0x4007)
        a.jumpIf(0, here("gre-plain"), else: "pinned")
        a.label(here("gre-plain"))
        a.op(ld | b | ind, 0)
        a.op(alu | rsh | srcK, 4)  // C R K S: 8 4 2 1, R clear
        a.op(st, temp)
        a.op(alu | and | srcK, 1)
        a.op(misc | tax)
        a.op(ld | mem, temp)
        a.op(alu | rsh | srcK, 1)
        a.op(alu | and | srcK, 1)
        a.op(alu | add | srcX)
        a.op(misc | tax)
        a.op(ld | mem, temp)
        a.op(alu | rsh | srcK, 3)
        a.op(alu | add | srcX)
        a.op(alu | lsh | srcK, 2)
        a.op(alu | add | srcK, 4)
        a.op(ldx | mem, base)
        a.op(alu | add | srcX)
        a.op(st, payload)
        a.op(ld | h | ind, 2)
        a.op(ldx | mem, payload)
        a.jumpIf(0x0800, inner("ipv4"))
        a.jumpIf(0x86dd, inner("ipv6"))
        a.jumpIf(0x8847, inner("mpls"))
        a.jumpIf(0x8848, inner("mpls"))
        a.jumpIf(0x6558, inner("ether"))
        a.jumpIf(0x88be, here("erspan"))
        a.jumpIf(0x22eb, here("erspan3"), else: "pinned")
        // ERSPAN type I (no sequence number): the frame right after GRE; type II: after 8 bytes of its own.
        a.label(here("erspan"))
        a.op(ldx | mem, base)
        a.op(ld | b | ind, 0)
        a.op(alu | and | srcK, 0x10)
        a.op(ldx | mem, payload)
        a.jumpIf(0, inner("ether"))
        a.advanceX(by: 8)
        a.goto(inner("ether"))
        // ERSPAN type III: 12 bytes, 8 more with the platform subheader (O); frame type 0 Ethernet, 2 IP.
        a.label(here("erspan3"))
        a.op(ld | h | ind, 10)
        a.op(alu | rsh | srcK, 10)
        a.op(alu | and | srcK, 0x1f)
        a.op(st, temp)
        a.op(ld | b | ind, 11)
        a.op(alu | and | srcK, 1)
        a.op(alu | lsh | srcK, 3)
        a.op(alu | add | srcK, 12)
        a.op(alu | add | srcX)
        a.op(misc | tax)
        a.op(ld | mem, temp)
        a.jumpIf(0, inner("ether"))
        a.jumpIf(2, inner("version"), else: "pinned")
    }

    /// X: the ICMP header, `base` the innermost IP header. An error: the packet it quotes, 8 bytes on, once
    /// its own destination is kept in `errorTo` (at 16 in an IPv4 header, 24 to 39 in an IPv6 one); anything
    /// else keeps its addresses.
    static func icmp(_ a: inout Assembler) {
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
    }

    /// X: the header an ICMP error quotes (no ICMP inside it is opened). Quoting a packet its receiver did
    /// not send: hashed as the error's own flow (`hash` still holds its addresses); else by the quoted
    /// packet's addresses, afresh.
    static func quoted(_ a: inout Assembler) {
        a.label("qipv4")
        a.op(misc | txa)
        a.op(st, base)
        a.op(ld | w | ind, 12)
        a.op(ldx | mem, errorTo)
        a.jumpIfX("qipv4-ours", else: "finish")
        a.label("qipv4-ours")
        a.op(ldx | mem, base)
        a.op(ld | w | ind, 12)  // source
        a.op(st, temp)
        a.op(ld | w | ind, 16)  // destination
        a.op(ldx | mem, temp)
        a.op(alu | xor | srcX)
        a.op(st, hash)
        a.goto("finish")

        a.label("qipv6")
        a.op(misc | txa)
        a.op(st, base)
        for word in 0..<4 {
            a.op(ld | w | ind, UInt32(8 + 4 * word))
            a.op(ldx | mem, errorTo + UInt32(word))
            a.jumpIfX("qipv6-ours\(word)", else: "finish")
            a.label("qipv6-ours\(word)")
            a.op(ldx | mem, base)
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
        a.goto("finish")
    }
}
