import XCTest
import ZonesepCore

final class ARPDecoderTests: XCTestCase {
    func testReplyBindsTheSender() {
        let frame = Build.ethernet(
            src: 0x02_00_00_00_00_77, type: 0x0806,
            Build.arp(
                operation: 2, senderMAC: 0x02_00_00_20_03_04, senderIP: "10.20.3.4", targetMAC: Build.macB,
                targetIP: "10.20.0.1"))
        let p = decode(frame)
        XCTAssertEqual(p.outcome, .notIP)
        XCTAssertNil(p.anomaly)
        XCTAssertEqual(p.coverage, .noIP)
        // The ARP sender's hardware address, not the Ethernet source, is the binding's MAC.
        XCTAssertEqual(
            p.resolution,
            AddressResolution(
                mac: MACAddress(rawValue: 0x02_00_00_20_03_04), address: Build.address("10.20.3.4"), evidence: .arp,
                arpOperation: 2, gratuitous: false))
    }

    func testRequestAndGratuitous() {
        let request = decode(
            Build.ethernet(type: 0x0806, Build.arp(operation: 1, senderIP: "10.20.3.4", targetIP: "10.20.0.1")))
        XCTAssertEqual(request.resolution?.arpOperation, 1)
        XCTAssertEqual(request.resolution?.gratuitous, false)
        XCTAssertEqual(request.resolution?.address, Build.address("10.20.3.4"))
        let gratuitous = decode(
            Build.ethernet(type: 0x0806, Build.arp(operation: 1, senderIP: "10.20.3.4", targetIP: "10.20.3.4")))
        XCTAssertEqual(gratuitous.resolution?.gratuitous, true)
        // A probe announces no address of its own: 0.0.0.0 is decoded as it is (local, binds nothing later).
        let probe = decode(
            Build.ethernet(type: 0x0806, Build.arp(operation: 1, senderIP: "0.0.0.0", targetIP: "10.20.3.4")))
        XCTAssertEqual(probe.resolution?.address, Build.address("0.0.0.0"))
    }

    func testVLANAndTunnelKeepTheirTags() {
        let tagged = decode(
            Build.ethernet(
                tags: [(0x8100, 120)], type: 0x0806, Build.arp(senderIP: "10.20.3.4", targetIP: "10.20.0.1")))
        XCTAssertEqual(tagged.vlans, [120])
        XCTAssertEqual(tagged.resolution?.address, Build.address("10.20.3.4"))
        let inner = Build.ethernet(
            tags: [(0x8100, 30)], type: 0x0806, Build.arp(senderIP: "10.30.0.9", targetIP: "10.30.0.1"))
        let vxlan = decode(Build.outerUDP(dst: 4789, Build.vxlan(vni: 7, inner)))
        XCTAssertEqual(vxlan.tunnels.count, 1)
        XCTAssertEqual(vxlan.vlans, [30])
        XCTAssertEqual(vxlan.resolution?.address, Build.address("10.30.0.9"))
        XCTAssertEqual(vxlan.resolution?.mac, MACAddress(rawValue: Build.macA))
    }

    func testOtherOperationsAndSizesBindNothing() {
        for op: UInt16 in [0, 3, 4, 8, 9] {
            let p = decode(
                Build.ethernet(type: 0x0806, Build.arp(operation: op, senderIP: "10.20.3.4", targetIP: "10.20.0.1")))
            XCTAssertNil(p.resolution, "operation \(op)")
            XCTAssertNil(p.anomaly, "operation \(op)")
        }
        // Hardware addresses of 8 bytes (the body is sized accordingly): not Ethernet's, no binding, no anomaly.
        let long = Build.be16(1) + Build.be16(0x0800) + [8, 4] + Build.be16(2) + [UInt8](repeating: 1, count: 24)
        let p = decode(Build.ethernet(type: 0x0806, long))
        XCTAssertNil(p.resolution)
        XCTAssertNil(p.anomaly)
        XCTAssertEqual(p.outcome, .notIP)
    }

    /// Every cut of the 28-byte body, inside a tag and inside a tunnel: `arp-truncated`, no binding.
    func testTruncationAtEveryOffset() {
        let body = Build.arp(senderIP: "10.20.3.4", targetIP: "10.20.0.1")
        for cut in 0..<body.count {
            let prefix = Array(body.prefix(cut))
            for frame in [
                Build.ethernet(type: 0x0806, prefix), Build.ethernet(tags: [(0x8100, 5)], type: 0x0806, prefix),
                Build.outerUDP(dst: 4789, Build.vxlan(vni: 1, Build.ethernet(type: 0x0806, prefix))),
            ] {
                let p = decode(frame)
                XCTAssertEqual(p.outcome, .malformed, "cut at \(cut)")
                XCTAssertEqual(p.anomaly, .arpTruncated, "cut at \(cut)")
                XCTAssertNil(p.resolution, "cut at \(cut)")
                assertConsistent(p, "cut at \(cut)")
            }
        }
        // Padding after the body (a 60-byte frame) is ignored.
        let padded = decode(Build.ethernet(type: 0x0806, body + [UInt8](repeating: 0, count: 18)))
        XCTAssertEqual(padded.resolution?.address, Build.address("10.20.3.4"))
    }

    /// A reused value: an ARP frame's binding does not survive into the next frame.
    func testResetClearsTheBinding() {
        var p = DecodedPacket()
        let arp = Build.ethernet(type: 0x0806, Build.arp(senderIP: "10.20.3.4", targetIP: "10.20.0.1"))
        arp.withUnsafeBytes { PacketDecoder.decode($0, linkType: .ethernet, into: &p) }
        XCTAssertNotNil(p.resolution)
        Build.hostFrame().withUnsafeBytes { PacketDecoder.decode($0, linkType: .ethernet, into: &p) }
        XCTAssertNil(p.resolution)
    }
}
