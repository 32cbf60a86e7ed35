import XCTest
import ZonesepCore

/// Tunnel and tag headers from their fields, so each test states the values it then expects back.
extension Build {
    /// GRE (RFC 2784/2890): the optional checksum, key and sequence number present when given.
    static func gre(
        type: UInt16, checksum: Bool = false, key: UInt32? = nil, sequence: UInt32? = nil, version: UInt16 = 0,
        _ payload: [UInt8]
    ) -> [UInt8] {
        var flags = version
        if checksum { flags |= 0x8000 }
        if key != nil { flags |= 0x2000 }
        if sequence != nil { flags |= 0x1000 }
        var out = be16(flags) + be16(type)
        if checksum { out += [0xbe, 0xef, 0, 0] }
        if let k = key { out += be32(k) }
        if let s = sequence { out += be32(s) }
        return out + payload
    }

    /// ERSPAN type I: GRE 0x88be without a sequence number, and the frame straight after.
    static func erspanI(_ frame: [UInt8]) -> [UInt8] { gre(type: 0x88be, frame) }

    /// ERSPAN type II in GRE with a sequence number: version 1, VLAN, COS 0, En (3: the tag kept in the
    /// frame, 2: taken off it into the VLAN field), session.
    static func erspanII(
        session: UInt16, vlan: UInt16 = 0, en: UInt8 = 3, version: UInt8 = 1, _ frame: [UInt8]
    ) -> [UInt8] {
        let word0 =
            UInt32(version) << 28 | UInt32(vlan & 0xfff) << 16 | UInt32(en & 3) << 11 | UInt32(session & 0x3ff)
        return gre(type: 0x88be, sequence: 7, be32(word0) + be32(42) + frame)
    }

    /// ERSPAN type III in GRE: version 2, session, timestamp, frame type, and the platform subheader when given.
    static func erspanIII(
        session: UInt16, frameType: UInt8 = 0, platform: [UInt8]? = nil, version: UInt8 = 2, _ frame: [UInt8]
    ) -> [UInt8] {
        let word0 = UInt32(version) << 28 | UInt32(session & 0x3ff)
        let word2 = UInt32(0x1234) << 16 | UInt32(frameType & 0x1f) << 10 | (platform == nil ? 0 : 1)
        return gre(type: 0x22eb, sequence: 9, be32(word0) + be32(0xdead_beef) + be32(word2) + (platform ?? []) + frame)
    }

    /// EtherIP (RFC 3378): version 3 and the reserved bits, then the frame.
    static func etherIP(version: UInt8 = 3, _ frame: [UInt8]) -> [UInt8] { [version << 4, 0] + frame }

    static func vxlan(vni: UInt32, valid: Bool = true, _ frame: [UInt8]) -> [UInt8] {
        [valid ? 0x08 : 0x00, 0, 0, 0] + be32(vni << 8) + frame
    }

    /// Geneve with options (a multiple of 4 bytes) and a protocol type.
    static func geneve(
        vni: UInt32, type: UInt16 = 0x6558, options: [UInt8] = [], version: UInt8 = 0, _ payload: [UInt8]
    ) -> [UInt8] {
        precondition(options.count % 4 == 0)
        return [version << 6 | UInt8(options.count / 4), 0] + be16(type) + be32(vni << 8) + options + payload
    }

    /// An MPLS label stack, the bottom-of-stack bit on the last.
    static func mpls(_ labels: [UInt32], _ payload: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        for (i, label) in labels.enumerated() {
            out += be32(label << 12 | (i == labels.count - 1 ? 0x100 : 0) | 64)
        }
        return out + payload
    }

    /// A PPPoE session header and the PPP protocol, LENGTH counting both.
    static func pppoe(session: UInt16, proto: UInt16, header: UInt8 = 0x11, code: UInt8 = 0, _ payload: [UInt8])
        -> [UInt8]
    {
        [header, code] + be16(session) + be16(UInt16(payload.count + 2)) + be16(proto) + payload
    }

    static func eTag(type: UInt16, _ payload: [UInt8]) -> [UInt8] {
        [0x20, 0x05, 0x00, 0x2a, 0x00, 0x00] + be16(type) + payload
    }

    static func vnTag(type: UInt16, _ payload: [UInt8]) -> [UInt8] { [0x80, 0x11, 0x00, 0x22] + be16(type) + payload }

    static func sctp(src: UInt16, dst: UInt16) -> [UInt8] {
        be16(src) + be16(dst) + be32(0xcafe) + be32(0) + [1, 0, 0, 4]
    }

    /// The host's own TCP SYN from 10.20.3.4:51512 to 10.30.7.8:445, framed, with tags when given.
    static func hostFrame(tags: [(tpid: UInt16, vid: UInt16)] = []) -> [UInt8] {
        ethernet(dst: 0x02_00_00_30_07_08, src: 0x02_00_00_20_03_04, tags: tags, type: 0x0800, hostPacket)
    }

    static var hostPacket: [UInt8] { ipv4(proto: 6, tcp(src: 51512, dst: 445, flags: 2)) }

    /// An outer IPv4 packet from the mirror source 192.0.2.1 to the collector 192.0.2.2, on Ethernet.
    static func outer(proto: UInt8, _ payload: [UInt8]) -> [UInt8] {
        ethernet(type: 0x0800, ipv4(src: "192.0.2.1", dst: "192.0.2.2", proto: proto, payload))
    }

    static func outerUDP(dst: UInt16, _ payload: [UInt8]) -> [UInt8] {
        outer(proto: 17, udp(src: 61000, dst: dst, payload))
    }
}

/// Holds a decoded packet to the host's TCP SYN (`Build.hostPacket`).
func assertHostSYN(
    _ p: DecodedPacket, _ what: String = "", macs: Bool = true, file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertEqual(p.outcome, .ip, what, file: file, line: line)
    XCTAssertNil(p.anomaly, what, file: file, line: line)
    XCTAssertEqual(p.coverage, .judged, what, file: file, line: line)
    XCTAssertEqual(p.src, Build.address("10.20.3.4"), what, file: file, line: line)
    XCTAssertEqual(p.dst, Build.address("10.30.7.8"), what, file: file, line: line)
    XCTAssertEqual(p.proto, 6, what, file: file, line: line)
    XCTAssertTrue(p.hasPorts, what, file: file, line: line)
    XCTAssertEqual(p.srcPort, 51512, what, file: file, line: line)
    XCTAssertEqual(p.dstPort, 445, what, file: file, line: line)
    XCTAssertEqual(p.tcpFlags, 2, what, file: file, line: line)
    if macs {
        XCTAssertEqual(p.srcMAC, MACAddress(rawValue: 0x02_00_00_20_03_04), what, file: file, line: line)
        XCTAssertEqual(p.dstMAC, MACAddress(rawValue: 0x02_00_00_30_07_08), what, file: file, line: line)
    } else {
        XCTAssertNil(p.srcMAC, what, file: file, line: line)
        XCTAssertNil(p.dstMAC, what, file: file, line: line)
    }
    assertConsistent(p, what, file: file, line: line)
}

/// The mirror's outer addresses (`Build.outer`) as a layer's.
func assertOuter(
    _ layer: TunnelLayer, _ type: TunnelType, id: UInt32?, file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertEqual(layer.type, type, file: file, line: line)
    XCTAssertEqual(layer.addresses?.src, Build.address("192.0.2.1"), file: file, line: line)
    XCTAssertEqual(layer.addresses?.dst, Build.address("192.0.2.2"), file: file, line: line)
    XCTAssertEqual(layer.identifier, id, file: file, line: line)
}
