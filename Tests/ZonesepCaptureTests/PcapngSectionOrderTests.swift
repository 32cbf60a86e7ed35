import Foundation
import XCTest
import ZonesepTestSupport

@testable import ZonesepCapture

/// A pcapng file of sections in both byte orders (`cat le.pcapng be.pcapng`) is valid, but libpcap reads the
/// second section's header in the first's byte order and stops with "pcapng block size … > maximum", which
/// called the file damaged. The reader now says what the file holds, where, and how to read it.
final class PcapngSectionOrderTests: TemporaryDirectoryTestCase {
    typealias Pcapng = BufferedPcapngFileTests.Pcapng

    func section(bigEndian: Bool, time: UInt64) -> Data {
        var f = Pcapng(bigEndian: bigEndian)
        f.shb()
        f.idb()
        f.epb(time: time, caplen: 60)
        return f.data
    }

    func testASectionInTheOtherByteOrderIsNamedInTheError() throws {
        for firstBigEndian in [false, true] {
            let first = section(bigEndian: firstBigEndian, time: 1_781_485_200_000_000)
            let second = section(bigEndian: !firstBigEndian, time: 1_781_485_200_001_000)
            let path = dir.appendingPathComponent("two-orders-\(firstBigEndian).pcapng").path
            try (first + second).write(to: URL(fileURLWithPath: path))
            XCTAssertEqual(
                PcapngSectionOrder.firstSectionInOtherOrder(path: path)?.offset, UInt64(first.count))
            for mode in CaptureFileReader.Mode.allCases {
                let reader = try CaptureFileReader(path: path, mode: mode)
                guard case .frame = reader.next() else { return XCTFail("\(mode): no first frame") }
                guard case .error(let e) = reader.next() else { return XCTFail("\(mode): no error") }
                XCTAssertEqual(e.kind, .sectionInOtherByteOrder, "\(mode)")
                let orders = firstBigEndian ? "little-endian after big-endian" : "big-endian after little-endian"
                XCTAssertTrue(
                    e.message.hasPrefix(
                        "a pcapng section in the other byte order (\(orders)) begins at byte \(first.count), "
                            + "which libpcap cannot read (it stops with \"pcapng block size"), "\(mode): \(e.message)")
                XCTAssertTrue(e.message.hasSuffix("`editcap FILE NEW.pcapng` and give that"), e.message)
            }
        }
    }

    /// Sections of one byte order are read whole, and damage that is no such section keeps libpcap's words.
    func testOtherFilesKeepTheirReadingAndMessages() throws {
        let same = dir.appendingPathComponent("same.pcapng").path
        try (section(bigEndian: false, time: 1) + section(bigEndian: false, time: 2)).write(
            to: URL(fileURLWithPath: same))
        XCTAssertNil(PcapngSectionOrder.firstSectionInOtherOrder(path: same))
        XCTAssertEqual(BufferedPcapFileTests.reader(same).0.frames.count, 2)
        XCTAssertEqual(BufferedPcapFileTests.reader(same).0.ending, "end")

        var damaged = section(bigEndian: false, time: 1)
        damaged.append(contentsOf: [6, 0, 0, 0, 0, 0, 0, 0x1c])
        let cut = dir.appendingPathComponent("damaged.pcapng").path
        try damaged.write(to: URL(fileURLWithPath: cut))
        XCTAssertEqual(BufferedPcapFileTests.reader(cut).0, BufferedPcapFileTests.libpcap(cut))
    }
}
