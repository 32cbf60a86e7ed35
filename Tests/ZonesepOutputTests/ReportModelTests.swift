import XCTest
import ZonesepCore

@testable import ZonesepOutput

/// The report model filled from a real run: every violation is there with its alert's fields, and what the
/// report derives (hosts, exception status, coverage gaps, times) is right.
final class ReportModelTests: XCTestCase {
    func testEveryViolationOfTheRunIsInTheModelWithItsAlert() {
        let policy = ReportFixture.policy()
        let summary = ReportFixture.summary(policy: policy)
        let report = AuditReport(summary: summary, provenance: ReportFixture.provenance)
        let format = AlertFormat(policy: policy)

        XCTAssertEqual(summary.violations.count, 6, "the fixture's violating flows")
        XCTAssertEqual(report.violations.count, summary.violations.count)
        for (i, (v, s)) in zip(report.violations, summary.violations).enumerated() {
            XCTAssertEqual(v.number, i + 1)
            XCTAssertEqual(v.flowID, format.flowID(s.alert))
            XCTAssertEqual(v.rule, s.alert.rule)
            XCTAssertEqual(v.srcIP, s.alert.srcIP)
            XCTAssertEqual(v.destPort, s.alert.destPort)
            XCTAssertEqual(v.srcZone, s.alert.srcZone)
            XCTAssertEqual(v.firstSeenMicros, s.firstSeenMicros)
            XCTAssertEqual(v.packets, s.packets)
        }
        XCTAssertEqual(
            report.violations.map(\.rule),
            [
                .sanitisationBypass, .mynumberIsolation, .securityCloudBypass, .securityCloudBypass, .unzonedHost,
                .sanitisationBypass,
            ])
        XCTAssertEqual(report.violations[0].packets, 3, "SYN, SYN-ACK, ACK")
        XCTAssertEqual(report.violations[0].service, "tcp/445")
        XCTAssertEqual(report.count(.critical), 1)
        XCTAssertEqual(report.count(.high), 2)
        XCTAssertEqual(report.count(.medium), 3)
        XCTAssertEqual(report.totals.packets, 9)
        XCTAssertEqual(report.firstPacketMicros, ReportFixture.t0)
        XCTAssertEqual(report.lastPacketMicros, ReportFixture.t0 + 1_800_000_000)
    }

    func testViolationCountsPerZonePair() {
        let r = ReportFixture.report()
        let lgwan = ZoneRef(zone: 1)
        let internet = ZoneRef(zone: 2)
        XCTAssertEqual(r.violationCount(lgwan, internet), 2)
        XCTAssertEqual(r.violationCount(internet, .external), 2)
        XCTAssertEqual(r.violationCount(internet, lgwan), 0)
        XCTAssertEqual(r.violatedPairs().first?.flows, 2)
        XCTAssertEqual(r.violatedPairs().map(\.flows).reduce(0, +), 6)
        XCTAssertEqual(r.cell(lgwan, internet).flows, 2)
    }

    func testOffendingHostsAreInitiatorsMostFlowsFirst() {
        let hosts = ReportFixture.report().offendingHosts()
        XCTAssertEqual(hosts.count, 4)
        // 10.20.3.4 and 10.30.8.15 have two flows each; the tie goes to more bytes.
        XCTAssertEqual(Set(hosts.prefix(2).map(\.address.description)), ["10.20.3.4", "10.30.8.15"])
        XCTAssertEqual(hosts[0].flows, 2)
        let lg = hosts.first { $0.address.description == "10.20.3.4" }
        XCTAssertEqual(lg?.rules, [.sanitisationBypass])
        XCTAssertEqual(lg?.responders, 1)
        XCTAssertEqual(lg?.packets, 4)
        XCTAssertEqual(ReportFixture.report().offendingHosts(limit: 1).count, 1)
    }

    func testExceptionStatusIsJudgedByTheCapturesTime() {
        var r = ReportFixture.report()
        let valid = r.policy.config.exceptions[0]
        let expired = r.policy.config.exceptions[1]
        XCTAssertEqual(r.status(of: valid), .valid)
        XCTAssertEqual(r.status(of: expired), .expired)
        var during = valid
        during.expiresAtMicros = ReportFixture.t0 + 60_000_000
        XCTAssertEqual(r.status(of: during), .expiredDuringCapture)
        r.files = []
        XCTAssertEqual(r.status(of: valid), .unknown)
    }

