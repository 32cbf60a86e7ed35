import XCTest

@testable import ZonesepOutput

/// §5's words when some IP packets showed no source MAC (REVIEW-130 F3): the host rules judge a device by
/// its MAC, so an empty device list is an all-clear only for the packets that showed one.
final class ReportHostRulesNoMACTests: XCTestCase {
    /// The fixture's run with no device found and `noMAC` of its IP packets without a MAC (nil: a saved run
    /// from before they were counted).
    func report(noMAC: UInt64?) throws -> AuditReport {
        var r = ReportFixture.report()
        r.devices = []
        r.hostFindingsOmitted = 0
        var c = try XCTUnwrap(r.coverage)
        c.hostRulesNoMAC = noMAC
        r.coverage = c
        return r
    }

    func testSomePacketsWithoutAMACQualifyTheAllClear() throws {
        let r = try report(noMAC: 5)
        XCTAssertGreaterThan(r.totals.ipPackets, 5)
        let html = ReportHTML.render(r)
        XCTAssertFalse(html.contains("No device stood in two tiers"))
        XCTAssertTrue(html.contains("Among the packets that showed a MAC address, no device stood in two tiers"))
        XCTAssertTrue(html.contains("5 of the \(ReportHTML.n(r.totals.ipPackets)) IP packets showed no source MAC"))
        XCTAssertTrue(r.isLimited)
        XCTAssertTrue(ReportHTML.limitSummary(r).contains("MACのないIPパケット 5 IP packets without a MAC"))
    }

    func testEveryPacketWithoutAMACMeansTheHostRulesJudgedNothing() throws {
        let r = try report(noMAC: ReportFixture.report().totals.ipPackets)
        let html = ReportHTML.render(r)
        XCTAssertFalse(html.contains("no device stood in two tiers"))
        XCTAssertFalse(html.contains("No device stood in two tiers"))
        XCTAssertTrue(html.contains("so the host rules judged nothing"))
    }

    func testEveryPacketWithAMACKeepsThePlainSentence() throws {
        for noMAC: UInt64? in [0, nil] {
            let r = try report(noMAC: noMAC)
            let html = ReportHTML.render(r)
            XCTAssertTrue(html.contains("No device stood in two tiers or on another zone's VLAN."))
            XCTAssertFalse(html.contains("limits-note no-mac"))
            XCTAssertFalse(ReportHTML.limitSummary(r).contains("MAC (host rules)"))
        }
    }
}
