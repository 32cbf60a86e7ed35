import XCTest
import ZonesepCore

/// IP in IP (protocol 4) and IPv6 in IP (41), either way round; and SCTP's ports.
final class IPInIPDecoderTests: XCTestCase {
    func testEveryCombination() {
        let v6Inner = Build.ipv6(
            src: "fd00:20::3:4", dst: "fd00:30::7:8", next: 6, Build.tcp(src: 1000, dst: 443, flags: 2))
        let cases: [(String, [UInt8], UInt8)] = [
            (
                "4in4",
                Build.ethernet(
                    type: 0x0800, Build.ipv4(src: "192.0.2.1", dst: "192.0.2.2", proto: 4, Build.hostPacket)), 4
            ),
            (
                "6in4",
                Build.ethernet(type: 0x0800, Build.ipv4(src: "192.0.2.1", dst: "192.0.2.2", proto: 41, v6Inner)), 6
            ),
            (
                "4in6",
                Build.ethernet(
                    type: 0x86dd, Build.ipv6(src: "2001:db8::1", dst: "2001:db8::2", next: 4, Build.hostPacket)),
                4
            ),
            (
                "6in6",
                Build.ethernet(type: 0x86dd, Build.ipv6(src: "2001:db8::1", dst: "2001:db8::2", next: 41, v6Inner)), 6
            ),
        ]
        for (name, frame, version) in cases {
            let p = decode(frame)
            XCTAssertEqual(p.outcome, .ip, name)
            XCTAssertEqual(p.ipVersion, version, name)
            XCTAssertEqual(p.proto, 6, name)
            XCTAssertEqual(p.tunnels.map(\.type), [.ipip], name)
            XCTAssertNotNil(p.tunnels[0].addresses, name)
            XCTAssertNil(p.tunnels[0].identifier, name)
            XCTAssertNil(p.srcMAC, "\(name): the outer frame's MACs are not the host's")
            assertConsistent(p, name)
        }
    }

    func testSCTPPorts() {
        let p = decode(Build.ethernet(type: 0x0800, Build.ipv4(proto: 132, Build.sctp(src: 2905, dst: 3868))))
        XCTAssertEqual(p.outcome, .ip)
        XCTAssertTrue(p.hasPorts)
        XCTAssertEqual(p.srcPort, 2905)
        XCTAssertEqual(p.dstPort, 3868)
        for cut in 0..<12 {
            let q = decode(
                Build.ethernet(type: 0x0800, Build.ipv4(proto: 132, Array(Build.sctp(src: 1, dst: 2).prefix(cut)))))
            XCTAssertEqual(q.anomaly, .sctpTruncated, "\(cut)")
            XCTAssertFalse(q.hasPorts)
        }
    }
}
