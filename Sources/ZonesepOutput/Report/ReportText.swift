import ZonesepCore

/// The words and numbers of the report: Japanese names with their English ids, times in JST, grouped digits.
///
/// Times are shown in Japan Standard Time (UTC+9, no daylight saving), the time the town hall lives by;
/// the CSV keeps the offset (`+09:00`) so a spreadsheet can still join it with the UTC JSON records.
public enum ReportText {
    /// JST is nine hours ahead of UTC, all year.
    public static let jstOffsetMicros: Int64 = 9 * 3_600_000_000

    public static func ruleTitle(_ r: RuleID) -> String {
        switch r {
        case .conduitMACMismatch: return "連携経路のMACアドレス不一致"
        case .mynumberIsolation: return "マイナンバー利用事務系の分離違反"
        case .sanitisationBypass: return "無害化を経由しないLGWAN・インターネット間通信"
        case .lgwanExternal: return "LGWAN接続系から外部への直接通信"
        case .securityCloudBypass: return "セキュリティクラウドを経由しない外部通信"
        case .unzonedHost: return "どのゾーンにも属さないホスト"
        }
    }

    public static func ruleEnglish(_ r: RuleID) -> String {
        switch r {
        case .conduitMACMismatch: return "A conduit used from or to a device with another MAC address"
        case .mynumberIsolation: return "Mynumber zone traffic that no conduit allows"
        case .sanitisationBypass: return "LGWAN ↔ Internet traffic outside every sanitisation path"
        case .lgwanExternal: return "LGWAN zone traffic with an external address"
        case .securityCloudBypass: return "Internet zone traffic that bypasses the security cloud"
        case .unzonedHost: return "An internal address that belongs to no zone"
        }
    }

    public static func ruleTitle(_ r: HostRuleID) -> String {
        switch r {
        case .dualHomedHost: return "二つの系にまたがる機器"
        case .zoneVLANMismatch: return "系のVLANと異なるVLAN上の端末"
        }
    }

    public static func ruleEnglish(_ r: HostRuleID) -> String {
        switch r {
        case .dualHomedHost: return "One device (MAC address) with addresses in zones of different kinds"
        case .zoneVLANMismatch: return "A host of a zone on a VLAN its zone does not list"
        }
    }

    public static func severityTitle(_ s: Severity) -> String {
        switch s {
        case .critical: return "重大"
        case .high: return "高"
        case .medium: return "中"
        }
    }

    public static func kindTitle(_ k: ZoneKind) -> String {
        switch k {
        case .mynumber: return "マイナンバー利用事務系"
        case .lgwan: return "LGWAN接続系"
        case .internet: return "インターネット接続系"
        }
    }

    public static func methodTitle(_ m: SanitisationMethod) -> String {
        switch m {
        case .mailText: return "メール無害化（テキスト化）"
        case .screenTransfer: return "画面転送"
        case .fileSanitiser: return "ファイル無害化"
        }
    }

    /// The label of a matrix class or zone: a zone's own label, or the Japanese name of the class.
    public static func zoneLabel(_ ref: ZoneRef, _ map: ZoneMap) -> String {
        switch ref {
        case .external: return "外部"
        case .unzoned: return "未登録"
        case .local: return "ローカル"
        default: return map.label(of: ref)
        }
    }

    public static func exceptionStatus(_ s: AuditReport.ExceptionStatus) -> (ja: String, en: String) {
        switch s {
        case .valid: return ("有効", "valid")
        case .expired: return ("期限切れ", "expired")
        case .expiredDuringCapture: return ("取得期間中に期限切れ", "expired during the capture")
        case .unknown: return ("判定不可", "no packets to judge by")
        }
    }

    // MARK: Numbers and times

    /// `1234567` → `1,234,567`.
    public static func grouped<I: BinaryInteger>(_ v: I) -> String {
        let digits = String(v.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
            out.append(c)
        }
        return v < 0 ? "-" + out : out
    }

    /// Date and clock time in JST, to the second: `2026-06-15 08:30:00`.
    public static func jst(_ micros: Int64) -> String {
        let (date, secs) = jstParts(micros)
        return "\(date) \(clock(secs))"
    }

    /// Clock time in JST: `08:30:00`, or `08:30` without seconds.
    public static func jstClock(_ micros: Int64, seconds: Bool = true) -> String {
        let c = clock(jstParts(micros).secondOfDay)
        return seconds ? c : String(c.prefix(5))
    }

    /// Date in JST: `2026-06-15`.
    public static func jstDate(_ micros: Int64) -> String { jstParts(micros).date }

    /// RFC 3339 with the JST offset and microseconds: `2026-06-15T08:30:00.000000+09:00`.
    public static func jstRFC3339(_ micros: Int64) -> String {
        let utc = Timestamp.rfc3339(micros + jstOffsetMicros)
        return String(utc.dropLast()) + "+09:00"
    }

