import XCTest

@testable import ZonesepOutput

/// What a syslog destination's `sent` vouches for, in the summary and the text summary: over UDP a message
/// the kernel took may still never reach a collector that is down (REVIEW-142 F5), so `sent` there is no
/// receipt, and the summary says so beside it.
final class SyslogReceiptTests: XCTestCase {
    func destination(_ url: String) throws -> SyslogDestination { try SyslogDestination.parse(url).get() }

    func testEachTransportSaysWhatSentVouchesFor() throws {
        var summary = DeliverySummary()
        var stats = SyslogSender.Stats()
        stats.sent = 3
        for url in ["udp://192.0.2.1:514", "tcp://192.0.2.1:514", "tls://192.0.2.1:6514", "unix:///dev/log"] {
            summary.syslog.append(DeliverySummary.Syslog(destination: try destination(url), stats: stats))
        }
        let json = summary.json()
        for (url, receipt) in [
            ("udp://192.0.2.1:514", "none"), ("tcp://192.0.2.1:514", "tcp"), ("tls://192.0.2.1:6514", "tcp"),
            ("unix:///dev/log", "socket"),
        ] {
            XCTAssertTrue(
                json.contains("{\"destination\":\"\(url)\",\"sent\":3,\"receipt\":\"\(receipt)\","), json)
        }
        let rows = summary.textRows().map { $0[0] }
        XCTAssertTrue(rows.contains("syslog udp://192.0.2.1:514 sent (UDP: no receipt)"), "\(rows)")
        XCTAssertTrue(rows.contains("syslog tcp://192.0.2.1:514 sent"), "\(rows)")
        XCTAssertTrue(rows.contains("syslog unix:///dev/log sent"), "\(rows)")
    }
}
