import ZonesepCore

/// Big-endian byte assembly for hand-made datagrams: each test states the values it then expects back.
struct Bytes {
    var bytes: [UInt8] = []

    init() {}
    init(_ build: (inout Bytes) -> Void) { build(&self) }

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) { bytes += [UInt8(v >> 8), UInt8(v & 0xff)] }
    mutating func u32(_ v: UInt32) {
        u16(UInt16(v >> 16))
        u16(UInt16(v & 0xffff))
    }
    mutating func u64(_ v: UInt64) {
        u32(UInt32(v >> 32))
        u32(UInt32(v & 0xffff_ffff))
    }
    mutating func raw(_ b: [UInt8]) { bytes += b }
    mutating func v4(_ text: String) { u32(Bytes.address(text).v4) }
    mutating func v6(_ text: String) {
        let raw = Bytes.address(text).rawValue
        bytes += (0..<16).reversed().map { UInt8(truncatingIfNeeded: raw >> (UInt128($0) * 8)) }
    }
    mutating func mac(_ text: String) {
        let v = MACAddress(text)?.rawValue ?? 0
        bytes += (0..<6).reversed().map { UInt8(truncatingIfNeeded: v >> (UInt64($0) * 8)) }
    }
    /// Writes a 16-bit length at `offset` (a header's length field, filled in once the body is known).
    mutating func patch16(at offset: Int, _ v: Int) {
        bytes[offset] = UInt8(v >> 8 & 0xff)
        bytes[offset + 1] = UInt8(v & 0xff)
    }

    static func address(_ text: String) -> IPAddress { IPAddress(text) ?? IPAddress(rawValue: 0) }
}

/// IPFIX and NetFlow v9 messages: a header, then sets whose length fields are computed.
enum Export {
    /// One set: its id and body (length filled in), padded with `padding` zero bytes.
    static func set(_ id: UInt16, padding: Int = 0, _ body: (inout Bytes) -> Void) -> [UInt8] {
        var b = Bytes()
        b.u16(id)
        b.u16(0)
        body(&b)
        b.raw([UInt8](repeating: 0, count: padding))
        b.patch16(at: 2, b.bytes.count)
        return b.bytes
    }

    static func ipfix(exportTime: UInt32 = 1_781_480_000, sequence: UInt32 = 0, domain: UInt32 = 1, _ sets: [UInt8]...)
        -> [UInt8]
    {
        var b = Bytes()
        b.u16(10)
        b.u16(0)
        b.u32(exportTime)
        b.u32(sequence)
        b.u32(domain)
        for s in sets { b.raw(s) }
        b.patch16(at: 2, b.bytes.count)
        return b.bytes
    }

    static func netflowV9(
        uptime: UInt32 = 100_000, unixSecs: UInt32 = 1_781_480_000, sequence: UInt32 = 0, sourceID: UInt32 = 7,
        count: UInt16 = 1, _ sets: [UInt8]...
    ) -> [UInt8] {
        var b = Bytes()
        b.u16(9)
        b.u16(count)
        b.u32(uptime)
        b.u32(unixSecs)
        b.u32(sequence)
        b.u32(sourceID)
        for s in sets { b.raw(s) }
        return b.bytes
    }

    /// A template record's field specifier: IANA (`enterprise` nil) or enterprise-specific.
    static func field(_ b: inout Bytes, _ id: UInt16, _ length: UInt16, enterprise: UInt32? = nil) {
        if let enterprise {
            b.u16(id | 0x8000)
            b.u16(length)
            b.u32(enterprise)
        } else {
            b.u16(id)
            b.u16(length)
        }
    }
}
