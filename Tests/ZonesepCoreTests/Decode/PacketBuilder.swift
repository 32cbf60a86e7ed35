import XCTest
import ZonesepCore

/// Assembles frames from header fields, so each test states the values it then expects back.
enum Build {
    static let macA: UInt64 = 0x02_00_00_00_00_0a
    static let macB: UInt64 = 0x02_00_00_00_00_0b

    static func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xff)] }
    static func be32(_ v: UInt32) -> [UInt8] { be16(UInt16(v >> 16)) + be16(UInt16(v & 0xffff)) }
    static func le32(_ v: UInt32) -> [UInt8] { be32(v).reversed() }
    static func mac(_ v: UInt64) -> [UInt8] {
        (0..<6).reversed().map { UInt8(truncatingIfNeeded: v >> (UInt64($0) * 8)) }
    }

    static func address(_ text: String) -> IPAddress {
        guard let a = IPAddress(text) else { fatalError("bad address in test: \(text)") }
        return a
    }

    static func v4(_ text: String) -> [UInt8] { be32(address(text).v4) }

    static func v6(_ text: String) -> [UInt8] {
        let raw = address(text).rawValue
        return (0..<16).reversed().map { UInt8(truncatingIfNeeded: raw >> (UInt128($0) * 8)) }
    }

    // MARK: Link layer

    /// Ethernet II, with VLAN tags (TPID, VLAN id) outermost first.
    static func ethernet(
        dst: UInt64 = macB, src: UInt64 = macA, tags: [(tpid: UInt16, vid: UInt16)] = [], type: UInt16,
        _ payload: [UInt8]
    ) -> [UInt8] {
        var out = mac(dst) + mac(src)
        for tag in tags { out += be16(tag.tpid) + be16(0xa000 | tag.vid) }  // PCP 5, DEI 0
        return out + be16(type) + payload
    }

    static func sll(
        packetType: UInt16 = 0, hatype: UInt16 = 1, address: [UInt8] = mac(macA), proto: UInt16, _ payload: [UInt8]
    ) -> [UInt8] {
        let padded = Array((address + [UInt8](repeating: 0, count: 8)).prefix(8))
        return be16(packetType) + be16(hatype) + be16(UInt16(address.count)) + padded + be16(proto) + payload
    }

    static func sll2(
        packetType: UInt8 = 4, hatype: UInt16 = 1, ifindex: UInt32 = 3, address: [UInt8] = mac(macA),
        proto: UInt16, _ payload: [UInt8]
    ) -> [UInt8] {
        let padded = Array((address + [UInt8](repeating: 0, count: 8)).prefix(8))
        return be16(proto) + [0, 0] + be32(ifindex) + be16(hatype) + [packetType, UInt8(address.count)] + padded
            + payload
    }

    // MARK: Network layer

    static func ipv4(
        src: String = "10.20.3.4", dst: String = "10.30.7.8", proto: UInt8, options: [UInt8] = [],
        id: UInt16 = 0x1234, dontFragment: Bool = false, moreFragments: Bool = false, fragmentOffset: UInt16 = 0,
        totalLength: UInt16? = nil, ihl: UInt8? = nil, version: UInt8 = 4, _ payload: [UInt8]
    ) -> [UInt8] {
        precondition(options.count % 4 == 0)
        let headerWords = ihl ?? UInt8(5 + options.count / 4)
        let total = totalLength ?? UInt16(20 + options.count + payload.count)
        var flags: UInt16 = fragmentOffset & 0x1fff
        if dontFragment { flags |= 0x4000 }
        if moreFragments { flags |= 0x2000 }
        var out: [UInt8] = [version << 4 | headerWords, 0]
        out += be16(total) + be16(id) + be16(flags) + [64, proto, 0, 0]
        return out + v4(src) + v4(dst) + options + payload
    }

    static func ipv6(
        src: String = "fd00:20::3:4", dst: String = "fd00:30::7:8", next: UInt8, payloadLength: UInt16? = nil,
        version: UInt8 = 6, _ payload: [UInt8]
    ) -> [UInt8] {
        var out: [UInt8] = [version << 4, 0, 0x12, 0x34]  // flow label 0x01234
        out += be16(payloadLength ?? UInt16(payload.count)) + [next, 64]
        return out + v6(src) + v6(dst) + payload
    }

    /// Hop-by-hop, destination options, routing or mobility header: `(units + 1) * 8` bytes of PadN.
    static func extensionHeader(next: UInt8, units: UInt8 = 0) -> [UInt8] {
        let length = (Int(units) + 1) * 8
        return [next, units, 1, UInt8(length - 4)] + [UInt8](repeating: 0, count: length - 4)
    }

    /// Routing header type 4 (segment routing) shape, with `units` 8-byte units of segments.
    static func routingHeader(next: UInt8, units: UInt8 = 2) -> [UInt8] {
        let length = (Int(units) + 1) * 8
        return [next, units, 4, 1] + [UInt8](repeating: 0, count: length - 4)
    }

    static func fragmentHeader(next: UInt8, offset: UInt16, more: Bool, id: UInt32) -> [UInt8] {
        [next, 0] + be16(offset << 3 | (more ? 1 : 0)) + be32(id)
    }

    /// Authentication header with a 96-bit ICV: payload length (in 4-byte units, minus 2) = 4.
    static func authenticationHeader(next: UInt8) -> [UInt8] {
        [next, 4, 0, 0] + be32(0x100) + be32(1) + [UInt8](repeating: 0xab, count: 12)
    }

    // MARK: Transport layer

    static func tcp(
        src: UInt16 = 51512, dst: UInt16 = 445, flags: UInt8, dataOffset: UInt8? = nil, options: [UInt8] = [],
        _ payload: [UInt8] = []
    ) -> [UInt8] {
        precondition(options.count % 4 == 0)
        let words = dataOffset ?? UInt8(5 + options.count / 4)
        return be16(src) + be16(dst) + be32(0x0102_0304) + be32(0x0506_0708) + [words << 4, flags]
            + be16(65535) + [0, 0, 0, 0] + options + payload
    }

    static func udp(src: UInt16 = 53000, dst: UInt16 = 53, length: UInt16? = nil, _ payload: [UInt8] = []) -> [UInt8] {
        be16(src) + be16(dst) + be16(length ?? UInt16(8 + payload.count)) + [0, 0] + payload
    }

    /// ICMP or ICMPv6: type, code, checksum 0, then the identifier and sequence (or the type-specific word).
    static func icmp(type: UInt8, code: UInt8 = 0, id: UInt16 = 0, seq: UInt16 = 0, _ payload: [UInt8] = []) -> [UInt8]
    {
        [type, code, 0, 0] + be16(id) + be16(seq) + payload
    }
}

