import XCTest
import ZonesepCore
import ZonesepTestSupport

@testable import ZonesepConfig

/// A sanitisation path or a conduit that opens every address of one zone to every address of another on
/// every port: `check` names the rule it switches off for that pair (REVIEW-149 F1), as it does for an
/// exception's or a gateway's catch-all; narrow paths, and whole zones on the method's own ports, stay quiet.
final class WholeZoneCheckTests: XCTestCase {
    /// The review's zones (my, lg, in) and a gateway, on lines 1-12.
    static let zones =
        ZonesText.zone("my", kind: "mynumber", "10.10.0.0/16") + ZonesText.zone("lg", kind: "lgwan", "10.20.0.0/16")
        + ZonesText.zone("in", kind: "internet", "10.30.0.0/16")
        + "[[gateways]]\nname = \"gw\"\naddresses = [\"203.0.113.10\"]\n"

    func path(method: String = "file-sanitiser", from: String, to: String, ports: String? = "\"any\"") -> String {
        "[[sanitisation]]\nname = \"s\"\nmethod = \"\(method)\"\nfrom = [\(from)]\nto = [\(to)]\n"
            + (ports.map { "ports = [\($0)]\n" } ?? "")
    }

    func conduit(from: String, to: String, ports: String = "\"any\"") -> String {
        "[[conduits]]\nname = \"c\"\nfrom = { \(from) }\nto = { \(to) }\nports = [\(ports)]\n"
    }

    func load(_ text: String) -> ConfigResult {
        ZonesConfigLoader.load(text: Self.zones + text, fileName: "zones.conf", now: nil)
    }

    func messages(_ r: ConfigResult, _ keyPath: String) -> [String] {
        r.diagnostics.filter { $0.keyPath == keyPath && $0.severity == .warning }.map(\.message)
    }

    /// s_all.conf: 0.0.0.0/0 to 0.0.0.0/0 on any port, said once for the pair, on the path's line.
    func testACatchAllPathSwitchesSanitisationBypassOffBothWays() {
        let r = load(path(from: "\"0.0.0.0/0\"", to: "\"0.0.0.0/0\""))
        XCTAssertEqual(r.errors, [])
        XCTAssertEqual(
            messages(r, "sanitisation[0]"),
            [
                "sanitisation path 's' lets every address of zone 'lg' (lgwan) reach every address of zone 'in' "
                    + "(internet), and every address of 'in' reach every address of 'lg', on every protocol and port: "
                    + "sanitisation-bypass can never fire between them; name the hosts and ports the path is for"
            ])
        XCTAssertEqual(r.warnings.first { $0.keyPath == "sanitisation[0]" }?.line, 13)
    }

    /// s_any.conf: a mail-text path from the whole lgwan zone to the whole internet zone on any port; and the
    /// same written as every TCP and UDP port, the way firewall exports write it.
    func testAWholeZonePathOnEveryPortIsSaidForItsDirection() {
        let any = load(path(method: "mail-text", from: "\"10.20.0.0/16\"", to: "\"10.30.0.0/16\""))
        XCTAssertEqual(
            messages(any, "sanitisation[0]"),
            [
                "sanitisation path 's' lets every address of zone 'lg' (lgwan) reach every address of zone 'in' "
                    + "(internet) on every protocol and port: sanitisation-bypass can never fire for a flow from 'lg' "
                    + "to 'in'; name the hosts and ports the path is for"
            ])
        let ranges = load(
            path(
                from: "\"10.20.0.0/17\", \"10.20.128.0/17\"", to: "\"10.0.0.0/8\"",
                ports: "\"tcp/1-1000\", \"tcp/1001-65535\", \"udp/1-65535\""))
        XCTAssertEqual(
            messages(ranges, "sanitisation[0]"),
            [
                "sanitisation path 's' lets every address of zone 'lg' (lgwan) reach every address of zone 'in' "
                    + "(internet) on every TCP and UDP port: sanitisation-bypass can never fire for a flow from 'lg' "
                    + "to 'in'; name the hosts and ports the path is for"
            ])
        // Short of a port, of UDP, of half the zone, or from a host: a path, not a catch-all.
        for (from, ports) in [
            ("\"10.20.0.0/16\"", "\"tcp/1-65534\", \"udp/1-65535\""),
            ("\"10.20.0.0/16\"", "\"tcp/1-65535\", \"icmp\""),
            ("\"10.20.0.0/17\"", "\"any\""),
            ("\"10.20.1.5\"", "\"any\""),
        ] {
            let r = load(path(from: from, to: "\"10.30.0.0/16\"", ports: ports))
            XCTAssertEqual(r.diagnostics, [], "\(from) \(ports)")
        }
        // Whole zones on the method's own ports: the usual screen-transfer path to a farm, one way.
        XCTAssertEqual(
            load(path(method: "screen-transfer", from: "\"10.20.0.0/16\"", to: "\"10.30.0.0/16\"", ports: nil))
                .diagnostics, [])
    }

