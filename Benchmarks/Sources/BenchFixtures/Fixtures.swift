import ZonesepCore

/// A small deterministic generator (SplitMix64): the same frames and addresses on every run and machine.
public struct SplitMix64 {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    public mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

/// Where a lookup benchmark's prefixes lie.
public enum PrefixLayout: String, CaseIterable, Sendable {
    /// IPv4 /24s anywhere in 11.0.0.0-203.255.255.0.
    case ipv4 = "IPv4"
    /// IPv6 /48s with 40 random bits under fd00::/8: no common block below the /8.
    case ipv6Scattered = "IPv6 scattered /48s"
    /// IPv6 /64s under one /32, as a town hall's subnets under its allocation.
    case ipv6Allocation = "IPv6 /64s under one /32"
    /// IPv4 /26s packed into 10.0.0.0/8 from its bottom, half of them in use, as a large private network
    /// numbers its subnets: prefixes crowded under few values of the top bits.
    case ipv4Private = "IPv4 /26s under 10/8"
}

/// A zone map of `count` distinct prefixes laid out as `layout` says (in four zones) and addresses to look
/// up: three in four inside some prefix, the rest anywhere.
public func lookupFixture(prefixes count: Int, layout: PrefixLayout) -> (ZoneMap, [IPAddress]) {
    let ipv6 = layout == .ipv6Scattered || layout == .ipv6Allocation
    let salt: UInt64 = [.ipv4: 1, .ipv6Scattered: 3, .ipv6Allocation: 5, .ipv4Private: 7][layout]!
    var r = SplitMix64(seed: UInt64(count) &* salt)
    var nets: [[IPPrefix]] = [[], [], [], []]
    var starts: [UInt128] = []
    var hostBits: [Int] = []
    var seen = Set<UInt128>()
    while starts.count < count {
        let base: UInt128
        let length: Int
        if layout == .ipv6Scattered {
            base = UInt128(0xfd00) << 112 | UInt128(r.next() & 0xff_ffff_ffff) << 80
            length = 48
        } else if layout == .ipv4Private {
            // Every other /26 of the first 2 * count: subnets numbered in order, some left free.
            let net = 0x0A00_0000 + UInt32(truncatingIfNeeded: r.next() % UInt64(2 * count)) << 6
            base = IPAddress(v4: net).rawValue
            length = 122
        } else if layout == .ipv6Allocation {
            base = UInt128(0x2001_0db8) << 96 | UInt128(r.next() & 0xffff_ffff) << 64
            length = 64
        } else {
            // A /24 anywhere in 11.0.0.0-203.255.255.0 (16 million of them: 10/8 alone holds only 65,536
            // /24s, too few for 100,000 distinct prefixes).
            let net = 0x0b00_0000 + UInt32(truncatingIfNeeded: r.next() % 0xc100_0000) & 0xffff_ff00
            base = IPAddress(v4: net).rawValue
            length = 120
        }
        guard seen.insert(base).inserted else { continue }
        starts.append(base)
        hostBits.append(min(64, 128 - length))
        nets[starts.count % 4].append(IPPrefix(address: IPAddress(rawValue: base), length: length))
    }
    let kinds: [ZoneKind] = [.mynumber, .lgwan, .lgwan, .internet]
    let zones = (0..<4).map { Zone(id: "z\($0)", kind: kinds[$0], networks: nets[$0]) }
    let map = ZoneMap(zones: zones, internal: PolicyConfig.defaultInternal)
    var addresses: [IPAddress] = []
    for i in 0..<(1 << 16) {
        if i % 4 == 3 {
            let any: UInt128 =
                ipv6
                ? UInt128(r.next()) << 64 | UInt128(r.next())
                : IPAddress(v4: UInt32(truncatingIfNeeded: r.next())).rawValue
            addresses.append(IPAddress(rawValue: any))
        } else {
            let p = r.below(starts.count)
            let host = UInt128(r.next() & (UInt64.max >> (64 - hostBits[p])))
            addresses.append(IPAddress(rawValue: starts[p] | host))
        }
    }
    return (map, addresses)
}

/// The benchmark town hall: the zone map of scripts/bench/make-imix.py (300 prefixes in four zones) with
/// its gateways, conduit and sanitisation paths.
public enum BenchPolicy {
    static func prefixes(_ texts: [String]) -> [IPPrefix] { texts.compactMap { IPPrefix($0) } }

