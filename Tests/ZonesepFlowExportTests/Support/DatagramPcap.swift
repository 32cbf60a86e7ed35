import Foundation

/// Hand-made export datagrams written as a classic pcap of Ethernet / IPv4 / UDP frames (the layout
/// `Fixtures.datagrams` reads), so tshark can decode the same bytes zonesep decodes.
enum DatagramPcap {
    /// Writes `datagrams`, each sent from 127.0.0.1:40000 to 127.0.0.1:`port` at `seconds`, to `path`.
    static func write(_ datagrams: [[UInt8]], port: UInt16, seconds: UInt32, to path: String) throws {
        var out = Bytes()
        // The pcap file header, little-endian: magic, version 2.4, zone, sigfigs, snaplen, Ethernet.
        out.raw(le32(0xa1b2_c3d4) + le16(2) + le16(4) + le32(0) + le32(0) + le32(65_535) + le32(1))
        for d in datagrams {
            var frame = Bytes()
            frame.raw([UInt8](repeating: 0, count: 12))
            frame.u16(0x0800)
            frame.raw([0x45, 0])
            frame.u16(UInt16(20 + 8 + d.count))
            frame.raw([0, 0, 0, 0, 64, 17, 0, 0])
            frame.v4("127.0.0.1")
            frame.v4("127.0.0.1")
            frame.u16(40000)
            frame.u16(port)
            frame.u16(UInt16(8 + d.count))
            frame.u16(0)
            frame.raw(d)
            let n = UInt32(frame.bytes.count)
            out.raw(le32(seconds) + le32(0) + le32(n) + le32(n))
            out.raw(frame.bytes)
        }
        try Data(out.bytes).write(to: URL(fileURLWithPath: path))
    }

    private static func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xff), UInt8(v >> 8)] }
    private static func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> ($0 * 8)) } }
}
