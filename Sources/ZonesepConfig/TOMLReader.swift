/// A TOML 1.0 reader that keeps every value's line and column.
///
/// It reads the whole document into `TOMLTable`, or throws the first `TOMLError`: a syntax error, or a
/// broken rule (a key given twice, a table defined twice, an inline table or static array extended).
public enum TOMLReader {
    /// Arrays and inline tables nested deeper than this are refused rather than risk the stack.
    public static let maximumNesting = 64

    public static func parse(_ text: String) throws(TOMLError) -> TOMLTable {
        var parser = TOMLParser(text)
        return try parser.document()
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

    var origin: Origin
    var position: TOMLPosition
    let path: [String]
    private(set) var order: [String] = []
    private(set) var slots: [String: Slot] = [:]

    init(origin: Origin, position: TOMLPosition, path: [String]) {
        self.origin = origin
        self.position = position
        self.path = path
    }

    func add(_ key: String, at position: TOMLPosition, _ item: Item) {
        order.append(key)
        slots[key] = Slot(keyPosition: position, item: item)
    }

    func build() -> TOMLTable {
        var entries: [TOMLTable.Entry] = []
        entries.reserveCapacity(order.count)
        for key in order {
            guard let slot = slots[key] else { continue }
            let value: TOMLValue
            switch slot.item {
            case .value(let v):
                value = v
            case .table(let t):
                value = TOMLValue(.table(t.build()), at: t.position)
            case .tables(let a):
                value = TOMLValue(
                    .array(a.tables.map { TOMLValue(.table($0.build()), at: $0.position) }), at: a.position)
            }
            entries.append(TOMLTable.Entry(key: key, keyPosition: slot.keyPosition, value: value))
        }
        return TOMLTable(entries: entries)
    }
}

/// The tables of an `[[array]]`, in order; `[[x]]` appends, `[x.y]` goes into the last one.
final class TableArrayBuilder {
    let position: TOMLPosition
    var tables: [TableBuilder]

    init(position: TOMLPosition, first: TableBuilder) {
        self.position = position
        self.tables = [first]
    }
}

// MARK: - The parser

/// The key path of a value being read, put together only when an inline table needs it: joining the
/// arrays for every key of a large file cost more than reading the values.
struct LazyPath {
    let base: [String]
    let keys: [(String, Int)]
    var value: [String] { base + keys.map(\.0) }
}

struct TOMLParser {
    private let s: [Unicode.Scalar]
    private var i = 0
    /// Index of the first scalar of each line, for turning an index into line and column.
    private let lineStarts: [Int]
    private var depth = 0
    /// The text's UTF-8 bytes and, for each scalar index, where its bytes start: text between two scalar
    /// indices becomes a String by copying bytes, not by appending scalars one by one.
    private let utf8: [UInt8]
    private let byteOffsets: [Int32]
    /// The line of the last position asked for: positions are asked for mostly in order.
    private var lastLine = 0

    init(_ text: String) {
        s = Array(text.unicodeScalars)
        utf8 = Array(text.utf8)
        var starts = [0]
        var offsets = [Int32]()
        offsets.reserveCapacity(s.count + 1)
        var byte: Int32 = 0
        for (k, u) in s.enumerated() {
            offsets.append(byte)
            byte &+= Int32(UTF8.width(u))
            if u == "\n" { starts.append(k + 1) }
        }
        offsets.append(byte)
        byteOffsets = offsets
        lineStarts = starts
    }

    // MARK: Document structure

