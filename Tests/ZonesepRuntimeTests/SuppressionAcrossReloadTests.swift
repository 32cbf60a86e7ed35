import Foundation
import XCTest
import ZonesepCore
import ZonesepOutput

@testable import ZonesepRuntime

/// `--suppress-window` across a `SIGHUP` reload: a window opened under the old map and closed under the new
/// one writes an `alert_update` that names the zones and the declaration as its first alert named them, in
/// JSON, text and syslog, even when the reload reordered, renamed or relabelled them (the same zone index
/// then means another zone). The alerts come from real frames judged by a session's engine.
final class SuppressionAcrossReloadTests: XCTestCase {
    static func p(_ s: String...) -> [IPPrefix] { s.compactMap { IPPrefix($0) } }
    /// 2026-06-15T00:00:00Z.
    static let t0: Int64 = 1_781_481_600_000_000
    static let window: Int64 = 60_000_000
    static let pcMAC = MACAddress("02:00:00:00:00:01")!
    static let otherMAC = MACAddress("02:00:00:00:00:66")!
    static let formatter = SyslogFormatter(facility: 16, appName: "zonesep", hostname: "sensor", procID: "1")

    static let mynumber = Zone(id: "mynumber", kind: .mynumber, label: "マイナンバー利用事務系", networks: p("10.10.0.0/16"))
    static let lgwan = Zone(id: "lgwan", kind: .lgwan, label: "LGWAN接続系", networks: p("10.20.0.0/16"))
    static let internet = Zone(id: "internet", kind: .internet, label: "インターネット接続系", networks: p("10.30.0.0/16"))

    /// An Ethernet frame of IPv4 from `src` to `dst`: a TCP SYN, or a UDP datagram of four bytes. Each
    /// address sends from a MAC of its own (02:00 and its octets) unless `srcMAC` says otherwise.
    static func frame(
        tcp: Bool = true, _ src: String, _ sport: UInt16, _ dst: String, _ dport: UInt16, srcMAC: MACAddress? = nil,
        at seconds: Int64
    ) -> SinkCombinationTests.Frame {
        func octets(_ a: String) -> [UInt8] { a.split(separator: ".").map { UInt8($0)! } }
        let l4: [UInt8] =
            tcp
            ? [UInt8(sport >> 8), UInt8(sport & 0xff), UInt8(dport >> 8), UInt8(dport & 0xff), 0, 0, 0, 1, 0, 0, 0, 0]
                + [0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0]
            : [UInt8(sport >> 8), UInt8(sport & 0xff), UInt8(dport >> 8), UInt8(dport & 0xff), 0, 12, 0, 0, 1, 2, 3, 4]
        let total = 20 + l4.count
        var ip: [UInt8] = [0x45, 0, UInt8(total >> 8), UInt8(total & 0xff), 0, 1, 0x40, 0, 64, tcp ? 6 : 17, 0, 0]
        ip += octets(src) + octets(dst)
        var sum: UInt32 = 0
        for i in stride(from: 0, to: 20, by: 2) { sum += UInt32(ip[i]) << 8 | UInt32(ip[i + 1]) }
        while sum > 0xffff { sum = (sum & 0xffff) + (sum >> 16) }
        ip[10] = UInt8(~UInt16(sum) >> 8)
        ip[11] = UInt8(~UInt16(sum) & 0xff)
        let mac =
            srcMAC.map { m in (0..<6).map { UInt8(truncatingIfNeeded: m.rawValue >> (8 * (5 - UInt64($0)))) } }
            ?? [0x02, 0] + octets(src)
        let bytes = [0x02, 0, 0, 0, 0, 0xfe] + mac + [0x08, 0x00] + ip + l4
        return SinkCombinationTests.Frame(time: t0 + seconds * 1_000_000, bytes: bytes, wireLength: bytes.count)
    }

    /// The records a session's alerts leave through suppression when `before` is judged under `first`, then
    /// the session reloads `second` (with the retired zones kept, as watch does) and judges `after`.
    func run(
        first: PolicyConfig, second: PolicyConfig, before: [SinkCombinationTests.Frame],
        after: [SinkCombinationTests.Frame]
    ) -> (records: [Record], suppressed: UInt64) {
        let out = RecordingRecords()
        let suppressing = SuppressingSink(windowMicros: Self.window, inner: out)
        let session = Session(
            policy: Policy(first), maxFlows: 1024,
            sinks: [AlertEvents(head: suppressing, session: 0, withEvidenceField: false)])
        session.process(before, inBatchesOf: 1, linkType: .ethernet) { _ in }
        session.replacePolicy(Policy(second.keepingRetiredZones(of: first)))
        session.process(after, inBatchesOf: 1, linkType: .ethernet) { _ in }
        _ = session.finish(files: [])
        suppressing.finish(at: after.last?.time ?? Self.t0)
        return (out.records, suppressing.suppressed)
    }

