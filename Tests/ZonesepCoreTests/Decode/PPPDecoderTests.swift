import XCTest
import ZonesepCore

/// PPPoE sessions, and the PPP and Cisco HDLC link types.
final class PPPDecoderTests: XCTestCase {
    /// The host's own PPPoE frame (02:00:00:20:03:04 to its access concentrator, here 02:00:00:30:07:08).
    static func hostPPPoE(_ payload: [UInt8], tags: [(tpid: UInt16, vid: UInt16)] = []) -> [UInt8] {
        Build.ethernet(dst: 0x02_00_00_30_07_08, src: 0x02_00_00_20_03_04, tags: tags, type: 0x8864, payload)
    }

    /// A PPPoE session is a link-layer session on the segment: its frame's MACs are the dialling host's and
    /// the concentrator's, and stay the packet's (not cleared as a tunnel's outer header's).
    func testPPPoESessionCarryingIPv4AndIPv6() {
        let p = decode(Self.hostPPPoE(Build.pppoe(session: 0x1234, proto: 0x0021, Build.hostPacket)))
        assertHostSYN(p, "the frame's own MACs")
        XCTAssertEqual(p.tunnels.count, 1)
        XCTAssertEqual(p.tunnels[0].type, .pppoe)
        XCTAssertEqual(p.tunnels[0].identifier, 0x1234)
        XCTAssertNil(p.tunnels[0].addresses)

        let v6 = decode(
            Build.ethernet(
                tags: [(0x8100, 35)], type: 0x8864,
                Build.pppoe(session: 1, proto: 0x0057, Build.ipv6(next: 6, Build.tcp(flags: 0x12)))))
        XCTAssertEqual(v6.outcome, .ip)
        XCTAssertEqual(v6.ipVersion, 6)
        XCTAssertEqual(v6.tcpFlags, 0x12)
        XCTAssertEqual(v6.vlans, [], "the access VLAN is the carrier's")
    }

    func testPPPoELengthBoundsThePayloadAndPaddingIsIgnored() {
        let frame = Self.hostPPPoE(Build.pppoe(session: 9, proto: 0x0021, Build.hostPacket)) + [0, 0, 0]
        assertHostSYN(decode(frame))
    }

    func testControlProtocolsHaveNoIPAndOtherDataIsNotVerified() {
        let lcp = decode(Build.ethernet(type: 0x8864, Build.pppoe(session: 9, proto: 0xc021, [1, 1, 0, 4])))
        XCTAssertEqual(lcp.coverage, .noIP)
        let compressed = decode(Build.ethernet(type: 0x8864, Build.pppoe(session: 9, proto: 0x00fd, [1, 2, 3])))
        XCTAssertEqual(compressed.coverage, .notVerified(.pppProtocol, 0x00fd))
        XCTAssertEqual(compressed.coverage.description, "PPP protocol 0x00fd")
        let discovery = decode(Build.ethernet(type: 0x8863, [0x11, 0x09, 0, 0, 0, 0]))
        XCTAssertEqual(discovery.coverage, .noIP)
    }

    func testPPPoEMalformed() {
        let bad = decode(Build.ethernet(type: 0x8864, Build.pppoe(session: 9, proto: 0x0021, header: 0x21, [])))
        XCTAssertEqual(bad.anomaly, .pppoeBadHeader)
        let frame = Build.ethernet(type: 0x8864, Build.pppoe(session: 9, proto: 0x0021, []))
        for cut in 14..<20 { XCTAssertEqual(decode(Array(frame.prefix(cut))).anomaly, .pppoeTruncated, "\(cut)") }
        for cut in 20..<22 { XCTAssertEqual(decode(Array(frame.prefix(cut))).anomaly, .pppTruncated, "\(cut)") }
    }

    func testPPPLinkWithAndWithoutAddressAndControl() {
        assertHostSYN(decode([0xff, 0x03, 0x00, 0x21] + Build.hostPacket, .ppp), macs: false)
        assertHostSYN(decode([0x00, 0x21] + Build.hostPacket, .ppp), macs: false)
        assertHostSYN(decode([0x21] + Build.hostPacket, .ppp), macs: false)  // protocol-field compression
        let v6 = decode([0xff, 0x03, 0x00, 0x57] + Build.ipv6(next: 17, Build.udp()), .pppHDLC)
        XCTAssertEqual(v6.ipVersion, 6)
        XCTAssertEqual(v6.outcome, .ip)
        let ipcp = decode([0xff, 0x03, 0x80, 0x21, 1, 1, 0, 4], .ppp)
        XCTAssertEqual(ipcp.coverage, .noIP)
        XCTAssertEqual(decode([], .ppp).anomaly, .linkTruncated)
        XCTAssertEqual(decode([0xff], .ppp).anomaly, .pppTruncated)
        XCTAssertEqual(decode([0xff, 0x03, 0x00], .ppp).anomaly, .pppTruncated)
    }

    func testCiscoHDLC() {
        assertHostSYN(decode([0x0f, 0x00, 0x08, 0x00] + Build.hostPacket, .ciscoHDLC), macs: false)
        let slarp = decode([0x8f, 0x00, 0x80, 0x35] + [UInt8](repeating: 0, count: 20), .ciscoHDLC)
        XCTAssertEqual(slarp.coverage, .noIP)
        // Cisco HDLC framing on the PPP_HDLC link type, told by its first byte.
        assertHostSYN(decode([0x0f, 0x00, 0x08, 0x00] + Build.hostPacket, .pppHDLC), macs: false)
        for cut in 0..<4 {
            XCTAssertEqual(decode(Array([0x0f, 0x00, 0x08, 0x00].prefix(cut)), .ciscoHDLC).anomaly, .linkTruncated)
        }
    }
}
