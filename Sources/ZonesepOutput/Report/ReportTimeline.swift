import ZonesepCore

/// The violations over the capture's time span as inline SVG: one lane per rule, one bar per violating flow
/// from its first to its last packet, and the files' spans underneath so gaps in coverage show.
///
/// Coordinates are computed in tenths of a unit and printed as integers with one decimal, so the same run
/// always gives the same bytes.
enum ReportTimeline {
    static let width = 1000
    static let plotLeft = 250
    static let plotRight = 985
    static let laneTop = 6
    static let laneHeight = 26

    static let severityColor: [Severity: String] = [.critical: "#b3261e", .high: "#d9480f", .medium: "#c98a1b"]

    static func section(_ r: AuditReport) -> String {
        var h = "<section id=\"timeline\">\n"
        h += ReportHTML.heading(3, "違反の時間推移", "Timeline of violations over the capture", id: "timeline")
        guard let t0 = r.firstPacketMicros, let t1 = r.lastPacketMicros else {
            h += "<p class=\"note\">パケットがないため表示できません。<span class=\"en\">No packets, no timeline."
            h += "</span></p>\n</section>\n"
            return h
        }
        h += "<p class=\"note\">横軸は取得期間（JST）。棒は違反フローの最初から最後のパケットまで、下段の帯は各ファイルの取得期間"
        h += "（1分を超える空白と取得の停止で途切れます）。"
        h += "<span class=\"en\">Each bar runs from a violating flow's first to its last packet; the band below "
        h += "shows what each capture file covers, broken at holes of over a minute and capture outages.</span></p>\n"
        h += "<figure>\n" + svg(r, from: t0, to: t1) + "</figure>\n</section>\n"
        return h
    }

