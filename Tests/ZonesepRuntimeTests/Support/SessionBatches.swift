import ZonesepCore

@testable import ZonesepRuntime

extension Session {
    /// Feeds `frames` to the session in batches of `size`, each frame copied into memory of its own (as a
    /// capture reader's buffer holds it, and freed after its batch, so a sink that kept a pointer to it
    /// would be caught by AddressSanitizer), then calls `afterBatch` with the batch's first frame's index.
    func process(
        _ frames: [SinkCombinationTests.Frame], inBatchesOf size: Int, linkType: LinkType,
        afterBatch: (Int) throws -> Void
    ) rethrows {
        for start in stride(from: 0, to: frames.count, by: size) {
            let part = frames[start..<min(start + size, frames.count)]
            let copies = part.map { f -> UnsafeMutableRawBufferPointer in
                let m = UnsafeMutableRawBufferPointer.allocate(byteCount: max(f.bytes.count, 1), alignment: 64)
                m.copyBytes(from: f.bytes)
                return m
            }
            let batch = zip(part, copies).map { f, m in
                Verifier.Frame(
                    timestamp: f.time, bytes: UnsafeRawBufferPointer(rebasing: m[0..<f.bytes.count]),
                    wireLength: f.wireLength)
            }
            batch.withUnsafeBufferPointer { process(frames: $0, linkType: linkType) }
            copies.forEach { $0.deallocate() }
            try afterBatch(start)
        }
    }
}
