import XCTest
import ZonesepCore

@testable import ZonesepConfig

/// What `check` says of a gateway's addresses (REVIEW-144 F4): one that holds every external address of a
/// family, or half of all its addresses, is a catch-all that switches security-cloud-bypass off while it
/// reads as on; a network that reaches into a zone or the internal space is said to, even when it also
/// reaches external addresses. The configurations are the reviewer's files.
final class GatewayCheckTests: XCTestCase {
    /// The zones of the reviewer's chk/gw_*.toml, on lines 1-15; the gateway follows on lines 16-18.
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

        [zones.innest]
        kind = "internet"
        networks = ["10.20.99.0/24"]

        """

    static let rule =
        "the security-cloud rule looks only at external addresses (in no zone and outside the internal space)"

    func load(_ text: String) -> ConfigResult {
        ZonesConfigLoader.load(text: text, fileName: "zones.conf", now: nil)
    }

    func gateway(_ addresses: String) -> String {
        Self.zones + "[[gateways]]\nname=\"g\"\naddresses=[\(addresses)]\n"
    }

    func described(_ r: ConfigResult) -> [String] { r.diagnostics.map(\.description) }

    /// chk/gw_zero.toml, chk/gw_v6all.toml and chk/gw_half.toml: accepted without a word, while every flow
    /// between the internet zones and the Internet (or half of it) was allowed as going to the security cloud.
    func testAGatewayOfEveryAddressOrOfHalfOfThemIsACatchAll() {
        let reaches =
            "(all it reaches: my (mynumber), lg (lgwan), in (internet), innest (internet), unzoned, external, local)"
        XCTAssertEqual(
            described(load(gateway("\"0.0.0.0/0\""))),
            [
                "zones.conf:18: warning: gateways[0].addresses[0]: 0.0.0.0/0 (every IPv4 address) makes gateway 'g' a "
                    + "catch-all: it waives security-cloud-bypass for every flow between an internet zone and an external "
                    + "IPv4 address, so the rule is off for them while it reads as on; name the security cloud's own "
                    + "addresses",
                "zones.conf:18: warning: gateways[0].addresses[0]: 0.0.0.0/0 overlaps a zone and the internal space "
                    + "outside the zones besides reaching external addresses \(reaches); gateway 'g' never takes effect "
                    + "in that part: \(Self.rule)",
            ])
        XCTAssertEqual(
            described(load(gateway("\"::/0\""))),
            [
                "zones.conf:18: warning: gateways[0].addresses[0]: ::/0 (every IPv6 address) makes gateway 'g' a "
                    + "catch-all: it waives security-cloud-bypass for every flow between an internet zone and an external "
                    + "IPv6 address, so the rule is off for them while it reads as on; name the security cloud's own "
                    + "addresses",
                // fc00::/7 is in the default internal space.
                "zones.conf:18: warning: gateways[0].addresses[0]: ::/0 overlaps the internal space outside the zones "
                    + "besides reaching external addresses (all it reaches: unzoned, external, local); gateway 'g' never "
                    + "takes effect in that part: \(Self.rule)",
            ])
        XCTAssertEqual(
            described(load(gateway("\"0.0.0.0/1\""))),
            [
                "zones.conf:18: warning: gateways[0].addresses[0]: 0.0.0.0/1 (half of all IPv4 addresses) makes gateway "
                    + "'g' a catch-all: it waives security-cloud-bypass for every flow between an internet zone and an "
                    + "external address in it, so the rule is off for them while it reads as on; name the security "
                    + "cloud's own addresses",
                "zones.conf:18: warning: gateways[0].addresses[0]: 0.0.0.0/1 overlaps a zone and the internal space "
                    + "outside the zones besides reaching external addresses \(reaches); gateway 'g' never takes effect "
                    + "in that part: \(Self.rule)",
            ])
        // The other half, and an IPv4-mapped spelling of the whole, are the same rule.
        let other = load(gateway("\"128.0.0.0/1\""))
        XCTAssertTrue(
            (described(other).first ?? "").contains("128.0.0.0/1 (half of all IPv4 addresses) makes gateway"),
            "\(other)")
        let mapped = load(gateway("\"::ffff:0:0/96\""))
        XCTAssertTrue(
            (described(mapped).first ?? "").contains("0.0.0.0/0 (every IPv4 address) makes gateway"), "\(mapped)")
        // A quarter is a wide gateway, not a catch-all; it reaches no zone or internal address.
        XCTAssertEqual(described(load(gateway("\"64.0.0.0/2\""))), [])
    }

    /// zgw.conf: the security cloud's own address beside half the Internet. Only the half is named.
    func testTheReviewersGatewayOfHalfTheInternetBesideItsOwnAddress() {
        let text = """
            [zones.in]
            kind = "internet"
            networks = ["10.30.0.0/16"]
            [zones.lg]
            kind = "lgwan"
            networks = ["10.20.0.0/16"]
            [[gateways]]
            name = "security-cloud"
            addresses = ["203.0.113.10", "0.0.0.0/1"]

