/// The TOML document model: every value keeps the line and column it was written at, so that the
/// zones.conf checks can point at the exact spot. `TOMLReader` (TOMLReader.swift) builds it.

/// A place in the source text: 1-based line, and 1-based column counted in Unicode scalars
/// (so `ネットワーク` is six columns, not eighteen bytes).
///
/// Held in 32 bits each (a file of more than 2^31 lines is not read): every value and key of a document
/// carries one, and a document of ten thousand declarations holds a hundred thousand values.
public struct TOMLPosition: Sendable, Hashable, Comparable, CustomStringConvertible {
    private var storedLine: Int32
    private var storedColumn: Int32

    public var line: Int {
        get { Int(storedLine) }
        set { storedLine = Int32(clamping: newValue) }
    }
    public var column: Int {
        get { Int(storedColumn) }
        set { storedColumn = Int32(clamping: newValue) }
    }

    public init(line: Int, column: Int) {
        storedLine = Int32(clamping: line)
        storedColumn = Int32(clamping: column)
    }

    public static func < (a: TOMLPosition, b: TOMLPosition) -> Bool {
        (a.line, a.column) < (b.line, b.column)
    }

    public var description: String { "\(line):\(column)" }
}

/// A calendar date as TOML writes it (`2027-03-31`), already checked to exist. The year is held in 32
/// bits and the month and day in 16 (TOML writes four and two digits), so that a value of the document
/// stays small: every value is as large as its largest case, the date-time.
public struct TOMLDate: Sendable, Hashable, CustomStringConvertible {
    private var storedYear: Int32
    private var storedMonth: Int16
    private var storedDay: Int16

    public var year: Int {
        get { Int(storedYear) }
        set { storedYear = Int32(clamping: newValue) }
    }
    public var month: Int {
        get { Int(storedMonth) }
        set { storedMonth = Int16(clamping: newValue) }
    }
    public var day: Int {
        get { Int(storedDay) }
        set { storedDay = Int16(clamping: newValue) }
    }

    public init(year: Int, month: Int, day: Int) {
        storedYear = Int32(clamping: year)
        storedMonth = Int16(clamping: month)
        storedDay = Int16(clamping: day)
    }

