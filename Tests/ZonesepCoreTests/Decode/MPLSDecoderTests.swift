import XCTest
import ZonesepCore

/// MPLS label stacks: the payload by the first nibble after the bottom label.
final class MPLSDecoderTests: XCTestCase {
    func testIPv4AfterAStackOfThree() {
        let p = decode(Build.ethernet(type: 0x8847, Build.mpls([16, 17, 100_001], Build.hostPacket)))
        assertHostSYN(p, macs: false)
        XCTAssertEqual(p.tunnels.count, 1)
        XCTAssertEqual(p.tunnels[0].type, .mpls)
        XCTAssertNil(p.tunnels[0].addresses, "MPLS on a link has no outer IP header")
        XCTAssertEqual(p.tunnels[0].identifier, 100_001, "the bottom label")
        XCTAssertFalse(p.hasVNI)
    }

    func testIPv6AndMulticast() {
        let v6 = Build.ipv6(next: 17, Build.udp(src: 5000, dst: 53))
        let p = decode(Build.ethernet(type: 0x8848, Build.mpls([3000], v6)))
        XCTAssertEqual(p.outcome, .ip)
        XCTAssertEqual(p.ipVersion, 6)
        XCTAssertEqual(p.dstPort, 53)
    }

    func testEthernetPseudowireAfterAControlWord() {
        let p = decode(
            Build.ethernet(type: 0x8847, Build.mpls([20, 30], [0, 0, 0, 1] + Build.hostFrame(tags: [(0x8100, 7)]))))
        assertHostSYN(p)
        XCTAssertEqual(p.vlans, [7])
    }

    /// RFC 4448 makes the control word optional, and a frame whose destination MAC starts with 0x0_ (the
    /// locally administered 02:..., most vendor OUIs, Cisco's HSRP 00:00:0c:07:ac:...) starts with nibble 0
    /// as a control word does. Read 4 bytes on, its MACs and tags were garbage (or an untagged frame "no IP").
    func testEthernetPseudowireWithoutAControlWord() {
        let tagged = decode(Build.ethernet(type: 0x8847, Build.mpls([20, 30], Build.hostFrame(tags: [(0x8100, 120)]))))
        assertHostSYN(tagged)
        XCTAssertEqual(tagged.vlans, [120])
        XCTAssertEqual(tagged.tunnels.map(\.type), [.mpls])

        let intel = Build.ethernet(dst: 0x00_1b_21_30_07_08, src: 0x00_1b_21_20_03_04, type: 0x0800, Build.hostPacket)
        let untagged = decode(Build.ethernet(type: 0x8847, Build.mpls([30], intel)))
        XCTAssertEqual(untagged.coverage, .judged)
        XCTAssertEqual(untagged.srcPort, 51512)
        XCTAssertEqual(untagged.srcMAC, MACAddress(rawValue: 0x00_1b_21_20_03_04))
        XCTAssertEqual(untagged.vlans, [])

        // The first 16 bits are zero, as a control word's: only the Ethernet header read each way tells.
        for tags in [[], [(tpid: UInt16(0x8100), vid: UInt16(120))]] {
            let hsrp = Build.ethernet(
                dst: 0x00_00_0c_07_ac_01, src: 0x02_00_00_20_03_04, tags: tags, type: 0x0800, Build.hostPacket)
            let p = decode(Build.ethernet(type: 0x8847, Build.mpls([30], hsrp)))
            XCTAssertEqual(p.coverage, .judged, "\(tags)")
            XCTAssertEqual(p.dstMAC, MACAddress(rawValue: 0x00_00_0c_07_ac_01), "\(tags)")
            XCTAssertEqual(p.vlans, tags.map(\.vid))
            assertConsistent(p)
        }
    }

    /// `packet` with its IPv4 header checksum filled in.
    static func checksummed(_ packet: [UInt8]) -> [UInt8] {
        var out = packet
        var sum: UInt32 = 0
        for i in stride(from: 0, to: Int(out[0] & 0x0f) * 4, by: 2) { sum += UInt32(out[i]) << 8 | UInt32(out[i + 1]) }
        while sum > 0xffff { sum = (sum & 0xffff) + (sum >> 16) }
        out[10] = UInt8(~sum >> 8 & 0xff)
        out[11] = UInt8(~sum & 0xff)
        return out
    }

