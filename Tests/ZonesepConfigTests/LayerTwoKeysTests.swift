import XCTest
import ZonesepCore

@testable import ZonesepConfig

/// The keys of "Separation at layer 2" and the tunnel ports: `[sensor] vxlan_ports` / `geneve_ports`, a
/// zone's `vlans`, `[[routers]]`, each checked with its line and key.
final class LayerTwoKeysTests: XCTestCase {
    func load(_ text: String) -> ConfigResult { ZonesConfigLoader.load(text: text, fileName: "zones.conf") }

    func problems(_ r: ConfigResult) -> [String] {
        r.diagnostics.map { "\($0.severity) \($0.line.map(String.init) ?? "-") \($0.keyPath): \($0.message)" }
    }

    func testTunnelPortsDefaultAndOverride() throws {
        let plain = try XCTUnwrap(load(Fixtures.base).config)
        XCTAssertEqual(plain.tunnelPorts.vxlan, [4789, 8472])
        XCTAssertEqual(plain.tunnelPorts.geneve, [6081])
        let custom = load("[sensor]\nvxlan_ports = [4790]\ngeneve_ports = []\n" + Fixtures.base)
        XCTAssertEqual(
            problems(custom),
            [
                "warning 2 sensor.vxlan_ports: leaves out VXLAN's default ports udp/4789 and udp/8472: VXLAN there is "
                    + "not opened; its flows are judged as their outer UDP flow and counted as unopened tunnels "
                    + "(coverage.unopened_tunnels)",
                "warning 3 sensor.geneve_ports: leaves out Geneve's default port udp/6081: Geneve there is not "
                    + "opened; its flows are judged as their outer UDP flow and counted as unopened tunnels "
                    + "(coverage.unopened_tunnels)",
            ])
        XCTAssertEqual(custom.config?.tunnelPorts.vxlan, [4790])
        XCTAssertEqual(custom.config?.tunnelPorts.geneve, [], "an empty list turns Geneve off")
    }

    /// Only a default port that neither list holds is said: extra ports, the defaults kept, or a default
    /// moved to the other kind (opened all the same) raise nothing; a key left out keeps the defaults.
    func testLeftOutDefaultPortsAreSaid() {
        for text in [
            "[sensor]\nvxlan_ports = [4789, 8472, 14789]\n",
            "[sensor]\ngeneve_ports = [6081, 16081]\n",
            "[sensor]\nvxlan_ports = [4789, 8472, 6081]\ngeneve_ports = [7081]\n",
            "[sensor]\nname = \"s\"\n",
        ] {
            XCTAssertEqual(problems(load(text + Fixtures.base)), [], text)
        }
        XCTAssertEqual(
            problems(load("[sensor]\nvxlan_ports = [8472]\n" + Fixtures.base)),
            [
                "warning 2 sensor.vxlan_ports: leaves out VXLAN's default port udp/4789: VXLAN there is not "
                    + "opened; its flows are judged as their outer UDP flow and counted as unopened tunnels "
                    + "(coverage.unopened_tunnels)"
            ])
        let r = load("[sensor]\nvxlan_ports = [4789]\n" + Fixtures.base)
        XCTAssertNotNil(r.config, "a warning does not stop the run")
        XCTAssertEqual(r.diagnostics.map(\.severity), [.warning])
    }

    func testTunnelPortsAreChecked() {
        let r = load(
            """
            [sensor]
            vxlan_ports = [0, 4789, "8472", 70000, 4789]
            geneve_ports = 6081

            """ + Fixtures.base)
        XCTAssertNil(r.config)
        XCTAssertEqual(
            problems(r),
            [
                "error 2 sensor.vxlan_ports[0]: 0 is not a UDP port number (1-65535)",
                "error 2 sensor.vxlan_ports[2]: expected a UDP port number (an integer 1-65535), found a string",
                "error 2 sensor.vxlan_ports[3]: 70000 is not a UDP port number (1-65535)",
                "warning 2 sensor.vxlan_ports[4]: port 4789 is listed twice",
                "error 3 sensor.geneve_ports: expected an array of UDP port numbers like [4789], found an integer",
            ])
        let both = load("[sensor]\nvxlan_ports = [4789]\ngeneve_ports = [6081, 4789]\n" + Fixtures.base)
        XCTAssertEqual(
            problems(both),
            [
                "error 3 sensor.geneve_ports[1]: UDP port 4789 is in both vxlan_ports and geneve_ports; a port carries one"
            ])
        // Beside the other kind's defaults (its key not given), a port of them is in both lists too: it was
        // the defaults back, with any other port given dropped, and no word (REVIEW-141 F5).
        let besideDefaults = load("[sensor]\ngeneve_ports = [4789, 7000]\n" + Fixtures.base)
        XCTAssertNil(besideDefaults.config)
        XCTAssertEqual(
            problems(besideDefaults),
            [
                "error 2 sensor.geneve_ports[0]: UDP port 4789 is VXLAN's by default (vxlan_ports is not given); "
                    + "a port carries one: give vxlan_ports without it"
            ])
        XCTAssertEqual(
            problems(load("[sensor]\nvxlan_ports = [6081, 9000]\n" + Fixtures.base)),
            [
                "error 2 sensor.vxlan_ports[0]: UDP port 6081 is Geneve's by default (geneve_ports is not given); "
                    + "a port carries one: give geneve_ports without it"
            ])
        let many = load(
            "[sensor]\nvxlan_ports = [\((1...9).map(String.init).joined(separator: ", "))]\n" + Fixtures.base)
        XCTAssertEqual(problems(many), ["error 2 sensor.vxlan_ports: 9 ports are listed; at most 8 are supported"])
    }

