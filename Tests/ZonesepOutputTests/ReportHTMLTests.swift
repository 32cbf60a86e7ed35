import Foundation
import XCTest
import ZonesepCore
import ZonesepCrypto

@testable import ZonesepOutput

/// The HTML report: every violation in it, every string escaped, nothing fetched, the same bytes each time.
final class ReportHTMLTests: XCTestCase {
    func occurrences(of needle: String, in text: String) -> Int {
        text.components(separatedBy: needle).count - 1
    }

    func testEveryViolationAppearsOnceAsARowAndABar() {
        let r = ReportFixture.report()
        let html = ReportHTML.render(r)
        XCTAssertEqual(occurrences(of: "<tr class=\"violation\"", in: html), r.violations.count)
        XCTAssertEqual(occurrences(of: "class=\"tl-flow\"", in: html), r.violations.count)
        for v in r.violations {
            XCTAssertTrue(html.contains("id=\"v\(v.number)\" data-flow-id=\"\(v.flowID)\""), "row of flow \(v.number)")
            XCTAssertTrue(html.contains("data-flow=\"\(v.number)\""), "timeline bar of flow \(v.number)")
        }
        XCTAssertTrue(html.contains("10.20.3.4:51512"))
        XCTAssertTrue(html.contains("192.168.11.2:49500"))
    }

    func testVerdictNamesTheCountsAndIsCleanWithoutViolations() {
        let r = ReportFixture.report()
        let html = ReportHTML.render(r)
        XCTAssertTrue(html.contains("id=\"verdict\" class=\"verdict violations\" data-verdict=\"violations\""))
        XCTAssertTrue(html.contains("data-violations=\"6\""))
        XCTAssertTrue(html.contains("分離違反あり — 違反フロー 6 件"))
        XCTAssertTrue(html.contains("data-rule=\"sanitisation-bypass\" data-count=\"2\""))
        XCTAssertTrue(html.contains("data-rule=\"conduit-mac-mismatch\" data-count=\"0\""))

        let policy = ReportFixture.policy()
        let cleanFrames = [ReportFixture.frames()[7]]
        let clean = AuditReport(
            summary: ReportFixture.summary(policy: policy, frames: cleanFrames), provenance: ReportFixture.provenance)
        let cleanHTML = ReportHTML.render(clean)
        XCTAssertTrue(
            cleanHTML.contains(
                "data-verdict=\"clean\" data-violations=\"0\" data-devices=\"0\" data-tunnels=\"0\" data-limited=\"false\""
            ))
        XCTAssertTrue(cleanHTML.contains("違反は検出されませんでした"))
        XCTAssertFalse(cleanHTML.contains("<tr class=\"violation\""))
    }

    /// The first page names the top three reasons frames were not verified and how many more; §9 every one.
    func testEveryReasonFramesWereNotVerifiedIsNamed() {
        var r = ReportFixture.report()
        r.coverage = .init(
            frames: 30, verified: 20,
            reasons: [
                .init(label: "EtherType 0x88b5", frames: 4), .init(label: "EtherType 0x88b6", frames: 3),
                .init(label: "EtherType 0x88b7", frames: 2), .init(label: "EtherType 0x88e7", frames: 1),
            ])
        let html = ReportHTML.render(r)
        XCTAssertTrue(
            html.contains(
                "not verified: EtherType 0x88b5: 4, EtherType 0x88b6: 3, EtherType 0x88b7: 2, ほか 1 件 and 1 more (§9)"))
        XCTAssertTrue(
            html.contains(
                "not verified: EtherType 0x88b5: 4, EtherType 0x88b6: 3, EtherType 0x88b7: 2, EtherType 0x88e7: 1</span>"
            ),
            "§9 names every reason")
    }

    /// A file that broke off after some packets (cut short, or a run stopped) had them judged: it is "read
    /// in part", not "unreadable" (REVIEW-145 F4), and still limits the audit.
    func testAFileCutShortIsReadInPartNotUnreadable() {
        var r = ReportFixture.report()
        r.files.append(
            .init(
                path: "captures/cut.pcap", linkType: "EN10MB", packets: 11, firstPacketMicros: 1_781_431_200_000_000,
                lastPacketMicros: 1_781_431_201_000_000,
                error: "captures/cut.pcap: damaged after 11 packets: truncated dump file"))
        let html = ReportHTML.render(r)
        XCTAssertTrue(html.contains("data-limited=\"true\""))
        XCTAssertTrue(html.contains("途中までのファイル 1 files read in part"), "the first page's limits")
        XCTAssertFalse(html.contains("unreadable files"), "nothing of it was unreadable")
        XCTAssertTrue(html.contains("途中まで read in part</span> captures/cut.pcap: damaged after 11 packets"))
        XCTAssertFalse(html.contains("読めず unreadable"))
        XCTAssertTrue(html.contains("最後まで読めなかったファイル <span class=\"en\">files not read to their end</span>"))
        XCTAssertTrue(ReportFormat.md.render(r).contains("| 最後まで読めなかったファイル files not read to their end | 1 |"))
    }

