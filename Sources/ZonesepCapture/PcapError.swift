/// A libpcap failure, naming the C call that failed and what it was working on (a file or an interface).
public struct PcapError: Error, CustomStringConvertible, Sendable {
    /// The libpcap function that reported the error, e.g. `pcap_open_offline`.
    public var call: String
    /// The file path or interface name.
    public var source: String
    /// libpcap's own message (its errbuf or `pcap_geterr`).
    public var message: String

    public init(call: String, source: String, message: String) {
        self.call = call
        self.source = source
        self.message = message
    }

    public var description: String { "\(source): \(message) (\(call))" }
}
