import XCTest
import ZonesepCore
import ZonesepTestSupport

@testable import ZonesepConfig

/// An exception's catch-all told by what its ports and prefixes hold, not by their spelling (REVIEW-149 F2):
/// every TCP and UDP port is every port, four /2s are 0.0.0.0/0, a whole lgwan zone to a whole internet zone
/// switches sanitisation-bypass off for the pair; and an exception valid for more than three years is said.
final class ExceptionCatchAllCoverTests: XCTestCase {
    static let zones =
        ZonesText.zone("my", kind: "mynumber", "10.10.0.0/16") + ZonesText.zone("lg", kind: "lgwan", "10.20.0.0/16")
        + ZonesText.zone("in", kind: "internet", "10.30.0.0/16")
        + "[[gateways]]\nname = \"g\"\naddresses = [\"203.0.113.10\"]\n"

    func exception(from: String, to: String, ports: String, expires: String = "2027-03-31") -> String {
        "[[exceptions]]\nname = \"e\"\nfrom = [\(from)]\nto = [\(to)]\nports = [\(ports)]\napproved = \"x\"\n"
            + "expires = \(expires)\n"
    }

    func load(_ text: String, now: Int64? = nil) -> ConfigResult {
        ZonesConfigLoader.load(text: Self.zones + text, fileName: "zones.conf", now: now)
    }

    func messages(_ r: ConfigResult, _ keyPath: String) -> [String] {
        r.diagnostics.filter { $0.keyPath == keyPath && $0.severity == .warning }.map(\.message)
    }

    /// w_exc_allports.conf: 0.0.0.0/0 on tcp/0-65535, udp/0-65535 and icmp.
    func testEveryTCPAndUDPPortIsEveryPort() {
        let r = load(
            exception(
                from: "\"10.30.0.0/16\"", to: "\"0.0.0.0/0\"", ports: "\"tcp/0-65535\", \"udp/0-65535\", \"icmp\""))
        XCTAssertTrue(
            messages(r, "exceptions[0].to[0]").contains(
                "0.0.0.0/0 with ports that hold every TCP and UDP port makes exception 'e' a catch-all: while it is "
                    + "valid it waives sanitisation-bypass, security-cloud-bypass and unzoned-host for every flow from its "
                    + "'from' addresses to every IPv4 address, on every TCP and UDP port; name the peers and ports it is meant for"
            ),
            "\(r.diagnostics)")
        // Ranges that meet, from port 1; one UDP port short is not every port.
        let split = load(
            exception(
                from: "\"10.30.0.0/16\"", to: "\"0.0.0.0/0\"",
                ports: "\"tcp/1-1023\", \"tcp/1000-65535\", \"udp/1-65535\""))
        XCTAssertEqual(messages(split, "exceptions[0].to[0]").count { $0.contains("catch-all") }, 1)
        let short = load(
            exception(from: "\"10.30.0.0/16\"", to: "\"0.0.0.0/0\"", ports: "\"tcp/1-65535\", \"udp/1-65534\""))
        XCTAssertFalse(short.diagnostics.contains { $0.message.contains("catch-all") }, "\(short.diagnostics)")
    }

    /// w_exc_quarter.conf: the four /2s on any port; two of them are half, one is neither.
    func testPrefixesThatTogetherHoldAFamilyAreACatchAll() {
        let four = "\"0.0.0.0/2\", \"64.0.0.0/2\", \"128.0.0.0/2\", \"192.0.0.0/2\""
        let r = load(exception(from: "\"10.30.0.0/16\"", to: four, ports: "\"any\""))
        XCTAssertEqual(
            messages(r, "exceptions[0].to"),
            [
                "the 'to' addresses 0.0.0.0/2, 64.0.0.0/2, 128.0.0.0/2, 192.0.0.0/2 together hold every IPv4 "
                    + "address, and with ports = [\"any\"] make exception 'e' a catch-all: while it is valid it waives "
                    + "sanitisation-bypass, security-cloud-bypass and unzoned-host for every flow from its 'from' addresses to every IPv4 "
                    + "address, on any protocol and port; name the peers and ports it is meant for"
            ])
        XCTAssertEqual(r.diagnostics.first { $0.keyPath == "exceptions[0].to" }?.line, 16)
        let half = load(exception(from: "\"128.0.0.0/2\", \"192.0.0.0/2\"", to: "\"10.30.0.0/16\"", ports: "\"any\""))
        XCTAssertEqual(
            messages(half, "exceptions[0].from").first?.hasPrefix(
                "the 'from' addresses 128.0.0.0/2, 192.0.0.0/2 together hold at least half of all IPv4 addresses"),
            true, "\(half.diagnostics)")
        let quarter = load(
            exception(from: "\"128.0.0.0/2\", \"128.0.0.0/3\"", to: "\"10.30.0.0/16\"", ports: "\"any\""))
        XCTAssertFalse(quarter.diagnostics.contains { $0.message.contains("catch-all") }, "\(quarter.diagnostics)")
        // IPv6 by what it holds too: ::/1 and 8000::/1 are every IPv6 address.
        let v6 = load(
            ZonesText.zone("in6", kind: "internet", "fd00:30::/48")
                + exception(from: "\"fd00:30::/48\"", to: "\"::/1\", \"8000::/1\"", ports: "\"any\""))
        let v6CatchAlls = v6.diagnostics.filter { $0.message.contains("catch-all") }
        XCTAssertEqual(v6CatchAlls.map(\.keyPath), ["exceptions[0].to[0]", "exceptions[0].to[1]"], "\(v6.diagnostics)")
    }

    /// w_exc_zone.conf: a whole lgwan zone to a whole internet zone on any port, until 2099.
    func testAWholeZoneExceptionAndALongExpiryAreSaid() {
        let now: Int64 = 1_796_601_600 * 1_000_000  // 2026-12-07T00:00:00Z
        let r = load(
            exception(from: "\"10.20.0.0/16\"", to: "\"10.30.0.0/16\"", ports: "\"any\"", expires: "2099-12-31"),
            now: now)
        XCTAssertEqual(
            messages(r, "exceptions[0]"),
            [
                "exception 'e' lets every address of zone 'lg' (lgwan) reach every address of zone 'in' (internet) on "
                    + "every protocol and port: while it is valid, sanitisation-bypass can never fire for a flow from "
                    + "'lg' to 'in'; name the peers and ports it is meant for"
            ])
        XCTAssertEqual(
            messages(r, "exceptions[0].expires"),
            [
                "exception 'e' expires 2099-12-31, more than three years (1,096 days) after today's date: an "
                    + "exception is a time-limited permission, renewed when its approval is reviewed; give the date "
                    + "its approval runs to"
            ])
        XCTAssertEqual(r.diagnostics.first { $0.keyPath == "exceptions[0].expires" }?.line, 19)
        // 1,096 days after now is 2029-12-07T00:00:00Z: up to it is not more than three years, a second later
        // is. Without today's date (a replay) nothing is said.
        for (expires, said) in [("2029-12-06", false), ("2029-12-07T00:00:00Z", false), ("2029-12-07T00:00:01Z", true)]
        {
            let e = load(
                exception(from: "\"10.20.1.1\"", to: "\"10.30.1.1\"", ports: "\"tcp/443\"", expires: expires), now: now)
            XCTAssertEqual(e.warnings.isEmpty, !said, "\(expires): \(e.diagnostics)")
        }
        let replay = load(
            exception(from: "\"10.20.1.1\"", to: "\"10.30.1.1\"", ports: "\"tcp/443\"", expires: "2099-12-31"))
        XCTAssertEqual(replay.diagnostics, [])
    }
}
