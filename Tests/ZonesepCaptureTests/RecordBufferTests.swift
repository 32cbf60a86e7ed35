import XCTest

@testable import ZonesepCapture

/// The evidence writer's buffer of pcap records: what goes in comes out in order, across its growth.
final class RecordBufferTests: XCTestCase {
    func testRecordsComeOutInOrderAcrossGrowth() {
        var b = RecordBuffer(capacity: 64)
        defer { b.release() }
        var expected: [UInt8] = []
        for n in 0..<300 {
            let packet = [UInt8](repeating: UInt8(truncatingIfNeeded: n), count: 1 + n * 7 % 1_500)
            let header: (Int32, Int32, UInt32, UInt32) = (Int32(n), -Int32(n), UInt32(packet.count), 9_000)
            packet.withUnsafeBytes { b.append(header: header, packet: $0) }
            withUnsafeBytes(of: header) { expected += $0 }
            expected += packet
            XCTAssertEqual(b.count, expected.count)
            XCTAssertGreaterThanOrEqual(b.capacity, b.count)
        }
        XCTAssertEqual(Array(b.bytes), expected)
    }

    func testEmptyingKeepsTheMemory() {
        var b = RecordBuffer(capacity: 100)
        defer { b.release() }
        [UInt8](repeating: 7, count: 50).withUnsafeBytes { b.append(header: (1, 2, 50, 50), packet: $0) }
        let base = b.base
        b.removeAll()
        XCTAssertTrue(b.isEmpty)
        XCTAssertEqual(b.capacity, 100)
        [UInt8](repeating: 8, count: 10).withUnsafeBytes { b.append(header: (3, 4, 10, 10), packet: $0) }
        XCTAssertEqual(b.base, base, "the same memory again")
        XCTAssertEqual(Array(b.bytes.suffix(10)), [UInt8](repeating: 8, count: 10))
        XCTAssertEqual(b.count, 26)
    }

    func testAnEmptyPacketIsItsHeaderAlone() {
        var b = RecordBuffer()
        defer { b.release() }
        XCTAssertEqual(b.capacity, 0)
        [UInt8]().withUnsafeBytes { b.append(header: (5, 6, 0, 60), packet: $0) }
        XCTAssertEqual(b.count, 16)
        XCTAssertEqual(b.bytes.loadUnaligned(fromByteOffset: 12, as: UInt32.self), 60)
    }
}
