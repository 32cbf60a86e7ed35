#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A TOML 1.0 reader that keeps every value's line and column.
///
/// It reads the whole document into `TOMLTable`, or throws the first `TOMLError`: a syntax error, or a
/// broken rule (a key given twice, a table defined twice, an inline table or static array extended).
public enum TOMLReader {
    /// Arrays and inline tables nested deeper than this are refused rather than risk the stack; so are
    /// tables nested deeper by a dotted key or a table header (`[a.b.c]`), each level of which costs a
    /// table, its key path and a frame of the build (REVIEW-149 F7: 13,000 parts crashed a reload).
    public static let maximumNesting = 64

    public static func parse(_ text: String) throws(TOMLError) -> TOMLTable {
        var parser = TOMLParser(utf8: Array(text.utf8))
        return try parser.document()
    }

    /// The same, from bytes the caller has already checked to be UTF-8 (`UTF8Text.isValid`): a file
    /// read from disk is not copied into a `String` and back.
    static func parse(utf8 bytes: [UInt8]) throws(TOMLError) -> TOMLTable {
        var parser = TOMLParser(utf8: bytes)
        return try parser.document()
    }

    /// The bytes of the string or quoted key that opens at `position` in `bytes` (valid UTF-8), from its
    /// opening quote to past its closing one; nil when none opens and closes there. A message about a
    /// byte of the file can then tell whether that value's text holds it.
    static func stringSpan(at position: TOMLPosition, in bytes: [UInt8]) -> Range<Int>? {
        var parser = TOMLParser(utf8: bytes)
        return parser.stringSpan(at: position)
    }
}

// MARK: - The table tree while it is being built

/// A table under construction. Tables are shared by reference while headers and dotted keys reopen
/// them; the finished document is converted to value types.
final class TableBuilder {
    enum Origin {
        /// Created on the way to a deeper header (`[a]` by `[a.b]`); may still be defined by its own header.
        case implicit
        /// Defined by its own `[header]` or `[[header]]`, or the root, or an inline table.
        case header
        /// Created by a dotted key (`a.b = 1` creates `a`); dotted keys in the same table may extend it.
        case dotted
    }

    enum Item {
        case value(TOMLValue)
        case table(TableBuilder)
        case tables(TableArrayBuilder)
    }

    struct Slot {
        var keyPosition: TOMLPosition
        var item: Item
    }

    /// Tables with more keys than this also get a dictionary from key to entry; smaller ones (nearly
    /// every table of zones.conf) are searched in order, which costs less than hashing the key.
    static let indexedAbove = 12

    // A builder is reached only from the parser, one access at a time: the dynamic exclusivity checks of
    // a class's stored properties (two runtime calls an access, for every key read) are left out.
    @exclusivity(unchecked) var origin: Origin
    @exclusivity(unchecked) var position: TOMLPosition
    let path: [String]
    /// The keys in the order the file wrote them, values in place: a table with no sub-table (an entry
    /// of `[[exceptions]]`) becomes its `TOMLTable` without a copy. A sub-table's entry holds an empty
    /// table until `build`, which puts the built one there.
    @exclusivity(unchecked) private var entries: [TOMLTable.Entry] = []
    /// The entries that are tables still being built, by entry index.
    @exclusivity(unchecked) private var children: [(entry: Int, item: Item)] = []
    @exclusivity(unchecked) private var index: [String: Int] = [:]

    /// The room made for the entries at the first key: the keys of the table before it in an array of
    /// tables, which a generated policy's `[[exceptions]]` all repeat (room for eight left a quarter of
    /// each one's entries unused, a megabyte of fresh pages for ten thousand).
    private let expectedKeys: Int

    init(origin: Origin, position: TOMLPosition, path: [String], expectedKeys: Int = 8) {
        self.origin = origin
        self.position = position
        self.path = path
        self.expectedKeys = max(expectedKeys, 1)
    }

    /// How many keys the table has so far.
    var keyCount: Int { entries.count }

    /// Some key of this table was written in quotes, so may hold characters beyond ASCII.
    @exclusivity(unchecked) private var quotedKeys = false

    /// The slot under `key`; `bare` says the key was written bare (ASCII letters, digits, `_`, `-`).
    subscript(key: String, bare bare: Bool) -> Slot? {
        let found: Int?
        if entries.count > TableBuilder.indexedAbove {
            found = index[key]
        } else if bare && !quotedKeys {
            // Two ASCII keys of different lengths differ; `==` on two short strings that differ takes
            // the standard library's slow comparison, and every key read is compared with the table's.
            // (Beyond ASCII a shorter string can be canonically equal to a longer one.)
            let count = key.utf8.count
            found = entries.firstIndex { $0.key.utf8.count == count && $0.key == key }
        } else {
            found = entries.firstIndex { $0.key == key }
        }
        guard let n = found else { return nil }
        for child in children where child.entry == n {
            return Slot(keyPosition: entries[n].keyPosition, item: child.item)
        }
        return Slot(keyPosition: entries[n].keyPosition, item: .value(entries[n].value))
    }

    /// A plain value: the entry itself, with no sub-table to build.
    /// `value` is consumed: moved into the entry, not copied and then destroyed by the caller.
    func addValue(_ key: String, bare: Bool, at position: TOMLPosition, _ value: consuming TOMLValue) {
        if entries.isEmpty { entries.reserveCapacity(expectedKeys) }
        if !bare { quotedKeys = true }
        entries.append(TOMLTable.Entry(key: key, keyPosition: position, value: value))
        if entries.count > TableBuilder.indexedAbove { indexLast() }
    }

    private func indexLast() {
        if index.isEmpty {
            for (n, e) in entries.enumerated() { index[e.key] = n }
        } else {
            index[entries[entries.count - 1].key] = entries.count - 1
        }
    }

    func add(_ key: String, bare: Bool, at position: TOMLPosition, _ item: Item) {
        if entries.isEmpty { entries.reserveCapacity(expectedKeys) }
        if !bare { quotedKeys = true }
        let value: TOMLValue
        switch item {
        case .value(let v):
            value = v
        case .table(let t):
            children.append((entries.count, item))
            value = TOMLValue(.table(TOMLTable()), at: t.position)
        case .tables(let a):
            children.append((entries.count, item))
            value = TOMLValue(.array([]), at: a.position)
        }
        entries.append(TOMLTable.Entry(key: key, keyPosition: position, value: value))
        if entries.count > TableBuilder.indexedAbove { indexLast() }
    }

    func build() -> TOMLTable {
        var out = entries
        for child in children {
            switch child.item {
            case .value:
                break
            case .table(let t):
                out[child.entry].value = TOMLValue(.table(t.build()), at: t.position)
            case .tables(let a):
                out[child.entry].value = TOMLValue(.array(a.build()), at: a.position)
            }
        }
        return TOMLTable(entries: out)
    }
}

