import Foundation
import XCTest
import ZonesepCore
import ZonesepTestSupport

@testable import ZonesepConfig

/// 2027-04-01T00:00:00+09:00: the first instant after 2027-03-31 in Japan, in µs since the epoch.
private let endOf20270331JST: Int64 = 1_806_505_200_000_000

private func p(_ text: String) -> IPPrefix {
    IPPrefix(text) ?? IPPrefix(address: IPAddress(v4: 0), length: 0)
}

final class ZonesConfigLoaderTests: XCTestCase {
    private func load(_ text: String, now: Int64? = nil) -> ConfigResult {
        ZonesConfigLoader.load(text: text, fileName: "zones.conf", now: now)
    }

    /// `base` (three zones on lines 1-9) followed by `extra` from line 10.
    private func loadBase(_ extra: String, now: Int64? = nil) -> ConfigResult {
        load(Fixtures.base + extra, now: now)
    }

    /// Asserts one diagnostic with this severity, line and key path whose message contains `message`.
    @discardableResult
    private func assertDiagnostic(
        _ r: ConfigResult, _ severity: ConfigDiagnostic.Severity, line: Int?, keyPath: String, _ message: String,
        file: StaticString = #filePath, testLine: UInt = #line
    ) -> ConfigDiagnostic? {
        let matches = r.diagnostics.filter { $0.keyPath == keyPath && $0.severity == severity && $0.line == line }
        guard let d = matches.first else {
            XCTFail(
                "no \(severity) at line \(line.map(String.init) ?? "-") for \(keyPath); got:\n"
                    + r.diagnostics.map(\.description).joined(separator: "\n"), file: file, line: testLine)
            return nil
        }
        XCTAssertEqual(matches.count, 1, "\(matches)", file: file, line: testLine)
        XCTAssertTrue(d.message.contains(message), "message was: \(d.message)", file: file, line: testLine)
        XCTAssertEqual(d.fileName, "zones.conf", file: file, line: testLine)
        if severity == .error {
            XCTAssertNil(r.config, "an error must withhold the config", file: file, line: testLine)
        }
        return d
    }

    private func assertClean(_ r: ConfigResult, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(
            r.diagnostics, [], r.diagnostics.map(\.description).joined(separator: "\n"), file: file, line: line)
        XCTAssertNotNil(r.config, file: file, line: line)
    }

    // MARK: The complete example

    func testDesignExampleLoadsToExpectedPolicy() {
        let r = load(Fixtures.designExample)
        assertClean(r)
        let expected = PolicyConfig(
            sensor: "core-switch-mirror",
            internal: [p("10.0.0.0/8"), p("172.16.0.0/12"), p("192.168.0.0/16"), p("fc00::/7")],
            zones: [
                Zone(
                    id: "mynumber", kind: .mynumber, label: "マイナンバー利用事務系",
                    networks: [p("10.10.0.0/16"), p("fd00:10::/48")]),
                Zone(id: "lgwan", kind: .lgwan, label: "LGWAN接続系", networks: [p("10.20.0.0/16")], vlans: [120, 121]),
                Zone(id: "lgwan-wan", kind: .lgwan, label: "lgwan-wan", networks: [p("172.20.0.0/14")]),
                Zone(id: "internet", kind: .internet, label: "インターネット接続系", networks: [p("10.30.0.0/16")]),
            ],
            gateways: [Gateway(name: "security-cloud", addresses: [p("203.0.113.10"), p("203.0.113.11")])],
            conduits: [
                Conduit(
                    name: "intermediate-server", from: [p("10.10.1.5")],
                    fromMAC: MACAddress(rawValue: 0x0200_0000_0105),
                    to: [p("172.20.9.9")], toMAC: nil, ports: [.tcp(443...443)])
            ],
            sanitisation: [
                SanitisationPath(
                    name: "mail-text-relay", method: .mailText, from: [p("10.30.5.10")], to: [p("10.20.5.10")],
                    ports: [.tcp(25...25)]),
                SanitisationPath(
                    name: "virtual-browser", method: .screenTransfer, from: [p("10.20.0.0/16")],
                    to: [p("10.30.6.0/28")],
                    ports: [.tcp(3389...3389), .udp(3389...3389)]),
            ],
            exceptions: [
                PolicyException(
                    name: "web-conference", from: [p("10.30.0.0/16")], to: [p("198.51.100.0/24")],
                    ports: [.tcp(443...443), .udp(3478...3481)], approved: "CISO approval 2026-04-01 No.12",
                    expiresAtMicros: endOf20270331JST, expiresText: "2027-03-31")
            ],
            routers: [
                Router(
                    name: "core-switch",
                    macs: [MACAddress(rawValue: 0x001a_2b3c_4d5e), MACAddress(rawValue: 0x001a_2b3c_4d5f)])
            ],
            tunnelPorts: TunnelPorts(vxlan: [4789, 8472], geneve: [6081])!)
        XCTAssertEqual(r.config, expected)
        XCTAssertEqual(r.config?.conduits.first?.fromMAC?.description, "02:00:00:00:01:05")
    }

    func testExpiryInstantAgreesWithFoundation() {
        let f = ISO8601DateFormatter()
        let date = f.date(from: "2027-04-01T00:00:00+09:00")
        XCTAssertEqual(date.map { Int64($0.timeIntervalSince1970) * 1_000_000 }, endOf20270331JST)
    }

    func testSanitisationWithoutPortsTakesTheMethodDefaults() {
        let text = Fixtures.designExample.replacingOccurrences(of: "ports = [\"tcp/25\"]\n", with: "")
            .replacingOccurrences(of: "ports = [\"tcp/3389\", \"udp/3389\"]\n", with: "")
        let r = load(text)
        assertClean(r)
        XCTAssertEqual(
            r.config?.sanitisation.map(\.ports),
            [SanitisationMethod.mailText.defaultPorts, SanitisationMethod.screenTransfer.defaultPorts])
        XCTAssertEqual(r.config?.sanitisation.first?.ports, [.tcp(25...25), .tcp(587...587)])
    }

    func testExampleExpiredExceptionIsAWarning() {
        // At 2027-04-01T00:00:00+09:00 the exception has just expired; a microsecond earlier it had not.
        assertClean(load(Fixtures.designExample, now: endOf20270331JST - 1))
        let r = load(Fixtures.designExample, now: endOf20270331JST)
        XCTAssertNotNil(r.config)
        let d = assertDiagnostic(
            r, .warning, line: 63, keyPath: "exceptions[0].expires", "expired at the end of 2027-03-31 (JST)")
        XCTAssertEqual(
            d?.description,
            "zones.conf:63: warning: exceptions[0].expires: exception 'web-conference' expired at the end of 2027-03-31 (JST) by today's date; it allows no flow seen live, but a replay still applies it to packets from before then"
        )
    }

    func testBaseDefaults() {
        let r = load(Fixtures.base)
        assertClean(r)
        XCTAssertEqual(r.config?.sensor, "zonesep")
        XCTAssertEqual(r.config?.internal, PolicyConfig.defaultInternal)
        XCTAssertEqual(r.config?.zones.map(\.label), ["mynumber", "lgwan", "internet"])
        XCTAssertEqual(r.config?.gateways, [])
    }

    // MARK: Diagnostic rendering

    func testDescriptionIsCompilerStyle() {
        // Line 14 is the lgwan zone's networks, whose third (column 45) is no network.
        let text = [
            ZonesText.sensor("s") + ZonesText.zone("mynumber", "10.10.0.0/16"),
            ZonesText.zone("internet", "10.30.0.0/16"),
            ZonesText.zone("lgwan", "10.20.0.0/16", "10.21.0.0/16", "10.20.0.0/33"),
        ].joined(separator: "\n")
        let r = load(text)
        XCTAssertEqual(
            r.diagnostics.map(\.description),
            ["zones.conf:14: zones.lgwan.networks[2]: '10.20.0.0/33' is not an IPv4 or IPv6 network"])
        XCTAssertEqual(r.diagnostics.first?.column, 45)
        XCTAssertNil(r.config)
        XCTAssertTrue(r.hasErrors)
        XCTAssertEqual(r.errors.count, 1)
        XCTAssertEqual(r.warnings.count, 0)
    }