    static func object(_ r: Record) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.json.utf8)) as? [String: Any])
    }

    /// Checks that `update` reports `folded` flows like `alert` and carries that alert's message (its zones,
    /// its declaration) word for word in every form; returns that message.
    @discardableResult
    func assertUpdate(
        _ update: Record, of alert: Record, folded: Int, file: StaticString = #filePath, line: UInt = #line
    ) throws -> String {
        let a = try Self.object(alert)
        let u = try Self.object(update)
        XCTAssertEqual(u["event_type"] as? String, "alert_update", file: file, line: line)
        XCTAssertEqual(u["first_seen"] as? String, a["timestamp"] as? String, file: file, line: line)
        XCTAssertEqual((u["folded"] as? NSNumber)?.intValue, folded, file: file, line: line)
        XCTAssertEqual(u["sensor"] as? String, a["sensor"] as? String, file: file, line: line)
        let message = try XCTUnwrap(a["message"] as? String, file: file, line: line)
        let quoted = "(\(message))"
        XCTAssertTrue(
            (u["message"] as? String ?? "").contains(quoted), "\(u["message"] ?? "") lacks \(quoted)", file: file,
            line: line)
        XCTAssertTrue(update.text.contains(quoted), update.text, file: file, line: line)
        let syslog = String(decoding: update.syslog?(Self.formatter) ?? [], as: UTF8.self)
        XCTAssertTrue(syslog.contains(quoted), syslog, file: file, line: line)
        return message
    }

    /// A reload that only reorders the zones: the same zone index means another zone after it. The
    /// lgwan → internet flows before and after it are one window, and its update names lgwan and internet.
    func testAReorderingReloadKeepsOneWindowAndItsUpdateNamesTheZonesOfItsFirstAlert() throws {
        let first = PolicyConfig(sensor: "core-span", zones: [Self.mynumber, Self.lgwan, Self.internet])
        let second = PolicyConfig(sensor: "core-span", zones: [Self.internet, Self.mynumber, Self.lgwan])
        let (records, suppressed) = run(
            first: first, second: second,
            before: [
                Self.frame("10.20.0.2", 50001, "10.30.0.2", 445, at: 0),
                Self.frame("10.20.0.2", 50002, "10.30.0.2", 445, at: 10),
            ],
            after: [
                Self.frame("10.20.0.2", 50003, "10.30.0.2", 445, at: 20),
                // Another violating flow: its alert is written with the new map.
                Self.frame(tcp: false, "10.10.0.2", 40000, "10.20.0.2", 514, at: 30),
                // Lgwan to lgwan, allowed: packet time passes the window's end.
                Self.frame("10.20.0.2", 50004, "10.20.0.3", 80, at: 61),
            ])
        XCTAssertEqual(records.map(\.kind), [.alert, .alert, .alertUpdate])
        XCTAssertEqual(suppressed, 2, "the flow after the reload folds into the window opened before it")
        let message = try assertUpdate(records[2], of: records[0], folded: 2)
        XCTAssertTrue(message.hasPrefix("LGWAN接続系 10.20.0.2 → インターネット接続系 10.30.0.2 tcp/445"), message)
        XCTAssertTrue(
            try Self.object(records[1])["message"] as? String == "マイナンバー利用事務系 10.10.0.2 → LGWAN接続系 10.20.0.2 udp/514: "
                + "no conduit allows this flow to or from the mynumber zone",
            "the alert after the reload is named by the new map: \(records[1].json)")
        XCTAssertEqual(
            try Self.object(records[2])["timestamp"] as? String, "2026-06-15T00:01:00.000000Z",
            "the window closes a minute after its first alert")
    }

    /// A reload that renames the lgwan zone (with a new label), declares the conduits in another order and
    /// names the sensor anew: the update of a `conduit-mac-mismatch` window opened before it names the old
    /// zone, label, conduit and sensor, as its alert did.
    func testARenamingReloadLeavesTheUpdateNamingTheOldZoneConduitAndSensor() throws {
        let smb = Conduit(
            name: "smb-to-lgwan", from: Self.p("10.10.0.2/32"), fromMAC: Self.pcMAC, to: Self.p("10.20.0.2/32"),
            ports: [.tcp(445...445)])
        let printer = Conduit(
            name: "print-to-lgwan", from: Self.p("10.10.0.2/32"), fromMAC: Self.pcMAC, to: Self.p("10.20.0.9/32"),
            ports: [.tcp(631...631)])
        let first = PolicyConfig(
            sensor: "core-span", zones: [Self.mynumber, Self.lgwan, Self.internet], conduits: [printer, smb])
        let renamed = Zone(id: "lgwan-honcho", kind: .lgwan, label: "本庁LGWAN接続系", networks: Self.p("10.20.0.0/16"))
        let second = PolicyConfig(
            sensor: "core-span-2", zones: [Self.mynumber, renamed, Self.internet], conduits: [smb, printer])
        let (records, _) = run(
            first: first, second: second,
            before: [
                // From the right address to the right port, from another MAC than the conduit's.
                Self.frame("10.10.0.2", 40001, "10.20.0.2", 445, srcMAC: Self.otherMAC, at: 0),
                Self.frame("10.10.0.2", 40002, "10.20.0.2", 445, srcMAC: Self.otherMAC, at: 5),
            ],
            after: [
                Self.frame("10.10.0.2", 40003, "10.20.0.2", 445, srcMAC: Self.otherMAC, at: 20),
                Self.frame("10.20.0.2", 50001, "10.30.0.2", 445, at: 30),
                Self.frame("10.20.0.2", 50004, "10.20.0.3", 80, at: 61),
            ])
        XCTAssertEqual(records.map(\.kind), [.alert, .alert, .alertUpdate])
        XCTAssertEqual(try Self.object(records[0])["rule"] as? String, "conduit-mac-mismatch")
        XCTAssertEqual(
            try Self.object(records[1])["src_zone"] as? String, "lgwan-honcho", "the new map names later alerts")
        let message = try assertUpdate(records[2], of: records[0], folded: 2)
        XCTAssertTrue(
            message.hasPrefix(
                "マイナンバー利用事務系 10.10.0.2 → LGWAN接続系 10.20.0.2 tcp/445 matches conduit 'smb-to-lgwan' but"),
            message)
        XCTAssertEqual(try Self.object(records[2])["sensor"] as? String, "core-span")
    }

    /// A host finding's window across a reorder: the update names the zones of the finding first written.
    func testAHostFindingsUpdateNamesTheZonesItWasRaisedWith() throws {
        let firstPolicy = Policy(
            PolicyConfig(sensor: "core-span", zones: [Self.mynumber, Self.lgwan, Self.internet]))
        let secondPolicy = Policy(
            PolicyConfig(sensor: "core-span", zones: [Self.internet, Self.lgwan, Self.mynumber])
                .keepingRetiredZones(of: firstPolicy.config))
        let mac = MACAddress("02:00:0a:0a:02:1f")!
        func finding(_ policy: Policy, at seconds: Int64, mac: MACAddress = mac) -> HostFinding {
            let at = Self.t0 + seconds * 1_000_000
            func address(_ ip: String) -> HostAddress {
                HostAddress(ip: IPAddress(ip)!, zone: policy.zoneMap.lookup(IPAddress(ip)!), firstSeenMicros: at)
            }
            return HostFinding(
                rule: .dualHomedHost, severity: .critical, timestampMicros: at, mac: mac,
                address: address("10.20.3.31"), addresses: [address("10.10.2.31"), address("10.20.3.31")])
        }
        func deliver(_ f: HostFinding, _ policy: Policy, to sink: EventSink) {
            [EngineEvent(hostFinding: 0)].withUnsafeBufferPointer { ev in
                sink.consume(
                    EventBatch(
                        events: ev, frames: UnsafeBufferPointer(start: nil, count: 0), linkType: .ethernet,
                        policy: policy, hostFindings: [f]))
            }
        }
        let out = RecordingRecords()
        let suppressing = SuppressingSink(windowMicros: Self.window, inner: out)
        let chain = AlertEvents(head: suppressing, session: 0, withEvidenceField: false)
        deliver(finding(firstPolicy, at: 0), firstPolicy, to: chain)
        // Another worker, which took the reload, raises it again; then another device's finding is written.
        deliver(finding(secondPolicy, at: 5), secondPolicy, to: chain)
        deliver(finding(secondPolicy, at: 6, mac: MACAddress("02:00:0a:0a:02:20")!), secondPolicy, to: chain)
        suppressing.advance(to: Self.t0 + Self.window)
        let records = out.records
        XCTAssertEqual(records.map(\.kind), [.alert, .alert, .alertUpdate])
        let message = try assertUpdate(records[2], of: records[0], folded: 1)
        XCTAssertTrue(
            message.contains("sends as マイナンバー利用事務系 10.10.2.31 and LGWAN接続系 10.20.3.31"), message)
    }
}