/// The tables of an `[[array]]`, in order; `[[x]]` appends, `[x.y]` goes into the last one.
///
/// Only the last table is still a builder: no header or key can reach an earlier one, so each is built
/// when the next one starts, while it is fresh in memory, and its builder freed then. Ten thousand
/// `[[exceptions]]` kept as builders to the end were ten thousand objects built and then freed, cold.
final class TableArrayBuilder {
    let position: TOMLPosition
    /// The tables before the last, built.
    @exclusivity(unchecked) private var built: [TOMLValue] = []
    @exclusivity(unchecked) private(set) var last: TableBuilder

    init(position: TOMLPosition, first: TableBuilder) {
        self.position = position
        self.last = first
    }

    /// How many tables the array holds so far.
    var count: Int { built.count + 1 }

    /// Builds the last table and makes `table` the last.
    func append(_ table: TableBuilder) {
        built.append(TOMLValue(.table(last.build()), at: last.position))
        last = table
    }

    /// Every table, in order.
    func build() -> [TOMLValue] {
        var out = built
        out.append(TOMLValue(.table(last.build()), at: last.position))
        return out
    }
}

// MARK: - The parser

/// A simple or dotted key: its parts, each with the byte index it starts at. The first part is held
/// apart so that a simple key, nearly every key of a file, needs no array.
struct KeyParts {
    var first: (String, Int)
    var rest: [(String, Int)] = []

    var count: Int { rest.count + 1 }
    subscript(n: Int) -> (String, Int) { n == 0 ? first : rest[n - 1] }
    var names: [String] { [first.0] + rest.map(\.0) }
}

/// The key path of a value being read, put together only when an inline table needs it: joining the
/// arrays for every key of a large file cost more than reading the values.
struct LazyPath {
    let base: [String]
    let keys: KeyParts
    var value: [String] { base + keys.names }
}

/// Bytes the grammar names.
private enum Byte {
    static let tab = UInt8(ascii: "\t")
    static let newline = UInt8(ascii: "\n")
    static let carriageReturn = UInt8(ascii: "\r")
    static let space = UInt8(ascii: " ")
    static let quote = UInt8(ascii: "\"")
    static let apostrophe = UInt8(ascii: "'")
    static let backslash = UInt8(ascii: "\\")
    static let hash = UInt8(ascii: "#")
    static let dot = UInt8(ascii: ".")
    static let comma = UInt8(ascii: ",")
    static let equals = UInt8(ascii: "=")
    static let openBracket = UInt8(ascii: "[")
    static let closeBracket = UInt8(ascii: "]")
    static let openBrace = UInt8(ascii: "{")
    static let closeBrace = UInt8(ascii: "}")
    static let plus = UInt8(ascii: "+")
    static let minus = UInt8(ascii: "-")
    static let colon = UInt8(ascii: ":")
    static let delete: UInt8 = 0x7f
}

/// Reads the document's UTF-8 bytes. The text came as a `String`, so the bytes are valid UTF-8: the
/// grammar is ASCII, and a multi-byte character can only sit inside a string, a comment or a quoted key,
/// whose bytes are copied as they are. Columns count Unicode scalars and are worked out only for the
/// positions that are kept (values, keys, messages).
struct TOMLParser {
    private let b: [UInt8]
    private var i = 0
    /// Byte index of the first byte of each line.
    private let lineStarts: [Int]
    /// Whether each line is all ASCII, where a column is the byte offset: nearly every line of a policy.
    private let asciiLine: [Bool]
    private var depth = 0
    /// The line of the last position asked for: positions are asked for mostly in order.
    private var lastLine = 0
    /// The byte index and column of the last position asked for.
    private var lastIndex = 0
    private var lastColumn = 1
    /// Bare keys already made into strings, by a hash of their bytes: a policy repeats the same few
    /// keys (`name`, `from`, `to`, ...) tens of thousands of times, and making each one again costs
    /// more than finding it here.
    private var keyCache = [(bytes: UInt64, count: Int, key: String)](repeating: (0, -1, ""), count: 64)
    /// The key path of the last table header, reused while headers repeat it (`[[exceptions]]`).
    private var lastHeaderPath: [String] = []
    /// The document's table, for spelling a value's key path with the indices of arrays of tables.
    private var rootTable: TableBuilder?
    /// The bytes of a string with escapes, while it is being unescaped.
    private var scratch: [UInt8] = []

    /// `bytes` must be valid UTF-8 (a `String`'s, or checked by `UTF8Text.isValid`).
    init(utf8 bytes: [UInt8]) {
        b = bytes
        var starts = [0]
        starts.reserveCapacity(b.count / 24 + 1)
        b.withUnsafeBufferPointer { bytes in
            guard var at = bytes.baseAddress else { return }
            let base = at
            var left = bytes.count
            // memchr reads a word at a time; the file is mostly short lines.
            while left > 0, let nl = memchr(at, Int32(Byte.newline), left) {
                let k = UnsafeRawPointer(base).distance(to: UnsafeRawPointer(nl))
                starts.append(k + 1)
                at = base + k + 1
                left = bytes.count - k - 1
            }
        }
        lineStarts = starts
        asciiLine = TOMLParser.asciiLines(b, lineStarts: starts)
    }

    /// For each line, whether it holds only ASCII bytes; the bytes are read eight at a time.
    private static func asciiLines(_ b: [UInt8], lineStarts: [Int]) -> [Bool] {
        var ascii = [Bool](repeating: true, count: lineStarts.count)
        b.withUnsafeBufferPointer { bytes in
            guard let base = bytes.baseAddress else { return }
            var k = 0
            var line = 0
            while k < bytes.count {
                if k + 8 <= bytes.count
                    && UnsafeRawPointer(base + k).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0
                {
                    k += 8
                    continue
                }
                if bytes[k] < 0x80 {
                    k += 1
                    continue
                }
                // The line of byte k (lines are met in order), then on to the next line.
                while line + 1 < lineStarts.count && lineStarts[line + 1] <= k { line += 1 }
                ascii[line] = false
                k = line + 1 < lineStarts.count ? lineStarts[line + 1] : bytes.count
            }
        }
        return ascii
    }

    // MARK: Document structure

    mutating func document() throws(TOMLError) -> TOMLTable {
        if b.count >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF { i = 3 }
        let root = TableBuilder(origin: .header, position: TOMLPosition(line: 1, column: 1), path: [])
        rootTable = root
        var current = root
        while true {
            skipWhitespace()
            guard let c = peek() else { break }
            switch c {
            case Byte.hash:
                try skipComment()
            case Byte.newline, Byte.carriageReturn:
                try newline()
            case Byte.openBracket:
                current = try header(root: root)
                try endOfLine(after: "the table header")
            default:
                try keyValue(into: current)
                try endOfLine(after: "the value")
            }
        }
        return root.build()
    }

