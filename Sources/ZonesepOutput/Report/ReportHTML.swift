import ZonesepCore
import ZonesepCrypto

/// The audit report as one self-contained HTML file: inline CSS and SVG, one inline script pinned by its
/// hash, no fetches of any kind (its Content-Security-Policy forbids them), printable to A4.
///
/// Every string that comes from zones.conf, the capture or the command line passes through `HTMLEscape`.
public enum ReportHTML {
    /// `AuditReport.configNotFromRun`, marked as a limit of the report.
    static let configNotFromRun =
        "<strong>" + AuditReport.configNotFromRun + "</strong>"
    public static func render(_ r: AuditReport) -> String {
        var h = ""
        h.reserveCapacity(64 * 1024 + r.violations.count * 1200)
        head(r, &h)
        h += "<body>\n<main class=\"page\">\n"
        titleBlock(r, &h)
        verdict(r, &h)
        matrix(r, &h)
        h += ReportTimeline.section(r)
        violations(r, &h)
        devices(r, &h)
        hosts(r, &h)
        zoneMap(r, &h)
        scope(r, &h)
        limits(r, &h)
        footer(r, &h)
        h += "</main>\n</body>\n</html>\n"
        return h
    }

    static func e(_ s: String) -> String { HTMLEscape.text(s) }
    static func n<I: BinaryInteger>(_ v: I) -> String { ReportText.grouped(v) }

    /// `<h2>` with the Japanese title and its English subtitle.
    static func heading(_ number: Int, _ ja: String, _ en: String, id: String) -> String {
        "<h2 id=\"\(id)-title\">\(number). \(ja)<span class=\"en\">\(en)</span></h2>\n"
    }

    /// The span of the capture, e.g. `2026-06-15 08:30:00 – 09:29:00 JST`.
    static func span(_ r: AuditReport) -> String {
        guard let a = r.firstPacketMicros, let b = r.lastPacketMicros else { return "パケットなし / no packets" }
        let end = ReportText.jstDate(a) == ReportText.jstDate(b) ? ReportText.jstClock(b) : ReportText.jst(b)
        return "\(ReportText.jst(a)) – \(end) JST"
    }

    /// A packet time in a table: the clock time, with the date when the capture spans more than one JST day.
    static func when(_ r: AuditReport, _ t: Int64) -> String {
        let oneDay = r.firstPacketMicros.map(ReportText.jstDate) == r.lastPacketMicros.map(ReportText.jstDate)
        return oneDay ? ReportText.jstClock(t) : ReportText.jst(t)
    }

    static func zoneName(_ r: AuditReport, _ z: ZoneRef) -> String { r.policy.zoneMap.name(of: z) }

    static func severityChip(_ s: Severity) -> String {
        "<span class=\"sev \(s.rawValue)\">\(ReportText.severityTitle(s)) \(s.rawValue)</span>"
    }

