import Foundation
import XCTest

/// The audit report of the demonstration captures as a reader gets it: written by the real binary, opened in
/// headless Chromium (Debian's package), its DOM read back and its first page photographed. Also: `report`
/// from the saved JSON Lines gives the same bytes, and the committed sample is the one the binary writes.
final class ReportBrowserTests: ScratchDirectoryTestCase {
    // MARK: - Helpers

    /// Debian's chromium; CI installs it through scripts/test.
    static func chromium() throws -> URL {
        for candidate in ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/lib/chromium/chromium"]
        where FileManager.default.isExecutableFile(atPath: candidate) {
            return URL(fileURLWithPath: candidate)
        }
        throw HarnessError(
            "chromium is not installed (looked in /usr/bin/chromium, /usr/bin/chromium-browser): the report tests "
                + "render the HTML report in it; install it (apt-get install chromium, as scripts/test does)")
    }

    /// Runs headless Chromium on a local file with a fresh profile. Every host name resolves to nothing, and
    /// the browser's own background fetches are switched off, so no packet leaves the machine whatever the
    /// page asks for.
    func browse(_ page: URL, _ extra: [String], name: String) throws -> ProcessOutcome {
        let profile = scratch.appendingPathComponent("profile-\(name)")
        let args =
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(profile.path)",
                "--host-resolver-rules=MAP * ~NOTFOUND", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--no-default-browser-check",
                "--disable-default-apps", "--disable-extensions", "--disable-features=Translate,MediaRouter",
                "--hide-scrollbars",
            ] + extra + [page.absoluteString]
        let outcome = try Harness.run(try Self.chromium(), args, timeout: 90)
        XCTAssertFalse(outcome.timedOut, "chromium did not finish: \(outcome.brief)")
        return outcome
    }

    /// The page's DOM after load, Chromium's stderr (console messages included) and its net log.
    func load(_ page: URL, name: String) throws -> (dom: String, stderr: String, netLog: [String: Any]) {
        let netLog = scratch.appendingPathComponent("net-\(name).json")
        let outcome = try browse(
            page, ["--enable-logging=stderr", "--v=0", "--log-net-log=\(netLog.path)", "--dump-dom"], name: name)
        XCTAssertEqual(outcome.status, 0, "chromium --dump-dom: \(outcome.brief)")
        let data = try Data(contentsOf: netLog)
        guard let log = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw HarnessError("\(netLog.path) is not a JSON object")
        }
        return (outcome.stdoutText, outcome.stderrText, log)
    }

    /// URL requests the page itself started (its origin is file://, so they carry initiator `null`), as
    /// opposed to the browser's own, which carry none.
    func pageRequests(_ netLog: [String: Any]) throws -> [String] {
        guard let constants = netLog["constants"] as? [String: Any],
            let types = constants["logEventTypes"] as? [String: Any],
            let startJob = JSONLines.int(types["URL_REQUEST_START_JOB"]),
            let events = netLog["events"] as? [[String: Any]]
        else { throw HarnessError("the net log has no constants.logEventTypes or events") }
        var urls: [String] = []
        for e in events where JSONLines.int(e["type"]) == startJob {
            guard let p = e["params"] as? [String: Any], let url = p["url"] as? String else { continue }
            let initiator = p["initiator"] as? String ?? ""
            let isolation = p["network_isolation_key"] as? String ?? ""
            if initiator == "null" || initiator.hasPrefix("file") || isolation.contains("file://") { urls.append(url) }
        }
        return urls
    }

    func consoleLines(_ stderr: String) -> [Substring] {
        stderr.split(separator: "\n").filter { $0.contains(":CONSOLE") }
    }

    /// `zonesep replay --output json --report FILE` on the demonstration, from the repository root.
    func replayDemo(report: URL, format: String = "html", options: [String] = []) throws -> ProcessOutcome {
        let outcome = try Harness.run(
            zonesep,
            [
                "replay", "--config", "zones.conf", "--output", "json", "--report", report.path, "--report-format",
                format,
            ] + options + ["captures/"],
            timeout: 120, in: root)
        XCTAssertEqual(outcome.status, 1, "the demonstration has violations: \(outcome.brief)")
        return outcome
    }

    func occurrences(of needle: String, in text: String) -> Int { text.components(separatedBy: needle).count - 1 }

    // MARK: - Tests

    func testReportLoadsInChromiumAndShowsVerdictMatrixAndEveryViolation() throws {
        let report = scratch.appendingPathComponent("report.html")
        let run = JSONLines.replay(try replayDemo(report: report))
        XCTAssertEqual(run.problems, [])
        guard let summary = run.summary, let violations = summary["violations"] as? [[String: Any]] else {
            return XCTFail("no summary with violations")
        }
        XCTAssertEqual(violations.count, 22)

        let (dom, stderr, netLog) = try load(report, name: "report")
        // Loaded, and its script saw no error, failed load or blocked request.
        XCTAssertTrue(dom.contains("data-loaded=\"yes\""), "the load event ran")
        XCTAssertTrue(dom.contains("data-errors=\"0\""), "errors counted by the page")
        XCTAssertEqual(consoleLines(stderr), [], "console messages")
        XCTAssertEqual(try pageRequests(netLog), [], "the report must fetch nothing")

        // The verdict at the top, with its count.
        guard let verdict = dom.range(of: "<section id=\"verdict\"[^>]*>", options: .regularExpression) else {
            return XCTFail("no verdict element in the DOM")
        }
        let verdictTag = String(dom[verdict])
        XCTAssertTrue(verdictTag.contains("data-verdict=\"violations\""), verdictTag)
        XCTAssertTrue(verdictTag.contains("data-violations=\"22\""), verdictTag)
        XCTAssertTrue(dom[verdict.upperBound...].prefix(1500).contains("分離違反あり — 違反フロー 22 件"))
        XCTAssertLessThan(
            dom.distance(from: dom.startIndex, to: verdict.lowerBound),
            dom.distance(from: dom.startIndex, to: dom.range(of: "id=\"matrix\"")?.lowerBound ?? dom.endIndex),
            "the verdict comes before everything else")

        // What each declaration allowed: every one of zones.conf's eight, the expiring and the expired exception
        // marked for review.
        guard let dStart = dom.range(of: "<table class=\"grid\" id=\"declarations-table\""),
            let dEnd = dom.range(of: "</table>", range: dStart.upperBound..<dom.endIndex)
        else { return XCTFail("no declarations table in the DOM") }
        let declarations = String(dom[dStart.lowerBound..<dEnd.upperBound])
        XCTAssertEqual(occurrences(of: "<tr data-declaration=", in: declarations), 8)
        XCTAssertEqual(occurrences(of: "data-declaration=\"exception\"", in: declarations), 3)
        XCTAssertEqual(occurrences(of: "<span class=\"sub\">expiring</span>", in: declarations), 1)
        XCTAssertEqual(occurrences(of: "<span class=\"sub\">expired</span>", in: declarations), 1)
        XCTAssertTrue(declarations.contains("flows after expiry"), declarations)

        // The flow heat map, with the cells the policy restricts outlined and violations counted in them.
        guard let start = dom.range(of: "<table class=\"heatmap\" id=\"matrix-flows\""),
            let end = dom.range(of: "</table>", range: start.upperBound..<dom.endIndex)
        else { return XCTFail("no flow matrix in the DOM") }
        let matrix = String(dom[start.lowerBound..<end.upperBound])
        XCTAssertEqual(occurrences(of: "<td ", in: matrix), 49, "4 zones + external, unzoned, local: 7 x 7")
        XCTAssertGreaterThan(occurrences(of: "data-restricted=\"true\"", in: matrix), 10)
        XCTAssertTrue(matrix.contains("restricted crossed"), "restricted cells that traffic crossed")
        let cell = matrix.range(
            of: "data-from=\"lgwan\" data-to=\"internet\" data-restricted=\"true\" data-value=\"[0-9]+\" "
                + "data-violations=\"4\"", options: .regularExpression)
        XCTAssertNotNil(cell, "lgwan → internet: 4 sanitisation-bypass flows")
        var violationsInMatrix = 0
        for m in matrix.matches(of: /data-violations="(\d+)"/) { violationsInMatrix += Int(m.1) ?? 0 }
        XCTAssertEqual(violationsInMatrix, 22)

        // Every violation of the JSON run, by flow id (a 5-tuple reused later is two flows with one id).
        var expected: [String: Int] = [:]
        for v in violations { expected[v["flow_id"] as? String ?? "?", default: 0] += 1 }
        for (id, n) in expected {
            XCTAssertEqual(occurrences(of: "data-flow-id=\"\(id)\"", in: dom), n, "flow \(id)")
        }
        XCTAssertEqual(occurrences(of: "<tr class=\"violation\"", in: dom), 22)
        XCTAssertEqual(occurrences(of: "class=\"tl-flow\"", in: dom), 22, "timeline bars")
    }

    /// Section 5 in Chromium: every device the host rules flagged in the demonstration (captures/README.md,
    /// "Devices"), with its addresses grouped by zone; the verdict counts them beside the flows.
    func testReportShowsEveryFlaggedDeviceWithItsAddressesByZone() throws {
        let report = scratch.appendingPathComponent("report.html")
        _ = try replayDemo(report: report)
        let (dom, stderr, _) = try load(report, name: "devices")
        XCTAssertEqual(consoleLines(stderr), [], "console messages")
        guard let verdict = dom.range(of: "<section id=\"verdict\"[^>]*>", options: .regularExpression) else {
            return XCTFail("no verdict element in the DOM")
        }
        XCTAssertTrue(dom[verdict].contains("data-devices=\"5\""), String(dom[verdict]))
        XCTAssertTrue(dom[verdict.upperBound...].prefix(1500).contains("分離違反あり — 違反フロー 22 件・違反機器 5 件"))
        XCTAssertTrue(dom.contains("data-rule=\"dual-homed-host\" data-count=\"3\""))
        XCTAssertTrue(dom.contains("data-rule=\"zone-vlan-mismatch\" data-count=\"2\""))

        guard let start = dom.range(of: "<section id=\"devices\">"),
            let end = dom.range(of: "</section>", range: start.upperBound..<dom.endIndex)
        else { return XCTFail("no devices section in the DOM") }
        let section = String(dom[start.lowerBound..<end.upperBound])
        XCTAssertTrue(section.contains("5. 二つの系にまたがる機器・VLAN違い"), section)
        // The devices in the order their findings were raised, each with its rule and severity.
        let rows = section.matches(
            of: /<tr class="device" id="d(\d+)" data-rule="([a-z-]+)" data-mac="([0-9a-f:]+)" data-severity="([a-z]+)">/
        )
        .map { "\($0.1) \($0.2) \($0.3) \($0.4)" }
        XCTAssertEqual(
            rows,
            [
                "1 dual-homed-host 02:00:0a:14:03:21 high", "2 dual-homed-host 02:00:0a:0a:02:1f critical",
                "3 dual-homed-host 02:00:c0:a8:0b:63 high", "4 zone-vlan-mismatch 02:00:0a:1e:08:28 high",
                "5 zone-vlan-mismatch 02:00:0a:14:28:15 high",
            ])
        // The Mynumber PC on the LGWAN: its two Mynumber addresses under one zone, the LGWAN one under another.
        guard let d2 = section.range(of: "id=\"d2\""),
            let d2End = section.range(of: "</tr>", range: d2.upperBound..<section.endIndex)
        else { return XCTFail("no row d2") }
        let row = String(section[d2.upperBound..<d2End.lowerBound])
        XCTAssertEqual(occurrences(of: "class=\"device-zone\"", in: row), 2, row)
        XCTAssertTrue(
            row.contains(
                "<div class=\"device-zone\" data-zone=\"mynumber\">マイナンバー利用事務系<span class=\"zone\">mynumber</span>"
                    + "<div class=\"sub\"><span class=\"mono\">fd00:10::2:31</span> · VLAN 110 · 09:11:00 · nd</div>"
                    + "<div class=\"sub\"><span class=\"mono\">10.10.2.31</span> · VLAN 110 · 09:11:05 · ip</div></div>"
            ),
            row)
        XCTAssertTrue(row.contains("09:11:00 – 09:11:40"), "first seen – the finding: \(row)")
        // The router's MAC, present in nearly every routed frame, is nowhere in the section.
        XCTAssertFalse(section.contains("02:00:00:00:00:01"))
    }

    func testFirstPageScreenshot() throws {
        let report = scratch.appendingPathComponent("report.html")
        _ = try replayDemo(report: report)
        let png = scratch.appendingPathComponent("first-page.png")
        let outcome = try browse(report, ["--screenshot=\(png.path)", "--window-size=1240,1754"], name: "shot")
        XCTAssertEqual(outcome.status, 0, outcome.brief)
        let data = try Data(contentsOf: png)
        let bytes = [UInt8](data.prefix(24))
        XCTAssertEqual(Array(bytes.prefix(8)), [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], "PNG signature")
        func be32(_ at: Int) -> Int { bytes[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
        XCTAssertEqual(be32(16), 1240, "width")
        XCTAssertEqual(be32(20), 1754, "height")
        // A blank or error page compresses to a few kilobytes; the report's first page is text and colour.
        XCTAssertGreaterThan(data.count, 60_000)
    }

    /// The two detectors above can fail: a page that fetches and throws is caught by both.
    func testDetectorsCatchAPageThatFetchesOrThrows() throws {
        let page = scratch.appendingPathComponent("control.html")
        try Data(
            """
            <!DOCTYPE html><html><head><meta charset="utf-8"></head><body>
            <img src="http://report-control.invalid/pixel.png"><script>notDefined();</script></body></html>
            """.utf8
        ).write(to: page)
        let (_, stderr, netLog) = try load(page, name: "control")
        XCTAssertEqual(try pageRequests(netLog), ["http://report-control.invalid/pixel.png"])
        XCTAssertTrue(consoleLines(stderr).contains { $0.contains("notDefined") }, stderr)
    }

    func testReportCommandFromTheSavedRunGivesTheSameReport() throws {
        try checkReportCommandGivesTheSameReport()
    }

    /// With suppression, the flows folded into an earlier alert have no alert record of their own: their VLANs
    /// and initiator method come from the summary's violations, so the saved run's report still matches.
    func testReportCommandGivesTheSameReportWithSuppression() throws {
        try checkReportCommandGivesTheSameReport(options: ["--suppress-window", "1h"]) { run in
            XCTAssertTrue(run.contains("\"event_type\":\"alert_update\""), "the demonstration folds some flows")
        }
    }

    func checkReportCommandGivesTheSameReport(
        options: [String] = [], file: StaticString = #filePath, line: UInt = #line,
        checkRun: (String) -> Void = { _ in }
    ) throws {
        for format in ["html", "md", "csv"] {
            let live = scratch.appendingPathComponent("live.\(format)")
            let outcome = try replayDemo(report: live, format: format, options: options)
            checkRun(outcome.stdoutText)
            let saved = scratch.appendingPathComponent("run-\(format).jsonl")
            try outcome.stdout.write(to: saved)
            let again = scratch.appendingPathComponent("again.\(format)")
            let report = try Harness.run(
                zonesep,
                ["report", saved.path, "--config", "zones.conf", "-o", again.path, "--report-format", format],
                timeout: 60, in: root)
            XCTAssertEqual(report.status, 0, report.brief, file: file, line: line)
            XCTAssertEqual(
                try Data(contentsOf: again), try Data(contentsOf: live), "\(format): report ≠ replay --report",
                file: file, line: line)
        }
        // To standard output, and from standard input.
        let saved = scratch.appendingPathComponent("run-html.jsonl")
        let out = try Harness.run(
            URL(fileURLWithPath: "/bin/sh"),
            ["-c", "\"$0\" report - --config zones.conf < \"$1\"", zonesep.path, saved.path],
            timeout: 60, in: root)
        XCTAssertEqual(out.status, 0, out.brief, file: file, line: line)
        XCTAssertEqual(
            out.stdout, try Data(contentsOf: scratch.appendingPathComponent("live.html")), file: file, line: line)
    }

    /// An alert record that names its evidence file, and the evidence record with the file's SHA-256: the
    /// violation's row shows both.
    func testReportCommandShowsEvidenceFilesOfTheSavedRun() throws {
        let demo = scratch.appendingPathComponent("demo.html")
        var lines = try replayDemo(report: demo).stdoutText.split(separator: "\n").map(String.init)
        guard lines.count > 2, lines[0].hasSuffix("}") else { return XCTFail("no alert records") }
        let digest = String(repeating: "ab", count: 32)
        lines[0] = String(lines[0].dropLast()) + #","evidence":"evidence/first <flow>.pcap"}"#
        lines.insert(
            #"{"event_type":"evidence","file":"evidence/first <flow>.pcap","sha256":"\#(digest)"}"#,
            at: lines.count - 1)
        let saved = scratch.appendingPathComponent("with-evidence.jsonl")
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: saved)
        let out = scratch.appendingPathComponent("with-evidence.html")
        let run = try Harness.run(
            zonesep, ["report", saved.path, "--config", "zones.conf", "-o", out.path], timeout: 60,
            in: root)
        XCTAssertEqual(run.status, 0, run.brief)
        let html = try String(contentsOf: out, encoding: .utf8)
        XCTAssertTrue(html.contains("<span class=\"mono\">evidence/first &lt;flow&gt;.pcap</span>"))
        XCTAssertTrue(html.contains("SHA-256 \(digest)"))
        XCTAssertEqual(occurrences(of: "<td class=\"evidence\"><span class=\"mono\">", in: html), 1)
    }

    func testReportCommandNamesTheBadLineAndAMissingSummary() throws {
        func report(_ text: String, _ file: String) throws -> ProcessOutcome {
            let path = scratch.appendingPathComponent(file)
            try Data(text.utf8).write(to: path)
            return try Harness.run(
                zonesep,
                ["report", path.path, "--config", "zones.conf", "-o", scratch.appendingPathComponent("x.html").path],
                timeout: 60, in: root)
        }
        let alert = #"{"timestamp":"2026-06-14T23:30:00.000000Z","event_type":"alert","flow_id":"1:x"}"#
        let malformed = try report(alert + "\n{\"event_type\": \"summary\",\n", "malformed.jsonl")
        XCTAssertEqual(malformed.status, 2)
        XCTAssertTrue(malformed.stderrText.contains("malformed.jsonl:2: not a JSON record"), malformed.stderrText)

        let noSummary = try report(alert + "\n", "alerts-only.jsonl")
        XCTAssertEqual(noSummary.status, 2)
        XCTAssertTrue(noSummary.stderrText.contains("alerts-only.jsonl: no summary record"), noSummary.stderrText)

        let empty = try report("", "empty.jsonl")
        XCTAssertEqual(empty.status, 2)
        XCTAssertTrue(empty.stderrText.contains("empty.jsonl: no summary record"), empty.stderrText)

        // A summary from another zone map: the zone it names is not in this zones.conf.
        let demo = scratch.appendingPathComponent("demo.html")
        let run = try replayDemo(report: demo)
        let lines = run.stdoutText.split(separator: "\n")
        let foreign = lines.last.map { $0.replacingOccurrences(of: "\"lgwan-wan\"", with: "\"branch\"") } ?? ""
        let wrongMap = try report(foreign + "\n", "foreign.jsonl")
        XCTAssertEqual(wrongMap.status, 2)
        XCTAssertTrue(wrongMap.stderrText.contains("foreign.jsonl:1: matrix."), wrongMap.stderrText)
        XCTAssertTrue(wrongMap.stderrText.contains("zone 'branch' is not declared"), wrongMap.stderrText)
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch.appendingPathComponent("x.html").path))

        // --report into a directory that does not exist fails before the replay starts.
        let bad = try Harness.run(
            zonesep, ["replay", "--config", "zones.conf", "--report", "/nonexistent/dir/r.html", "captures/"],
            timeout: 60, in: root)
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderrText.contains("directory /nonexistent/dir does not exist"), bad.stderrText)
        XCTAssertEqual(bad.stdout.count, 0, "nothing replayed")
        let formatAlone = try Harness.run(
            zonesep, ["replay", "--config", "zones.conf", "--report-format", "md", "captures/"], timeout: 60, in: root)
        XCTAssertEqual(formatAlone.status, 2)
        XCTAssertTrue(formatAlone.stderrText.contains("--report-format needs --report FILE"), formatAlone.stderrText)
    }

    /// captures/report.html is what the binary writes for the demonstration, byte for byte.
    func testCommittedSampleIsCurrent() throws {
        let fresh = scratch.appendingPathComponent("report.html")
        _ = try replayDemo(report: fresh)
        let sample = root.appendingPathComponent("captures/report.html")
        XCTAssertEqual(
            try Data(contentsOf: fresh), try Data(contentsOf: sample),
            "captures/report.html is stale: regenerate it with "
                + "`zonesep replay --config zones.conf captures/ --report captures/report.html` (and captures/report.png)"
        )
    }
}