    /// `[a.b]` or `[[a.b]]`: finds or creates the table and returns it as the one keys now go into.
    private mutating func header(root: TableBuilder) throws(TOMLError) -> TableBuilder {
        let start = i
        i += 1
        let isArray = peek() == Byte.openBracket
        if isArray { i += 1 }
        let keys = try key()
        guard keys.count <= TOMLReader.maximumNesting else { throw tooDeep(keys) }
        guard peek() == Byte.closeBracket else {
            throw fail("expected ']' to close the table header, found \(describe(i))")
        }
        i += 1
        if isArray {
            guard peek() == Byte.closeBracket else {
                throw fail("expected ']]' to close the array-of-tables header, found \(describe(i))")
            }
            i += 1
        }
        let headerPosition = position(start)
        // The same header again (`[[exceptions]]` after `[[exceptions]]`) shares the path array of the last.
        var samePath = lastHeaderPath.count == keys.count
        if samePath {
            for n in 0..<keys.count where lastHeaderPath[n] != keys[n].0 {
                samePath = false
                break
            }
        }
        if !samePath { lastHeaderPath = keys.names }
        let fullPath = lastHeaderPath
        var table = root
        for n in 0..<keys.count {
            let (k, at) = keys[n]
            let isLast = n == keys.count - 1
            let slot = table[k, bare: isBareKey(at)]
            if !isLast {
                switch slot?.item {
                case nil:
                    let sub = TableBuilder(
                        origin: .implicit, position: headerPosition, path: Array(fullPath.prefix(n + 1)))
                    table.add(k, bare: isBareKey(at), at: position(at), .table(sub))
                    table = sub
                case .table(let sub):
                    table = sub
                case .tables(let array):
                    table = array.last
                case .value(let v):
                    throw cannotExtend(v, path: Array(fullPath.prefix(n + 1)), at: at)
                }
                continue
            }
            switch slot?.item {
            case nil:
                let sub = TableBuilder(origin: .header, position: headerPosition, path: fullPath)
                if isArray {
                    table.add(
                        k, bare: isBareKey(at), at: position(at),
                        .tables(TableArrayBuilder(position: headerPosition, first: sub)))
                } else {
                    table.add(k, bare: isBareKey(at), at: position(at), .table(sub))
                }
                return sub
            case .table(let sub):
                let name = tomlKeyPath(fullPath)
                if isArray {
                    throw fail(
                        "[[\(name)]] conflicts with the table [\(name)] at line \(sub.position.line)", at: start,
                        path: fullPath)
                }
                switch sub.origin {
                case .implicit:
                    sub.origin = .header
                    sub.position = headerPosition
                    return sub
                case .header:
                    throw fail(
                        "table [\(name)] is defined twice (first at line \(sub.position.line))", at: start,
                        path: fullPath)
                case .dotted:
                    throw fail(
                        "table [\(name)] was already defined with dotted keys at line \(sub.position.line)",
                        at: start, path: fullPath)
                }
            case .tables(let array):
                guard isArray else {
                    let name = tomlKeyPath(fullPath)
                    throw fail(
                        "[\(name)] is already an array of tables (first [[\(name)]] at line \(array.position.line))",
                        at: start, path: fullPath)
                }
                let sub = TableBuilder(
                    origin: .header, position: headerPosition, path: fullPath, expectedKeys: array.last.keyCount)
                array.append(sub)
                return sub
            case .value(let v):
                throw cannotExtend(v, path: fullPath, at: at)
            }
        }
        throw fail("expected a key in the table header", at: start)
    }

    /// `key = value`, the key possibly dotted, into `table`. Something after the value on its line is an
    /// error named by the value's key, said here, where the key is at hand.
    private mutating func keyValue(into table: TableBuilder) throws(TOMLError) {
        let keys = try keyAndEquals(depth: table.path.count)
        let value = try value(path: LazyPath(base: table.path, keys: keys))
        skipWhitespace()
        if let c = peek(), c != Byte.hash, !isNewline(c) {
            throw valueNotEnded(LazyPath(base: table.path, keys: keys), type: value.typeName)
        }
        try insert(keys, consume value, into: table)
    }

    private mutating func insert(
        _ keys: KeyParts, _ value: consuming TOMLValue, into root: TableBuilder
    ) throws(TOMLError) {
        if keys.rest.isEmpty {
            // A simple key, nearly every key of a file: no table to walk to, and no path put together
            // unless for the message.
            let (k, at) = keys.first
            let bare = isBareKey(at)
            if let slot = root[k, bare: bare] { throw duplicateKey(root.path + [k], first: slot, at: at) }
            root.addValue(k, bare: bare, at: position(at), value)
            return
        }
        var table = root
        for n in 0..<keys.count {
            let (k, at) = keys[n]
            // Built only for a message or a new table: most keys need neither.
            let parent = table
            let path = { parent.path + [k] }
            let slot = table[k, bare: isBareKey(at)]
            if n == keys.count - 1 {
                if let slot { throw duplicateKey(path(), first: slot, at: at) }
                break
            }
            switch slot?.item {
            case nil:
                let sub = TableBuilder(origin: .dotted, position: position(at), path: path())
                table.add(k, bare: isBareKey(at), at: position(at), .table(sub))
                table = sub
            case .table(let sub) where sub.origin == .dotted:
                table = sub
            case .table(let sub):
                throw fail(
                    "dotted keys cannot add to the table [\(tomlKeyPath(path()))] defined at line \(sub.position.line)",
                    at: at, valuePath: path())
            case .tables(let array):
                throw fail(
                    "'\(tomlKeyPath(path()))' is an array of tables (line \(array.position.line)); "
                        + "dotted keys cannot add to it", at: at, valuePath: path())
            case .value(let v):
                throw cannotExtend(v, path: path(), at: at, spelled: true)
            }
        }
        let (k, at) = keys[keys.count - 1]
        table.addValue(k, bare: isBareKey(at), at: position(at), value)
    }

    /// The key of `key = value` in a table `depth` tables deep, past the `=`: the tables its parts but the
    /// last nest count on `depth`.
    private mutating func keyAndEquals(depth: Int) throws(TOMLError) -> KeyParts {
        let keys = try key()
        guard depth + keys.count - 1 <= TOMLReader.maximumNesting else { throw tooDeep(keys) }
        guard peek() == Byte.equals else {
            throw fail("expected '=' after the key '\(tomlKeyPath(keys.names))', found \(describe(i))")
        }
        i += 1
        skipWhitespace()
        return keys
    }

