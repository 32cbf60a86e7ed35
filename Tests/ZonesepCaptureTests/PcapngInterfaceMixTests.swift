import Foundation
import XCTest
import ZonesepTestSupport

@testable import ZonesepCapture

/// A pcapng file of two interfaces of different link types or snapshot lengths (dumpcap capturing two
/// interfaces) is valid, but libpcap stops at the second interface. It was reported as damaged; the reader
/// now says libpcap cannot read it, and how to write its packets in files it can.
final class PcapngInterfaceMixTests: TemporaryDirectoryTestCase {
    typealias Pcapng = BufferedPcapngFileTests.Pcapng

    /// An Ethernet interface with one packet, then a second interface (`linkType`, `snaplen`) with one more.
    func file(_ name: String, linkType: UInt16, snaplen: UInt32) throws -> String {
        var f = Pcapng(bigEndian: false)
        f.shb()
        f.idb()
        f.epb(time: 1_781_485_200_000_000, caplen: 60)
        f.idb(linkType: linkType, snaplen: snaplen)
        f.epb(interface: 1, time: 1_781_485_200_001_000, caplen: 40)
        let path = dir.appendingPathComponent(name).path
        try f.data.write(to: URL(fileURLWithPath: path))
        return path
    }

    func testInterfacesOfDifferentLinkTypesOrSnapLengthsAreNamedNotDamaged() throws {
        let cases: [(String, UInt16, UInt32, String, String)] = [
            (
                "two-link-types.pcapng", 101, 65535, "its interfaces have different link types",
                "keeps those packets under link type ENCAP (ether, rawip, ...)"
            ),
            (
                "two-snap-lengths.pcapng", 1, 128, "its interfaces have different snapshot lengths",
                "`editcap -F pcap FILE NEW.pcap` and give that"
            ),
        ]
        for (name, linkType, snaplen, why, way) in cases {
            let path = try file(name, linkType: linkType, snaplen: snaplen)
            for mode in CaptureFileReader.Mode.allCases {
                let reader = try CaptureFileReader(path: path, mode: mode)
                var frames = 0
                var error: PcapError?
                reading: while true {
                    switch reader.next() {
                    case .frame: frames += 1
                    case .error(let e):
                        error = e
                        break reading
                    default: break reading
                    }
                }
                let e = try XCTUnwrap(error, "\(name) \(mode): libpcap stops at the second interface")
                XCTAssertEqual(frames, 1, "\(name) \(mode)")
                XCTAssertEqual(e.kind, .interfacesLibpcapCannotMix, "\(name) \(mode): \(e.message)")
                XCTAssertTrue(
                    e.message.hasPrefix("the file cannot be read by libpcap: \(why) (libpcap: \"an interface has a "),
                    "\(name) \(mode): \(e.message)")
                XCTAssertTrue(e.message.hasSuffix(way), "\(name) \(mode): \(e.message)")
            }
        }
    }

    /// Reads `path` with `mode` to its end: the frames' times, and the error it ended with.
    func read(_ path: String, mode: CaptureFileReader.Mode) throws -> (times: [Int64], error: PcapError?) {
        let reader = try CaptureFileReader(path: path, mode: mode)
        var times: [Int64] = []
        while true {
            switch reader.next() {
            case .frame(let f): times.append(f.timestampMicros)
            case .error(let e): return (times, e)
            case .end: return (times, nil)
            }
        }
    }

