import ZonesepCore
import ZonesepCrypto
import ZonesepOutput

/// A small town hall and a short run through the real verifier, for the report tests: frames are built
/// byte by byte, fed to `Verifier` as a replay would, and the summary is assembled as the session does.
enum ReportFixture {
    static func p(_ s: String...) -> [IPPrefix] { s.compactMap { IPPrefix($0) } }

    /// 2026-06-15T08:30:00 JST.
    static let t0: Int64 = 1_781_479_800_000_000

    /// `label` and `sensor` let a test put hostile text into every place zones.conf feeds the report.
    static func policy(label: String = "LGWAN接続系", sensor: String = "test-span") -> Policy {
        var config =
            PolicyConfig(
                sensor: sensor,
                zones: [
                    Zone(id: "mynumber", kind: .mynumber, label: "マイナンバー利用事務系", networks: p("10.10.0.0/16")),
                    Zone(id: "lgwan", kind: .lgwan, label: label, networks: p("10.20.0.0/16")),
                    Zone(id: "internet", kind: .internet, label: "インターネット接続系", networks: p("10.30.0.0/16")),
                ],
                gateways: [Gateway(name: "security-cloud", addresses: p("203.0.113.10"))],
                conduits: [
                    Conduit(
                        name: "intermediate-server", from: p("10.10.1.5"), fromMAC: MACAddress("02:00:0a:0a:01:05"),
                        to: p("172.20.9.9"), ports: [.tcp(443...443)])
                ],
                sanitisation: [
                    SanitisationPath(
                        name: "mail-text-relay", method: .mailText, from: p("10.30.5.10"), to: p("10.20.5.10"),
                        ports: [.tcp(25...25)])
                ],
                exceptions: [
                    PolicyException(
                        name: "web-conference", from: p("10.30.0.0/16"), to: p("198.51.100.0/24"),
                        ports: [.tcp(443...443)],
                        approved: "CISO承認 第12号", expiresAtMicros: t0 + 86_400_000_000, expiresText: "2026-06-16"),
                    PolicyException(
                        name: "etax-direct", from: p("10.30.8.0/24"), to: p("192.0.2.80"), ports: [.tcp(443...443)],
                        approved: "CISO承認 第3号", expiresAtMicros: t0 - 3_600_000_000, expiresText: "2026-06-14"),
                ])
        // As if read from the file `provenance` names: a saved run's report is then checked against it.
        config.sourceSHA256 = provenance.configSHA256
        return Policy(config)
    }

    // MARK: Frames

    static func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xff)] }

    static func v4(_ s: String) -> [UInt8] {
        let a = IPAddress(s)?.v4 ?? 0
        return [UInt8(a >> 24), UInt8(a >> 16 & 0xff), UInt8(a >> 8 & 0xff), UInt8(a & 0xff)]
    }

    /// Each address has a MAC of its own (02:00 and the IPv4 address), as a host would: one MAC for every
    /// address would be a device in every tier, a host finding.
    static func frame(_ src: String, _ dst: String, proto: UInt8, _ l4: [UInt8]) -> [UInt8] {
        let mac: [UInt8] = [2, 0] + v4(dst) + [2, 0] + v4(src)
        let ip = [0x45, 0] + be16(UInt16(20 + l4.count)) + [0, 1, 0, 0, 64, proto, 0, 0] + v4(src) + v4(dst)
        return mac + be16(0x0800) + ip + l4
    }

    static func tcp(_ src: String, _ sport: UInt16, _ dst: String, _ dport: UInt16, flags: UInt8) -> [UInt8] {
        frame(
            src, dst, proto: 6,
            be16(sport) + be16(dport) + [0, 0, 0, 1, 0, 0, 0, 0, 0x50, flags, 0xff, 0xff, 0, 0, 0, 0])
    }

    static func udp(_ src: String, _ sport: UInt16, _ dst: String, _ dport: UInt16) -> [UInt8] {
        frame(src, dst, proto: 17, be16(sport) + be16(dport) + be16(12) + [0, 0, 1, 2, 3, 4])
    }

    static let syn: UInt8 = 0x02
    static let synAck: UInt8 = 0x12
    static let ack: UInt8 = 0x10

    /// The frames of the run, seconds after `t0`: five violating flows (two from one host) and one allowed.
    static func frames() -> [(Int64, [UInt8])] {
        [
            (0, tcp("10.20.3.4", 51512, "10.30.7.8", 445, flags: syn)),  // sanitisation-bypass
            (1, tcp("10.30.7.8", 445, "10.20.3.4", 51512, flags: synAck)),
            (2, tcp("10.20.3.4", 51512, "10.30.7.8", 445, flags: ack)),
            (60, udp("10.10.2.21", 50514, "10.30.1.5", 514)),  // mynumber-isolation
            (120, tcp("10.30.8.15", 50080, "203.0.113.200", 80, flags: syn)),  // security-cloud-bypass
            (180, tcp("10.30.8.15", 50481, "192.0.2.80", 443, flags: syn)),  // expired exception: bypass
            (240, udp("192.168.11.2", 49500, "10.20.1.53", 53)),  // unzoned-host
            (300, tcp("10.20.3.4", 50480, "10.20.9.9", 443, flags: syn)),  // same zone: allowed
            (1800, tcp("10.20.3.4", 51513, "10.30.7.8", 139, flags: syn)),  // sanitisation-bypass again
        ]
    }

    /// Replays `frames` through a verifier and builds the summary the way `Session` does.
    static func summary(policy: Policy, frames: [(Int64, [UInt8])] = frames()) -> ReplaySummary {
        let collector = ViolationCollector()
        let verifier = Verifier(policy: policy, flowCapacity: 1024, sink: collector)
        var file = ReplaySummary.FileResult(path: "captures/test <1>.pcap")
        file.linkType = "EN10MB"
        for (seconds, bytes) in frames {
            let t = t0 + seconds * 1_000_000
            _ = bytes.withUnsafeBytes {
                verifier.process(timestamp: t, bytes: $0, wireLength: bytes.count, linkType: .ethernet)
            }
            file.packets += 1
            if file.firstPacketMicros == nil { file.firstPacketMicros = t }
            file.lastPacketMicros = t
        }
        verifier.finish()
        return ReplaySummary(
            policy: policy, counters: verifier.counters, matrix: verifier.matrix, files: [file],
            flowsActive: verifier.activeFlows, flowsEvicted: verifier.flows.evictions,
            flowCapacity: verifier.flows.capacity,
            violations: collector.inStartOrder)
    }

    static let provenance = AuditReport.Provenance(
        zonesepVersion: "0.1.0-test", libpcapVersion: "libpcap version 1.10.3", configPath: "zones.conf",
        configSHA256: SHA256.hex(SHA256.digest(Array("zones".utf8))))

    static func report(policy: Policy = policy()) -> AuditReport {
        AuditReport(summary: summary(policy: policy), provenance: provenance)
    }
}
