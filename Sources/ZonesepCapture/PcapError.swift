/// A libpcap failure, naming the C call that failed and what it was working on (a file or an interface).
public struct PcapError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, where the caller acts on it (a permission problem is told differently from a typo).
    public enum Kind: Sendable, Equatable {
        case other
        /// The interface does not exist.
        case noSuchInterface
        /// Opening a capture needs privileges the process does not have.
        case permissionDenied
        /// The interface is down.
        case interfaceDown
        /// The BPF expression does not compile.
        case filter
        /// A valid pcapng file that libpcap cannot read on: a section in another byte order than the first.
        case sectionInOtherByteOrder
        /// A valid pcapng file that libpcap cannot read on: an interface of another link type or snapshot
        /// length than the first.
        case interfacesLibpcapCannotMix
    }

    /// The libpcap function that reported the error, e.g. `pcap_open_offline`.
    public var call: String
    /// The file path or interface name.
    public var source: String
    /// libpcap's own message (its errbuf or `pcap_geterr`).
    public var message: String
    public var kind: Kind

    public init(call: String, source: String, message: String, kind: Kind = .other) {
        self.call = call
        self.source = source
        self.message = message
        self.kind = kind
    }

    public var description: String { "\(source): \(message) (\(call))" }
}
