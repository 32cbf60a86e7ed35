extension Array where Element == UInt8 {
    /// Appends the bytes `body` writes into a buffer of `maxCount` on the stack (returning how many it
    /// wrote), in one append: records are written field by field into byte arrays, and an append a byte
    /// (a uniqueness and a capacity check each) cost more than formatting the field.
    @inlinable
    public mutating func appendStaged(maxCount: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Int) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: maxCount) { b in
            guard let base = b.baseAddress else { return }
            let n = body(base)
            append(contentsOf: UnsafeBufferPointer(start: base, count: Swift.min(n, maxCount)))
        }
    }
}
