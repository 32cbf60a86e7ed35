import XCTest
import ZonesepCore
import ZonesepOutput

@testable import ZonesepRuntime

/// The Community ID is hashed once per alert and carried with the event batch to every consumer: the
/// stdout alert, the delivery chain's forms (alerts file, syslog, evidence name and record) and the
/// summary's violation. Each of them must print what the reference computation (`CommunityID.compute`,
/// checked against the specification's vectors in CommunityIDTests) gives for the flow as the test built
/// it, for flows of every protocol family, with and without evidence, in batches small enough that the
/// engine reuses event slots (a value kept past its batch would name another flow).
final class FlowIDOnceTests: XCTestCase {
    static func p(_ s: String...) -> [IPPrefix] { s.compactMap { IPPrefix($0) } }
    static let policy = Policy(
        PolicyConfig(
            sensor: "flow-id",
            zones: [
                Zone(id: "mynumber", kind: .mynumber, label: "mynumber", networks: p("10.10.0.0/16", "fd00:10::/32")),
                Zone(id: "internet", kind: .internet, label: "internet", networks: p("10.30.0.0/16", "fd00:30::/32")),
            ]))
    /// 2026-06-15T00:11:40Z.
    static let t0: Int64 = 1_781_482_300_000_000

    /// One flow as the test builds it: the tuple the reference hashes, and its first frame.
    struct Flow {
        var src: String
        var dst: String
        var proto: UInt8
        var srcPort: UInt16?
        var dstPort: UInt16?
        var icmpType: UInt8 = 0
        var icmpCode: UInt8 = 0
        /// Distinct MACs for each flow's ends: one device seen in two zones would raise a host alert.
        var host: UInt8 = 0

        var reference: String {
            CommunityID.compute(
                src: IPAddress(src)!, dst: IPAddress(dst)!, proto: proto, srcPort: srcPort, dstPort: dstPort,
                icmpType: icmpType, icmpCode: icmpCode)
        }

        var frame: [UInt8] {
            let l4: [UInt8]
            switch proto {
            case 6:
                l4 = be16(srcPort!) + be16(dstPort!) + be32(1) + be32(0) + [0x50, 0x02] + be16(65535) + [0, 0, 0, 0]
            case 17: l4 = be16(srcPort!) + be16(dstPort!) + be16(8) + [0, 0]
            case 132: l4 = be16(srcPort!) + be16(dstPort!) + be32(7) + be32(0)
            case 1, 58: l4 = [icmpType, icmpCode, 0, 0] + be16(0x77) + be16(1)
            default: l4 = [UInt8](repeating: 0x5a, count: 16)
            }
            let v6 = src.contains(":")
            let ip: [UInt8]
            if v6 {
                ip = [0x60, 0, 0, 0] + be16(UInt16(l4.count)) + [proto, 64] + bytes(src) + bytes(dst) + l4
            } else {
                ip =
                    [0x45, 0] + be16(UInt16(20 + l4.count)) + be16(1) + [0x40, 0, 64, proto, 0, 0] + bytes(src)
                    + bytes(dst) + l4
            }
            return [2, 0, 0, 0, host, 0x0b, 2, 0, 0, 0, host, 0x0a] + be16(v6 ? 0x86dd : 0x0800) + ip
        }