    static func svg(_ r: AuditReport, from t0: Int64, to t1: Int64) -> String {
        let span = max(t1 - t0, 1_000_000)
        let rules = RuleID.allCases
        let filesTop = laneTop + rules.count * laneHeight + 6
        let axisY = filesTop + 20
        let height = axisY + 22
        /// x in tenths of a viewBox unit.
        func x10(_ t: Int64) -> Int {
            let frac = Double(min(max(t, t0), t0 + span) - t0) / Double(span)
            return plotLeft * 10 + Int((frac * Double((plotRight - plotLeft) * 10)).rounded())
        }
        func f(_ tenths: Int) -> String { tenths % 10 == 0 ? "\(tenths / 10)" : "\(tenths / 10).\(tenths % 10)" }
        let e = HTMLEscape.text

        var s = "<svg class=\"timeline\" id=\"timeline-svg\" xmlns=\"http://www.w3.org/2000/svg\" "
        s += "viewBox=\"0 0 \(width) \(height)\" role=\"img\" aria-label=\"timeline of violating flows\" "
        s += "font-size=\"12\">\n"

        // Lanes, with the rule and its count at the left.
        for (i, rule) in rules.enumerated() {
            let y = laneTop + i * laneHeight
            let count = r.violations(of: rule).count
            s +=
                "<rect x=\"0\" y=\"\(y)\" width=\"\(width)\" height=\"\(laneHeight)\" fill=\"\(i % 2 == 0 ? "#f7f8fa" : "#ffffff")\"/>"
            s += "<rect x=\"6\" y=\"\(y + 8)\" width=\"10\" height=\"10\" rx=\"2\" "
            s += "fill=\"\(severityColor[rule.severity] ?? "#888")\"/>"
            s += "<text x=\"22\" y=\"\(y + 17)\" font-family=\"DejaVu Sans Mono, Noto Sans Mono, monospace\" "
            s += "font-size=\"11.5\" fill=\"\(count > 0 ? "#1b1f24" : "#9aa1ab")\">\(rule.name)</text>"
            s += "<text x=\"\(plotLeft - 8)\" y=\"\(y + 17)\" text-anchor=\"end\" font-weight=\"700\" "
            s += "fill=\"\(count > 0 ? "#1b1f24" : "#9aa1ab")\">\(count)</text>\n"
        }
        s += "<rect x=\"0\" y=\"\(filesTop - 2)\" width=\"\(width)\" height=\"18\" fill=\"#ffffff\"/>"
        s += "<text x=\"22\" y=\"\(filesTop + 11)\" fill=\"#5b6470\" font-size=\"11\">取得ファイル files</text>\n"

        // Grid and axis labels at round JST times.
        let ticks = ReportTimeline.ticks(from: t0, span: span)
        for t in ticks.times {
            let x = f(x10(t))
            s +=
                "<line x1=\"\(x)\" y1=\"\(laneTop)\" x2=\"\(x)\" y2=\"\(axisY)\" stroke=\"#dde1e6\" stroke-width=\"1\"/>"
            s += "<text x=\"\(x)\" y=\"\(axisY + 15)\" text-anchor=\"middle\" fill=\"#5b6470\" font-size=\"11\">"
            s += "\(e(ticks.label(t)))</text>\n"
        }
        s += "<line x1=\"\(plotLeft)\" y1=\"\(axisY)\" x2=\"\(plotRight)\" y2=\"\(axisY)\" stroke=\"#8a929c\"/>\n"

        // What each file covers: its span, broken where it has a hole of over a minute or the capture was down.
        for (i, file) in r.files.enumerated() {
            guard let a = file.firstPacketMicros, let b = file.lastPacketMicros else { continue }
            let pieces = file.seenSpans
            for (pa, pb) in pieces {
                let xa = x10(pa)
                let w = max(x10(pb) - xa, 15)
                s += "<rect x=\"\(f(xa))\" y=\"\(filesTop)\" width=\"\(f(w))\" height=\"14\" "
                s += "fill=\"\(i % 2 == 0 ? "#b9c6d3" : "#97a8ba")\"><title>\(e(file.path)): "
                s += "\(e(ReportText.jst(a))) – \(e(ReportText.jst(b))) JST, \(file.packets) packets"
                if pieces.count > 1 { s += "; covers \(e(ReportText.jst(pa))) – \(e(ReportText.jst(pb))) JST" }
                s += "</title></rect>\n"
            }
        }

        // One bar per violating flow, at least 0.3 units wide so a one-packet flow still shows.
        for (i, rule) in rules.enumerated() {
            let y = laneTop + i * laneHeight + 6
            let color = severityColor[rule.severity] ?? "#888"
            let flows = r.violations(of: rule)
            if flows.count > maxBarsPerLane {
                // Too many to draw one by one: overlapping bars merge into spans that say how many they hold.
                for span in merged(
                    flows.map { (x10($0.firstSeenMicros), max(x10($0.lastSeenMicros), x10($0.firstSeenMicros) + 30)) })
                {
                    s += "<rect class=\"tl-span\" x=\"\(f(span.from))\" y=\"\(y)\" width=\"\(f(span.to - span.from))\" "
                    s += "height=\"14\" fill=\"\(color)\" fill-opacity=\"0.85\"><title>\(rule.name): "
                    s += "\(span.count) flows</title></rect>\n"
                }
                continue
            }
            for v in flows {
                let xa = x10(v.firstSeenMicros)
                let w = max(x10(v.lastSeenMicros) - xa, 30)
                s += "<rect class=\"tl-flow\" data-flow=\"\(v.number)\" x=\"\(f(xa))\" y=\"\(y)\" width=\"\(f(w))\" "
                s += "height=\"14\" rx=\"1.5\" fill=\"\(color)\" fill-opacity=\"0.85\" stroke=\"#ffffff\" "
                s += "stroke-width=\"0.6\"><title>No.\(v.number) \(rule.name): "
                s += "\(e(v.srcEndpoint)) → \(e(v.destEndpoint)) "
                s += "\(e(ReportText.jstClock(v.firstSeenMicros)))–\(e(ReportText.jstClock(v.lastSeenMicros)))"
                s += "</title></rect>\n"
            }
        }
        s += "</svg>\n"
        return s
    }

