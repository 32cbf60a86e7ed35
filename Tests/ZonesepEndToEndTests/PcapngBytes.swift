import Foundation

/// A pcapng file of one section and one Ethernet interface (more on request), its timestamps in seconds
/// (`if_tsresol` 0) or microseconds (the default), built in memory, little-endian unless asked for big-endian.
struct PcapngBytes {
    private(set) var bytes: [UInt8] = []
    let bigEndian: Bool
    let secondsResolution: Bool

    init(secondsResolution: Bool, bigEndian: Bool = false) {
        self.bigEndian = bigEndian
        self.secondsResolution = secondsResolution
        var shb: [UInt8] = []
        u32(0x1A2B_3C4D, &shb)
        shb += bigEndian ? [0, 1, 0, 0] : [1, 0, 0, 0]  // version 1.0
        shb += [UInt8](repeating: 0xff, count: 8)  // section length unknown
        block(0x0A0D_0D0A, shb)
        appendInterface()
    }

    /// An Interface Description Block: Ethernet, in the file's timestamp resolution; the first is interface 0,
    /// each further one the next id (dumpcap capturing several interfaces writes one each).
    mutating func appendInterface() {
        var idb: [UInt8] = bigEndian ? [0, 1, 0, 0] : [1, 0, 0, 0]  // Ethernet, reserved
        u32(65535, &idb)
        // if_tsresol = 10^-0, padded
        if secondsResolution { idb += bigEndian ? [0, 9, 0, 1, 0, 0, 0, 0] : [9, 0, 1, 0, 0, 0, 0, 0] }
        idb += [0, 0, 0, 0]  // end of options
        block(1, idb)
    }

    /// An Enhanced Packet Block of `frame` at `timestamp` units of the interface's resolution.
    mutating func append(_ frame: [UInt8], timestamp: UInt64, interface: UInt32 = 0) {
        var epb: [UInt8] = []
        u32(interface, &epb)
        u32(UInt32(timestamp >> 32), &epb)
        u32(UInt32(timestamp & 0xffff_ffff), &epb)
        u32(UInt32(frame.count), &epb)
        u32(UInt32(frame.count), &epb)
        epb += frame + [UInt8](repeating: 0, count: (4 - frame.count % 4) % 4)
        block(6, epb)
    }

    /// A Simple Packet Block of `frame`: interface 0, no timestamp.
    mutating func appendSimple(_ frame: [UInt8]) {
        var spb: [UInt8] = []
        u32(UInt32(frame.count), &spb)
        spb += frame + [UInt8](repeating: 0, count: (4 - frame.count % 4) % 4)
        block(3, spb)
    }

    /// An Interface Statistics Block of `interface` with `isb_ifrecv`, and `isb_ifdrop` and `isb_osdrop` where
    /// given (as dumpcap writes at a capture's end).
    mutating func appendStatistics(
        interface: UInt32 = 0, received: UInt64, interfaceDropped: UInt64?, systemDropped: UInt64? = nil
    ) {
        var isb: [UInt8] = []
        u32(interface, &isb)
        u32(0, &isb)
        u32(0, &isb)
        for (code, value) in [(UInt16(4), received), (5, interfaceDropped), (7, systemDropped)] {
            guard let value else { continue }
            u16(code, &isb)
            u16(8, &isb)
            withUnsafeBytes(of: bigEndian ? value.bigEndian : value.littleEndian) { isb += $0 }
        }
        isb += [0, 0, 0, 0]  // end of options
        block(5, isb)
    }

    var data: Data { Data(bytes) }

    private mutating func block(_ type: UInt32, _ body: [UInt8]) {
        let total = UInt32(12 + body.count)
        u32(type, &bytes)
        u32(total, &bytes)
        bytes += body
        u32(total, &bytes)
    }

    private func u16(_ v: UInt16, _ out: inout [UInt8]) {
        withUnsafeBytes(of: bigEndian ? v.bigEndian : v.littleEndian) { out += $0 }
    }

    /// A 32-bit field in the file's byte order.
    private func u32(_ v: UInt32, _ out: inout [UInt8]) {
        withUnsafeBytes(of: bigEndian ? v.bigEndian : v.littleEndian) { out += $0 }
    }
}
