import Foundation
import ZonesepTestSupport

extension ScratchDirectoryTestCase {
    /// A capture in the scratch directory of `flows` violating flows (mynumber → internet, a TCP SYN sent
    /// twice each), a millisecond apart: none ends before the capture does, so a replay that is stopped or
    /// killed part-way has many open, with their evidence files (the interrupt and kill tests).
    func writeViolatingSYNs(flows: Int) throws -> URL {
        var pcap = PcapBytes()
        let mac: [UInt8] = [2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00]
        let t0: Int64 = 1_781_479_800_000_000
        for i in 0..<flows {
            let src: [UInt8] = [10, 10, UInt8(1 + i / 60_000), UInt8(1 + (i / 250) % 240)]
            let sport = UInt16(1024 + i % 250 * 100 + i / 60_000)
            let syn =
                mac + PcapBytes.ipv4(6, id: UInt16(i & 0xffff), src, [10, 30, 0, 9], payload: 20)
                + PcapBytes.tcpSYN(sport, 443)
            pcap.append(syn, micros: t0 + Int64(i) * 1000)
            pcap.append(syn, micros: t0 + Int64(i) * 1000 + 500)
        }
        let url = scratch.appendingPathComponent("long.pcap")
        try pcap.data.write(to: url)
        return url
    }
}
