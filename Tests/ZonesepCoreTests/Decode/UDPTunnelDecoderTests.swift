import XCTest
import ZonesepCore

/// VXLAN and Geneve on their configured UDP ports.
final class UDPTunnelDecoderTests: XCTestCase {
    func testVXLANOnBothDefaultPorts() {
        for port: UInt16 in [4789, 8472] {
            let p = decode(Build.outerUDP(dst: port, Build.vxlan(vni: 5001, Build.hostFrame(tags: [(0x8100, 30)]))))
            assertHostSYN(p, "port \(port)")
            assertOuter(p.tunnels[0], .vxlan, id: 5001)
            XCTAssertEqual(p.vni, 5001)
            XCTAssertTrue(p.hasVNI)
            XCTAssertEqual(p.vlans, [30])
        }
    }

    func testVXLANWithoutTheIFlagHasNoVNI() {
        let p = decode(Build.outerUDP(dst: 4789, Build.vxlan(vni: 5001, valid: false, Build.hostFrame())))
        assertHostSYN(p)
        XCTAssertFalse(p.hasVNI)
        XCTAssertNil(p.tunnels[0].identifier)
    }

    func testConfiguredPortsReplaceTheDefaults() throws {
        let ports = try XCTUnwrap(TunnelPorts(vxlan: [10000], geneve: [10001]))
        XCTAssertEqual(ports.vxlan, [10000])
        XCTAssertEqual(ports.geneve, [10001])
        func decode(_ bytes: [UInt8]) -> DecodedPacket {
            var p = DecodedPacket()
            bytes.withUnsafeBytes { PacketDecoder.decode($0, linkType: .ethernet, tunnelPorts: ports, into: &p) }
            return p
        }
        assertHostSYN(decode(Build.outerUDP(dst: 10000, Build.vxlan(vni: 1, Build.hostFrame()))))
        assertHostSYN(decode(Build.outerUDP(dst: 10001, Build.geneve(vni: 1, Build.hostFrame()))))
        // 4789 is now an ordinary port: the datagram is judged as the UDP it is.
        let plain = decode(Build.outerUDP(dst: 4789, Build.vxlan(vni: 1, Build.hostFrame())))
        XCTAssertEqual(plain.outcome, .ip)
        XCTAssertEqual(plain.dstPort, 4789)
        XCTAssertTrue(plain.tunnels.isEmpty)
    }

    func testTunnelPortsRefuseWhatDoesNotFit() {
        XCTAssertNil(TunnelPorts(vxlan: Array(1...9), geneve: []))
        XCTAssertNil(TunnelPorts(vxlan: [4789], geneve: [4789]))
        XCTAssertEqual(TunnelPorts(vxlan: [4789, 8472], geneve: [6081]), TunnelPorts.standard)
        XCTAssertEqual(TunnelPorts.standard.kind(ofDestination: 6081), .geneve)
        XCTAssertNil(TunnelPorts.standard.kind(ofDestination: 53))
    }

    func testGeneveWithOptionsAndEachProtocolType() {
        let options: [UInt8] = [0x01, 0x02, 0x80, 0x01, 1, 2, 3, 4] + [0xff, 0xff, 0x03, 0x00]
        let eth = decode(Build.outerUDP(dst: 6081, Build.geneve(vni: 0xabcdef, options: options, Build.hostFrame())))
        assertHostSYN(eth)
        assertOuter(eth.tunnels[0], .geneve, id: 0xabcdef)
        XCTAssertEqual(eth.vni, 0xabcdef)
        let ip = decode(Build.outerUDP(dst: 6081, Build.geneve(vni: 9, type: 0x0800, Build.hostPacket)))
        assertHostSYN(ip, macs: false)
        XCTAssertEqual(ip.vni, 9)
    }

    func testGeneveOfAnotherProtocolIsJudgedAsUDPAndNotVerified() {
        let p = decode(Build.outerUDP(dst: 6081, Build.geneve(vni: 9, type: 0x894f, [0, 0, 0, 0])))
        XCTAssertEqual(p.outcome, .ip)
        XCTAssertEqual(p.dstPort, 6081)
        XCTAssertEqual(p.coverage, .notVerified(.etherType, 0x894f))
        assertConsistent(p)
    }

    func testMalformedTunnelHeadersDropTheOuterPorts() {
        let vxlan = Build.vxlan(vni: 1, [])
        for cut in 0..<8 {
            let p = decode(Build.outerUDP(dst: 4789, Array(vxlan.prefix(cut))))
            XCTAssertEqual(p.anomaly, .vxlanTruncated, "\(cut)")
            XCTAssertFalse(p.hasPorts)
            assertConsistent(p)
        }
        let geneve = Build.geneve(vni: 1, options: [0, 1, 0x80, 0], [])
        for cut in 0..<12 {
            XCTAssertEqual(
                decode(Build.outerUDP(dst: 6081, Array(geneve.prefix(cut)))).anomaly, .geneveTruncated, "\(cut)")
        }
        let v1 = decode(Build.outerUDP(dst: 6081, Build.geneve(vni: 1, version: 1, Build.hostFrame())))
        XCTAssertEqual(v1.anomaly, .geneveBadVersion)
        assertConsistent(v1)
    }

    /// Two tenants reuse one address pair: the same tuple, told apart by the VNI.
    func testOverlappingTenantsDifferOnlyByVNI() {
        let a = decode(Build.outerUDP(dst: 4789, Build.vxlan(vni: 100, Build.hostFrame())))
        let b = decode(Build.outerUDP(dst: 4789, Build.vxlan(vni: 200, Build.hostFrame())))
        assertHostSYN(a)
        assertHostSYN(b)
        XCTAssertNotEqual(a.vni, b.vni)
        let keyA = FlowKey.canonical(
            src: a.src, srcPort: a.srcPort, dst: a.dst, dstPort: a.dstPort, proto: a.proto, vlans: 0, vni: a.vni
        ).key
        let keyB = FlowKey.canonical(
            src: b.src, srcPort: b.srcPort, dst: b.dst, dstPort: b.dstPort, proto: b.proto, vlans: 0, vni: b.vni
        ).key
        XCTAssertNotEqual(keyA, keyB)
        XCTAssertNotEqual(keyA.hashValue64, keyB.hashValue64)
        XCTAssertEqual(keyA.virtualNetwork, 100)
    }
}