    /// Days since 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's `days_from_civil`).
    public var daysSinceEpoch: Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let m = Int64(month)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    public var description: String {
        guard (0...9999).contains(year), (0...99).contains(month), (0...99).contains(day) else {
            return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2)
        }
        // Written in one go: a large policy spells an expiry date for each of its exceptions.
        return String(unsafeUninitializedCapacity: 10) { out in
            func digits(_ value: Int, count: Int, endingAt last: Int) {
                var v = value
                for k in stride(from: last, to: last - count, by: -1) {
                    out[k] = UInt8(ascii: "0") + UInt8(v % 10)
                    v /= 10
                }
            }
            digits(year, count: 4, endingAt: 3)
            digits(month, count: 2, endingAt: 6)
            digits(day, count: 2, endingAt: 9)
            out[4] = UInt8(ascii: "-")
            out[7] = UInt8(ascii: "-")
            return 10
        }
    }

    static func isLeap(_ y: Int) -> Bool { y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

/// A time of day (`07:32:00.999`), with the fraction kept to nanoseconds; the fields held in 16 bits and
/// the fraction in 32, as small as `TOMLDate`'s.
public struct TOMLTime: Sendable, Hashable, CustomStringConvertible {
    // The 32-bit field first, so that the three 16-bit ones pack after it.
    private var storedNanosecond: Int32
    private var storedHour: Int16
    private var storedMinute: Int16
    private var storedSecond: Int16

    public var hour: Int {
        get { Int(storedHour) }
        set { storedHour = Int16(clamping: newValue) }
    }
    public var minute: Int {
        get { Int(storedMinute) }
        set { storedMinute = Int16(clamping: newValue) }
    }
    public var second: Int {
        get { Int(storedSecond) }
        set { storedSecond = Int16(clamping: newValue) }
    }
    public var nanosecond: Int {
        get { Int(storedNanosecond) }
        set { storedNanosecond = Int32(clamping: newValue) }
    }

    public init(hour: Int, minute: Int, second: Int, nanosecond: Int = 0) {
        storedHour = Int16(clamping: hour)
        storedMinute = Int16(clamping: minute)
        storedSecond = Int16(clamping: second)
        storedNanosecond = Int32(clamping: nanosecond)
    }

    /// Seconds since midnight (a leap second 60 counts as the next second).
    public var secondsOfDay: Int64 { Int64(hour * 3600 + minute * 60 + second) }

    public var description: String {
        var s = pad(hour, 2) + ":" + pad(minute, 2) + ":" + pad(second, 2)
        if nanosecond != 0 {
            var frac = pad(nanosecond, 9)
            while frac.hasSuffix("0") { frac.removeLast() }
            s += "." + frac
        }
        return s
    }
}

/// A date and time; with `offsetMinutes` it is an offset date-time (an instant), without it a local
/// date-time (a wall-clock reading whose zone the reader of the file decides).
public struct TOMLDateTime: Sendable, Hashable, CustomStringConvertible {
    public var date: TOMLDate
    public var time: TOMLTime
    private var storedOffset: Int16?

    /// Minutes east of UTC (`+09:00` is 540, `Z` is 0); nil for a local date-time.
    public var offsetMinutes: Int? {
        get { storedOffset.map(Int.init) }
        set { storedOffset = newValue.map { Int16(clamping: $0) } }
    }

    public init(date: TOMLDate, time: TOMLTime, offsetMinutes: Int? = nil) {
        self.date = date
        self.time = time
        storedOffset = offsetMinutes.map { Int16(clamping: $0) }
    }

    /// Microseconds since the Unix epoch, reading a local date-time at `localOffsetMinutes`.
    public func epochMicros(localOffsetMinutes: Int) -> Int64 {
        let offset = Int64(offsetMinutes ?? localOffsetMinutes) * 60
        let seconds = date.daysSinceEpoch * 86_400 + time.secondsOfDay - offset
        return seconds * 1_000_000 + Int64(time.nanosecond / 1000)
    }

    public var description: String {
        let d = date
        let t = time
        let off = offsetMinutes ?? 0
        guard (0...9999).contains(d.year), (0...99).contains(d.month), (0...99).contains(d.day),
            (0...99).contains(t.hour), (0...99).contains(t.minute), (0...99).contains(t.second), t.nanosecond == 0,
            abs(off) < 100 * 60
        else { return spelledPiecewise }
        // Written in one go, as the date is: a large policy's expiries are mostly date-times like these.
        let count = offsetMinutes == nil ? 19 : off == 0 ? 20 : 25
        return String(unsafeUninitializedCapacity: count) { out in
            func digits(_ value: Int, count: Int, endingAt last: Int) {
                var v = value
                for k in stride(from: last, to: last - count, by: -1) {
                    out[k] = UInt8(ascii: "0") + UInt8(v % 10)
                    v /= 10
                }
            }
            digits(d.year, count: 4, endingAt: 3)
            out[4] = UInt8(ascii: "-")
            digits(d.month, count: 2, endingAt: 6)
            out[7] = UInt8(ascii: "-")
            digits(d.day, count: 2, endingAt: 9)
            out[10] = UInt8(ascii: "T")
            digits(t.hour, count: 2, endingAt: 12)
            out[13] = UInt8(ascii: ":")
            digits(t.minute, count: 2, endingAt: 15)
            out[16] = UInt8(ascii: ":")
            digits(t.second, count: 2, endingAt: 18)
            if count == 20 { out[19] = UInt8(ascii: "Z") }
            if count == 25 {
                out[19] = off < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+")
                digits(abs(off) / 60, count: 2, endingAt: 21)
                out[22] = UInt8(ascii: ":")
                digits(abs(off) % 60, count: 2, endingAt: 24)
            }
            return count
        }
    }

    /// The same text put together from its parts: for a fraction of a second and out-of-range fields.
    var spelledPiecewise: String {
        var s = date.description + "T" + time.description
        if let off = offsetMinutes {
            if off == 0 {
                s += "Z"
            } else {
                let a = abs(off)
                s += (off < 0 ? "-" : "+") + pad(a / 60, 2) + ":" + pad(a % 60, 2)
            }
        }
        return s
    }
}

/// One TOML value and where it starts. Tables made by `[header]` or `[[header]]` start at the header.
public struct TOMLValue: Sendable, Equatable {
    public enum Content: Sendable, Equatable {
        case string(String)
        case integer(Int64)
        case float(Double)
        case boolean(Bool)
        /// Offset date-time (`offsetMinutes` set) or local date-time.
        case dateTime(TOMLDateTime)
        /// Local date.
        case date(TOMLDate)
        /// Local time.
        case time(TOMLTime)
        /// An array, including an array of tables made by `[[header]]`.
        case array([TOMLValue])
        case table(TOMLTable)
    }

    public var content: Content
    public var position: TOMLPosition

    public init(_ content: Content, at position: TOMLPosition) {
        self.content = content
        self.position = position
    }

    public var string: String? {
        if case .string(let s) = content { return s }
        return nil
    }
    public var integer: Int64? {
        if case .integer(let v) = content { return v }
        return nil
    }
    public var float: Double? {
        if case .float(let v) = content { return v }
        return nil
    }
    public var boolean: Bool? {
        if case .boolean(let v) = content { return v }
        return nil
    }
    public var array: [TOMLValue]? {
        if case .array(let v) = content { return v }
        return nil
    }
    public var table: TOMLTable? {
        if case .table(let v) = content { return v }
        return nil
    }

    /// The TOML type name, for messages: "string", "integer", "offset date-time", "table", ...
    public var typeName: String {
        switch content {
        case .string: return "string"
        case .integer: return "integer"
        case .float: return "float"
        case .boolean: return "boolean"
        case .dateTime(let d): return d.offsetMinutes == nil ? "local date-time" : "offset date-time"
        case .date: return "local date"
        case .time: return "local time"
        case .array: return "array"
        case .table: return "table"
        }
    }
}

/// A table: its keys in the order the file wrote them, each with the position of the key itself.
public struct TOMLTable: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var key: String
        public var keyPosition: TOMLPosition
        public var value: TOMLValue

        public init(key: String, keyPosition: TOMLPosition, value: TOMLValue) {
            self.key = key
            self.keyPosition = keyPosition
            self.value = value
        }
    }

    public var entries: [Entry]

    public init(entries: [Entry] = []) {
        self.entries = entries
    }

    public var keys: [String] { entries.map(\.key) }
    public var isEmpty: Bool { entries.isEmpty }

    /// The value under `key`, or nil (tables in zones.conf are small, so a scan is fine).
    public subscript(key: String) -> TOMLValue? {
        for n in entries.indices where entries[n].key == key { return entries[n].value }
        return nil
    }

    public func entry(_ key: String) -> Entry? {
        entries.first { $0.key == key }
    }
}