    public static func config() -> PolicyConfig {
        let hex = { (i: Int) in String(i, radix: 16) }
        let mynumber = (0..<40).map { "10.10.\($0).0/24" } + (0..<10).map { "fd00:10:\(hex($0))::/48" }
        let lgwan = (0..<100).map { "10.20.\($0).0/24" } + (0..<20).map { "fd00:20:\(hex($0))::/48" }
        let lgwanWAN = (0..<20).map { "172.20.\(4 * $0).0/22" }
        let internet = (0..<100).map { "10.30.\($0).0/24" } + (0..<10).map { "fd00:30:\(hex($0))::/48" }
        return PolicyConfig(
            sensor: "bench",
            zones: [
                Zone(id: "mynumber", kind: .mynumber, networks: prefixes(mynumber)),
                Zone(id: "lgwan", kind: .lgwan, networks: prefixes(lgwan)),
                Zone(id: "lgwan-wan", kind: .lgwan, networks: prefixes(lgwanWAN)),
                Zone(id: "internet", kind: .internet, networks: prefixes(internet)),
            ],
            gateways: [
                Gateway(
                    name: "security-cloud", addresses: prefixes(["203.0.113.10", "203.0.113.11", "2001:db8:113::10"]))
            ],
            conduits: [
                Conduit(
                    name: "intermediate-server", from: prefixes(["10.10.1.5"]),
                    fromMAC: MACAddress(rawValue: 0x0200_0a0a_0105), to: prefixes(["172.20.9.9"]),
                    ports: [.tcp(443...443)])
            ],
            sanitisation: [
                SanitisationPath(
                    name: "mail-text-relay", method: .mailText, from: prefixes(["10.30.5.10"]),
                    to: prefixes(["10.20.5.10"]), ports: [.tcp(25...25)]),
                SanitisationPath(
                    name: "virtual-browser", method: .screenTransfer, from: prefixes(["10.20.0.0/16", "fd00:20::/32"]),
                    to: prefixes(["10.30.6.0/28"]), ports: SanitisationMethod.screenTransfer.defaultPorts),
            ])
    }
}

/// Frames of a town hall's traffic, laid out back to back in one buffer as a capture file would hold them.
public struct FrameSet {
    public var storage: [UInt8] = []
    public var offsets: [Int] = []
    public var lengths: [Int] = []
    public var count: Int { offsets.count }

    /// Calls `body` with each frame's bytes and wire length, in order.
    @inlinable
    public func withFrames(_ body: (UnsafeRawBufferPointer, Int) -> Void) {
        storage.withUnsafeBytes { all in
            for i in 0..<offsets.count {
                body(UnsafeRawBufferPointer(rebasing: all[offsets[i]..<(offsets[i] + lengths[i])]), lengths[i])
            }
        }
    }

    /// One flow's endpoints: (initiator, responder, protocol, responder port).
    typealias Endpoints = (a: [UInt8], b: [UInt8], proto: UInt8, port: UInt16)

