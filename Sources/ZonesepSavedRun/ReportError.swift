/// A problem with the report's input or output, as the message a person reads (file, line, key, what).
public struct ReportError: Error {
    public var message: String
    public init(_ message: String) { self.message = message }
}