/// A syntax error, or a TOML rule broken (duplicate key, table defined twice), with its place.
public struct TOMLError: Error, Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    /// Plain-English reason, e.g. "duplicate key 'kind' (first defined at line 5)".
    public var reason: String
    /// The dotted key concerned, for the rule errors that have one (`zones.lgwan.kind`).
    public var keyPath: String?

    public init(line: Int, column: Int, reason: String, keyPath: String? = nil) {
        self.line = line
        self.column = column
        self.reason = reason
        self.keyPath = keyPath
    }

    public var description: String { "\(line):\(column): \(reason)" }
}

/// Writes a key as TOML would need it: bare when it is only `A-Za-z0-9_-`, quoted otherwise.
public func tomlKeyText(_ key: String) -> String {
    if !key.isEmpty && key.unicodeScalars.allSatisfy(isBareKeyScalar) { return key }
    var out = "\""
    for u in key.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        default:
            if u.value < 0x20 || u.value == 0x7f {
                out += "\\u" + pad(Int(u.value), 4, radix: 16)
            } else {
                out.unicodeScalars.append(u)
            }
        }
    }
    return out + "\""
}

/// A dotted key path in TOML spelling (`zones."第一".networks`).
public func tomlKeyPath(_ keys: [String]) -> String {
    keys.map(tomlKeyText).joined(separator: ".")
}

func isBareKeyScalar(_ u: Unicode.Scalar) -> Bool {
    switch u {
    case "A"..."Z", "a"..."z", "0"..."9", "_", "-": return true
    default: return false
    }
}

/// `n` in `radix` (upper-case letters), zero-padded to `width`; written digit by digit, since a large
/// policy's expiry dates are spelled ten thousand times.
func pad(_ n: Int, _ width: Int, radix: Int = 10) -> String {
    guard n >= 0, (2...16).contains(radix) else {
        let s = String(n, radix: radix, uppercase: true)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
    var count = 1
    var rest = n / radix
    while rest > 0 {
        count += 1
        rest /= radix
    }
    let total = max(count, width)
    return String(unsafeUninitializedCapacity: total) { out in
        var v = n
        for k in stride(from: total - 1, through: 0, by: -1) {
            let d = UInt8(v % radix)
            v /= radix
            out[k] = d < 10 ? UInt8(ascii: "0") + d : UInt8(ascii: "A") + d - 10
        }
        return total
    }
}