    func testLimitsShowInTheVerdict() {
        var r = ReportFixture.report()
        r.files.append(
            .init(
                path: "captures/broken.pcap", linkType: nil, packets: 0, firstPacketMicros: nil, lastPacketMicros: nil,
                error: "captures/broken.pcap: cannot be read: unknown file format"))
        r.flowTable.evicted = 12
        let html = ReportHTML.render(r)
        XCTAssertTrue(html.contains("data-limited=\"true\""))
        XCTAssertTrue(html.contains("監査の制約があります"))
        XCTAssertTrue(html.contains("読めないファイル 1 unreadable files"))
        XCTAssertTrue(html.contains("追い出されたフロー 12 evicted flows"))
        // With no violation, the title itself says the audit was limited: never the plain all-clear.
        var clean = r
        clean.violations = []
        clean.devices = []
        let cleanHTML = ReportHTML.render(clean)
        XCTAssertTrue(cleanHTML.contains("data-verdict=\"clean\""))
        XCTAssertTrue(cleanHTML.contains("<p class=\"verdict-title\">違反なし — ただし監査に制約があります（§9）</p>"))
        XCTAssertFalse(cleanHTML.contains("違反は検出されませんでした"))
        XCTAssertTrue(html.contains("captures/broken.pcap: cannot be read: unknown file format"))
    }

    /// Restricted cells are outlined in both heat maps; a cell with violations carries their count.
    func testMatrixOutlinesEveryRestrictedCell() {
        let r = ReportFixture.report()
        let html = ReportHTML.render(r)
        let axis = r.matrixAxis
        var restricted = 0
        for a in axis { for b in axis where r.policy.restricts(a, b) { restricted += 1 } }
        XCTAssertGreaterThan(restricted, 0)
        XCTAssertEqual(occurrences(of: "data-restricted=\"true\"", in: html), 2 * restricted)
        XCTAssertEqual(
            occurrences(of: "data-restricted=\"false\"", in: html), 2 * (axis.count * axis.count - restricted))
        XCTAssertTrue(
            html.contains(
                "data-from=\"lgwan\" data-to=\"internet\" data-restricted=\"true\" data-value=\"2\" "
                    + "data-violations=\"2\""))
        XCTAssertTrue(html.contains("id=\"matrix-flows\""))
        XCTAssertTrue(html.contains("id=\"matrix-packets\""))
    }

    func testHeatLevelsRunFromNothingToTheMaximum() {
        XCTAssertEqual(ReportHTML.level(0, max: 100), 0)
        XCTAssertEqual(ReportHTML.level(1, max: 100), 1)
        XCTAssertEqual(ReportHTML.level(100, max: 100), 8)
        XCTAssertEqual(ReportHTML.level(1, max: 1), 8)
        XCTAssertLessThan(ReportHTML.level(10, max: 100_000), ReportHTML.level(10_000, max: 100_000))
    }

