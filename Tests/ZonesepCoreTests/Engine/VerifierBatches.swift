@testable import ZonesepCore

extension Verifier {
    /// Feeds `frames` through one `process(batch:)` call, each at its own time (µs) and in memory of its own
    /// that stays put for the call, as a capture reader hands frames over; returns the alerts it raised.
    @discardableResult
    func processBatch(_ frames: [(time: Int64, bytes: [UInt8])]) -> [Alert] {
        // `process(batch:)` takes `batchSize` frames at the most: more would be dropped without a word.
        precondition(frames.count <= Verifier.batchSize, "\(frames.count) frames: more than one batch")
        let buffers = frames.map { f -> UnsafeMutableRawBufferPointer in
            let m = UnsafeMutableRawBufferPointer.allocate(byteCount: f.bytes.count, alignment: 16)
            m.copyBytes(from: f.bytes)
            return m
        }
        defer { buffers.forEach { $0.deallocate() } }
        let batch = zip(frames, buffers).map {
            Verifier.Frame(timestamp: $0.time, bytes: UnsafeRawBufferPointer($1), wireLength: $0.bytes.count)
        }
        var alerts: [Alert] = []
        batch.withUnsafeBufferPointer { process(batch: $0, linkType: .ethernet) { alerts.append($1) } }
        return alerts
    }

    /// Feeds `frames` through `process(batch:)`, `size` at a time, each at its own time (µs).
    func process(timed frames: [(time: Int64, bytes: [UInt8])], inBatchesOf size: Int) {
        var i = 0
        while i < frames.count {
            let end = min(i + size, frames.count)
            processBatch(Array(frames[i..<end]))
            i = end
        }
    }

    /// Feeds `frames` through `process(batch:)`, `size` at a time, the i-th at `t0 + i` µs.
    func process(_ frames: [[UInt8]], inBatchesOf size: Int, from t0: Int64) {
        process(timed: frames.enumerated().map { (time: t0 + Int64($0.offset), bytes: $0.element) }, inBatchesOf: size)
    }
}
