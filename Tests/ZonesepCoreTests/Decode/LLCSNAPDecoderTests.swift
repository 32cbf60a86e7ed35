import XCTest
import ZonesepCore

/// 802.3 frames: LLC/SNAP with an EtherType goes on as Ethernet II would; every other LLC frame holds no IP.
final class LLCSNAPDecoderTests: XCTestCase {
    let tcpSYN = Build.ipv4(proto: 6, Build.tcp(src: 51512, dst: 445, flags: 0x02))
    let udp6 = Build.ipv6(next: 17, Build.udp(src: 5353, dst: 53))

    /// An 802.3 frame (length field) holding SNAP with `oui` and `type`, then `payload`.
    static func snap(oui: UInt32 = 0, type: UInt16, tags: [(tpid: UInt16, vid: UInt16)] = [], _ payload: [UInt8])
        -> [UInt8]
    {
        let llc: [UInt8] = [0xaa, 0xaa, 0x03] + Array(Build.be32(oui).suffix(3)) + Build.be16(type) + payload
        return Build.ethernet(tags: tags, type: UInt16(llc.count), llc)
    }

    func testIPv4AndIPv6InSNAPAreDecodedAsInEthernetII() {
        let p = decode(Self.snap(type: 0x0800, tcpSYN))
        XCTAssertEqual(p.outcome, .ip)
        XCTAssertEqual(p.coverage, .judged)
        XCTAssertEqual(p.src, Build.address("10.20.3.4"))
        XCTAssertEqual(p.dst, Build.address("10.30.7.8"))
        XCTAssertEqual(p.dstPort, 445)
        XCTAssertEqual(p.tcpFlags, DecodedPacket.TCPFlag.syn)
        XCTAssertEqual(p.srcMAC, MACAddress(rawValue: Build.macA), "the Ethernet header's MACs are kept")
        XCTAssertEqual(p.dstMAC, MACAddress(rawValue: Build.macB))
        XCTAssertTrue(p.tunnels.isEmpty, "SNAP is not a tunnel")
        assertConsistent(p)

        let v6 = decode(Self.snap(oui: 0xf8, type: 0x86dd, udp6))
        XCTAssertEqual(v6.outcome, .ip)
        XCTAssertEqual(v6.src, Build.address("fd00:20::3:4"))
        XCTAssertEqual(v6.dstPort, 53)

        // A VLAN tag before the length field, and a VLAN tag inside SNAP.
        let tagged = decode(Self.snap(type: 0x0800, tags: [(0x8100, 120)], tcpSYN))
        XCTAssertEqual(tagged.outcome, .ip)
        XCTAssertEqual(tagged.vlans, [120])
        let inner = decode(Self.snap(type: 0x8100, Build.be16(0xa000 | 130) + Build.be16(0x0800) + tcpSYN))
        XCTAssertEqual(inner.outcome, .ip)
        XCTAssertEqual(inner.vlans, [130])
    }

    /// IPv4 straight after an LLC header of the IP SAP (0x06 both ways, as tshark decodes it): judged, where
    /// it was counted as a frame without IP, so verified (REVIEW-145 F3). The same SAP with another control
    /// field holds no IP.
    func testIPv4AfterTheIPSAPIsDecoded() {
        let llc = [UInt8]([0x06, 0x06, 0x03]) + tcpSYN
        let p = decode(Build.ethernet(type: UInt16(llc.count), llc))
        XCTAssertEqual(p.outcome, .ip)
        XCTAssertEqual(p.coverage, .judged)
        XCTAssertEqual(p.dst, Build.address("10.30.7.8"))
        XCTAssertEqual(p.dstPort, 445)
        XCTAssertEqual(p.srcMAC, MACAddress(rawValue: Build.macA))
        assertConsistent(p)
        let other = [UInt8]([0x06, 0x06, 0x13]) + tcpSYN
        XCTAssertEqual(decode(Build.ethernet(type: UInt16(other.count), other)).coverage, .noIP)
    }

    /// An information frame's control field is two bytes (the first one's low bit 0): the packet follows it
    /// (REVIEW-147 F10). A supervisory frame (low bits 01) carries none; a frame cut inside the two bytes is
    /// `llcTruncated`.
    func testIPv4AfterTheIPSAPsInformationFrameIsDecoded() {
        let llc = [UInt8]([0x06, 0x06, 0x02, 0x01]) + tcpSYN
        let p = decode(Build.ethernet(type: UInt16(llc.count), llc))
        XCTAssertEqual(p.outcome, .ip)
        XCTAssertEqual(p.dst, Build.address("10.30.7.8"))
        XCTAssertEqual(p.dstPort, 445)
        assertConsistent(p)
        let supervisory = [UInt8]([0x06, 0x06, 0x01, 0x00]) + tcpSYN
        XCTAssertEqual(decode(Build.ethernet(type: UInt16(supervisory.count), supervisory)).coverage, .noIP)
        let cut = decode(Build.ethernet(type: 3, [0x06, 0x06, 0x00]))
        XCTAssertEqual(cut.outcome, .malformed)
        XCTAssertEqual(cut.anomaly, .llcTruncated)
    }

    func testOtherLLCFramesHoldNoIP() {
        let stp = Build.ethernet(type: 38, [0x42, 0x42, 0x03] + [UInt8](repeating: 0, count: 35))
        let cdp = Self.snap(oui: 0x0c, type: 0x2000, [UInt8](repeating: 1, count: 30))
        let ipInCiscoOUI = Self.snap(oui: 0x0c, type: 0x0800, tcpSYN)
        let notUI = Build.ethernet(type: 46, [0xaa, 0xaa, 0x13, 0, 0, 0, 0x08, 0x00] + tcpSYN)
        for (name, frame) in [("stp", stp), ("cdp", cdp), ("cisco oui", ipInCiscoOUI), ("not UI", notUI)] {
            let p = decode(frame)
            XCTAssertEqual(p.outcome, .notIP, name)
            XCTAssertEqual(p.coverage, .noIP, name)
            XCTAssertEqual(p.ipVersion, 0, name)
        }
        // ARP in SNAP is ARP: no IP, its binding read as usual.
        let arp = decode(Self.snap(type: 0x0806, Build.arp(senderIP: "10.20.3.4", targetIP: "10.20.0.1")))
        XCTAssertEqual(arp.outcome, .notIP)
        XCTAssertNotNil(arp.resolution)
    }

    func testCutLLCOrSNAPHeadersAreTruncated() {
        let frame = Self.snap(type: 0x0800, tcpSYN)
        for length in 14..<22 {
            let p = decode(Array(frame.prefix(length)))
            XCTAssertEqual(p.anomaly, .llcTruncated, "\(length)")
        }
        XCTAssertEqual(decode(Array(frame.prefix(22))).anomaly, .ipv4Truncated)
    }

    func testSNAPCountsTowardTheDepthLimit() {
        // SNAP inside SNAP (a length where the EtherType goes): each is a layer; the ninth is too deep.
        func nested(_ layers: Int) -> [UInt8] {
            var llc: [UInt8] = [0xaa, 0xaa, 0x03, 0, 0, 0] + Build.be16(0x0800) + tcpSYN
            for _ in 1..<layers { llc = [0xaa, 0xaa, 0x03, 0, 0, 0] + Build.be16(0x0040) + llc }
            return Build.ethernet(type: 0x0040, llc)
        }
        XCTAssertEqual(decode(nested(8)).outcome, .ip)
        XCTAssertEqual(decode(nested(9)).anomaly, .encapsulationTooDeep)
    }
}
