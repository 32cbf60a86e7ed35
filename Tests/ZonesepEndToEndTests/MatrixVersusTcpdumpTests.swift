import Foundation
import XCTest

/// The summary's packet matrix must count what tcpdump counts: for zones A and B, the IP packets matching
/// `(ip or ip6) and src net A and dst net B`, VLAN-tagged (802.1Q, and QinQ) included, with their wire lengths.
///
/// zones.conf keeps every zone's networks disjoint, so a BPF `net` filter is exactly zone membership.
/// (An IPv6 packet with IPv4-mapped addresses counts in its IPv4 zones' cell, which `net` does not match: the
/// demonstration captures hold none, and output.md says so.)
final class MatrixVersusTcpdumpTests: XCTestCase {
    struct Cell: Equatable, CustomStringConvertible {
        var packets = 0
        var bytes = 0
        var description: String { "\(packets) packets, \(bytes) bytes" }
    }

    /// The filters for one cell: untagged, one tag, two tags. Run separately and summed, so no libpcap version's
    /// handling of `vlan` inside `or` can count a frame twice or miss it.
    static func filters(from a: ZonesConf.Zone, to b: ZonesConf.Zone) -> [String] {
        let src = a.networks.map { "src net \($0)" }.joined(separator: " or ")
        let dst = b.networks.map { "dst net \($0)" }.joined(separator: " or ")
        let ip = "(ip or ip6) and (\(src)) and (\(dst))"
        return [ip, "vlan and \(ip)", "vlan and vlan and \(ip)"]
    }

    /// Packets and wire bytes that tcpdump selects from `file` with `filter` (its `-w -` output, counted);
    /// an empty filter selects every frame.
    static func tcpdumpCount(_ tcpdump: URL, _ file: URL, _ filter: String) throws -> Cell {
        let arguments = ["-nn", "-r", file.path, "-w", "-"] + (filter.isEmpty ? [] : [filter])
        let outcome = try Harness.run(tcpdump, arguments, timeout: 60)
        guard outcome.exitedNormally, outcome.status == 0 else {
            throw HarnessError("tcpdump -r \(file.lastPathComponent) '\(filter)': \(outcome.brief)")
        }
        let (packets, bytes) = try PcapCount.count(outcome.stdout)
        return Cell(packets: packets, bytes: bytes)
    }

    func testPacketMatrixMatchesTcpdump() throws {
        let tcpdump = try Harness.tcpdump()
        let root = try Harness.repositoryRoot()
        let conf = root.appendingPathComponent("zones.conf")
        let zones = try ZonesConf.zones(in: conf)
        XCTAssertGreaterThanOrEqual(zones.count, 3, "zones read from \(conf.path)")
        for zone in zones { XCTAssertFalse(zone.networks.isEmpty, "zone \(zone.id) has no networks") }
        let captures = root.appendingPathComponent("captures")
        let files = try Harness.captureFiles(in: captures)
        XCTAssertFalse(files.isEmpty, "no capture files in \(captures.path)")

        let outcome = try Harness.run(
            try Harness.zonesep(), ["replay", "--config", conf.path, "--output", "json", captures.path], timeout: 120)
        XCTAssertTrue(outcome.exitedNormally && !outcome.timedOut, outcome.brief)
        let (_, summaryRecord, problems) = JSONLines.replay(outcome)
        XCTAssertEqual(problems, [])
        guard let summary = summaryRecord else { return }

        // The summary's cells.
        let ids = Set(zones.map(\.id))
        var reported: [String: Cell] = [:]
        let packetCells = (summary["matrix"] as? [String: Any])?["packets"] as? [[String: Any]]
        XCTAssertNotNil(packetCells, "summary.matrix.packets must be an array of cells")
        for cell in packetCells ?? [] {
            guard let src = cell["src_zone"] as? String, let dst = cell["dest_zone"] as? String,
                let packets = JSONLines.int(cell["packets"]), let bytes = JSONLines.int(cell["bytes"])
            else {
                XCTFail("matrix cell without src_zone, dest_zone, packets and bytes: \(cell)")
                continue
            }
            let special: Set<String> = ["external", "unzoned", "local"]
            XCTAssertTrue(
                (ids.contains(src) || special.contains(src)) && (ids.contains(dst) || special.contains(dst)),
                "matrix cell names a zone that zones.conf does not declare: \(cell)")
            guard ids.contains(src) && ids.contains(dst) else { continue }
            XCTAssertNil(reported["\(src)>\(dst)"], "matrix cell \(src)>\(dst) appears twice")
            reported["\(src)>\(dst)"] = Cell(packets: packets, bytes: bytes)
        }

        // tcpdump's count for every pair of declared zones, summed over the files; a pair absent from the
        // summary must be one tcpdump finds nothing for.
        var mismatches: [String] = []
        var nonEmpty = 0
        for a in zones {
            for b in zones {
                var counted = Cell()
                for file in files {
                    for filter in Self.filters(from: a, to: b) {
                        let c = try Self.tcpdumpCount(tcpdump, file, filter)
                        counted.packets += c.packets
                        counted.bytes += c.bytes
                    }
                }
                if counted.packets > 0 { nonEmpty += 1 }
                let got = reported["\(a.id)>\(b.id)"] ?? Cell()
                if got != counted {
                    mismatches.append("\(a.id) -> \(b.id): zonesep \(got), tcpdump \(counted)")
                }
            }
        }
        XCTAssertGreaterThan(nonEmpty, 5, "tcpdump found almost nothing: are the filters right?")
        XCTAssertEqual(mismatches, [], "zone matrix differs from tcpdump")

        // The totals: every frame read, and the sum of their wire lengths (pcap `len`, not the captured part).
        var total = Cell()
        for file in files {
            let c = try Self.tcpdumpCount(tcpdump, file, "")
            total.packets += c.packets
            total.bytes += c.bytes
        }
        XCTAssertEqual(JSONLines.int(summary["packets"]), total.packets, "summary.packets: every frame read")
        XCTAssertEqual(JSONLines.int(summary["bytes"]), total.bytes, "summary.bytes: the frames' wire lengths")
    }
}
