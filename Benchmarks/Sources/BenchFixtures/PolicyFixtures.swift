import ZonesepCore

/// A prefecture-sized policy: the benchmark town hall with its declarations topped up with exceptions
/// to `declarations`, in the shape of scripts/bench/make-policy.py (an Internet-connected or LGWAN
/// prefix towards a few external addresses in 198.18.0.0/15, on a few ports), and new flows to judge.
public enum PolicyFixture {
    public static let now: Int64 = 1_795_132_800_000_000

    static func v4(_ a: Int, _ b: Int, _ c: Int, _ d: Int) -> IPAddress {
        IPAddress(v4: UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d))
    }

    /// The benchmark policy with exceptions added until it holds `declarations` declarations.
    public static func config(declarations: Int, seed: UInt64 = 20_261_205) -> PolicyConfig {
        var config = BenchPolicy.config()
        var r = SplitMix64(seed: seed)
        let base = config.conduits.count + config.sanitisation.count + config.gateways.count
        let portChoices: [[PortSpec]] = [
            [.tcp(443...443)], [.tcp(443...443), .udp(3478...3481)], [.tcp(80...80), .tcp(443...443)],
            [.tcp(8443...8443)], [.udp(123...123)], [.any],
        ]
        for i in 0..<max(0, declarations - base) {
            let from: [IPPrefix]
            switch i % 5 {
            case 4: from = [IPPrefix(address: v4(10, 20, r.below(100), r.below(256)), length: 128)]
            case 1, 3: from = [IPPrefix(address: v4(10, 30, r.below(100), 0), length: 120)]
            default:
                from = [
                    IPPrefix(address: v4(10, 30, r.below(100), r.below(256)), length: 128),
                    IPPrefix(address: IPAddress(v6: 0xfd00_0030 << 96 | UInt128(r.below(10)) << 80), length: 64),
                ]
            }
            let to = (0...r.below(3)).map { _ -> IPPrefix in
                let (a, b) = (r.below(256), r.below(256))
                return r.below(4) != 0
                    ? IPPrefix(address: v4(198, 18 + (a & 1), b, r.below(256)), length: 128)
                    : IPPrefix(address: v4(198, 18, b, 0), length: 124)
            }
            config.exceptions.append(
                PolicyException(
                    name: "exception-\(i)", from: from, to: to, ports: portChoices[r.below(portChoices.count)],
                    approved: "CISO No.\(i)", expiresAtMicros: now + Int64(1 + r.below(300)) * 86_400_000_000,
                    expiresText: ""))
        }
        return config
    }

    /// `count` first packets of new flows that cross tiers, as the policy sees them: Internet-connected
    /// hosts to external addresses (half of them in the exceptions' block), LGWAN to Internet-connected and
    /// external hosts, Mynumber to the LGWAN beyond the town hall (the conduit), each with its zones.
    public static func flows(_ policy: Policy, count: Int, seed: UInt64 = 7) -> [FlowEnds] {
        var r = SplitMix64(seed: seed)
        return (0..<count).map { _ in
            let a: IPAddress
            let b: IPAddress
            var port = UInt16([443, 443, 80, 3478, 8443, 25, 3389, 445][r.below(8)])
            var proto = IPProtocolNumber.tcp
            switch r.below(10) {
            case 0..<5:
                a = v4(10, 30, r.below(100), r.below(256))
                b =
                    r.below(2) == 0
                    ? v4(198, 18 + r.below(2), r.below(256), r.below(256)) : v4(93, 184, 216, r.below(256))
            case 5, 6:
                a = v4(10, 20, r.below(100), r.below(256))
                b = v4(10, 30, r.below(100), r.below(256))
            case 7:
                a = v4(10, 20, r.below(100), r.below(256))
                b = v4(198, 18, r.below(256), r.below(256))
                proto = IPProtocolNumber.udp
                port = 123
            case 8:
                a = v4(10, 10, 1, 5)
                b = v4(172, 20, 9, 9)
            default:
                a = v4(10, 30, r.below(100), r.below(256))
                b = v4(203, 0, 113, 10 + r.below(2))
            }
            return FlowEnds(
                initiator: a, responder: b, initiatorZone: policy.zoneMap.lookup(a),
                responderZone: policy.zoneMap.lookup(b), proto: proto, port: port)
        }
    }

    /// The policy of `config(declarations:)` written out as zones.conf, as scripts/bench/make-policy.py
    /// writes it: what `zonesep` reads at start-up and on every reload.
    public static func zonesConf(declarations: Int) -> String {
        let config = config(declarations: declarations)
        func list(_ items: [String]) -> String { "[" + items.map { "\"\($0)\"" }.joined(separator: ", ") + "]" }
        var out = "[sensor]\nname = \"\(config.sensor)\"\n\n"
        for z in config.zones {
            out += "[zones.\(z.id)]\nkind = \"\(z.kind.rawValue)\"\nnetworks = [\n"
            out += z.networks.map { "    \"\($0)\",\n" }.joined() + "]\n\n"
        }
        for g in config.gateways {
            out += "[[gateways]]\nname = \"\(g.name)\"\naddresses = \(list(g.addresses.map(\.description)))\n\n"
        }
        for c in config.conduits {
            let mac = c.fromMAC.map { ", mac = \"\($0)\"" } ?? ""
            out +=
                "[[conduits]]\nname = \"\(c.name)\"\nfrom = { addresses = \(list(c.from.map(\.description)))\(mac) }\n"
            out +=
                "to = { addresses = \(list(c.to.map(\.description))) }\nports = \(list(c.ports.map(\.description)))\n\n"
        }
        for s in config.sanitisation {
            out += "[[sanitisation]]\nname = \"\(s.name)\"\nmethod = \"\(s.method.rawValue)\"\n"
            out += "from = \(list(s.from.map(\.description)))\nto = \(list(s.to.map(\.description)))\n"
            out += "ports = \(list(s.ports.map(\.description)))\n\n"
        }
        for (i, e) in config.exceptions.enumerated() {
            out += "[[exceptions]]\nname = \"\(e.name)\"\nfrom = \(list(e.from.map(\.description)))\n"
            out += "to = \(list(e.to.map(\.description)))\nports = \(list(e.ports.map(\.description)))\n"
            out +=
                "approved = \"\(e.approved)\"\nexpires = \(["2027-03-31", "2026-12-31", "2027-09-30T23:59:59+09:00"][i % 3])\n\n"
        }
        return out
    }
}
