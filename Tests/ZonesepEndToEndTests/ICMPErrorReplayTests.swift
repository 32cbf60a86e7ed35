import Foundation
import XCTest

/// An ICMP error travels with the flow it quotes only when it is sent to the quoted packet's source (from
/// the quoted destination or a router on the path). One sent to anyone else quotes a packet its receiver
/// never sent: it is judged as a flow of its own, so a forged error between two zones is flagged.
final class ICMPErrorReplayTests: ScratchDirectoryTestCase {
    static let ethernet: [UInt8] = [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00]

    static func udp(_ src: [UInt8], _ sport: UInt16, _ dst: [UInt8], _ dport: UInt16, id: UInt16) -> [UInt8] {
        PcapBytes.ipv4(17, id: id, src, dst, payload: 8)
            + [UInt8(sport >> 8), UInt8(sport & 0xff), UInt8(dport >> 8), UInt8(dport & 0xff), 0, 8, 0, 0]
    }

    /// An ICMP error of `type`/`code` from `src` to `dst` quoting `packet` (its header and first 8 bytes).
    static func error(_ src: [UInt8], _ dst: [UInt8], type: UInt8, code: UInt8, quoting packet: [UInt8]) -> [UInt8] {
        let body = [type, code, 0, 0, 0, 0, 0, 0] + packet.prefix(28)
        return PcapBytes.ipv4(1, id: 7, src, dst, payload: body.count) + body
    }

    func testAnErrorQuotingAnotherHostsPacketIsJudgedOnItsOwn() throws {
        let conf = root.appendingPathComponent("zones.conf")
        let lgwanHost: [UInt8] = [10, 20, 3, 4]
        let datagram = Self.udp(lgwanHost, 40000, [10, 20, 5, 5], 5353, id: 1)
        let frames = [
            // A datagram within lgwan, refused by its receiver, and a router of the internet zone on the path
            // reporting on it: both errors go to the datagram's sender and join its flow (allowed).
            datagram,
            Self.error([10, 20, 5, 5], lgwanHost, type: 3, code: 3, quoting: datagram),
            Self.error([10, 30, 0, 1], lgwanHost, type: 11, code: 0, quoting: datagram),
            // An internet host sends the lgwan host a port unreachable about 10.10.5.5 → 10.10.6.6: forged.
            Self.error(
                [10, 30, 9, 9], lgwanHost, type: 3, code: 3,
                quoting: Self.udp([10, 10, 5, 5], 40001, [10, 10, 6, 6], 53, id: 2)),
        ]
        var pcap = PcapBytes()
        for (i, f) in frames.enumerated() { pcap.append(Self.ethernet + f, micros: 1_800_000_000_000_000 + Int64(i)) }
        let capture = scratch.appendingPathComponent("icmp-errors.pcap")
        try pcap.data.write(to: capture)
        let flowsFile = scratch.appendingPathComponent("flows.jsonl")

        let outcome = try Harness.run(
            zonesep,
            ["replay", "--config", conf.path, "--output", "json", "--flows", flowsFile.path, capture.path],
            timeout: 60)
        XCTAssertTrue(outcome.exitedNormally, outcome.brief)
        XCTAssertEqual(outcome.status, 1, outcome.brief)
        let (alerts, summary, problems) = JSONLines.replay(outcome)
        XCTAssertEqual(problems, [])
        XCTAssertEqual(alerts.count, 1, "\(alerts.map(\.line))")
        let a = try XCTUnwrap(alerts.first?.object)
        XCTAssertEqual(a["rule"] as? String, "sanitisation-bypass")
        XCTAssertEqual(a["proto"] as? String, "icmp")
        XCTAssertEqual(a["src_ip"] as? String, "10.30.9.9")
        XCTAssertEqual(a["dest_ip"] as? String, "10.20.3.4")
        XCTAssertEqual(a["src_zone"] as? String, "internet")
        XCTAssertEqual(a["dest_zone"] as? String, "lgwan")
        XCTAssertEqual(JSONLines.int(summary?["flows"]), 2)

        // The datagram's flow holds its two genuine errors; the forged error is a flow of its own.
        let records = try String(contentsOf: flowsFile, encoding: .utf8).split(separator: "\n").compactMap {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        let byFlow = records.map {
            "\($0["proto"] as? String ?? "?") \($0["src_ip"] as? String ?? "?")>\($0["dest_ip"] as? String ?? "?") "
                + "\(JSONLines.int($0["packets_toserver"]) ?? -1)/\(JSONLines.int($0["packets_toclient"]) ?? -1) "
                + "\($0["verdict"] as? String ?? "allowed")"
        }
        XCTAssertEqual(
            Set(byFlow), ["udp 10.20.3.4>10.20.5.5 1/2 allowed", "icmp 10.30.9.9>10.20.3.4 1/0 sanitisation-bypass"])
    }
}
