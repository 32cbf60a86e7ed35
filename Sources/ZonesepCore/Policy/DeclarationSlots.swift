/// The slots of a `DeclarationIndex`, every table's end to end, in one block whose free slots are zero
/// bits. From 2 MiB (a policy of thousands of declarations) the block comes from the kernel already zero,
/// in whole huge pages: written empty first, ten thousand exceptions' 4 MB of slots were a thousand page
/// faults, and a lookup now misses the TLB less. Read-only once the index is built.
@usableFromInline
final class DeclarationSlots: @unchecked Sendable {
    @usableFromInline let base: UnsafeMutablePointer<DeclarationIndex.Slot>
    @usableFromInline let count: Int
    /// How many slots `base` has room for when it came from `ZeroedMemory` (whole huge pages), else 0.
    private let mappedCount: Int

    /// From this many bytes the slots are mapped zeroed memory: below it a block of small pages gains
    /// nothing over the heap (the buckets, spread by hash, touch every page).
    static let mappedFrom = 2 << 20

    /// `count` free slots.
    init(count: Int) {
        self.count = count
        let stride = MemoryLayout<DeclarationIndex.Slot>.stride
        let huge = 2 << 20
        guard count * stride >= DeclarationSlots.mappedFrom else {
            mappedCount = 0
            base = .allocate(capacity: max(1, count))
            base.initialize(repeating: DeclarationIndex.Slot(), count: count)
            return
        }
        // Whole huge pages: the part of a block past its last whole one would be on small pages.
        let bytes = (count * stride + huge - 1) / huge * huge
        mappedCount = bytes / stride
        base = ZeroedMemory.allocate(DeclarationIndex.Slot.self, count: mappedCount)
        // Every page written before anything reads it: read first, a page is the shared zero page, and the
        // write that follows faults again (for a huge page, into small pages).
        let raw = UnsafeMutableRawPointer(base)
        for offset in Swift.stride(from: 0, to: bytes, by: 4096) {
            raw.storeBytes(of: 0, toByteOffset: offset, as: UInt8.self)
        }
    }

    deinit {
        if mappedCount > 0 {
            ZeroedMemory.free(base, count: mappedCount)
        } else {
            base.deallocate()
        }
    }
}