    func testDescriptionWithoutLineOrKeyPath() {
        let d = ConfigDiagnostic(severity: .error, fileName: "/etc/zonesep/zones.conf", message: "cannot read")
        XCTAssertEqual(d.description, "/etc/zonesep/zones.conf: cannot read")
        let s = ConfigDiagnostic(severity: .error, fileName: "z", line: 3, column: 9, message: "syntax")
        XCTAssertEqual(s.description, "z:3:9: syntax")
    }

    // MARK: TOML errors

    func testSyntaxErrorIsOneDiagnosticWithLineAndColumn() {
        let r = loadBase("[sensor]\nname = core\n")
        XCTAssertNil(r.config)
        XCTAssertEqual(r.diagnostics.count, 1)
        XCTAssertEqual(r.diagnostics.first?.line, 11)
        XCTAssertEqual(r.diagnostics.first?.column, 8)
        XCTAssertEqual(r.diagnostics.first?.keyPath, "")
        XCTAssertEqual(
            r.diagnostics.first?.description,
            "zones.conf:11:8: 'core' is not a value; write a string in quotes: \"core\"")
    }

    func testDuplicateKeyNamesTheKey() {
        let r = loadBase("[zones.extra]\nkind = \"lgwan\"\nkind = \"internet\"\n")
        let d = assertDiagnostic(r, .error, line: 12, keyPath: "zones.extra.kind", "duplicate key")
        XCTAssertEqual(
            d?.description,
            "zones.conf:12: zones.extra.kind: duplicate key 'zones.extra.kind' (first defined at line 11)")
    }

    func testTableDefinedTwice() {
        let r = loadBase("[zones.lgwan]\nlabel = \"again\"\n")
        assertDiagnostic(
            r, .error, line: 10, keyPath: "zones.lgwan", "table [zones.lgwan] is defined twice (first at line 4)")
    }

    // MARK: Keys and types

    func testUnknownTopLevelKey() {
        let r = loadBase("[sensr]\nname = \"x\"\n")
        assertDiagnostic(
            r, .error, line: 10, keyPath: "sensr",
            "unknown key 'sensr' (did you mean 'sensor'?); allowed keys: sensor, internal, zones, routers, gateways, conduits, sanitisation, exceptions"
        )
    }

    func testUnknownKeyInZone() {
        let r = loadBase("[zones.extra]\nkind = \"lgwan\"\nlable = \"x\"\nnetworks = [\"10.40.0.0/16\"]\n")
        assertDiagnostic(
            r, .error, line: 12, keyPath: "zones.extra.lable",
            "unknown key 'lable' (did you mean 'label'?); allowed keys: kind, label, networks")
    }

    func testUnknownKeyInConduitEndpoint() {
        let r = loadBase(
            """
            [[conduits]]
            name = "c"
            from = { addresses = ["10.10.1.5"], macc = "02:00:00:00:01:05" }
            to = { addresses = ["10.20.1.5"] }
            ports = ["tcp/443"]
            """)
        assertDiagnostic(r, .error, line: 12, keyPath: "conduits[0].from.macc", "allowed keys: addresses, mac")
        XCTAssertEqual(r.diagnostics.count, 1)
    }

    func testUnknownKeyWithoutSuggestion() {
        let r = loadBase("[internal]\nnetworks = [\"10.0.0.0/8\"]\ncompletely_different = 1\n")
        let d = assertDiagnostic(
            r, .error, line: 12, keyPath: "internal.completely_different", "allowed keys: networks")
        XCTAssertEqual(d?.message.contains("did you mean"), false)
    }

    func testWrongValueTypes() {
        let r = load("sensor = \"core\"\n" + Fixtures.base)
        assertDiagnostic(r, .error, line: 1, keyPath: "sensor", "expected a table [sensor], found a string")

        let s = loadBase("[sensor]\nname = 42\n")
        assertDiagnostic(s, .error, line: 11, keyPath: "sensor.name", "expected a string, found an integer")

        let n = loadBase("[zones.extra]\nkind = \"lgwan\"\nnetworks = \"10.40.0.0/16\"\n")
        assertDiagnostic(
            n, .error, line: 12, keyPath: "zones.extra.networks",
            "expected an array of networks like [\"10.0.0.0/8\"], found a string")

        let e = loadBase("[zones.extra]\nkind = \"lgwan\"\nnetworks = [\"10.40.0.0/16\", 10]\n")
        assertDiagnostic(
            e, .error, line: 12, keyPath: "zones.extra.networks[1]",
            "expected a string like \"10.0.0.0/8\", found an integer")

        let g = loadBase("[gateways]\nname = \"g\"\n")
        assertDiagnostic(
            g, .error, line: 10, keyPath: "gateways", "expected an array of tables, written [[gateways]], found a table"
        )

        let z = load("zones = [1]\n")
        assertDiagnostic(z, .error, line: 1, keyPath: "zones", "expected a table [zones], found an array")

        let zz = load("[zones]\nlgwan = 1\n")
        assertDiagnostic(
            zz, .error, line: 2, keyPath: "zones.lgwan", "expected a table [zones.lgwan], found an integer")

    }

    func testStaticArrayOfInlineTablesIsAccepted() {
        let r = load(
            """
            gateways = [ { name = "a", addresses = ["203.0.113.1"] }, "oops" ]

            """ + Fixtures.base)
        assertDiagnostic(r, .error, line: 1, keyPath: "gateways[1]", "expected a table, found a string")
        let ok = load("gateways = [ { name = \"a\", addresses = [\"203.0.113.1\"] } ]\n" + Fixtures.base)
        assertClean(ok)
        XCTAssertEqual(ok.config?.gateways, [Gateway(name: "a", addresses: [p("203.0.113.1")])])
    }

    // MARK: Sensor and internal

    func testSensorName() {
        XCTAssertEqual(loadBase("[sensor]\nname = \"町役場-core\"\n").config?.sensor, "町役場-core")
        XCTAssertEqual(loadBase("[sensor]\n").config?.sensor, "zonesep")
        assertDiagnostic(
            loadBase("[sensor]\nname = \"  \"\n"), .error, line: 11, keyPath: "sensor.name", "must not be empty")
    }

    func testInternalNetworks() {
        let r = loadBase("[internal]\nnetworks = [\"10.0.0.0/8\", \"2001:db8::/32\"]\n")
        assertClean(r)
        XCTAssertEqual(r.config?.internal, [p("10.0.0.0/8"), p("2001:db8::/32")])
        XCTAssertEqual(loadBase("[internal]\n").config?.internal, PolicyConfig.defaultInternal)
        let bad = loadBase("[internal]\nnetworks = [\"10.0.0.0/8\", \"300.0.0.0/8\"]\n")
        assertDiagnostic(
            bad, .error, line: 11, keyPath: "internal.networks[1]", "'300.0.0.0/8' is not an IPv4 or IPv6 network")
        let empty = loadBase("[internal]\nnetworks = []\n")
        assertDiagnostic(empty, .error, line: 11, keyPath: "internal.networks", "must list at least one network")
    }

    // MARK: Zones

    func testZoneKindMissing() {
        let r = loadBase("[zones.extra]\nnetworks = [\"10.40.0.0/16\"]\n")
        assertDiagnostic(
            r, .error, line: 10, keyPath: "zones.extra", "missing required key 'kind' (mynumber, lgwan or internet)")
    }

    func testZoneKindInvalid() {
        let r = loadBase("[zones.extra]\nkind = \"dmz\"\nnetworks = [\"10.40.0.0/16\"]\n")
        assertDiagnostic(
            r, .error, line: 11, keyPath: "zones.extra.kind",
            "'dmz' is not a zone kind; expected mynumber, lgwan or internet")
    }

    func testZoneLabelDefaultsToIdAndMustNotBeEmpty() {
        let r = loadBase("[zones.\"第二庁舎\"]\nkind = \"lgwan\"\nnetworks = [\"10.40.0.0/16\"]\n")
        assertClean(r)
        XCTAssertEqual(r.config?.zones.last?.label, "第二庁舎")
        XCTAssertEqual(r.config?.zones.last?.id, "第二庁舎")
        let e = loadBase("[zones.extra]\nkind = \"lgwan\"\nlabel = \"\"\nnetworks = [\"10.40.0.0/16\"]\n")
        assertDiagnostic(e, .error, line: 12, keyPath: "zones.extra.label", "must not be empty")
        let q = loadBase("[zones.\"第二 庁舎\"]\nkind = \"lgwan\"\nnetworks = [\"10.40.0.0/33\"]\n")
        assertDiagnostic(q, .error, line: 12, keyPath: "zones.\"第二 庁舎\".networks[0]", "is not an IPv4 or IPv6 network")
    }

