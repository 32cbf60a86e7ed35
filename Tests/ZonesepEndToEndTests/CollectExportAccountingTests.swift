import Foundation
import XCTest
import ZonesepTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// What `zonesep collect` says of the export itself, with datagrams sent to it over loopback: data sets
/// whose template never came are counted and said at the end (they vanished before, the summary reading
/// "0 violating" with no failure); sequence numbers tell a reordered datagram from loss, see the gap after
/// a datagram whose set was held, and take softflowd's IPFIX (which counts the message's own records) as it
/// is; NetFlow v9 templates are the exporter's, whatever source port its datagrams leave from.
extension CollectTests {
    /// An IPFIX message of observation domain `domain`.
    static func ipfix(sequence: UInt32, domain: UInt32 = 1, _ sets: [UInt8]...) -> [UInt8] {
        let body = sets.flatMap { $0 }
        return be([(10, 2), (UInt64(16 + body.count), 2), (farT0, 4), (UInt64(sequence), 4), (UInt64(domain), 4)])
            + body
    }

    /// A NetFlow v9 packet of source id 3.
    static func netflowV9(sequence: UInt32, _ sets: [UInt8]...) -> [UInt8] {
        be([(9, 2), (UInt64(sets.count), 2), (100_000, 4), (farT0, 4), (UInt64(sequence), 4), (3, 4)])
            + sets.flatMap { $0 }
    }

    /// `count` records (hosts `first`, `first + 1`, …) of template 256 (`timesTemplate`, milliseconds).
    static func records(first: Int, count: Int) -> [UInt8] {
        exportSet(
            256,
            (first..<(first + count)).flatMap {
                timesRecord(host: UInt8($0), farT0ms + UInt64($0), farT0ms + UInt64($0) + 5)
            })
    }

    /// Sends each datagram from the UDP socket of its `source` (one socket, so one source port, each),
    /// in order, to 127.0.0.1:`port`.
    static func send(_ datagrams: [(source: Int, bytes: [UInt8])], to port: UInt16) throws {
        var sockets: [Int: Int32] = [:]
        defer { for fd in sockets.values { close(fd) } }
        for (source, d) in datagrams {
            if sockets[source] == nil {
                let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
                guard fd >= 0 else { throw CocoaError(.fileWriteUnknown) }
                sockets[source] = fd
            }
            let fd = sockets[source] ?? -1
            let sent = Loopback.send(d, from: fd, to: port)
            XCTAssertEqual(sent, d.count, "sendto: \(String(cString: strerror(errno)))")
            usleep(20_000)
        }
    }

    /// The UDP payloads of a committed flow-export fixture (classic pcap of Ethernet / IPv4 / UDP, as
    /// tcpdump kept softflowd's datagrams on loopback), each with the source port it came from.
    func fixtureDatagrams(_ name: String) throws -> [(sourcePort: UInt16, payload: [UInt8])] {
        let url = root.appendingPathComponent("Tests/ZonesepFlowExportTests/Fixtures").appendingPathComponent(name)
        let b = [UInt8](try Data(contentsOf: url))
        XCTAssertEqual(Array(b.prefix(4)), [0xd4, 0xc3, 0xb2, 0xa1], "\(name): little-endian pcap")
        func le32(_ i: Int) -> Int { Int(b[i]) | Int(b[i + 1]) << 8 | Int(b[i + 2]) << 16 | Int(b[i + 3]) << 24 }
        func be16(_ i: Int) -> Int { Int(b[i]) << 8 | Int(b[i + 1]) }
        var out: [(UInt16, [UInt8])] = []
        var at = 24
        while at + 16 <= b.count {
            let length = le32(at + 8)
            let frame = at + 16
            at = frame + length
            guard at <= b.count, length >= 42, b[frame + 23] == 17 else { continue }
            let udp = frame + 14 + Int(b[frame + 14] & 0x0f) * 4
            out.append((UInt16(be16(udp)), Array(b[(udp + 8)..<(udp + be16(udp + 4))])))
        }
        return out
    }

    func exporter(_ record: [String: Any]) throws -> [String: Any] {
        let exporters = try XCTUnwrap(record["exporters"] as? [[String: Any]])
        XCTAssertEqual(exporters.count, 1)
        return try XCTUnwrap(exporters.first)
    }

