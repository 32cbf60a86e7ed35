import Foundation
import XCTest

/// `zonesep check` says exactly what is wrong with a declaration, and names it: an impossible expiry date
/// named no key, a local date-time expiry gave no zone, a conduit towards 10.0.0.0/8 was said to "lie in" the
/// internet zone it only overlaps, ::/0 drew an error and a warning that contradicted it, and a multicast
/// group (local to the rules, never judged) was refused as "an external address".
final class CheckDeclarationWordingTests: ScratchDirectoryTestCase {
    static let zones = """
        [zones.my]
        kind = "mynumber"
        networks = ["10.10.0.0/16"]
        [zones.lg]
        kind = "lgwan"
        networks = ["10.20.0.0/16"]
        [zones.in]
        kind = "internet"
        networks = ["10.30.0.0/16"]

        """

    /// `check` on the zones plus `declaration` (from line 10): its exit status and its diagnostic lines,
    /// each without the `zonesep: FILE` before it.
    func check(_ name: String, _ declaration: String) throws -> (status: Int32, lines: [String]) {
        let file = scratch.appendingPathComponent(name)
        try (Self.zones + declaration).write(to: file, atomically: true, encoding: .utf8)
        let outcome = try Harness.run(zonesep, ["check", "--config", file.path], timeout: 60)
        let lines = outcome.stderrText.split(separator: "\n").map(String.init)
        return (outcome.status, lines.compactMap { $0.components(separatedBy: file.path).dropFirst().first })
    }

    static func conduit(to: String, ports: String = "tcp/443") -> String {
        "[[conduits]]\nname = \"c\"\nfrom = { addresses = [\"10.10.1.1\"] }\nto = { addresses = [\"\(to)\"] }\n"
            + "ports = [\"\(ports)\"]\n"
    }

    static func exception(expires: String) -> String {
        "[[exceptions]]\nname = \"e\"\nfrom = [\"10.20.1.1\"]\nto = [\"198.51.100.1\"]\nports = [\"tcp/443\"]\n"
            + "approved = \"x\"\nexpires = \(expires)\n"
    }

    func testExpiriesAreNamedByKeyAndZone() throws {
        let bad = try check(
            "bad-date.conf", Self.exception(expires: "2027-01-01") + Self.exception(expires: "2027-02-30"))
        XCTAssertEqual(bad.status, 2)
        XCTAssertEqual(bad.lines.first, ":23: exceptions[1].expires: '2027-02-30' is not a valid date")
        let local = try check("local-time.conf", Self.exception(expires: "2026-06-14T20:00:00"))
        XCTAssertEqual(local.status, 0)
        XCTAssertEqual(
            local.lines,
            [
                ":16: warning: exceptions[0].expires: exception 'e' expired at 2026-06-14T20:00:00 (JST) by today's date; it allows no flow seen live, but a replay still applies it to packets from before then"
            ])
    }

    func testConduitAddressesAreDescribedExactly() throws {
        let refused = "a conduit towards the internet zone or an external address is a configuration error"
        let wide = try check("wide.conf", Self.conduit(to: "10.0.0.0/8"))
        XCTAssertEqual(wide.status, 2)
        XCTAssertEqual(
            wide.lines.first,
            ":13: conduits[0].to.addresses[0]: 10.0.0.0/8 overlaps the internet zone 'in' (all it reaches: my "
                + "(mynumber), lg (lgwan), in (internet), unzoned); \(refused): name only the addresses the link is "
                + "meant for")
        // ::/0 from an IPv4 address: the family warning, and one error about the prefix, with no warning
        // that it is "in the internal space but in no zone".
        let any6 = try check("any6.conf", Self.conduit(to: "::/0"))
        XCTAssertEqual(any6.status, 2)
        let about = any6.lines.filter { $0.contains("conduits[0].to.addresses[0]") }
        XCTAssertEqual(
            about,
            [
                ":13: conduits[0].to.addresses[0]: ::/0 reaches external addresses (all it reaches: unzoned, "
                    + "external, local); \(refused): name only the addresses the link is meant for"
            ])
        // A multicast group is local: not refused, but said to be where the conduit never takes effect.
        let multicast = try check("multicast.conf", Self.conduit(to: "224.0.0.0/4", ports: "udp/5353"))
        XCTAssertEqual(multicast.status, 0)
        XCTAssertEqual(
            multicast.lines,
            [
                ":13: warning: conduits[0].to.addresses[0]: 224.0.0.0/4 is local (broadcast, multicast, loopback, "
                    + "link-local or unspecified), and the rules allow every flow with a local end before any "
                    + "declaration is looked at, so this part of conduit 'c' never takes effect"
            ])
    }
}