    /// A column heading, Japanese with its English beside it; `num` right-aligns a column of counts.
    static func th(_ ja: String, _ en: String? = nil, num: Bool = false) -> String {
        "<th\(num ? " class=\"num\"" : "")>\(ja)\(en.map { " <span class=\"en\">\($0)</span>" } ?? "")</th>"
    }

    /// Opens a table and writes its heading row: `attributes` go on `<table>`, the body's rows follow, then
    /// `tableEnd`. Every table of the report with a heading row starts here, so they all have one shape.
    static func tableStart(_ attributes: String, _ columns: [String], _ h: inout String) {
        h += "<table \(attributes)>\n<thead><tr>"
        for c in columns { h += c }
        h += "</tr></thead>\n<tbody>\n"
    }

    static let tableEnd = "</tbody>\n</table>\n"

    /// What an empty list (no conduits, no anomalies, …) shows under its heading.
    static let none = "<p class=\"note\">なし <span class=\"en\">none</span></p>\n"

    // MARK: - Head

    static func head(_ r: AuditReport, _ h: inout String) {
        let scriptHash = Base64.encode(SHA256.digest(Array(ReportStyle.script.utf8)))
        let date = r.firstPacketMicros.map(ReportText.jstDate) ?? ""
        h += "<!DOCTYPE html>\n<html lang=\"ja\" data-report=\"zonesep-audit\">\n<head>\n<meta charset=\"utf-8\">\n"
        h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        h += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
        h += "script-src 'sha256-\(scriptHash)'; img-src data:; base-uri 'none'; form-action 'none'\">\n"
        // The binary that wrote this page: the run's judge is in the scope.
        let maker = r.provenance.reportMadeBy?.zonesepVersion ?? r.provenance.zonesepVersion
        h += "<meta name=\"generator\" content=\"zonesep \(e(maker))\">\n"
        h += "<title>ゾーン分離 監査報告書 — \(e(r.sensor)) \(e(date))</title>\n"
        h += "<script>\(ReportStyle.script)</script>\n"
        h += "<style>\n\(ReportStyle.css)\n</style>\n</head>\n"
    }

    // MARK: - Title and verdict

    static func titleBlock(_ r: AuditReport, _ h: inout String) {
        h += "<header class=\"title\">\n"
        h += "<p class=\"kicker\">三層の対策 ゾーン分離 監査報告書<span class=\"en\">Three-tier network separation — "
        h += "audit report</span></p>\n"
        h += "<h1>ゾーン分離の検証結果<span class=\"en\">Zone separation verified from captured traffic</span></h1>\n"
        h += "<dl class=\"facts\">\n"
        func fact(_ ja: String, _ en: String, _ v: String) {
            h += "<div><dt>\(ja) <span class=\"en\">\(en)</span></dt><dd>\(v)</dd></div>\n"
        }
        fact("センサー", "sensor", e(r.sensor))
        fact("取得期間", "capture", e(span(r)))
        // The capture files, not the other files of a directory, which the files table lists as skipped.
        fact("ファイル", "files", n(r.captureFileCount))
        fact("パケット", "packets", n(r.totals.packets))
        fact("フロー", "flows", n(r.totals.flows))
        fact(
            "zones.conf", "SHA-256",
            "<code title=\"\(e(r.provenance.configSHA256))\">"
                + e(String(r.provenance.configSHA256.prefix(16))) + "…</code>"
                + (r.provenance.configFromRun ? "" : " " + ReportHTML.configNotFromRun))
        h += "</dl>\n</header>\n"
    }

    /// The top reasons frames were not verified, escaped: "GRE protocol 0x880b: 1,204, …".
    /// The reasons frames were not verified, most first: the first page names the top three and how many
    /// more there are (`all`: §9, every one).
    static func coverageReasons(_ c: AuditReport.Coverage, all: Bool = false) -> String {
        let shown = all ? c.reasons[...] : c.reasons.prefix(3)
        let more = c.reasons.count - shown.count
        return shown.map { e($0.label) + ": " + n($0.frames) }.joined(separator: ", ")
            + (more > 0 ? ", ほか \(more) 件 and \(more) more (§9)" : "")
    }

    static func verdict(_ r: AuditReport, _ h: inout String) {
        // Every violating flow, with those the summary's list left out: the headline counts them all.
        let total = r.violatingFlows
        // Every host finding, with those the summary's list left out.
        let devices = r.deviceFindings
        // Tunnels whose own ends break the policy: each raised a flow alert of its outer flow.
        let tunnels = r.tunnelsBreakingPolicyCount
        let found = total > 0 || devices > 0 || tunnels > 0
        let state = found ? "violations" : "clean"
        h += heading(1, "判定", "Verdict", id: "verdict")
        let limitedClass = !found && r.isLimited ? " limited" : ""
        h += "<section id=\"verdict\" class=\"verdict \(state)\(limitedClass)\" data-verdict=\"\(state)\" "
        h += "data-violations=\"\(total)\" data-devices=\"\(devices)\" data-tunnels=\"\(tunnels)\" "
        h += "data-limited=\"\(r.isLimited)\">\n"
        h += "<div class=\"verdict-head\">\n"
        if found {
            h += "<svg width=\"54\" height=\"54\" viewBox=\"0 0 54 54\" role=\"img\" aria-label=\"violations\">"
            h += "<circle cx=\"27\" cy=\"27\" r=\"25\" fill=\"#b3261e\"/><path d=\"M17 17L37 37M37 17L17 37\" "
            h += "stroke=\"#fff\" stroke-width=\"6\" stroke-linecap=\"round\"/></svg>\n"
            h += "<div class=\"verdict-text\"><p class=\"verdict-title\">分離違反あり — 違反フロー \(n(total)) 件"
            if devices > 0 { h += "・違反機器 \(n(devices)) 件" }
            if tunnels > 0 { h += "・ポリシーに反するトンネル \(n(tunnels)) 件" }
            h += "</p>\n<p class=\"verdict-sub\">Separation violated: \(n(total)) violating "
            h += total == 1 ? "flow" : "flows"
            if devices > 0 {
                h += (tunnels > 0 ? ", " : " and ") + "\(n(devices)) device " + (devices == 1 ? "finding" : "findings")
                h += " (a device in two tiers, a host on another zone's VLAN)"
            }
            if tunnels > 0 {
                h += " and \(n(tunnels)) " + (tunnels == 1 ? "tunnel" : "tunnels")
                h += " whose own ends break the policy (a zone host's tunnel, whose contents were not judged)"
            }
            h += " in the captured traffic.</p>"
            if let c = r.coverage, c.unverified > 0 {
                h += "\n<p class=\"verdict-sub\">検証できたのはフレームの \(c.percent) % — only \(c.percent) % of "
                h += "\(n(c.frames)) frames could be verified; not verified: " + coverageReasons(c) + ".</p>"
            }
            h += "</div>\n"
        } else {
            h += "<svg width=\"54\" height=\"54\" viewBox=\"0 0 54 54\" role=\"img\" aria-label=\"clean\">"
            h += "<circle cx=\"27\" cy=\"27\" r=\"25\" fill=\"\(r.isLimited ? "#c98a00" : "#2e7d32")\"/>"
            h += "<path d=\"M15 28L24 37L40 19\" "
            h += "stroke=\"#fff\" stroke-width=\"6\" fill=\"none\" stroke-linecap=\"round\" "
            h += "stroke-linejoin=\"round\"/></svg>\n"
            if let c = r.coverage, c.unverified > 0 {
                h += "<div class=\"verdict-text\"><p class=\"verdict-title\">違反なし — ただし検証できたのはフレームの "
                h += "\(c.percent) %</p>\n"
                h += "<p class=\"verdict-sub\">No violation in the frames that could be verified — only \(c.percent) % "
                h += "of \(n(c.frames)) frames. Not verified: " + coverageReasons(c) + ".</p></div>\n"
            } else if r.noFlowJudged {
                // Not a flow was judged: saying the flows kept to the policy would be said of none.
                h += "<div class=\"verdict-text\"><p class=\"verdict-title\">違反なし — ただしIPフローがなく、"
                h += "分離の方針を確かめたフローはありません（§9）</p>\n"
            } else if r.isLimited {
                // Not an all-clear: the title says the audit was limited as plainly as the line below it.
                h += "<div class=\"verdict-text\"><p class=\"verdict-title\">違反なし — ただし監査に制約があります（§9）</p>\n"
            } else {
                h += "<div class=\"verdict-text\"><p class=\"verdict-title\">違反は検出されませんでした</p>\n"
            }
            h +=
                r.coverage.map { $0.unverified > 0 } ?? false
                ? ""
                : r.noFlowJudged
                    ? "<p class=\"verdict-sub\">No violation found — but no IP flow was seen in the \(n(r.totals.packets)) "
                        + "\(r.totals.packets == 1 ? "packet" : "packets") read, so the separation policy was not tested "
                        + "on a single flow (see the limits below).</p></div>\n"
                    : r.isLimited
                        ? (r.trafficUnverified
                            ? "<p class=\"verdict-sub\">No violation found in the traffic that could be verified — but "
                                + "not all of it could (see the limits below).</p></div>\n"
                            : "<p class=\"verdict-sub\">No violation found — but the audit is limited (see the limits "
                                + "below).</p></div>\n")
                        : "<p class=\"verdict-sub\">No violation found: every flow in the captured traffic kept to the "
                            + "separation policy.</p></div>\n"
        }
        h += "<div class=\"tally\">\n"
        for s in Severity.allCases {
            h += "<div class=\"\(s.rawValue)\"><b>\(n(r.count(s)))</b>\(ReportText.severityTitle(s)) "
            h += "<span class=\"en\">\(s.rawValue)</span></div>\n"
        }
        h += "</div>\n</div>\n"

        tableStart(
            "class=\"rules\" id=\"verdict-rules\"",
            [
                th("重大度", "severity"), th("規則", "rule"), th("違反フロー", "flows", num: true),
                th("どこで", "where (initiator → responder)"),
            ], &h)
        for rule in RuleID.allCases {
            let flows = r.violations(of: rule)
            var pairs: [(String, Int)] = []
            func tally(_ key: String, _ count: Int) {
                if let i = pairs.firstIndex(where: { $0.0 == key }) {
                    pairs[i].1 += count
                } else {
                    pairs.append((key, count))
                }
            }
            for f in flows { tally("\(zoneName(r, f.srcZone)) → \(zoneName(r, f.destZone))", 1) }
            // Those past the list's limit, by the zone pair the summary counted them under.
            for (g, count) in r.violationsOmittedBy.sorted where g.rule == rule {
                tally("\(zoneName(r, g.srcZone)) → \(zoneName(r, g.destZone))", Int(clamping: count))
            }
            let omitted = r.omittedFlows(of: rule)
            let total = UInt64(flows.count) &+ omitted
            h += "<tr class=\"\(total == 0 ? "zero" : "hit")\" data-rule=\"\(rule.name)\" "
            h += "data-count=\"\(total)\">"
            h += "<td>\(severityChip(rule.severity))</td>"
            h += "<td>\(ReportText.ruleTitle(rule))<div class=\"en\">\(e(ReportText.ruleEnglish(rule))) · "
            h += "<code>\(rule.name)</code></div></td>"
            h += "<td class=\"num\"><b>\(n(total))</b>" + notListedNote(omitted) + "</td>"
            h += "<td class=\"pairs\">"
            h += pairs.map { "\(e($0.0)) (\($0.1))" }.joined(separator: "<br>")
            h += "</td></tr>\n"
        }
        notListedRow(
            r.omittedFlowsOfNoKnownRule, "data-not-listed", "一覧にない違反フロー", "violating flows not listed", &h)
        for rule in HostRuleID.allCases {
            let found = r.devices(of: rule)
            var zones: [(String, Int)] = []
            for d in found {
                let key = Set(d.addresses.map { zoneName(r, $0.zone) }).sorted().joined(separator: " + ")
                if let i = zones.firstIndex(where: { $0.0 == key }) { zones[i].1 += 1 } else { zones.append((key, 1)) }
            }
            let omitted = r.omittedDevices(of: rule)
            let total = UInt64(found.count) &+ omitted
            let severity = r.severity(of: rule)
            h += "<tr class=\"\(total == 0 ? "zero" : "hit")\" data-rule=\"\(rule.name)\" "
            h += "data-count=\"\(total)\">"
            h += "<td>\(severityChip(severity))</td>"
            h += "<td>\(ReportText.ruleTitle(rule))<div class=\"en\">\(e(ReportText.ruleEnglish(rule))) · "
            h += "<code>\(rule.name)</code></div></td>"
            h += "<td class=\"num\"><b>\(n(total))</b><div class=\"sub\">機器 devices</div>" + notListedNote(omitted)
            h += "</td><td class=\"pairs\">"
            h += zones.map { "\(e($0.0)) (\($0.1))" }.joined(separator: "<br>")
            h += "</td></tr>\n"
        }
        notListedRow(
            r.omittedDevicesOfNoKnownRule, "data-not-listed-devices", "一覧にない機器の検出", "device findings not listed",
            unit: "機器 devices", &h)
        tunnelsRow(r, &h)
        h += tableEnd
        let evidenceLost = r.violationsWithEvidenceLost.count
        if evidenceLost > 0 {
            h += "<p class=\"limits-note\"><b>証拠の一部が失われました</b> — 違反フロー \(n(evidenceLost)) 件の証拠ファイルが"
            h += "不完全または作成されていません。<span class=\"en\">The evidence of \(n(evidenceLost)) violating "
            h += evidenceLost == 1 ? "flow is" : "flows is"
            h += " incomplete or missing</span> (§9)</p>\n"
        }
        if r.violationsOmitted > 0 {
            h += "<p class=\"limits-note not-listed\"><b>一覧にない違反フローがあります</b> — " + notListed(r) + " (§9)</p>\n"
        }
        if r.hostFindingsOmitted > 0 {
            h += "<p class=\"limits-note not-listed\"><b>一覧にない機器の検出があります</b> — " + devicesNotListed(r)
            h += " (§9)</p>\n"
        }
        if r.isLimited {
            // "Not verified" only when some traffic was: a gap or a note limits the audit, every frame verified.
            h +=
                r.trafficUnverified
                ? "<p class=\"limits-note\"><b>監査の制約があります</b> — 一部の通信は検証されていません。"
                    + "<span class=\"en\">The audit is limited: part of the traffic was not verified</span> "
                : "<p class=\"limits-note\"><b>監査の制約があります</b>。<span class=\"en\">The audit is limited</span> "
            let why = limitSummary(r)
            h += "(\(why.isEmpty ? "" : why + "; ")§9)</p>\n"
        }
        h += "</section>\n"
    }

    /// The rules table's row of the tunnels whose own ends break the policy (none when there are none): each
    /// raised an alert of its outer flow, so they count in the verdict; §9 lists them one by one.
    static func tunnelsRow(_ r: AuditReport, _ h: inout String) {
        let count = r.tunnelsBreakingPolicyCount
        guard count > 0 else { return }
        var pairs: [(String, Int)] = []
        for t in r.tunnelsBreakingPolicy {
            let key = "\(t.type) \(t.srcZone) → \(t.destZone) (\(t.rule.name))"
            if let i = pairs.firstIndex(where: { $0.0 == key }) { pairs[i].1 += 1 } else { pairs.append((key, 1)) }
        }
        h += "<tr class=\"hit\" data-rule=\"tunnel-ends\" data-count=\"\(count)\">"
        h += "<td>\(r.tunnelsSeverity.map(severityChip) ?? "")</td>"
        h += "<td>ポリシーに反するトンネル<div class=\"en\">A zone host's tunnel whose own ends break the policy · "
        h += "<code>tunnel_ends</code></div></td>"
        h +=
            "<td class=\"num\"><b>\(n(count))</b><div class=\"sub\">トンネル tunnels</div>"
            + notListedNote(r.tunnelsBreakingPolicyNotListed) + "</td>"
        h += "<td class=\"pairs\">" + pairs.map { "\(e($0.0)) (\($0.1))" }.joined(separator: "<br>") + "</td></tr>\n"
    }

    /// Under a rule's count in the rules table: how many of them the summary's list left out (none when 0).
    static func notListedNote(_ omitted: UInt64) -> String {
        omitted == 0
            ? ""
            : "<div class=\"sub not-listed\" data-not-listed=\"\(omitted)\">うち一覧外 \(n(omitted)) "
                + "<span class=\"en\">not listed</span></div>"
    }

    /// The rules table's row of `count` violating flows or device findings the summary's list left out of no
    /// known rule (a saved run from before the summary counted them by rule; none when it is 0): counted
    /// apart from every rule.
    static func notListedRow(
        _ count: UInt64, _ attribute: String, _ ja: String, _ en: String, unit: String? = nil, _ h: inout String
    ) {
        guard count > 0 else { return }
        h += "<tr class=\"hit not-listed\" \(attribute)=\"\(count)\">"
        h += "<td></td><td>\(ja)<div class=\"en\">\(en): their rules are not known from the list</div></td>"
        h += "<td class=\"num\"><b>\(n(count))</b>" + (unit.map { "<div class=\"sub\">\($0)</div>" } ?? "")
        h += "</td><td class=\"pairs\"></td></tr>\n"
    }

    /// What the summary's list left out, in both languages, and which counts include them: those by rule,
    /// severity and zone pair where the summary counted them so, never those by host or time.
    static func notListed(_ r: AuditReport) -> String {
        let listed = r.violations.count
        let byRule = r.omittedFlowsOfNoKnownRule == 0
        return "違反フロー \(n(r.violatingFlows)) 件のうち、一覧にあるのは先に終わった \(n(listed)) 件で、"
            + "残りの \(n(r.violationsOmitted)) 件は一覧の上限を超えたため一覧にありません。"
            + (byRule
                ? "規則・重大度・ゾーン別の数はそれらも数えますが、ホスト別の数と時系列は一覧にある違反フローだけを数えます。"
                : "規則・ゾーン・ホスト別の数は一覧にある違反フローだけを数えます。")
            + "<span class=\"en\">The list holds the first \(n(listed)) violating "
            + (listed == 1 ? "flow" : "flows") + " to end; \(n(r.violationsOmitted)) more "
            + (r.violationsOmitted == 1 ? "was" : "were") + " found but not listed (the list's limit): "
            + (byRule
                ? "the counts by rule, severity and zone pair include them; the counts by host and the timeline "
                    + "cover the listed flows only</span>"
                : "the counts by rule, zone pair and host cover the listed flows only</span>")
    }

    /// What the summary's list of host findings left out, in both languages.
    static func devicesNotListed(_ r: AuditReport) -> String {
        let listed = r.devices?.count ?? 0
        return "機器の検出 \(n(r.deviceFindings)) 件のうち、一覧にあるのは先に検出された \(n(listed)) 件で、"
            + "残りの \(n(r.hostFindingsOmitted)) 件は一覧の上限を超えたため一覧にありません。"
            + "<span class=\"en\">The list holds the first \(n(listed)) device "
            + (listed == 1 ? "finding" : "findings") + " raised; \(n(r.hostFindingsOmitted)) more "
            + (r.hostFindingsOmitted == 1 ? "was" : "were") + " raised but not listed (the list's limit)</span>"
    }

    /// §5's note on the untagged flows of zones that declare `vlans`, among tagged ones: `zone-vlan-mismatch`
    /// could not judge their hosts, named by zone.
    static func untaggedVLANFlows(_ r: AuditReport) -> String {
        let flows = r.vlanRuleUnjudgedFlows
        let zones = (r.coverage?.untaggedVLANFlows?.zones ?? []).map { z in
            let (label, id) = (ReportText.zoneLabel(z.zone, r.policy.zoneMap), zoneName(r, z.zone))
            return "\(e(label == id ? id : "\(label)（\(id)）")) \(n(z.flows))"
        }.joined(separator: "、")
        let en = (r.coverage?.untaggedVLANFlows?.zones ?? []).map { "\(e(zoneName(r, $0.zone))) \(n($0.flows))" }
            .joined(separator: ", ")
        return "VLANを宣言したゾーンのフロー \(n(flows)) 件にVLANタグがなく、その機器のVLAN違いは判定できませんでした"
            + "（\(zones)）。<span class=\"en\">\(n(flows)) of the \(n(r.totals.flows)) flows had an end in a zone "
            + "that declares VLANs and were untagged or VLAN 0 (\(en); a trunk's native VLAN, a port that strips tags): "
            + "<code>zone-vlan-mismatch</code>, which judges tagged frames only, could not check their hosts "
            + "against their zone's VLANs.</span>"
    }

    /// §5's note on the IP packets whose frame showed no source MAC: the host rules could not judge their
    /// senders, and judged nothing when no packet showed one.
    static func packetsWithoutMAC(_ r: AuditReport, _ noMAC: UInt64) -> String {
        let why = "no Ethernet header: a raw-IP capture or a bare-IP tunnel"
        if noMAC >= r.totals.ipPackets {
            return "IPパケット \(n(noMAC)) 件のどれにも送信元MACアドレスがなく、機器の判定はできませんでした。"
                + "<span class=\"en\">None of the \(n(noMAC)) IP packets showed a source MAC address (\(why)), so the "
                + "host rules judged nothing: a device in two tiers or on another zone's VLAN could not be seen.</span>"
        }
        return "送信元MACアドレスのないIPパケット \(n(noMAC)) 件は、機器の判定ができませんでした。"
            + "<span class=\"en\">\(n(noMAC)) of the \(n(r.totals.ipPackets)) IP packets showed no source MAC address "
            + "(\(why)), so the host rules could not judge their senders.</span>"
    }

    static func limitSummary(_ r: AuditReport) -> String {
        var parts: [String] = []
        if r.interrupted { parts.append("中断 interrupted") }
        if r.files.isEmpty || r.totals.packets == 0 { parts.append("パケットなし no packets") }
        if r.noFlowJudged { parts.append("IPフローなし no IP flow judged") }
        let partly = r.partlyReadFiles.count
        if r.unreadableFiles.count > partly {
            parts.append("読めないファイル \(r.unreadableFiles.count - partly) unreadable files")
        }
        if partly > 0 { parts.append("途中までのファイル \(partly) files read in part") }
        if r.flowTable.evicted > 0 { parts.append("追い出されたフロー \(n(r.flowTable.evicted)) evicted flows") }
        if let t = r.hostTable {
            if t.macsEvicted > 0 { parts.append("追い出されたMAC \(n(t.macsEvicted)) MACs evicted") }
            if t.addressesDropped > 0 { parts.append("保持しなかったアドレス \(n(t.addressesDropped)) addresses not kept") }
            if t.findingsForgotten > 0 {
                parts.append("忘れた機器の検出 \(n(t.findingsForgotten)) device findings forgotten")
            }
        }
        if let d = r.droppedPackets, d > 0 { parts.append("取りこぼし \(n(d)) dropped packets") }
        let blind = r.blindFiles.compactMap(\.capture)
        if !blind.isEmpty {
            // Wrapping sums: a saved run's counts are its own, and a report is never refused for adding them.
            let outages = blind.reduce(0) { $0 &+ $1.outageCount }
            let seconds = blind.reduce(0) { $0 &+ UInt64(clamping: $1.blindSeconds) }
            parts.append("取得の停止 \(n(outages)) capture outage\(outages == 1 ? "" : "s") (\(n(seconds)) s blind)")
        }
        let gapCount = UInt64(r.coverageGaps().count) + r.coverageGapsNotListed
        if gapCount > 0 { parts.append("取得の空白 \(n(gapCount)) gaps in coverage") }
        if let c = r.coverage, c.unverified > 0 {
            parts.append("検証できなかったフレーム \(n(c.unverified)) / \(n(c.frames)) frames not verified")
        }
        if let c = r.coverage, c.tunnelFlows > 0 {
            parts.append("開かれないトンネルのフロー \(n(c.tunnelFlows)) flows in tunnels not opened")
        }
        let tunnels = r.tunnelsBreakingPolicyCount
        if tunnels > 0 {
            parts.append("ポリシーに反するトンネル \(n(tunnels)) tunnel\(tunnels == 1 ? "" : "s") breaking the policy")
        }
        if let noMAC = r.coverage?.hostRulesNoMAC, noMAC > 0 {
            parts.append("MACのないIPパケット \(n(noMAC)) IP packets without a MAC (host rules)")
        }
        if r.vlanRuleBlind { parts.append("VLANタグなし no VLAN-tagged flow (zone-vlan-mismatch)") }
        if r.vlanRuleUnjudgedFlows > 0 {
            parts.append(
                "VLANタグのないフロー \(n(r.vlanRuleUnjudgedFlows)) untagged flows of zones with VLANs (zone-vlan-mismatch)")
        }
        if let c = r.coverage, c.flagsUnknown > 0 {
            parts.append("フラグなしで判定したTCPパケット \(n(c.flagsUnknown)) TCP packets judged without their flags")
        }
        if !r.notedFiles.isEmpty {
            parts.append("注記のあるファイル \(r.notedFiles.count) files with a note")
        }
        if r.conduitMACNotVerified > 0 {
            parts.append("MAC未検証のコンジット通信 \(n(r.conduitMACNotVerified)) conduit flows, MAC not verified")
        }
        if r.mapsReloaded > 0 {
            parts.append("設定の再読み込み \(n(UInt64(r.mapsReloaded))) zones.conf reloads (judged under more than one map)")
        }
        return parts.joined(separator: ", ")
    }

    // MARK: - Matrix

    /// Heat level 0...8 on a log2 scale, so a cell of 3 flows still shows beside one of 30,000.
    static func level(_ v: UInt64, max m: UInt64) -> Int {
        if v == 0 { return 0 }
        let bits = 64 - v.leadingZeroBitCount
        let top = 64 - Swift.max(m, 1).leadingZeroBitCount
        return top <= 1 ? 8 : 1 + (bits - 1) * 7 / (top - 1)
    }

    static func matrix(_ r: AuditReport, _ h: inout String) {
        h += "<section id=\"matrix\" class=\"matrix\">\n"
        h += heading(2, "ゾーン間の通信", "Zone-to-zone matrix", id: "matrix")
        h += "<p class=\"note\">行が送信元（フローは開始側）、列が宛先（フローは応答側）。赤枠は分離の方針が通信を制限する組合せ"
        h += "（連携経路・無害化経路・ゲートウェイ・例外措置で認めたものだけが許される）、赤い数字はそこでの違反フロー数。"
        h += "<span class=\"en\">Rows: source (initiator for flows); columns: destination (responder). Outlined cells "
        h += "are pairs the separation policy restricts; a red number counts the violating flows there.</span></p>\n"
        h += "<div class=\"matrices\">\n"
        heatmap(r, flows: true, &h)
        heatmap(r, flows: false, &h)
        h += "</div>\n"
        h += "<div class=\"legend\"><span>少 <span class=\"en\">few</span></span><span class=\"scale\">"
        for l in 1...8 { h += "<i class=\"h\(l)\" style=\"background:\(heatColor[l])\"></i>" }
        h += "</span><span>多 <span class=\"en\">many (log scale)</span></span>"
        h += "<span><i class=\"box solid\"></i>制限対象で通信あり <span class=\"en\">restricted, traffic crossed</span></span>"
        h += "<span><i class=\"box dashed\"></i>制限対象・通信なし <span class=\"en\">restricted, none seen</span></span>"
        h += "<span><span class=\"vbadge\" style=\"position:static\">3</span> 違反フロー "
        h += "<span class=\"en\">violating flows</span></span></div>\n"
        h += "</section>\n"
    }

    /// The legend's colours, the same as the `td.hN` rules of the stylesheet.
    static let heatColor = [
        "#f6f7f9", "#e3eef9", "#cfe1f2", "#b5d4e9", "#93c3df", "#6daed5", "#4b97c9", "#2f7ebc", "#1764ab",
    ]

    static func heatmap(_ r: AuditReport, flows: Bool, _ h: inout String) {
        let axis = r.matrixAxis
        let map = r.policy.zoneMap
        var top: UInt64 = 0
        for a in axis { for b in axis { top = max(top, flows ? r.cell(a, b).flows : r.cell(a, b).packets) } }
        let perCell = r.violationsByCell()
        let id = flows ? "matrix-flows" : "matrix-packets"
        h += "<table class=\"heatmap\" id=\"\(id)\" data-measure=\"\(flows ? "flows" : "packets")\">\n<caption>"
        h +=
            flows
            ? "フロー数（開始側 → 応答側）<span class=\"en\">flows, initiator → responder</span>"
            : "パケット数（送信元 → 宛先）<span class=\"en\">IP packets, source → destination</span>"
        h += "</caption>\n<thead><tr><th class=\"corner\">\(flows ? "開始側＼応答側" : "送信元＼宛先")</th>"
        for b in axis {
            h += "<th scope=\"col\" title=\"\(e(ReportText.zoneLabel(b, map)))\">\(e(map.name(of: b)))</th>"
        }
        h += "</tr></thead>\n<tbody>\n"
        for a in axis {
            h += "<tr><th scope=\"row\">\(e(ReportText.zoneLabel(a, map)))<small>\(e(map.name(of: a)))</small></th>"
            for b in axis {
                let c = r.cell(a, b)
                let v = flows ? c.flows : c.packets
                let restricted = r.policy.restricts(a, b)
                let bad = flows ? perCell[r.matrix.index(a) * r.matrix.side + r.matrix.index(b)] : 0
                var cls = "h\(level(v, max: top))"
                if restricted { cls += " restricted" }
                if restricted && v > 0 { cls += " crossed" }
                var title = "\(map.name(of: a)) → \(map.name(of: b)): "
                title += flows ? "\(n(c.flows)) flows" : "\(n(c.packets)) packets, \(n(c.bytes)) bytes"
                if restricted { title += "; restricted" }
                if bad > 0 { title += "; \(bad) violating" }
                h += "<td class=\"\(cls)\" data-from=\"\(e(map.name(of: a)))\" data-to=\"\(e(map.name(of: b)))\" "
                h += "data-restricted=\"\(restricted)\" data-value=\"\(v)\""
                if flows { h += " data-violations=\"\(bad)\"" }
                h += " title=\"\(e(title))\">"
                h += v == 0 ? "·" : n(v)
                if bad > 0 { h += "<span class=\"vbadge\">\(bad)</span>" }
                h += "</td>"
            }
            h += "</tr>\n"
        }
        h += tableEnd
    }

    // MARK: - Violations and hosts

    static func violations(_ r: AuditReport, _ h: inout String) {
        h += "<section id=\"violations\">\n"
        h += heading(4, "違反フロー（規則別）", "Violating flows, by rule", id: "violations")
        if r.violations.isEmpty {
            h += "<p>違反フローはありません。<span class=\"en\">No violating flows.</span></p>\n</section>\n"
            return
        }
        if r.violationsOmitted > 0 { h += "<p class=\"limits-note not-listed\">" + notListed(r) + "</p>\n" }
        h += "<p class=\"note\">開始側は通信を始めた側（TCPのSYNの送信元など）。時刻はJST、パケット数・バイト数は双方向の合計。"
        h += "<span class=\"en\">The initiator started the flow; times are JST; packets and bytes count both "
        h += "directions.</span></p>\n"
        for rule in RuleID.allCases {
            let flows = r.violations(of: rule)
            if flows.isEmpty { continue }
            h += "<h3 id=\"rule-\(rule.name)\">\(severityChip(rule.severity)) \(ReportText.ruleTitle(rule)) "
            h += "<code>\(rule.name)</code> — \(n(flows.count)) 件<span class=\"en\">\(e(ReportText.ruleEnglish(rule)))"
            h += "</span></h3>\n"
            tableStart(
                "class=\"grid violations\" data-rule=\"\(rule.name)\"",
                [
                    th("No.", num: true), th("開始側 → 応答側", "initiator → responder"), th("サービス", "service"),
                    th("初回 – 最終", "first – last seen"), th("パケット", "packets", num: true),
                    th("バイト", "bytes", num: true), th("証拠", "evidence"),
                ], &h)
            for v in flows {
                h += "<tr class=\"violation\" id=\"v\(v.number)\" data-flow-id=\"\(e(v.flowID))\" "
                h += "data-rule=\"\(rule.name)\">"
                h += "<td class=\"num\">\(v.number)</td>"
                h += "<td><span class=\"mono\">\(e(v.srcEndpoint))</span>"
                h += "<span class=\"zone\">\(e(zoneName(r, v.srcZone)))</span><span class=\"arrow\">→</span>"
                h += "<span class=\"mono\">\(e(v.destEndpoint))</span>"
                h += "<span class=\"zone\">\(e(zoneName(r, v.destZone)))</span>"
                h += "<div class=\"flowid\">flow_id \(e(v.flowID))</div></td>"
                h += "<td class=\"mono\">\(e(v.service))"
                if !v.vlan.isEmpty {
                    h += "<div class=\"sub\">VLAN \(v.vlan.map(String.init).joined(separator: "/"))</div>"
                }
                h += "</td>"
                let first = when(r, v.firstSeenMicros)
                let last = when(r, v.lastSeenMicros)
                h += first == last ? "<td>\(e(first))" : "<td>\(e(first)) – \(e(last))"
                h += "<div class=\"sub\">\(e(ReportText.duration(v.lastSeenMicros - v.firstSeenMicros))) · \(e(v.end))"
                if let m = v.initiatorMethod { h += " · \(e(m))" }
                h += "</div></td>"
                h += "<td class=\"num\">\(n(v.packets))</td><td class=\"num\">\(n(v.bytes))</td>"
                if let ev = v.evidence, let path = ev.path {
                    h += "<td class=\"evidence\"><span class=\"mono\">\(e(path))</span>"
                    // A file without a hash was not written whole (a full disk): the report does not vouch for it.
                    if let d = ev.sha256 {
                        h += "<div class=\"flowid\">SHA-256 \(e(d))</div>"
                        if ev.leftOut > 0 {
                            h += "<div class=\"sub\">一部のみ (\(e(ReportText.partial(ev.leftOut))))</div>"
                        }
                    } else if ev.state == .kept {
                        h += "<div class=\"sub\">前回の実行のファイルを保持 (\(e(ReportText.keptEarlier)))</div>"
                    } else {
                        h += "<div class=\"sub\">ハッシュなし・不完全の可能性 (\(ReportText.noHash))</div>"
                    }
                    h += "</td></tr>\n"
                } else if let ev = v.evidence {
                    // Asked for and lost (a full disk, the evidence limits): not the same as never asked for.
                    h += "<td class=\"evidence\"><span class=\"badge bad\">証拠なし no file</span>"
                    h += "<div class=\"sub\">\(e(ev.error ?? ""))</div></td></tr>\n"
                } else {
                    h += "<td class=\"evidence\"><span class=\"sub\">—</span></td></tr>\n"
                }
            }
            h += tableEnd
        }
        h += "</section>\n"
    }

    /// The host rules' findings: each device with its addresses grouped by zone, when each was first seen
    /// and what showed it, and the packet that completed the finding.
    static func devices(_ r: AuditReport, _ h: inout String) {
        h += "<section id=\"devices\">\n"
        h += heading(
            5, "二つの系にまたがる機器・VLAN違い", "Devices: dual-homed hosts and hosts on another zone's VLAN", id: "devices")
        guard let devices = r.devices else {
            h += "<p>この記録には機器の判定が含まれていません。<span class=\"en\">This saved run predates the host rules: "
            h += "no device findings were recorded.</span></p>\n</section>\n"
            return
        }
        if r.hostFindingsOmitted > 0 { h += "<p class=\"limits-note not-listed\">" + devicesNotListed(r) + "</p>\n" }
        let noMAC = r.coverage?.hostRulesNoMAC ?? 0
        if noMAC > 0 { h += "<p class=\"limits-note no-mac\">" + packetsWithoutMAC(r, noMAC) + "</p>\n" }
        if r.vlanRuleBlind {
            h += "<p class=\"limits-note no-vlan\">VLANタグの付いたフローがなく、VLAN違いは判定できませんでした。"
            h += "<span class=\"en\">Zones declare VLANs, but no flow carried a VLAN tag (a mirror that strips the "
            h += "tags, an access port): <code>zone-vlan-mismatch</code>, which judges tagged frames only, could not "
            h += "judge any host.</span></p>\n"
        }
        if r.vlanRuleUnjudgedFlows > 0 {
            h += "<p class=\"limits-note untagged-vlan\">" + untaggedVLANFlows(r) + "</p>\n"
        }
        if devices.isEmpty && r.hostFindingsOmitted == 0 {
            // No packet showed a MAC: the note says the host rules judged nothing, and no all-clear follows.
            // No frame tagged: the all-clear says nothing of VLANs; some flows of their zones untagged: it says
            // it of the tagged frames.
            let vlans =
                r.vlanRuleBlind
                ? ""
                : r.vlanRuleUnjudgedFlows > 0
                    ? " or, in a tagged frame, on another zone's VLAN" : " or on another zone's VLAN"
            if noMAC == 0 || noMAC < r.totals.ipPackets {
                h +=
                    noMAC == 0
                    ? "<p>該当する機器はありません。<span class=\"en\">No device stood in two tiers\(vlans).</span></p>\n"
                    : "<p>MACアドレスの見えたパケットでは、該当する機器はありません。<span class=\"en\">Among the packets "
                        + "that showed a MAC address, no device stood in two tiers\(vlans).</span></p>\n"
            }
            h += "</section>\n"
            return
        }
        h += "<p class=\"note\">MACアドレスごとの判定。宣言済みルータ（[[routers]]）は対象外。時刻はJST、初回は各アドレスを最初に見た時刻。"
        h += "<span class=\"en\">Judged per MAC address; declared routers are exempt. Times are JST; each address "
        h += "shows when it was first seen on the device and what showed it (ip, arp, nd).</span></p>\n"
        tableStart(
            "class=\"grid devices\" id=\"devices-table\"",
            [
                th("No.", num: true), th("規則", "rule"), th("機器", "device (MAC)"),
                th("ゾーン別のアドレス", "addresses by zone"), th("初回 – 検出", "first seen – finding"),
            ], &h)
        for d in devices {
            h += "<tr class=\"device\" id=\"d\(d.number)\" data-rule=\"\(d.rule.name)\" data-mac=\"\(e(d.mac))\" "
            h += "data-severity=\"\(d.severity.rawValue)\">"
            h += "<td class=\"num\">\(d.number)</td>"
            h += "<td>\(severityChip(d.severity)) \(ReportText.ruleTitle(d.rule))<div class=\"en\"><code>"
            h += "\(d.rule.name)</code></div></td>"
            h += "<td class=\"mono\">\(e(d.mac))</td><td>"
            var zones: [ZoneRef] = []
            for a in d.addresses where !zones.contains(a.zone) { zones.append(a.zone) }
            for z in zones {
                h += "<div class=\"device-zone\" data-zone=\"\(e(zoneName(r, z)))\">"
                h += "\(e(ReportText.zoneLabel(z, r.policy.zoneMap)))<span class=\"zone\">\(e(zoneName(r, z)))</span>"
                for a in d.addresses where a.zone == z {
                    h += "<div class=\"sub\"><span class=\"mono\">\(e(a.ip.description))</span>"
                    h +=
                        a.vlan.isEmpty
                        ? " · VLANなし untagged" : " · VLAN \(a.vlan.map(String.init).joined(separator: "/"))"
                    if let t = a.firstSeenMicros { h += " · \(e(when(r, t)))" }
                    if let by = a.seenBy { h += " · \(e(by))" }
                    h += "</div>"
                }
                h += "</div>"
            }
            h += "</td><td>\(e(when(r, d.firstSeenMicros))) – \(e(when(r, d.timestampMicros)))"
            h += "<div class=\"sub\">検出 finding: <span class=\"mono\">\(e(d.ip.description))</span>"
            if !d.vlan.isEmpty { h += " VLAN \(d.vlan.map(String.init).joined(separator: "/"))" }
            h += "</div></td></tr>\n"
        }
        h += tableEnd + "</section>\n"
    }

    static func hosts(_ r: AuditReport, _ h: inout String) {
        let hosts = r.offendingHosts()
        h += "<section id=\"hosts\">\n"
        h += heading(6, "違反の多いホスト", "Top offending hosts (initiators of violating flows)", id: "hosts")
        if hosts.isEmpty {
            h += "<p>該当なし。<span class=\"en\">None.</span></p>\n</section>\n"
            return
        }
        tableStart(
            "class=\"grid\" id=\"hosts-table\"",
            [
                th("ホスト", "host"), th("ゾーン", "zone"), th("違反フロー", "flows", num: true),
                th("相手", "responders", num: true), th("パケット", "packets", num: true),
                th("バイト", "bytes", num: true), th("規則", "rules"),
            ], &h)
        for x in hosts {
            h += "<tr><td class=\"mono\">\(e(x.address.description))</td>"
            h += "<td>\(e(ReportText.zoneLabel(x.zone, r.policy.zoneMap)))<span class=\"zone\">"
            h += "\(e(zoneName(r, x.zone)))</span></td>"
            h += "<td class=\"num\">\(n(x.flows))</td><td class=\"num\">\(n(x.responders))</td>"
            h += "<td class=\"num\">\(n(x.packets))</td><td class=\"num\">\(n(x.bytes))</td><td>"
            h += x.rules.map { "<code>\($0.name)</code>" }.joined(separator: " ")
            h += "</td></tr>\n"
        }
        h += tableEnd + "</section>\n"
    }

    // MARK: - Zone map

    static func zoneMap(_ r: AuditReport, _ h: inout String) {
        let c = r.policy.config
        h += "<section id=\"zonemap\" class=\"zonemap\">\n"
        h += heading(7, "ゾーン構成（zones.conf）", "Zone map and declared paths", id: "zonemap")
        h += "<h3>ゾーン<span class=\"en\">Zones</span></h3>\n"
        tableStart(
            "class=\"grid\" id=\"zones-table\"",
            [th("ゾーン", "zone"), th("種別", "kind"), th("名称", "label"), th("ネットワーク", "networks")], &h)
        for z in c.zones {
            h += "<tr><td><code>\(e(z.id))</code></td><td><span class=\"kind \(z.kind.rawValue)\">"
            h += "\(ReportText.kindTitle(z.kind))</span> <span class=\"sub\">\(z.kind.rawValue)</span></td>"
            h += "<td>\(e(z.label))</td><td class=\"mono\">\(e(ReportText.prefixes(z.networks)))</td></tr>\n"
        }
        h += tableEnd
        h += "<p class=\"note\">内部アドレス空間（どのゾーンにも属さなければ未登録ホスト）<span class=\"en\">internal space "
        h +=
            "(an address here in no zone is unzoned)</span>: <span class=\"mono\">\(e(ReportText.prefixes(c.internal)))"
        h += "</span></p>\n"

        h += "<h3>連携経路<span class=\"en\">Conduits (the only links out of a mynumber zone)</span></h3>\n"
        if c.conduits.isEmpty {
            h += none
        } else {
            tableStart(
                "class=\"grid\"", [th("名前", "name"), th("開始側", "from"), th("応答側", "to"), th("ポート", "ports")],
                &h)
            for x in c.conduits {
                h += "<tr><td>\(e(x.name))</td><td class=\"mono\">\(e(ReportText.prefixes(x.from)))"
                if let m = x.fromMAC { h += "<div class=\"sub\">MAC \(e(m.description))</div>" }
                h += "</td><td class=\"mono\">\(e(ReportText.prefixes(x.to)))"
                if let m = x.toMAC { h += "<div class=\"sub\">MAC \(e(m.description))</div>" }
                h += "</td><td class=\"mono\">\(e(ReportText.ports(x.ports)))</td></tr>\n"
            }
            h += tableEnd
        }

        h += "<h3>無害化経路<span class=\"en\">Sanitisation paths (LGWAN ↔ Internet)</span></h3>\n"
        if c.sanitisation.isEmpty {
            h += none
        } else {
            tableStart(
                "class=\"grid\"",
                [th("名前", "name"), th("方式", "method"), th("開始側", "from"), th("応答側", "to"), th("ポート", "ports")],
                &h)
            for x in c.sanitisation {
                h += "<tr><td>\(e(x.name))</td><td>\(ReportText.methodTitle(x.method)) "
                h += "<span class=\"sub\">\(x.method.rawValue)</span></td>"
                h += "<td class=\"mono\">\(e(ReportText.prefixes(x.from)))</td>"
                h += "<td class=\"mono\">\(e(ReportText.prefixes(x.to)))</td>"
                h += "<td class=\"mono\">\(e(ReportText.ports(x.ports)))</td></tr>\n"
            }
            h += tableEnd
        }

        h += "<h3>自治体情報セキュリティクラウド<span class=\"en\">Gateways (the security cloud)</span></h3>\n"
        if c.gateways.isEmpty {
            h += "<p class=\"note\">宣言なし: security-cloud-bypass は検査されません。<span class=\"en\">None declared: "
            h += "security-cloud-bypass is not checked.</span></p>\n"
        } else {
            tableStart("class=\"grid\"", [th("名前", "name"), th("アドレス", "addresses")], &h)
            for g in c.gateways {
                h += "<tr><td>\(e(g.name))</td><td class=\"mono\">\(e(ReportText.prefixes(g.addresses)))</td></tr>\n"
            }
            h += tableEnd
        }

        h += "<h3>例外措置<span class=\"en\">Exceptions approved by the CISO</span></h3>\n"
        if c.exceptions.isEmpty {
            h += none
        } else {
            h += exceptionsAsOf(r)
            tableStart(
                "class=\"grid\" id=\"exceptions-table\"",
                [
                    th("名前", "name"), th("開始側", "from"), th("応答側", "to"), th("ポート", "ports"),
                    th("承認", "approved"), th("期限", "expires"), th("状態", "status"),
                ], &h)
            for x in c.exceptions {
                let st = r.status(of: x)
                let (ja, en) = ReportText.exceptionStatus(st)
                let cls = st == .valid ? "good" : st == .unknown ? "warn" : "bad"
                h += "<tr data-exception-status=\"\(en)\"><td>\(e(x.name))</td>"
                h += "<td class=\"mono\">\(e(ReportText.prefixes(x.from)))</td>"
                h += "<td class=\"mono\">\(e(ReportText.prefixes(x.to)))</td>"
                h += "<td class=\"mono\">\(e(ReportText.ports(x.ports)))</td><td>\(e(x.approved))</td>"
                h += "<td>\(e(x.expiresText))<div class=\"sub\">through \(e(ReportText.jst(x.expiresAtMicros - 1))) JST"
                h += "</div></td><td><span class=\"badge \(cls)\">\(ja)</span> <span class=\"sub\">\(en)</span></td>"
                h += "</tr>\n"
            }
            h += tableEnd
        }
        declarationUse(r, &h)
        h += "</section>\n"
    }

    /// The note above the exceptions: the instant their status is of (the summary's, the last packet read),
    /// and, when packets stamped far ahead were set aside, that the capture span's end is not that instant.
    static func exceptionsAsOf(_ r: AuditReport) -> String {
        guard let at = r.exceptionsAsOfMicros else {
            return "<p class=\"note\">状態は取得期間に対するもの。<span class=\"en\">Status as of the capture, not "
                + "of today.</span></p>\n"
        }
        var h = "<p class=\"note\" id=\"exceptions-as-of\">状態は最後に読んだパケットの時刻（\(e(ReportText.jst(at))) JST）"
        h += "に対するもの。<span class=\"en\">Status as of the last packet read (\(e(Timestamp.rfc3339(at)))), "
        h += "as in the run's summary, not of today."
        if let jumps = r.coverage?.timeJumpsIgnored, jumps > 0 {
            h += " \(n(jumps)) \(jumps == 1 ? "packet was" : "packets were") stamped far ahead of the packets "
            h += "around \(jumps == 1 ? "it" : "them") (a timestamp glitch, §9): the capture span may end later, "
            h += "but the exceptions are not judged at \(jumps == 1 ? "that time" : "those times")."
        }
        return h + "</span></p>\n"
    }

    /// What each declaration allowed in the run: unused ones and exceptions near or past expiry marked for
    /// the review the policy asks for (対策基準: exceptions are withdrawn when no longer needed).
    static func declarationUse(_ r: AuditReport, _ h: inout String) {
        h += "<h3>宣言の利用状況<span class=\"en\">What each declaration allowed in this run</span></h3>\n"
        guard let ds = r.declarations else {
            h += "<p class=\"note\">記録なし <span class=\"en\">not recorded in this saved run</span></p>\n"
            return
        }
        if ds.isEmpty {
            h += "<p class=\"note\">宣言なし <span class=\"en\">no declarations</span></p>\n"
            return
        }
        let last = r.exceptionsAsOfMicros
        tableStart(
            "class=\"grid\" id=\"declarations-table\"",
            [
                th("種類", "type"), th("名前", "name"), th("フロー", "flows", num: true),
                th("パケット", "packets", num: true), th("バイト", "bytes", num: true), th("最初", "first use"),
                th("最後", "last use"), th("見直し", "review"),
            ], &h)
        for d in ds {
            var badges: [String] = []
            if d.unused { badges.append("<span class=\"badge warn\">未使用</span> <span class=\"sub\">unused</span>") }
            if d.expiryUnjudged(at: last) {
                badges.append("<span class=\"sub\">期限未判定（パケットなし） expiry not judged (no packet time)</span>")
            }
            if d.expiring(at: last) {
                badges.append("<span class=\"badge warn\">期限間近</span> <span class=\"sub\">expiring</span>")
            }
            if d.expired(at: last) {
                badges.append("<span class=\"badge bad\">期限切れ</span> <span class=\"sub\">expired</span>")
            }
            if d.flowsAfterExpiry > 0 {
                badges.append("<span class=\"sub\">期限後の要求 \(n(d.flowsAfterExpiry)) flows after expiry</span>")
            }
            if d.tunnelFlows > 0 {
                badges.append(
                    "<span class=\"sub\">トンネルの端点を許可（内側のフロー \(n(d.tunnelFlows)) 件） allowed tunnel ends "
                        + "(\(n(d.tunnelFlows)) \(d.tunnelFlows == 1 ? "flow" : "flows") inside)</span>")
            }
            h += "<tr data-declaration=\"\(e(d.kind.name))\"><td>\(e(d.kind.name))</td><td>\(e(d.name))</td>"
            h += "<td class=\"num\">\(n(d.flows))</td><td class=\"num\">\(n(d.packets))</td>"
            h += "<td class=\"num\">\(n(d.bytes))</td>"
            h += "<td>\(d.firstSeenMicros.map { e(ReportText.jst($0)) } ?? "-")</td>"
            h += "<td>\(d.lastSeenMicros.map { e(ReportText.jst($0)) } ?? "-")</td>"
            h += "<td>\(badges.joined(separator: " "))</td></tr>\n"
        }
        h += tableEnd
        h += "<p class=\"note\">時刻は日本時間。期限間近: 最後のパケットから30日以内に期限。<span class=\"en\">Times in JST. "
        h += "Expiring: expires within 30 days of the last packet.</span></p>\n"
    }

    // MARK: - Scope and limits

    static func scope(_ r: AuditReport, _ h: inout String) {
        let p = r.provenance
        h += "<section id=\"scope\" class=\"scope\">\n"
        h += heading(8, "監査範囲", "Scope", id: "scope")
        h += "<table class=\"grid\" id=\"scope-table\">\n<tbody>\n"
        func row(_ ja: String, _ en: String, _ v: String) {
            h += "<tr><th>\(ja) <span class=\"en\">\(en)</span></th><td>\(v)</td></tr>\n"
        }
        row("センサー", "sensor", e(r.sensor))
        row("取得期間", "capture span", e(span(r)))
        if let a = r.firstPacketMicros, let b = r.lastPacketMicros {
            row("", "UTC", "<span class=\"mono\">\(Timestamp.rfc3339(a)) – \(Timestamp.rfc3339(b))</span>")
        }
        row(
            "パケット", "packets",
            "\(n(r.totals.packets)) (IP \(n(r.totals.ipPackets)), non-IP \(n(r.totals.nonIPPackets)))")
        row("バイト", "bytes", n(r.totals.bytes))
        row("フロー", "flows", n(r.totals.flows))
        row("zones.conf", "path", "<span class=\"mono\">\(e(p.configPath))</span>")
        row(
            "zones.conf", "SHA-256",
            "<span class=\"mono\" id=\"config-sha256\">\(e(p.configSHA256))</span>"
                + (p.configFromRun ? "" : " " + ReportHTML.configNotFromRun))
        row("zonesep", "version", "<span id=\"run-zonesep-version\">\(e(p.zonesepVersion))</span>")
        row("libpcap", "version", e(p.libpcapVersion))
        if let m = p.reportMadeBy {
            row("報告書の作成", "report made by", e("zonesep \(m.zonesepVersion) · \(m.libpcapVersion)"))
        }
        h += tableEnd

        h += "<h3>取得ファイル<span class=\"en\">Capture files, in replay order</span></h3>\n"
        tableStart(
            "class=\"grid\" id=\"files-table\"",
            [
                th("ファイル", "file"), th("リンク種別", "link type"), th("パケット", "packets", num: true),
                th("取りこぼし", "dropped", num: true), th("期間 (JST)", "time span"), th("状態", "status"),
            ], &h)
        for f in r.files {
            h += "<tr><td class=\"mono\">\(e(f.path))</td><td>\(e(f.linkType ?? "—"))</td>"
            h += "<td class=\"num\">\(n(f.packets))</td><td class=\"num\">\(fileDrops(r.drops(of: f)))</td><td>"
            if let a = f.firstPacketMicros, let b = f.lastPacketMicros {
                h += "\(e(ReportText.jst(a))) – \(e(when(r, b)))"
            } else {
                h += "—"
            }
            h += "</td><td>"
            h +=
                f.error.map {
                    f.packets > 0
                        ? "<span class=\"badge bad\">途中まで read in part</span> \(e($0))"
                        : "<span class=\"badge bad\">読めず unreadable</span> \(e($0))"
                }
                ?? f.skipped.map { "<span class=\"badge\">対象外 skipped</span> \(e($0))" }
                ?? f.capture?.status.map { "<span class=\"badge bad\">停止あり outages</span> \(e($0))" }
                ?? f.note.map { "<span class=\"badge warn\">注記 note</span> \(e($0))" }
                ?? "<span class=\"badge good\">ok</span>"
            h += "</td></tr>\n"
        }
        if r.files.isEmpty { h += "<tr><td colspan=\"6\">なし <span class=\"en\">none</span></td></tr>\n" }
        h += tableEnd + "</section>\n"
    }

    /// A file's drops in the files table: what it records, and "unknown" for what it does not.
    static func fileDrops(_ d: AuditReport.FileDrops) -> String {
        let unknown = "不明 <span class=\"en\">unknown</span>"
        switch d {
        case .notApplicable: return "—"
        case .unknown: return unknown
        case .recorded(let count, 0): return n(count)
        case .recorded(let count, let interfaces):
            return "\(n(count)) + 不明 <span class=\"en\">unknown (\(n(interfaces)) "
                + "\(interfaces == 1 ? "interface" : "interfaces") unrecorded)</span>"
        }
    }

    /// The dropped-packets row's note on what the files' own statistics leave unknown: files that record no
    /// drops, and files that record them for some interfaces only.
    static func unknownDrops(_ r: AuditReport) -> String {
        let partly = r.filesPartlyRecordingDrops
        let none = max(r.droppedUnknownFiles - partly.count, 0)
        let records = none == 1 ? "records" : "record"
        guard !partly.isEmpty else {
            return none == 0
                ? ""
                : "; \(n(none)) of the files \(records) no drops: what \(none == 1 ? "it" : "they") lost is unknown "
                    + "and not in this count"
        }
        let interfaces = partly.reduce(0) { $0 &+ $1.droppedUnknownInterfaces }
        return "; " + (none > 0 ? "\(n(none)) of the files \(records) no drops, and " : "")
            + "in \(n(partly.count)) of the files, \(n(interfaces)) "
            + "\(interfaces == 1 ? "interface records" : "interfaces record") no drops beside others that do: "
            + "what \(none == 0 && interfaces == 1 ? "it" : "they") lost is unknown and not in this count"
    }

    /// The files that record drops for some interfaces only, each with how many of its interfaces record none.
    static func partlyRecordingFiles(_ r: AuditReport) -> String {
        r.filesPartlyRecordingDrops.map {
            "<div class=\"mono\">\(e($0.path)): \(n($0.droppedUnknownInterfaces)) of its interfaces "
                + "\($0.droppedUnknownInterfaces == 1 ? "records" : "record") no drops</div>"
        }.joined()
    }

    /// §9's row of the tunnels whose own ends break the policy, each with its ends and the rule, when any.
    static func tunnelsBreakingPolicy(
        _ r: AuditReport, _ row: (String, String, String, Bool, String) -> Void
    ) {
        let count = r.tunnelsBreakingPolicyCount
        guard count > 0 else { return }
        row(
            "ポリシーに反するトンネル", "tunnels breaking the policy", n(count), false,
            r.tunnelsBreakingPolicy.map {
                "<div><span class=\"mono\">\(e($0.type)) \(e($0.srcText)) (\(e($0.srcZone))) → "
                    + "\(e($0.destText)) (\(e($0.destZone)))</span> \(e($0.rule.name)), "
                    + "\(n($0.flows)) \($0.flows == 1 ? "flow" : "flows") from \(e(ReportText.jst($0.firstSeenMicros))) JST</div>"
            }.joined()
                + (r.tunnelsBreakingPolicyNotListed > 0
                    ? "<div class=\"sub\">and \(n(r.tunnelsBreakingPolicyNotListed)) more, not listed</div>" : "")
                + "<span class=\"sub\">each flow inside was judged by its innermost packet, as the policy says, but a "
                + "flow between the tunnel's own ends would break the rule named: a host can carry any traffic out "
                + "this way, and the verdict does not cover what it carried</span>")
    }

    static func limits(_ r: AuditReport, _ h: inout String) {
        h += "<section id=\"limits\">\n"
        h += heading(9, "監査の制約と復号異常", "Limits of the audit and decode anomalies", id: "limits")
        h += "<table class=\"grid\" id=\"limits-table\">\n<tbody>\n"
        func row(_ ja: String, _ en: String, _ value: String, _ ok: Bool, _ note: String) {
            h += "<tr><th>\(ja) <span class=\"en\">\(en)</span></th><td class=\"num\">\(value)</td>"
            h += "<td><span class=\"badge \(ok ? "good" : "bad")\">\(ok ? "影響なし" : "要確認")</span> \(note)</td></tr>\n"
        }
        let unreadable = r.unreadableFiles
        row(
            "最後まで読めなかったファイル", "files not read to their end", n(unreadable.count), unreadable.isEmpty,
            unreadable.isEmpty
                ? "<span class=\"sub\">all files were read to their end</span>"
                : unreadable.map { "<div class=\"mono\">\(e($0.error ?? $0.path))</div>" }.joined())
        let noted = r.notedFiles
        if !noted.isEmpty {
            row(
                "注記のあるファイル", "files with a note", n(noted.count), false,
                noted.map { "<div class=\"mono\">\(e($0.path)): \(e($0.note ?? ""))</div>" }.joined()
                    + "<span class=\"sub\">read to their end, but each note says what the file did to its own "
                    + "frames: records cut to its snapshot length (counted by what was left of them), times that go "
                    + "backwards, or times before 2000</span>")
        }
        if let jumps = r.coverage?.timeJumpsIgnored, jumps > 0 {
            // A note, not a limit: each such packet was judged (at its own time), so nothing went unseen.
            h += "<tr id=\"time-jumps\"><th>先の時刻に飛んだパケット <span class=\"en\">packets stamped far ahead, not "
            h += "followed (time jumps ignored)</span></th><td class=\"num\">\(n(jumps))</td><td><span class=\"badge "
            h += "warn\">注記 note</span> <span class=\"sub\">stamped more than 10 s ahead of the packets before and "
            h += "after them (a timestamp glitch, a sensor whose clock is off): judged at their own time, but the "
            h += "run's clock did not follow them. They stretch the capture span and can open gaps in coverage; the "
            h += "exceptions' status (§7) is as of the last packet read"
            h += r.exceptionsAsOfMicros.map { " (\(e(ReportText.jst($0))) JST)" } ?? ""
            h += ", not of them</span></td></tr>\n"
        }
        if r.noFlowJudged {
            row(
                "判定したフロー", "flows judged", "0", false,
                "<span class=\"sub\">\(n(r.totals.packets)) packets read, none of them an IP packet that began a "
                    + "flow (STP, ARP, LLDP, …: a mirror of the wrong VLAN or port): no flow was judged, so \"no "
                    + "violation\" says nothing of the separation policy</span>")
        }
        row(
            "追い出されたフロー", "evicted flows", n(r.flowTable.evicted), r.flowTable.evicted == 0,
            "<span class=\"sub\">flow table capacity \(n(r.flowTable.capacity)); an evicted flow seen again is judged "
                + "again as a new flow</span>")
        // What the host rules could not see: senders without a MAC.
        if let c = r.coverage, let noMAC = c.hostRulesNoMAC {
            row(
                "MACのないIPパケット", "IP packets without a source MAC", n(noMAC), noMAC == 0,
                "<span class=\"sub\">the host rules judge a device by its source MAC: a frame with no Ethernet "
                    + "header (a raw-IP capture, a bare-IP tunnel) shows none, so its sender could not be judged</span>"
            )
        }
        // Tagged flows, where zones declare VLANs: zone-vlan-mismatch judges tagged frames only.
        if let tagged = r.coverage?.flowsTagged, r.policy.config.zones.contains(where: { !$0.vlans.isEmpty }) {
            row(
                "VLANタグ付きのフロー", "flows with a VLAN tag", "\(n(tagged)) / \(n(r.totals.flows))", !r.vlanRuleBlind,
                "<span class=\"sub\">zone-vlan-mismatch judges tagged frames only: with none, it judged no host"
                    + "</span>")
        }
        // And the untagged flows of those zones, by zone: hosts it could not judge though others were tagged.
        if let untagged = r.coverage?.untaggedVLANFlows, r.policy.config.zones.contains(where: { !$0.vlans.isEmpty }) {
            let zones = untagged.zones.map { "<div class=\"mono\">\(e(zoneName(r, $0.zone))): \(n($0.flows))</div>" }
            row(
                "VLANタグのないフロー（VLAN宣言ゾーン）", "untagged flows of zones with VLANs", n(untagged.total),
                untagged.total == 0,
                zones.joined()
                    + "<span class=\"sub\">flows with an end in a zone that declares VLANs whose packets carried no "
                    + "VLAN tag (or VLAN 0): zone-vlan-mismatch could not check their hosts against the zone's VLANs"
                    + "</span>")
        }
        // The host table's bounds: what a clean device list does not cover.
        if let t = r.hostTable {
            row(
                "追い出されたMAC", "MACs evicted", n(t.macsEvicted), t.macsEvicted == 0,
                "<span class=\"sub\">the host rules' table holds 16,384 MACs: one pushed out of the full table "
                    + "forgets the addresses it was seen with, so a device that stood in two zones, one before and "
                    + "one after, can have gone unseen</span>")
            row(
                "保持しなかったアドレス", "addresses not kept", n(t.addressesDropped), t.addressesDropped == 0,
                "<span class=\"sub\">addresses past the 16 a MAC keeps: a later address is compared with "
                    + "the kept ones only</span>")
            if t.findingsForgotten > 0 {
                row(
                    "忘れた機器の検出", "device findings forgotten", n(t.findingsForgotten), false,
                    "<span class=\"sub\">no longer remembered as raised: one of them may have been raised, and "
                        + "counted, again</span>")
            }
        } else {
            h += "<tr><th>追い出されたMAC <span class=\"en\">MACs evicted</span></th><td class=\"num\">—</td>"
            h += "<td><span class=\"sub\">not recorded in this saved run</span></td></tr>\n"
        }
        if let d = r.droppedPackets {
            row(
                // "No effect" only when no file's drops are unknown, in whole or in part, beside those counted.
                "取りこぼしたパケット", "dropped packets", n(d), d == 0 && r.droppedUnknownFiles == 0,
                r.liveCapture
                    ? "<span class=\"sub\">reported by the capture</span>"
                    : "<span class=\"sub\">recorded by the capture files themselves (pcapng interface statistics)"
                        + unknownDrops(r) + "</span>" + partlyRecordingFiles(r))
        } else {
            h += "<tr><th>取りこぼしたパケット <span class=\"en\">dropped packets</span></th><td class=\"num\">—</td>"
            h += "<td><span class=\"sub\">"
            h +=
                r.liveCapture
                ? "a live capture whose summary does not record its drops (saved by an older zonesep, or the kernel "
                    + "gave no counts): see the run's last <code>stats</code> record (<code>kernel</code>)"
                : "capture files do not record drops: check the capturing host's statistics"
            h += "</span></td></tr>\n"
        }
        for f in r.blindFiles {
            guard let c = f.capture else { continue }
            let n = c.outageCount
            row(
                "取得の停止", "capture outages: \(f.path)",
                "\(ReportHTML.n(n)) / \(ReportHTML.n(UInt64(clamping: c.blindSeconds))) s",
                false,
                c.outages.map {
                    "<div>\(e(ReportText.jst($0.fromMicros))) – \(e(ReportText.jst($0.toMicros))) JST "
                        + "<span class=\"mono\">\($0.kind.rawValue)</span></div>"
                }.joined()
                    + (c.outagesNotListed > 0
                        ? "<div class=\"sub\">and \(ReportHTML.n(c.outagesNotListed)) shorter ones, not listed</div>"
                        : "")
                    + "<span class=\"sub\">the sensor saw nothing of the port then (times by its clock, each end late "
                    + "by up to a second); capture restarts: \(ReportHTML.n(c.captureRestarts))</span>")
        }
        let gaps = r.coverageGaps()
        let gapsNotListed = r.coverageGapsNotListed
        row(
            "取得の空白（1分超）", "gaps in coverage over 1 min", n(UInt64(gaps.count) + gapsNotListed),
            gaps.isEmpty && gapsNotListed == 0,
            gaps.map { "<div>\(e(ReportText.jst($0.fromMicros))) – \(e(ReportText.jst($0.toMicros))) JST</div>" }
                .joined()
                + (gapsNotListed > 0
                    ? "<div class=\"sub\">and \(n(gapsNotListed)) more inside files, not listed</div>" : ""))
        if let c = r.coverage {
            if c.frames == 0 {
                // Not "100 % verified, no effect": there was nothing to verify.
                row(
                    "検証できなかったフレーム", "frames not verified", "—", false,
                    "<span class=\"sub\">no frames were read: nothing was verified</span>")
            } else {
                row(
                    "検証できなかったフレーム", "frames not verified", n(c.unverified), c.unverified == 0,
                    "<span class=\"sub\">\(c.percent) % of \(n(c.frames)) frames verified"
                        + (c.unverified == 0 ? "" : "; not verified: " + coverageReasons(c, all: true)) + "</span>")
            }
            if c.tunnelFlows > 0 {
                row(
                    "開かれないトンネルのフロー", "flows in tunnels not opened", n(c.tunnelFlows), false,
                    "<span class=\"sub\">\(e(CoverageReport.tunnelList(c.tunnels.map { ($0.name, $0.flows) }))): "
                        + "judged as the outer flow; the traffic inside them was not verified</span>")
            }
            if c.flagsUnknown > 0 {
                row(
                    "フラグなしで判定したTCPパケット", "TCP packets judged without their flags", n(c.flagsUnknown), false,
                    "<span class=\"sub\">their TCP header was cut after its ports (a short snap length, an 8-byte "
                        + "first fragment): judged on their ports without their SYN, FIN and RST, so a flow one of "
                        + "them started took its initiator from the port rank (the better-ranked port as the "
                        + "responder), not from a SYN</span>")
            }
        } else {
            h += "<tr><th>検証できなかったフレーム <span class=\"en\">frames not verified</span></th>"
            h += "<td class=\"num\">—</td><td><span class=\"sub\">not recorded in this saved run</span></td></tr>\n"
        }
        tunnelsBreakingPolicy(r, row)
        if r.conduitMACNotVerified > 0 {
            let each = (r.declarations ?? []).filter { $0.macNotVerified > 0 }
                .map { "\(e($0.name)): \(n($0.macNotVerified))" }.joined(separator: ", ")
            row(
                "MAC未検証のコンジット通信", "conduit flows, MAC not verified", n(r.conduitMACNotVerified), false,
                "<span class=\"sub\">\(each): allowed by a conduit that names a MAC the capture did not show for "
                    + "that side; a device using the conduit's addresses from another MAC would not have been told "
                    + "apart</span>")
        }
        if r.violationsOmitted > 0 {
            row(
                "一覧にない違反フロー", "violating flows not listed", n(r.violationsOmitted), false,
                "<span class=\"sub\">found and counted in the verdict, but past the limit of the summary's list "
                    + "(it holds the first \(n(r.violations.count)) to end): no rule, zones, hosts or evidence of "
                    + "theirs are shown here (the run's alert records have them)</span>")
        }
        if r.hostFindingsOmitted > 0 {
            row(
                "一覧にない機器の検出", "device findings not listed", n(r.hostFindingsOmitted), false,
                "<span class=\"sub\">raised and counted in the verdict, but past the limit of the summary's list "
                    + "(it holds the first \(n(r.devices?.count ?? 0)) raised): no rule, MAC or addresses of theirs "
                    + "are shown here (the run's alert records have them)</span>")
        }
        evidenceLimits(r, row)
        if r.interrupted {
            row("中断", "interrupted", "—", false, "<span class=\"sub\">\(e(AuditReport.interruptedNote))</span>")
        }
        for reload in r.reloads {
            let (time, note) = AuditReport.reloadNote(reload)
            row(
                "設定の再読み込み", "zones.conf reload", "<span class=\"mono\">\(e(time))</span>", false,
                "<span class=\"sub\">\(e(note))</span>")
        }
        let anomalyTotal = r.anomalies.reduce(0) { $0 &+ $1.packets }
        row(
            "復号異常のパケット", "malformed packets (skipped)", n(anomalyTotal), anomalyTotal == 0,
            "<span class=\"sub\">counted by kind below; a malformed packet is not part of any flow</span>")
        h += tableEnd
        h += "<h3>復号異常<span class=\"en\">Decode anomalies by kind</span></h3>\n"
        if r.anomalies.isEmpty {
            h += none
        } else {
            tableStart(
                "class=\"grid\" id=\"anomalies-table\" style=\"width:auto\"",
                [th("種類", "kind"), th("パケット", "packets", num: true)], &h)
            for a in r.anomalies {
                h += "<tr><td><code>\(e(a.kind))</code></td><td class=\"num\">\(n(a.packets))</td></tr>\n"
            }
            h += tableEnd
        }
        h += "</section>\n"
    }

    /// The limits row of evidence: files incomplete, alerts without a file and why, and the violating flows
    /// concerned; only for a run that kept evidence, or lost some.
    static func evidenceLimits(_ r: AuditReport, _ row: (String, String, String, Bool, String) -> Void) {
        let lost = r.violationsWithEvidenceLost
        guard r.evidenceLosses != nil || !lost.isEmpty else { return }
        let c = r.evidenceLossCounts
        let ok = c.incomplete == 0 && c.withoutFile == 0 && (c.lostPackets ?? 0) == 0 && c.leftOut == 0
        var note = "<span class=\"sub\">\(n(c.incomplete)) files incomplete (no hash), "
        note += "\(n(c.withoutFile)) alerts without a file"
        if let p = c.lostPackets { note += ", \(n(p)) packets lost" }
        if c.leftOut > 0 { note += ", \(n(c.leftOut)) packets left out of their files (budget / another link type)" }
        note += "</span>"
        for m in r.evidenceMissingReasons() {
            note += "<div class=\"sub\">no file (\(n(m.flows))): \(e(m.reason))</div>"
        }
        if !lost.isEmpty {
            let shown = 50
            note += "<div>violating flows: "
            note += lost.prefix(shown).map { "<a href=\"#v\($0.number)\">No. \($0.number)</a>" }.joined(separator: ", ")
            if lost.count > shown { note += " and \(n(lost.count - shown)) more" }
            note += "</div>"
        }
        row("証拠保全の欠け", "evidence incomplete or missing", n(c.incomplete &+ c.withoutFile), ok, note)
    }

    static func footer(_ r: AuditReport, _ h: inout String) {
        h += "<footer>zonesep \(e(r.provenance.zonesepVersion)) · \(e(r.provenance.libpcapVersion)) · "
        if let m = r.provenance.reportMadeBy {
            h += "report made by zonesep \(e(m.zonesepVersion)) · \(e(m.libpcapVersion)) · "
        }
        h += "この報告書はパケットの時刻だけから作られ、同じ入力からは同じ報告書が得られます（作成日時は記載しません）。"
        h += "<span class=\"en\">Built from packet times only: the same input gives a byte-identical report.</span>"
        h += "</footer>\n"
    }
}
