import XCTest
import ZonesepCore
import ZonesepTestSupport

@testable import ZonesepConfig

/// What `check` tells an engineer in the first hour about a slip (REVIEW-149 F6): where a conduit's `mac`
/// goes, that `icmp` covers ICMPv6, a group or zero MAC that can never match, and plain English for a missing
/// list of addresses.
final class FirstHourHintsTests: XCTestCase {
    static let zones =
        ZonesText.zone("my", kind: "mynumber", "10.10.0.0/16") + ZonesText.zone("lg", kind: "lgwan", "10.20.0.0/16")

    func load(_ text: String) -> ConfigResult {
        ZonesConfigLoader.load(text: Self.zones + text, fileName: "zones.conf", now: nil)
    }

    func conduit(_ body: String) -> String { "[[conduits]]\nname = \"c\"\n" + body }

    /// k1.conf: `mac` at the conduit's top level is told where it goes, not only that it is unknown.
    func testAConduitsTopLevelMACIsToldWhereItGoes() {
        let r = load(
            conduit(
                "from = { addresses = [\"10.10.1.5\"] }\nto = { addresses = [\"10.20.1.5\"] }\nports = [\"tcp/443\"]\n"
                    + "mac = \"02:00:0a:0a:01:05\"\n"))
        XCTAssertEqual(
            r.diagnostics.map(\.description),
            [
                "zones.conf:12: conduits[0].mac: unknown key 'mac' here: a conduit's MAC goes inside 'from' or "
                    + "'to', as from = { addresses = [\"10.10.1.5\"], mac = \"02:00:0a:0a:01:05\" }; allowed keys: "
                    + "name, from, to, ports"
            ])
    }

    /// mac9-11.conf: broadcast, multicast and all-zero MACs are warned about on their side; a unicast one is not.
    func testGroupAndZeroMACsAreWarnedAbout() {
        for (mac, what) in [
            ("ff:ff:ff:ff:ff:ff", "the broadcast address"), ("01-00-5E-00-00-01", "a multicast (group) address"),
            ("33:33:00:00:00:01", "a multicast (group) address"), ("00:00:00:00:00:00", "all zeros (no MAC)"),
        ] {
            let r = load(
                conduit(
                    "from = { addresses = [\"10.10.1.5\"] }\nto = { addresses = [\"10.20.1.5\"], mac = \"\(mac)\" }\n"
                        + "ports = [\"tcp/443\"]\n"))
            XCTAssertEqual(r.errors, [], mac)
            XCTAssertEqual(
                r.warnings.map { "\($0.line ?? 0) \($0.keyPath): \($0.message)" },
                [
                    "10 conduits[0].to.mac: \(MACAddress(mac)!) is \(what), which no host sends from: it never matches "
                        + "the MAC seen, and every flow the conduit matches is conduit-mac-mismatch on its 'to' side (or "
                        + "MAC not verified where none shows); give the responder's own MAC"
                ], mac)
        }
        let unicast = load(
            conduit(
                "from = { addresses = [\"10.10.1.5\"], mac = \"02:00:0a:0a:01:05\" }\nto = { addresses = [\"10.20.1.5\"] }\n"
                    + "ports = [\"tcp/443\"]\n"))
        XCTAssertEqual(unicast.diagnostics, [])
    }

    /// port15.conf: `icmpv6` is told to be written `icmp`, which covers it.
    func testICMPv6IsToldThatICMPCoversIt() {
        let r = load(
            conduit(
                "from = { addresses = [\"10.10.1.5\"] }\nto = { addresses = [\"10.20.1.5\"] }\nports = [\"ICMPv6\"]\n"))
        XCTAssertEqual(
            r.errors.map(\.message), ["'ICMPv6' is not a port: write icmp: it matches ICMP and ICMPv6 alike, any type"])
    }

    /// A missing list of addresses is "a list of addresses or networks".
    func testAMissingListIsWordedInThePlural() {
        let r = load(
            conduit("from = { addresses = [\"10.10.1.5\"] }\nto = { mac = \"02:00:0a:0a:01:05\" }\nports = [\"any\"]\n")
        )
        XCTAssertEqual(r.errors.map(\.message), ["missing required key 'addresses' (a list of addresses or networks)"])
        let wrong = load(
            conduit("from = { addresses = \"10.10.1.5\" }\nto = { addresses = [\"10.20.1.5\"] }\nports = [\"any\"]\n"))
        XCTAssertEqual(
            wrong.errors.map(\.message),
            ["expected an array of addresses or networks like [\"10.0.0.0/8\"], found a string"])
    }
}
