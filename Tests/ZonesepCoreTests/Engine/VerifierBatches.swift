@testable import ZonesepCore

extension Verifier {
    /// Feeds `frames` through `process(batch:)`, `size` at a time, the i-th at `t0 + i` µs, each in memory
    /// of its own that stays put for the batch call, as a capture reader hands frames over.
    func process(_ frames: [[UInt8]], inBatchesOf size: Int, from t0: Int64) {
        var i = 0
        while i < frames.count {
            let chunk = frames[i..<min(i + size, frames.count)]
            let buffers = chunk.map { f -> UnsafeMutableRawBufferPointer in
                let m = UnsafeMutableRawBufferPointer.allocate(byteCount: f.count, alignment: 16)
                m.copyBytes(from: f)
                return m
            }
            let batch = buffers.enumerated().map {
                Verifier.Frame(
                    timestamp: t0 + Int64(i + $0.offset), bytes: UnsafeRawBufferPointer($0.element),
                    wireLength: $0.element.count)
            }
            batch.withUnsafeBufferPointer { process(batch: $0, linkType: .ethernet) }
            buffers.forEach { $0.deallocate() }
            i += chunk.count
        }
    }
}
