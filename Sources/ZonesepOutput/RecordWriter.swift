import ZonesepCore

/// Writes one record through a buffer on the stack and appends it to its destination in one piece: the
/// fixed parts (keys, punctuation, numbers, times, addresses, the Community ID) are stored byte by byte
/// through a pointer, checked against the buffer's end once a field, where an `Array.append` a piece cost
/// a uniqueness and a capacity check each (most of what a flow record cost). Longer parts (names from
/// zones.conf) are copied in whole; one that does not fit goes to the destination directly.
///
/// Made only by `RecordWriter.writing(into:_:)`, which flushes what is written when the body returns.
struct RecordWriter {
    /// 1 KiB: `withUnsafeTemporaryAllocation` takes a larger buffer from the heap, an allocation a record.
    static let capacity = 1024
    private var p: UnsafeMutablePointer<UInt8>
    private let start: UnsafeMutablePointer<UInt8>
    private let end: UnsafeMutablePointer<UInt8>
    private let out: UnsafeMutablePointer<[UInt8]>
    /// Where the last timestamp written digit by digit begins in the buffer (nil after a flush).
    private var lastTimestamp: UnsafeMutablePointer<UInt8>?
    private var lastTimestampMicros: Int64 = 0
    /// The caller's cache of the last day's text, kept across records (nil: none).
    private let clock: UnsafeMutablePointer<TimestampCache>?

    private init(
        buffer: UnsafeMutablePointer<UInt8>, out: UnsafeMutablePointer<[UInt8]>,
        clock: UnsafeMutablePointer<TimestampCache>?
    ) {
        p = buffer
        start = buffer
        end = buffer + RecordWriter.capacity
        self.out = out
        self.clock = clock
    }

