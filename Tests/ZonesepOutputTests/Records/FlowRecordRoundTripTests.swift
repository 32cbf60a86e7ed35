import Foundation
import XCTest
import ZonesepCore

@testable import ZonesepOutput

/// The flow records the writer renders straight into a batch's bytes read back with the Codable reader
/// (`FlowLineRecord`) give the flow's own values, field by field, over an ordinary and a hostile policy; and
/// a batch written to a `--flows` file holds exactly the records `FlowRecordFormat.json` renders one by one.
final class FlowRecordRoundTripTests: XCTestCase {
    typealias Gen = RendererEquivalenceTests

    /// Renders 2,000 random flows into one batch, as `FlowFileSink` does.
    func batch(_ format: FlowRecordFormat, seed: UInt64) -> (LineBatch, [(FlowEntry, FlowEndReason, [TunnelLayer])]) {
        var r = Gen.Random(seed: seed)
        var lines = LineBatch()
        var flows: [(FlowEntry, FlowEndReason, [TunnelLayer])] = []
        for i in 0..<2000 {
            let e = Gen.flow(&r, policy: format.policy)
            let end: FlowEndReason = [.idle, .closed, .evicted, .endOfCapture][i % 4]
            let tunnels =
                i % 5 == 0 ? [TunnelLayer(type: .vxlan, src: Gen.address(&r), dst: Gen.address(&r), id: 5001)] : []
            format.append(e, end: end, tunnels: tunnels, to: &lines.bytes)
            lines.endLine(timestampMicros: e.lastSeen)
            flows.append((e, end, tunnels))
        }
        return (lines, flows)
    }

    func testBatchedRecordsDecodeToTheFlowsValues() throws {
        for policy in [OutputFixtures.policy, Gen.hostile] {
            let format = FlowRecordFormat(policy: policy)
            let map = policy.zoneMap
            let (lines, flows) = batch(format, seed: 3)
            var decoded: [FlowLineRecord] = []
            var texts: [String] = []
            try lines.forEachLine { line, _ in
                texts.append(String(decoding: line, as: UTF8.self))
                decoded.append(try JSONDecoder().decode(FlowLineRecord.self, from: Data(line)))
            }
            XCTAssertEqual(decoded.count, flows.count)
            for (i, ((e, end, tunnels), d)) in zip(flows, decoded).enumerated() {
                XCTAssertEqual(
                    texts[i], format.json(e, end: end, tunnels: tunnels), "flow \(i): batch and json() differ")
                let k = e.key
                let a = e.initiatorIsA
                let ports = IPProtocolNumber.hasPorts(k.proto)
                let (src, dst) = a ? (k.addressA, k.addressB) : (k.addressB, k.addressA)
                let (sp, dp) = a ? (k.portA, k.portB) : (k.portB, k.portA)
                XCTAssertEqual(d.eventType, "flow")
                XCTAssertEqual(d.timestamp, Timestamp.rfc3339(e.lastSeen))
                XCTAssertEqual(d.start, Timestamp.rfc3339(e.firstSeen))
                XCTAssertEqual(d.end, Timestamp.rfc3339(e.lastSeen))
                XCTAssertEqual(d.proto, ProtocolName.of(k.proto))
                XCTAssertEqual([d.srcIP, d.destIP], [src.description, dst.description])
                XCTAssertEqual(d.srcPort, ports ? UInt64(sp) : nil)
                XCTAssertEqual(d.destPort, ports ? UInt64(dp) : nil)
                XCTAssertEqual(d.srcZone, map.name(of: a ? e.zoneA : e.zoneB), "flow \(i)")
                XCTAssertEqual(d.destZone, map.name(of: a ? e.zoneB : e.zoneA), "flow \(i)")
                XCTAssertEqual(d.initiator, e.method.name)
                let vlans = [k.vlans >> 12 & 0xfff, k.vlans & 0xfff].prefix(Int(k.vlanCount)).map { UInt64($0) }
                XCTAssertEqual(d.vlan, vlans)
                XCTAssertEqual(d.srcMAC, e.hasMACs ? MACAddress(rawValue: a ? e.macA : e.macB).description : nil)
                XCTAssertEqual(d.destMAC, e.hasMACs ? MACAddress(rawValue: a ? e.macB : e.macA).description : nil)
                XCTAssertEqual(
                    d.flowID,
                    CommunityID.text(CommunityID.digest(of: e)))
                XCTAssertEqual(d.sensor, policy.config.sensor)
                XCTAssertEqual(d.endReason, end.name)
                XCTAssertEqual(
                    [d.packetsToServer, d.packetsToClient, d.bytesToServer, d.bytesToClient],
                    a
                        ? [e.packetsAB, e.packetsBA, e.bytesAB, e.bytesBA]
                        : [e.packetsBA, e.packetsAB, e.bytesBA, e.bytesAB])
                XCTAssertEqual(d.verdict, e.verdict?.name)
                XCTAssertEqual(
                    d.allowedBy, format.allowedBy(e).map { FlowLineRecord.AllowedBy(type: $0.kind.name, name: $0.name) }
                )
                XCTAssertEqual(
                    d.tunnel ?? [],
                    tunnels.map {
                        FlowLineRecord.Tunnel(
                            type: $0.type.name, src: $0.addresses?.src.description, dst: $0.addresses?.dst.description,
                            id: $0.identifier.map(UInt64.init))
                    })
            }
        }
    }

    func testABatchWrittenToTheFlowsFileHoldsEachRecordOnItsLine() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flowbatch-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("flows.jsonl").path
        let format = FlowRecordFormat(policy: Gen.hostile)
        let (lines, flows) = batch(format, seed: 9)
        let file = try AlertFile(path: path)
        file.write(lines)
        file.write(lines)
        file.close()
        XCTAssertEqual(file.lines, UInt64(2 * flows.count))
        let written = try String(contentsOfFile: path, encoding: .utf8).split(
            separator: "\n", omittingEmptySubsequences: false)
        let expected = flows.map { format.json($0.0, end: $0.1, tunnels: $0.2) }
        XCTAssertEqual(written.map(String.init), expected + expected + [""])
    }
}