    /// A lane with more violating flows than this draws merged spans instead of one bar per flow, so a day
    /// with a hundred thousand violations still gives a small SVG (the table below lists every flow).
    static let maxBarsPerLane = 500

    /// Joins overlapping or touching ranges (in tenths of a unit), counting the flows in each.
    static func merged(_ ranges: [(Int, Int)]) -> [(from: Int, to: Int, count: Int)] {
        var out: [(from: Int, to: Int, count: Int)] = []
        for (a, b) in ranges.sorted(by: { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }) {
            if let last = out.last, a <= last.to {
                out[out.count - 1].to = max(last.to, b)
                out[out.count - 1].count += 1
            } else {
                out.append((a, b, 1))
            }
        }
        return out
    }

    /// Round tick times (aligned to JST) and how to label them, about six to ten across the span. A span
    /// of more than about ten months is ticked by calendar months or years (`calendarTicks`), and a label
    /// carries the year wherever the span crosses one: a sensor's wrong clock can stretch it over years.
    static func ticks(from t0: Int64, span: Int64) -> (times: [Int64], label: (Int64) -> String) {
        let steps: [Int64] = [
            1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172_800,
            604_800, 2_592_000,
        ]
        let spanSeconds = span / 1_000_000
        guard let found = steps.first(where: { spanSeconds / $0 <= 9 }) else {
            return calendarTicks(from: t0, span: span)
        }
        let step = found * 1_000_000
        let off = ReportText.jstOffsetMicros
        let local0 = t0 + off
        var k = local0 / step
        if k * step < local0 { k += 1 }
        var times: [Int64] = []
        var t = k * step - off
        while t <= t0 + span && times.count < 40 {
            times.append(t)
            t += step
        }
        let multiDay = ReportText.jstDate(t0) != ReportText.jstDate(t0 + span)
        let multiYear = ReportText.jstDate(t0).prefix(4) != ReportText.jstDate(t0 + span).prefix(4)
        let label: (Int64) -> String = { t in
            let date =
                multiYear || step >= 2_592_000_000_000
                ? ReportText.jstDate(t) : String(ReportText.jstDate(t).dropFirst(5))
            if step >= 86_400_000_000 { return date }
            let clock = ReportText.jstClock(t, seconds: step < 60_000_000)
            return multiDay ? date + " " + clock : clock
        }
        return (times, label)
    }

    /// Ticks on the first of a month (JST), every 1, 2, 3 or 6 months, or every 1, 2, 5, 10, ... years, about
    /// six to ten across the span: fixed steps of days drift off the calendar over years.
    static func calendarTicks(from t0: Int64, span: Int64) -> (times: [Int64], label: (Int64) -> String) {
        let off = ReportText.jstOffsetMicros
        func month(_ t: Int64) -> Int64 {
            let local = t + off
            let days = local / 86_400_000_000 - (local % 86_400_000_000 < 0 ? 1 : 0)
            let (y, m, _) = Timestamp.civil(fromDays: days)
            return y * 12 + m - 1
        }
        let first = month(t0)
        let last = month(t0 + span)
        var stepMonths: Int64 = 1
        for s: Int64 in [1, 2, 3, 6, 12, 24, 60, 120, 240, 600, 1200] {
            stepMonths = s
            if (last - first) / s <= 9 { break }
        }
        var times: [Int64] = []
        var m = (first / stepMonths) * stepMonths
        while m <= last && times.count < 40 {
            let t = ReportText.daysFromCivil(m / 12, m % 12 + 1, 1) * 86_400_000_000 - off
            if t >= t0 && t <= t0 + span { times.append(t) }
            m += stepMonths
        }
        let label: (Int64) -> String = { t in
            let date = ReportText.jstDate(t)
            return String(date.prefix(stepMonths >= 12 ? 4 : 7))
        }
        return (times, label)
    }
}