    func testCoverageGapsBetweenFilesAndLimits() {
        var r = ReportFixture.report()
        XCTAssertEqual(r.coverageGaps(), [])
        XCTAssertFalse(r.isLimited)
        let t = ReportFixture.t0
        r.files = [
            .init(
                path: "a", linkType: "EN10MB", packets: 1, firstPacketMicros: t, lastPacketMicros: t + 10_000_000,
                error: nil),
            .init(
                path: "c", linkType: "EN10MB", packets: 1, firstPacketMicros: t + 20_000_000,
                lastPacketMicros: t + 30_000_000, error: nil),
            .init(
                path: "b", linkType: "EN10MB", packets: 1, firstPacketMicros: t + 600_000_000,
                lastPacketMicros: t + 700_000_000, error: nil),
            .init(
                path: "broken", linkType: nil, packets: 0, firstPacketMicros: nil, lastPacketMicros: nil, error: "bad"),
        ]
        XCTAssertEqual(r.coverageGaps(), [AuditReport.Gap(fromMicros: t + 30_000_000, toMicros: t + 600_000_000)])
        XCTAssertEqual(r.unreadableFiles.map(\.path), ["broken"])
        XCTAssertTrue(r.isLimited)
    }

    func testJSTAndNumberFormatting() {
        let t = ReportFixture.t0 + 123_456
        XCTAssertEqual(ReportText.jst(t), "2026-06-15 08:30:00")
        XCTAssertEqual(ReportText.jstClock(t + 59_000_000, seconds: false), "08:30")
        XCTAssertEqual(ReportText.jstRFC3339(t), "2026-06-15T08:30:00.123456+09:00")
        // 2026-06-14T15:00:00Z is midnight in Japan.
        XCTAssertEqual(ReportText.jst(1_781_449_200_000_000), "2026-06-15 00:00:00")
        XCTAssertEqual(ReportText.jst(1_781_449_200_000_000 - 1), "2026-06-14 23:59:59")
        XCTAssertEqual(ReportText.grouped(0), "0")
        XCTAssertEqual(ReportText.grouped(999), "999")
        XCTAssertEqual(ReportText.grouped(1000), "1,000")
        XCTAssertEqual(ReportText.grouped(UInt64(12_345_678)), "12,345,678")
        XCTAssertEqual(ReportText.duration(45_000_000), "45 s")
        XCTAssertEqual(ReportText.duration(725_000_000), "12 min 5 s")
        XCTAssertEqual(ReportText.duration(12_000_000_000), "3 h 20 min")
        XCTAssertEqual(ReportText.endpoint(IPAddress("fd00::1")!, 443), "[fd00::1]:443")
        XCTAssertEqual(ReportText.endpoint(IPAddress("10.0.0.1")!, nil), "10.0.0.1")
    }

    func testRFC3339ReadsBackWhatZonesepWrites() {
        for t: Int64 in [0, 1, 999_999, ReportFixture.t0 + 123_456, -1, -86_400_000_001, 4_102_444_800_000_000] {
            XCTAssertEqual(ReportText.micros(rfc3339: Timestamp.rfc3339(t)), t, Timestamp.rfc3339(t))
        }
        XCTAssertEqual(ReportText.micros(rfc3339: "2026-06-15T08:30:00+09:00"), ReportFixture.t0)
        XCTAssertEqual(ReportText.micros(rfc3339: "2026-06-14T23:30:00.5Z"), ReportFixture.t0 + 500_000)
        XCTAssertEqual(ReportText.micros(rfc3339: "2026-06-14T23:30:00.123456789Z"), ReportFixture.t0 + 123_456)
        for bad in [
            "", "2026-06-14", "2026-06-14T23:30:00", "2026-13-01T00:00:00Z", "2026-06-14T23:30:00.Z",
            "2026-06-14T25:00:00Z", "2026-06-14T23:30:00Zjunk", "２０２６-06-14T23:30:00Z",
        ] {
            XCTAssertNil(ReportText.micros(rfc3339: bad), bad)
        }
    }
}
