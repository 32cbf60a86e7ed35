import XCTest
import ZonesepCore

@testable import ZonesepConfig

final class ConfigSummaryTests: XCTestCase {
    func testDesignExampleSummary() throws {
        let config = try XCTUnwrap(ZonesConfigLoader.load(text: Fixtures.designExample, fileName: "zones.conf").config)
        let expired = ConfigSummary.render(config, now: 1_806_505_200_000_000)
        XCTAssertEqual(
            expired,
            """
            sensor        core-switch-mirror
            tunnels       vxlan udp/4789, udp/8472; geneve udp/6081
            internal      10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, fc00::/7
            zones         4
              mynumber   mynumber  マイナンバー利用事務系  10.10.0.0/16, fd00:10::/48
              lgwan      lgwan     LGWAN接続系             10.20.0.0/16  vlans 120, 121
              lgwan-wan  lgwan     lgwan-wan               172.20.0.0/14
              internet   internet  インターネット接続系    10.30.0.0/16
            routers       1
              core-switch  00:1a:2b:3c:4d:5e, 00:1a:2b:3c:4d:5f
            gateways      1
              security-cloud  203.0.113.10, 203.0.113.11
            conduits      1
            sanitisation  2
            exceptions    1 (1 expired)
              web-conference  expires 2027-03-31  expired

            """)
        // Without a clock nothing is marked; before the expiry nothing is either.
        let undated = ConfigSummary.render(config)
        XCTAssertTrue(undated.hasSuffix("exceptions    1\n  web-conference  expires 2027-03-31\n"), undated)
        XCTAssertEqual(ConfigSummary.render(config, now: 0), undated)
    }

    func testSummaryOfAMinimalConfig() {
        let config = PolicyConfig(zones: [])
        XCTAssertEqual(
            ConfigSummary.render(config),
            """
            sensor        zonesep
            tunnels       vxlan udp/4789, udp/8472; geneve udp/6081
            internal      10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, fc00::/7
            zones         0
            gateways      0
            conduits      0
            sanitisation  0
            exceptions    0

            """)
    }

    /// Gateways are listed with their addresses, as zones with their networks, so that a gateway of half
    /// the Internet shows (REVIEW-144 F4); past `listLimit` of them the rest are counted.
    func testGatewaysAreListedWithTheirAddresses() throws {
        let text =
            "[zones.in]\nkind = \"internet\"\nnetworks = [\"10.30.0.0/16\"]\n"
            + (0..<9).map { "[[gateways]]\nname = \"g\($0)\"\naddresses = [\"203.0.113.\($0)\"]\n" }.joined()
        var config = try XCTUnwrap(ZonesConfigLoader.load(text: text, fileName: "zones.conf").config)
        config.gateways[0].addresses.append(IPPrefix("0.0.0.0/1")!)
        let lines = ConfigSummary.render(config).split(separator: "\n").map(String.init)
        let from = try XCTUnwrap(lines.firstIndex(of: "gateways      9"))
        XCTAssertEqual(
            Array(lines[from...].prefix(11)),
            ["gateways      9", "  g0  203.0.113.0, 0.0.0.0/1"] + (1..<8).map { "  g\($0)  203.0.113.\($0)" }
                + ["  … 1 more", "conduits      0"])
    }

    func testDisplayWidth() {
        XCTAssertEqual(ConfigSummary.displayWidth("abc"), 3)
        XCTAssertEqual(ConfigSummary.displayWidth("LGWAN接続系"), 11)
        XCTAssertEqual(ConfigSummary.displayWidth("ｶﾀｶﾅ"), 4)
        XCTAssertEqual(ConfigSummary.displayWidth("e\u{301}"), 1)
    }
}
