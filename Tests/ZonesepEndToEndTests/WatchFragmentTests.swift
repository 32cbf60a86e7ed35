import Foundation
import XCTest
import ZonesepTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// `zonesep watch --workers 3` on IP fragments sent raw into the test network's bridge: what the sensor
/// must see is the frames on the wire, as a replay of the same frames does. The kernel must not put
/// fragments together before the fanout (a first fragment whose rest never came, overlapping fragments
/// — an evasion — would vanish, and a complete train would reach the sensor as one datagram that never
/// crossed the wire), and every fragment must reach the worker of the rest of its flow.
final class WatchFragmentTests: LiveTestCase {
    // MARK: - The frames

    /// Ethernet between a client's MAC (02:00:00:00:77:10 in the mynumber zone, :20 in LGWAN: a MAC in two
    /// zones would be a dual-homed host) and the Internet-zone servers' (:30), in the direction given. No
    /// bridge port has these: the bridge floods them to the sensor.
    static func ether(_ payload: [UInt8], fromClient: Bool, client: UInt8 = 0x10, type: UInt16 = 0x0800) -> [UInt8] {
        let (c, server): ([UInt8], [UInt8]) = ([2, 0, 0, 0, 0x77, client], [2, 0, 0, 0, 0x77, 0x30])
        return (fromClient ? server + c : c + server) + [UInt8(type >> 8), UInt8(type & 0xff)] + payload
    }

    /// The client MAC's last byte for a client address.
    static func client(_ address: String) -> UInt8 { address.hasPrefix("10.20.") ? 0x20 : 0x10 }

    static func v4(_ a: String) -> [UInt8] { a.split(separator: ".").map { UInt8($0)! } }

    /// `fd00:NN::6:last`, NN the zone's 10, 20 or 30.
    static func v6(_ zone: UInt8, _ last: UInt8) -> [UInt8] {
        [0xfd, 0, 0, zone] + [UInt8](repeating: 0, count: 8) + [0, 6, 0, last]
    }

    /// A TCP header (flags `flags`, no options) and `data` bytes of 0x41 after it.
    static func segment(_ sport: UInt16, _ dport: UInt16, flags: UInt8 = 0x02, data: Int = 0) -> [UInt8] {
        var s = PcapBytes.tcpSYN(sport, dport)
        s[13] = flags
        return s + [UInt8](repeating: 0x41, count: data)
    }

    /// `transport` cut into IPv4 fragments at the byte offsets `cuts` (multiples of 8), each its own frame;
    /// `keep` picks which of them are sent (a mirror that lost some).
    static func fragments4(
        _ proto: UInt8, id: UInt16, _ src: String, _ dst: String, _ transport: [UInt8], cuts: [Int],
        fromClient: Bool = true, keep: (Int) -> Bool = { _ in true }
    ) -> [[UInt8]] {
        let bounds = [0] + cuts + [transport.count]
        return (0..<bounds.count - 1).filter(keep).map { i in
            let piece = Array(transport[bounds[i]..<bounds[i + 1]])
            let flags = UInt16(bounds[i] / 8) | (i < bounds.count - 2 ? 0x2000 : 0)
            let ip = PcapBytes.ipv4(proto, id: id, v4(src), v4(dst), payload: piece.count, flagsOffset: flags)
            return ether(ip + piece, fromClient: fromClient, client: client(fromClient ? src : dst))
        }
    }

    static func whole4(_ proto: UInt8, _ src: String, _ dst: String, _ transport: [UInt8], fromClient: Bool)
        -> [UInt8]
    {
        ether(
            PcapBytes.ipv4(proto, id: 9, v4(src), v4(dst), payload: transport.count) + transport, fromClient: fromClient
        )
    }

