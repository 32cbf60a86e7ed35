import Foundation
import XCTest
import ZonesepCapture
import ZonesepCore

/// ARP and IPv6 neighbour advertisements, read with libpcap and decoded by PacketDecoder, against tshark on
/// the same files: for every frame, the MAC-to-address binding the host table would record (an ARP request
/// or reply's sender for IPv4 over 6-byte hardware addresses; an advertisement's target with the innermost
/// Ethernet source), or none.
///
/// The corpus captures are those where tshark finds ARP or a neighbour advertisement (found by running it
/// over the whole corpus once; the corpus has ARP, plain, tagged, Q-in-Q, inside ERSPAN and with an
/// oversized hardware address, and no advertisement); scripts/make-host-captures.py adds advertisements.
final class ResolutionVersusTsharkTests: XCTestCase {
    static let corpusFiles = [
        "802.1ad_QinQ.pcap", "arcnet-rfc1051-arp-icmp-http.pcap", "arp-too-long-tha.pcap", "bgp-4byte-asn.pcap",
        "dhcp-rfc4388.pcap", "eapon1.pcap", "erspan-type-ii-3.pcap", "isis_iid_tlv.pcap", "mptcp-fclose.pcap",
    ]

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static let fields = [
        "frame.number", "arp.opcode", "arp.hw.size", "arp.proto.size", "arp.proto.type", "arp.src.hw_mac",
        "arp.src.proto_ipv4", "icmpv6.type", "icmpv6.nd.na.target_address", "eth.src",
    ]

    /// tshark's binding of each frame that has one: "mac address".
    static func theirs(_ file: URL) throws -> [Int: String] {
        let text = try TunnelCorpusVersusTsharkTests.runTshark(
            ["-n", "-r", file.path, "-Y", "arp or icmpv6.type == 136", "-T", "fields", "-E", "occurrence=l"]
                + fields.flatMap { ["-e", $0] })
        var result: [Int: String] = [:]
        for line in text.split(separator: "\n") {
            let c = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard c.count == fields.count, let number = Int(c[0]) else { continue }
            if ["1", "2"].contains(c[1]) && c[2] == "6" && c[3] == "4" && c[4] == "0x0800" && !c[5].isEmpty {
                result[number] = "\(c[5]) \(c[6])"
            } else if c[7] == "136" && !c[8].isEmpty && !c[9].isEmpty {
                result[number] = "\(c[9]) \(IPAddress(c[8])?.description ?? c[8])"
            }
        }
        return result
    }

    /// PacketDecoder's binding of each frame that has one, and how many frames have ARP at all.
    static func ours(_ file: URL) throws -> (bindings: [Int: String], link: LinkType?) {
        let pcap = try PcapFile(path: file.path)
        guard let link = pcap.linkType else { return ([:], nil) }
        var result: [Int: String] = [:]
        var p = DecodedPacket()
        var number = 0
        while case .frame(let f) = pcap.next() {
            number += 1
            PacketDecoder.decode(f.bytes, linkType: link, into: &p)
            if let r = p.resolution { result[number] = "\(r.mac) \(r.address)" }
        }
        return (result, link)
    }

    func testCorpusBindingsAgreeWithTshark() throws {
        var compared = 0
        for name in Self.corpusFiles {
            let url = Self.root.appendingPathComponent("Tests/Corpus/tcpdump/\(name)")
            let (ours, link) = try Self.ours(url)
            guard link != nil else { continue }  // a link type zonesep does not decode (ARCNET)
            let theirs = try Self.theirs(url)
            XCTAssertEqual(ours, theirs, name)
            compared += theirs.count
        }
        // QinQ, a plain LAN's requests and replies, ARP inside ERSPAN: dozens of bindings.
        XCTAssertGreaterThan(compared, 30)
    }

    func testGeneratedCapturesAgreeWithTshark() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("zonesep-nd-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [Self.root.appendingPathComponent("scripts/make-host-captures.py").path, "--out", out.path]
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        var compared = 0
        for name in ["host-arp.pcap", "host-nd.pcap"] {
            let url = out.appendingPathComponent(name)
            let theirs = try Self.theirs(url)
            XCTAssertEqual(try Self.ours(url).bindings, theirs, name)
            compared += theirs.count
        }
        XCTAssertEqual(compared, 4)
    }
}