    /// Runs `body` with a writer whose bytes are appended to `out` at the end.
    static func writing(into out: inout [UInt8], _ body: (inout RecordWriter) -> Void) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { buffer in
            guard let base = buffer.baseAddress else { return }
            withUnsafeMutablePointer(to: &out) { o in
                var w = RecordWriter(buffer: base, out: o, clock: nil)
                body(&w)
                w.flush()
            }
        }
    }

    /// `writing(into:_:)` with times written through `clock`, the text of the last day written
    /// (the records of a day share it).
    static func writing(into out: inout [UInt8], clock: inout TimestampCache, _ body: (inout RecordWriter) -> Void) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { buffer in
            guard let base = buffer.baseAddress else { return }
            withUnsafeMutablePointer(to: &out) { o in
                withUnsafeMutablePointer(to: &clock) { c in
                    var w = RecordWriter(buffer: base, out: o, clock: c)
                    body(&w)
                    w.flush()
                }
            }
        }
    }

    /// Moves what the buffer holds to the destination.
    mutating func flush() {
        if p > start { out.pointee.append(contentsOf: UnsafeBufferPointer(start: start, count: p - start)) }
        p = start
        lastTimestamp = nil
    }

    /// Bytes written so far and not yet taken from the destination (what it holds and the buffer does).
    var waiting: Int { out.pointee.count + (p - start) }

    /// Moves what the buffer holds to the destination and hands that to `take`, which empties it: a
    /// record of megabytes (a summary) goes out in pieces.
    mutating func drain(_ take: (inout [UInt8]) -> Void) {
        flush()
        take(&out.pointee)
    }

    /// The time `micros` again, when it is the one last written and still in the buffer (a flow record
    /// carries its end twice): copied, not formatted again.
    mutating func timestamp(again micros: Int64) {
        guard lastTimestamp != nil, lastTimestampMicros == micros else { return timestamp(micros) }
        reserve(29)
        // `reserve` may have flushed the buffer, and the time with it.
        guard let from = lastTimestamp else { return timestamp(micros) }
        p.update(from: from, count: 29)
        p += 29
    }

    /// Room for `n` more bytes (`n` at most `capacity`).
    @inline(__always)
    private mutating func reserve(_ n: Int) {
        if end - p < n { flush() }
    }

    /// ASCII literal: keys with their quotes and colon, punctuation.
    @inline(__always)
    mutating func literal(_ s: StaticString) {
        reserve(s.utf8CodeUnitCount)
        put(s)
    }

    /// `literal(s)` into room already reserved.
    @inline(__always)
    private mutating func put(_ s: StaticString) {
        let n = s.utf8CodeUnitCount
        p.update(from: s.utf8Start, count: n)
        p += n
    }

    @inline(__always)
    mutating func byte(_ b: UInt8) {
        reserve(1)
        p.pointee = b
        p += 1
    }

    /// Bytes that are already JSON (a name quoted and escaped once per map).
    mutating func bytes(_ b: [UInt8]) {
        b.withUnsafeBufferPointer { bytes($0) }
    }

    mutating func bytes(_ b: UnsafeBufferPointer<UInt8>) {
        guard let base = b.baseAddress else { return }
        if b.count > RecordWriter.capacity {
            flush()
            out.pointee.append(contentsOf: b)
            return
        }
        reserve(b.count)
        p.update(from: base, count: b.count)
        p += b.count
    }

    /// A string's UTF-8 bytes as they are (text checked or escaped already).
    mutating func text(_ s: String) {
        var s = s
        s.withUTF8 { bytes($0) }
    }

    /// `VisibleText.escape(s)`: the text's own bytes when none of them may start a character to escape
    /// (the common case: a file name, a hash), with no `String` made of it.
    mutating func visibleText(_ s: String) {
        var s = s
        let plain = s.withUTF8 { b in
            guard !VisibleText.mayNeedEscape(b) else { return false }
            bytes(b)
            return true
        }
        if !plain { text(VisibleText.escape(s)) }
    }

    /// A JSON string of `s`, escaped as `JSONObject` escapes it (text from outside: a file name, an error).
    mutating func jsonString(_ s: String) {
        var s = s
        s.withUTF8 { b in
            if !JSONObject.needsEscaping(b) {
                byte(UInt8(ascii: "\""))
                bytes(b)
                byte(UInt8(ascii: "\""))
            } else {
                var escaped: [UInt8] = []
                JSONObject.appendString(String(decoding: b, as: UTF8.self), to: &escaped)
                bytes(escaped)
            }
        }
    }

    /// A MAC address's text alone, without quotes.
    mutating func macText(_ m: MACAddress) {
        mac(m)
        // Written quoted: the closing quote is taken back and the text moved over the opening one.
        p -= 1
        (p - 18).update(from: p - 17, count: 17)
        p -= 1
    }

    /// `ProtocolName.of(proto)`, without quotes.
    mutating func protocolName(_ proto: UInt8) {
        switch proto {
        case IPProtocolNumber.tcp: literal("tcp")
        case IPProtocolNumber.udp: literal("udp")
        case IPProtocolNumber.icmp: literal("icmp")
        case IPProtocolNumber.icmpv6: literal("icmpv6")
        default: bytes(Array(ProtocolName.of(proto).utf8))
        }
    }

    /// A decimal number.
    @inline(__always)
    mutating func integer(_ v: UInt64) {
        reserve(20)
        writeInteger(v)
    }

    /// `integer(v)` into room already reserved (20 bytes).
    private mutating func writeInteger(_ v: UInt64) {
        // The length by comparisons (ports, counts and sizes mostly have five digits or fewer), then two
        // digits a division from the end: a flow record writes six numbers.
        var digits: Int
        if v < 100_000 {
            digits = v < 10 ? 1 : v < 100 ? 2 : v < 1000 ? 3 : v < 10000 ? 4 : 5
        } else {
            digits = 6
            var x = v / 1_000_000
            while x > 0 {
                x /= 10
                digits += 1
            }
        }
        var i = digits
        var x = v
        while x >= 100 {
            let q = x / 100
            i -= 2
            RecordWriter.two(UInt32(truncatingIfNeeded: x &- q &* 100), at: p + i)
            x = q
        }
        if x >= 10 {
            RecordWriter.two(UInt32(truncatingIfNeeded: x), at: p)
        } else {
            p[0] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: x)
        }
        p += digits
    }

    /// A number, or `null`.
    @inline(__always)
    mutating func integer(_ v: UInt16?) {
        if let v { integer(UInt64(v)) } else { literal("null") }
    }

    /// Two decimal digits of `v` (0-99) at `q`, copied from a table of the hundred pairs (the binary's
    /// constant data: no division, no array to make or check).
    @inline(__always)
    private static func two(_ v: UInt32, at q: UnsafeMutablePointer<UInt8>) {
        let pair = UnsafeRawPointer(RecordWriter.decimalPairs.utf8Start) + Int(min(v, 99)) &* 2
        UnsafeMutableRawPointer(q).copyMemory(from: pair, byteCount: 2)
    }

    /// "00", "01", … "99", one after another.
    @inline(__always)
    private static var decimalPairs: StaticString {
        """
        0001020304050607080910111213141516171819202122232425262728293031323334353637383940414243444546474849\
        5051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899
        """
    }

    /// Each byte value's decimal text followed by its dot, four bytes an entry ("0..." "1..." … "255."):
    /// an octet is one copy of its entry, the dot included, and a step past its digits and dot.
    @inline(__always)
    private static var octets: StaticString {
        """
        0...1...2...3...4...5...6...7...8...9...10..11..12..13..14..15..16..17..18..19..20..21..22..23..\
        24..25..26..27..28..29..30..31..32..33..34..35..36..37..38..39..40..41..42..43..44..45..46..47..\
        48..49..50..51..52..53..54..55..56..57..58..59..60..61..62..63..64..65..66..67..68..69..70..71..\
        72..73..74..75..76..77..78..79..80..81..82..83..84..85..86..87..88..89..90..91..92..93..94..95..\
        96..97..98..99..100.101.102.103.104.105.106.107.108.109.110.111.112.113.114.115.116.117.118.119.\
        120.121.122.123.124.125.126.127.128.129.130.131.132.133.134.135.136.137.138.139.140.141.142.143.\
        144.145.146.147.148.149.150.151.152.153.154.155.156.157.158.159.160.161.162.163.164.165.166.167.\
        168.169.170.171.172.173.174.175.176.177.178.179.180.181.182.183.184.185.186.187.188.189.190.191.\
        192.193.194.195.196.197.198.199.200.201.202.203.204.205.206.207.208.209.210.211.212.213.214.215.\
        216.217.218.219.220.221.222.223.224.225.226.227.228.229.230.231.232.233.234.235.236.237.238.239.\
        240.241.242.243.244.245.246.247.248.249.250.251.252.253.254.255.
        """
    }

    /// The two lowercase hex digits of each byte value, one after another ("00" … "ff").
    @inline(__always)
    private static var hexPairs: StaticString {
        """
        000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f\
        303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f\
        606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f\
        909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf\
        c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeef\
        f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff
        """
    }

    /// A packet time as an RFC 3339 JSON string (`Timestamp.rfc3339`), its quotes included; with
    /// `remember`, kept for `timestamp(again:)`.
    mutating func timestamp(_ micros: Int64, remember: Bool = false) {
        if let clock {
            let (day, second, us) = TimestampCache.split(micros)
            if clock.pointee.day == day {
                reserve(29)
                if remember {
                    lastTimestamp = p
                    lastTimestampMicros = micros
                }
                let date = clock.pointee.date
                let raw = UnsafeMutableRawPointer(p)
                raw.storeBytes(of: date.0, as: UInt64.self)
                raw.storeBytes(of: date.1, toByteOffset: 8, as: UInt32.self)
                writeTimeOfDay(UInt32(truncatingIfNeeded: second), micros: UInt32(truncatingIfNeeded: us))
                return
            }
            let f = Timestamp.Fields(micros)
            guard (0...9999).contains(f.year) else { return timestamp(micros, remember: remember, fields: f) }
            writeTimestamp(f, micros: micros, remember: remember)
            clock.pointee.day = day
            let raw = UnsafeRawPointer(p - 29)
            clock.pointee.date = (
                raw.loadUnaligned(as: UInt64.self), raw.loadUnaligned(fromByteOffset: 8, as: UInt32.self)
            )
            return
        }
        timestamp(micros, remember: remember, fields: Timestamp.Fields(micros))
    }

    /// `timestamp(_:remember:)` of a time split into its fields already.
    private mutating func timestamp(_ micros: Int64, remember: Bool, fields f: Timestamp.Fields) {
        guard (0...9999).contains(f.year) else {
            byte(UInt8(ascii: "\""))
            bytes(Array(Timestamp.rfc3339(micros).utf8))
            byte(UInt8(ascii: "\""))
            return
        }
        writeTimestamp(f, micros: micros, remember: remember)
    }

    /// The time's text alone, without quotes (a syslog header's TIMESTAMP).
    mutating func timestampText(_ micros: Int64) {
        let f = Timestamp.Fields(micros)
        guard (0...9999).contains(f.year) else { return bytes(Array(Timestamp.rfc3339(micros).utf8)) }
        writeTimestamp(f, micros: micros, remember: false)
        // Written quoted: the closing quote is taken back and the text moved over the opening one.
        p -= 1
        (p - 28).update(from: p - 27, count: 27)
        p -= 1
    }

    private mutating func writeTimestamp(_ f: Timestamp.Fields, micros: Int64, remember: Bool) {
        reserve(29)
        if remember {
            lastTimestamp = p
            lastTimestampMicros = micros
        }
        p[0] = UInt8(ascii: "\"")
        let year = UInt32(truncatingIfNeeded: f.year)
        RecordWriter.two(year / 100, at: p + 1)
        RecordWriter.two(year % 100, at: p + 3)
        p[5] = UInt8(ascii: "-")
        RecordWriter.two(UInt32(truncatingIfNeeded: f.month), at: p + 6)
        p[8] = UInt8(ascii: "-")
        RecordWriter.two(UInt32(truncatingIfNeeded: f.day), at: p + 9)
        p[11] = UInt8(ascii: "T")
        writeTimeOfDay(UInt32(truncatingIfNeeded: f.second), micros: UInt32(truncatingIfNeeded: f.micros))
    }

    /// The rest of a time from its 13th byte (room for 29 reserved at `p`, the date written):
    /// `HH:MM:SS.ffffffZ` and the closing quote; `p` is moved past it all.
    @inline(__always)
    private mutating func writeTimeOfDay(_ second: UInt32, micros us: UInt32) {
        RecordWriter.two(second / 3600, at: p + 12)
        p[14] = UInt8(ascii: ":")
        RecordWriter.two(second / 60 % 60, at: p + 15)
        p[17] = UInt8(ascii: ":")
        RecordWriter.two(second % 60, at: p + 18)
        p[20] = UInt8(ascii: ".")
        RecordWriter.two(us / 10000, at: p + 21)
        RecordWriter.two(us / 100 % 100, at: p + 23)
        RecordWriter.two(us % 100, at: p + 25)
        p[27] = UInt8(ascii: "Z")
        p[28] = UInt8(ascii: "\"")
        p += 29
    }

    /// The VLAN ids a flow key keeps, outermost first: `count` is 0, 1 or 2 (the outermost and the innermost).
    mutating func vlanPair(count: Int, outer: UInt64, inner: UInt64) {
        if count >= 1 { integer(outer) }
        if count >= 2 {
            byte(UInt8(ascii: ","))
            integer(inner)
        }
    }

    /// `,"vlan":[…]`: an alert's VLAN ids, outermost first, read where they are (the first packet's, else the
    /// flow key's), as the alert record and the summary's violations write them.
    mutating func vlanList(of a: Alert) {
        literal(",\"vlan\":[")
        if let ids = a.vlanIDs {
            for (i, v) in ids.enumerated() {
                if i > 0 { byte(UInt8(ascii: ",")) }
                integer(UInt64(v))
            }
        } else {
            vlanPair(count: Int(a.vlanCount), outer: UInt64(a.vlanOuter), inner: UInt64(a.vlanInner))
        }
        byte(UInt8(ascii: "]"))
    }

    /// `,"tunnel":[…]` (see `AlertFormat.tunnelJSON`), nothing when the flow was seen bare.
    mutating func tunnels(_ layers: [TunnelLayer]) {
        guard !layers.isEmpty else { return }
        literal(",\"tunnel\":")
        bytes(Array(AlertFormat.tunnelJSON(layers).utf8))
    }

    /// `,"proto":…,"src_ip":…,"src_port":…,"dest_ip":…,"dest_port":…`: the five fields every flow-shaped
    /// record (alert, flow record, the summary's violations) carries in this order; ports `null` for ICMP.
    /// Room is reserved once for all of it (`fiveTupleRoom`) and each piece stored unchecked: a check a piece
    /// was a fair share of its cost, in every alert, flow record and summary violation.
    mutating func fiveTuple(
        proto: UInt8, src: IPAddress, srcPort: UInt16?, dest: IPAddress, destPort: UInt16?, mappedIPv6: Bool = false
    ) {
        reserve(RecordWriter.fiveTupleRoom)
        put(",\"proto\":\"")
        switch proto {
        case IPProtocolNumber.tcp: put("tcp")
        case IPProtocolNumber.udp: put("udp")
        case IPProtocolNumber.icmp: put("icmp")
        case IPProtocolNumber.icmpv6: put("icmpv6")
        default:
            // A name of any length, checked as it is written; the room is then reserved again.
            protocolName(proto)
            reserve(RecordWriter.fiveTupleRoom)
        }
        put("\",\"src_ip\":\"")
        writeAddress(src, mappedIPv6: mappedIPv6)
        put("\",\"src_port\":")
        if let srcPort { writeInteger(UInt64(srcPort)) } else { put("null") }
        put(",\"dest_ip\":\"")
        writeAddress(dest, mappedIPv6: mappedIPv6)
        put("\",\"dest_port\":")
        if let destPort { writeInteger(UInt64(destPort)) } else { put("null") }
        assert(p <= end, "fiveTupleRoom is less than fiveTuple wrote")
    }

    /// The most `fiveTuple` writes besides an unlisted protocol's name: its keys and quotes (61 bytes), a
    /// listed protocol's name (6), two addresses (39 each) and two numbers (20 each, as `integer` reserves).
    @inline(__always)
    static var fiveTupleRoom: Int { 61 + 6 + 2 * 39 + 2 * 20 }

    /// An address as a JSON string, its quotes included: `IPAddress.description`'s text (dotted quad;
    /// RFC 5952 for IPv6, lower case, the longest run of two or more zero groups compressed, the first
    /// of equal runs).
    /// `mappedIPv6`: the address is an IPv6 packet's, so one in the IPv4-mapped block is written
    /// `::ffff:a.b.c.d` (`IPAddress.description(mappedIPv6:)`).
    mutating func address(_ a: IPAddress, mappedIPv6: Bool = false) {
        reserve(41)
        p.pointee = UInt8(ascii: "\"")
        p += 1
        writeAddress(a, mappedIPv6: mappedIPv6)
        p.pointee = UInt8(ascii: "\"")
        p += 1
    }

    /// The address's text alone, without quotes (inside a message).
    mutating func addressText(_ a: IPAddress, mappedIPv6: Bool = false) {
        reserve(39)
        writeAddress(a, mappedIPv6: mappedIPv6)
    }

    /// The text of `a` (at most 39 bytes; room already reserved).
    private mutating func writeAddress(_ a: IPAddress, mappedIPv6: Bool) {
        if a.isIPv4 {
            if mappedIPv6 {  // "::ffff:" and a dotted quad: 22 bytes at most
                for c in "::ffff:".utf8 {
                    p.pointee = c
                    p += 1
                }
            }
            // Each octet copied with its dot from a table (`octets`): divided out digit by digit an
            // address cost about 100 instructions, and an alert writes four, its summary entry two more.
            // The last octet's copy puts its dot past the text, in the room reserved, where the next
            // write goes.
            let v = a.v4
            writeOctet(v >> 24, dot: true)
            writeOctet(v >> 16 & 0xff, dot: true)
            writeOctet(v >> 8 & 0xff, dot: true)
            writeOctet(v & 0xff, dot: false)
        } else {
            writeIPv6(a.rawValue)
        }
    }

    /// The decimal text of `v` (0-255) at `p`, and its dot after it when `dot`; `p` left just after what
    /// it wrote. Four bytes are stored whatever the length: room already reserved.
    @inline(__always)
    private mutating func writeOctet(_ v: UInt32, dot: Bool) {
        let i = Int(v & 0xff)
        let entry = UnsafeRawPointer(RecordWriter.octets.utf8Start) + i &* 4
        UnsafeMutableRawPointer(p).copyMemory(from: entry, byteCount: 4)
        let digits = 1 &+ (i >= 10 ? 1 : 0) &+ (i >= 100 ? 1 : 0)
        p += digits &+ (dot ? 1 : 0)
    }

    /// The RFC 5952 text of an IPv6 address (at most 39 bytes; room already reserved).
    private mutating func writeIPv6(_ raw: UInt128) {
        var groups: (UInt16, UInt16, UInt16, UInt16, UInt16, UInt16, UInt16, UInt16) = (0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &groups) { g in
            let g16 = g.bindMemory(to: UInt16.self)
            for i in 0..<8 { g16[i] = UInt16(truncatingIfNeeded: raw >> UInt128((7 - i) * 16)) }
            let (bestStart, bestLen) = IPAddress.zeroRunToCompress { g16[$0] }
            var i = 0
            while i < 8 {
                if i == bestStart {
                    p[0] = UInt8(ascii: ":")
                    p[1] = UInt8(ascii: ":")
                    p += 2
                    i += bestLen
                    continue
                }
                if i > 0 && i != bestStart + bestLen {
                    p.pointee = UInt8(ascii: ":")
                    p += 1
                }
                writeHex(g16[i])
                i += 1
            }
        }
    }

    /// A group in lower-case hex without leading zeros.
    @inline(__always)
    private mutating func writeHex(_ v: UInt16) {
        var shift = 12
        while shift > 0 && v >> UInt16(shift) == 0 { shift -= 4 }
        while shift >= 0 {
            let d = UInt8(truncatingIfNeeded: v >> UInt16(shift) & 0xf)
            p.pointee = d < 10 ? UInt8(ascii: "0") &+ d : UInt8(ascii: "a") &+ (d &- 10)
            p += 1
            shift -= 4
        }
    }

    /// A MAC address as a JSON string (`02:00:00:20:03:04`), or `null`.
    mutating func mac(_ m: MACAddress?) {
        guard let m else { return literal("null") }
        reserve(19)
        p[0] = UInt8(ascii: "\"")
        let raw = m.rawValue
        let hex = UnsafeRawPointer(RecordWriter.hexPairs.utf8Start)
        for i in 0..<6 {
            let b = Int(truncatingIfNeeded: raw >> (UInt64(5 - i) * 8) & 0xff)
            UnsafeMutableRawPointer(p + 1 + 3 * i).copyMemory(from: hex + b &* 2, byteCount: 2)
            p[3 + 3 * i] = UInt8(ascii: ":")
        }
        p[18] = UInt8(ascii: "\"")
        p += 19
    }

    /// The Community ID's text alone (`1:` and the base64), without quotes.
    mutating func communityIDText(_ digest: UnsafeRawBufferPointer) {
        communityID(digest)
        // Written quoted: the closing quote is taken back and the text moved over the opening one.
        let n = 2 + (digest.count + 2) / 3 * 4
        p -= 1
        (p - n - 1).update(from: p - n, count: n)
        p -= 1
    }

    /// The flow's Community ID as a JSON string: `"1:` and the digest in base64 (28 characters).
    mutating func communityID(_ digest: UnsafeRawBufferPointer) {
        reserve(33)
        p[0] = UInt8(ascii: "\"")
        p[1] = UInt8(ascii: "1")
        p[2] = UInt8(ascii: ":")
        let n = (digest.count + 2) / 3 * 4
        Base64.encode(digest, into: UnsafeMutableBufferPointer(start: p + 3, count: n))
        p[3 + n] = UInt8(ascii: "\"")
        p += 4 + n
    }
}