    /// zones.conf, file names and the sensor end up in the page: each is text, never markup.
    func testEveryStringFromOutsideIsEscaped() {
        let hostile = "<script>alert('x')</script>&\"q\""
        let policy = ReportFixture.policy(label: hostile, sensor: "span<b>\"&'")
        var r = AuditReport(summary: ReportFixture.summary(policy: policy), provenance: ReportFixture.provenance)
        r.provenance.configPath = "conf/<img src=x onerror=alert(1)>.conf"
        r.violations[0].evidence = AuditReport.Evidence(path: "evidence/<i>x</i>.pcap", sha256: "\"><svg>")
        let html = ReportHTML.render(r)
        XCTAssertEqual(occurrences(of: "<script", in: html), 1, "only the report's own script")
        XCTAssertFalse(html.contains("<img"))
        XCTAssertFalse(html.contains("<b>\""))
        XCTAssertFalse(html.contains("<i>x</i>"))
        XCTAssertFalse(html.contains("\"><svg>"))
        XCTAssertTrue(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;q&quot;"))
        XCTAssertTrue(html.contains("span&lt;b&gt;&quot;&amp;&#39;"))
        XCTAssertTrue(html.contains("conf/&lt;img src=x onerror=alert(1)&gt;.conf"))
        XCTAssertTrue(html.contains("evidence/&lt;i&gt;x&lt;/i&gt;.pcap"))
        XCTAssertTrue(html.contains("captures/test &lt;1&gt;.pcap"))
        XCTAssertEqual(HTMLEscape.text("a\u{1}b\tc\nd\u{202E}e"), "a\\u{1}b\tc\\nd\\u{202E}e")
    }

    /// An evidence file without a hash (it could not be written whole) is named but not vouched for.
    func testEvidenceWithoutAHashIsMarkedAsSuch() {
        var r = ReportFixture.report()
        r.violations[0].evidence = AuditReport.Evidence(path: "evidence/cut.pcap", sha256: nil)
        r.violations[1].evidence = AuditReport.Evidence(path: "evidence/whole.pcap", sha256: "ab12")
        let html = ReportHTML.render(r)
        XCTAssertTrue(html.contains("evidence/cut.pcap"))
        XCTAssertEqual(occurrences(of: "no hash: may be incomplete", in: html), 1)
        XCTAssertTrue(html.contains("SHA-256 ab12"))
    }

    /// Nothing to fetch: no external reference of any kind, and a policy that would block one anyway, with
    /// the one inline script pinned by its SHA-256.
    func testTheFileIsSelfContained() {
        let html = ReportHTML.render(ReportFixture.report())
        for banned in ["<link", "@import", "url(", " src=", "href=\"http", "@font-face", "<iframe", "<object"] {
            XCTAssertFalse(html.contains(banned), banned)
        }
        let withoutNamespace = html.replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "")
        XCTAssertFalse(withoutNamespace.contains("http://"))
        XCTAssertFalse(withoutNamespace.contains("https://"))

        guard let open = html.range(of: "<script>"), let close = html.range(of: "</script>") else {
            return XCTFail("no inline script")
        }
        let script = String(html[open.upperBound..<close.lowerBound])
        let hash = Base64.encode(SHA256.digest(Array(script.utf8)))
        XCTAssertTrue(
            html.contains("default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-\(hash)'"),
            "the Content-Security-Policy pins the script's hash")
    }

    func testPrintRulesAndJapaneseSystemFonts() {
        let html = ReportHTML.render(ReportFixture.report())
        XCTAssertTrue(html.contains("<html lang=\"ja\""))
        XCTAssertTrue(html.contains("@page{size:A4"))
        XCTAssertTrue(html.contains("@media print"))
        XCTAssertTrue(html.contains("\"Noto Sans CJK JP\",\"Hiragino Sans\""))
    }

    func testSameRunGivesTheSameBytes() {
        let a = ReportHTML.render(ReportFixture.report())
        let b = ReportHTML.render(ReportFixture.report())
        XCTAssertEqual(a, b)
        for format in ReportFormat.allCases {
            XCTAssertEqual(format.render(ReportFixture.report()), format.render(ReportFixture.report()), "\(format)")
        }
    }

    /// A lane of a thousand violations merges its bars into counted spans; the table still lists every flow.
    func testManyViolationsMergeInTheTimelineButAllAreListed() throws {
        var r = ReportFixture.report()
        let base = r.violations[4]
        XCTAssertEqual(base.rule, .unzonedHost)
        r.violations = (0..<1200).map { i in
            var v = base
            v.number = i + 1
            v.flowID = "1:flow\(i)"
            v.firstSeenMicros = ReportFixture.t0 + Int64(i / 100) * 150_000_000
            v.lastSeenMicros = v.firstSeenMicros + 400_000
            return v
        }
        let html = ReportHTML.render(r)
        XCTAssertEqual(occurrences(of: "<tr class=\"violation\"", in: html), 1200)
        XCTAssertEqual(occurrences(of: "class=\"tl-flow\"", in: html), 0)
        var merged = 0
        for m in html.matches(of: /unzoned-host: (\d+) flows<\/title>/) { merged += Int(m.1) ?? 0 }
        XCTAssertEqual(merged, 1200, "every flow is in one merged span")
        XCTAssertEqual(occurrences(of: "class=\"tl-span\"", in: html), 12, "twelve bursts of 100")
    }

    func testMergedSpansJoinOverlapsAndCount() {
        let spans = ReportTimeline.merged([(30, 40), (0, 10), (5, 20), (40, 41), (50, 60)])
        XCTAssertEqual(spans.map { [$0.from, $0.to, $0.count] }, [[0, 20, 2], [30, 41, 2], [50, 60, 1]])
    }

    func testExceptionsAreMarkedRelativeToTheCapture() {
        let html = ReportHTML.render(ReportFixture.report())
        XCTAssertTrue(html.contains("<tr data-exception-status=\"valid\"><td>web-conference</td>"))
        XCTAssertTrue(html.contains("<tr data-exception-status=\"expired\"><td>etax-direct</td>"))
        XCTAssertTrue(html.contains("期限切れ"))
    }
}