    static func v4(_ a: Int, _ b: Int, _ c: Int, _ d: Int) -> [UInt8] { [UInt8(a), UInt8(b), UInt8(c), UInt8(d)] }
    static func v6(_ groups: [Int]) -> [UInt8] { groups.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xff)] } }

    /// The mix of make-imix.py: mostly allowed flows inside tiers and through the gateways, ~3 % violating.
    static func endpoints(_ r: inout SplitMix64) -> Endpoints {
        let x = r.below(1000)
        switch x {
        case ..<8: return (v4(10, 20, r.below(100), 1 + r.below(249)), v4(10, 30, 7, 8), 6, 445)
        case ..<16: return (v4(10, 30, r.below(100), 1 + r.below(249)), v4(93, 184, 216, 34), 6, 443)
        case ..<23: return (v4(10, 10, r.below(40), 1 + r.below(249)), v4(10, 20, 5, 10), 6, 445)
        case ..<30: return (v4(10, 99, r.below(256), 1 + r.below(249)), v4(10, 20, 1, 10), 17, 53)
        case ..<100:
            return (
                v6([0xfd00, 0x20, r.below(20), 0, 0, 0, 0, 1 + r.below(0xfffe)]),
                v6([0xfd00, 0x20, 1, 0, 0, 0, 0, 0x10]), 6, 445
            )
        case ..<450:
            let dst = r.below(10) < 7 ? v4(10, 20, 1, 10 + r.below(10)) : v4(172, 20, r.below(80), 9)
            return (v4(10, 20, r.below(100), 1 + r.below(249)), dst, 6, [443, 445, 25, 389][r.below(4)])
        case ..<550: return (v4(10, 20, r.below(100), 1 + r.below(249)), v4(10, 30, 6, 1 + r.below(14)), 6, 3389)
        case ..<800:
            let src = v4(10, 30, r.below(100), 1 + r.below(249))
            return r.below(5) == 0 ? (src, v4(203, 0, 113, 11), 17, 53) : (src, v4(203, 0, 113, 10), 6, 8080)
        default: return (v4(10, 10, r.below(40), 1 + r.below(249)), v4(10, 10, 1, 1 + r.below(9)), 6, 443)
        }
    }

    /// An Ethernet frame of `size` bytes (at least its headers) from `src`:`sport` to `dst`:`dport`.
    static func frame(
        src: [UInt8], dst: [UInt8], sport: UInt16, dport: UInt16, proto: UInt8, flags: UInt8, size: Int
    ) -> [UInt8] {
        let six = src.count == 16
        let l4 = proto == 6 ? 20 : 8
        let ipHeader = six ? 40 : 20
        let total = max(size, 14 + ipHeader + l4)
        var f: [UInt8] = [2, 0] + dst.suffix(4) + [2, 0] + src.suffix(4) + (six ? [0x86, 0xdd] : [0x08, 0x00])
        let ipLength = total - 14
        if six {
            let payload = ipLength - 40
            f += [0x60, 0, 0, 0, UInt8(payload >> 8), UInt8(payload & 0xff), proto, 64] + src + dst
        } else {
            f += [0x45, 0, UInt8(ipLength >> 8), UInt8(ipLength & 0xff), 0, 0, 0x40, 0, 64, proto, 0, 0] + src + dst
        }
        f += [UInt8(sport >> 8), UInt8(sport & 0xff), UInt8(dport >> 8), UInt8(dport & 0xff)]
        if proto == 6 {
            f += [0, 0, 0x03, 0xe8, 0, 0, 0x07, 0xd0, 0x50, flags, 0xff, 0xff, 0, 0, 0, 0]
        } else {
            let udpLength = ipLength - ipHeader
            f += [UInt8(udpLength >> 8), UInt8(udpLength & 0xff), 0, 0]
        }
        return f + [UInt8](repeating: 0, count: total - f.count)
    }

    /// `packets` frames of `flows` flows, interleaved at random; IMIX sizes 60/590/1514 (7:4:1). Each TCP flow
    /// opens with SYN and SYN-ACK.
    public static func imix(flows: Int, packets: Int, seed: UInt64 = 20_261_120) -> FrameSet {
        var r = SplitMix64(seed: seed)
        let ends = (0..<flows).map { _ in endpoints(&r) }
        let sports = (0..<flows).map { UInt16(49152 + ($0 * 7 + r.below(7)) % 16000) }
        var sent = [Int](repeating: 0, count: flows)
        var set = FrameSet()
        for i in 0..<packets {
            // Every flow gets its first packets early, then packets fall on flows at random.
            let f = i < flows ? i : r.below(flows)
            let (a, b, proto, port) = ends[f]
            let n = sent[f]
            sent[f] += 1
            var fromA = n == 0 || r.below(2) == 0
            var flags: UInt8 = 0x10
            var size = [60, 60, 60, 60, 60, 60, 60, 590, 590, 590, 590, 1514][r.below(12)]
            if proto == 6 && n == 0 {
                (flags, size) = (0x02, 60)
            } else if proto == 6 && n == 1 {
                (flags, size, fromA) = (0x12, 60, false)
            }
            let frame =
                fromA
                ? Self.frame(src: a, dst: b, sport: sports[f], dport: port, proto: proto, flags: flags, size: size)
                : Self.frame(src: b, dst: a, sport: port, dport: sports[f], proto: proto, flags: flags, size: size)
            set.offsets.append(set.storage.count)
            set.lengths.append(frame.count)
            set.storage += frame
        }
        return set
    }

    /// SYNs from random sources to one server: every packet starts a new flow.
    public static func synFlood(packets: Int, seed: UInt64 = 7) -> FrameSet {
        var r = SplitMix64(seed: seed)
        var set = FrameSet()
        for _ in 0..<packets {
            let src = v4(r.below(256), r.below(256), r.below(256), r.below(256))  // spoofed, anywhere
            let frame = Self.frame(
                src: src, dst: v4(10, 20, 1, 10), sport: UInt16(1024 + r.below(60000)), dport: 443, proto: 6,
                flags: 0x02, size: 60)
            set.offsets.append(set.storage.count)
            set.lengths.append(frame.count)
            set.storage += frame
        }
        return set
    }
}

