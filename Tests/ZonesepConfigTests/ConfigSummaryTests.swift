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
              mail-text-relay  mail-text        10.30.5.10 -> 10.20.5.10  tcp/25
              virtual-browser  screen-transfer  10.20.0.0/16 -> 10.30.6.0/28  tcp/3389, udp/3389
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

    /// A sanitisation path without `ports` is listed with its method's usual ports, said as such; a local
    /// date-time expiry with "(JST)", as the warnings read it, and the other forms as written (REVIEW-149 F6).
    func testUsualPortsAndALocalExpiryAreShown() throws {
        let text =
            "[zones.lg]\nkind = \"lgwan\"\nnetworks = [\"10.20.0.0/16\"]\n"
            + "[zones.in]\nkind = \"internet\"\nnetworks = [\"10.30.0.0/16\"]\n"
            + "[[sanitisation]]\nname = \"mail\"\nmethod = \"mail-text\"\nfrom = [\"10.20.1.25\"]\nto = [\"10.30.1.25\"]\n"
            + [
                ("e-date", "2027-03-31"), ("e-local", "2027-03-31T18:00:00"), ("e-offset", "2027-03-31T18:00:00+09:00"),
                ("e-minus", "2027-03-31T18:00:00-05:00"), ("e-z", "2027-03-31T18:00:00Z"),
            ].map {
                "[[exceptions]]\nname = \"\($0.0)\"\nfrom = [\"10.20.1.1\"]\nto = [\"10.30.1.1\"]\nports = [\"tcp/443\"]\n"
                    + "approved = \"x\"\nexpires = \($0.1)\n"
            }.joined()
        let config = try XCTUnwrap(ZonesConfigLoader.load(text: text, fileName: "zones.conf").config)
        let lines = ConfigSummary.render(config).split(separator: "\n").map(String.init)
        XCTAssertTrue(
            lines.contains("  mail  mail-text  10.20.1.25 -> 10.30.1.25  tcp/25, tcp/587 (mail-text's usual ports)"),
            "\(lines)")
        XCTAssertEqual(
            lines.suffix(5),
            [
                "  e-date    expires 2027-03-31", "  e-local   expires 2027-03-31T18:00:00 (JST)",
                "  e-offset  expires 2027-03-31T18:00:00+09:00", "  e-minus   expires 2027-03-31T18:00:00-05:00",
                "  e-z       expires 2027-03-31T18:00:00Z",
            ])
    }
}
