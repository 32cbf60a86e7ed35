/// Names by raw value, each a JSON string, one after another in one array (the `i`th from `ends[i]` to
/// `ends[i + 1]`): a name is written from it with nothing retained, where taking an array's element out of
/// an array of arrays retained and released it for each name a record wrote.
struct NameTable: Sendable {
    private let bytes: [UInt8]
    private let ends: [Int]

    init(_ names: [[UInt8]]) {
        bytes = names.flatMap { $0 }
        var ends = [0]
        for n in names { ends.append(ends[ends.count - 1] + n.count) }
        self.ends = ends
    }

    var count: Int { ends.count - 1 }

    /// The `i`th name's bytes (`i < count`), for a caller that builds longer runs from them once.
    subscript(i: Int) -> ArraySlice<UInt8> { bytes[ends[i]..<ends[i + 1]] }

    /// The `i`th name (`i < count`) into a record writer.
    @inline(__always)
    func write(_ i: Int, to w: inout RecordWriter) {
        bytes.withUnsafeBufferPointer { b in
            ends.withUnsafeBufferPointer { e in
                w.bytes(UnsafeBufferPointer(rebasing: b[e[i]..<e[i + 1]]))
            }
        }
    }
}