    mutating func document() throws(TOMLError) -> TOMLTable {
        if peek() == "\u{FEFF}" { i += 1 }
        let root = TableBuilder(origin: .header, position: TOMLPosition(line: 1, column: 1), path: [])
        var current = root
        while true {
            skipWhitespace()
            guard let c = peek() else { break }
            switch c {
            case "#":
                try skipComment()
            case "\n", "\r":
                try newline()
            case "[":
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
        let isArray = peek() == "["
        if isArray { i += 1 }
        let keys = try key()
        guard peek() == "]" else {
            throw fail("expected ']' to close the table header, found \(describe(peek()))")
        }
        i += 1
        if isArray {
            guard peek() == "]" else {
                throw fail("expected ']]' to close the array-of-tables header, found \(describe(peek()))")
            }
            i += 1
        }
        let headerPosition = position(start)
        var table = root
        var path: [String] = []
        for (n, (k, at)) in keys.enumerated() {
            path.append(k)
            let isLast = n == keys.count - 1
            let slot = table.slots[k]
            if !isLast {
                switch slot?.item {
                case nil:
                    let sub = TableBuilder(origin: .implicit, position: headerPosition, path: path)
                    table.add(k, at: position(at), .table(sub))
                    table = sub
                case .table(let sub):
                    table = sub
                case .tables(let array):
                    guard let last = array.tables.last else { throw fail("internal: empty array of tables", at: at) }
                    table = last
                case .value(let v):
                    throw cannotExtend(v, path: path, at: at)
                }
                continue
            }
            let name = tomlKeyPath(path)
            switch slot?.item {
            case nil:
                let sub = TableBuilder(origin: .header, position: headerPosition, path: path)
                if isArray {
                    table.add(k, at: position(at), .tables(TableArrayBuilder(position: headerPosition, first: sub)))
                } else {
                    table.add(k, at: position(at), .table(sub))
                }
                return sub
            case .table(let sub):
                if isArray {
                    throw fail(
                        "[[\(name)]] conflicts with the table [\(name)] at line \(sub.position.line)", at: start,
                        path: path)
                }
                switch sub.origin {
                case .implicit:
                    sub.origin = .header
                    sub.position = headerPosition
                    return sub
                case .header:
                    throw fail(
                        "table [\(name)] is defined twice (first at line \(sub.position.line))", at: start, path: path)
                case .dotted:
                    throw fail(
                        "table [\(name)] was already defined with dotted keys at line \(sub.position.line)",
                        at: start, path: path)
                }
            case .tables(let array):
                guard isArray else {
                    throw fail(
                        "[\(name)] is already an array of tables (first [[\(name)]] at line \(array.position.line))",
                        at: start, path: path)
                }
                let sub = TableBuilder(origin: .header, position: headerPosition, path: path)
                array.tables.append(sub)
                return sub
            case .value(let v):
                throw cannotExtend(v, path: path, at: at)
            }
        }
        throw fail("expected a key in the table header", at: start)
    }

    /// `key = value`, the key possibly dotted, into `table`.
    private mutating func keyValue(into table: TableBuilder) throws(TOMLError) {
        let keys = try key()
        guard peek() == "=" else {
            throw fail("expected '=' after the key '\(tomlKeyPath(keys.map(\.0)))', found \(describe(peek()))")
        }
        i += 1
        skipWhitespace()
        let value = try value(path: LazyPath(base: table.path, keys: keys))
        try insert(keys, value, into: table)
    }

    private mutating func insert(
        _ keys: [(String, Int)], _ value: TOMLValue, into root: TableBuilder
    ) throws(TOMLError) {
        var table = root
        for (n, (k, at)) in keys.enumerated() {
            // Built only for a message or a new table: most keys need neither.
            let parent = table
            let path = { parent.path + [k] }
            let slot = table.slots[k]
            if n == keys.count - 1 {
                if let slot {
                    throw fail(
                        "duplicate key '\(tomlKeyPath(path()))' (first defined at line \(slot.keyPosition.line))",
                        at: at,
                        path: path())
                }
                table.add(k, at: position(at), .value(value))
                return
            }
            switch slot?.item {
            case nil:
                let sub = TableBuilder(origin: .dotted, position: position(at), path: path())
                table.add(k, at: position(at), .table(sub))
                table = sub
            case .table(let sub) where sub.origin == .dotted:
                table = sub
            case .table(let sub):
                throw fail(
                    "dotted keys cannot add to the table [\(tomlKeyPath(path()))] defined at line \(sub.position.line)",
                    at: at, path: path())
            case .tables(let array):
                throw fail(
                    "'\(tomlKeyPath(path()))' is an array of tables (line \(array.position.line)); "
                        + "dotted keys cannot add to it", at: at, path: path())
            case .value(let v):
                throw cannotExtend(v, path: path(), at: at)
            }
        }
    }

    private func cannotExtend(_ v: TOMLValue, path: [String], at: Int) -> TOMLError {
        let name = tomlKeyPath(path)
        switch v.content {
        case .table:
            return fail(
                "'\(name)' is an inline table (line \(v.position.line)), which cannot be extended", at: at, path: path)
        case .array:
            return fail(
                "'\(name)' is a static array (line \(v.position.line)), which cannot be extended", at: at, path: path)
        default:
            return fail("'\(name)' already holds \(article(v.typeName)) (line \(v.position.line))", at: at, path: path)
        }
    }

    // MARK: Keys

    /// A simple or dotted key; each part with the index it starts at.
    private mutating func key() throws(TOMLError) -> [(String, Int)] {
        var parts: [(String, Int)] = []
        while true {
            skipWhitespace()
            let start = i
            guard let c = peek() else { throw fail("expected a key, found the end of the file") }
            if c == "\"" || c == "'" {
                if peek(1) == c && peek(2) == c { throw fail("a key cannot be a multi-line string") }
                parts.append((c == "\"" ? try basicString() : try literalString(), start))
            } else if isBareKeyScalar(c) {
                while let u = peek(), isBareKeyScalar(u) { i += 1 }
                parts.append((text(start, i), start))
            } else {
                throw fail("expected a key, found \(describe(c))")
            }
            skipWhitespace()
            guard peek() == "." else { return parts }
            i += 1
        }
    }

    // MARK: Values

    private mutating func value(path: LazyPath) throws(TOMLError) -> TOMLValue {
        let start = i
        let at = position(i)
        guard let c = peek() else { throw fail("expected a value, found the end of the file") }
        switch c {
        case "\"":
            let str = peek(1) == "\"" && peek(2) == "\"" ? try multilineString(quote: "\"") : try basicString()
            return TOMLValue(.string(str), at: at)
        case "'":
            let str = peek(1) == "'" && peek(2) == "'" ? try multilineString(quote: "'") : try literalString()
            return TOMLValue(.string(str), at: at)
        case "[":
            return try array(path: path)
        case "{":
            return try inlineTable(path: path)
        case "0"..."9", "+", "-":
            return TOMLValue(try numberOrDate(), at: at)
        case "\n", "\r", "#":
            throw fail("expected a value, found the end of the line")
        default:
            guard isBareKeyScalar(c) else {
                throw fail(
                    "expected a value (string, number, boolean, date, array or inline table), found \(describe(c))")
            }
            while let u = peek(), isBareKeyScalar(u) { i += 1 }
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
        var items: [TOMLValue] = []
        while true {
            try skipBlankLines()
            if peek() == "]" { break }
            if atEnd { throw fail("the array opened at line \(position(start).line) has no closing ']'") }
            items.append(try value(path: path))
            try skipBlankLines()
            if peek() == "," {
                i += 1
                continue
            }
            if peek() == "]" { break }
            if atEnd { throw fail("the array opened at line \(position(start).line) has no closing ']'") }
            throw fail("expected ',' or ']' in the array, found \(describe(peek()))")
        }
        i += 1
        depth -= 1
        return TOMLValue(.array(items), at: position(start))
    }

    private mutating func inlineTable(path lazyPath: LazyPath) throws(TOMLError) -> TOMLValue {
        let path = lazyPath.value
        let start = i
        try enterNesting()
        i += 1
        let table = TableBuilder(origin: .header, position: position(start), path: path)
        skipWhitespace()
        if peek() == "}" {
            i += 1
            depth -= 1
            return TOMLValue(.table(table.build()), at: position(start))
        }
        while true {
            skipWhitespace()
            if isNewline(peek()) || atEnd {
                throw fail("an inline table must end on the line it starts on, with '}' (TOML 1.0)")
            }
            let keys = try key()
            guard peek() == "=" else {
                throw fail("expected '=' after the key '\(tomlKeyPath(keys.map(\.0)))', found \(describe(peek()))")
            }
            i += 1
            skipWhitespace()
            let v = try value(path: LazyPath(base: path, keys: keys))
            try insert(keys, v, into: table)
            skipWhitespace()
            switch peek() {
            case ",":
                i += 1
                skipWhitespace()
                if peek() == "}" { throw fail("a trailing comma is not allowed in an inline table") }
            case "}":
                i += 1
                depth -= 1
                return TOMLValue(.table(table.build()), at: position(start))
            case let c where isNewline(c) || c == nil:
                throw fail("an inline table must end on the line it starts on, with '}' (TOML 1.0)")
            case let c:
                throw fail("expected ',' or '}' in the inline table, found \(describe(c))")
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
        // Most strings hold no escape: find the closing quote and copy the bytes between.
        var j = i
        while j < s.count {
            let c = s[j]
            if c == "\"" {
                let text = self.text(i, j)
                i = j + 1
                return text
            }
            if c == "\\" || c.value < 0x20 || c.value == 0x7f { break }
            j += 1
        }
        var out = String.UnicodeScalarView()
        while true {
            guard let c = peek(), !isNewline(c) else {
                throw fail("the string has no closing '\"' on its line (use \"\"\" for a multi-line string)", at: start)
            }
            switch c {
            case "\"":
                i += 1
                return String(out)
            case "\\":
                out.append(try escape())
            default:
                try checkTextScalar(c, in: "a string")
                out.append(c)
                i += 1
            }
        }
    }

    /// `'...'`, taken as written, on one line.
    private mutating func literalString() throws(TOMLError) -> String {
        let start = i
        i += 1
        var out = String.UnicodeScalarView()
        while true {
            guard let c = peek(), !isNewline(c) else {
                throw fail("the literal string has no closing \"'\" on its line (use ''' for multi-line)", at: start)
            }
            i += 1
            if c == "'" { return String(out) }
            try checkTextScalar(c, in: "a literal string", at: i - 1)
            out.append(c)
        }
    }

    /// `"""..."""` (escapes, line-ending backslash) or `'''...'''` (as written).
    private mutating func multilineString(quote: Unicode.Scalar) throws(TOMLError) -> String {
        let start = i
        let isBasic = quote == "\""
        i += 3
        // A newline right after the opening delimiter is trimmed.
        if peek() == "\n" {
            i += 1
        } else if peek() == "\r" && peek(1) == "\n" {
            i += 2
        }
        var out = String.UnicodeScalarView()
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
                    for _ in 0..<(run - 3) { out.append(quote) }
                    i += run
                    return String(out)
                }
                for _ in 0..<run { out.append(quote) }
                i += run
                continue
            }
            switch c {
            case "\n":
                out.append("\n")
                i += 1
            case "\r":
                guard peek(1) == "\n" else { throw fail("a carriage return must be followed by a line feed") }
                out.append("\n")
                i += 2
            case "\\" where isBasic:
                // A backslash at the end of a line joins it to the next, eating the whitespace between.
                var j = i + 1
                while j < s.count && (s[j] == " " || s[j] == "\t") { j += 1 }
                if j < s.count && (s[j] == "\n" || (s[j] == "\r" && j + 1 < s.count && s[j + 1] == "\n")) {
                    i = j
                    while let u = peek(), u == " " || u == "\t" || u == "\n" || (u == "\r" && peek(1) == "\n") {
                        i += 1
                    }
                } else {
                    out.append(try escape())
                }
            default:
                try checkTextScalar(c, in: "a string")
                out.append(c)
                i += 1
            }
        }
    }

    /// One escape sequence, starting at its backslash.
    private mutating func escape() throws(TOMLError) -> Unicode.Scalar {
        let start = i
        i += 1
        guard let c = peek() else { throw fail("the string ends in the middle of an escape", at: start) }
        i += 1
        switch c {
        case "b": return "\u{08}"
        case "t": return "\t"
        case "n": return "\n"
        case "f": return "\u{0C}"
        case "r": return "\r"
        case "\"": return "\""
        case "\\": return "\\"
        case "u", "U":
            let count = c == "u" ? 4 : 8
            var hex = ""
            for _ in 0..<count {
                guard let h = peek(), h.properties.isASCIIHexDigit else {
                    throw fail("\\\(c) must be followed by \(count) hexadecimal digits", at: start)
                }
                hex.unicodeScalars.append(h)
                i += 1
            }
            guard let v = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(v) else {
                throw fail("\\\(c)\(hex) is not a Unicode scalar value", at: start)
            }
            return scalar
        default:
            throw fail(
                "invalid escape \\\(String(c)) (allowed: \\b \\t \\n \\f \\r \\\" \\\\ \\uXXXX \\UXXXXXXXX)", at: start)
        }
    }

    private func checkTextScalar(_ c: Unicode.Scalar, in what: String, at index: Int? = nil) throws(TOMLError) {
        if (c.value < 0x20 && c != "\t") || c.value == 0x7f {
            throw fail("control character \(describe(c)) is not allowed in \(what); write it as an escape", at: index)
        }
    }

    // MARK: Numbers, dates and times

    private mutating func numberOrDate() throws(TOMLError) -> TOMLValue.Content {
        if digitsAhead(4) && peek(4) == "-" { return try dateOrDateTime() }
        if digitsAhead(2) && peek(2) == ":" {
            let start = i
            return .time(try time(start: start))
        }
        let start = i
        while let u = peek(), isBareKeyScalar(u) || u == "+" || u == "." { i += 1 }
        let token = text(start, i)
        guard let content = TOMLParser.number(token) else {
            throw fail("'\(token)' is not a valid number", at: start)
        }
        return content
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

    private mutating func dateOrDateTime() throws(TOMLError) -> TOMLValue.Content {
        let start = i
        guard let y = digits(4), take("-"), let m = digits(2), take("-"), let d = digits(2) else {
            throw fail("expected a date like 2027-03-31", at: start)
        }
        guard (1...12).contains(m), d >= 1, d <= TOMLDate.daysIn(month: m, year: y) else {
            throw fail("'\(text(start, i))' is not a valid date", at: start)
        }
        let date = TOMLDate(year: y, month: m, day: d)
        let hasTime: Bool
        switch peek() {
        case "T", "t": hasTime = true
        case " ": hasTime = digitsAhead(2, from: i + 1) && peek(3) == ":"
        default: hasTime = false
        }
        guard hasTime else { return .date(date) }
        i += 1
        let t = try time(start: start)
        var offset: Int?
        switch peek() {
        case "Z", "z":
            i += 1
            offset = 0
        case "+", "-":
            let sign = peek() == "-" ? -1 : 1
            i += 1
            guard let oh = digits(2), take(":"), let om = digits(2), oh < 24, om < 60 else {
                throw fail("expected a UTC offset like +09:00 after the time", at: start)
            }
            offset = sign * (oh * 60 + om)
        default:
            offset = nil
        }
        return .dateTime(TOMLDateTime(date: date, time: t, offsetMinutes: offset))
    }

    private mutating func time(start: Int) throws(TOMLError) -> TOMLTime {
        guard let h = digits(2), take(":"), let m = digits(2) else {
            throw fail("expected a time like 07:32:00", at: start)
        }
        guard take(":"), let sec = digits(2) else {
            throw fail("expected seconds in the time (07:32:00; TOML 1.0 requires them)", at: start)
        }
        var nanos = 0
        if peek() == "." {
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
            guard count > 0 else { throw fail("expected digits after the '.' in the time", at: start) }
            for _ in count..<9 { n *= 10 }
            nanos = n
        }
        guard h < 24, m < 60, sec <= 60 else {
            throw fail("'\(text(start, i))' is not a valid time", at: start)
        }
        return TOMLTime(hour: h, minute: m, second: sec, nanosecond: nanos)
    }

    private mutating func digits(_ n: Int) -> Int? {
        guard digitsAhead(n) else { return nil }
        var v = 0
        for _ in 0..<n {
            v = v * 10 + (asciiDigit(s[i]) ?? 0)
            i += 1
        }
        return v
    }

    private func digitsAhead(_ n: Int, from: Int? = nil) -> Bool {
        let base = from ?? i
        guard base + n <= s.count else { return false }
        return (base..<(base + n)).allSatisfy { asciiDigit(s[$0]) != nil }
    }

    private mutating func take(_ u: Unicode.Scalar) -> Bool {
        guard peek() == u else { return false }
        i += 1
        return true
    }

    private func asciiDigit(_ u: Unicode.Scalar) -> Int? {
        u.value >= 48 && u.value <= 57 ? Int(u.value - 48) : nil
    }

    // MARK: Whitespace, comments, line ends

    private var atEnd: Bool { i >= s.count }

    private func peek(_ k: Int = 0) -> Unicode.Scalar? {
        i + k < s.count ? s[i + k] : nil
    }

    private func isNewline(_ u: Unicode.Scalar?) -> Bool { u == "\n" || u == "\r" }

    private mutating func skipWhitespace() {
        while let u = peek(), u == " " || u == "\t" { i += 1 }
    }

    /// Whitespace, comments and newlines: what may sit between array elements.
    private mutating func skipBlankLines() throws(TOMLError) {
        while true {
            skipWhitespace()
            switch peek() {
            case "#": try skipComment()
            case "\n", "\r": try newline()
            default: return
            }
        }
    }

    private mutating func skipComment() throws(TOMLError) {
        i += 1
        while let u = peek(), u != "\n" {
            if u == "\r" && peek(1) == "\n" { return }
            try checkTextScalar(u, in: "a comment")
            i += 1
        }
    }

    private mutating func newline() throws(TOMLError) {
        if peek() == "\n" {
            i += 1
        } else if peek() == "\r" && peek(1) == "\n" {
            i += 2
        } else {
            throw fail("a carriage return must be followed by a line feed")
        }
    }

    /// After a key/value pair or a header only whitespace and a comment may follow on the line.
    private mutating func endOfLine(after what: String) throws(TOMLError) {
        skipWhitespace()
        if peek() == "#" { try skipComment() }
        if atEnd { return }
        guard isNewline(peek()) else {
            throw fail("expected the end of the line after \(what), found \(describe(peek()))")
        }
        try newline()
    }

    // MARK: Positions and messages

    /// The place of `index`, for messages (no cache: a message is made once).
    private func place(_ index: Int) -> TOMLPosition {
        var lo = 0
        var hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= index { lo = mid } else { hi = mid - 1 }
        }
        return TOMLPosition(line: lo + 1, column: index - lineStarts[lo] + 1)
    }

    /// The place of `index`, trying the line of the last one first.
    private mutating func position(_ index: Int) -> TOMLPosition {
        var line = lastLine
        if !(lineStarts[line] <= index && (line + 1 == lineStarts.count || index < lineStarts[line + 1])) {
            var lo = 0
            var hi = lineStarts.count - 1
            while lo < hi {
                let mid = (lo + hi + 1) / 2
                if lineStarts[mid] <= index { lo = mid } else { hi = mid - 1 }
            }
            line = lo
            lastLine = lo
        }
        return TOMLPosition(line: line + 1, column: index - lineStarts[line] + 1)
    }

    private func text(_ from: Int, _ to: Int) -> String {
        let end = min(to, s.count)
        guard from < end else { return "" }
        return String(decoding: utf8[Int(byteOffsets[from])..<Int(byteOffsets[end])], as: UTF8.self)
    }

    private func fail(_ reason: String, at index: Int? = nil, path: [String]? = nil) -> TOMLError {
        let p = place(index ?? i)
        return TOMLError(line: p.line, column: p.column, reason: reason, keyPath: path.map(tomlKeyPath))
    }

    private func describe(_ u: Unicode.Scalar?) -> String {
        guard let u else { return "the end of the file" }
        if u == "\n" || u == "\r" { return "the end of the line" }
        if u.value < 0x20 || u.value == 0x7f { return "U+" + pad(Int(u.value), 4, radix: 16) }
        return "'\(u)'"
    }
}

/// "a string", "an integer", "an array".
func article(_ noun: String) -> String {
    guard let f = noun.unicodeScalars.first else { return noun }
    return ("aeiou".unicodeScalars.contains(f) ? "an " : "a ") + noun
}
