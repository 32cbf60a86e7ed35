import XCTest
import ZonesepCore
import ZonesepTestSupport

@testable import ZonesepConfig

/// An internet zone's network around networks of lgwan or mynumber zones is said (REVIEW-149 F5): nest8.conf's
/// internet zone typed 10.0.0.0/8 for 10.30.0.0/16 takes every unregistered 10.x device into the Internet
/// zone. An internet DMZ inside the LGWAN's range, nests of one kind, and a /0 (which has its own warning)
/// are not.
final class NestedZoneCheckTests: XCTestCase {
    func load(_ text: String) -> ConfigResult {
        ZonesConfigLoader.load(text: text, fileName: "zones.conf", now: nil)
    }

    func testAnInternetZoneAroundTheClosedTiersIsSaid() {
        let text =
            ZonesText.zone("my", kind: "mynumber", "10.10.0.0/16") + ZonesText.zone("lg", kind: "lgwan", "10.20.0.0/16")
            + ZonesText.zone("in", kind: "internet", "10.0.0.0/8", "fd00:30::/48")
        let r = load(text)
        XCTAssertEqual(r.errors, [])
        XCTAssertEqual(
            r.warnings.map(\.description),
            [
                "zones.conf:9: warning: zones.in.networks[0]: 10.0.0.0/8 of zone 'in' (internet) takes in networks of "
                    + "zones of other kinds: 10.10.0.0/16 of 'my' (mynumber), 10.20.0.0/16 of 'lg' (lgwan); the most "
                    + "specific network wins, so those stay theirs, but every other address of 10.0.0.0/8, an "
                    + "unregistered device's too, is in zone 'in' and never unzoned-host; if that is not meant, list "
                    + "only the zone's own networks"
            ])
    }

    func testADMZNestsOfOneKindAndACatchAllAreNotSaid() {
        let dmz = load(
            ZonesText.zone("lg", kind: "lgwan", "10.20.0.0/16")
                + ZonesText.zone("dmz", kind: "internet", "10.20.99.0/24"))
        XCTAssertEqual(dmz.diagnostics, [])
        let sameKind = load(
            ZonesText.zone("lg", kind: "lgwan", "10.20.0.0/16") + ZonesText.zone("wan", kind: "lgwan", "10.0.0.0/8"))
        XCTAssertEqual(sameKind.diagnostics, [])
        // An IPv6 network holds no IPv4 zone network, even one around the IPv4-mapped block.
        let families = load(
            ZonesText.zone("lg", kind: "lgwan", "10.20.0.0/16") + ZonesText.zone("in", kind: "internet", "fd00::/8"))
        XCTAssertEqual(families.diagnostics, [])
        let all = load(
            ZonesText.zone("lg", kind: "lgwan", "10.20.0.0/16") + ZonesText.zone("in", kind: "internet", "0.0.0.0/0"))
        XCTAssertEqual(all.warnings.count, 1, "\(all.diagnostics)")
        XCTAssertTrue(all.warnings[0].message.contains("puts every IPv4 address that no narrower zone network holds"))
    }
}
