import Foundation
import XCTest
import ZonesepCapture
import ZonesepCore
import ZonesepTestSupport

/// 802.3 frames, written here and read back with libpcap, decoded by PacketDecoder and by tshark: IPv4 and
/// IPv6 inside LLC/SNAP (RFC 1042 and 802.1H OUIs, plain, VLAN-tagged, on Linux cooked v1 and v2 as
/// ETH_P_802_2) give the same innermost addresses, protocol and ports; STP, CDP and IP under another OUI
/// give no IP packet in either.
final class LLCSNAPVersusTsharkTests: TemporaryDirectoryTestCase {
    typealias T = TunnelCorpusVersusTsharkTests

    static func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xff)] }
    static let macs: [UInt8] = [2, 0, 0, 0x30, 7, 8, 2, 0, 0, 0x20, 3, 4]

    /// IPv4 TCP SYN 10.20.3.4:51512 → 10.30.7.8:445 (header checksum filled in).
    static let tcp4: [UInt8] = {
        var h: [UInt8] = [0x45, 0, 0, 40, 0, 1, 0x40, 0, 64, 6, 0, 0, 10, 20, 3, 4, 10, 30, 7, 8]
        var sum: UInt32 = 0
        for i in stride(from: 0, to: 20, by: 2) { sum += UInt32(h[i]) << 8 | UInt32(h[i + 1]) }
        while sum > 0xffff { sum = (sum & 0xffff) + (sum >> 16) }
        h[10] = UInt8(~UInt16(sum) >> 8)
        h[11] = UInt8(~UInt16(sum) & 0xff)
        return h + [0xc9, 0x38, 0x01, 0xbd, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0]
    }()
    /// IPv6 UDP fd00:20::4:5353 → fd00:30::8:53.
    static let udp6: [UInt8] =
        [0x60, 0, 0, 0, 0, 8, 17, 64] + [0xfd, 0, 0, 0x20] + [UInt8](repeating: 0, count: 11) + [4]
        + [0xfd, 0, 0, 0x30] + [UInt8](repeating: 0, count: 11) + [8] + [0x14, 0xe9, 0, 53, 0, 8, 0, 0]

    static func snap(oui: [UInt8] = [0, 0, 0], type: UInt16, _ payload: [UInt8]) -> [UInt8] {
        [0xaa, 0xaa, 0x03] + oui + be16(type) + payload
    }

    /// An 802.3 frame: MACs, optional VLAN tag, the length, then `llc`.
    static func frame(vlan: UInt16? = nil, _ llc: [UInt8]) -> [UInt8] {
        macs + (vlan.map { be16(0x8100) + be16($0) } ?? []) + be16(UInt16(llc.count)) + llc
    }

    /// A classic pcap of `linkType` holding `frames`.
    func write(_ name: String, linkType: UInt32, _ frames: [[UInt8]]) throws -> URL {
        var pcap = PcapBytes(linkType: linkType)
        for (i, f) in frames.enumerated() { pcap.append(f, micros: (1_800_000_000 + Int64(i)) * 1_000_000) }
        let url = dir.appendingPathComponent(name)
        try pcap.data.write(to: url)
        return url
    }

    func testSNAPFramesAgreeWithTshark() throws {
        let stp = [0x42, 0x42, 0x03, 0, 0, 0, 0, 0] + [UInt8](repeating: 0, count: 30)
        let ethernet = try write(
            "snap.pcap", linkType: 1,
            [
                Self.frame(Self.snap(type: 0x0800, Self.tcp4)),
                Self.frame(Self.snap(oui: [0, 0, 0xf8], type: 0x86dd, Self.udp6)),
                Self.frame(vlan: 120, Self.snap(type: 0x0800, Self.tcp4)),
                Self.frame(Self.snap(type: 0x8100, Self.be16(130) + Self.be16(0x86dd) + Self.udp6)),
                Self.frame(stp),
                Self.frame(Self.snap(oui: [0, 0, 0x0c], type: 0x2000, [UInt8](repeating: 1, count: 30))),
                Self.frame(Self.snap(oui: [0, 0, 0x0c], type: 0x0800, Self.tcp4)),
            ])
        // Linux cooked v1: packet type, ARPHRD_ETHER, address length 6, address (8 bytes), ETH_P_802_2.
        let sllHeader: [UInt8] = [0, 0, 0, 1, 0, 6] + [2, 0, 0, 0x20, 3, 4, 0, 0] + Self.be16(4)
        let sll = try write(
            "snap-sll.pcap", linkType: 113, [sllHeader + Self.snap(type: 0x0800, Self.tcp4), sllHeader + stp])
        // Linux cooked v2: protocol, reserved, interface index, ARPHRD_ETHER, packet type, length 6, address.
        let sll2Header: [UInt8] = Self.be16(4) + [0, 0, 0, 0, 0, 1, 0, 1, 0, 6] + [2, 0, 0, 0x20, 3, 4, 0, 0]
        let sll2 = try write("snap-sll2.pcap", linkType: 276, [sll2Header + Self.snap(type: 0x86dd, Self.udp6)])

        var withIP = 0
        for (file, frames) in [(ethernet, 7), (sll, 2), (sll2, 1)] {
            let (ours, _, count, link) = try T.ourTuples(file)
            XCTAssertNotNil(link, file.lastPathComponent)
            XCTAssertEqual(count, frames, file.lastPathComponent)
            let theirs = try T.tsharkTuples(file)
            for number in 1...count {
                var b = theirs[number]
                if b?.proto == nil, let a = ours[number] { b?.proto = a.proto }
                XCTAssertEqual(ours[number], b, "\(file.lastPathComponent) frame \(number)")
                if ours[number] != nil { withIP += 1 }
            }
        }
        // IP in the four SNAP frames of the Ethernet file and one in each cooked file; none elsewhere.
        XCTAssertEqual(withIP, 6)
    }

    /// IPv4 after the IP SAP (0x06 both ways): tshark opens it after unnumbered information (0x03) and after
    /// an information frame's two-byte control field, and not after a supervisory frame, unnumbered
    /// information with the poll bit (0x13) or another unnumbered frame (REVIEW-147 F10: zonesep took 0x03
    /// alone, and counted an information frame's packet as no IP, so verified and never judged).
    func testIPSAPFramesAgreeWithTshark() throws {
        let controls: [[UInt8]] = [
            [0x03], [0x13], [0x00, 0x00], [0x02, 0x01], [0x01, 0x00], [0x0d, 0x00], [0x43], [0x0f],
        ]
        // The destination SAP decides, whatever the source SAP (REVIEW-148 F3); 0x07 (a group SAP) is not IP.
        let saps: [[UInt8]] = [
            [0x06, 0x07], [0x06, 0x42], [0x06, 0xaa], [0x07, 0x06], [0x06, 0x00], [0x42, 0x06],
        ]
        let file = try write(
            "ipsap.pcap", linkType: 1,
            controls.map { Self.frame([0x06, 0x06] + $0 + Self.tcp4) }
                + saps.map { Self.frame($0 + [0x03] + Self.tcp4) })
        let (ours, _, count, _) = try T.ourTuples(file)
        XCTAssertEqual(count, controls.count + saps.count)
        let theirs = try T.tsharkTuples(file)
        var withIP: [Int] = []
        for number in 1...count {
            XCTAssertEqual(ours[number], theirs[number], "frame \(number)")
            if ours[number] != nil { withIP.append(number) }
        }
        // UI and the two information frames; DSAP 0x06 with SSAP 0x07, 0x42, 0xaa and 0x00.
        XCTAssertEqual(withIP, [1, 3, 4, 9, 10, 11, 13])
    }
}
