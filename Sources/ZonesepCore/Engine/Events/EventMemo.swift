/// The 20 bytes of a flow's Community ID hash (SHA-1 of its tuple), as `ZonesepOutput.CommunityID`
/// computes them: held as values so an event batch, an alert or a summary entry can carry one.
public struct FlowIDDigest: Sendable, Equatable {
    public var head: UInt64
    public var middle: UInt64
    public var tail: UInt32

    public init(head: UInt64 = 0, middle: UInt64 = 0, tail: UInt32 = 0) {
        self.head = head
        self.middle = middle
        self.tail = tail
    }

    /// The 20 bytes, in the hash's order.
    @inlinable
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try Swift.withUnsafeBytes(of: self) { try body(UnsafeRawBufferPointer(rebasing: $0[0..<20])) }
    }

    /// The digest whose 20 bytes `fill` writes.
    @inlinable
    public init(filling fill: (UnsafeMutableRawBufferPointer) -> Void) {
        self.init()
        Swift.withUnsafeMutableBytes(of: &self) { fill(UnsafeMutableRawBufferPointer(rebasing: $0[0..<20])) }
    }
}

/// What several sinks derive from the same event of a batch, carried with the batch (`EventBatch.memo`):
/// the first sink that needs a value computes it and stores it here, the sinks after it read it. Today one
/// value: a flow's Community ID digest, which the stdout alert, the delivery chain and the summary's
/// violation all print (hashing it once per consumer cost about 2,000 instructions an alert each).
///
/// No sink reads another's state this way: the value belongs to the event, and every sink that finds none
/// computes the same one. The engine forgets every value before it hands over the next batch (`reset`:
/// one increment, however many were stored).
public final class EventMemo {
    /// Events a batch holds at most (the engine's event buffer).
    public let capacity: Int
    private let digests: UnsafeMutablePointer<FlowIDDigest>
    /// `stamps[i] == generation`: event `i` of the current batch has its digest in `digests[i]`.
    private let stamps: UnsafeMutablePointer<UInt32>
    private var generation: UInt32 = 1

    public init(capacity: Int) {
        self.capacity = max(capacity, 0)
        digests = .allocate(capacity: max(capacity, 1))
        digests.initialize(repeating: FlowIDDigest(), count: max(capacity, 1))
        stamps = .allocate(capacity: max(capacity, 1))
        stamps.initialize(repeating: 0, count: max(capacity, 1))
    }

    deinit {
        digests.deallocate()
        stamps.deallocate()
    }

    /// Forgets every value: the events they belonged to are gone.
    public func reset() {
        generation &+= 1
        if generation == 0 {
            // Once in four billion batches: stamps of the old round could match again.
            stamps.update(repeating: 0, count: max(capacity, 1))
            generation = 1
        }
    }

    /// The flow ID digest of event `event`, if a sink stored one in this batch.
    public func flowID(of event: Int) -> FlowIDDigest? {
        guard event >= 0 && event < capacity && stamps[event] == generation else { return nil }
        return digests[event]
    }

    /// Keeps `digest` as the flow ID digest of event `event` for the rest of this batch (an index past the
    /// buffer is ignored: the value is then computed again by whoever asks).
    public func setFlowID(_ digest: FlowIDDigest, of event: Int) {
        guard event >= 0 && event < capacity else { return }
        digests[event] = digest
        stamps[event] = generation
    }
}
