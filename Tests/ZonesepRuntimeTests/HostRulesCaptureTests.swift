import Foundation
import XCTest
import ZonesepCapture
import ZonesepConfig
import ZonesepCore

@testable import ZonesepRuntime

/// The host rules end to end in the engine: the captures of scripts/make-host-captures.py, read from disk
/// with the capture reader, through a session with the zones.conf the script writes beside them. The
/// findings expected of each capture are written here by hand.
final class HostRulesCaptureTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let t0: Int64 = 1_781_485_200_000_000  // 2026-06-15 10:00 JST, the script's first frame

    /// A finding as the tests compare it.
    struct Seen: Equatable, CustomStringConvertible {
        var rule: String
        var severity: String
        var mac: String
        var address: String
        var vlan: [UInt16]
        /// Each address as "ip zone vlan evidence".
        var addresses: [String]
        /// Frame (1-based, in the file) whose time the finding carries.
        var frame: Int

        var description: String { "\(rule) \(severity) \(mac) \(address) \(vlan) \(addresses) @\(frame)" }

        init(
            _ rule: String, _ severity: String, _ mac: String, _ address: String, vlan: [UInt16], _ addresses: [String],
            frame: Int
        ) {
            self.rule = rule
            self.severity = severity
            self.mac = mac
            self.address = address
            self.vlan = vlan
            self.addresses = addresses
            self.frame = frame
        }

        /// `times`: the capture's frame times, for captures whose frames are not all 1 ms apart (a `Pause`).
        init(_ f: HostFinding, policy: Policy, times: [Int64] = []) {
            func zone(_ z: ZoneRef) -> String {
                z.isZone ? policy.config.zones[z.zoneIndex].id : z == .external ? "external" : "other"
            }
            rule = f.rule.name
            severity = f.severity.rawValue
            mac = f.mac.description
            address = f.address.ip.description
            vlan = f.address.vlans
            addresses = f.addresses.map {
                "\($0.ip) \(zone($0.zone)) \($0.vlans) \($0.evidence.name)"
            }
            frame =
                times.firstIndex(of: f.timestampMicros).map { $0 + 1 }
                ?? Int((f.timestampMicros - HostRulesCaptureTests.t0) / 1000) + 1
        }
    }

    static let expected: [String: [Seen]] = [
        "host-dual-homed.pcap": [
            Seen(
                "dual-homed-host", "high", "02:00:00:20:03:04", "10.30.3.4", vlan: [130],
                ["10.20.3.4 lgwan [120] ip", "10.30.3.4 internet [130] ip"], frame: 3)
        ],
        "host-mynumber-bridge.pcap": [
            Seen(
                "dual-homed-host", "critical", "02:00:00:10:00:99", "10.20.2.9", vlan: [120],
                ["10.10.2.9 mynumber [110] ip", "10.20.2.9 lgwan [120] ip"], frame: 2)
        ],
        "host-router.pcap": [],
        "host-arp.pcap": [
            Seen(
                "dual-homed-host", "high", "02:00:00:77:00:01", "10.30.7.1", vlan: [130],
                ["10.20.7.1 lgwan [120] arp", "10.30.7.1 internet [130] arp"], frame: 2)
        ],
        "host-nd.pcap": [
            Seen(
                "dual-homed-host", "high", "02:00:00:66:00:01", "fd00:30::66", vlan: [130],
                ["fd00:20::66 lgwan [120] nd", "fd00:30::66 internet [130] nd"], frame: 2)
        ],
        "host-wrong-vlan.pcap": [
            Seen(
                "zone-vlan-mismatch", "high", "02:00:00:20:08:08", "10.20.8.8", vlan: [130],
                ["10.20.8.8 lgwan [130] ip"], frame: 1)
        ],
        "host-untagged.pcap": [],
        // Untagged and VLAN 0 frames are not held to `vlans`; each MAC stays in one zone.
        "host-native-vlan.pcap": [],
        "host-tunnel-vlan.pcap": [
            Seen(
                "zone-vlan-mismatch", "high", "02:00:00:20:08:09", "10.20.8.9", vlan: [130],
                ["10.20.8.9 lgwan [130] ip"], frame: 1)
        ],
        // The ARP first or the IP packet first: one finding (its evidence is what showed the address first).
        "host-arp-then-ip.pcap": [
            Seen(
                "zone-vlan-mismatch", "high", "02:00:00:10:02:02", "10.10.2.2", vlan: [120],
                ["10.10.2.2 mynumber [120] arp"], frame: 2)
        ],
        "host-ip-then-arp.pcap": [
            Seen(
                "zone-vlan-mismatch", "high", "02:00:00:10:02:02", "10.10.2.2", vlan: [120],
                ["10.10.2.2 mynumber [120] ip"], frame: 1)
        ],
        "host-na-then-ip.pcap": [
            Seen(
                "zone-vlan-mismatch", "high", "02:00:00:10:02:06", "fd00:10::2:6", vlan: [120],
                ["fd00:10::2:6 mynumber [120] nd"], frame: 2)
        ],
        // Frame 6 is a straggler of the closed connection (it joins no flow): its sender is seen all the same.
        "host-straggler.pcap": [
            Seen(
                "dual-homed-host", "high", "02:00:00:20:01:77", "10.30.7.7", vlan: [130],
                ["10.20.1.7 lgwan [120] ip", "10.30.7.7 internet [130] ip"], frame: 7)
        ],
        // A PC dialling its own PPPoE session: the PPPoE frame's Ethernet source is its own MAC, and the
        // address over PPPoE has no VLAN of the flow's (those before the PPPoE header are not its own).
        "host-pppoe-dialout.pcap": [
            Seen(
                "dual-homed-host", "high", "02:00:00:00:0a:01", "198.51.100.77", vlan: [],
                ["10.20.1.5 lgwan [120] ip", "198.51.100.77 external [] ip"], frame: 2)
        ],
        "host-pppoe-dialout-mynumber.pcap": [
            Seen(
                "dual-homed-host", "critical", "02:00:00:00:0a:01", "198.51.100.77", vlan: [],
                ["10.10.1.5 mynumber [110] ip", "198.51.100.77 external [] ip"], frame: 2)
        ],
    ]

    static func captures() throws -> URL {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("zonesep-hosts-\(UUID().uuidString)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [root.appendingPathComponent("scripts/make-host-captures.py").path, "--out", out.path]
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "make-host-captures.py")
        return out
    }

    static func policy(_ dir: URL, edit: (inout PolicyConfig) -> Void = { _ in }) throws -> Policy {
        let result = ZonesConfigLoader.load(path: dir.appendingPathComponent("zones-hosts.conf").path)
        var config = try XCTUnwrap(result.config, "\(result.diagnostics)")
        edit(&config)
        return Policy(config)
    }

    static func frames(_ file: URL) throws -> [(time: Int64, bytes: [UInt8])] {
        let reader = try CaptureFileReader(path: file.path, mode: .libpcap)
        XCTAssertEqual(reader.linkType, .ethernet)
        var out: [(Int64, [UInt8])] = []
        while case .frame(let f) = reader.next() { out.append((f.timestampMicros, Array(f.bytes))) }
        return out
    }

    final class FindingSink: EventSink {
        let interests: EventInterests = [.hostFindings]
        var findings: [HostFinding] = []
        var frames: [Int32] = []
        func consume(_ batch: EventBatch) {
            for e in batch.events where e.kind == .hostFinding {
                guard let f = batch.hostFinding(of: e) else { continue }
                findings.append(f)
                frames.append(e.frame)
            }
        }
    }

    /// Feeds `frames` to `sessions` sessions sharing one host table, frame i to session `spread(i)`, in
    /// batches; returns every finding in the order raised, and the sessions.
    static func run(
        _ frames: [(time: Int64, bytes: [UInt8])], policy: Policy, sessions count: Int = 1,
        spread: (Int) -> Int = { _ in 0 }
    ) -> (findings: [HostFinding], sessions: [Session], sink: FindingSink) {
        let sink = FindingSink()
        let table = HostTable()
        let sessions = (0..<count).map { _ in
            Session(policy: policy, maxFlows: 1024, sinks: [sink], hostTable: count > 1 ? table : nil)
        }
        for (i, f) in frames.enumerated() {
            f.bytes.withUnsafeBytes { raw in
                let frame = Verifier.Frame(timestamp: f.time, bytes: raw, wireLength: raw.count)
                withUnsafePointer(to: frame) {
                    sessions[spread(i) % count].process(
                        frames: UnsafeBufferPointer(start: $0, count: 1), linkType: .ethernet)
                }
            }
        }
        return (sink.findings, sessions, sink)
    }

    func testEachCaptureGivesItsFindings() throws {
        let dir = try Self.captures()
        defer { try? FileManager.default.removeItem(at: dir) }
        let policy = try Self.policy(dir)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".pcap") }
        XCTAssertEqual(Set(files), Set(Self.expected.keys))
        for name in files.sorted() {
            let frames = try Self.frames(dir.appendingPathComponent(name))
            let (findings, sessions, sink) = Self.run(frames, policy: policy)
            XCTAssertEqual(
                findings.map { Seen($0, policy: policy, times: frames.map(\.time)) }, Self.expected[name], name)
            // The event points at the frame that completed the finding (a batch of one: frame 0).
            XCTAssertEqual(sink.frames, findings.map { _ in 0 }, name)
            let summary = sessions[0].finish(files: [])
            XCTAssertEqual(summary.counters.hostFindings, UInt64(Self.expected[name]?.count ?? 0), name)
            XCTAssertEqual(summary.counters.hostMACsEvicted, 0)
        }
    }

    /// The whole capture in one batch gives what frames one at a time give, and the event names the frame.
    func testBatchOfAllFrames() throws {
        let dir = try Self.captures()
        defer { try? FileManager.default.removeItem(at: dir) }
        let policy = try Self.policy(dir)
        for name in [
            "host-dual-homed.pcap", "host-arp-then-ip.pcap", "host-ip-then-arp.pcap", "host-na-then-ip.pcap",
            "host-straggler.pcap",
        ] {
            let frames = try Self.frames(dir.appendingPathComponent(name))
            let sink = FindingSink()
            let session = Session(policy: policy, maxFlows: 1024, sinks: [sink])
            let copies = frames.map { f -> UnsafeMutableRawBufferPointer in
                let m = UnsafeMutableRawBufferPointer.allocate(byteCount: f.bytes.count, alignment: 16)
                m.copyBytes(from: f.bytes)
                return m
            }
            defer { copies.forEach { $0.deallocate() } }
            let batch = zip(frames, copies).map {
                Verifier.Frame(timestamp: $0.0.time, bytes: UnsafeRawBufferPointer($0.1), wireLength: $0.1.count)
            }
            batch.withUnsafeBufferPointer { session.process(frames: $0, linkType: .ethernet) }
            let expected = try XCTUnwrap(Self.expected[name])
            XCTAssertEqual(
                sink.findings.map { Seen($0, policy: policy, times: frames.map(\.time)) }, expected, name)
            XCTAssertEqual(sink.frames, expected.map { Int32($0.frame - 1) }, name)
        }
    }

    /// Whether a host's ARP (or neighbour advertisement) comes before its IP packets or after, it gets the
    /// same findings: the ARP is not held to the zone's VLANs, and must not stand in for the packet that is.
    /// (Only the address's first sighting, its time and what showed it, follows the order.)
    func testResolutionAndIPInEitherOrder() throws {
        let dir = try Self.captures()
        defer { try? FileManager.default.removeItem(at: dir) }
        let policy = try Self.policy(dir)
        let arpFirst = try Self.frames(dir.appendingPathComponent("host-arp-then-ip.pcap"))
        let ipFirst = try Self.frames(dir.appendingPathComponent("host-ip-then-arp.pcap"))
        XCTAssertEqual(arpFirst.map(\.bytes), ipFirst.map(\.bytes).reversed())
        let naFirst = try Self.frames(dir.appendingPathComponent("host-na-then-ip.pcap"))
        let naAfter = zip([naFirst[1], naFirst[0]], naFirst).map { (time: $0.1.time, bytes: $0.0.bytes) }
        func key(_ f: HostFinding) -> String {
            "\(f.rule.name) \(f.severity) \(f.mac) \(f.address.ip) \(f.address.vlans)"
        }
        for (a, b) in [(arpFirst, ipFirst), (naFirst, naAfter)] {
            let one = Self.run(a, policy: policy).findings.map(key)
            XCTAssertEqual(one.count, 1)
            XCTAssertEqual(Self.run(b, policy: policy).findings.map(key), one)
        }
    }

    /// The core switch undeclared: it stands in every tier, the mynumber zone among them, and forwards each
    /// packet onto the destination's VLAN, so every source is on another zone's VLAN too.
    func testUndeclaredRouterIsDualHomed() throws {
        let dir = try Self.captures()
        defer { try? FileManager.default.removeItem(at: dir) }
        let policy = try Self.policy(dir) { $0.routers = [] }
        let frames = try Self.frames(dir.appendingPathComponent("host-router.pcap"))
        let core = "02:00:00:ff:00:01"
        let two = ["10.20.3.4 lgwan [110] ip", "10.10.0.5 mynumber [120] ip"]
        XCTAssertEqual(
            Self.run(frames, policy: policy).findings.map { Seen($0, policy: policy) },
            [
                Seen("zone-vlan-mismatch", "high", core, "10.20.3.4", vlan: [110], Array(two.prefix(1)), frame: 1),
                Seen("dual-homed-host", "critical", core, "10.10.0.5", vlan: [120], two, frame: 2),
                Seen("zone-vlan-mismatch", "high", core, "10.10.0.5", vlan: [120], two, frame: 2),
                Seen(
                    "zone-vlan-mismatch", "high", core, "10.20.3.4", vlan: [130], two + ["10.20.3.4 lgwan [130] ip"],
                    frame: 3),
            ])
    }

    /// Workers sharing one table: one MAC's frames on different sessions still make one finding, the same
    /// as one session's; a table per worker would have missed it.
    func testWorkersShareOneTable() throws {
        let dir = try Self.captures()
        defer { try? FileManager.default.removeItem(at: dir) }
        let policy = try Self.policy(dir)
        for name in ["host-dual-homed.pcap", "host-arp.pcap", "host-mynumber-bridge.pcap"] {
            let frames = try Self.frames(dir.appendingPathComponent(name))
            let one = Self.run(frames, policy: policy).findings
            // The first half of the frames (one tier) to one worker, the rest (the other tier) to another.
            let half = frames.count / 2
            let two = Self.run(frames, policy: policy, sessions: 2, spread: { $0 < half ? 0 : 1 }).findings
            XCTAssertEqual(two, one, name)
            XCTAssertEqual(two.count, 1, name)
            // Apart, neither worker sees both tiers.
            let apart = [Array(frames.prefix(half)), Array(frames.dropFirst(half))].flatMap {
                Self.run($0, policy: policy).findings
            }
            XCTAssertEqual(apart, [], name)
        }
    }

    /// A reload: packets of flows already seen are judged anew by the new zones' VLANs (the flow entries
    /// and the cache forget what they passed on), and a finding already raised is not raised again.
    func testReloadJudgesAnew() throws {
        let dir = try Self.captures()
        defer { try? FileManager.default.removeItem(at: dir) }
        let strict = try Self.policy(dir)
        let lenient = try Self.policy(dir) { $0.zones[1].vlans += [130] }
        let frames = try Self.frames(dir.appendingPathComponent("host-wrong-vlan.pcap"))
        let sink = FindingSink()
        let session = Session(policy: lenient, maxFlows: 1024, sinks: [sink])
        func feed(_ f: (time: Int64, bytes: [UInt8])) {
            f.bytes.withUnsafeBytes { raw in
                withUnsafePointer(to: Verifier.Frame(timestamp: f.time, bytes: raw, wireLength: raw.count)) {
                    session.process(frames: UnsafeBufferPointer(start: $0, count: 1), linkType: .ethernet)
                }
            }
        }
        feed(frames[0])
        XCTAssertEqual(sink.findings.count, 0, "VLAN 130 allowed")
        session.replacePolicy(strict)
        feed(frames[1])  // the same flow, from the same MAC
        XCTAssertEqual(sink.findings.map { Seen($0, policy: strict).frame }, [2])
        session.replacePolicy(strict)
        feed(frames[2])
        XCTAssertEqual(sink.findings.count, 1, "raised once for the run")
    }
}
