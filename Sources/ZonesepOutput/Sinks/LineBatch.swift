/// Lines rendered one after another into one byte buffer, each ending in a newline, with the packet time
/// of each: what a file sink hands its writer in one piece (a batch of flow records), so that no record
/// becomes a `String` or an allocation of its own.
public struct LineBatch: Sendable {
    /// The lines, each followed by its newline.
    public var bytes: [UInt8]
    /// Where each line ends in `bytes` (the offset after its newline).
    public private(set) var ends: [Int] = []
    /// Each line's packet time (µs).
    public private(set) var timestamps: [Int64] = []

    public init(capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public var count: Int { ends.count }
    public var isEmpty: Bool { ends.isEmpty }

    /// Ends the line written into `bytes` since the last one: adds its newline and notes its time.
    public mutating func endLine(timestampMicros: Int64) {
        bytes.append(0x0a)
        ends.append(bytes.count)
        timestamps.append(timestampMicros)
    }

    public mutating func append(line: String, timestampMicros: Int64) {
        bytes.append(contentsOf: line.utf8)
        endLine(timestampMicros: timestampMicros)
    }

    /// Empties the batch, keeping its buffers for the next one.
    public mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
        timestamps.removeAll(keepingCapacity: true)
    }

    /// Where line `i` begins in `bytes`.
    @inlinable
    public func start(of i: Int) -> Int { i == 0 ? 0 : ends[i - 1] }

    /// Appends a rendered line (without its newline) and ends it.
    public mutating func append(line: [UInt8], timestampMicros: Int64) {
        bytes.append(contentsOf: line)
        endLine(timestampMicros: timestampMicros)
    }

    /// Each line from the `first`th on (`count` of them, or all the rest), without its newline, with its
    /// packet time.
    public func forEachLine(
        from first: Int = 0, count: Int? = nil, _ body: (UnsafeBufferPointer<UInt8>, Int64) throws -> Void
    ) rethrows {
        let last = count.map { min(first + $0, ends.count) } ?? ends.count
        try bytes.withUnsafeBufferPointer { b in
            for i in first..<last {
                try body(UnsafeBufferPointer(rebasing: b[start(of: i)..<(ends[i] - 1)]), timestamps[i])
            }
        }
    }
}
