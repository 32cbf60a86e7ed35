import Foundation
import XCTest
import ZonesepTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// What `zonesep collect` says when its bounded tables push something out: templates evicted from a full
/// template store are counted per exporter, and datagrams refused because the session table is full are
/// counted per exporter and said on stderr, naming the exporter that goes unverified (before, only a
/// total `datagrams_rejected` said it, and nothing on stderr).
extension CollectTests {
    func testTemplatesPastTheStoresBoundAreEvictedAndCounted() throws {
        let templates = (256..<1356).map { Self.timesTemplate(UInt16($0), (152, 153), setID: 2) }
        let message = Self.ipfixMessage(exportTime: Self.farT0, sequence: 0, templates.flatMap { $0 })
        XCTAssertLessThan(message.count, 65_508, "one UDP datagram")
        let run = try collect(extra: []) { c in try Self.send([message], to: c.port) }
        let e = try XCTUnwrap((run.summary["exporters"] as? [[String: Any]])?.first, "\(run.summary)")
        XCTAssertEqual(JSONLines.int(e["templates"]), 1100)
        XCTAssertEqual(JSONLines.int(e["templates_evicted"]), 1100 - 1024, "a session keeps 1,024 templates")
    }

    func testDatagramsRefusedForAFullSessionTableAreSaidOnStderr() throws {
        // 16,384 observation domains fill the session table; the next domain's violating record is refused.
        let fill = (1...16_384).map { Self.be([(10, 2), (16, 2), (Self.farT0, 4), (0, 4), (UInt64($0), 4)]) }
        let template = Self.timesTemplate(256, (152, 153), setID: 2)
        let violating = Self.exportSet(256, Self.timesRecord(host: 1, Self.farT0ms, Self.farT0ms + 5))
        let length = UInt64(16 + template.count + violating.count)
        let last = Self.be([(10, 2), (length, 2), (Self.farT0, 4), (0, 4), (20_000, 4)]) + template + violating
        let run = try collect(extra: []) { c in
            let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
            defer { close(fd) }
            for (i, d) in (fill + [last]).enumerated() {
                Loopback.send(d, from: fd, to: c.port)
                if i % 200 == 0 { usleep(5_000) }  // no burst for the socket buffer to drop
            }
        }
        let e = try XCTUnwrap((run.summary["exporters"] as? [[String: Any]])?.first, "\(run.summary)")
        XCTAssertEqual(JSONLines.int(e["datagrams"]), 16_385)
        XCTAssertEqual(JSONLines.int(e["datagrams_rejected"]), 1)
        XCTAssertEqual(JSONLines.int(run.summary["datagrams_rejected"]), 1)
        XCTAssertEqual(run.alerts.count, 0, "the refused record was not judged")
        XCTAssertTrue(
            run.stderr.contains("exporter 127.0.0.1: 1 datagram rejected and not judged: the session table is full"),
            run.stderr)
    }
}
