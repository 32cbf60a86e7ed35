/// `--report-format`: the whole document, or its tables alone for pasting into an audit report.
public enum ReportFormat: String, Sendable, CaseIterable {
    case html, md, csv

    /// Renders the report; the text is complete (ends with a newline) and depends only on the report.
    public func render(_ report: AuditReport) -> String {
        switch self {
        case .html: return ReportHTML.render(report)
        case .md: return ReportMarkdown.render(report)
        case .csv: return ReportCSV.render(report)
        }
    }
}