    func testZoneVLANs() throws {
        let text = Fixtures.base.replacingOccurrences(
            of: "networks = [\"10.20.0.0/16\"]", with: "networks = [\"10.20.0.0/16\"]\nvlans = [120, 121]")
        let r = load(text + "[[routers]]\nname = \"core\"\nmacs = [\"00:1a:2b:3c:4d:5e\"]\n")
        XCTAssertEqual(r.diagnostics, [])
        XCTAssertEqual(r.config?.zones[1].vlans, [120, 121])
        XCTAssertEqual(r.config?.zones[0].vlans, [])

        let bad = load(
            Fixtures.base.replacingOccurrences(
                of: "networks = [\"10.20.0.0/16\"]",
                with: "networks = [\"10.20.0.0/16\"]\nvlans = [0, 4095, 5, 5, \"6\"]"))
        XCTAssertNil(bad.config)
        XCTAssertEqual(
            problems(bad).filter { $0.hasPrefix("error") || $0.contains("vlans[") },
            [
                "error 7 zones.lgwan.vlans[0]: 0 is not a VLAN id (1-4094; 0 is untagged and 4095 reserved)",
                "error 7 zones.lgwan.vlans[1]: 4095 is not a VLAN id (1-4094; 0 is untagged and 4095 reserved)",
                "warning 7 zones.lgwan.vlans[3]: VLAN 5 is listed twice",
                "error 7 zones.lgwan.vlans[4]: expected a VLAN id (an integer 1-4094), found a string",
            ])
        let empty = load(
            Fixtures.base.replacingOccurrences(of: "kind = \"lgwan\"", with: "kind = \"lgwan\"\nvlans = []"))
        XCTAssertTrue(
            problems(empty).contains { $0.hasPrefix("error 6 zones.lgwan.vlans: must list at least one VLAN id") },
            "\(problems(empty))")
    }

    func testOneVLANInZonesOfTwoKindsIsWarned() {
        var text = Fixtures.base.replacingOccurrences(of: "kind = \"lgwan\"", with: "kind = \"lgwan\"\nvlans = [120]")
        text = text.replacingOccurrences(of: "kind = \"internet\"", with: "kind = \"internet\"\nvlans = [130, 120]")
        let r = load(text + "[[routers]]\nname = \"core\"\nmacs = [\"00:1a:2b:3c:4d:5e\"]\n")
        XCTAssertNotNil(r.config)
        XCTAssertEqual(
            problems(r),
            [
                "warning 10 zones.internet.vlans[1]: VLAN 120 is also listed by zone 'lgwan' (lgwan); one VLAN "
                    + "carrying two tiers is itself a breach of the separation"
            ])
    }

    func testRouters() throws {
        let r = load(
            Fixtures.base + """
                [[routers]]
                name = "core-switch"
                macs = ["00:1a:2b:3c:4d:5e", "00-1A-2B-3C-4D-5F"]
                [[routers]]
                name = "firewall"
                macs = ["02:00:00:00:00:01"]

                """)
        XCTAssertEqual(r.diagnostics, [])
        let routers = try XCTUnwrap(r.config?.routers)
        XCTAssertEqual(routers.map(\.name), ["core-switch", "firewall"])
        XCTAssertEqual(routers[0].macs.map(\.description), ["00:1a:2b:3c:4d:5e", "00:1a:2b:3c:4d:5f"])
    }

    func testRouterProblems() {
        let r = load(
            Fixtures.base + """
                [[routers]]
                name = "core-switch"
                macs = ["00:1a:2b:3c:4d:5e", "00:1a:2b:3c:4d", "00:1a:2b:3c:4d:5e"]
                [[routers]]
                name = "firewall"
                macs = ["00:1A:2B:3C:4D:5E"]
                mac = "x"
                [[routers]]
                name = "core-switch"
                [[routers]]
                name = "empty"
                macs = []

                """)
        XCTAssertNil(r.config)
        XCTAssertEqual(
            problems(r),
            [
                "error 12 routers[0].macs[1]: '00:1a:2b:3c:4d' is not a MAC address like 00:1a:2b:3c:4d:5e",
                "warning 12 routers[0].macs[2]: 00:1a:2b:3c:4d:5e is listed twice in this router",
                "error 15 routers[1].macs[0]: 00:1a:2b:3c:4d:5e is already a MAC of router 'core-switch' (line 12); "
                    + "a MAC belongs to one router",
                "error 16 routers[1].mac: unknown key 'mac' (did you mean 'macs'?); allowed keys: name, macs",
                "error 17 routers[2]: missing required key 'macs' (a list like [\"00:1a:2b:3c:4d:5e\"])",
                "error 18 routers[2].name: the name 'core-switch' is already used by routers[0] (line 11)",
                "error 21 routers[3].macs: must list at least one MAC address",
            ])
    }

    func testVLANsWithoutRoutersAreWarned() {
        let text = Fixtures.base.replacingOccurrences(of: "kind = \"lgwan\"", with: "kind = \"lgwan\"\nvlans = [120]")
        let r = load(text)
        XCTAssertNotNil(r.config, "a warning, not an error")
        XCTAssertEqual(r.warnings.count, 1)
        XCTAssertEqual(r.warnings.first?.keyPath, "routers")
        XCTAssertTrue(r.warnings.first?.message.contains("zone 'lgwan' declares vlans but no [[routers]]") == true)
        XCTAssertEqual(load(Fixtures.base).warnings, [], "no vlans, no warning")
    }
}