    func testZoneNetworksMissingOrEmpty() {
        let r = loadBase("[zones.extra]\nkind = \"lgwan\"\n")
        assertDiagnostic(r, .error, line: 10, keyPath: "zones.extra", "missing required key 'networks'")
        let e = loadBase("[zones.extra]\nkind = \"lgwan\"\nnetworks = []\n")
        assertDiagnostic(e, .error, line: 12, keyPath: "zones.extra.networks", "must list at least one network")
    }

    func testZoneNetworkSingleAddressesAndIPv6() {
        let r = loadBase(
            "[zones.extra]\nkind = \"lgwan\"\nnetworks = [\"10.40.1.1\", \"fd00:40::/48\", \"fd00:41::1\"]\n")
        assertClean(r)
        XCTAssertEqual(r.config?.zones.last?.networks, [p("10.40.1.1/32"), p("fd00:40::/48"), p("fd00:41::1/128")])
    }

    /// An IPv6 prefix around the IPv4-mapped block holds no IPv4 address: `::/0` (every IPv6 address) is not
    /// warned about for it (only as a zone of every IPv6 address: LocalZoneNetworkCheckTests), a longer one
    /// (most likely meant for IPv4) is, and neither reaches the IPv4 mynumber zone (no "lies in a mynumber
    /// zone" warning). An IPv4-mapped prefix is the IPv4 one.
    func testIPv6PrefixesAroundTheIPv4Block() {
        let all = loadBase("[zones.inet6]\nkind = \"internet\"\nnetworks = [\"::/0\"]\n")
        XCTAssertEqual(all.diagnostics.count, 1, all.diagnostics.map(\.description).joined(separator: "\n"))
        XCTAssertTrue(all.diagnostics.first?.description.contains("::/0 puts every IPv6 address") ?? false)
        let z = loadBase("[zones.inet6]\nkind = \"internet\"\nnetworks = [\"::/64\"]\n")
        // (It also takes in :: and ::1, which are local: LocalZoneNetworkCheckTests.)
        XCTAssertEqual(z.diagnostics.count, 2, z.diagnostics.map(\.description).joined(separator: "\n"))
        XCTAssertEqual(
            z.diagnostics.first?.description,
            "zones.conf:12: warning: zones.inet6.networks[0]: ::/64 is an IPv6 prefix around the IPv4-mapped block "
                + "::ffff:0:0/96 and matches IPv6 addresses only, no IPv4 address; name IPv4 addresses by IPv4 "
                + "prefixes (such as 0.0.0.0/0)")
        XCTAssertEqual(z.diagnostics.last?.severity, .warning)
        XCTAssertTrue(z.diagnostics.last?.message.hasPrefix("::/64 takes in local addresses (::, ::1") ?? false)
        let e = loadBase(
            "[[exceptions]]\nname = \"v6\"\nfrom = [\"10.20.0.0/16\", \"fd00:20::/48\"]\nto = [\"::/0\", \"::/80\"]\n"
                + "ports = [\"tcp/443\"]\napproved = \"No.1\"\nexpires = 2030-01-01\n", now: endOf20270331JST)
        // (An IPv6 initiator too: from IPv4 addresses only, it could allow no flow, and `check` would say so.)
        assertDiagnostic(e, .warning, line: 13, keyPath: "exceptions[0].to[1]", "::/80 is an IPv6 prefix around")
        XCTAssertEqual(e.diagnostics.count, 1, e.diagnostics.map(\.description).joined(separator: "\n"))
        let mapped = loadBase("[zones.extra]\nkind = \"lgwan\"\nnetworks = [\"::ffff:10.40.0.0/112\"]\n")
        assertClean(mapped)
        XCTAssertEqual(mapped.config?.zones.last?.networks, [p("10.40.0.0/16")])
    }

    func testHostBitsAreAWarning() {
        let r = loadBase("[zones.extra]\nkind = \"lgwan\"\nnetworks = [\"10.40.2.3/16\"]\n")
        assertDiagnostic(
            r, .warning, line: 12, keyPath: "zones.extra.networks[0]",
            "'10.40.2.3/16' has host bits set beyond the prefix length; it is read as 10.40.0.0/16")
        XCTAssertEqual(r.config?.zones.last?.networks, [p("10.40.0.0/16")])
        XCTAssertEqual(r.config?.zones.last?.networks.first?.hadHostBits, false)
    }

    func testSamePrefixInTwoZonesIsAnError() {
        let r = loadBase("[zones.lgwan2]\nkind = \"lgwan\"\nnetworks = [\"10.50.0.0/16\", \"10.20.0.0/16\"]\n")
        assertDiagnostic(
            r, .error, line: 12, keyPath: "zones.lgwan2.networks[1]",
            "10.20.0.0/16 is in both zone 'lgwan' (line 6) and zone 'lgwan2'; a network belongs to one zone")
        // Host bits do not hide the clash.
        let h = loadBase("[zones.lgwan2]\nkind = \"internet\"\nnetworks = [\"10.20.9.9/16\"]\n")
        assertDiagnostic(h, .error, line: 12, keyPath: "zones.lgwan2.networks[0]", "is in both zone 'lgwan'")
        // A more specific prefix inside another zone's is how zones nest: fine.
        assertClean(loadBase("[zones.dmz]\nkind = \"internet\"\nnetworks = [\"10.20.99.0/24\"]\n"))
    }

    func testSamePrefixTwiceInOneZoneIsAWarning() {
        let r = loadBase("[zones.extra]\nkind = \"lgwan\"\nnetworks = [\n  \"10.40.0.0/16\",\n  \"10.40.0.0/16\",\n]\n")
        assertDiagnostic(
            r, .warning, line: 14, keyPath: "zones.extra.networks[1]",
            "10.40.0.0/16 is listed twice (also zones.extra.networks[0])")
        XCTAssertEqual(r.config?.zones.last?.networks, [p("10.40.0.0/16")])
    }

    /// A repeat names the list index of the first listing, counted in the file's list even after
    /// entries that were left out (not strings, not prefixes, earlier repeats), in short and long lists.
    func testRepeatNamesTheFirstListIndexAfterLeftOutEntries() {
        let r = loadBase(
            "[zones.extra]\nkind = \"lgwan\"\nnetworks = [\"no\", 7, \"10.40.0.0/16\", \"10.40.0.0/16\", "
                + "\"10.41.0.0/16\", \"10.40.0.0/16\", \"10.41.0.0/16\"]\n")
        assertDiagnostic(
            r, .warning, line: 12, keyPath: "zones.extra.networks[3]",
            "10.40.0.0/16 is listed twice (also zones.extra.networks[2])")
        assertDiagnostic(
            r, .warning, line: 12, keyPath: "zones.extra.networks[5]",
            "10.40.0.0/16 is listed twice (also zones.extra.networks[2])")
        assertDiagnostic(
            r, .warning, line: 12, keyPath: "zones.extra.networks[6]",
            "10.41.0.0/16 is listed twice (also zones.extra.networks[4])")
        let many = (0..<20).map { "\"10.4\($0 % 10).0.0/16\"" }
        let long = loadBase(
            "[zones.extra]\nkind = \"lgwan\"\nnetworks = [\"x\", " + many.joined(separator: ", ") + "]\n")
        for k in 11...20 {
            assertDiagnostic(
                long, .warning, line: 12, keyPath: "zones.extra.networks[\(k)]",
                "10.4\((k - 1) % 10).0.0/16 is listed twice (also zones.extra.networks[\(k - 10)])")
        }
        let clean = loadBase(
            "[zones.extra]\nkind = \"lgwan\"\nnetworks = [" + many.joined(separator: ", ") + "]\n")
        assertDiagnostic(
            clean, .warning, line: 12, keyPath: "zones.extra.networks[19]",
            "10.49.0.0/16 is listed twice (also zones.extra.networks[9])")
    }

