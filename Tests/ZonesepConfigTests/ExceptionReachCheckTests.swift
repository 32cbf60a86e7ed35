import Foundation
import XCTest
import ZonesepCore
import ZonesepTestSupport

@testable import ZonesepConfig

/// What `check` says an exception can allow: a prefix that only overlaps a mynumber zone still allows flows,
/// a catch-all names the rules it waives, and an exception that can never allow a flow is flagged, while
/// the exceptions a town hall really writes stay quiet.
final class ExceptionReachCheckTests: XCTestCase {
    static let gateway = "[[gateways]]\nname = \"g\"\naddresses = [\"203.0.113.10\"]\n"

    func exception(_ name: String, from: String, to: String, ports: String = "\"tcp/443\"") -> String {
        "[[exceptions]]\nname = \"\(name)\"\nfrom = [\(from)]\nto = [\(to)]\nports = [\(ports)]\n"
            + "approved = \"x\"\nexpires = 2030-01-01\n"
    }

    func load(_ text: String) -> ConfigResult {
        ZonesConfigLoader.load(text: text, fileName: "zones.conf", now: nil)
    }

    /// The 1-based line of the `n`th line of `text` equal to `line`.
    func line(of line: String, _ n: Int = 0, in text: String) -> Int {
        let lines = text.components(separatedBy: "\n")
        return lines.indices.filter { lines[$0] == line }[n] + 1
    }

    func warnings(_ r: ConfigResult, _ keyPath: String) -> [ConfigDiagnostic] {
        r.diagnostics.filter { $0.keyPath == keyPath && $0.severity == .warning }
    }

    /// The review's case: to = 0.0.0.0/0 with any port. It was said to lie in a mynumber zone and have no
    /// effect, while a replay showed it allowing flows and silencing security-cloud-bypass.
    func testACatchAllIsNotSaidToHaveNoEffect() {
        let text =
            ZonesText.threeZones() + Self.gateway
            + exception("e1", from: "\"10.30.0.0/16\"", to: "\"0.0.0.0/0\"", ports: "\"any\"")
        let r = load(text)
        XCTAssertEqual(r.errors, [])
        let to = warnings(r, "exceptions[0].to[0]")
        XCTAssertEqual(to.count, 2, r.diagnostics.map(\.description).joined(separator: "\n"))
        XCTAssertTrue(to.allSatisfy { $0.line == line(of: "to = [\"0.0.0.0/0\"]", in: text) })
        XCTAssertFalse(to.contains { $0.message.contains("lies in") }, "\(to)")
        let overlap = to.first { $0.message.contains("overlaps a mynumber zone") }
        XCTAssertEqual(
            overlap?.message,
            "0.0.0.0/0 overlaps a mynumber zone and reaches more (mynumber (mynumber), lgwan (lgwan), internet "
                + "(internet), unzoned, external, local); an exception never allows a mynumber flow (only a conduit can), "
                + "so the part of exception 'e1' inside the mynumber zone has no effect, but "
                + "the rest of it does allow the flows it names")
        let catchAll = to.first { $0.message.contains("catch-all") }
        XCTAssertEqual(
            catchAll?.message,
            "0.0.0.0/0 with ports = [\"any\"] makes exception 'e1' a catch-all: while it is valid it waives "
                + "sanitisation-bypass, security-cloud-bypass and unzoned-host for every flow from its 'from' "
                + "addresses to every IPv4 address, on any protocol and port; name the peers and ports it is meant for")
        // It can take effect: no word that it never does.
        XCTAssertEqual(warnings(r, "exceptions[0]"), [])
        XCTAssertEqual(r.warnings.count, 2)
    }

