import Foundation
import XCTest

/// A pcapng file of two interfaces of different link types (Ethernet, then raw IP: dumpcap capturing two
/// interfaces) is valid, but libpcap stops at the second interface. It was reported as "damaged after 1
/// packets"; the replay now says libpcap cannot read it, and how to split it.
final class InterfaceMixReplayTests: ScratchDirectoryTestCase {
    /// A little-endian pcapng block: type, length, body, length.
    static func block(_ type: UInt32, _ body: [UInt8]) -> [UInt8] {
        func le(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v.littleEndian, Array.init) }
        let padded = body + [UInt8](repeating: 0, count: (4 - body.count % 4) % 4)
        let total = UInt32(12 + padded.count)
        return le(type) + le(total) + padded + le(total)
    }

    /// An Interface Description Block of `linkType` and an Enhanced Packet Block of `frame` on interface
    /// `index`, microseconds resolution.
    static func interface(_ index: UInt32, linkType: UInt8, _ frame: [UInt8], micros: UInt64) -> [UInt8] {
        func le(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v.littleEndian, Array.init) }
        let idb = block(1, [linkType, 0, 0, 0] + le(65535) + [0, 0, 0, 0])
        let time = le(UInt32(micros >> 32)) + le(UInt32(micros & 0xffff_ffff))
        let epb = block(6, le(index) + time + le(UInt32(frame.count)) + le(UInt32(frame.count)) + frame)
        return idb + epb
    }

    func testTwoLinkTypesAreNamedNotDamaged() throws {
        let shb = Self.block(0x0A0D_0D0A, [0x4D, 0x3C, 0x2B, 0x1A, 1, 0, 0, 0] + [UInt8](repeating: 0xff, count: 8))
        let ethernet = SimplePacketBlockReplayTests.etaxSYN(host: 6, sport: 50001)
        let raw = Array(ethernet.dropFirst(18))  // the same IPv4 packet without its Ethernet header and tag
        let bytes =
            shb + Self.interface(0, linkType: 1, ethernet, micros: 1_781_485_200_000_000)
            + Self.interface(1, linkType: 101, raw, micros: 1_781_485_200_001_000)
        let capture = scratch.appendingPathComponent("two-interfaces.pcapng")
        try Data(bytes).write(to: capture)

        let outcome = try Harness.run(
            zonesep,
            ["replay", "--config", root.appendingPathComponent("zones.conf").path, "--output", "json", capture.path],
            timeout: 60)
        XCTAssertEqual(outcome.status, 2, outcome.brief)
        let (_, summary, problems) = JSONLines.replay(outcome)
        XCTAssertEqual(problems, [])
        let error = try XCTUnwrap((summary?["files"] as? [[String: Any]])?.first?["error"] as? String)
        XCTAssertTrue(
            error.hasPrefix(
                capture.path + ": read up to 1 packets: the file cannot be read by libpcap: its interfaces have "
                    + "different link types (libpcap: \"an interface has a type 101"), error)
        XCTAssertTrue(error.contains("editcap -r -F pcap -T ENCAP FILE PART.pcap NUMBERS"), error)
        XCTAssertFalse(error.contains("damaged"), error)
        XCTAssertTrue(outcome.stderrText.contains(error), outcome.stderrText)
    }
}
