import XCTest
import ZonesepCore
import ZonesepTestSupport

@testable import ZonesepOutput

/// The five fields a flow-shaped record carries, written with one check of the room left for all of them:
/// the text a field at a time gives (`ProtocolName`, `IPAddress.description`, the ports in decimal), for
/// every protocol kind (the four written from constants and others of any length), each address family
/// and the IPv4-mapped form, ports absent and at their edges, started at every offset near the end of the
/// writer's buffer (where the one check must flush first) and with more written after.
final class RecordWriterFiveTupleTests: XCTestCase {
    static func expected(
        proto: UInt8, src: IPAddress, srcPort: UInt16?, dest: IPAddress, destPort: UInt16?, mapped: Bool
    ) -> String {
        func port(_ p: UInt16?) -> String { p.map { String($0) } ?? "null" }
        return ",\"proto\":\"\(ProtocolName.of(proto))\",\"src_ip\":\"\(src.description(mappedIPv6: mapped))\""
            + ",\"src_port\":\(port(srcPort)),\"dest_ip\":\"\(dest.description(mappedIPv6: mapped))\""
            + ",\"dest_port\":\(port(destPort))"
    }

    func testSameTextAsFieldByFieldAtEveryOffsetNearTheBufferEnd() {
        let longest = IPAddress("1234:5678:9abc:def0:1234:5678:9abc:def0")!
        let addresses: [(IPAddress, IPAddress, Bool)] = [
            (IPAddress(v4: 0xc0a8_0a01), IPAddress(v4: 0xffff_ffff), false),
            (IPAddress(v4: 0x0000_0000), IPAddress(v4: 0x0a00_0001), true),
            (longest, IPAddress("2001:db8::1")!, false),
            (IPAddress("fe80::1:0:0:1")!, longest, false),
            (longest, IPAddress("fedc:ba98:7654:3210:fedc:ba98:7654:3210")!, false),
        ]
        let ports: [(UInt16?, UInt16?)] = [(nil, nil), (0, 65535), (65535, 9), (443, nil), (12345, 80)]
        let protocols: [UInt8] = [
            IPProtocolNumber.tcp, IPProtocolNumber.udp, IPProtocolNumber.icmp, IPProtocolNumber.icmpv6, 47, 132, 0,
            255, 253,
        ]
        var cases = 0
        for proto in protocols {
            for (src, dest, mapped) in addresses {
                for (sp, dp) in ports {
                    let text = Self.expected(
                        proto: proto, src: src, srcPort: sp, dest: dest, destPort: dp, mapped: mapped)
                    // Padding that leaves from 0 to 220 bytes of the 1 KiB buffer before the fields.
                    for left in stride(from: 0, through: 220, by: proto == IPProtocolNumber.tcp ? 1 : 23) {
                        let pad = [UInt8](repeating: UInt8(ascii: "x"), count: RecordWriter.capacity - left)
                        var out: [UInt8] = []
                        RecordWriter.writing(into: &out) { w in
                            w.bytes(pad)
                            w.fiveTuple(
                                proto: proto, src: src, srcPort: sp, dest: dest, destPort: dp, mappedIPv6: mapped)
                            w.literal("}")
                        }
                        XCTAssertEqual(out.count, pad.count + text.utf8.count + 1)
                        XCTAssertEqual(
                            String(decoding: out.dropFirst(pad.count), as: UTF8.self), text + "}", "left \(left)")
                        cases += 1
                    }
                }
            }
        }
        XCTAssertGreaterThan(cases, 5000)
    }
}