    /// One data set of a template that never comes, carrying an LGWAN host's SMB to the Internet zone.
    /// While the collector runs, /metrics shows it held and pending; at the end it is `no-template`, the
    /// summary's pending count is 0 and stderr says a data set was never decoded.
    func testADataSetWhoseTemplateNeverCameIsCountedAndSaid() throws {
        let curl = try XCTUnwrap(Tools.find("curl"), "curl is not installed")
        var scrape = ""
        let orphan = Self.exportSet(300, Self.timesRecord(host: 1, Self.farT0ms, Self.farT0ms))
        let run = try collect(extra: ["--stats-interval", "0", "--metrics", "127.0.0.1:0"]) { c in
            try Self.send([(0, Self.ipfix(sequence: 0, orphan))], to: c.port)
            usleep(1_200_000)  // the metrics are refreshed once a second
            let line = c.stderr.split(separator: "\n").first { $0.contains("metrics at http://127.0.0.1:") } ?? ""
            let url = String(line[(line.range(of: "http://")?.lowerBound ?? line.endIndex)...])
            let outcome = try Harness.run(curl, ["-sS", "--max-time", "5", url], timeout: 20)
            XCTAssertEqual(outcome.status, 0, outcome.brief)
            scrape = outcome.stdoutText
        }
        let m = Self.samples(scrape)
        let label = "{exporter=\"127.0.0.1\"}"
        XCTAssertEqual(m["zonesep_export_sets_held_total" + label], 1, scrape)
        XCTAssertEqual(m["zonesep_export_sets_released_total" + label], 0)
        XCTAssertEqual(m["zonesep_export_sets_pending" + label], 1)

        XCTAssertEqual(run.alerts.count, 0)
        let e = try exporter(run.summary)
        XCTAssertEqual(JSONLines.int(e["sets_held"]), 1)
        XCTAssertEqual(JSONLines.int(e["sets_released"]), 0)
        XCTAssertEqual(JSONLines.int(e["sets_pending"]), 0, "nothing is left waiting at the end")
        XCTAssertEqual(e["decode_failures"] as? [String: Int], ["no-template": 1])
        XCTAssertTrue(
            run.stderr.contains(
                "warning: exporter 127.0.0.1: 1 data set never decoded (no-template): the template never came"),
            run.stderr)
    }

    /// Data for a template the exporter withdrew (RFC 7011 section 8.1) is counted too, and the text
    /// summary says so under its "0 violating".
    func testTheTextSummarySaysDataForAWithdrawnTemplateWasNeverDecoded() throws {
        let template = Self.timesTemplate(256, (152, 153), setID: 2)
        let withdraw = Self.exportSet(2, Self.be([(256, 2), (0, 2)]))
        let messages = [
            Self.ipfix(sequence: 0, template, Self.records(first: 1, count: 1)), Self.ipfix(sequence: 1, withdraw),
            Self.ipfix(sequence: 1, Self.records(first: 2, count: 1)),
        ]
        let (stdout, stderr) = try collectText(messages)
        XCTAssertTrue(stdout.contains("collected 1 records into 1 flows, 1 violating"), stdout)
        XCTAssertTrue(
            stdout.contains(
                "1 data set never decoded (no-template): the template never came, and the records in them were not judged"
            ),
            stdout)
        XCTAssertTrue(stdout.contains("failures: no-template 1"), stdout)
        XCTAssertTrue(stderr.contains("exporter 127.0.0.1: 1 data set never decoded (no-template)"), stderr)
    }

    /// The repository's softflowd IPFIX fixture (three runs, each from its own source port) replayed to
    /// collect: softflowd counts each message's own records in its sequence number, which read as a gap
    /// and a reset on a loss-free loopback.
    func testSoftflowdIPFIXFixtureHasNoGapsOrResets() throws {
        let datagrams = try fixtureDatagrams("softflowd-ipfix.pcap")
        let ports = Array(Set(datagrams.map(\.sourcePort))).sorted()
        XCTAssertEqual(ports.count, 3)
        let run = try collect(extra: ["--stats-interval", "0"]) { c in
            try Self.send(datagrams.map { (ports.firstIndex(of: $0.sourcePort) ?? 0, $0.payload) }, to: c.port)
        }
        let e = try exporter(run.summary)
        XCTAssertEqual(JSONLines.int(e["datagrams"]), datagrams.count)
        XCTAssertGreaterThan(JSONLines.int(e["records"]) ?? 0, 60)
        for field in ["sequence_gaps", "missed_records", "sequence_resets", "late_datagrams"] {
            XCTAssertEqual(JSONLines.int(e[field]), 0, field)
        }
        XCTAssertEqual((e["decode_failures"] as? [String: Any])?.count, 0)
    }