/// A verifier fed from a frame set, with packet time advancing 3 µs a packet (no flow goes idle).
public final class CoreRun: @unchecked Sendable {
    public let frames: FrameSet
    public let verifier: Verifier
    public var now: Int64 = 1_795_132_800_000_000
    public var alerts = 0
    /// One batch of frames, allocated once: an array made per `run` was an allocation in every measured
    /// iteration.
    private let batch: UnsafeMutableBufferPointer<Verifier.Frame>

    /// `sink`: what listens to the engine (nil: nothing, the engine's own work alone).
    public init(frames: FrameSet, flowCapacity: Int = 1 << 20, sink: EventSink? = nil) {
        self.frames = frames
        verifier = Verifier(policy: Policy(BenchPolicy.config()), flowCapacity: flowCapacity, sink: sink)
        batch = .allocate(capacity: Verifier.batchSize)
    }

    deinit { batch.deallocate() }

    /// Feeds `count` packets, cycling through the frames, in batches as `zonesep replay` does with a
    /// capture file (`Verifier.process(batch:)`).
    public func run(_ count: Int) {
        var left = count
        frames.storage.withUnsafeBytes { all in
            while left > 0 {
                let n = min(left, frames.count)
                var i = 0
                while i < n {
                    let end = min(i + Verifier.batchSize, n)
                    for j in i..<end {
                        now &+= 3
                        let bytes = UnsafeRawBufferPointer(
                            rebasing: all[frames.offsets[j]..<(frames.offsets[j] + frames.lengths[j])])
                        batch[j - i] = Verifier.Frame(timestamp: now, bytes: bytes, wireLength: frames.lengths[j])
                    }
                    verifier.process(batch: UnsafeBufferPointer(rebasing: batch[0..<(end - i)]), linkType: .ethernet) {
                        _, _ in alerts &+= 1
                    }
                    i = end
                }
                left -= n
            }
        }
    }
}

/// A sink that asks for what a sensor's outputs ask for — alerts, the packets of alerted flows (evidence),
/// the ends of violating flows (the summary) — and reads every event, as a cheap sink would: what it
/// measures is the engine's side of the interface (making the events, handing over the batches).
public final class CountingSink: EventSink {
    public let interests: EventInterests = [.violationStarts, .flaggedPackets, .violationEnds]
    public private(set) var events = 0
    public private(set) var bytes = 0

    public init() {}

    public func consume(_ batch: EventBatch) {
        for e in batch.events {
            events &+= 1
            if let f = batch.frame(of: e) { bytes &+= f.wireLength }
        }
    }
}
