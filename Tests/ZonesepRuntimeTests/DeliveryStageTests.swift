import XCTest
import ZonesepCapture
import ZonesepCore
import ZonesepOutput

@testable import ZonesepRuntime

/// The delivery stages driven with records and events alone: suppression, the rate limit and evidence
/// each wrap the sink behind them and pass on exactly what they should.
final class DeliveryStageTests: XCTestCase {
    static func p(_ s: String...) -> [IPPrefix] { s.compactMap { IPPrefix($0) } }
    static let policy = Policy(
        PolicyConfig(
            sensor: "test",
            zones: [
                Zone(id: "lgwan", kind: .lgwan, networks: p("10.20.0.0/16")),
                Zone(id: "internet", kind: .internet, networks: p("10.30.0.0/16")),
            ]))
    static let t0: Int64 = 1_795_132_800_000_000

    /// The entry of a violating TCP flow from 10.20.3.4:`srcPort` to 10.30.7.8:445 starting at `t0 + seconds`.
    static func flow(srcPort: UInt16, at seconds: Int64, serial: UInt64) -> FlowEntry {
        var e = FlowEntry(
            key: FlowKey(
                addressA: IPAddress("10.20.3.4")!, addressB: IPAddress("10.30.7.8")!, portA: srcPort, portB: 445,
                proto: 6, vlans: 0))
        e.serial = serial
        e.firstSeen = t0 + seconds * 1_000_000
        e.lastSeen = e.firstSeen
        e.zoneA = policy.zoneMap.lookup(e.key.addressA)
        e.zoneB = policy.zoneMap.lookup(e.key.addressB)
        e.rule = RuleID.sanitisationBypass.rawValue
        return e
    }

    static func alertRecord(srcPort: UInt16, at seconds: Int64, serial: UInt64) -> Record {
        Record.alert(
            Alert(flow: flow(srcPort: srcPort, at: seconds, serial: serial))!, format: AlertFormat(policy: policy),
            session: 0, linkType: .ethernet, evidence: nil, withEvidenceField: false)
    }

    func testSuppressionFoldsRepeatsAndReportsTheCountWhenTheWindowCloses() {
        let out = RecordingRecords()
        let s = SuppressingSink(windowMicros: 60_000_000, inner: out)
        // One initiator, responder and port: the same key whatever the source port.
        XCTAssertTrue(s.write(Self.alertRecord(srcPort: 50001, at: 0, serial: 1)))
        XCTAssertFalse(s.write(Self.alertRecord(srcPort: 50002, at: 10, serial: 2)))
        XCTAssertFalse(s.write(Self.alertRecord(srcPort: 50003, at: 59, serial: 3)))
        XCTAssertEqual(out.records.map(\.kind), [.alert])
        s.advance(to: Self.t0 + 59_000_000)
        XCTAssertEqual(out.records.count, 1, "the window is still open")
        s.advance(to: Self.t0 + 60_000_000)
        XCTAssertEqual(out.records.map(\.kind), [.alert, .alertUpdate])
        XCTAssertTrue(out.records[1].json.contains("\"event_type\":\"alert_update\""), out.records[1].json)
        XCTAssertEqual(s.suppressed, 2)
        // After the window a repeat is an alert again; other records pass straight through.
        XCTAssertTrue(s.write(Self.alertRecord(srcPort: 50004, at: 61, serial: 4)))
        XCTAssertTrue(s.write(Record(kind: .stats, timestampMicros: Self.t0, json: "{}", text: "")))
        XCTAssertEqual(out.records.map(\.kind), [.alert, .alertUpdate, .alert, .stats])
        s.finish(at: Self.t0 + 62_000_000)
        XCTAssertEqual(out.finishTime, Self.t0 + 62_000_000, "finish reaches the sink behind")
    }

