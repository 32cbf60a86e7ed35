import XCTest
import ZonesepCore
import ZonesepOutput

@testable import ZonesepRuntime

/// Watch's workers share one `--flows` sink, and each swaps a reloaded map in on its own: a worker that
/// missed one of two quick reloads counts its epochs differently from one that took both, so the same
/// epoch number can come with two maps. Each record is named by its own batch's map.
final class FlowFileSinkReloadTests: XCTestCase {
    static func policy(_ name: String) -> Policy {
        Policy(
            PolicyConfig(
                sensor: "test",
                zones: [
                    Zone(id: name, kind: .lgwan, networks: DeliveryStageTests.p("10.20.0.0/16")),
                    Zone(id: "internet", kind: .internet, networks: DeliveryStageTests.p("10.30.0.0/16")),
                ]))
    }

    func testEachBatchIsNamedByItsOwnMap() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("flows-\(UUID().uuidString).jsonl")
            .path
        defer { unlink(path) }
        let sink = try FlowFileSink(path: path, rotation: .none)
        // Worker A took the first reload (epoch 1: "town-a"); worker B missed it and took only the second
        // (its epoch 1 is "town-b").
        for (serial, name) in [(UInt64(1), "town-a"), (2, "town-b")] {
            let policy = Self.policy(name)
            var e = DeliveryStageTests.flow(srcPort: 50000 + UInt16(serial), at: 0, serial: serial)
            e.zoneA = policy.zoneMap.lookup(e.key.addressA)
            e.zoneB = policy.zoneMap.lookup(e.key.addressB)
            let events = [EngineEvent(kind: .flowEnded, flow: e, endReason: .closed)]
            events.withUnsafeBufferPointer { ev in
                sink.consume(
                    EventBatch(
                        events: ev, frames: UnsafeBufferPointer(start: nil, count: 0), linkType: .ethernet,
                        policy: policy, policyEpoch: 1))
            }
        }
        sink.close()
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        XCTAssertTrue(lines.first?.contains("\"town-a\"") == true, String(lines.first ?? ""))
        XCTAssertTrue(lines.last?.contains("\"town-b\"") == true, String(lines.last ?? ""))
        XCTAssertFalse(lines.last?.contains("\"town-a\"") == true, String(lines.last ?? ""))
    }
}
