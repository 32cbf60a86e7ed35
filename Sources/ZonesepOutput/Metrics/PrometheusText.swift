/// The Prometheus text exposition format (version 0.0.4), which Prometheus, the OpenMetrics parsers and
/// Zabbix's Prometheus item all read:
///
/// ```
/// # HELP zonesep_packets_total Packets captured and judged.
/// # TYPE zonesep_packets_total counter
/// zonesep_packets_total{worker="0"} 1027
/// ```
///
/// Label values are escaped (`\\`, `\"`, `\n`), help texts likewise (`\\`, `\n`): an interface or sink name
/// comes from the command line and must not break a line. A family without samples is left out.
public enum PrometheusText {
    /// The Content-Type of a scrape's answer.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    public static func render(_ families: [MetricFamily]) -> String {
        var out = ""
        out.reserveCapacity(families.count * 160)
        for family in families where !family.samples.isEmpty {
            out += "# HELP \(family.name) \(escape(family.help, quote: false))\n"
            out += "# TYPE \(family.name) \(family.kind.rawValue)\n"
            for sample in family.samples {
                out += family.name
                if !sample.labels.isEmpty {
                    out += "{"
                    for (i, label) in sample.labels.enumerated() {
                        if i > 0 { out += "," }
                        out += "\(label.name)=\"\(escape(label.value, quote: true))\""
                    }
                    out += "}"
                }
                out += " \(format(sample.value))\n"
            }
        }
        return out
    }

    static func format(_ value: MetricFamily.Value) -> String {
        switch value {
        case .count(let n):
            return String(n)
        case .number(let x):
            if x.isNaN { return "NaN" }
            if x.isInfinite { return x < 0 ? "-Inf" : "+Inf" }
            // Whole numbers without a fraction or exponent (a timestamp in seconds reads as one); the rest as
            // Swift prints them, the shortest form that reads back as the same Double (Go's ParseFloat takes it).
            if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
            return String(x)
        }
    }

    static func escape(_ text: String, quote: Bool) -> String {
        guard text.utf8.contains(where: { $0 == 0x5C || $0 == 0x0A || (quote && $0 == 0x22) }) else { return text }
        var out = ""
        for c in text.unicodeScalars {
            switch c {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\"" where quote: out += "\\\""
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }
}
