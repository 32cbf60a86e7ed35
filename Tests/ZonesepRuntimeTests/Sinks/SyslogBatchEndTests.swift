import Foundation
import XCTest
import ZonesepCore
import ZonesepOutput
import ZonesepTestSupport

@testable import ZonesepRuntime

#if canImport(Glibc)
    import Glibc
#endif

/// The demonstration's captures through a session whose delivery sends syslog over UDP to a real socket:
/// each batch's messages (alerts, evidence records) are on the wire when the batch ends, not held until
/// the end of the run, and they are the records of the alerts file, in its order.
final class SyslogBatchEndTests: XCTestCase {
    func testEachBatchsMessagesLeaveAtItsEnd() throws {
        let (receiver, port) = try Loopback.bound(SOCK_DGRAM)
        defer { close(receiver) }

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zonesep-syslog-batch-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var c = DeliveryConfig()
        c.syslog = [.udp(host: "127.0.0.1", port: port)]
        c.alertsPath = dir.appendingPathComponent("alerts.jsonl").path
        c.evidenceDirectory = dir.appendingPathComponent("evidence").path
        try FileManager.default.createDirectory(atPath: c.evidenceDirectory!, withIntermediateDirectories: true)
        let devnull = open("/dev/null", O_WRONLY)
        defer { close(devnull) }
        let pipeline = try DeliveryPipeline(c, stdout: StdoutSink(format: .json, flushEachLine: false, fd: devnull))
        let session = Session(
            policy: try SinkCombinationTests.policy(), maxFlows: 1 << 16, sinks: pipeline.eventSinks(session: 0))

        func records() throws -> [Substring] {
            try String(contentsOfFile: c.alertsPath!, encoding: .utf8).split(separator: "\n")
        }
        var arrived: [String] = []
        func receive() {
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = buffer.withUnsafeMutableBytes { recv(receiver, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
                if n < 0 { return }
                arrived.append(String(decoding: buffer[0..<n], as: UTF8.self))
            }
        }
        let (frames, linkType) = try SinkCombinationTests.frames()
        var batchesWithRecords = 0
        var before = 0
        try session.process(frames, inBatchesOf: 7, linkType: linkType) { start in
            receive()
            XCTAssertEqual(arrived.count, try records().count, "after the batch at frame \(start)")
            if arrived.count > before { batchesWithRecords += 1 }
            before = arrived.count
        }
        var summary = session.finish(files: [])
        pipeline.finish(into: &summary)
        pipeline.close()
        receive()
        XCTAssertGreaterThan(batchesWithRecords, 5, "records came in many batches, each sent at its end")
        let lines = try records()
        XCTAssertEqual(arrived.count, lines.count)
        XCTAssertEqual(summary.delivery?.syslog.first?.stats.sent, UInt64(lines.count))
        // The same records in the same order: each message's MSGID and flow id are its record's.
        for (message, line) in zip(arrived, lines) {
            let type = try XCTUnwrap(
                line.range(of: "\"event_type\":\"").map { line[$0.upperBound...].prefix { $0 != "\"" } })
            XCTAssertEqual(message.split(separator: " ")[5], type, message)
            if let id = line.range(of: "\"flow_id\":\"").map({ line[$0.upperBound...].prefix { $0 != "\"" } }) {
                XCTAssertTrue(message.contains("flow_id=\"\(id)\""), "\(message)\n\(line)")
            }
        }
    }
}