    /// Two IPFIX streams: domain 1 sends 5 messages of 10 records, the third overtaking the second (every
    /// record arrives: no loss, one late datagram); domain 2 the reviewer's held-set case (a set of an
    /// unknown template in its second message, then 996 and 499 records lost: two gaps).
    func testReorderingIsNotLossAndAGapAfterAHeldSetIsSeen() throws {
        let template = Self.timesTemplate(256, (152, 153), setID: 2)
        let domain1: [[UInt8]] = [
            Self.ipfix(sequence: 0, template, Self.records(first: 1, count: 10)),
            Self.ipfix(sequence: 20, Self.records(first: 21, count: 10)),
            Self.ipfix(sequence: 10, Self.records(first: 11, count: 10)),
            Self.ipfix(sequence: 30, Self.records(first: 31, count: 10)),
            Self.ipfix(sequence: 40, Self.records(first: 41, count: 10)),
        ]
        let unknown = Self.exportSet(500, Self.timesRecord(host: 60, Self.farT0ms, Self.farT0ms))
        let domain2: [[UInt8]] = [
            Self.ipfix(sequence: 0, domain: 2, template, Self.records(first: 51, count: 2)),
            Self.ipfix(sequence: 2, domain: 2, unknown, Self.records(first: 53, count: 1)),
            Self.ipfix(sequence: 1000, domain: 2, Self.records(first: 54, count: 1)),
            Self.ipfix(sequence: 1500, domain: 2, Self.records(first: 55, count: 1)),
        ]
        let run = try collect(extra: ["--stats-interval", "0"]) { c in
            try Self.send((domain1 + domain2).map { (0, $0) }, to: c.port)
        }
        let e = try exporter(run.summary)
        XCTAssertEqual(JSONLines.int(e["records"]), 55)
        XCTAssertEqual(JSONLines.int(e["late_datagrams"]), 1)
        XCTAssertEqual(JSONLines.int(e["sequence_resets"]), 0)
        XCTAssertEqual(JSONLines.int(e["sequence_gaps"]), 2, "domain 2's two, none of domain 1's")
        // Domain 2's held set (34 bytes, so at most 34 records) bounds its first gap: at least
        // 1000 - (2 + 1 + 34) = 963 of the 996 records lost; the second gap is exact.
        XCTAssertEqual(JSONLines.int(e["missed_records"]), 963 + 499)
        XCTAssertEqual(e["decode_failures"] as? [String: Int], ["no-template": 1])
    }

    /// NetFlow v9 (RFC 3954 section 5.1): the template from one source port reads the data sent from
    /// another under the same source id: the LGWAN host's SMB to the Internet zone is judged.
    func testNetFlowV9TemplateAndDataFromTwoSourcePorts() throws {
        let run = try collect(extra: ["--stats-interval", "0"]) { c in
            let template = Self.timesTemplate(300, (152, 153), setID: 0)
            let data = Self.exportSet(300, Self.timesRecord(host: 9, Self.farT0ms, Self.farT0ms))
            try Self.send(
                [(0, Self.netflowV9(sequence: 0, template)), (1, Self.netflowV9(sequence: 1, data))], to: c.port)
        }
        XCTAssertEqual(run.alerts.map { $0["src_ip"] as? String }, ["10.20.3.9"])
        XCTAssertEqual(run.alerts.first?["rule"] as? String, "sanitisation-bypass")
        let e = try exporter(run.summary)
        XCTAssertEqual(JSONLines.int(e["sets_held"]), 0)
        XCTAssertEqual(JSONLines.int(e["sequence_gaps"]), 0)
        XCTAssertEqual((e["decode_failures"] as? [String: Any])?.count, 0)
    }
}
