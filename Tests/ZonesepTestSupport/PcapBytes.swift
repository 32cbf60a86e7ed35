import Foundation

/// A classic pcap file built in memory (little-endian, version 2.4, microsecond stamps), and the IPv4 and TCP
/// headers of the frames in it: for the tests that write the capture they read or replay, so that each says
/// only what its frames are.
public struct PcapBytes {
    public private(set) var bytes: [UInt8] = []

    /// The file header, for frames of `linkType` (1: Ethernet) cut to `snapLength` bytes by whoever reads them.
    public init(linkType: UInt32 = 1, snapLength: UInt32 = 65535) {
        for v: UInt32 in [0xa1b2_c3d4, 0x0004_0002, 0, 0, snapLength, linkType] { le32(v) }
    }

    /// One record holding all of `frame` (captured length = length on the wire), at `micros` µs since the
    /// epoch.
    public mutating func append(_ frame: [UInt8], micros: Int64) {
        le32(UInt32(micros / 1_000_000))
        le32(UInt32(micros % 1_000_000))
        le32(UInt32(frame.count))
        le32(UInt32(frame.count))
        bytes += frame
    }

    /// One record holding `frame` of a packet `wireLength` bytes long on the wire: a frame the capture cut
    /// short (its snap length), as libpcap hands it over.
    public mutating func append(_ frame: [UInt8], micros: Int64, wireLength: Int) {
        le32(UInt32(micros / 1_000_000))
        le32(UInt32(micros % 1_000_000))
        le32(UInt32(frame.count))
        le32(UInt32(wireLength))
        bytes += frame
    }

    public var data: Data { Data(bytes) }

    /// The records of a little-endian microsecond classic pcap file (as `PcapBytes` writes them, and the
    /// demonstration's captures are): each frame's time, its captured bytes and its length on the wire.
    public static func records(of data: Data) -> [(micros: Int64, frame: [UInt8], wireLength: Int)] {
        let b = [UInt8](data)
        func le32(_ at: Int) -> Int { Int(b[at]) | Int(b[at + 1]) << 8 | Int(b[at + 2]) << 16 | Int(b[at + 3]) << 24 }
        var out: [(micros: Int64, frame: [UInt8], wireLength: Int)] = []
        var at = 24
        while at + 16 <= b.count {
            let captured = le32(at + 8)
            guard at + 16 + captured <= b.count else { break }
            out.append(
                (
                    Int64(le32(at)) * 1_000_000 + Int64(le32(at + 4)), Array(b[at + 16..<at + 16 + captured]),
                    le32(at + 12)
                ))
            at += 16 + captured
        }
        return out
    }

    private mutating func le32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }

    /// A 20-byte IPv4 header (TTL 64; by default don't fragment) of `proto` from `src` to `dst` with
    /// `payload` bytes after it, checksum filled in.
    public static func ipv4(
        _ proto: UInt8, id: UInt16, _ src: [UInt8], _ dst: [UInt8], payload: Int, flagsOffset: UInt16 = 0x4000
    ) -> [UInt8] {
        let total = 20 + payload
        var h: [UInt8] = [0x45, 0, UInt8(total >> 8), UInt8(total & 0xff), UInt8(id >> 8), UInt8(id & 0xff)]
        h += [UInt8(flagsOffset >> 8), UInt8(flagsOffset & 0xff), 64, proto, 0, 0] + src + dst
        var sum: UInt32 = 0
        for i in stride(from: 0, to: 20, by: 2) { sum += UInt32(h[i]) << 8 | UInt32(h[i + 1]) }
        while sum > 0xffff { sum = (sum & 0xffff) + (sum >> 16) }
        let check = ~UInt16(sum)
        h[10] = UInt8(check >> 8)
        h[11] = UInt8(check & 0xff)
        return h
    }

    /// A 40-byte IPv6 header (hop limit 64) of `next` from `src` to `dst` (16 bytes each) with `payload`
    /// bytes after it.
    public static func ipv6(_ next: UInt8, _ src: [UInt8], _ dst: [UInt8], payload: Int) -> [UInt8] {
        [0x60, 0, 0, 0, UInt8(payload >> 8), UInt8(payload & 0xff), next, 64] + src + dst
    }

    /// A 20-byte TCP SYN header (sequence 1, window 65535, no options; checksum left zero, which the
    /// verifier does not check) from `sport` to `dport`.
    public static func tcpSYN(_ sport: UInt16, _ dport: UInt16) -> [UInt8] {
        [UInt8(sport >> 8), UInt8(sport & 0xff), UInt8(dport >> 8), UInt8(dport & 0xff), 0, 0, 0, 1, 0, 0, 0, 0]
            + [0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0]
    }
}
