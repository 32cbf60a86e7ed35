import Foundation
import XCTest
import ZonesepCapture
import ZonesepCore
import ZonesepTestSupport

/// TCP headers the snap length cut after the ports but before the flags, written here and read back with
/// libpcap, decoded by PacketDecoder and by tshark: plain IPv4, IPv6 behind a VLAN tag (tcpdump's old
/// 68-byte default keeps 10 bytes of its TCP header) and inside VXLAN, cut 4 to 13 bytes into the header,
/// give the same addresses and ports in both, and PacketDecoder judges each (`.ip`, flags unknown).
final class CutTCPVersusTsharkTests: TemporaryDirectoryTestCase {
    typealias T = TunnelCorpusVersusTsharkTests
    typealias L = LLCSNAPVersusTsharkTests

    /// A 20-byte TCP SYN 51000 → 445.
    static let syn: [UInt8] = [
        0xc7, 0x38, 0x01, 0xbd, 0, 0, 0x03, 0xe8, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0,
    ]

    /// Ethernet (VLAN 120 when `vlan`) and IPv4 10.20.3.4 → 10.30.7.8 (checksum filled in) around `payload`.
    static func ipv4Frame(_ proto: UInt8, _ payload: [UInt8], vlan: Bool = false, src: [UInt8] = [10, 20, 3, 4])
        -> [UInt8]
    {
        let total = 20 + payload.count
        var h: [UInt8] = [0x45, 0, UInt8(total >> 8), UInt8(total & 0xff), 0, 1, 0x40, 0, 64, proto, 0, 0]
        h += src + (proto == 17 ? [192, 168, 255, 2] : [10, 30, 7, 8])
        var sum: UInt32 = 0
        for i in stride(from: 0, to: 20, by: 2) { sum += UInt32(h[i]) << 8 | UInt32(h[i + 1]) }
        while sum > 0xffff { sum = (sum & 0xffff) + (sum >> 16) }
        h[10] = UInt8(~UInt16(sum) >> 8)
        h[11] = UInt8(~UInt16(sum) & 0xff)
        return L.macs + (vlan ? [0x81, 0, 0, 120] : []) + [0x08, 0] + h + payload
    }

    /// A classic pcap whose records keep `kept` bytes of each of `frames` (the length on the wire is the
    /// whole frame's).
    func write(_ name: String, _ frames: [(frame: [UInt8], kept: Int)]) throws -> URL {
        var pcap = PcapBytes()
        for (i, f) in frames.enumerated() {
            pcap.append(
                Array(f.frame.prefix(f.kept)), micros: (1_800_000_000 + Int64(i)) * 1_000_000,
                wireLength: f.frame.count)
        }
        let url = dir.appendingPathComponent(name)
        try pcap.data.write(to: url)
        return url
    }

    func testHeadersCutBeforeTheFlagsAgreeWithTshark() throws {
        let plain = Self.ipv4Frame(6, Self.syn)
        let ipv6: [UInt8] =
            L.macs + [0x81, 0, 0, 120, 0x86, 0xdd, 0x60, 0, 0, 0, 0, 20, 6, 64] + [0xfd, 0, 0, 0x20]
            + [UInt8](repeating: 0, count: 11) + [4] + [0xfd, 0, 0, 0x30] + [UInt8](repeating: 0, count: 11) + [8]
            + Self.syn
        let inner = Self.ipv4Frame(6, Self.syn, vlan: true)
        let vxlan = Self.ipv4Frame(
            17, [0x9c, 0x40, 0x12, 0xb5, 0, UInt8(16 + inner.count), 0, 0, 0x08, 0, 0, 0, 0, 0x13, 0x89, 0] + inner,
            src: [192, 168, 255, 1])
        var frames: [(frame: [UInt8], kept: Int)] = []
        for tcpBytes in [4, 8, 10, 13] { frames.append((plain, plain.count - 20 + tcpBytes)) }
        frames.append((ipv6, 68))  // tcpdump's old default snap length: 10 bytes of TCP
        for tcpBytes in [4, 8] { frames.append((vxlan, vxlan.count - 20 + tcpBytes)) }
        let file = try write("cut-tcp.pcap", frames)

        let (ours, _, count, _) = try T.ourTuples(file)
        XCTAssertEqual(count, frames.count)
        let theirs = try T.tsharkTuples(file)
        for number in 1...count {
            var b = theirs[number]
            if b?.proto == nil, let a = ours[number] { b?.proto = a.proto }
            XCTAssertNotNil(ours[number]?.ports, "frame \(number): the ports are there")
            XCTAssertNotNil(b?.ports, "frame \(number): tshark reads them too")
            XCTAssertEqual(ours[number], b, "frame \(number)")
        }
        // And each is judged with its flags unknown, not counted malformed.
        let pcap = try PcapFile(path: file.path)
        var p = DecodedPacket()
        while case .frame(let f) = pcap.next() {
            PacketDecoder.decode(f.bytes, linkType: .ethernet, into: &p)
            XCTAssertEqual(p.outcome, .ip)
            XCTAssertTrue(p.tcpFlagsCut)
            XCTAssertEqual(p.dstPort, 445)
        }
    }
}