    /// `cat eth.pcapng raw.pcapng`: two sections, each with its interface 0, of two link types. libpcap
    /// stops at the second section; the message names it and its first packet, and its recipe works:
    /// `frame.section_number` tells the packets apart where `frame.interface_id` cannot, and editcap writes
    /// the section's packets as a file libpcap reads.
    func testSectionsOfDifferentLinkTypesAreNamedWithARecipeThatSplitsThem() throws {
        var f = Pcapng(bigEndian: false)
        f.shb()
        f.idb()
        f.epb(time: 1_781_485_200_000_000, caplen: 60)
        f.epb(time: 1_781_485_200_001_000, caplen: 60)
        let secondSection = f.data.count
        f.shb()
        f.idb(linkType: 101)
        f.epb(time: 1_781_485_200_002_000, caplen: 40)
        f.epb(time: 1_781_485_200_003_000, caplen: 40)
        let path = dir.appendingPathComponent("sections.pcapng").path
        try f.data.write(to: URL(fileURLWithPath: path))

        for mode in CaptureFileReader.Mode.allCases {
            let (times, error) = try read(path, mode: mode)
            XCTAssertEqual(times.count, 2, "\(mode)")
            let e = try XCTUnwrap(error, "\(mode)")
            XCTAssertEqual(e.kind, .interfacesLibpcapCannotMix, "\(mode)")
            XCTAssertEqual(
                e.message,
                "the file cannot be read by libpcap: its sections have different link types: section 2, from "
                    + "packet 3 (byte \(secondSection)), has an interface of link type RAW where the first "
                    + "interface's is EN10MB (libpcap: \"an interface has a type 101 different from the type of the "
                    + "first interface\"); write each section's packets to a file of its own and give those: `tshark "
                    + "-r FILE -T fields -e frame.number -e frame.section_number -e frame.encap_type` lists each "
                    + "packet's section and link type (interface numbers start again in each section, so "
                    + "`frame.interface_id` cannot tell them apart), and `editcap -r -F pcap -T ENCAP FILE PART.pcap "
                    + "FIRST-LAST` keeps those packets under link type ENCAP (ether, rawip, ...)", "\(mode)")
        }
        // The recipe, as a user follows it.
        let listed = try TunnelCorpusVersusTsharkTests.runTshark(
            ["-r", path, "-T", "fields"]
                + ["frame.number", "frame.section_number", "frame.encap_type", "frame.interface_id"].flatMap {
                    ["-e", $0]
                })
        XCTAssertEqual(listed, "1\t1\t1\t0\n2\t1\t1\t0\n3\t2\t7\t0\n4\t2\t7\t0\n")
        let part = dir.appendingPathComponent("part.pcap").path
        let editcap = Process()
        editcap.executableURL = URL(fileURLWithPath: "/usr/bin/editcap")
        editcap.arguments = ["-r", "-F", "pcap", "-T", "rawip", path, part, "3-4"]
        try editcap.run()
        editcap.waitUntilExit()
        XCTAssertEqual(editcap.terminationStatus, 0)
        let reader = try CaptureFileReader(path: part)
        XCTAssertEqual(reader.linkType, .raw)
        let (times, error) = try read(part, mode: .auto)
        XCTAssertEqual(times, [1_781_485_200_002_000, 1_781_485_200_003_000])
        XCTAssertNil(error)
    }

    /// Sections of different snapshot lengths: named with the section; `editcap -F pcap` writes one file.
    func testSectionsOfDifferentSnapshotLengthsAreNamed() throws {
        var f = Pcapng(bigEndian: false)
        f.shb()
        f.idb()
        f.epb(time: 1_781_485_200_000_000, caplen: 60)
        let secondSection = f.data.count
        f.shb()
        f.idb(snaplen: 128)
        f.epb(time: 1_781_485_200_001_000, caplen: 60)
        let path = dir.appendingPathComponent("snaps.pcapng").path
        try f.data.write(to: URL(fileURLWithPath: path))
        for mode in CaptureFileReader.Mode.allCases {
            let e = try XCTUnwrap(try read(path, mode: mode).error, "\(mode)")
            XCTAssertEqual(
                e.message,
                "the file cannot be read by libpcap: its sections have different snapshot lengths: section 2, from "
                    + "packet 2 (byte \(secondSection)), has an interface whose snapshot length differs from the first "
                    + "interface's (libpcap: \"an interface has a snapshot length 128 different from the snapshot "
                    + "length of the first interface\"); write it as one pcap file with `editcap -F pcap FILE "
                    + "NEW.pcap` and give that", "\(mode)")
        }
    }
}