    func testReservedZoneIds() {
        for id in ["external", "unzoned", "local", "External"] {
            let r = loadBase("[zones.\(id)]\nkind = \"lgwan\"\nnetworks = [\"10.40.0.0/16\"]\n")
            assertDiagnostic(r, .error, line: 10, keyPath: "zones.\(id)", "zone id '\(id)' is reserved")
        }
    }

    func testNoZones() {
        let r = load("[sensor]\nname = \"x\"\n")
        assertDiagnostic(r, .error, line: nil, keyPath: "zones", "no zones are declared")
        let e = load("[zones]\n")
        assertDiagnostic(e, .error, line: 1, keyPath: "zones", "no zones are declared")
    }

    func testZonesKeepFileOrder() {
        let r = load(
            "[zones.z]\nkind = \"lgwan\"\nnetworks = [\"10.1.0.0/16\"]\n[zones.a]\nkind = \"internet\"\nnetworks = [\"10.2.0.0/16\"]\n"
        )
        XCTAssertEqual(r.config?.zones.map(\.id), ["z", "a"])
    }

    // MARK: Gateways

    func testGateways() {
        let r = loadBase("[[gateways]]\nname = \"cloud\"\naddresses = [\"203.0.113.10\", \"198.51.100.0/24\"]\n")
        assertClean(r)
        XCTAssertEqual(
            r.config?.gateways, [Gateway(name: "cloud", addresses: [p("203.0.113.10"), p("198.51.100.0/24")])])
        let m = loadBase("[[gateways]]\nname = \"cloud\"\n")
        assertDiagnostic(m, .error, line: 10, keyPath: "gateways[0]", "missing required key 'addresses'")
        let b = loadBase("[[gateways]]\nname = \"cloud\"\naddresses = [\"203.0.113.300\"]\n")
        assertDiagnostic(
            b, .error, line: 12, keyPath: "gateways[0].addresses[0]",
            "'203.0.113.300' is not an IPv4 or IPv6 address or network")
        let n = loadBase("[[gateways]]\naddresses = [\"203.0.113.1\"]\n")
        assertDiagnostic(n, .error, line: 10, keyPath: "gateways[0]", "missing required key 'name'")
    }

    func testDuplicateNamesInASection() {
        let r = loadBase(
            """
            [[gateways]]
            name = "cloud"
            addresses = ["203.0.113.10"]
            [[gateways]]
            name = "cloud"
            addresses = ["203.0.113.11"]
            [[exceptions]]
            name = "cloud"
            from = ["10.30.0.0/16"]
            to = ["198.51.100.0/24"]
            ports = ["tcp/443"]
            approved = "ok"
            expires = 2099-01-01
            """)
        assertDiagnostic(
            r, .error, line: 14, keyPath: "gateways[1].name",
            "the name 'cloud' is already used by gateways[0] (line 11)")
        // The same name in another section is fine.
        XCTAssertEqual(r.errors.count, 1)
    }

    // MARK: Conduits

    private func conduit(from: String, to: String, ports: String = "[\"tcp/443\"]") -> String {
        "[[conduits]]\nname = \"c\"\nfrom = \(from)\nto = \(to)\nports = \(ports)\n"
    }

    func testConduitTowardsTheInternetZoneIsAnError() {
        let r = loadBase(
            conduit(from: "{ addresses = [\"10.10.1.5\"] }", to: "{ addresses = [\"10.20.1.1\", \"10.30.1.1\"] }"))
        assertDiagnostic(
            r, .error, line: 13, keyPath: "conduits[0].to.addresses[1]",
            "10.30.1.1 lies in the internet zone 'internet'; a conduit towards the internet zone or an external address is a configuration error"
        )
        XCTAssertEqual(r.errors.count, 1)
        // From the internet zone is as bad, and a subnet of the zone is in the zone.
        let f = loadBase(conduit(from: "{ addresses = [\"10.30.7.0/24\"] }", to: "{ addresses = [\"10.10.1.5\"] }"))
        assertDiagnostic(
            f, .error, line: 12, keyPath: "conduits[0].from.addresses[0]", "lies in the internet zone 'internet'")
        // A network wider than the zones reaches the internet zone inside it: it overlaps it, and does not
        // lie in it.
        let w = loadBase(conduit(from: "{ addresses = [\"10.10.1.5\"] }", to: "{ addresses = [\"10.0.0.0/8\"] }"))
        assertDiagnostic(
            w, .error, line: 13, keyPath: "conduits[0].to.addresses[0]",
            "10.0.0.0/8 overlaps the internet zone 'internet' (all it reaches: mynumber (mynumber), lgwan (lgwan), "
                + "internet (internet), unzoned); a conduit towards the internet zone or an external address is a "
                + "configuration error: name only the addresses the link is meant for")
        XCTAssertFalse(w.diagnostics.contains { $0.message.contains("lies in") }, "\(w.diagnostics)")
        XCTAssertEqual(w.diagnostics.count, 1, "\(w.diagnostics)")
    }

    /// The review's cases: a prefix that reaches the Internet in part is refused once, saying it reaches or
    /// overlaps, with no warning beside the error that calls it "in the internal space"; one that is all
    /// local (multicast) is not external, and is a warning that the conduit never takes effect there.
    func testConduitPrefixesThatOnlyPartlyReachTheInternet() {
        let any = loadBase(conduit(from: "{ addresses = [\"10.10.1.5\"] }", to: "{ addresses = [\"0.0.0.0/0\"] }"))
        assertDiagnostic(
            any, .error, line: 13, keyPath: "conduits[0].to.addresses[0]",
            "0.0.0.0/0 overlaps the internet zone 'internet' and reaches external addresses (all it reaches: "
                + "mynumber (mynumber), lgwan (lgwan), internet (internet), unzoned, external, local); a conduit")
        XCTAssertEqual(any.diagnostics.count, 1, "\(any.diagnostics)")
        // ::/0: external, unzoned (fc00::/7) and local; one error, and no warning that it is unzoned.
        let v6 = load(
            ZonesText.threeZones() + ZonesText.zone("my6", kind: "mynumber", "fd00:10::/48")
                + conduit(from: "{ addresses = [\"fd00:10::5\"] }", to: "{ addresses = [\"::/0\"] }"))
        let at = v6.diagnostics.filter { $0.keyPath == "conduits[0].to.addresses[0]" }
        XCTAssertEqual(at.map(\.severity), [.error], "\(v6.diagnostics)")
        XCTAssertEqual(
            at.first?.message,
            "::/0 reaches external addresses (all it reaches: my6 (mynumber), unzoned, external, local); a conduit "
                + "towards the internet zone or an external address is a configuration error: name only the "
                + "addresses the link is meant for")
        // Multicast is local: the rules allow it before any declaration, so the conduit does nothing there.
        let m = loadBase(
            conduit(
                from: "{ addresses = [\"10.10.1.5\"] }", to: "{ addresses = [\"224.0.0.0/4\"] }",
                ports: "[\"udp/5353\"]"))
        XCTAssertEqual(m.errors, [])
        assertDiagnostic(
            m, .warning, line: 13, keyPath: "conduits[0].to.addresses[0]",
            "224.0.0.0/4 is local (broadcast, multicast, loopback, link-local or unspecified), and the rules allow "
                + "every flow with a local end before any declaration is looked at, so this part of conduit 'c' "
                + "never takes effect")
        XCTAssertEqual(m.diagnostics.count, 1, "\(m.diagnostics)")
        // Local and external together (224.0.0.0/3 also holds 240.0.0.0/4): still refused, for its external part.
        let mixed = loadBase(conduit(from: "{ addresses = [\"10.10.1.5\"] }", to: "{ addresses = [\"224.0.0.0/3\"] }"))
        assertDiagnostic(
            mixed, .error, line: 13, keyPath: "conduits[0].to.addresses[0]",
            "224.0.0.0/3 reaches external addresses (all it reaches: external, local)")
        // In a zone in part and unzoned in part, with no internet zone or external address: a warning about the
        // part in no zone (it said nothing before).
        let part = loadBase(conduit(from: "{ addresses = [\"10.10.1.5\"] }", to: "{ addresses = [\"10.20.0.0/15\"] }"))
        XCTAssertEqual(part.errors, [])
        assertDiagnostic(
            part, .warning, line: 13, keyPath: "conduits[0].to.addresses[0]",
            "10.20.0.0/15 reaches addresses in the internal space that are in no zone (all it reaches: lgwan "
                + "(lgwan), unzoned); flows to them will still be reported as unzoned-host")
    }

