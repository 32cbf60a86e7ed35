import XCTest
import ZonesepCore

@testable import ZonesepConfig

/// A zone network in local space (REVIEW-144 F5): local addresses win over every zone, so a network that is
/// all local holds nothing and the local part of a wider one is not the zone's; `check` says so, where it
/// said nothing and the engineer believed flows to a multicast group in the mynumber zone were judged.
final class LocalZoneNetworkCheckTests: XCTestCase {
    static let classes = "broadcast, multicast, loopback, link-local or unspecified"

    func load(_ text: String) -> ConfigResult {
        ZonesConfigLoader.load(text: text, fileName: "zones.conf", now: nil)
    }

    func described(_ r: ConfigResult) -> [String] { r.diagnostics.map(\.description) }

    func allLocal(_ line: Int, _ key: String, _ network: String, zone: String) -> String {
        "zones.conf:\(line): warning: \(key): \(network) is local (\(Self.classes)), and a local address is in no "
            + "zone: this network of zone '\(zone)' holds no address, and flows with its addresses are allowed before "
            + "any declaration is looked at, never judged as the zone's"
    }

    /// z7b.conf: an internet zone of nothing but 224.0.0.0/4.
    func testAZoneOfAMulticastRangeHoldsNoAddress() {
        let r = load("[zones.in]\nkind = \"internet\"\nnetworks = [\"224.0.0.0/4\"]\n")
        XCTAssertNotNil(r.config)
        XCTAssertEqual(described(r), [allLocal(3, "zones.in.networks[0]", "224.0.0.0/4", zone: "in")])
    }

    /// z7.conf: multicast, link-local and IPv6 link-local beside the zone's real network.
    func testLocalRangesBesideAZonesNetworkAreEachNamed() {
        let text = """
            [zones.my]
            kind = "mynumber"
            networks = ["10.10.0.0/16"]
            [zones.in]
            kind = "internet"
            networks = ["10.30.0.0/16", "224.0.0.0/4", "169.254.0.0/16", "fe80::/10"]

            """
        XCTAssertEqual(
            described(load(text)),
            [
                allLocal(6, "zones.in.networks[1]", "224.0.0.0/4", zone: "in"),
                allLocal(6, "zones.in.networks[2]", "169.254.0.0/16", zone: "in"),
                allLocal(6, "zones.in.networks[3]", "fe80::/10", zone: "in"),
            ])
    }

    /// Every local class, in either spelling of an IPv4 address; a network inside a local range is local too.
    func testEveryLocalClassAndItsIPv4MappedFormHoldsNoAddress() {
        let networks = [
            ("255.255.255.255", "255.255.255.255"), ("127.0.0.1", "127.0.0.1"), ("0.0.0.0", "0.0.0.0"),
            ("ff02::fb", "ff02::fb"), ("ff00::/8", "ff00::/8"), ("::1", "::1"), ("::", "::"),
            ("fe80::1:0/112", "fe80::1:0/112"), ("::ffff:224.0.0.251", "224.0.0.251"),
            ("::ffff:169.254.0.0/112", "169.254.0.0/16"), ("::ffff:127.0.0.0/104", "127.0.0.0/8"),
            ("::ffff:255.255.255.255", "255.255.255.255"),
        ]
        for (written, shown) in networks {
            let r = load("[zones.my]\nkind = \"mynumber\"\nnetworks = [\"10.10.0.0/16\", \"\(written)\"]\n")
            XCTAssertEqual(described(r), [allLocal(3, "zones.my.networks[1]", shown, zone: "my")], written)
        }
    }

    /// A wider network is the zone's but for its local part, which is named.
    func testALocalPartOfAWiderNetworkIsNamed() {
        func partly(_ network: String, _ parts: String) -> String {
            "zones.conf:3: warning: zones.my.networks[0]: \(network) takes in local addresses (\(parts): "
                + "\(Self.classes)), and a local address is in no zone: zone 'my' holds only the rest of this network, "
                + "and flows with its local part are allowed before any declaration is looked at, never judged as the "
                + "zone's"
        }
        func zone(_ network: String) -> [String] {
            described(load("[zones.my]\nkind = \"mynumber\"\nnetworks = [\"\(network)\"]\n"))
        }
        XCTAssertEqual(zone("169.254.0.0/15"), [partly("169.254.0.0/15", "169.254.0.0/16")])
        XCTAssertEqual(zone("::ffff:224.0.0.0/99"), [partly("224.0.0.0/3", "224.0.0.0/4, 255.255.255.255")])
        XCTAssertEqual(
            zone("128.0.0.0/1"), [partly("128.0.0.0/1", "169.254.0.0/16, 224.0.0.0/4, 255.255.255.255")])
        XCTAssertEqual(zone("fe00::/7"), [partly("fe00::/7", "fe80::/10, ff00::/8")])
        // An IPv6 network around the IPv4-mapped block: its own warning, and its local part.
        XCTAssertEqual(zone("::/96"), [partly("::/96", "::, ::1")])
        XCTAssertEqual(
            zone("::/80"),
            [
                "zones.conf:3: warning: zones.my.networks[0]: ::/80 is an IPv6 prefix around the IPv4-mapped block "
                    + "::ffff:0:0/96 and matches IPv6 addresses only, no IPv4 address; name IPv4 addresses by IPv4 "
                    + "prefixes (such as 0.0.0.0/0)",
                partly("::/80", "::, ::1"),
            ])
        // Every address of a family has its own warning (below), not this one; networks clear of every
        // local range are taken quietly.
        XCTAssertEqual(zone("10.0.0.0/8"), [])
        XCTAssertEqual(zone("fd00:10::/48"), [])
    }

    /// l3.conf, l8.conf (REVIEW-147 F9): an internet zone of `0.0.0.0/0` or `::/0`, written for "the rest is
    /// the Internet", left no address external or unzoned, and three rules could never fire, without a word.
    func testAZoneOfEveryAddressOfAFamilyIsWarnedAbout() {
        func every(_ network: String, _ family: String, zone: String = "in") -> String {
            "zones.conf:3: warning: zones.\(zone).networks[0]: \(network) puts every \(family) address that no "
                + "narrower zone network holds in zone '\(zone)': no \(family) address is then external or unzoned, "
                + "so lgwan-external, security-cloud-bypass and unzoned-host never fire for \(family); list the town "
                + "hall's own networks and leave the Internet beyond them external"
        }
        func zone(_ network: String, kind: String = "internet", id: String = "in") -> [String] {
            described(load("[zones.\(id)]\nkind = \"\(kind)\"\nnetworks = [\"\(network)\"]\n"))
        }
        XCTAssertEqual(zone("0.0.0.0/0"), [every("0.0.0.0/0", "IPv4")])
        XCTAssertEqual(zone("::/0"), [every("::/0", "IPv6")])
        // The IPv4-mapped spelling is the IPv4 catch-all, shown as such.
        XCTAssertEqual(zone("::ffff:0:0/96"), [every("0.0.0.0/0", "IPv4")])
        XCTAssertEqual(zone("0.0.0.0/0", kind: "mynumber", id: "my"), [every("0.0.0.0/0", "IPv4", zone: "my")])
        // The config still loads: a warning, not an error.
        XCTAssertNotNil(load("[zones.in]\nkind = \"internet\"\nnetworks = [\"0.0.0.0/0\"]\n").config)
        // A half is no catch-all of a zone: it only has its local part named.
        XCTAssertFalse(zone("0.0.0.0/1").contains { $0.contains("puts every") })
    }
}
