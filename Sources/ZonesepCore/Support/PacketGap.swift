/// A stretch of packet time inside one capture file with no packet in it (more than `threshold`): traffic
/// then was not seen, though the file's first and last packets span it (a sensor that stopped, captures
/// merged with mergecap).
public struct PacketGap: Sendable, Equatable {
    /// The last packet time before the gap and the first after it (µs since the epoch).
    public var fromMicros: Int64
    public var toMicros: Int64

    /// One minute: shorter silences are ordinary on a quiet segment; the report's gap row says "over 1 min".
    public static let threshold: Int64 = 60_000_000
    /// How many gaps a file lists; past it they are only counted (a file of a sensor that flaps would
    /// otherwise list thousands).
    public static let listed = 100

    /// Its length, µs.
    public var length: Int64 { toMicros - fromMicros }

    public init(fromMicros: Int64, toMicros: Int64) {
        self.fromMicros = fromMicros
        self.toMicros = toMicros
    }
}
