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

/// Transparent huge pages for a large buffer that fills as it is used (the flow table's entries): one
/// page fault per 2 MiB instead of per 4 KiB, which on a virtual machine is most of the cost of a new page.
enum HugePages {
    static func advise(_ address: UnsafeMutableRawPointer, bytes: Int) {
        _ = zonesep_advise_huge_pages(address, bytes)
    }
}
