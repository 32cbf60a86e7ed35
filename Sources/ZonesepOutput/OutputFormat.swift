/// How records are written for a reader: `text` for a person at a terminal, `json` for JSON Lines.
public enum OutputFormat: String, CaseIterable, Sendable {
    case text, json
}
