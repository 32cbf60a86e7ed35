import XCTest
import ZonesepCore

@testable import ZonesepCapture

#if canImport(Glibc)
    import Glibc
#endif

/// Live handles opened with the real libpcap on the loopback interface (nothing is sent). Opening a capture
/// needs CAP_NET_RAW: without it the tests check the permission message instead, or skip.
/// WatchTests drives live handles with real traffic between network namespaces.
final class PcapLiveTests: XCTestCase {
    var privileged: Bool { geteuid() == 0 }

    func testAMissingInterfaceIsNamed() {
        do {
            _ = try PcapLive(interface: "zsw-nosuch0", options: LiveCaptureOptions())
            XCTFail("opened an interface that does not exist")
        } catch {
            if privileged {
                XCTAssertEqual(error.kind, .noSuchInterface)
                XCTAssertTrue(error.message.contains("no such interface \"zsw-nosuch0\""), error.message)
                XCTAssertTrue(error.message.contains("lo"), "the interfaces that exist are listed: \(error.message)")
            } else {
                XCTAssertEqual(error.kind, .permissionDenied)
                XCTAssertTrue(error.message.contains("CAP_NET_RAW"), error.message)
            }
            XCTAssertEqual(error.source, "zsw-nosuch0")
        }
    }

    func testAFilterThatDoesNotCompileShowsTheExpressionAndLibpcapsReason() throws {
        try XCTSkipUnless(privileged, "opening a capture needs CAP_NET_RAW")
        var options = LiveCaptureOptions()
        options.filter = "tcp port nosuchservice"
        do {
            _ = try PcapLive(interface: "lo", options: options)
            XCTFail("a filter naming an unknown port compiled")
        } catch {
            XCTAssertEqual(error.kind, .filter)
            XCTAssertEqual(error.call, "pcap_compile")
            XCTAssertTrue(error.message.contains("\"tcp port nosuchservice\" does not compile"), error.message)
            XCTAssertTrue(error.message.contains("nosuchservice'"), "libpcap's own words: \(error.message)")
        }
    }

    func testALoopbackHandleIsNonBlockingCountsAndJoinsAFanoutGroup() throws {
        try XCTSkipUnless(privileged, "opening a capture needs CAP_NET_RAW")
        var options = LiveCaptureOptions()
        options.snapLength = 128
        options.bufferSize = 1 << 16
        // A port nothing uses: the handle must report "nothing waiting" rather than block.
        options.filter = "udp port 7 and udp port 8"
        let a = try PcapLive(interface: "lo", options: options)
        let b = try PcapLive(interface: "lo", options: options)
        XCTAssertEqual(a.dataLinkName, "EN10MB")
        XCTAssertNotNil(a.linkType)
        XCTAssertGreaterThanOrEqual(a.selectableDescriptor, 0)
        guard case .empty = a.next() else { return XCTFail("a non-blocking read with nothing waiting must be empty") }
        XCTAssertEqual(a.stats(), KernelStats())
        let group = UInt16(truncatingIfNeeded: getpid() &+ 7)
        XCTAssertNoThrow(try a.joinFanout(group: group, discardBacklog: false, tunnelPorts: .standard))
        XCTAssertNoThrow(try b.joinFanout(group: group, discardBacklog: true, tunnelPorts: .standard))
        // A reload's new tunnel ports: the kernel takes the group's new program from any member.
        let ports = TunnelPorts(vxlan: [4789, 8472, 14789], geneve: [6081])
        XCTAssertTrue(b.updateFanoutProgram(tunnelPorts: ports ?? .standard))
        XCTAssertEqual(b.fanoutPorts, ports)
    }

    func testKernelStatsAddUp() {
        let sum =
            KernelStats(received: 10, dropped: 2, interfaceDropped: 1)
            + KernelStats(received: 5, dropped: 3, interfaceDropped: 0)
        XCTAssertEqual(sum, KernelStats(received: 15, dropped: 5, interfaceDropped: 1))
    }
}