    func testRateLimitHoldsBackTheExcessAndSuppressionOpensNoWindowForIt() {
        let out = RecordingRecords()
        let rate = RateLimitingSink(maxPerSecond: 2, inner: out)
        let s = SuppressingSink(windowMicros: 3_600_000_000, inner: rate)
        for port: UInt16 in [1, 2, 3, 4] {
            // Four different responders' ports within one second: two pass.
            var r = Self.alertRecord(srcPort: 50000, at: 0, serial: UInt64(port))
            var a = r.alert!
            a.destPort = 440 + port
            r.alert = a
            s.write(r)
        }
        XCTAssertEqual(out.records.count, 2)
        XCTAssertEqual(rate.limited, 2)
        XCTAssertEqual(s.suppressed, 0, "an alert over the rate is not folded into later ones")
    }

    func testEvidenceFollowsTheAlertsFlowFromItsEventsAndHashesTheFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zonesep-evidence-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let writer = try EvidenceWriter(
            directory: dir.path, limits: EvidenceWriter.Limits(perFlowPackets: 10, maxBytes: 0))
        let out = RecordingRecords()
        let evidence = EvidenceSink(writer: writer, inner: out)
        let tap = evidence.tap(session: 0)
        XCTAssertTrue(tap.interests.contains(.flaggedPackets))

        let e = Self.flow(srcPort: 50001, at: 0, serial: 7)
        evidence.write(Self.alertRecord(srcPort: 50001, at: 0, serial: 7))
        XCTAssertEqual(out.records.count, 1)
        let alertJSON = out.records[0].json
        XCTAssertTrue(alertJSON.contains("\"evidence\":\""), alertJSON)

        // Three frames of the flow and one of another flow, handed over as the engine does.
        let bytes: [[UInt8]] = [
            Array(repeating: 1, count: 60), Array(repeating: 2, count: 70), Array(repeating: 3, count: 80),
        ]
        let other = Self.flow(srcPort: 50002, at: 0, serial: 8)
        try bytes.withUnsafeBufferPointers { frames in
            var events = frames.indices.map { EngineEvent(kind: .flaggedPacket, flow: e, frame: Int32($0)) }
            events.append(EngineEvent(kind: .flaggedPacket, flow: other, frame: 0))
            var ended = e
            ended.lastSeen = Self.t0 + 2_000_000
            events.append(EngineEvent(kind: .flowEnded, flow: ended, endReason: .closed))
            events.withUnsafeBufferPointer { ev in
                tap.consume(
                    EventBatch(events: ev, frames: frames, linkType: .ethernet, policy: Self.policy))
            }
            _ = try XCTUnwrap(frames.first)
        }
        XCTAssertEqual(out.records.map(\.kind), [.alert, .evidence])
        let record = out.records[1].json
        XCTAssertTrue(record.contains("\"packets\":3"), record)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        XCTAssertEqual(files.count, 1)
        let hash = try XCTUnwrap(EvidenceWriter.sha256(ofFile: dir.appendingPathComponent(files[0]).path))
        XCTAssertTrue(record.contains(hash), "the record carries the file's own SHA-256")
        XCTAssertEqual(evidence.summary.stats.packets, 3)
    }
}

extension Array where Element == [UInt8] {
    /// The arrays' bytes as engine frames, valid inside `body`.
    func withUnsafeBufferPointers<R>(_ body: (UnsafeBufferPointer<Verifier.Frame>) throws -> R) rethrows -> R {
        let buffers = map { b -> UnsafeMutableRawBufferPointer in
            let m = UnsafeMutableRawBufferPointer.allocate(byteCount: Swift.max(b.count, 1), alignment: 8)
            m.copyBytes(from: b)
            return m
        }
        defer { buffers.forEach { $0.deallocate() } }
        let frames = zip(self, buffers).enumerated().map { i, pair in
            Verifier.Frame(
                timestamp: DeliveryStageTests.t0 + Int64(i) * 1000,
                bytes: UnsafeRawBufferPointer(rebasing: pair.1[0..<pair.0.count]), wireLength: pair.0.count)
        }
        return try frames.withUnsafeBufferPointer(body)
    }
}