    /// s_both_dirs.conf: one path listing both zones in `from` and in `to` on the method's ports.
    func testAPathListingBothZonesBothWaysIsSaidToRunBothWays() {
        let r = load(
            path(
                method: "screen-transfer", from: "\"10.20.0.0/16\", \"10.30.0.0/16\"",
                to: "\"10.30.0.0/16\", \"10.20.0.0/16\"", ports: nil))
        XCTAssertEqual(
            messages(r, "sanitisation[0]"),
            [
                "sanitisation path 's' runs both ways: its 'from' and its 'to' each reach an lgwan and an internet zone "
                    + "(from: lg (lgwan), in (internet); to: lg (lgwan), in (internet)), so it also lets the internet "
                    + "side connect into the lgwan side; a path is one direction, from the side that connects: declare "
                    + "each direction that is meant as a path of its own"
            ])
    }

    /// c_any.conf and c_rev.conf: a conduit between the whole mynumber zone and the whole lgwan zone on any
    /// port with no MAC; a MAC on either side makes it one device's link.
    func testAWholeZoneConduitSwitchesMynumberIsolationOff() {
        let out = load(conduit(from: "addresses = [\"10.10.0.0/16\"]", to: "addresses = [\"10.20.0.0/16\"]"))
        XCTAssertEqual(out.errors, [])
        XCTAssertEqual(
            messages(out, "conduits[0]"),
            [
                "conduit 'c' lets every address of zone 'my' (mynumber) reach every address of zone 'lg' (lgwan) on "
                    + "every protocol and port: mynumber-isolation can never fire for a flow from 'my' to 'lg'; name "
                    + "the hosts (with their MACs) and the ports the link is for"
            ])
        let back = load(conduit(from: "addresses = [\"10.20.0.0/16\"]", to: "addresses = [\"10.10.0.0/16\"]"))
        XCTAssertEqual(
            messages(back, "conduits[0]").first?.hasPrefix(
                "conduit 'c' lets every address of zone 'lg' (lgwan) reach every address of zone 'my' (mynumber)"),
            true, "\(back.diagnostics)")
        let mac = load(
            conduit(
                from: "addresses = [\"10.10.0.0/16\"], mac = \"02:00:00:00:01:05\"",
                to: "addresses = [\"10.20.0.0/16\"]"))
        XCTAssertEqual(mac.diagnostics, [])
        let host = load(conduit(from: "addresses = [\"10.10.1.5\"]", to: "addresses = [\"10.20.0.0/16\"]"))
        XCTAssertEqual(host.diagnostics, [])
        // c_all.conf: 10.0.0.0/8 both ways is refused for the internet zone it reaches; the warning names
        // only the mynumber and lgwan pair, not the internet zone the error is about.
        let all = load(conduit(from: "addresses = [\"10.0.0.0/8\"]", to: "addresses = [\"10.0.0.0/8\"]"))
        XCTAssertEqual(all.errors.count, 2)
        XCTAssertEqual(
            messages(all, "conduits[0]"),
            [
                "conduit 'c' lets every address of zone 'my' (mynumber) reach every address of zone 'lg' (lgwan), and "
                    + "every address of 'lg' reach every address of 'my', on every protocol and port: mynumber-isolation "
                    + "can never fire between them; name the hosts (with their MACs) and the ports the link is for"
            ])
    }

    /// A dual-stack pair opened in IPv4 only is said for IPv4, and IPv6 flows still meet the rule.
    func testOneFamilyOfADualStackPairIsNamed() {
        let text =
            ZonesText.zone("lg6", kind: "lgwan", "10.40.0.0/16", "fd00:40::/48")
            + ZonesText.zone("in6", kind: "internet", "10.50.0.0/16", "fd00:50::/48")
            + path(from: "\"10.40.0.0/16\"", to: "\"10.50.0.0/16\"")
        let r = load(text)
        XCTAssertEqual(
            messages(r, "sanitisation[0]"),
            [
                "sanitisation path 's' lets every IPv4 address of zone 'lg6' (lgwan) reach every IPv4 address of zone "
                    + "'in6' (internet) on every protocol and port: sanitisation-bypass can never fire for an IPv4 "
                    + "flow from 'lg6' to 'in6'; name the hosts and ports the path is for"
            ])
    }
}