    /// Reads back an RFC 3339 time as zonesep writes it (`2026-06-14T23:30:00.000000Z`; an offset such as
    /// `+09:00` and 0-9 fraction digits are accepted too), in µs since the Unix epoch; nil if it is not one.
    public static func micros(rfc3339 text: String) -> Int64? {
        let b = Array(text.utf8)
        func num(_ from: Int, _ count: Int) -> Int64? {
            guard from + count <= b.count else { return nil }
            var v: Int64 = 0
            for c in b[from..<from + count] {
                guard c >= 48 && c <= 57 else { return nil }
                v = v * 10 + Int64(c - 48)
            }
            return v
        }
        func at(_ i: Int, _ c: Character) -> Bool { i < b.count && b[i] == c.asciiValue }
        guard let y = num(0, 4), at(4, "-"), let mo = num(5, 2), at(7, "-"), let d = num(8, 2),
            at(10, "T") || at(10, "t") || at(10, " "), let hh = num(11, 2), at(13, ":"), let mi = num(14, 2),
            at(16, ":"), let ss = num(17, 2), (1...12).contains(mo), (1...31).contains(d), hh < 24, mi < 60, ss < 61
        else { return nil }
        var i = 19
        var frac: Int64 = 0
        if at(i, ".") {
            i += 1
            var digits = 0
            while i < b.count, b[i] >= 48 && b[i] <= 57 {
                if digits < 6 { frac = frac * 10 + Int64(b[i] - 48) }
                digits += 1
                i += 1
            }
            guard digits > 0 && digits <= 9 else { return nil }
            for _ in min(digits, 6)..<6 { frac *= 10 }
        }
        var offset: Int64 = 0
        if at(i, "Z") || at(i, "z") {
            i += 1
        } else if at(i, "+") || at(i, "-") {
            guard let oh = num(i + 1, 2), at(i + 3, ":"), let om = num(i + 4, 2), oh < 24, om < 60 else { return nil }
            offset = (oh * 3600 + om * 60) * (at(i, "+") ? 1 : -1)
            i += 6
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        let days = daysFromCivil(y, mo, d)
        return ((days * 86_400 + hh * 3600 + mi * 60 + ss) - offset) * 1_000_000 + frac
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
    static func daysFromCivil(_ y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func jstParts(_ micros: Int64) -> (date: String, secondOfDay: Int64) {
        var secs = (micros + jstOffsetMicros) / 1_000_000
        if (micros + jstOffsetMicros) % 1_000_000 < 0 { secs -= 1 }
        var days = secs / 86_400
        var rem = secs % 86_400
        if rem < 0 {
            rem += 86_400
            days -= 1
        }
        let (y, m, d) = Timestamp.civil(fromDays: days)
        return ("\(Timestamp.pad(y, 4))-\(Timestamp.pad(m, 2))-\(Timestamp.pad(d, 2))", rem)
    }

    static func clock(_ secondOfDay: Int64) -> String {
        "\(Timestamp.pad(secondOfDay / 3600, 2)):\(Timestamp.pad(secondOfDay / 60 % 60, 2)):"
            + Timestamp.pad(secondOfDay % 60, 2)
    }

    /// A length of time for a person: `45 s`, `12 min 5 s`, `3 h 20 min`.
    public static func duration(_ micros: Int64) -> String {
        let s = max(0, micros) / 1_000_000
        if s < 60 { return "\(s) s" }
        if s < 3600 { return s % 60 == 0 ? "\(s / 60) min" : "\(s / 60) min \(s % 60) s" }
        let h = s / 3600
        let m = s / 60 % 60
        return m == 0 ? "\(h) h" : "\(h) h \(m) min"
    }

    /// An address with its port, IPv6 in brackets: `10.20.3.4:51512`, `[fd00:20::3:4]:50600`; `mappedIPv6`:
    /// of an IPv6 flow, so an IPv4-mapped address is `[::ffff:10.20.3.4]:51512`.
    public static func endpoint(_ ip: IPAddress, _ port: UInt16?, mappedIPv6: Bool = false) -> String {
        let text = ip.description(mappedIPv6: mappedIPv6)
        guard let port else { return text }
        return ip.isIPv4 && !mappedIPv6 ? "\(text):\(port)" : "[\(text)]:\(port)"
    }

    /// Said of a file without a hash, in every format: nothing vouches for it.
    public static let noHash = "no hash: may be incomplete"

    /// A violating flow's evidence as the md and csv tables state it: `whole`, `partial: …`, `no hash: may be
    /// incomplete`, `kept: …` or `no file: <why>`; empty when the run kept no evidence for it (none asked, or
    /// folded).
    public static func evidenceStatus(_ e: AuditReport.Evidence?) -> String {
        guard let e else { return "" }
        switch e.state {
        case .whole: return "whole"
        case .partial: return partial(e.leftOut)
        case .incomplete: return noHash
        case .kept: return keptEarlier
        case .missing: return "no file: " + (e.error ?? "")
        }
    }

    /// A hashed file that lacks packets of its flow: the hash vouches for what it holds, not for all of it.
    public static func partial(_ leftOut: UInt64) -> String {
        "partial: \(leftOut) packets left out (budget / another link type)"
    }

    /// A replacement that failed: the file at the name is the earlier run's, whole.
    public static let keptEarlier =
        "kept: the earlier run's file (its hash is in that run's records); this run's copy was not made"

    public static func prefixes(_ p: [IPPrefix]) -> String { p.map(\.description).joined(separator: ", ") }

    public static func ports(_ p: [PortSpec]) -> String {
        p.isEmpty ? "—" : p.map(\.description).joined(separator: ", ")
    }
}

/// Escaping for text put into HTML: element content and double- or single-quoted attribute values alike.
public enum HTMLEscape {
    public static func text(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            // Controls, line separators and bidi overrides: shown as visible escapes (`\n`, `\u{202E}`), so
            // what the page shows is what the file holds. A tab stays whitespace.
            case _ where u != "\t" && VisibleText.needsEscape(u):
                out += VisibleText.escape(String(u))
            default: out.unicodeScalars.append(u)
            }
        }
        return out
    }
}