    func testConduitTowardsAnExternalAddressIsAnError() {
        let r = loadBase(conduit(from: "{ addresses = [\"10.10.1.5\"] }", to: "{ addresses = [\"198.51.100.7\"] }"))
        assertDiagnostic(
            r, .error, line: 13, keyPath: "conduits[0].to.addresses[0]",
            "198.51.100.7 is an external address (in no zone and outside the internal space); a conduit towards the internet zone or an external address is a configuration error"
        )
        let all = loadBase(conduit(from: "{ addresses = [\"10.10.1.5\"] }", to: "{ addresses = [\"0.0.0.0/0\"] }"))
        XCTAssertEqual(all.errors.filter { $0.keyPath == "conduits[0].to.addresses[0]" }.count, 1)
        // An internal address in no zone is not external: no error, but a warning that it has no zone.
        let u = loadBase(conduit(from: "{ addresses = [\"10.10.1.5\"] }", to: "{ addresses = [\"192.168.1.1\"] }"))
        XCTAssertEqual(u.errors, [])
        assertDiagnostic(
            u, .warning, line: 13, keyPath: "conduits[0].to.addresses[0]",
            "192.168.1.1 is in the internal space but in no zone")
    }

    func testExceptionNamingAMynumberZoneIsAWarning() {
        let r = loadBase(
            """
            [[exceptions]]
            name = "e"
            from = ["10.10.2.0/24"]
            to = ["10.30.1.1"]
            ports = ["any"]
            approved = "No.1"
            expires = 2030-01-01

            """)
        XCTAssertEqual(r.errors, [])
        assertDiagnostic(
            r, .warning, line: 12, keyPath: "exceptions[0].from[0]",
            "an exception never allows a mynumber flow (only a conduit can)")
        // All of it is in the mynumber zone, so the whole exception can allow nothing.
        assertDiagnostic(r, .warning, line: 10, keyPath: "exceptions[0]", "exception 'e' can never allow a flow")
        XCTAssertEqual(r.warnings.count, 2)
    }

    /// Either side, any place in its list: each prefix in a mynumber zone gets its own warning.
    func testExceptionNamingAMynumberZoneOnEitherSide() {
        let r = loadBase(
            """
            [[exceptions]]
            name = "e"
            from = ["10.30.1.1", "10.10.2.7"]
            to = ["10.30.1.2", "10.10.2.0/25"]
            ports = ["any"]
            approved = "No.1"
            expires = 2030-01-01

            """)
        XCTAssertEqual(r.errors, [])
        assertDiagnostic(
            r, .warning, line: 12, keyPath: "exceptions[0].from[1]",
            "10.10.2.7 lies in a mynumber zone; an exception never allows a mynumber flow (only a conduit can), "
                + "so this part of exception 'e' has no effect")
        assertDiagnostic(
            r, .warning, line: 13, keyPath: "exceptions[0].to[1]",
            "10.10.2.0/25 lies in a mynumber zone; an exception never allows a mynumber flow")
        // What is left is internet to internet, which breaks no rule: the whole exception allows nothing.
        assertDiagnostic(r, .warning, line: 10, keyPath: "exceptions[0]", "exception 'e' can never allow a flow")
        XCTAssertEqual(r.warnings.count, 3)
    }

    func testConduitWithoutAMynumberSideIsAWarning() {
        let r = loadBase(conduit(from: "{ addresses = [\"10.20.1.1\"] }", to: "{ addresses = [\"10.20.2.2\"] }"))
        assertDiagnostic(
            r, .warning, line: 10, keyPath: "conduits[0]", "conduit 'c' has neither side in a mynumber zone")
        XCTAssertEqual(r.config?.conduits.count, 1)
    }

    func testConduitMACs() {
        let r = loadBase(
            conduit(
                from: "{ addresses = [\"10.10.1.5\"], mac = \"02-00-00-00-01-05\" }",
                to: "{ addresses = [\"10.20.1.1\"], mac = \"0A:1b:2C:3d:4E:5f\" }"))
        assertClean(r)
        XCTAssertEqual(r.config?.conduits.first?.fromMAC, MACAddress(rawValue: 0x0200_0000_0105))
        XCTAssertEqual(r.config?.conduits.first?.toMAC, MACAddress(rawValue: 0x0a1b_2c3d_4e5f))
        for bad in [
            "02:00:00:00:01", "02:00:00:00:01:05:", "02:00-00:00:01:05", "+2:00:00:00:01:05", "02:00:00:00:01:0g",
        ] {
            let b = loadBase(
                conduit(
                    from: "{ addresses = [\"10.10.1.5\"], mac = \"\(bad)\" }", to: "{ addresses = [\"10.20.1.1\"] }"))
            assertDiagnostic(
                b, .error, line: 12, keyPath: "conduits[0].from.mac",
                "'\(bad)' is not a MAC address like 02:00:00:00:01:05")
        }
    }

    func testConduitPorts() {
        let m = loadBase(
            "[[conduits]]\nname = \"c\"\nfrom = { addresses = [\"10.10.1.5\"] }\nto = { addresses = [\"10.20.1.1\"] }\n"
        )
        assertDiagnostic(m, .error, line: 10, keyPath: "conduits[0]", "missing required key 'ports'")
        let e = loadBase(
            conduit(from: "{ addresses = [\"10.10.1.5\"] }", to: "{ addresses = [\"10.20.1.1\"] }", ports: "[]"))
        assertDiagnostic(e, .error, line: 14, keyPath: "conduits[0].ports", "must list at least one port")
        let b = loadBase(
            conduit(
                from: "{ addresses = [\"10.10.1.5\"] }", to: "{ addresses = [\"10.20.1.1\"] }",
                ports: "[\"tcp/443\", \"tcp/99999\", \"sctp/1\"]"))
        assertDiagnostic(
            b, .error, line: 14, keyPath: "conduits[0].ports[1]",
            "'tcp/99999' is not a port: '99999' is not a port number (0-65535)")
        assertDiagnostic(b, .error, line: 14, keyPath: "conduits[0].ports[2]", "'sctp/1' is not a port: expected tcp/N")
        let ok = loadBase(
            conduit(
                from: "{ addresses = [\"10.10.1.5\"] }", to: "{ addresses = [\"10.20.1.1\"] }",
                ports: "[\"TCP/1-1024\", \"icmp\", \"any\", \"udp/53\"]"))
        assertClean(ok)
        XCTAssertEqual(ok.config?.conduits.first?.ports, [.tcp(1...1024), .icmp, .any, .udp(53...53)])
    }

    func testConduitEndpointMustBeATable() {
        let r = loadBase(conduit(from: "[\"10.10.1.5\"]", to: "{ addresses = [\"10.20.1.1\"] }"))
        assertDiagnostic(
            r, .error, line: 12, keyPath: "conduits[0].from", "expected a table like { addresses = [\"10.10.1.5\"]")
        let m = loadBase(conduit(from: "{ mac = \"02:00:00:00:01:05\" }", to: "{ addresses = [\"10.20.1.1\"] }"))
        assertDiagnostic(m, .error, line: 12, keyPath: "conduits[0].from", "missing required key 'addresses'")
        let t = loadBase("[[conduits]]\nname = \"c\"\nto = { addresses = [\"10.20.1.1\"] }\nports = [\"tcp/1\"]\n")
        assertDiagnostic(t, .error, line: 10, keyPath: "conduits[0]", "missing required key 'from'")
    }

    func testConduitChecksWaitForValidZones() {
        // With a broken zone, which zone an address is in is unknown: no follow-on conduit findings.
        let r = loadBase(
            "[zones.broken]\nkind = \"?\"\nnetworks = [\"198.51.100.0/24\"]\n"
                + conduit(from: "{ addresses = [\"10.10.1.5\"] }", to: "{ addresses = [\"198.51.100.7\"] }"))
        XCTAssertEqual(r.diagnostics.map(\.keyPath), ["zones.broken.kind"])
    }

    // MARK: Sanitisation

    private func sanitisation(
        _ method: String, from: String = "[\"10.20.0.0/16\"]", to: String = "[\"10.30.6.0/28\"]", ports: String? = nil
    ) -> String {
        "[[sanitisation]]\nname = \"s\"\nmethod = \"\(method)\"\nfrom = \(from)\nto = \(to)\n"
            + (ports.map { "ports = \($0)\n" } ?? "")
    }