    /// The error for a dotted key or table header that nests tables deeper than `maximumNesting`, at its
    /// first part (the key itself is not quoted: it can be any length).
    private func tooDeep(_ keys: KeyParts) -> TOMLError {
        fail(
            "the key nests tables more than \(TOMLReader.maximumNesting) deep"
                + (keys.count > 1 ? " (\(keys.count) dotted parts)" : ""), at: keys.first.1)
    }

    /// The error for the key at `path` defined a second time, at `at`; `slot` holds its first definition.
    private func duplicateKey(_ path: [String], first slot: TableBuilder.Slot, at: Int) -> TOMLError {
        fail(
            "duplicate key '\(tomlKeyPath(path))' (first defined at line \(slot.keyPosition.line))", at: at,
            valuePath: path)
    }

    /// `spelled`: the path is a value's, named with the indices of the arrays of tables it is in.
    private func cannotExtend(_ v: TOMLValue, path: [String], at: Int, spelled: Bool = false) -> TOMLError {
        let name = tomlKeyPath(path)
        let reason: String
        switch v.content {
        case .table: reason = "'\(name)' is an inline table (line \(v.position.line)), which cannot be extended"
        case .array: reason = "'\(name)' is a static array (line \(v.position.line)), which cannot be extended"
        default: reason = "'\(name)' already holds \(article(v.typeName)) (line \(v.position.line))"
        }
        return spelled ? fail(reason, at: at, valuePath: path) : fail(reason, at: at, path: path)
    }

    // MARK: Keys

    /// A simple or dotted key; each part with the byte index it starts at.
    private mutating func key() throws(TOMLError) -> KeyParts {
        var parts = KeyParts(first: try keyPart())
        while true {
            skipWhitespace()
            guard peek() == Byte.dot else { return parts }
            i += 1
            parts.rest.append(try keyPart())
        }
    }

    /// One part of a key: bare, or a one-line basic or literal string.
    private mutating func keyPart() throws(TOMLError) -> (String, Int) {
        skipWhitespace()
        let start = i
        guard let c = peek() else { throw fail("expected a key, found the end of the file") }
        if c == Byte.quote || c == Byte.apostrophe {
            if peek(1) == c && peek(2) == c { throw fail("a key cannot be a multi-line string") }
            return (c == Byte.quote ? try basicString() : try literalString(), start)
        }
        guard isBareKeyByte(c) else {
            // A Japanese zone id written bare (`[zones.本庁]`): TOML's bare keys are ASCII alone.
            let lookalike = scalarText(i).unicodeScalars.first.map { LookalikeCharacters.all[$0.value] != nil } ?? false
            let hint =
                c >= 0x80 && !lookalike
                ? "; a key of characters other than A-Z, a-z, 0-9, '_' and '-' is quoted, as \"本庁\"" : ""
            throw fail("expected a key, found \(describe(i))\(hint)")
        }
        while let u = peek(), isBareKeyByte(u) { i += 1 }
        return (bareKey(start, i), start)
    }

    /// Whether the key part starting at byte `at` was written bare rather than quoted.
    private func isBareKey(_ at: Int) -> Bool {
        at < b.count && b[at] != Byte.quote && b[at] != Byte.apostrophe
    }

    /// The bare key in bytes `from..<to`, from `keyCache` when it was read before. Keys of up to eight
    /// bytes are cached (their bytes are the cache's tag); longer ones are made each time.
    private mutating func bareKey(_ from: Int, _ to: Int) -> String {
        let count = to - from
        guard count <= 8 else { return text(from, to) }
        var bytes: UInt64 = 0
        for k in from..<to { bytes = bytes << 8 | UInt64(b[k]) }
        var h = bytes &* 0x9e37_79b9_7f4a_7c15
        h = (h ^ h >> 29) &* 0xbf58_476d_1ce4_e5b9
        let slot = Int(truncatingIfNeeded: h >> 58)
        if keyCache[slot].bytes == bytes && keyCache[slot].count == count { return keyCache[slot].key }
        let key = text(from, to)
        keyCache[slot] = (bytes, count, key)
        return key
    }

    // MARK: Values

    private mutating func value(path: LazyPath) throws(TOMLError) -> TOMLValue {
        let start = i
        guard let c = peek() else { throw fail("expected a value, found the end of the file") }
        switch c {
        case Byte.quote:
            let at = position(i)
            let str =
                peek(1) == Byte.quote && peek(2) == Byte.quote
                ? try multilineString(quote: Byte.quote) : try basicString()
            return TOMLValue(.string(str), at: at)
        case Byte.apostrophe:
            let at = position(i)
            let str =
                peek(1) == Byte.apostrophe && peek(2) == Byte.apostrophe
                ? try multilineString(quote: Byte.apostrophe) : try literalString()
            return TOMLValue(.string(str), at: at)
        case Byte.openBracket:
            return try array(path: path)
        case Byte.openBrace:
            return try inlineTable(path: path)
        case UInt8(ascii: "0")...UInt8(ascii: "9"), Byte.plus, Byte.minus:
            let at = position(i)
            return TOMLValue(try numberOrDate(path: path), at: at)
        case Byte.newline, Byte.carriageReturn, Byte.hash:
            throw fail("expected a value, found the end of the line")
        default:
            guard isBareKeyByte(c) else {
                throw fail(
                    "expected a value (string, number, boolean, date, array or inline table), found \(describe(i))")
            }
            let at = position(i)
            while let u = peek(), isBareKeyByte(u) { i += 1 }
            switch text(start, i) {
            case "true": return TOMLValue(.boolean(true), at: at)
            case "false": return TOMLValue(.boolean(false), at: at)
            case "inf": return TOMLValue(.float(.infinity), at: at)
            case "nan": return TOMLValue(.float(.nan), at: at)
            case let word:
                throw fail("'\(word)' is not a value; write a string in quotes: \"\(word)\"", at: start)
            }
        }
    }

    private mutating func array(path: LazyPath) throws(TOMLError) -> TOMLValue {
        let start = i
        try enterNesting()
        i += 1
        // Each array owns a buffer near its own size (sharing one stack's buffer made every list of a
        // policy hold the longest one's capacity): sized by the commas on the line, a guess that is
        // right for the usual one-line list, and grown by appending otherwise.
        var items: [TOMLValue] = []
        items.reserveCapacity(elementsGuess(from: i))
        while true {
            try skipBlankLines()
            if peek() == Byte.closeBracket { break }
            if atEnd { throw fail("the array opened at line \(position(start).line) has no closing ']'") }
            do {
                items.append(try value(path: path))
            } catch {
                throw inElement(error, items.count, of: path)
            }
            try skipBlankLines()
            if peek() == Byte.comma {
                i += 1
                continue
            }
            if peek() == Byte.closeBracket { break }
            if atEnd { throw fail("the array opened at line \(position(start).line) has no closing ']'") }
            throw fail("expected ',' or ']' in the array, found \(describe(i))")
        }
        i += 1
        depth -= 1
        return TOMLValue(.array(items), at: position(start))
    }