    /// A catch-all on the `from` side, and ::/0: the rules named are those its flows can break.
    func testACatchAllOnEitherSideAndInIPv6() {
        let text =
            ZonesText.threeZones() + ZonesText.zone("inet6", kind: "internet", "fd00:30::/48") + Self.gateway
            + exception("in", from: "\"0.0.0.0/0\"", to: "\"10.20.5.0/24\"", ports: "\"any\"")
            + exception("v6", from: "\"fd00:30::/48\"", to: "\"::/0\"", ports: "\"any\"")
            + exception("narrow", from: "\"fd00:30::/48\"", to: "\"::/0\"")
        let r = load(text)
        XCTAssertEqual(r.errors, [])
        let from = warnings(r, "exceptions[0].from[0]")
        XCTAssertEqual(from.count, 2, r.diagnostics.map(\.description).joined(separator: "\n"))
        XCTAssertTrue(
            from.contains {
                $0.message.contains(
                    "waives sanitisation-bypass, lgwan-external and unzoned-host for every flow from every IPv4 "
                        + "address to its 'to' addresses")
            }, "\(from)")
        let v6 = warnings(r, "exceptions[1].to[0]")
        XCTAssertEqual(v6.count, 1, "\(v6)")
        XCTAssertTrue(
            v6.first?.message.contains(
                "::/0 with ports = [\"any\"] makes exception 'v6' a catch-all: while it is valid it waives "
                    + "security-cloud-bypass and unzoned-host for every flow from its 'from' addresses to every IPv6 "
                    + "address") ?? false, "\(v6)")
        // The same prefix on one port is the usual way to name a service anywhere: not a catch-all.
        XCTAssertEqual(warnings(r, "exceptions[2].to[0]"), [])
        XCTAssertEqual(r.warnings.count, 3, r.diagnostics.map(\.description).joined(separator: "\n"))
    }