    func testSanitisationDefaultsAndMethods() {
        let r = loadBase(sanitisation("screen-transfer"))
        assertClean(r)
        XCTAssertEqual(r.config?.sanitisation.first?.ports, SanitisationMethod.screenTransfer.defaultPorts)
        XCTAssertEqual(r.config?.sanitisation.first?.method, .screenTransfer)
        let f = loadBase(
            sanitisation("file-sanitiser", from: "[\"10.30.1.1\"]", to: "[\"10.20.1.1\"]", ports: "[\"tcp/445\"]"))
        assertClean(f)
        XCTAssertEqual(f.config?.sanitisation.first?.ports, [.tcp(445...445)])
    }

    func testSanitisationMethodInvalid() {
        let r = loadBase(sanitisation("fax"))
        assertDiagnostic(
            r, .error, line: 12, keyPath: "sanitisation[0].method",
            "'fax' is not a sanitisation method; expected mail-text, screen-transfer, file-sanitiser")
        XCTAssertEqual(r.errors.count, 1)
        let m = loadBase("[[sanitisation]]\nname = \"s\"\nfrom = [\"10.20.0.0/16\"]\nto = [\"10.30.6.0/28\"]\n")
        assertDiagnostic(
            m, .error, line: 10, keyPath: "sanitisation[0]",
            "missing required key 'method' (mail-text, screen-transfer, file-sanitiser)")
    }

    func testFileSanitiserWithoutPortsIsAnError() {
        let r = loadBase(sanitisation("file-sanitiser"))
        assertDiagnostic(
            r, .error, line: 10, keyPath: "sanitisation[0]",
            "missing required key 'ports': a file-sanitiser path has no usual ports and must name them")
    }

    func testSanitisationNotBetweenLgwanAndInternetIsAWarning() {
        let r = loadBase(sanitisation("mail-text", from: "[\"10.10.0.0/16\"]", to: "[\"10.30.0.0/16\"]"))
        assertDiagnostic(
            r, .warning, line: 10, keyPath: "sanitisation[0]",
            "sanitisation path 's' does not connect an lgwan zone with an internet zone (from: mynumber (mynumber); to: internet (internet))"
        )
        let x = loadBase(sanitisation("mail-text", from: "[\"10.20.0.0/16\"]", to: "[\"203.0.113.5\"]"))
        assertDiagnostic(x, .warning, line: 10, keyPath: "sanitisation[0]", "(from: lgwan (lgwan); to: external)")
        // Either direction is a connection.
        assertClean(loadBase(sanitisation("mail-text", from: "[\"10.30.5.10\"]", to: "[\"10.20.5.10\"]")))
    }

    // MARK: Exceptions

    private func exception(_ extra: String) -> String {
        "[[exceptions]]\nname = \"e\"\nfrom = [\"10.30.0.0/16\"]\nto = [\"198.51.100.0/24\"]\nports = [\"tcp/443\"]\n"
            + extra
    }

    func testExceptionExpiryForms() {
        let date = loadBase(exception("approved = \"ok\"\nexpires = 2027-03-31\n"))
        XCTAssertEqual(date.config?.exceptions.first?.expiresAtMicros, endOf20270331JST)
        XCTAssertEqual(date.config?.exceptions.first?.expiresText, "2027-03-31")
        // A local date-time is read in JST; an offset date-time is taken as written.
        let local = loadBase(exception("approved = \"ok\"\nexpires = 2027-03-31T17:30:00\n"))
        XCTAssertEqual(local.config?.exceptions.first?.expiresAtMicros, 1_806_481_800_000_000)
        XCTAssertEqual(local.config?.exceptions.first?.expiresText, "2027-03-31T17:30:00")
        let offset = loadBase(exception("approved = \"ok\"\nexpires = 2027-03-31T08:30:00Z\n"))
        XCTAssertEqual(offset.config?.exceptions.first?.expiresAtMicros, 1_806_481_800_000_000)
        let plus = loadBase(exception("approved = \"ok\"\nexpires = 2027-03-31 17:30:00.25+09:00\n"))
        XCTAssertEqual(plus.config?.exceptions.first?.expiresAtMicros, 1_806_481_800_250_000)
        XCTAssertEqual(plus.config?.exceptions.first?.expiresText, "2027-03-31T17:30:00.25+09:00")
    }

    /// A local date-time is Japan Standard Time, and the warning says so as the date form does: without
    /// it a reader could take 20:00 for UTC.
    func testExpiredExceptionWithALocalTimeSaysJST() {
        let r = loadBase(exception("approved = \"ok\"\nexpires = 2026-06-14T20:00:00\n"), now: 1_806_481_800_000_000)
        assertDiagnostic(
            r, .warning, line: 16, keyPath: "exceptions[0].expires",
            "exception 'e' expired at 2026-06-14T20:00:00 (JST) by today's date; it allows no flow seen live, but a replay still applies it to packets from before then"
        )
    }

    /// A date that does not exist is named by its key, as every other mistake in a declaration is.
    func testAnImpossibleExpiryNamesItsKey() {
        let r = loadBase(
            exception("approved = \"ok\"\nexpires = 2027-01-01\n")
                + exception("approved = \"ok\"\nexpires = 2027-02-30\n"))
        let d = assertDiagnostic(
            r, .error, line: 23, keyPath: "exceptions[1].expires", "'2027-02-30' is not a valid date")
        XCTAssertEqual(d?.description, "zones.conf:23: exceptions[1].expires: '2027-02-30' is not a valid date")
        let offset = loadBase(exception("approved = \"ok\"\nexpires = 2027-01-01T00:00:00+24:00\n"))
        assertDiagnostic(offset, .error, line: 16, keyPath: "exceptions[0].expires", "expected a UTC offset")
    }

    /// Two exceptions with one name: the second is refused, and the warnings about it call it by that name,
    /// not by its key path ("exception exceptions[1]").
    func testARepeatedNameStillNamesItsDeclaration() {
        let body =
            "from = [\"10.30.1.1\"]\nto = [\"8.8.8.8\"]\nports = [\"tcp/1\"]\napproved = \"x\"\n"
            + "expires = 2027-01-01\n"
        let never = "[[exceptions]]\nname = \"e\"\n" + body
        let r = loadBase(never + never)
        assertDiagnostic(r, .error, line: 18, keyPath: "exceptions[1].name", "the name 'e' is already used")
        assertDiagnostic(r, .warning, line: 17, keyPath: "exceptions[1]", "exception 'e' can never allow a flow")
        XCTAssertFalse(r.diagnostics.contains { $0.message.contains("exception exceptions[") }, "\(r.diagnostics)")
        // Without any name, the key path says which one.
        let nameless = loadBase("[[exceptions]]\n" + body)
        assertDiagnostic(
            nameless, .warning, line: 10, keyPath: "exceptions[0]", "exception at exceptions[0] can never allow a flow")
    }

    func testExpiredExceptionWithATimeNamesTheInstant() {
        let r = loadBase(
            exception("approved = \"ok\"\nexpires = 2027-03-31T17:30:00+09:00\n"), now: 1_806_481_800_000_000)
        assertDiagnostic(
            r, .warning, line: 16, keyPath: "exceptions[0].expires",
            "exception 'e' expired at 2027-03-31T17:30:00+09:00")
        XCTAssertEqual(r.config?.exceptions.count, 1)
    }

    func testExceptionMissingApprovedOrExpires() {
        let a = loadBase(exception("expires = 2027-03-31\n"))
        assertDiagnostic(a, .error, line: 10, keyPath: "exceptions[0]", "missing required key 'approved'")
        let e = loadBase(exception("approved = \"CISO No.12\"\n"))
        assertDiagnostic(e, .error, line: 10, keyPath: "exceptions[0]", "missing required key 'expires'")
        let p = loadBase(
            "[[exceptions]]\nname = \"e\"\nfrom = [\"10.30.0.0/16\"]\nto = [\"198.51.100.0/24\"]\napproved = \"x\"\nexpires = 2027-03-31\n"
        )
        assertDiagnostic(p, .error, line: 10, keyPath: "exceptions[0]", "missing required key 'ports'")
        let n = loadBase(exception("approved = 12\nexpires = 2027-03-31\n"))
        assertDiagnostic(n, .error, line: 15, keyPath: "exceptions[0].approved", "expected a string, found an integer")
    }

