import Foundation
import XCTest
import ZonesepTestSupport

@testable import ZonesepCapture

/// Classic pcap seconds are an unsigned 32-bit field (the format; tshark reads them so): 2038-01-19T03:14:08Z
/// and later must not come back as 1901-1969, as libpcap 1.10's signed field has them, whichever reader
/// reads the file.
final class ClassicPcapSecondsVersusTsharkTests: TemporaryDirectoryTestCase {
    func testSecondsFromTwoToThe31AreReadAsTsharkReadsThem() throws {
        // 2039-01-01T00:00:00.5Z, the last signed second, the first past it, the last unsigned second.
        let times: [Int64] = [
            2_177_452_800_500_000, 2_147_483_647_000_000, 2_147_483_648_000_000, 4_294_967_295_999_999,
        ]
        var pcap = PcapBytes()
        for t in times { pcap.append([UInt8](repeating: 0, count: 60), micros: t) }
        let path = dir.appendingPathComponent("late.pcap").path
        try pcap.data.write(to: URL(fileURLWithPath: path))

        let text = try TunnelCorpusVersusTsharkTests.runTshark(["-r", path, "-T", "fields", "-e", "frame.time_epoch"])
        // tshark's seconds to nanoseconds, cut to microseconds as zonesep cuts them.
        let theirs = text.split(separator: "\n").map { line -> Int64 in
            let parts = line.split(separator: ".")
            return Int64(parts[0])! * 1_000_000 + Int64(parts[1].prefix(6))!
        }
        XCTAssertEqual(theirs, times, "tshark: \(text)")
        for mode in CaptureFileReader.Mode.allCases {
            let reader = try CaptureFileReader(path: path, mode: mode)
            XCTAssertEqual(reader.isBuffered, mode == .auto, "\(mode)")
            var ours: [Int64] = []
            while case .frame(let f) = reader.next() { ours.append(f.timestampMicros) }
            XCTAssertEqual(ours, theirs, "\(mode)")
        }
        // The first packet that orders the files is read the same way.
        XCTAssertEqual(CaptureSet.inTimeOrder([path]).first?.firstPacketMicros, times[0])
    }
}
