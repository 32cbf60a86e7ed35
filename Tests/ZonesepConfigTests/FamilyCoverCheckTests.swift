import XCTest
import ZonesepCore

@testable import ZonesepConfig

/// A zone's networks that together hold every IPv4 address (`0.0.0.0/1` + `128.0.0.0/1`), or every global
/// unicast IPv6 address (`2000::/3`), leave no address of the family external, as `0.0.0.0/0` does, and
/// three rules can never fire; only the literal /0 was warned about (REVIEW-148 F4). Likewise an internal
/// space of `0.0.0.0/0`: every address in no zone is unzoned, none external.
final class FamilyCoverCheckTests: XCTestCase {
    func warnings(_ text: String) -> [String] {
        let r = ZonesConfigLoader.load(text: text, fileName: "zones.conf", now: nil)
        XCTAssertNotNil(r.config, "a warning, not an error: the file still loads")
        return r.diagnostics.map(\.description).filter { $0.contains(" puts every ") }
    }

    func zone(_ networks: [String]) -> [String] {
        warnings(
            "[zones.in]\nkind = \"internet\"\nnetworks = [\n"
                + networks.map { "  \"\($0)\",\n" }.joined() + "]\n")
    }

    static let ipv4 =
        "puts every IPv4 address that no narrower zone network holds in zone 'in': no IPv4 address is then external "
        + "or unzoned, so lgwan-external, security-cloud-bypass and unzoned-host never fire for IPv4; list the town "
        + "hall's own networks and leave the Internet beyond them external"
    static let ipv6 =
        "puts every global unicast IPv6 address (2000::/3, the Internet's) that no narrower zone network holds in "
        + "zone 'in': no global unicast IPv6 address is then external or unzoned, so lgwan-external, "
        + "security-cloud-bypass and unzoned-host never fire for the Internet's IPv6 addresses; list the town hall's "
        + "own networks and leave the Internet beyond them external"

    /// Warned at the network that completes the cover (its file line), naming those before it.
    func testNetworksThatTogetherHoldEveryIPv4AddressAreWarnedAbout() {
        XCTAssertEqual(
            zone(["10.30.0.0/16", "0.0.0.0/1", "128.0.0.0/1"]),
            [
                "zones.conf:6: warning: zones.in.networks[2]: 128.0.0.0/1, with the zone's networks before it "
                    + "(10.30.0.0/16, 0.0.0.0/1), " + Self.ipv4
            ])
        // Local ranges (multicast 224.0.0.0/4) are in no zone and never external: a cover may leave them out.
        XCTAssertEqual(
            zone(["0.0.0.0/1", "128.0.0.0/2", "192.0.0.0/3", "240.0.0.0/4", "10.30.0.0/16"]),
            [
                "zones.conf:7: warning: zones.in.networks[3]: 240.0.0.0/4, with the zone's networks before it "
                    + "(0.0.0.0/1, 128.0.0.0/2, 192.0.0.0/3), " + Self.ipv4
            ])
        // Short of every address: 240.0.0.0/4 (not local) stays external.
        XCTAssertEqual(zone(["0.0.0.0/1", "128.0.0.0/2", "192.0.0.0/3"]), [])
        XCTAssertEqual(zone(["0.0.0.0/1"]), [])
    }

    func testNetworksThatHoldEveryGlobalUnicastIPv6AddressAreWarnedAbout() {
        XCTAssertEqual(
            zone(["fd00:30::/48", "2000::/3"]), ["zones.conf:5: warning: zones.in.networks[1]: 2000::/3 " + Self.ipv6])
        XCTAssertEqual(zone(["::/1"]), ["zones.conf:4: warning: zones.in.networks[0]: ::/1 " + Self.ipv6])
        XCTAssertEqual(
            zone(["3000::/4", "2000::/4"]),
            [
                "zones.conf:5: warning: zones.in.networks[1]: 2000::/4, with the zone's networks before it "
                    + "(3000::/4), " + Self.ipv6
            ])
        XCTAssertEqual(zone(["2000::/4", "fd00:30::/48"]), [])
    }

    /// A literal /0 keeps its own warning, and gets no second one.
    func testASlashZeroIsWarnedAboutOnce() {
        XCTAssertEqual(zone(["0.0.0.0/1", "0.0.0.0/0"]).count, 1)
        XCTAssertEqual(zone(["::/0"]).count, 1)
        XCTAssertEqual(zone(["::/0"]).first?.contains("every IPv6 address"), true)
    }

    func testAnInternalSpaceOfEveryAddressIsWarnedAbout() {
        let zones = "[zones.in]\nkind = \"internet\"\nnetworks = [\"10.30.0.0/16\"]\n"
        XCTAssertEqual(
            warnings("[internal]\nnetworks = [\"10.0.0.0/8\", \"0.0.0.0/0\", \"::/0\"]\n" + zones),
            [
                "zones.conf:2: warning: internal.networks[1]: 0.0.0.0/0, with the internal networks before it "
                    + "(10.0.0.0/8), puts every IPv4 address that no zone holds in the internal space: no IPv4 "
                    + "address is then external, so a flow to the Internet is unzoned-host, lgwan-external and "
                    + "security-cloud-bypass never fire for IPv4 and no gateway address there takes effect; list the "
                    + "town hall's internal networks only",
                "zones.conf:2: warning: internal.networks[2]: ::/0 puts every global unicast IPv6 address (2000::/3, "
                    + "the Internet's) that no zone holds in the internal space: no global unicast IPv6 address is "
                    + "then external, so a flow to the Internet is unzoned-host, lgwan-external and "
                    + "security-cloud-bypass never fire for the Internet's IPv6 addresses and no gateway address "
                    + "there takes effect; list the town hall's internal networks only",
            ])
        XCTAssertEqual(warnings("[internal]\nnetworks = [\"10.0.0.0/8\", \"fc00::/7\"]\n" + zones), [])
        XCTAssertEqual(warnings(zones), [], "the default internal space")
    }
}