    /// An expiry whose UTC instant leaves the years 0000-9999 was accepted, then written as `10000-01-01T…Z` in
    /// the summary, which `zonesep report` refused: the saved run could not be read back.
    func testExpiryOutsideTheYears0000To9999InUTCIsRefused() {
        let late = loadBase(exception("approved = \"ok\"\nexpires = 9999-12-31T23:59:59-23:59\n"))
        assertDiagnostic(
            late, .error, line: 16, keyPath: "exceptions[0].expires",
            "'9999-12-31T23:59:59-23:59' is after 9999-12-31T23:59:59Z in UTC (outside the years 0000-9999")
        XCTAssertNil(late.config)
        let early = loadBase(exception("approved = \"ok\"\nexpires = 0000-01-01T08:59:59\n"))
        assertDiagnostic(
            early, .error, line: 16, keyPath: "exceptions[0].expires",
            "'0000-01-01T08:59:59' is before 0000-01-01T00:00:00Z in UTC (read as JST, outside the years 0000-9999")
        // The edges themselves are kept.
        for edge in ["9999-12-31T23:59:59.999999Z", "9999-12-31", "0000-01-01T09:00:00", "0000-01-01T00:00:00+00:00"] {
            let r = loadBase(exception("approved = \"ok\"\nexpires = \(edge)\n"))
            XCTAssertEqual(r.config?.exceptions.count, 1, "\(edge): \(r.diagnostics)")
        }
    }

    func testExceptionExpiresWrongType() {
        let s = loadBase(exception("approved = \"ok\"\nexpires = \"2027-03-31\"\n"))
        assertDiagnostic(
            s, .error, line: 16, keyPath: "exceptions[0].expires",
            "found the string \"2027-03-31\"; write the date without quotes")
        let t = loadBase(exception("approved = \"ok\"\nexpires = 17:00:00\n"))
        assertDiagnostic(t, .error, line: 16, keyPath: "exceptions[0].expires", "a time of day alone is no expiry")
        let i = loadBase(exception("approved = \"ok\"\nexpires = 20270331\n"))
        assertDiagnostic(
            i, .error, line: 16, keyPath: "exceptions[0].expires", "expected a date like 2027-03-31, found an integer")
    }

    // MARK: Many problems at once

    func testEveryProblemIsReported() {
        let text = """
            [sensor]
            name = "s"
            colour = "blue"

            [zones.mynumber]
            kind = "mynumber"
            networks = ["10.10.0.0/16", "10.10.0.0/33"]

            [zones.lgwan]
            kind = "lgwan-ish"
            networks = ["10.20.0.0/16"]

            [zones.internet]
            kind = "internet"
            networks = ["10.30.1.2/16", "10.10.0.0/16"]

            [[gateways]]
            name = "g"
            addresses = []

            [[sanitisation]]
            name = "s"
            method = "file-sanitiser"
            from = ["10.20.0.0/16"]
            to = ["10.30.0.0/16"]

            [[exceptions]]
            name = "e"
            from = ["10.30.0.0/16"]
            to = ["198.51.100.0/24"]
            ports = ["tcp/443", "udp/70000"]
            approved = "ok"
            expires = 2020-01-01
            """
        let r = load(text, now: endOf20270331JST)
        XCTAssertNil(r.config)
        let got = r.diagnostics.map { "\($0.line ?? 0) \($0.severity.rawValue) \($0.keyPath)" }
        XCTAssertEqual(
            got,
            [
                "3 error sensor.colour",
                "7 error zones.mynumber.networks[1]",
                "10 error zones.lgwan.kind",
                "15 warning zones.internet.networks[0]",
                "15 error zones.internet.networks[1]",
                "19 error gateways[0].addresses",
                "21 error sanitisation[0]",
                "31 error exceptions[0].ports[1]",
                "33 warning exceptions[0].expires",
            ], r.diagnostics.map(\.description).joined(separator: "\n"))
    }

    // MARK: Files

    /// A policy read from a file carries the SHA-256 of the bytes it was read from (the summary records it);
    /// one read from text carries none. The expected digest is sha256sum's of the same text.
    func testAFileGivesItsDigest() throws {
        let path = NSTemporaryDirectory() + "zonesep-digest-\(UUID().uuidString).conf"
        let text = "[zones.lgwan]\nkind = \"lgwan\"\nlabel = \"LGWAN\"\nnetworks = [\"10.20.0.0/16\"]\n"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let r = ZonesConfigLoader.load(path: path)
        XCTAssertEqual(
            try XCTUnwrap(r.config).sourceSHA256, "c599f462e42155bbeacbb8b0a03139f8b836033cba381352e08dff1d7498fec5")
        XCTAssertNil(ZonesConfigLoader.load(text: text, fileName: "z.conf").config?.sourceSHA256)
    }

