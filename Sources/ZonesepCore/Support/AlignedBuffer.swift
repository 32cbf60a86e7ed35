/// An immutable array on an aligned address: a search structure laid out in cache lines (the zone map's
/// bucket lines and trees) needs its first element on a line boundary, which `Array` does not promise.
@usableFromInline
final class AlignedBuffer<Element: BitwiseCopyable>: @unchecked Sendable {
    /// The first element; read-only after init, freed with the buffer.
    @usableFromInline let base: UnsafeMutablePointer<Element>
    @usableFromInline let count: Int

    init(_ elements: [Element], alignment: Int) {
        count = elements.count
        let raw = UnsafeMutableRawPointer.allocate(
            byteCount: max(1, elements.count) * MemoryLayout<Element>.stride, alignment: alignment)
        base = raw.bindMemory(to: Element.self, capacity: max(1, elements.count))
        _ = UnsafeMutableBufferPointer(start: base, count: elements.count).initialize(from: elements)
    }

    deinit { UnsafeMutableRawPointer(base).deallocate() }
}