    /// `transport` (next header `next`) cut into IPv6 fragments at `cuts`, each behind a fragment header.
    static func fragments6(
        _ next: UInt8, id: UInt8, _ src: [UInt8], _ dst: [UInt8], _ transport: [UInt8], cuts: [Int],
        keep: (Int) -> Bool = { _ in true }
    ) -> [[UInt8]] {
        let bounds = [0] + cuts + [transport.count]
        return (0..<bounds.count - 1).filter(keep).map { i in
            let piece = Array(transport[bounds[i]..<bounds[i + 1]])
            let v = UInt16(bounds[i] / 8) << 3 | (i < bounds.count - 2 ? 1 : 0)
            let header: [UInt8] = [next, 0, UInt8(v >> 8), UInt8(v & 0xff), 0, 0, 0x0f, id]
            let ip = PcapBytes.ipv6(44, src, dst, payload: header.count + piece.count)
            return ether(ip + header + piece, fromClient: true, type: 0x86dd)
        }
    }

    /// The reviewer's frames and more, over eight host pairs: a first fragment whose rest never came,
    /// overlapping fragments, complete trains (TCP with unfragmented packets of the same connection both
    /// ways, UDP), a lone later fragment, and IPv6 fragments, complete and not.
    static func frames() -> [[UInt8]] {
        var f: [[UInt8]] = []
        // A SYN's first fragment only (its later ones lost by the mirror).
        f += fragments4(6, id: 4242, "10.10.6.1", "10.30.6.1", segment(50000, 443, data: 36), cuts: [24, 48]) {
            $0 == 0
        }
        // A complete train, then the connection goes on unfragmented both ways.
        f += fragments4(6, id: 4243, "10.10.6.2", "10.30.6.2", segment(50001, 443, data: 36), cuts: [24, 48])
        f.append(whole4(6, "10.30.6.2", "10.10.6.2", segment(443, 50001, flags: 0x12), fromClient: false))
        f.append(whole4(6, "10.10.6.2", "10.30.6.2", segment(50001, 443, flags: 0x10), fromClient: true))
        f += fragments4(
            6, id: 4245, "10.30.6.2", "10.10.6.2", segment(443, 50001, flags: 0x18, data: 20),
            cuts: [24], fromClient: false)
        // Overlapping fragments: the second starts inside the first.
        let syn = segment(50002, 443, data: 4)
        f.append(overlapping(syn, offset: 0, more: true))
        f.append(overlapping([UInt8](repeating: 0x42, count: 16), offset: 1, more: false))
        // A UDP datagram in four fragments, lgwan to the Internet zone.
        f += fragments4(
            17, id: 5000, "10.20.6.4", "10.30.6.4",
            [0xc3, 0x50, 0, 53, 0, 104, 0, 0] + [UInt8](repeating: 7, count: 96),
            cuts: [32, 64, 96])
        // A later fragment alone: an orphan, not verified either way.
        f += fragments4(17, id: 5001, "10.20.6.5", "10.30.6.5", [UInt8](repeating: 1, count: 48), cuts: [24]) {
            $0 == 1
        }
        // A big ping in fragments.
        f += fragments4(
            1, id: 5002, "10.10.6.6", "10.30.6.6", [8, 0, 0, 0, 0, 99, 0, 1] + [UInt8](repeating: 9, count: 40),
            cuts: [16])
        // IPv6: a complete train and its unfragmented answer, and a first fragment alone.
        let (a, b) = (v6(0x10, 7), v6(0x30, 7))
        f += fragments6(6, id: 1, a, b, segment(50007, 443, data: 36), cuts: [24])
        f.append(
            ether(
                PcapBytes.ipv6(6, b, a, payload: 20) + segment(443, 50007, flags: 0x12), fromClient: false, type: 0x86dd
            ))
        f += fragments6(6, id: 2, v6(0x10, 8), v6(0x30, 8), segment(50008, 443, data: 36), cuts: [24]) { $0 == 0 }
        return f
    }

    /// A fragment of the overlapping pair from 10.10.6.3 to 10.30.6.3 (id 4244) holding `piece` at `offset`.
    static func overlapping(_ piece: [UInt8], offset: UInt16, more: Bool) -> [UInt8] {
        let ip = PcapBytes.ipv4(
            6, id: 4244, v4("10.10.6.3"), v4("10.30.6.3"), payload: piece.count,
            flagsOffset: offset | (more ? 0x2000 : 0))
        return ether(ip + piece, fromClient: true)
    }

    // MARK: - Reading the results

