/// A list of plain values (no references: they are copied as bytes and never deinitialised) kept in
/// fixed-size chunks: it grows a chunk at a time and never moves what it holds, where an array that
/// doubles copies everything into fresh memory each time (page faults on a machine that hands freed pages
/// back to its host). Reached by index like an array; the chunks stay allocated when it shrinks.
final class ChunkedList<Element> {
    /// Elements a chunk holds, as a power of two.
    let shift: Int
    private let mask: Int
    /// Reached only from the owner's calls, one at a time: not checked for exclusive access at run time.
    @exclusivity(unchecked) private var chunks: [UnsafeMutablePointer<Element>] = []
    @exclusivity(unchecked) private(set) var count = 0

    /// `shift`: log2 of the elements a chunk holds (tests use small chunks to cross their edges).
    init(shift: Int = 9) {
        precondition(_isPOD(Element.self), "ChunkedList holds plain values only")
        self.shift = shift
        mask = (1 << shift) - 1
    }

    deinit { for c in chunks { c.deallocate() } }

    /// Chunks allocated (for tests: one is added only when the last is full).
    var chunkCount: Int { chunks.count }

    /// Where element `i` (below `count`) lies; valid until the list is deallocated.
    @inline(__always)
    func pointer(at i: Int) -> UnsafeMutablePointer<Element> {
        chunks[i &>> shift] + (i & mask)
    }

    subscript(i: Int) -> Element {
        @inline(__always) get {
            precondition(i >= 0 && i < count, "index out of range")
            return pointer(at: i).pointee
        }
        @inline(__always) set {
            precondition(i >= 0 && i < count, "index out of range")
            pointer(at: i).pointee = newValue
        }
    }

    var isEmpty: Bool { count == 0 }

    var last: Element? { count > 0 ? pointer(at: count - 1).pointee : nil }

    func append(_ e: Element) {
        if count == chunks.count << shift { chunks.append(.allocate(capacity: 1 << shift)) }
        pointer(at: count).initialize(to: e)
        count += 1
    }

    /// Puts `e` at `k`, each element from `k` on one place later (rare: see the owner): a block move per
    /// chunk, and one element across each chunk's edge. One element at a time, a late verdict among
    /// thousands of open flows cost twice the time of the array's single move.
    func insert(_ e: Element, at k: Int) {
        precondition(k >= 0 && k <= count, "index out of range")
        guard k < count else { return append(e) }
        append(pointer(at: count - 1).pointee)
        // Elements k..<hi go one place on; the last old one is already at the end.
        var hi = count - 2
        while hi > k {
            pointer(at: hi).pointee = pointer(at: hi - 1).pointee
            // The rest of the chunk that holds hi - 1, from k at the lowest: moved as one block.
            let lo = max(k, (hi - 1) & ~mask)
            if hi - 1 > lo {
                UnsafeMutableRawPointer(pointer(at: lo + 1)).copyMemory(
                    from: pointer(at: lo), byteCount: (hi - 1 - lo) * MemoryLayout<Element>.stride)
            }
            hi = lo
        }
        pointer(at: k).pointee = e
    }

    /// Drops the last `n` elements; their chunks stay, for the elements to come.
    func removeLast(_ n: Int) {
        precondition(n >= 0 && n <= count, "cannot remove more than the list holds")
        count -= n
    }

    /// The elements in order, as an array (for tests).
    var elements: [Element] { (0..<count).map { pointer(at: $0).pointee } }
}