    /// A capacity for the array whose elements start at byte `from`: one more than the commas up to the
    /// next `]` within 640 bytes (64 when there is none). Only a capacity, so a `]` or `,` inside a
    /// string or a nested array does no harm.
    private func elementsGuess(from: Int) -> Int {
        b.withUnsafeBufferPointer { bytes in
            guard let base = bytes.baseAddress, from < bytes.count else { return 1 }
            let window = min(bytes.count - from, 640)
            guard let close = memchr(base + from, Int32(Byte.closeBracket), window) else { return 64 }
            // Exact for a one-line list of plain values (a guess of one element for each ten bytes left
            // 36,000 of a large policy's 83,000 places empty).
            let end = UnsafeRawPointer(close)
            var at = UnsafeRawPointer(base + from)
            var count = 1
            while at < end, let comma = memchr(at, Int32(Byte.comma), at.distance(to: end)) {
                count += 1
                at = UnsafeRawPointer(comma) + 1
            }
            return count
        }
    }

    private mutating func inlineTable(path lazyPath: LazyPath) throws(TOMLError) -> TOMLValue {
        let path = lazyPath.value
        let start = i
        try enterNesting()
        i += 1
        let table = TableBuilder(origin: .header, position: position(start), path: path)
        skipWhitespace()
        if peek() == Byte.closeBrace {
            i += 1
            depth -= 1
            return TOMLValue(.table(table.build()), at: position(start))
        }
        while true {
            skipWhitespace()
            if atEnd || isNewline(peek()) {
                throw fail("an inline table must end on the line it starts on, with '}' (TOML 1.0)")
            }
            let keys = try keyAndEquals(depth: path.count)
            let v = try value(path: LazyPath(base: path, keys: keys))
            try insert(keys, v, into: table)
            skipWhitespace()
            switch peek() {
            case Byte.comma:
                i += 1
                skipWhitespace()
                if peek() == Byte.closeBrace { throw fail("a trailing comma is not allowed in an inline table") }
            case Byte.closeBrace:
                i += 1
                depth -= 1
                return TOMLValue(.table(table.build()), at: position(start))
            case let c where c == nil || isNewline(c):
                throw fail("an inline table must end on the line it starts on, with '}' (TOML 1.0)")
            default:
                throw fail("expected ',' or '}' in the inline table, found \(describe(i))")
            }
        }
    }

    private mutating func enterNesting() throws(TOMLError) {
        depth += 1
        if depth > TOMLReader.maximumNesting {
            throw fail("arrays and inline tables are nested more than \(TOMLReader.maximumNesting) deep")
        }
    }

    // MARK: Strings

