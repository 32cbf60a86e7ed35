import Foundation
import XCTest

/// `zonesep check` on gateways, conduits and sanitisation paths that can never take effect, about which it
/// said nothing: a gateway inside a zone or inside the internal space in no zone (security-cloud-bypass only
/// asks about external addresses), and a conduit or sanitisation path whose `from` and `to` are of different
/// families (a flow's two ends are of one). One warning each, naming the declaration and its line; exit 0.
final class CheckDeclarationReachTests: ScratchDirectoryTestCase {
    static let zones = """
        [zones.my]
        kind = "mynumber"
        networks = ["10.10.0.0/16", "fd00:10::/48"]
        [zones.lg]
        kind = "lgwan"
        networks = ["10.20.0.0/16", "fd00:20::/48"]
        [zones.in]
        kind = "internet"
        networks = ["10.30.0.0/16"]

        """

    /// `check`'s warnings on the shipped zones plus `declaration` (which starts on line 10).
    func warnings(_ name: String, _ declaration: String) throws -> (prefix: String, lines: [String]) {
        let file = scratch.appendingPathComponent(name)
        try (Self.zones + declaration).write(to: file, atomically: true, encoding: .utf8)
        let outcome = try Harness.run(zonesep, ["check", "--config", file.path], timeout: 60)
        XCTAssertEqual(outcome.status, 0, outcome.brief)
        let lines = outcome.stderrText.split(separator: "\n").map(String.init)
        return ("zonesep: \(file.path)", lines.filter { $0.contains(": warning: ") })
    }

    func testAGatewayInsideTheInternalSpaceIsSaidToNeverTakeEffect() throws {
        let rule = "the security-cloud rule looks only at external addresses"
        let (p1, unzoned) = try warnings(
            "gw-unzoned.conf", "[[gateways]]\nname = \"pref-proxy\"\naddresses = [\"172.31.0.10\"]\n")
        XCTAssertEqual(
            unzoned,
            [
                "\(p1):12: warning: gateways[0].addresses[0]: 172.31.0.10 is in the internal space but in no zone "
                    + "(flows to it are unzoned-host); gateway 'pref-proxy' never takes effect there: \(rule) (in no "
                    + "zone and outside the internal space)"
            ])
        let (p2, zoned) = try warnings(
            "gw-zoned.conf", "[[gateways]]\nname = \"in-lgwan\"\naddresses = [\"10.20.0.1\", \"203.0.113.10\"]\n")
        XCTAssertEqual(
            zoned,
            [
                "\(p2):12: warning: gateways[0].addresses[0]: 10.20.0.1 lies in lg (lgwan); gateway 'in-lgwan' never "
                    + "takes effect there: \(rule) (in no zone and outside the internal space)"
            ])
    }

    func testAConduitOrSanitisationPathOfTwoFamiliesIsSaidToNeverAllowAFlow() throws {
        let (p1, conduit) = try warnings(
            "conduit.conf",
            "[[conduits]]\nname = \"c\"\nfrom = { addresses = [\"fd00:10::1\"] }\nto = { addresses = [\"10.20.1.1\"] }\n"
                + "ports = [\"tcp/443\"]\n")
        XCTAssertEqual(
            conduit,
            [
                "\(p1):10: warning: conduits[0]: conduit 'c' can never allow a flow: its 'from' addresses are IPv6 "
                    + "and its 'to' addresses IPv4, and a flow's two ends are of one family"
            ])
        let (p2, path) = try warnings(
            "sanitisation.conf",
            "[[sanitisation]]\nname = \"s\"\nmethod = \"mail-text\"\nfrom = [\"10.30.1.1\"]\nto = [\"fd00:20::1\"]\n")
        XCTAssertEqual(
            path,
            [
                "\(p2):10: warning: sanitisation[0]: sanitisation path 's' can never allow a flow: its 'from' "
                    + "addresses are IPv4 and its 'to' addresses IPv6, and a flow's two ends are of one family"
            ])
    }
}
