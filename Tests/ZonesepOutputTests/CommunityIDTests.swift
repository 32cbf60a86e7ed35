import XCTest
import ZonesepCore

@testable import ZonesepOutput

/// Community ID v1 against the values the specification's baseline and Zeek's own tests give, seed 0
/// and 1, both directions of each flow (same id), IPv4 and IPv6, ICMP pairs and a portless protocol.
final class CommunityIDTests: XCTestCase {
    func id(
        _ src: String, _ dst: String, _ proto: UInt8, _ sp: UInt16?, _ dp: UInt16?, icmp: (UInt8, UInt8) = (0, 0),
        seed: UInt16 = 0
    ) -> String {
        CommunityID.compute(
            src: IPAddress(src)!, dst: IPAddress(dst)!, proto: proto, srcPort: sp, dstPort: dp, icmpType: icmp.0,
            icmpCode: icmp.1, seed: seed)
    }

    func testSpecificationBaseline() {
        XCTAssertEqual(id("128.232.110.120", "66.35.250.204", 6, 34855, 80), "1:LQU9qZlK+B5F3KDmev6m5PMibrg=")
        XCTAssertEqual(id("66.35.250.204", "128.232.110.120", 6, 80, 34855), "1:LQU9qZlK+B5F3KDmev6m5PMibrg=")
    }

    func testZeekVectorsSeed0() {
        XCTAssertEqual(id("1.2.3.4", "5.6.7.8", 6, 1122, 3344), "1:wCb3OG7yAFWelaUydu0D+125CLM=")
        XCTAssertEqual(id("5.6.7.8", "1.2.3.4", 6, 3344, 1122), "1:wCb3OG7yAFWelaUydu0D+125CLM=")
        XCTAssertEqual(id("1.2.3.4", "5.6.7.8", 17, 1122, 3344), "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=")
        XCTAssertEqual(id("5.6.7.8", "1.2.3.4", 17, 3344, 1122), "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=")
        // Echo request and its reply are one flow.
        XCTAssertEqual(id("1.2.3.4", "5.6.7.8", 1, nil, nil, icmp: (8, 0)), "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=")
        XCTAssertEqual(id("5.6.7.8", "1.2.3.4", 1, nil, nil, icmp: (0, 0)), "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=")
        let a = "fe80:1:203:405:607:809:a0b:c0d"
        let b = "fe80:1011:1213:1415:1617:1819:1a1b:1c1d"
        XCTAssertEqual(id(a, b, 58, nil, nil, icmp: (128, 0)), "1:0bf7hyMJUwt3fMED7z8LIfRpBeo=")
        XCTAssertEqual(id(b, a, 58, nil, nil, icmp: (129, 0)), "1:0bf7hyMJUwt3fMED7z8LIfRpBeo=")
        // A protocol without ports (RSVP) hashes the addresses and protocol alone.
        XCTAssertEqual(id("1.2.3.4", "5.6.7.8", 46, nil, nil), "1:ikv3kmf89luf73WPz1jOs49S768=")
    }

    func testZeekVectorsSeed1() {
        XCTAssertEqual(id("1.2.3.4", "5.6.7.8", 6, 1122, 3344, seed: 1), "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=")
        XCTAssertEqual(id("1.2.3.4", "5.6.7.8", 17, 1122, 3344, seed: 1), "1:OShq+iKDAMVouh/4bMxB9Sz4amw=")
        XCTAssertEqual(id("1.2.3.4", "5.6.7.8", 1, nil, nil, icmp: (8, 0), seed: 1), "1:9pr4ZGTICiuZoIh90RRYE2RyXpU=")
        XCTAssertEqual(
            id(
                "fe80:1:203:405:607:809:a0b:c0d", "fe80:1011:1213:1415:1617:1819:1a1b:1c1d", 58, nil, nil,
                icmp: (128, 0), seed: 1),
            "1:IO27GQzPuCtNnwFvjWALMHu5tJE=")
    }
}
