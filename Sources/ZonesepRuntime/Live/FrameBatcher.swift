import ZonesepCore

/// Live frames gathered into batches for the engine. libpcap's frame is valid only until the next read,
/// so each is copied into an arena; a batch goes to the session when it is full or the ring is empty,
/// so a quiet sensor's alert is not held back waiting for more packets.
final class FrameBatcher {
    private let arena: UnsafeMutableRawBufferPointer
    private var used = 0
    private let frames: UnsafeMutablePointer<Verifier.Frame>
    private(set) var count = 0

    /// Room for a batch of frames up to the largest snap length libpcap takes (262,144 bytes) and more.
    static let arenaBytes = 4 << 20

    init() {
        arena = .allocate(byteCount: FrameBatcher.arenaBytes, alignment: 64)
        frames = .allocate(capacity: Verifier.batchSize)
    }

    deinit {
        arena.deallocate()
        frames.deallocate()
    }

    /// Copies the frame in, first handing the batch to `session` when it has no room for it.
    func add(timestamp: Int64, bytes: UnsafeRawBufferPointer, wireLength: Int, to session: Session, linkType: LinkType)
    {
        if count == Verifier.batchSize || used + bytes.count > arena.count { flush(to: session, linkType: linkType) }
        guard bytes.count <= arena.count, let base = arena.baseAddress else {
            // Larger than any snap length: on its own, while its bytes are still valid.
            let one = [Verifier.Frame(timestamp: timestamp, bytes: bytes, wireLength: wireLength)]
            one.withUnsafeBufferPointer { session.process(frames: $0, linkType: linkType) }
            return
        }
        let slot = UnsafeMutableRawBufferPointer(start: base + used, count: bytes.count)
        if bytes.count > 0 { slot.copyMemory(from: bytes) }
        frames[count] = Verifier.Frame(
            timestamp: timestamp, bytes: UnsafeRawBufferPointer(slot), wireLength: wireLength)
        count += 1
        // Keep each frame's start on a cache line: the engine prefetches its first two lines.
        used += (bytes.count + 63) & ~63
    }

    /// Hands what is gathered to the session.
    func flush(to session: Session, linkType: LinkType) {
        guard count > 0 else { return }
        session.process(frames: UnsafeBufferPointer(start: frames, count: count), linkType: linkType)
        count = 0
        used = 0
    }
}