    /// The frames of a classic pcap file (zonesep's evidence), bytes only.
    static func pcapFrames(_ url: URL) throws -> [[UInt8]] {
        let data = [UInt8](try Data(contentsOf: url))
        guard data.count >= 24 else { return [] }
        func le32(_ at: Int) -> Int {
            Int(data[at]) | Int(data[at + 1]) << 8 | Int(data[at + 2]) << 16 | Int(data[at + 3]) << 24
        }
        var out: [[UInt8]] = []
        var at = 24
        while at + 16 <= data.count {
            let length = le32(at + 8)
            guard at + 16 + length <= data.count else { break }
            out.append(Array(data[at + 16..<at + 16 + length]))
            at += 16 + length
        }
        return out
    }

    /// Each alert's key and the frames of its evidence file.
    static func evidence(_ alerts: [[String: Any]], in dir: URL) throws -> [String: [[UInt8]]] {
        var out: [String: [[UInt8]]] = [:]
        for a in alerts {
            guard let name = a["evidence"] as? String else {
                XCTFail("no evidence file for \(key(a))")
                continue
            }
            out[key(a)] = try pcapFrames(dir.appendingPathComponent(name))
        }
        return out
    }

    // MARK: - The test

    func testWorkersSeeFragmentsAsTheyCrossedTheWire() throws {
        let (net, configURL) = try threeZonesWithConfig()
        let frames = Self.frames()

        // The replay of the frames: what watch must match.
        let replayEvidence = scratch.appendingPathComponent("evidence-replay")
        let outcome = try replay(
            frames, savedAs: "fragments.pcap", config: configURL, ["--evidence", replayEvidence.path])
        let (replayed, replaySummary, problems) = JSONLines.replay(outcome)
        // JSONLines.replay reads alerts and the summary; the evidence records are expected here.
        XCTAssertEqual(problems.filter { !$0.contains(#""event_type":"evidence""#) }, [])
        let expected = replayed.map(\.object).filter { $0["event_type"] as? String == "alert" }
        XCTAssertEqual(
            Set(expected.map(Self.key)),
            Set([
                "mynumber-isolation tcp 10.10.6.1:50000 -> 10.30.6.1:443",
                "mynumber-isolation tcp 10.10.6.2:50001 -> 10.30.6.2:443",
                "mynumber-isolation tcp 10.10.6.3:50002 -> 10.30.6.3:443",
                "mynumber-isolation icmp 10.10.6.6:-1 -> 10.30.6.6:-1",
                "mynumber-isolation tcp fd00:10::6:7:50007 -> fd00:30::6:7:443",
                "mynumber-isolation tcp fd00:10::6:8:50008 -> fd00:30::6:8:443",
            ]).union(expected.filter { $0["proto"] as? String == "udp" }.map(Self.key)),
            "the replay judges every flow, the lone first fragments and overlapping ones included")
        XCTAssertEqual(expected.filter { $0["proto"] as? String == "udp" }.count, 1, "lgwan → Internet zone UDP")
        XCTAssertEqual(JSONLines.int(replaySummary?["packets"]), frames.count)

        // watch with three workers, the same frames sent raw into the bridge.
        let liveEvidence = scratch.appendingPathComponent("evidence-watch")
        let (live, workers) = try watchMatchesReplay(
            frames, on: net, config: configURL, ["--evidence", liveEvidence.path], replayAlerts: expected,
            replaySummary: replaySummary)
        XCTAssertEqual(workers?.count, 3)

        // Evidence: the frames on the wire, not a datagram the kernel built.
        let liveFiles = try Self.evidence(live, in: liveEvidence)
        let replayFiles = try Self.evidence(expected, in: replayEvidence)
        XCTAssertEqual(liveFiles.count, expected.count)
        for (k, framesSaved) in replayFiles {
            XCTAssertEqual(liveFiles[k], framesSaved, "the evidence of \(k)")
        }
        let train = replayFiles["mynumber-isolation tcp 10.10.6.2:50001 -> 10.30.6.2:443"] ?? []
        XCTAssertEqual(train.map(\.count), [58, 58, 42, 54, 54, 58, 50], "three fragments, two packets, two fragments")
    }
}
