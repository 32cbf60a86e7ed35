/// One line of a saved run, by its `event_type`: the records the report reads, decoded in one pass.
public enum SavedRecord: Decodable, Sendable, Equatable {
    case alert(AlertRecord)
    case evidence(EvidenceRecord)
    case summary(SummaryRecord)
    /// The summary of a `collect` run (`"input":"flow-export"`): it has no packets, files or matrix to report.
    case flowExportSummary
    /// Another zonesep record (for example `alert_update` or a live run's `stats`): nothing the report shows.
    case other(String)

    enum Kind: String, CodingKey {
        case eventType = "event_type"
        case input
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Kind.self)
        guard let type = try c.decodeIfPresent(String.self, forKey: .eventType) else {
            throw DecodingError.keyNotFound(
                Kind.eventType, .init(codingPath: [], debugDescription: "no event_type: not a zonesep record"))
        }
        switch type {
        case "alert": self = .alert(try AlertRecord(from: decoder))
        case "evidence": self = .evidence(try EvidenceRecord(from: decoder))
        case "summary" where (try? c.decodeIfPresent(String.self, forKey: .input)) == "flow-export":
            self = .flowExportSummary
        case "summary": self = .summary(try SummaryRecord(from: decoder))
        default: self = .other(type)
        }
    }
}