/// Decodes `bytes` as a frame of `link` into a fresh value.
func decode(_ bytes: [UInt8], _ link: LinkType = .ethernet) -> DecodedPacket {
    var p = DecodedPacket()
    bytes.withUnsafeBytes { PacketDecoder.decode($0, linkType: link, into: &p) }
    return p
}

/// The invariants every decoded packet keeps, whatever its bytes.
func assertConsistent(
    _ p: DecodedPacket, _ context: @autoclosure () -> String = "", file: StaticString = #filePath,
    line: UInt = #line
) {
    let what = context()
    switch p.outcome {
    case .malformed:
        XCTAssertNotNil(p.anomaly, "malformed without anomaly \(what)", file: file, line: line)
        XCTAssertFalse(p.hasPorts, "ports on a malformed packet \(what)", file: file, line: line)
        XCTAssertFalse(p.hasInner, "inner tuple on a malformed packet \(what)", file: file, line: line)
    case .ip:
        XCTAssertNil(p.anomaly, what, file: file, line: line)
        XCTAssertTrue(p.ipVersion == 4 || p.ipVersion == 6, what, file: file, line: line)
        XCTAssertFalse(p.isNonFirstFragment, what, file: file, line: line)
    case .ipFragment:
        XCTAssertNil(p.anomaly, what, file: file, line: line)
        XCTAssertTrue(p.isFragment && p.isNonFirstFragment, what, file: file, line: line)
        XCTAssertFalse(p.hasPorts || p.hasInner, what, file: file, line: line)
    case .notIP:
        XCTAssertNil(p.anomaly, what, file: file, line: line)
        XCTAssertEqual(p.ipVersion, 0, what, file: file, line: line)
        XCTAssertFalse(p.hasPorts, what, file: file, line: line)
    }
    if p.hasPorts {
        XCTAssertTrue(
            [IPProtocolNumber.tcp, IPProtocolNumber.udp, IPProtocolNumber.sctp].contains(p.proto), what, file: file,
            line: line)
    } else {
        XCTAssertEqual(p.srcPort, 0, what, file: file, line: line)
        XCTAssertEqual(p.dstPort, 0, what, file: file, line: line)
    }
    if !p.hasInner {
        XCTAssertFalse(p.innerHasPorts, what, file: file, line: line)
        XCTAssertEqual(p.innerSrc.rawValue, 0, what, file: file, line: line)
        XCTAssertEqual(p.innerProto, 0, what, file: file, line: line)
    }
    if p.ipVersion == 4 {
        XCTAssertTrue(p.src.isIPv4 && p.dst.isIPv4, what, file: file, line: line)
    }
    XCTAssertLessThanOrEqual(p.vlanCount, 8, what, file: file, line: line)
    XCTAssertLessThanOrEqual(p.depth, DecodedPacket.maximumDepth, what, file: file, line: line)
    XCTAssertLessThanOrEqual(p.tunnels.count, Int(p.depth), what, file: file, line: line)
    if p.notVerified != nil {
        XCTAssertNil(p.anomaly, "not verified and malformed \(what)", file: file, line: line)
        XCTAssertFalse(p.coverage.isVerified, what, file: file, line: line)
    }
    // Coverage is exactly one thing, and agrees with the outcome.
    switch p.coverage {
    case .judged: XCTAssertTrue(p.outcome == .ip || p.outcome == .ipFragment, what, file: file, line: line)
    case .noIP: XCTAssertEqual(p.outcome, .notIP, what, file: file, line: line)
    case .malformed(let a): XCTAssertEqual(p.anomaly, a, what, file: file, line: line)
    case .notVerified: XCTAssertNotEqual(p.outcome, .malformed, what, file: file, line: line)
    }
}