    /// A pseudowire without a control word whose destination MAC starts with nibble 4 (HP's 48:0f:cf) reads as
    /// IPv4 too, but as IPv4 it is nonsense (tshark: checksum wrong): the Ethernet reading is taken, and the
    /// Internet-zone server's answer to a Mynumber PC inside it is judged. An IPv4 packet stays IPv4, its
    /// checksum right or not, when no Ethernet header reads sanely in its place.
    func testPseudowireWithoutAControlWordToAMACStartingWith4() {
        let answer = Self.checksummed(
            Build.ipv4(src: "10.30.7.8", dst: "10.10.1.5", proto: 6, Build.tcp(src: 445, dst: 40001, flags: 0x12)))
        let frame = Build.ethernet(dst: 0x48_0f_cf_00_00_01, src: 0x00_00_0c_07_ac_01, type: 0x0800, answer)
        let p = decode(Build.ethernet(type: 0x8847, Build.mpls([100], frame)))
        XCTAssertEqual(p.coverage, .judged)
        XCTAssertEqual(p.src, IPAddress("10.30.7.8"))
        XCTAssertEqual(p.dst, IPAddress("10.10.1.5"))
        XCTAssertEqual(p.srcPort, 445)
        XCTAssertEqual(p.dstMAC, MACAddress(rawValue: 0x48_0f_cf_00_00_01))
        assertConsistent(p)

        for packet in [answer, Build.hostPacket] {  // checksum right, and left zero
            let ip = decode(Build.ethernet(type: 0x8847, Build.mpls([100], packet)))
            XCTAssertEqual(ip.coverage, .judged)
            XCTAssertEqual(ip.ipVersion, 4)
            XCTAssertEqual(ip.src, IPAddress(packet == answer ? "10.30.7.8" : "10.20.3.4"))
            XCTAssertNil(ip.srcMAC, "MPLS carrying IP has no MACs")
        }
        // A packet longer than the snapshot length is still IP: its header is whole and its checksum right,
        // though its total length runs past the bytes captured, and its source (136.204.1.1) spells LLDP's
        // EtherType where an Ethernet reading would look for one.
        let long = Self.checksummed(
            Build.ipv4(
                src: "136.204.1.1", dst: "10.20.0.5", proto: 6, totalLength: 640,
                Build.tcp(src: 443, dst: 40001, flags: 0x12)))
        let cut = decode(Build.ethernet(type: 0x8847, Build.mpls([200], long)))
        XCTAssertEqual(cut.coverage, .judged)
        XCTAssertEqual(cut.src, IPAddress("136.204.1.1"))
        XCTAssertEqual(cut.dstPort, 40001)

        // A frame to a MAC starting with 6 from one starting with 00 (an IPv6 header of payload 1 and next header
        // 0 to the IPv6 reading): the IPv4 header after its EtherType has the right checksum, so Ethernet wins.
        let vendor = Build.ethernet(dst: 0x6c_00_00_00_00_01, src: 0x00_1b_21_20_03_04, type: 0x0800, answer)
        let six4 = decode(Build.ethernet(type: 0x8847, Build.mpls([100], vendor)))
        XCTAssertEqual(six4.coverage, .judged)
        XCTAssertEqual(six4.dstMAC, MACAddress(rawValue: 0x6c_00_00_00_00_01))
        XCTAssertEqual(six4.src, IPAddress("10.30.7.8"))

        // The same for a destination MAC starting with 6, and an IPv6 packet.
        let v6 = Build.ipv6(next: 17, Build.udp(src: 5000, dst: 53))
        let six = decode(
            Build.ethernet(
                type: 0x8847,
                Build.mpls([100], Build.ethernet(dst: 0x6c_00_00_00_00_01, src: 0x02_00_00_20_03_04, type: 0x86dd, v6))
            ))
        XCTAssertEqual(six.coverage, .judged)
        XCTAssertEqual(six.dstMAC, MACAddress(rawValue: 0x6c_00_00_00_00_01))
        XCTAssertEqual(six.dstPort, 53)
    }

    /// A control word is still taken when the frame after it is the sane reading, with vendor MACs too, and
    /// with a sequence number or the length RFC 4385 sets for a short packet.
    func testControlWordBeforeVendorMACs() {
        let intel = Build.ethernet(dst: 0x00_1b_21_30_07_08, src: 0x00_1b_21_20_03_04, type: 0x0800, Build.hostPacket)
        for word: [UInt8] in [[0, 0, 0, 0], [0, 0, 0x12, 0x34], [0, UInt8(4 + intel.count), 0, 1]] {
            let p = decode(Build.ethernet(type: 0x8847, Build.mpls([30], word + intel)))
            XCTAssertEqual(p.coverage, .judged, "\(word)")
            XCTAssertEqual(p.srcMAC, MACAddress(rawValue: 0x00_1b_21_20_03_04), "\(word)")
        }
    }

