import XCTest
import ZonesepCore

/// IPv4's Authentication Header (IP protocol 51) is walked as IPv6's is: a transport-mode flow keeps its
/// protocol and ports, a tunnel-mode packet is judged inside.
final class AuthenticationHeaderDecoderTests: XCTestCase {
    func testTransportModeKeepsThePorts() {
        let p = decode(
            Array(Build.hostFrame().prefix(14))
                + Build.ipv4(proto: 51, Build.authenticationHeader(next: 6) + Build.tcp(src: 51512, dst: 445, flags: 2))
        )
        assertHostSYN(p)
        XCTAssertTrue(p.tunnels.isEmpty)
        let twice = decode(
            Build.ethernet(
                type: 0x0800,
                Build.ipv4(
                    proto: 51,
                    Build.authenticationHeader(next: 51) + Build.authenticationHeader(next: 17)
                        + Build.udp(src: 5, dst: 53))))
        XCTAssertEqual(twice.proto, 17)
        XCTAssertEqual(twice.dstPort, 53)
    }

    func testTunnelModeIsJudgedInside() {
        let p = decode(Build.outer(proto: 51, Build.authenticationHeader(next: 4) + Build.hostPacket))
        assertHostSYN(p, macs: false)
        XCTAssertEqual(p.tunnels.count, 1)
        assertOuter(p.tunnels[0], .ipip, id: nil)
        // As over IPv6, where the extension-header walk always did so.
        let v6 = decode(
            Build.ethernet(type: 0x86dd, Build.ipv6(next: 51, Build.authenticationHeader(next: 4) + Build.hostPacket)))
        assertHostSYN(v6, macs: false)
        XCTAssertEqual(v6.tunnels.map(\.type), [.ipip])
    }

    func testESPAfterAHHasNoPorts() {
        let p = decode(
            Build.ethernet(type: 0x0800, Build.ipv4(proto: 51, Build.authenticationHeader(next: 50) + [0, 0, 1, 0])))
        XCTAssertEqual(p.outcome, .ip)
        XCTAssertEqual(p.proto, 50)
        XCTAssertFalse(p.hasPorts)
    }

    func testCutShort() {
        for cut in [1, 8, 23] {
            let header = Array(Build.authenticationHeader(next: 6).prefix(cut))
            let p = decode(Build.ethernet(type: 0x0800, Build.ipv4(proto: 51, header)))
            XCTAssertEqual(p.coverage, .malformed(.ahTruncated), "cut at \(cut)")
            assertConsistent(p, "cut at \(cut)")
        }
    }

    /// A later fragment holds no AH header: it is left as it is (the fragment table gives it the first's ports).
    func testLaterFragmentIsNotWalked() {
        let p = decode(Build.ethernet(type: 0x0800, Build.ipv4(proto: 51, fragmentOffset: 4, [1, 2, 3, 4])))
        XCTAssertEqual(p.outcome, .ipFragment)
        XCTAssertEqual(p.proto, 51)
    }
}
