/// The pcap records of an evidence file waiting to be written, in memory the evidence writer manages.
///
/// Raw memory rather than an `[UInt8]`: a packet's record goes in as two copies, with no array header to
/// load and check for uniqueness first (a cache miss for most packets, the buffers of a few hundred open
/// files being spread over megabytes). One owner, its open file: a copy would share the memory, and
/// `release()` gives it back.
struct RecordBuffer {
    private(set) var base: UnsafeMutableRawPointer?
    private(set) var count = 0
    private(set) var capacity = 0

    var isEmpty: Bool { count == 0 }

    /// The bytes held, valid until the next change.
    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    /// A buffer of `capacity` bytes, none held.
    init(capacity: Int = 0) {
        if capacity > 0 { grow(to: capacity) }
    }

    /// Appends pcap's 16-byte record header and the packet's bytes, growing the buffer (doubling) when
    /// they do not fit.
    @inline(__always)
    mutating func append(header: (Int32, Int32, UInt32, UInt32), packet: UnsafeRawBufferPointer) {
        let n = 16 + packet.count
        if count + n > capacity { grow(to: max(2 * capacity, count + n)) }
        guard let base else { return }
        withUnsafeBytes(of: header) {
            UnsafeMutableRawBufferPointer(start: base + count, count: 16).copyMemory(from: $0)
        }
        UnsafeMutableRawBufferPointer(start: base + count + 16, count: packet.count).copyMemory(from: packet)
        count += n
    }

    /// Forgets the bytes held, keeping the memory.
    mutating func removeAll() { count = 0 }

    /// Gives the memory back.
    mutating func release() {
        base?.deallocate()
        base = nil
        count = 0
        capacity = 0
    }

    private mutating func grow(to n: Int) {
        let p = UnsafeMutableRawPointer.allocate(byteCount: n, alignment: 16)
        if let base {
            p.copyMemory(from: base, byteCount: count)
            base.deallocate()
        }
        base = p
        capacity = n
    }
}
