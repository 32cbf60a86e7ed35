public import CMemoryHints

/// The CPU's prefetch hint: ask for a cache line now, use it later. The packet loop has two chains of
/// cache misses that the hardware does not see coming — a capture's records, each found through the
/// length of the one before, and flow-table entries found through a hash — and this is how it overlaps
/// them.
public enum Prefetch {
    /// Asks for the line holding `address`, to be read; never faults.
    @inlinable @inline(__always)
    public static func read(_ address: UnsafeRawPointer) { zonesep_prefetch(address) }

    /// Asks for the line holding `address`, to be written.
    @inlinable @inline(__always)
    public static func write(_ address: UnsafeRawPointer) { zonesep_prefetch_for_write(address) }
}

/// Zeroed memory for a large table that is cleared when made (the flow table's entries and index, the host
/// table): pages come from the kernel already zero, on huge pages, touched only when used. Release with
/// `free` and the same count.
enum ZeroedMemory {
    static func allocate<T>(_ type: T.Type, count: Int) -> UnsafeMutablePointer<T> {
        let bytes = max(1, count) * MemoryLayout<T>.stride
        guard let raw = zonesep_map_zeroed(bytes) else {
            preconditionFailure("out of memory: \(bytes) bytes for a table")
        }
        return raw.bindMemory(to: T.self, capacity: max(1, count))
    }

    /// The same, with the first `smallPagesFirst` bytes on small pages: a table that grows in place from a
    /// few kilobytes faults in only those until it is large.
    static func allocate<T>(_ type: T.Type, count: Int, smallPagesFirst: Int) -> UnsafeMutablePointer<T> {
        let p = allocate(type, count: count)
        let bytes = max(1, count) * MemoryLayout<T>.stride
        if bytes >= 2 << 20 { zonesep_small_pages(p, min(bytes, smallPagesFirst)) }
        return p
    }

    /// Whether regions of these sizes can be mapped now (each mapped and given back): a command asks before
    /// it builds a table, so that a cap the system refuses is a message, not a trap in `allocate`.
    static func canMap(_ sizes: [Int]) -> Bool {
        var mapped: [(UnsafeMutableRawPointer, Int)] = []
        defer { for (p, n) in mapped { zonesep_unmap(p, n) } }
        for n in sizes {
            guard let p = zonesep_map_zeroed(max(1, n)) else { return false }
            mapped.append((p, max(1, n)))
        }
        return true
    }

    static func free<T>(_ p: UnsafeMutablePointer<T>, count: Int) {
        zonesep_unmap(UnsafeMutableRawPointer(p), max(1, count) * MemoryLayout<T>.stride)
    }
}
