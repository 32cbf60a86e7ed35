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

    /// Drops the last `n` elements; their chunks stay, for the elements to come.
    func removeLast(_ n: Int) {
        precondition(n >= 0 && n <= count, "cannot remove more than the list holds")
        count -= n
    }

    /// The elements in order, as an array (for tests).
    var elements: [Element] { (0..<count).map { pointer(at: $0).pointee } }
}