    /// What reads as Ethernet neither way, or as well both ways, is not verified under its own reason: never
    /// "no IP", never judged 4 bytes off.
    func testUndecidablePseudowireIsNotVerified() {
        // A control word, then no Ethernet header either way (an ATM or TDM pseudowire, say).
        let neither = decode(
            Build.ethernet(type: 0x8847, Build.mpls([30], [0, 0, 0, 1] + Array(repeating: 0x11, count: 60))))
        XCTAssertEqual(neither.outcome, .notIP)
        XCTAssertEqual(neither.coverage, .notVerified(.mplsPseudowire, 0))
        XCTAssertEqual(
            "\(neither.coverage)", "MPLS pseudowire: Ethernet neither with nor without a control word")
        assertConsistent(neither)
        // A source MAC xx:xx:08:00:45:xx makes the frame read without the control word an IPv4 frame too.
        let both = decode(
            Build.ethernet(
                type: 0x8847,
                Build.mpls(
                    [30],
                    [0, 0, 0, 0]
                        + Build.ethernet(
                            dst: 0x02_00_00_30_07_08, src: 0x02_00_08_00_45_00, type: 0x0800, Build.hostPacket))))
        XCTAssertEqual(both.coverage, .notVerified(.mplsPseudowire, 1))
        XCTAssertEqual(both.ipVersion, 0)
        assertConsistent(both)
    }

    /// A pseudowire without a control word to a MAC starting with 1 (Dell 18:66:da, HP 10:1f:74) starts with
    /// the associated channel's nibble: it was taken for OAM and counted "no IP", so its traffic went unjudged
    /// as verified (REVIEW-146 F1). A sane Ethernet reading is opened; bytes that are neither an associated
    /// channel header nor Ethernet are not verified.
    func testPseudowireWithoutAControlWordToAMACStartingWith1() {
        for dst: UInt64 in [0x18_66_da_00_00_01, 0x10_1f_74_00_00_01, 0x10_00_5e_00_00_01] {
            let p = decode(
                Build.ethernet(
                    type: 0x8847,
                    Build.mpls(
                        [100, 1001], Build.ethernet(dst: dst, src: 0x02_00_00_20_03_04, type: 0x0800, Build.hostPacket))
                ))
            XCTAssertEqual(p.outcome, .ip, String(dst, radix: 16))
            XCTAssertEqual(p.dstPort, 445, String(dst, radix: 16))
            XCTAssertEqual(p.dstMAC, MACAddress(rawValue: dst), String(dst, radix: 16))
            assertConsistent(p)
        }
        let neither = decode(Build.ethernet(type: 0x8847, Build.mpls([13], [0x12, 0x34, 0, 0, 1, 2, 3, 4])))
        XCTAssertEqual(neither.coverage, .notVerified(.mplsPayload, 1))
        assertConsistent(neither)
    }

    func testOtherPayloads() {
        // The associated channel (OAM): no IP inside.
        let ach = decode(Build.ethernet(type: 0x8847, Build.mpls([13], [0x10, 0, 0, 0x21, 1, 2, 3, 4])))
        XCTAssertEqual(ach.coverage, .noIP)
        // A pseudowire without a control word: not something the first nibble can tell.
        let other = decode(Build.ethernet(type: 0x8847, Build.mpls([13], [0xa2, 0, 0, 0, 1, 2, 3, 4])))
        XCTAssertEqual(other.outcome, .notIP)
        XCTAssertEqual(other.coverage, .notVerified(.mplsPayload, 0xa))
        assertConsistent(other)
    }

    func testCutShort() {
        let frame = Build.ethernet(type: 0x8847, Build.mpls([16, 17], [0, 0, 0, 0]))
        for cut in 14..<(14 + 12) {
            let p = decode(Array(frame.prefix(cut)))
            XCTAssertEqual(p.anomaly, .mplsTruncated, "cut at \(cut)")
            assertConsistent(p)
        }
        // After the control word an Ethernet header is due.
        XCTAssertEqual(decode(frame).anomaly, .linkTruncated)
    }

    func testMPLSInGRE() {
        let p = decode(Build.outer(proto: 47, Build.gre(type: 0x8847, Build.mpls([500], Build.hostPacket))))
        assertHostSYN(p, macs: false)
        XCTAssertEqual(p.tunnels.map(\.type), [.gre, .mpls])
        assertOuter(p.tunnels[0], .gre, id: nil)
        XCTAssertEqual(p.tunnels[1].identifier, 500)
    }
}