            """
        let r = load(text)
        XCTAssertNotNil(r.config)
        XCTAssertEqual(r.diagnostics.map(\.keyPath), ["gateways[0].addresses[1]", "gateways[0].addresses[1]"])
        XCTAssertEqual(r.diagnostics.map(\.line), [9, 9])
        XCTAssertTrue(r.diagnostics.allSatisfy { $0.severity == .warning })
        XCTAssertTrue(
            (r.diagnostics.first?.message ?? "").hasPrefix(
                "0.0.0.0/1 (half of all IPv4 addresses) makes gateway "
                    + "'security-cloud' a catch-all: it waives security-cloud-bypass"), "\(r.diagnostics)")
        XCTAssertTrue(
            (r.diagnostics.last?.message ?? "").hasPrefix(
                "0.0.0.0/1 overlaps a zone and the internal space outside "
                    + "the zones besides reaching external addresses (all it reaches: in (internet), lg (lgwan), unzoned, "
                    + "external, local)"), "\(r.diagnostics)")
    }

    /// chk/gw_8.toml: no external address at all, as before.
    func testAGatewayOfOnlyInternalAddressesIsStillSaidToReachNoExternalAddress() {
        XCTAssertEqual(
            described(load(gateway("\"10.0.0.0/8\""))),
            [
                "zones.conf:18: warning: gateways[0].addresses[0]: 10.0.0.0/8 reaches no external address (only my "
                    + "(mynumber), lg (lgwan), in (internet), innest (internet), unzoned); gateway 'g' never takes "
                    + "effect there: \(Self.rule)"
            ])
    }

    /// A network over a zone and the Internet, or over the internal space and the Internet, is named with
    /// the part it cannot serve; one whose only other part is local is not (every wide network has one).
    func testAPartialOverlapWithAZoneOrTheInternalSpaceIsNamed() {
        let zones = Self.zones.replacingOccurrences(
            of: "\"10.30.0.0/16\"", with: "\"10.30.0.0/16\", \"198.51.100.0/25\"")
        let zoned = described(
            load(
                zones + "[[gateways]]\nname=\"g\"\naddresses=[\"10.30.0.0/16\", \"203.0.113.10\"]\n"
                    + "[[gateways]]\nname=\"h\"\naddresses=[\"198.51.100.0/24\"]\n"))
        XCTAssertEqual(
            zoned,
            [
                "zones.conf:18: warning: gateways[0].addresses[0]: 10.30.0.0/16 lies in in (internet); gateway 'g' "
                    + "never takes effect there: \(Self.rule)",
                "zones.conf:21: warning: gateways[1].addresses[0]: 198.51.100.0/24 overlaps a zone besides reaching "
                    + "external addresses (all it reaches: in (internet), external); gateway 'h' never takes effect in "
                    + "that part: \(Self.rule)",
            ])
        XCTAssertEqual(
            described(load(gateway("\"172.0.0.0/8\""))),
            [
                "zones.conf:18: warning: gateways[0].addresses[0]: 172.0.0.0/8 overlaps the internal space outside the "
                    + "zones besides reaching external addresses (all it reaches: unzoned, external); gateway 'g' never "
                    + "takes effect in that part: \(Self.rule)"
            ])
        // 192.0.0.0/3 holds no zone or internal address but 192.168.0.0/16; 224.0.0.0/3 only local ones.
        XCTAssertEqual(described(load(gateway("\"224.0.0.0/3\""))), [])
    }

    /// Prefixes that together hold every external address of a family, none of them a catch-all alone: said
    /// once, on the list. Here the internal space leaves 192.0.0.0/2 outside it, and 224.0.0.0/4 is local.
    func testAddressesThatTogetherHoldEveryExternalAddressAreACatchAll() {
        let text = """
            [internal]
            networks = ["0.0.0.0/1", "128.0.0.0/2", "fc00::/7"]
            [zones.in]
            kind = "internet"
            networks = ["10.30.0.0/16"]
            [[gateways]]
            name = "g"

            """
        XCTAssertEqual(
            described(load(text + "addresses = [\"192.0.0.0/3\", \"240.0.0.0/4\", \"2001:db8::/32\"]\n")),
            [
                "zones.conf:8: warning: gateways[0].addresses: the addresses of gateway 'g' hold every external IPv4 "
                    + "address (in no zone and outside the internal space), which makes it a catch-all: it waives "
                    + "security-cloud-bypass for every flow between an internet zone and an external IPv4 address, so "
                    + "the rule is off for them while it reads as on; name the security cloud's own addresses"
            ])
        // One range short of it: nothing to say.
        XCTAssertEqual(described(load(text + "addresses = [\"192.0.0.0/3\", \"240.0.0.0/5\"]\n")), [])
        // A catch-all prefix is said where it is, not again for the list.
        let half = described(load(text + "addresses = [\"192.0.0.0/3\", \"240.0.0.0/4\", \"128.0.0.0/1\"]\n"))
        XCTAssertEqual(half.count, 2, "\(half)")
        XCTAssertFalse(half.contains { $0.contains("gateways[0].addresses:") }, "\(half)")
    }
}
