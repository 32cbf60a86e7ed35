import Foundation
import XCTest
import ZonesepCapture
import ZonesepCore
import ZonesepTestSupport

/// Ethernet pseudowires over MPLS with and without a control word (RFC 4448 makes it optional), written
/// here and read back with libpcap, decoded by PacketDecoder and by tshark: the same inner MACs, VLAN ids,
/// addresses and ports. The frames start with nibble 0 either way (02:... MACs, vendor OUIs 00:..., Cisco's
/// HSRP 00:00:0c:07:ac:01). zonesep is told nothing; tshark is told which label carries a control word
/// (`-d mpls.label==…`), as an operator knows it, since its own guess without the vendor database is no
/// better than a coin toss for locally administered MACs.
final class PseudowireVersusTsharkTests: TemporaryDirectoryTestCase {
    typealias T = TunnelCorpusVersusTsharkTests
    typealias S = LLCSNAPVersusTsharkTests

    static func mac(_ v: UInt64) -> [UInt8] { (0..<6).reversed().map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }

    /// An Ethernet frame: MACs, VLAN tags (802.1Q), EtherType, payload.
    static func frame(dst: UInt64, src: UInt64, vlans: [UInt16] = [], type: UInt16, _ payload: [UInt8]) -> [UInt8] {
        mac(dst) + mac(src) + vlans.flatMap { S.be16(0x8100) + S.be16($0) } + S.be16(type) + payload
    }

    /// `inner` on a carrier link: label 100 (no control word) or 200 (with `controlWord` in front).
    static func pseudowire(_ inner: [UInt8], controlWord: [UInt8]? = nil) -> [UInt8] {
        let label: UInt32 = controlWord == nil ? 100 : 200
        let entry = label << 12 | 0x100 | 64
        return frame(dst: 0x02_00_00_ff_00_02, src: 0x02_00_00_ff_00_01, type: 0x8847, [])
            + [UInt8(entry >> 24), UInt8(entry >> 16 & 0xff), UInt8(entry >> 8 & 0xff), UInt8(entry & 0xff)]
            + (controlWord ?? []) + inner
    }

    struct Seen: Equatable, CustomStringConvertible {
        var tuple: T.Tuple?
        var srcMAC: String?
        var dstMAC: String?
        var vlans: [UInt16]
        var description: String {
            "\(tuple.map(\.description) ?? "no IP") mac \(srcMAC ?? "-") -> \(dstMAC ?? "-") vlan \(vlans)"
        }
    }

    /// tshark's innermost Ethernet header and IP packet of each frame, told which label has a control word.
    func tshark(_ file: URL) throws -> [Seen] {
        let fields = [
            "eth.src", "eth.dst", "vlan.id", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "tcp.srcport", "tcp.dstport",
            "udp.srcport", "udp.dstport",
        ]
        let text = try T.runTshark(
            [
                "-n", "-r", file.path, "-d", "mpls.label==100,pwethnocw", "-d", "mpls.label==200,pwethcw", "-T",
                "fields", "-E", "occurrence=a", "-E", "aggregator=,",
            ] + fields.flatMap { ["-e", $0] })
        return text.split(separator: "\n").map { line in
            let c = line.split(separator: "\t", omittingEmptySubsequences: false).map {
                $0.split(separator: ",").map(String.init)
            }
            func last(_ name: String) -> String? { c[fields.firstIndex(of: name)!].last }
            var tuple: T.Tuple? = nil
            if let s = last("ip.src") ?? last("ipv6.src"), let d = last("ip.dst") ?? last("ipv6.dst") {
                let tcp = last("tcp.srcport") != nil
                tuple = T.Tuple(src: s, dst: d, proto: tcp ? 6 : 17)
                if let sp = UInt16(last(tcp ? "tcp.srcport" : "udp.srcport") ?? ""),
                    let dp = UInt16(last(tcp ? "tcp.dstport" : "udp.dstport") ?? "")
                {
                    tuple?.ports = (sp, dp)
                }
            }
            return Seen(
                tuple: tuple, srcMAC: last("eth.src"), dstMAC: last("eth.dst"),
                vlans: c[fields.firstIndex(of: "vlan.id")!].compactMap { UInt16($0) })
        }
    }

    /// PacketDecoder's innermost Ethernet header and IP packet of each frame, read with libpcap.
    func ours(_ file: URL) throws -> [Seen] {
        let pcap = try PcapFile(path: file.path)
        var p = DecodedPacket()
        var seen: [Seen] = []
        while case .frame(let f) = pcap.next() {
            PacketDecoder.decode(f.bytes, linkType: .ethernet, into: &p)
            seen.append(
                Seen(tuple: T.Tuple(p), srcMAC: p.srcMAC?.description, dstMAC: p.dstMAC?.description, vlans: p.vlans))
        }
        return seen
    }

    func testPseudowiresWithAndWithoutAControlWordAgreeWithTshark() throws {
        let host: UInt64 = 0x02_00_00_20_03_04
        let share: UInt64 = 0x02_00_00_30_07_08
        let intelPC: UInt64 = 0x00_1b_21_20_03_04
        let intelShare: UInt64 = 0x00_1b_21_30_07_08
        let hsrp: UInt64 = 0x00_00_0c_07_ac_01
        let vmware: UInt64 = 0x00_50_56_aa_bb_cc
        let frames: [[UInt8]] = [
            // Without a control word.
            Self.pseudowire(Self.frame(dst: share, src: host, vlans: [120], type: 0x0800, S.tcp4)),
            Self.pseudowire(Self.frame(dst: intelShare, src: intelPC, type: 0x0800, S.tcp4)),
            Self.pseudowire(Self.frame(dst: hsrp, src: intelPC, type: 0x0800, S.tcp4)),
            Self.pseudowire(Self.frame(dst: hsrp, src: host, vlans: [120], type: 0x0800, S.tcp4)),
            Self.pseudowire(Self.frame(dst: vmware, src: intelPC, vlans: [130, 20], type: 0x86dd, S.udp6)),
            // With one: zero, a sequence number, the length of a short packet.
            Self.pseudowire(
                Self.frame(dst: share, src: host, vlans: [120], type: 0x0800, S.tcp4), controlWord: [0, 0, 0, 0]),
            Self.pseudowire(
                Self.frame(dst: intelShare, src: intelPC, type: 0x0800, S.tcp4), controlWord: [0, 0, 0x01, 0x02]),
            Self.pseudowire(Self.frame(dst: hsrp, src: host, type: 0x0800, S.tcp4), controlWord: [0, 58, 0, 7]),
            Self.pseudowire(Self.frame(dst: vmware, src: host, type: 0x86dd, S.udp6), controlWord: [0, 0, 0, 9]),
        ]
        var pcap = PcapBytes()
        for (i, f) in frames.enumerated() { pcap.append(f, micros: (1_800_000_000 + Int64(i)) * 1_000_000) }
        let file = dir.appendingPathComponent("pseudowires.pcap")
        try pcap.data.write(to: file)

        let ours = try ours(file)
        let theirs = try tshark(file)
        XCTAssertEqual(ours.count, frames.count)
        XCTAssertEqual(theirs.count, frames.count)
        for i in 0..<min(ours.count, theirs.count) {
            XCTAssertEqual(ours[i], theirs[i], "frame \(i + 1)")
            XCTAssertNotNil(ours[i].tuple, "frame \(i + 1): judged")
        }
    }
}
