import Foundation
import XCTest
import ZonesepTestSupport

@testable import ZonesepCapture

/// A pcapng file of several interfaces records its drops only for those with statistics: the others' losses
/// are unknown, and the file must say how many such interfaces it has, whichever reader read it (the buffered
/// one, which reads the blocks as it goes, or libpcap, after which the file is scanned apart).
final class PcapngInterfaceStatisticsTests: TemporaryDirectoryTestCase {
    typealias Pcapng = BufferedPcapngFileTests.Pcapng

    /// An Interface Statistics Block of `interface` as dumpcap writes it: `isb_ifrecv`, and the drop counts
    /// given (none: a block that records no drops).
    func statistics(_ f: inout Pcapng, interface: UInt32, ifdrop: UInt64? = nil, osdrop: UInt64? = nil) {
        var options = f.option(4, f.value64(1000))
        if let ifdrop { options += f.option(5, f.value64(ifdrop)) }
        if let osdrop { options += f.option(7, f.value64(osdrop)) }
        let head = f.fields {
            $0.u32(interface)
            $0.u64(0)
        }
        f.block(5, head + options + f.option(0, []))
    }

    /// What each reader says `data` records once it has read it to its end.
    func drops(_ name: String, _ data: Data, buffered: Bool) throws -> [PcapngInterfaceStatistics.Drops?] {
        let path = dir.appendingPathComponent(name).path
        try data.write(to: URL(fileURLWithPath: path))
        return try [CaptureFileReader.Mode.auto, .libpcap].map { mode in
            let reader = try CaptureFileReader(path: path, mode: mode)
            let reading = BufferedPcapFileTests.read(reader.next)
            XCTAssertEqual(reading.ending, "end", "\(name) \(mode)")
            XCTAssertEqual(reader.isBuffered, buffered && mode == .auto, "\(name) \(mode): the reader used")
            return reader.recordedDrops
        }
    }

    func testInterfacesWithoutDropCountsAreCounted() throws {
        for bigEndian in [false, true] {
            // Three interfaces: the first's drops recorded, the second's block without a count, the third
            // without a block.
            var f = Pcapng(bigEndian: bigEndian)
            f.shb()
            f.idb()
            f.epb(time: 1_795_132_800_000_000, caplen: 60)
            f.idb()
            f.idb()
            f.epb(interface: 2, time: 1_795_132_800_000_001, caplen: 60)
            statistics(&f, interface: 0, ifdrop: 5, osdrop: 1)
            statistics(&f, interface: 1)
            XCTAssertEqual(
                try drops("three-\(bigEndian).pcapng", f.data, buffered: true),
                [
                    .init(interface: 5, system: 1, interfacesNotRecording: 2),
                    .init(interface: 5, system: 1, interfacesNotRecording: 2),
                ],
                "big-endian \(bigEndian)")
            // Every interface records (one with the operating system's count only): none unknown.
            statistics(&f, interface: 1, osdrop: 4)
            statistics(&f, interface: 2, ifdrop: 0, osdrop: 0)
            XCTAssertEqual(
                try drops("all-\(bigEndian).pcapng", f.data, buffered: true),
                [.init(interface: 5, system: 5), .init(interface: 5, system: 5)], "big-endian \(bigEndian)")
        }
    }

    /// Interface ids start again in each section: the second section's interface 0 is another interface.
    func testEachSectionsInterfacesAreCountedApart() throws {
        var f = Pcapng()
        f.shb()
        f.idb()
        f.epb(time: 1_795_132_800_000_000, caplen: 60)
        statistics(&f, interface: 0, ifdrop: 2)
        f.shb()
        f.idb()
        f.epb(time: 1_795_132_800_000_001, caplen: 60)
        XCTAssertEqual(
            try drops("sections.pcapng", f.data, buffered: false),
            [
                .init(interface: 2, system: 0, interfacesNotRecording: 1),
                .init(interface: 2, system: 0, interfacesNotRecording: 1),
            ])
        statistics(&f, interface: 0, osdrop: 3)
        XCTAssertEqual(
            try drops("sections-all.pcapng", f.data, buffered: false),
            [.init(interface: 2, system: 3), .init(interface: 2, system: 3)])
    }
}