    /// Half of a family with any port is a catch-all too: the rule a gateway's addresses are held to
    /// (`AddressSpace.catchAll`), one for both. A quarter is not.
    func testHalfOfAFamilyWithAnyPortIsACatchAll() {
        let text =
            ZonesText.threeZones() + Self.gateway
            + exception("half", from: "\"10.30.0.0/16\"", to: "\"128.0.0.0/1\"", ports: "\"any\"")
            + exception("quarter", from: "\"10.30.0.0/16\"", to: "\"128.0.0.0/2\"", ports: "\"any\"")
        let r = load(text)
        XCTAssertEqual(
            r.diagnostics.map(\.description),
            [
                "zones.conf:\(line(of: "to = [\"128.0.0.0/1\"]", in: text)): warning: exceptions[0].to[0]: 128.0.0.0/1 "
                    + "with ports = [\"any\"] makes exception 'half' a catch-all: while it is valid it waives "
                    + "security-cloud-bypass and unzoned-host for every flow from its 'from' addresses to half of all "
                    + "IPv4 addresses, on any protocol and port; name the peers and ports it is meant for"
            ])
    }

    /// Exceptions no rule ever asks: within one zone, between two external addresses, an internet zone and
    /// the Internet with no gateway declared, two families, a mynumber zone. Each is named by its line.
    func testAnExceptionThatCanNeverAllowAFlowIsAWarning() {
        let text =
            ZonesText.threeZones()
            + exception("same-zone", from: "\"10.30.0.5\"", to: "\"10.30.0.6\"")
            + exception("ext-to-ext", from: "\"8.8.8.8\"", to: "\"1.1.1.1\"")
            + exception("no-gateway", from: "\"10.30.0.0/16\"", to: "\"198.51.100.0/24\"")
            + exception("families", from: "\"10.20.0.0/16\"", to: "\"2001:db8::/32\"")
            + exception("mynumber", from: "\"10.10.2.0/24\"", to: "\"10.30.1.1\"")
            + exception("mynumber-unzoned", from: "\"10.10.1.9\"", to: "\"192.168.5.5\"")
            + exception("multicast", from: "\"10.20.1.1\"", to: "\"239.1.2.3\"")
        let r = load(text)
        XCTAssertEqual(r.errors, [])
        let expected = [
            "exception 'same-zone' can never allow a flow: every flow it names is internet → internet: these flows "
                + "break no rule an exception can waive",
            "exception 'ext-to-ext' can never allow a flow: every flow it names is external → external: these "
                + "flows break no rule an exception can waive",
            "exception 'no-gateway' can never allow a flow: every flow it names is internet → external: no "
                + "[[gateways]] are declared, so security-cloud-bypass is off and these flows break no rule an "
                + "exception can waive",
            "exception 'families' can never allow a flow: its 'from' and 'to' addresses are of different families "
                + "(IPv4 and IPv6), and a flow's two ends are of one",
            "exception 'mynumber' can never allow a flow: every flow it names is mynumber → internet: a mynumber "
                + "flow, which only a conduit allows",
            // A conduit may allow this one past mynumber-isolation: what the exception cannot waive then is
            // unzoned-host (docs/rules.md), and the reason says so rather than "only a conduit allows".
            "exception 'mynumber-unzoned' can never allow a flow: every flow it names is mynumber → unzoned: "
                + "mynumber-isolation unless a conduit allows the flow, and then unzoned-host, which no exception "
                + "waives with a mynumber zone at the other end (give the device a zone)",
            // A multicast group is local, not external: lgwan-external never judges it.
            "exception 'multicast' can never allow a flow: every flow it names is lgwan → local: a local address "
                + "(broadcast, multicast, loopback, link-local or unspecified) at one end, and the rules allow such "
                + "flows before any declaration is looked at",
        ]
        for (i, message) in expected.enumerated() {
            let w = warnings(r, "exceptions[\(i)]")
            XCTAssertEqual(w.count, 1, r.diagnostics.map(\.description).joined(separator: "\n"))
            XCTAssertEqual(w.first?.line, line(of: "[[exceptions]]", i, in: text))
            XCTAssertEqual(
                w.first?.message,
                message + "; an exception only waives sanitisation-bypass, lgwan-external, security-cloud-bypass "
                    + "and unzoned-host")
        }
        // And the mynumber prefix itself, as before.
        XCTAssertEqual(warnings(r, "exceptions[4].from[0]").count, 1)
        XCTAssertEqual(warnings(r, "exceptions[5].from[0]").count, 1)
        XCTAssertEqual(r.warnings.count, 9, r.diagnostics.map(\.description).joined(separator: "\n"))
    }

    /// Exceptions that do allow flows stay quiet: the repository's zones.conf (whose exceptions
    /// captures/README.md shows allowing flows), DESIGN's example, and one of each rule an exception waives,
    /// in either direction, with a part in a mynumber zone left aside.
    func testExceptionsThatCanTakeEffectStayQuiet() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let repo = load(try String(contentsOf: root.appendingPathComponent("zones.conf"), encoding: .utf8))
        XCTAssertEqual(repo.diagnostics, [], repo.diagnostics.map(\.description).joined(separator: "\n"))
        XCTAssertEqual(repo.config?.exceptions.count, 3)
        let design = load(Fixtures.designExample)
        XCTAssertEqual(design.diagnostics, [], design.diagnostics.map(\.description).joined(separator: "\n"))
        let text =
            ZonesText.threeZones() + Self.gateway
            + exception("lgwan-out", from: "\"10.20.3.0/24\"", to: "\"198.51.100.50\"")
            + exception("into-lgwan", from: "\"10.30.1.1\"", to: "\"10.20.1.1\"", ports: "\"tcp/445\"")
            + exception("out-of-lgwan", from: "\"10.20.1.1\"", to: "\"10.30.1.1\"", ports: "\"any\"")
            + exception("unregistered", from: "\"10.99.0.5\"", to: "\"10.30.0.5\"")
            + exception("inbound", from: "\"198.51.100.9\"", to: "\"10.30.1.1\"")
            + exception("cloud-and-more", from: "\"10.30.0.0/16\"", to: "\"203.0.113.0/24\"")
            + exception("mixed", from: "\"10.30.0.0/16\", \"fd00:30::1\"", to: "\"198.51.100.0/24\"")
        let r = load(text)
        XCTAssertEqual(r.diagnostics, [], r.diagnostics.map(\.description).joined(separator: "\n"))
        XCTAssertEqual(r.config?.exceptions.count, 7)
    }
}