    /// `"..."` with escapes, on one line.
    private mutating func basicString() throws(TOMLError) -> String {
        let start = i
        i += 1
        // Most strings hold no escape: find the closing quote and copy the bytes between. The scan reads
        // the buffer directly (every address, name and port of a policy is such a string).
        let from = i
        let (j, closed) = b.withUnsafeBufferPointer { bytes -> (Int, Bool) in
            var j = from
            while j < bytes.count {
                let c = bytes[j]
                if c == Byte.quote { return (j, true) }
                if c == Byte.backslash || c < 0x20 || c == Byte.delete { return (j, false) }
                j += 1
            }
            return (j, false)
        }
        if closed {
            let text = self.text(i, j)
            i = j + 1
            return text
        }
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: b[i..<j])
        i = j
        while true {
            guard let c = peek(), !isNewline(c) else {
                throw fail("the string has no closing '\"' on its line (use \"\"\" for a multi-line string)", at: start)
            }
            switch c {
            case Byte.quote:
                i += 1
                return String(decoding: scratch, as: UTF8.self)
            case Byte.backslash:
                appendUTF8(try escape())
            default:
                try checkText(c, in: "a string")
                scratch.append(c)
                i += 1
            }
        }
    }

    /// `'...'`, taken as written, on one line.
    private mutating func literalString() throws(TOMLError) -> String {
        let start = i
        i += 1
        var j = i
        while true {
            guard j < b.count, !isNewline(b[j]) else {
                throw fail("the literal string has no closing \"'\" on its line (use ''' for multi-line)", at: start)
            }
            let c = b[j]
            if c == Byte.apostrophe {
                let text = self.text(i, j)
                i = j + 1
                return text
            }
            try checkText(c, in: "a literal string", at: j)
            j += 1
        }
    }

    /// `"""..."""` (escapes, line-ending backslash) or `'''...'''` (as written).
    private mutating func multilineString(quote: UInt8) throws(TOMLError) -> String {
        let start = i
        let isBasic = quote == Byte.quote
        i += 3
        // A newline right after the opening delimiter is trimmed.
        if peek() == Byte.newline {
            i += 1
        } else if peek() == Byte.carriageReturn && peek(1) == Byte.newline {
            i += 2
        }
        scratch.removeAll(keepingCapacity: true)
        while true {
            guard let c = peek() else {
                let closing = isBasic ? "\"\"\"" : "'''"
                throw fail("the multi-line string opened here has no closing \(closing)", at: start)
            }
            if c == quote {
                var run = 0
                while peek(run) == quote { run += 1 }
                if run >= 3 {
                    if run > 5 { throw fail("too many quotes at the end of a multi-line string", at: i + 5) }
                    for _ in 0..<(run - 3) { scratch.append(quote) }
                    i += run
                    return String(decoding: scratch, as: UTF8.self)
                }
                for _ in 0..<run { scratch.append(quote) }
                i += run
                continue
            }
            switch c {
            case Byte.newline:
                scratch.append(Byte.newline)
                i += 1
            case Byte.carriageReturn:
                guard peek(1) == Byte.newline else { throw fail("a carriage return must be followed by a line feed") }
                scratch.append(Byte.newline)
                i += 2
            case Byte.backslash where isBasic:
                // A backslash at the end of a line joins it to the next, eating the whitespace between.
                var j = i + 1
                while j < b.count && (b[j] == Byte.space || b[j] == Byte.tab) { j += 1 }
                if j < b.count
                    && (b[j] == Byte.newline
                        || (b[j] == Byte.carriageReturn && j + 1 < b.count && b[j + 1] == Byte.newline))
                {
                    i = j
                    while let u = peek(),
                        u == Byte.space || u == Byte.tab || u == Byte.newline
                            || (u == Byte.carriageReturn && peek(1) == Byte.newline)
                    {
                        i += 1
                    }
                } else {
                    appendUTF8(try escape())
                }
            default:
                try checkText(c, in: "a string")
                scratch.append(c)
                i += 1
            }
        }
    }

    private mutating func appendUTF8(_ u: Unicode.Scalar) {
        if u.isASCII {
            scratch.append(UInt8(u.value))
        } else {
            scratch.append(contentsOf: String(u).utf8)
        }
    }

    /// One escape sequence, starting at its backslash.
    private mutating func escape() throws(TOMLError) -> Unicode.Scalar {
        let start = i
        i += 1
        guard let c = peek() else { throw fail("the string ends in the middle of an escape", at: start) }
        switch c {
        case UInt8(ascii: "b"): i += 1; return "\u{08}"
        case UInt8(ascii: "t"): i += 1; return "\t"
        case UInt8(ascii: "n"): i += 1; return "\n"
        case UInt8(ascii: "f"): i += 1; return "\u{0C}"
        case UInt8(ascii: "r"): i += 1; return "\r"
        case Byte.quote: i += 1; return "\""
        case Byte.backslash: i += 1; return "\\"
        case UInt8(ascii: "u"), UInt8(ascii: "U"):
            i += 1
            let letter = c == UInt8(ascii: "u") ? "u" : "U"
            let count = c == UInt8(ascii: "u") ? 4 : 8
            var v: UInt32 = 0
            for _ in 0..<count {
                guard let h = peek(), let d = hexValue(h) else {
                    throw fail("\\\(letter) must be followed by \(count) hexadecimal digits", at: start)
                }
                v = v << 4 | d
                i += 1
            }
            guard let scalar = Unicode.Scalar(v) else {
                throw fail("\\\(letter)\(text(start + 2, i)) is not a Unicode scalar value", at: start)
            }
            return scalar
        default:
            throw fail(
                "invalid escape \\\(scalarText(i)) (allowed: \\b \\t \\n \\f \\r \\\" \\\\ \\uXXXX \\UXXXXXXXX)",
                at: start)
        }
    }

    /// Control characters other than tab are not allowed in strings and comments.
    private func isControl(_ c: UInt8) -> Bool {
        (c < 0x20 && c != Byte.tab) || c == Byte.delete
    }

    private func checkText(_ c: UInt8, in what: String, at index: Int? = nil) throws(TOMLError) {
        if isControl(c) {
            throw fail(
                "control character \(describe(index ?? i)) is not allowed in \(what); write it as an escape", at: index)
        }
    }

    // MARK: Numbers, dates and times

    private mutating func numberOrDate(path: LazyPath) throws(TOMLError) -> TOMLValue.Content {
        if digitsAhead(4) && peek(4) == Byte.minus { return try dateOrDateTime(path: path) }
        if digitsAhead(2) && peek(2) == Byte.colon {
            let start = i
            return .time(try time(start: start, path: path))
        }
        let start = i
        while let u = peek(), isBareKeyByte(u) || u == Byte.plus || u == Byte.dot { i += 1 }
        // The usual small decimal integer (a port, a VLAN id) without the general reading's substrings.
        if i - start <= 18, let v = plainDecimal(start, i) { return .integer(v) }
        let token = text(start, i)
        guard let content = TOMLParser.number(token) else {
            // TOML 1.0: an integer that cannot be held without loss is an error; say so, not "invalid".
            if TOMLParser.isIntegerOutOfRange(token) {
                throw fail(
                    "'\(token)' is out of range for a 64-bit integer (-9223372036854775808 to "
                        + "9223372036854775807)", at: start, valuePath: path.value)
            }
            throw fail("'\(token)' is not a valid number", at: start, valuePath: path.value)
        }
        return content
    }

    /// Whether `token`, which `number` refused, is written as a TOML integer (decimal, or `0x`/`0o`/`0b`
    /// without a sign) and was refused only for not fitting in 64 bits.
    static func isIntegerOutOfRange(_ token: String) -> Bool {
        var body = Substring(token)
        if let f = body.first, f == "+" || f == "-" { body = body.dropFirst() }
        for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] where body.hasPrefix(prefix) {
            return body.count == token.count && underscoresBetweenDigits(body.dropFirst(2), radix: radix)
        }
        return body.allSatisfy { $0 == "_" || ("0"..."9").contains($0) } && underscoresBetweenDigits(body, radix: 10)
            && (body.count == 1 || body.first != "0")
    }

    /// Digits only, no leading zero (unless it is `0` alone): the integers `number` would read the same.
    private func plainDecimal(_ from: Int, _ to: Int) -> Int64? {
        guard to > from, to - from == 1 || b[from] != UInt8(ascii: "0") else { return nil }
        var v: Int64 = 0
        for k in from..<to {
            guard let d = asciiDigit(b[k]) else { return nil }
            v = v * 10 + Int64(d)
        }
        return v
    }

    /// A TOML integer or float, or nil. Handles signs, `0x`/`0o`/`0b`, underscores between digits,
    /// no leading zeros, exponents, `inf` and `nan`.
    static func number(_ token: String) -> TOMLValue.Content? {
        var body = Substring(token)
        var negative = false
        if let f = body.first, f == "+" || f == "-" {
            negative = f == "-"
            body = body.dropFirst()
        }
        if body == "inf" { return .float(negative ? -.infinity : .infinity) }
        if body == "nan" { return .float(.nan) }
        for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] where body.hasPrefix(prefix) {
            guard token.first != "+" && token.first != "-" else { return nil }
            let digits = body.dropFirst(2)
            guard underscoresBetweenDigits(digits, radix: radix),
                let v = Int64(digits.filter { $0 != "_" }, radix: radix)
            else { return nil }
            return .integer(v)
        }
        // Split decimal into integer part, fraction and exponent.
        var intPart = body
        var frac: Substring?
        var exp: Substring?
        if let e = body.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            intPart = body[..<e]
            var x = body[body.index(after: e)...]
            if let f = x.first, f == "+" || f == "-" { x = x.dropFirst() }
            exp = x
        }
        if let dot = intPart.firstIndex(of: ".") {
            frac = intPart[intPart.index(after: dot)...]
            intPart = intPart[..<dot]
        }
        guard underscoresBetweenDigits(intPart, radix: 10) else { return nil }
        let intDigits = intPart.filter { $0 != "_" }
        if intDigits.count > 1 && intDigits.first == "0" { return nil }
        if let frac, !underscoresBetweenDigits(frac, radix: 10) { return nil }
        if let exp, !underscoresBetweenDigits(exp, radix: 10) { return nil }
        let clean = token.filter { $0 != "_" }
        if frac == nil && exp == nil {
            return Int64(clean).map { .integer($0) }
        }
        return Double(clean).map { .float($0) }
    }

    /// Digits of `radix`, at least one, with each `_` between two digits.
    private static func underscoresBetweenDigits(_ s: Substring, radix: Int) -> Bool {
        guard let first = s.first, let last = s.last, first != "_", last != "_" else { return false }
        var previous: Character = " "
        for ch in s {
            if ch == "_" {
                if previous == "_" { return false }
            } else {
                guard ch.isASCII, ch.isHexDigit, let d = ch.hexDigitValue, d < radix else { return false }
            }
            previous = ch
        }
        return true
    }

    /// A date or date-time; a mistake in it names `path`, the key it was written for.
    private mutating func dateOrDateTime(path: LazyPath) throws(TOMLError) -> TOMLValue.Content {
        let start = i
        guard let y = digits(4), take(Byte.minus), let m = digits(2), take(Byte.minus), let d = digits(2) else {
            throw fail("expected a date like 2027-03-31", at: start, valuePath: path.value)
        }
        guard (1...12).contains(m), d >= 1, d <= TOMLDate.daysIn(month: m, year: y) else {
            throw fail("'\(text(start, i))' is not a valid date", at: start, valuePath: path.value)
        }
        let date = TOMLDate(year: y, month: m, day: d)
        let hasTime: Bool
        switch peek() {
        case UInt8(ascii: "T"), UInt8(ascii: "t"): hasTime = true
        case Byte.space: hasTime = digitsAhead(2, from: i + 1) && peek(3) == Byte.colon
        default: hasTime = false
        }
        guard hasTime else { return .date(date) }
        i += 1
        let t = try time(start: start, path: path)
        var offset: Int?
        switch peek() {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            i += 1
            offset = 0
        case Byte.plus, Byte.minus:
            let sign = peek() == Byte.minus ? -1 : 1
            i += 1
            guard let oh = digits(2), take(Byte.colon), let om = digits(2), oh < 24, om < 60 else {
                throw fail("expected a UTC offset like +09:00 after the time", at: start, valuePath: path.value)
            }
            offset = sign * (oh * 60 + om)
        default:
            offset = nil
        }
        return .dateTime(TOMLDateTime(date: date, time: t, offsetMinutes: offset))
    }

    private mutating func time(start: Int, path: LazyPath) throws(TOMLError) -> TOMLTime {
        guard let h = digits(2), take(Byte.colon), let m = digits(2) else {
            throw fail("expected a time like 07:32:00", at: start, valuePath: path.value)
        }
        guard take(Byte.colon), let sec = digits(2) else {
            throw fail(
                "expected seconds in the time (07:32:00; TOML 1.0 requires them)", at: start, valuePath: path.value)
        }
        var nanos = 0
        if peek() == Byte.dot {
            i += 1
            var n = 0
            var count = 0
            while let u = peek(), let digit = asciiDigit(u) {
                if count < 9 {
                    n = n * 10 + digit
                    count += 1
                }
                i += 1
            }
            guard count > 0 else {
                throw fail("expected digits after the '.' in the time", at: start, valuePath: path.value)
            }
            for _ in count..<9 { n *= 10 }
            nanos = n
        }
        guard h < 24, m < 60, sec <= 60 else {
            throw fail("'\(text(start, i))' is not a valid time", at: start, valuePath: path.value)
        }
        return TOMLTime(hour: h, minute: m, second: sec, nanosecond: nanos)
    }

    private mutating func digits(_ n: Int) -> Int? {
        guard digitsAhead(n) else { return nil }
        var v = 0
        for _ in 0..<n {
            v = v * 10 + (asciiDigit(b[i]) ?? 0)
            i += 1
        }
        return v
    }

    private func digitsAhead(_ n: Int, from: Int? = nil) -> Bool {
        let base = from ?? i
        guard base + n <= b.count else { return false }
        for k in base..<(base + n) where asciiDigit(b[k]) == nil { return false }
        return true
    }

    private mutating func take(_ u: UInt8) -> Bool {
        guard peek() == u else { return false }
        i += 1
        return true
    }

    private func asciiDigit(_ u: UInt8) -> Int? {
        u >= 48 && u <= 57 ? Int(u - 48) : nil
    }

    private func hexValue(_ u: UInt8) -> UInt32? {
        switch u {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(u - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(u - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(u - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    // MARK: Whitespace, comments, line ends

    private var atEnd: Bool { i >= b.count }

    private func peek(_ k: Int = 0) -> UInt8? {
        i + k < b.count ? b[i + k] : nil
    }

    private func isNewline(_ u: UInt8?) -> Bool { u == Byte.newline || u == Byte.carriageReturn }

    private mutating func skipWhitespace() {
        while i < b.count, b[i] == Byte.space || b[i] == Byte.tab { i += 1 }
    }

    /// Whitespace, comments and newlines: what may sit between array elements.
    private mutating func skipBlankLines() throws(TOMLError) {
        while true {
            skipWhitespace()
            switch peek() {
            case Byte.hash: try skipComment()
            case Byte.newline, Byte.carriageReturn: try newline()
            default: return
            }
        }
    }

    private mutating func skipComment() throws(TOMLError) {
        i += 1
        while let u = peek(), u != Byte.newline {
            if u == Byte.carriageReturn && peek(1) == Byte.newline { return }
            try checkText(u, in: "a comment")
            i += 1
        }
    }

    private mutating func newline() throws(TOMLError) {
        if peek() == Byte.newline {
            i += 1
        } else if peek() == Byte.carriageReturn && peek(1) == Byte.newline {
            i += 2
        } else {
            throw fail("a carriage return must be followed by a line feed")
        }
    }

    /// After a key/value pair or a header only whitespace and a comment may follow on the line.
    /// The error for what follows a value on its line, at `i`: it names the value's key, and a date
    /// written the way people write one rather than TOML's way (`2027/03/31`, `2027-03-31 JST`) says how
    /// to write it.
    @inline(never)
    private func valueNotEnded(_ path: LazyPath, type: String) -> TOMLError {
        var reason = "expected the end of the line after the value, found \(describe(i))"
        let found = b[i]
        // `expires = 2027/03/31` reads 2027 as an integer: said only of a key that takes a date.
        let dateKey = path.keys[path.keys.count - 1].0 == "expires"
        if found == UInt8(ascii: "/") && (type == "local date" || (type == "integer" && dateKey)) {
            reason += "; a date is written with '-', as 2027-03-31 (a TOML date, without quotes)"
        } else if type.hasSuffix("date") || type.hasSuffix("date-time"), isBareKeyByte(found) {
            reason +=
                "; a date stands alone (read in JST), or a date-time ends with its offset, as "
                + "2027-03-31T00:00:00+09:00 or Z"
        }
        return fail(reason, valuePath: path.value)
    }

    private mutating func endOfLine(after what: String) throws(TOMLError) {
        skipWhitespace()
        if peek() == Byte.hash { try skipComment() }
        if atEnd { return }
        guard isNewline(peek()) else {
            throw fail("expected the end of the line after \(what), found \(describe(i))")
        }
        try newline()
    }

    // MARK: Positions and messages

    /// The line (0-based) holding byte `index`, among the lines starting at `lineStarts`. Static: as a
    /// method it was handed a copy of the whole parser at each of a policy's 180,000 positions.
    private static func line(of index: Int, near guess: Int, in lineStarts: [Int]) -> Int {
        // Positions are asked for in order, mostly on the same line or a few lines on.
        var line = guess
        while line < min(guess + 4, lineStarts.count) && lineStarts[line] <= index {
            if line + 1 == lineStarts.count || index < lineStarts[line + 1] { return line }
            line += 1
        }
        var lo = 0
        var hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= index { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }

    /// Columns from byte `from` (column `column`) to byte `index` on the same line, counted in Unicode
    /// scalars (bytes that do not continue a multi-byte character).
    private func column(from: Int, column: Int, to index: Int) -> Int {
        var column = column
        var k = from
        while k < index {
            if b[k] & 0xC0 != 0x80 { column += 1 }
            k += 1
        }
        return column
    }

    /// The place of `index`, for messages.
    private func place(_ index: Int) -> TOMLPosition {
        let line = Self.line(of: index, near: 0, in: lineStarts)
        return TOMLPosition(line: line + 1, column: column(from: lineStarts[line], column: 1, to: index))
    }

    /// The bytes of the string that opens at `position`, read as `value` reads it; nil when there is none.
    mutating func stringSpan(at position: TOMLPosition) -> Range<Int>? {
        guard position.line >= 1 && position.line <= lineStarts.count && position.column >= 1 else { return nil }
        // Step to the column'th character of the line, as `column(from:column:to:)` counts them.
        var k = lineStarts[position.line - 1]
        var column = 1
        while column < position.column && k < b.count && b[k] != Byte.newline {
            k += 1
            if k < b.count && b[k] & 0xC0 != 0x80 { column += 1 }
        }
        guard column == position.column, k < b.count, b[k] == Byte.quote || b[k] == Byte.apostrophe else {
            return nil
        }
        let quote = b[k]
        i = k
        do {
            if peek(1) == quote && peek(2) == quote {
                _ = try multilineString(quote: quote)
            } else {
                _ = quote == Byte.quote ? try basicString() : try literalString()
            }
        } catch {
            return nil
        }
        return k..<i
    }

    /// The place of `index`, going on from the last one asked for when it is further along the same
    /// line: positions are asked for mostly in order, and a line may hold a long array.
    private mutating func position(_ index: Int) -> TOMLPosition {
        let line = Self.line(of: index, near: lastLine, in: lineStarts)
        if asciiLine[line] {
            lastLine = line
            lastIndex = index
            lastColumn = index - lineStarts[line] + 1
            return TOMLPosition(line: line + 1, column: lastColumn)
        }
        if line != lastLine || index < lastIndex {
            lastLine = line
            lastIndex = lineStarts[line]
            lastColumn = 1
        }
        lastColumn = column(from: lastIndex, column: lastColumn, to: index)
        lastIndex = index
        return TOMLPosition(line: line + 1, column: lastColumn)
    }

    private func text(_ from: Int, _ to: Int) -> String {
        let end = min(to, b.count)
        guard from < end else { return "" }
        return b.withUnsafeBufferPointer {
            String(decoding: UnsafeBufferPointer(rebasing: $0[from..<end]), as: UTF8.self)
        }
    }

    /// The character starting at byte `index`, as text.
    private func scalarText(_ index: Int) -> String {
        guard index < b.count else { return "" }
        var end = index + 1
        while end < b.count && b[end] & 0xC0 == 0x80 { end += 1 }
        return text(index, end)
    }

    private func fail(_ reason: String, at index: Int? = nil, path: [String]? = nil) -> TOMLError {
        let p = place(min(index ?? i, b.count))
        return TOMLError(line: p.line, column: p.column, reason: reason, keyPath: path.map(tomlKeyPath))
    }

    /// `fail` about a value (or key) at `valuePath`, named as a checker's diagnostic names it:
    /// `exceptions[3].expires`, not `exceptions.expires`, which does not say which exception.
    private func fail(_ reason: String, at index: Int? = nil, valuePath: [String]) -> TOMLError {
        let p = place(min(index ?? i, b.count))
        return TOMLError(line: p.line, column: p.column, reason: reason, keyPath: spelled(valuePath))
    }

    /// `path` with the index of the entry of each array of tables it passes through. Read in order, the
    /// entry a value goes into is always the last of each (`[[x]]` appends; `[x.y]` goes into the last).
    private func spelled(_ path: [String]) -> String {
        var out = ""
        var table = rootTable
        for k in path {
            out += (out.isEmpty ? "" : ".") + tomlKeyText(k)
            switch table?[k, bare: false]?.item {
            case .table(let sub):
                table = sub
            case .tables(let array):
                out += "[\(array.count - 1)]"
                table = array.last
            default:
                table = nil
            }
        }
        return out
    }

    /// `error`, thrown while reading element `n` of the array at `path`, with `[n]` after the array's
    /// key in its key path (`ports[2]`; inside an inline table of the array, `from[0].addresses`).
    private func inElement(_ error: TOMLError, _ n: Int, of path: LazyPath) -> TOMLError {
        guard let inner = error.keyPath else { return error }
        let outer = spelled(path.value)
        guard inner.hasPrefix(outer) else { return error }
        let rest = inner.dropFirst(outer.count)
        guard rest.isEmpty || rest.first == "." || rest.first == "[" else { return error }
        var out = error
        out.keyPath = outer + "[\(n)]" + rest
        return out
    }

    /// The character at byte `index` for a message: quoted, or named when it cannot be shown.
    private func describe(_ index: Int) -> String {
        guard index < b.count else { return "the end of the file" }
        let u = b[index]
        if u == Byte.newline || u == Byte.carriageReturn { return "the end of the line" }
        if u < 0x20 || u == Byte.delete { return "U+" + pad(Int(u), 4, radix: 16) }
        let character = scalarText(index)
        guard u >= 0x80, let scalar = character.unicodeScalars.first else { return "'\(character)'" }
        // A character that looks like another, or like nothing (pasted from a document or a chat), named.
        let code = "U+" + pad(Int(scalar.value), 4, radix: 16)
        let name = LookalikeCharacters.all[scalar.value].map { ", " + $0 } ?? ""
        let shown = LookalikeCharacters.all[scalar.value] == nil ? "'\(character)' " : ""
        return "\(shown)(\(code)\(name))"
    }
}

func isBareKeyByte(_ u: UInt8) -> Bool {
    switch u {
    case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
        UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
        return true
    default: return false
    }
}

/// "a string", "an integer", "an array".
func article(_ noun: String) -> String {
    guard let f = noun.unicodeScalars.first else { return noun }
    return ("aeiou".unicodeScalars.contains(f) ? "an " : "a ") + noun
}