        func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xff)] }
        func be32(_ v: UInt32) -> [UInt8] { be16(UInt16(v >> 16)) + be16(UInt16(v & 0xffff)) }
        func bytes(_ text: String) -> [UInt8] {
            let a = IPAddress(text)!
            if a.isIPv4 { return be32(a.v4) }
            return (0..<16).reversed().map { UInt8(truncatingIfNeeded: a.rawValue >> (UInt128($0) * 8)) }
        }
    }

    /// Every family the Community ID treats apart: ports (TCP, UDP, SCTP), ICMP with a reply type (ordered
    /// like ports) and without (one-way: type and code), ICMPv6 likewise, a protocol with no ports; IPv4
    /// and IPv6; initiators below and above their responders (the hash orders the ends).
    static let flows: [Flow] = families.enumerated().map { i, f in
        var f = f
        f.host = UInt8(i + 1)
        return f
    }
    static let families: [Flow] = [
        Flow(src: "10.10.1.1", dst: "10.30.1.1", proto: 6, srcPort: 40000, dstPort: 443),
        Flow(src: "10.30.2.2", dst: "10.10.2.2", proto: 6, srcPort: 443, dstPort: 40001),
        Flow(src: "10.10.1.2", dst: "10.30.1.2", proto: 17, srcPort: 5353, dstPort: 53),
        Flow(src: "10.30.3.3", dst: "10.10.3.3", proto: 17, srcPort: 123, dstPort: 123),
        Flow(src: "10.10.1.3", dst: "10.30.1.3", proto: 132, srcPort: 2905, dstPort: 2905),
        Flow(src: "10.10.1.4", dst: "10.30.1.4", proto: 1, srcPort: nil, dstPort: nil, icmpType: 8),
        Flow(src: "10.30.4.4", dst: "10.10.4.4", proto: 1, srcPort: nil, dstPort: nil, icmpType: 13),
        Flow(src: "10.10.1.5", dst: "10.30.1.5", proto: 1, srcPort: nil, dstPort: nil, icmpType: 9),
        Flow(src: "10.10.1.6", dst: "10.30.1.6", proto: 50, srcPort: nil, dstPort: nil),
        Flow(src: "fd00:10::1", dst: "fd00:30::1", proto: 6, srcPort: 40002, dstPort: 22),
        Flow(src: "fd00:30::2", dst: "fd00:10::2", proto: 17, srcPort: 53, dstPort: 5353),
        Flow(src: "fd00:10::3", dst: "fd00:30::3", proto: 58, srcPort: nil, dstPort: nil, icmpType: 128),
        Flow(src: "fd00:10::4", dst: "fd00:30::4", proto: 58, srcPort: nil, dstPort: nil, icmpType: 1, icmpCode: 4),
        Flow(src: "fd00:30::5", dst: "fd00:10::5", proto: 132, srcPort: 3868, dstPort: 3868),
        Flow(src: "fd00:10::6", dst: "fd00:30::6", proto: 89, srcPort: nil, dstPort: nil),
    ]

    /// Replays the flows' first frames through a session with `sinks`, three frames a batch.
    static func replay(sinks: [EventSink]) -> ReplaySummary {
        let session = Session(policy: policy, maxFlows: 1 << 12, sinks: sinks)
        let frames = flows.map(\.frame)
        var i = 0
        while i < frames.count {
            let chunk = Array(frames[i..<min(i + 3, frames.count)])
            let buffers = chunk.map { f -> UnsafeMutableRawBufferPointer in
                let m = UnsafeMutableRawBufferPointer.allocate(byteCount: f.count, alignment: 64)
                m.copyBytes(from: f)
                return m
            }
            let batch = buffers.enumerated().map { j, m in
                Verifier.Frame(
                    timestamp: t0 + Int64(i + j) * 1000, bytes: UnsafeRawBufferPointer(m), wireLength: m.count)
            }
            batch.withUnsafeBufferPointer { session.process(frames: $0, linkType: .ethernet) }
            buffers.forEach { $0.deallocate() }
            i += chunk.count
        }
        return session.finish(files: [])
    }

    /// The `flow_id` values of `lines` (JSON records) whose `event_type` is `type`, in order.
    static func flowIDs(_ lines: [Substring], type: String) -> [String] {
        lines.filter { $0.contains("\"event_type\":\"\(type)\"") }.compactMap { line in
            line.range(of: "\"flow_id\":\"").map { String(line[$0.upperBound...].prefix { $0 != "\"" }) }
        }
    }

    /// The `flow_id` of each entry of the summary's `violations`, in order.
    static func summaryFlowIDs(_ s: ReplaySummary) -> [String] {
        let json = try? JSONSerialization.jsonObject(with: Data(s.jsonBytes())) as? [String: Any]
        let violations = json?["violations"] as? [[String: Any]] ?? []
        return violations.map { $0["flow_id"] as? String ?? "" }
    }

    var expected: [String] { Self.flows.map(\.reference) }

    func testTheReferenceSeesEveryFlowApart() {
        XCTAssertEqual(Set(expected).count, Self.flows.count, "each flow of the test has an id of its own")
    }

    /// A replay with no delivery option: the alert goes straight into stdout's buffer.
    func testStdoutAlertsAndTheSummaryPrintTheReferenceID() throws {
        let dir = try temporaryDirectory()
        let path = dir.appendingPathComponent("stdout.jsonl").path
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        XCTAssertGreaterThanOrEqual(fd, 0)
        let stdout = StdoutSink(format: .json, flushEachLine: false, fd: fd)
        let pipeline = try DeliveryPipeline(DeliveryConfig(), stdout: stdout)
        var summary = Self.replay(sinks: pipeline.eventSinks(session: 0))
        pipeline.finish(into: &summary)
        stdout.finish(at: 0)
        close(fd)
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(Self.flowIDs(lines, type: "alert"), expected, "stdout alerts")
        XCTAssertEqual(Self.summaryFlowIDs(summary), expected, "summary violations")
        XCTAssertEqual(summary.violations.map(\.flowIDText), expected, "the audit report's ids")
        XCTAssertEqual(
            summary.violations.compactMap(\.flowID).count, Self.flows.count,
            "the summary took each id from the batch, hashed once")
    }

    /// The delivery chain with and without evidence: the alerts file, stdout (evidence records), the
    /// evidence files' names and the summary.
    func testDeliveryOutputsPrintTheReferenceIDWithAndWithoutEvidence() throws {
        for withEvidence in [false, true] {
            let dir = try temporaryDirectory()
            var config = DeliveryConfig()
            config.alertsPath = dir.appendingPathComponent("alerts.jsonl").path
            if withEvidence { config.evidenceDirectory = dir.appendingPathComponent("ev").path }
            if let e = config.evidenceDirectory {
                try FileManager.default.createDirectory(atPath: e, withIntermediateDirectories: true)
            }
            let path = dir.appendingPathComponent("stdout.jsonl").path
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            let stdout = StdoutSink(format: .json, flushEachLine: false, fd: fd)
            let pipeline = try DeliveryPipeline(config, stdout: stdout)
            var summary = Self.replay(sinks: pipeline.eventSinks(session: 0))
            pipeline.finish(into: &summary)
            stdout.write(summary.record(format: .json))
            pipeline.close()
            close(fd)
            let what = withEvidence ? "with evidence" : "without evidence"
            let alerts = try String(contentsOfFile: config.alertsPath!, encoding: .utf8).split(separator: "\n")
            let out = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
            XCTAssertEqual(Self.flowIDs(alerts, type: "alert"), expected, "alerts file, \(what)")
            XCTAssertEqual(Self.flowIDs(out, type: "alert"), expected, "stdout, \(what)")
            XCTAssertEqual(Self.summaryFlowIDs(summary), expected, "summary, \(what)")
            if let e = config.evidenceDirectory {
                XCTAssertEqual(Set(Self.flowIDs(out, type: "evidence")), Set(expected), "evidence records")
                let names = try FileManager.default.contentsOfDirectory(atPath: e)
                XCTAssertEqual(names.count, Self.flows.count)
                for f in Self.flows {
                    // The file is named after the id in base64url without padding (`_` for `/`, `-` for `+`).
                    let token = f.reference.dropFirst(2).replacingOccurrences(of: "/", with: "_")
                        .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "=", with: "")
                    XCTAssertTrue(
                        names.contains { $0.hasSuffix("_\(token).pcap") }, "an evidence file named after \(f.reference)"
                    )
                }
            }
        }
    }

    /// Records made by the alert sink for any chain but plain text carry the id, and their syslog form
    /// prints it.
    func testRecordsCarryTheReferenceIDIntoSyslog() throws {
        let out = RecordingRecords()
        _ = Self.replay(sinks: [AlertEvents(head: out, session: 0, withEvidenceField: false)])
        let records = out.records.filter { $0.kind == .alert }
        XCTAssertEqual(records.map(\.flowID), expected.map { Optional($0) })
        let formatter = SyslogFormatter(hostname: "sensor", procID: "1")
        for (r, id) in zip(records, expected) {
            let message = String(decoding: try XCTUnwrap(r.syslog)(formatter), as: UTF8.self)
            XCTAssertTrue(message.contains("flow_id=\"\(id)\""), message)
        }
    }

    /// The memo itself: a value is read back only within its batch, by its event's index.
    func testTheMemoForgetsAtEachBatch() {
        let memo = EventMemo(capacity: 4)
        let d = FlowIDDigest(head: 1, middle: 2, tail: 3)
        XCTAssertNil(memo.flowID(of: 1))
        memo.setFlowID(d, of: 1)
        XCTAssertEqual(memo.flowID(of: 1), d)
        XCTAssertNil(memo.flowID(of: 0))
        memo.setFlowID(d, of: 4)
        XCTAssertNil(memo.flowID(of: 4), "past the buffer: not kept")
        memo.reset()
        XCTAssertNil(memo.flowID(of: 1), "a new batch knows nothing")
    }

    private func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zonesep-flowid-\(getpid())-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }
}
