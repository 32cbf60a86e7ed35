import XCTest
import ZonesepCore
import ZonesepTestSupport

@testable import ZonesepOutput

/// An alert record written from its prepared runs (`AlertJSONParts`) against the same record written a
/// field at a time: byte for byte the same for every rule, zone (declared, external, unzoned, local) and
/// initiator method, over an ordinary and a hostile policy, through each way a record is written.
final class AlertJSONPartsTests: XCTestCase {
    typealias Random = RendererEquivalenceTests.Random

    func piecewise(_ format: AlertFormat, _ a: Alert) -> String {
        var out: [UInt8] = []
        RecordWriter.writing(into: &out) { w in
            format.writePiecewise(a, into: &w)
            w.byte(UInt8(ascii: "}"))
        }
        return String(decoding: out, as: UTF8.self)
    }

    func testRunsWriteWhatThePiecewiseRecordWrites() {
        for policy in [OutputFixtures.policy, RendererEquivalenceTests.hostile] {
            let format = AlertFormat(policy: policy)
            let slots = policy.zoneMap.zones.indices.map { ZoneRef(zone: $0) } + [.external, .unzoned, .local]
            var r = Random(seed: 23)
            var clock = TimestampCache()
            var viaRuns = 0
            for i in 0..<4000 {
                var a = RendererEquivalenceTests.alert(&r, policy: policy)
                // Every rule, every pair of zones and every initiator method, then random ones.
                if i < RuleID.allCases.count * slots.count * slots.count {
                    a.verdict = Verdict(rule: RuleID.allCases[i % RuleID.allCases.count], conduit: a.verdict.conduit)
                    a.srcZone = slots[i / RuleID.allCases.count % slots.count]
                    a.destZone = slots[i / RuleID.allCases.count / slots.count % slots.count]
                    a.initiator = [.syn, .synAck, .inferred, .firstPacket][i % 4]
                }
                if format.parts.keys(of: a) != nil { viaRuns += 1 }
                let expected = piecewise(format, a)
                XCTAssertEqual(format.json(a), expected, "alert \(i)")
                var line: [UInt8] = []
                format.appendJSON(a, to: &line, clock: &clock, flowID: CommunityID.digest(of: a))
                XCTAssertEqual(String(decoding: line, as: UTF8.self), expected, "alert \(i) with a clock")
                XCTAssertEqual(String(decoding: format.jsonBytes(a, flowID: format.flowID(a)), as: UTF8.self), expected)
            }
            // Most alerts go through the runs; those in a zone the map does not have, piece by piece.
            XCTAssertGreaterThan(viaRuns, 3000)
            XCTAssertLessThan(viaRuns, 4000)
        }
    }

    /// A zone the map does not have has no run: its alert is written piece by piece, the zone named as the
    /// map names it.
    func testAZoneOutsideTheMapIsWrittenPieceByPiece() throws {
        let format = AlertFormat(policy: OutputFixtures.policy)
        var r = Random(seed: 5)
        var a = RendererEquivalenceTests.alert(&r, policy: OutputFixtures.policy)
        a.srcZone = ZoneRef(zone: 40)
        XCTAssertNil(format.parts.keys(of: a))
        a.srcZone = .external
        a.destZone = .local
        XCTAssertNotNil(format.parts.keys(of: a))
        a.destZone = ZoneRef(zone: 40)
        XCTAssertNil(format.parts.keys(of: a))
        XCTAssertEqual(format.json(a), piecewise(format, a))
        let name = OutputFixtures.policy.zoneMap.name(of: a.destZone)
        XCTAssertTrue(format.json(a).contains("\"dest_zone\":\"\(name)\""))
    }
}