    /// A configuration that is not a regular file (a FIFO, as `--config <(...)` gives) has no size to read
    /// it by: it is read on past the one byte made room for, whole, and judged as the same text in a file.
    func testAFIFOIsReadWhole() throws {
        let dir = NSTemporaryDirectory() + "zonesep-fifo-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/file.conf"
        let fifo = dir + "/fifo.conf"
        // More than one piece of 64 KiB after the first byte.
        let text =
            "[zones.lgwan]\nkind = \"lgwan\"\nlabel = \"LGWAN\"\nnetworks = [\"10.20.0.0/16\"]\n"
            + String(repeating: "# a comment line to pad the file out\n", count: 5_000)
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let bytes = Array(text.utf8)
        // A reader that stops early must fail the test, not end it by SIGPIPE to the writer.
        let pipeAction = signal(SIGPIPE, SIG_IGN)
        let written = DispatchSemaphore(value: 0)
        defer {
            written.wait()
            signal(SIGPIPE, pipeAction)
        }
        let writer = Thread {
            defer { written.signal() }
            let fd = open(fifo, O_WRONLY)
            guard fd >= 0 else { return }
            var written = 0
            while written < bytes.count {
                let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, $0.count - written) }
                if n <= 0 { break }
                written += n
            }
            close(fd)
        }
        writer.start()
        let fromFIFO = ZonesConfigLoader.load(path: fifo)
        let fromFile = ZonesConfigLoader.load(path: file)
        XCTAssertEqual(fromFIFO.diagnostics.map(\.description), fromFile.diagnostics.map(\.description))
        XCTAssertEqual(try XCTUnwrap(fromFIFO.config).zones, try XCTUnwrap(fromFile.config).zones)
        XCTAssertEqual(fromFIFO.config?.sourceSHA256, fromFile.config?.sourceSHA256)
        XCTAssertEqual(ZonesConfigLoader.readBytes(file), bytes)
    }

    func testMissingFileIsADiagnostic() {
        let path = NSTemporaryDirectory() + "zonesep-no-such-\(UUID().uuidString).conf"
        let r = ZonesConfigLoader.load(path: path)
        XCTAssertNil(r.config)
        XCTAssertEqual(r.diagnostics.count, 1)
        XCTAssertEqual(r.diagnostics.first?.fileName, path)
        XCTAssertNil(r.diagnostics.first?.line)
        XCTAssertEqual(r.diagnostics.first?.description, "\(path): cannot read the configuration: no such file")
    }

    func testDirectoryIsADiagnostic() {
        let r = ZonesConfigLoader.load(path: NSTemporaryDirectory())
        XCTAssertNil(r.config)
        XCTAssertEqual(r.diagnostics.first?.message, "cannot read the configuration: it is a directory")
    }

    func testFileOnDiskLoadsAndNamesItself() throws {
        let dir = NSTemporaryDirectory() + "zonesep-config-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let good = dir + "/zones.conf"
        try Fixtures.designExample.write(toFile: good, atomically: true, encoding: .utf8)
        let r = ZonesConfigLoader.load(path: good)
        XCTAssertEqual(r.diagnostics, [])
        XCTAssertEqual(r.config?.zones.count, 4)

        let bad = dir + "/bad.conf"
        try (Fixtures.base + "[zones.x]\nkind = \"lgwan\"\nnetworks = [\"1.2.3.4/40\"]\n").write(
            toFile: bad, atomically: true, encoding: .utf8)
        XCTAssertEqual(
            ZonesConfigLoader.load(path: bad).diagnostics.map(\.description),
            ["\(bad):12: zones.x.networks[0]: '1.2.3.4/40' is not an IPv4 or IPv6 network"])

        let binary = dir + "/binary.conf"
        try Data([0x5b, 0xff, 0xfe, 0x5d]).write(to: URL(fileURLWithPath: binary))
        XCTAssertEqual(
            ZonesConfigLoader.load(path: binary).diagnostics.map(\.description),
            [
                "\(binary):1:2: the byte 0xFF is not valid UTF-8: zones.conf must be UTF-8 text (save it as UTF-8, "
                    + "not Shift_JIS or another encoding)"
            ])
    }

    /// A file with one label saved in Shift_JIS: the diagnostic names the line, the column and the key whose
    /// string holds the bad byte, not only the file.
    func testInvalidUTF8NamesTheLineColumnAndKey() throws {
        // 「第一」 in Shift_JIS (0x91 0xE6 0x88 0xEA) after a label in UTF-8 on the same line.
        let label = Array("[zones.x]\nkind = \"lgwan\"\nlabel = \"接続系 ".utf8) + [0x91, 0xE6, 0x88, 0xEA]
        let shiftJIS = try diagnostics(Array(Fixtures.base.utf8) + label + Array("\"\n".utf8))
        XCTAssertEqual(shiftJIS.count, 1, "\(shiftJIS)")
        XCTAssertEqual(shiftJIS.first?.line, 12)
        XCTAssertEqual(shiftJIS.first?.column, 14, "after `label = \"接続系 `, counted in characters")
        XCTAssertEqual(shiftJIS.first?.keyPath, "zones.x.label")
        XCTAssertTrue(
            shiftJIS.first?.description.hasSuffix(
                "zones.conf:12: zones.x.label: the byte 0x91 at column 14 is not valid UTF-8: zones.conf must be "
                    + "UTF-8 text (save it as UTF-8, not Shift_JIS or another encoding)") ?? false,
            shiftJIS.first?.description ?? "")
        // In a quoted key of a table header, in an array of tables.
        let key = try diagnostics(
            Array((Fixtures.base + "[[exceptions]]\nname = \"e\"\n[zones.\"").utf8) + [0xFF] + Array("\"]\n".utf8))
        XCTAssertEqual(key.first?.line, 12)
        XCTAssertEqual(key.first?.keyPath, "zones.\"\u{FFFD}\"")
        let inArray = try diagnostics(
            Array(
                (Fixtures.base + "[[exceptions]]\nname = \"e\"\n[[exceptions]]\nname = \"f\"\nfrom = [\"a\", \"").utf8)
                + [0xC3, 0x28] + Array("\"]\n".utf8))
        XCTAssertEqual(inArray.first?.keyPath, "exceptions[1].from[1]")
        // In a comment: the line and column, and no key.
        let comment = try diagnostics(Array((Fixtures.base + "# note ").utf8) + [0xE3, 0x81] + Array("\n".utf8))
        XCTAssertEqual(
            comment.map(\.description).first?.contains("zones.conf:10:8: the byte 0xE3 is not valid"), true,
            "\(comment)")
        XCTAssertEqual(comment.first?.keyPath, "")
    }

    /// A string that holds a real U+FFFD (written as such, or as the escape `\uFFFD`) is not named when the
    /// bad byte comes after its closing quote, in a comment: only a string whose quotes enclose the byte is.
    func testInvalidUTF8InACommentAfterAStringHoldingAReplacementCharacterNamesNoKey() throws {
        let zone = Fixtures.base + "[zones.x]\nkind = \"lgwan\"\n"
        // U+FFFD written out (bytes EF BF BD) in the label, and 「第一」 in Shift_JIS in the next line's comment.
        let written = try diagnostics(
            Array((zone + "label = \"接続系 \u{FFFD}\"\n# 第一 ").utf8) + [0x91, 0xE6, 0x88, 0xEA] + Array("\n".utf8))
        XCTAssertEqual(written.count, 1, "\(written)")
        XCTAssertEqual(written.first?.keyPath, "")
        XCTAssertEqual(written.first?.line, 13)
        XCTAssertEqual(written.first?.column, 6, "after `# 第一 `, counted in characters")
        XCTAssertEqual(
            written.map(\.description).first?.contains("zones.conf:13:6: the byte 0x91 is not valid UTF-8"), true,
            "\(written)")
        // The escape, and the bad byte in a comment on the same line.
        let escaped = try diagnostics(Array((zone + "label = \"\\uFFFD\" # ").utf8) + [0xFF] + Array("\n".utf8))
        XCTAssertEqual(escaped.first?.keyPath, "")
        XCTAssertEqual(escaped.first?.line, 12)
        XCTAssertEqual(escaped.first?.column, 20, "after `label = \"\\uFFFD\" # `")
        // The same string with the bad byte inside its quotes is still named.
        let inside = try diagnostics(Array((zone + "label = \"\\uFFFD ").utf8) + [0xFF] + Array("\"\n".utf8))
        XCTAssertEqual(inside.first?.keyPath, "zones.x.label")
        // A multi-line string holding a U+FFFD on one line and the bad byte two lines on.
        let multiLine = try diagnostics(
            Array((zone + "label = \"\"\"\n\u{FFFD}\n").utf8) + [0xFF] + Array("\n\"\"\"\n".utf8))
        XCTAssertEqual(multiLine.first?.line, 14)
        XCTAssertEqual(multiLine.first?.keyPath, "zones.x.label")
    }

    /// The diagnostics of a zones.conf on disk holding `bytes`: the UTF-8 check runs only on a file read.
    private func diagnostics(_ bytes: [UInt8]) throws -> [ConfigDiagnostic] {
        let dir = NSTemporaryDirectory() + "zonesep-config-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/zones.conf"
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        return ZonesConfigLoader.load(path: file).diagnostics
    }
}

final class ConfigRobustnessTests: XCTestCase {
    /// Every prefix of the example, and the example with each character replaced by TOML punctuation,
    /// must give a result (a config or diagnostics), never a trap.
    func testTruncatedAndMutatedInputsNeverCrash() {
        let scalars = Array(Fixtures.designExample.unicodeScalars)
        var loaded = 0
        var rejected = 0
        func run(_ u: [Unicode.Scalar]) {
            var text = String.UnicodeScalarView()
            text.append(contentsOf: u)
            let r = ZonesConfigLoader.load(text: String(text), fileName: "f", now: 0)
            if r.config == nil {
                XCTAssertTrue(r.hasErrors)
                rejected += 1
            } else {
                loaded += 1
            }
        }
        for n in 0...scalars.count { run(Array(scalars[..<n])) }
        let replacements: [Unicode.Scalar] = ["\"", "'", "[", "{", "=", ",", "\n", "\u{0}"]
        for k in stride(from: 0, to: scalars.count, by: 4) {
            for r in replacements {
                var u = scalars
                u[k] = r
                run(u)
            }
        }
        XCTAssertGreaterThan(loaded, 0)
        XCTAssertGreaterThan(rejected, 0)
    }
}

/// The flow entry names a declaration in 16 bits, so a policy may hold at most `Policy.maxDeclarations`.
final class DeclarationLimitTests: XCTestCase {
    func testMoreDeclarationsThanAFlowEntryCanNameAreRefused() {
        func config(gateways n: Int) -> String {
            var text = Fixtures.base
            for i in 0..<n {
                text +=
                    "[[gateways]]\nname = \"g\(i)\"\naddresses = [\"203.\(i >> 16).\((i >> 8) & 255).\(i & 255)\"]\n"
            }
            return text
        }
        let atLimit = ZonesConfigLoader.load(text: config(gateways: Policy.maxDeclarations), fileName: "zones.conf")
        XCTAssertNotNil(atLimit.config, atLimit.diagnostics.prefix(3).map(\.description).joined(separator: "\n"))
        let over = ZonesConfigLoader.load(text: config(gateways: Policy.maxDeclarations + 1), fileName: "zones.conf")
        XCTAssertNil(over.config)
        XCTAssertEqual(over.diagnostics.filter { $0.severity == .error }.count, 1)
        XCTAssertTrue(over.diagnostics.contains { $0.message.contains("at most 32767 are supported") })
    }
}
