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
}
