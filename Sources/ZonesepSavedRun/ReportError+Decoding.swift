import ZonesepOutput

extension ReportError {
    /// The message for a record `JSONDecoder` refused, with the key path of the bad value
    /// (`violations[3].src_port`), as the checks of `SavedRun` name theirs.
    public init(_ error: DecodingError, file: String, line: Int) {
        let at = "\(file):\(line)"
        switch error {
        case .keyNotFound(let key, let context):
            if context.codingPath.isEmpty && key.stringValue == "event_type" {
                self.init("\(at): no event_type: not a zonesep record")
            } else {
                self.init("\(at): \(Self.path(context.codingPath + [key])): missing")
            }
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            if context.codingPath.isEmpty {
                self.init("\(at): not a JSON object")
            } else {
                self.init("\(at): \(Self.path(context.codingPath)): not \(Self.describe(type))")
            }
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                let why = context.underlyingError.map { "\($0)" } ?? context.debugDescription
                self.init("\(at): not a JSON record: \(why)")
            } else {
                self.init("\(at): \(Self.path(context.codingPath)): \(context.debugDescription)")
            }
        @unknown default:
            self.init("\(at): \(error)")
        }
    }

    /// `matrix.packets[0].src_zone`: keys joined by dots, array positions in brackets.
    static func path(_ keys: [any CodingKey]) -> String {
        var out = ""
        for k in keys {
            if let i = k.intValue, k.stringValue == "Index \(i)" {
                out += "[\(i)]"
            } else {
                out += (out.isEmpty ? "" : ".") + k.stringValue
            }
        }
        return out
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is UInt64.Type, is UInt16.Type, is Int.Type: "a non-negative integer"
        case is [Any].Type: "an array"
        case is [String: Any].Type: "an object"
        default: "of type \(type)"
        }
    }
}
