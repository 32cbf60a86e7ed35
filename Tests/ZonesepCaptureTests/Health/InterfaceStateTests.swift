import Foundation
import XCTest

@testable import ZonesepCapture

#if canImport(Glibc)
    import Glibc
#endif

/// The interface flags read back from real interfaces: loopback, a name that does not exist, and a veth
/// pair (made here, removed at the end) taken through down, no carrier and up.
final class InterfaceStateTests: XCTestCase {
    func testFlags() {
        XCTAssertEqual(InterfaceState.from(flags: 0), .down)
        XCTAssertEqual(InterfaceState.from(flags: UInt32(IFF_UP)), .noCarrier)
        XCTAssertEqual(InterfaceState.from(flags: UInt32(IFF_UP | IFF_RUNNING)), .up)
        XCTAssertEqual(InterfaceState.from(flags: UInt32(IFF_RUNNING)), .down)
    }

    func testRealInterfaces() throws {
        XCTAssertEqual(InterfaceState.query("lo"), .up)
        XCTAssertEqual(InterfaceState.query("zsnosuch\(getpid() % 10000)"), .missing)
        XCTAssertEqual(InterfaceState.query(""), .missing)
        XCTAssertEqual(InterfaceState.query(String(repeating: "x", count: 40)), .missing)

        guard geteuid() == 0,
            let ip = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"].first(where: {
                FileManager.default.isExecutableFile(atPath: $0)
            })
        else { throw XCTSkip("making a veth needs root and iproute2") }
        let a = "zsis\(getpid() % 100000)a"
        let b = "zsis\(getpid() % 100000)b"
        func run(_ args: [String]) throws {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: ip)
            p.arguments = args
            try p.run()
            p.waitUntilExit()
            if p.terminationStatus != 0 { throw XCTSkip("ip \(args.joined(separator: " ")) failed here") }
        }
        try run(["link", "add", a, "type", "veth", "peer", "name", b])
        defer { try? run(["link", "delete", a]) }
        XCTAssertEqual(InterfaceState.query(a), .down)
        try run(["link", "set", a, "up"])
        XCTAssertEqual(InterfaceState.query(a), .noCarrier, "its peer is down: no carrier")
        try run(["link", "set", b, "up"])
        // The kernel turns the carrier on by its link watch, up to a second later on a busy machine.
        let deadline = Date().addingTimeInterval(3)
        while InterfaceState.query(a) != .up && Date() < deadline { usleep(20_000) }
        XCTAssertEqual(InterfaceState.query(a), .up)
        try run(["link", "delete", a])
        XCTAssertEqual(InterfaceState.query(a), .missing)
    }
}
