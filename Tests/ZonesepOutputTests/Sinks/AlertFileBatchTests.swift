import Foundation
import XCTest
import ZonesepTestSupport

@testable import ZonesepOutput

/// A batch of records written together (`AlertFile.write(_: LineBatch)`, what the alerts file does at the
/// end of each engine batch) leaves what writing them one by one leaves: the same bytes in the same files
/// across size and day rotations, and on a full disk the same records kept, lost, counted and said.
final class AlertFileBatchTests: TemporaryDirectoryTestCase {
    let t0 = OutputFixtures.t0
    let day: Int64 = 86_400_000_000
    /// Every file of `path`'s directory, by name, with its bytes.
    func contents(_ path: String) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: path) {
            out[name] = try Data(contentsOf: URL(fileURLWithPath: path + "/" + name))
        }
        return out
    }

    /// Records of varied lengths (one longer than the smallest size limit) over three UTC days, with
    /// late ones (an earlier day than the file's) among them.
    func records() -> [(line: String, timestampMicros: Int64)] {
        var rng = SplitMix64(seed: 0x9E37_79B9_7F4A_7C15)
        var out: [(String, Int64)] = []
        var time = t0 + day - 40_000_000
        for n in 0..<160 {
            let state = rng.next()
            let padding = n == 77 ? 400 : Int(state >> 58)
            time += Int64(state >> 40 & 0xff_ffff) * 1000
            // Every ninth record is late: before the previous record's day began.
            let at = n % 9 == 8 ? time - day : time
            let pad = String(repeating: "x", count: padding)
            out.append((#"{"timestamp":"\#(Timestamp.rfc3339(at))","n":\#(n),"pad":"\#(pad)"}"#, at))
        }
        return out
    }

    func testBatchesLeaveTheBytesAndFilesOfLineByLineWritingAcrossRotations() throws {
        let all = records()
        XCTAssertGreaterThan(Set(all.map { AlertFile.day(of: $0.timestampMicros) }).count, 2, "several days")
        for rotation in [AlertFile.Rotation.none, .size(100), .size(300), .size(4096), .day] {
            let one = dir.appendingPathComponent("one-\(rotation)").path
            let many = dir.appendingPathComponent("many-\(rotation)").path
            for d in [one, many] {
                try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
            }
            let a = try AlertFile(path: one + "/alerts.jsonl", rotation: rotation)
            let b = try AlertFile(path: many + "/alerts.jsonl", rotation: rotation)
            for r in all { a.write(line: r.line, timestampMicros: r.timestampMicros) }
            // Batches of every size from 1 to 17, one after another.
            var next = 0
            var size = 1
            while next < all.count {
                var batch = LineBatch()
                for r in all[next..<min(next + size, all.count)] {
                    batch.append(line: r.line, timestampMicros: r.timestampMicros)
                }
                b.write(batch)
                next += size
                size = size % 17 + 1
            }
            let expected = try contents(one)
            XCTAssertEqual(try contents(many), expected, "\(rotation)")
            XCTAssertEqual(b.lines, 160)
            XCTAssertEqual(b.rotations, a.rotations, "\(rotation)")
            XCTAssertEqual(b.lost, 0)
            switch rotation {
            case .none: XCTAssertEqual(expected.count, 1)
            case .size, .day: XCTAssertGreaterThan(expected.count, 2, "\(rotation) rotated: \(expected.keys.sorted())")
            }
        }
    }

    /// A record of 719 bytes with its newline (as FullDiskTests'): five and a bit fill a page.
    func record(_ n: Int) -> String {
        let head =
            #"{"timestamp":"\#(Timestamp.rfc3339(t0 + Int64(n) * 1_000_000))","event_type":"alert","n":\#(n),"pad":""#
        return head + String(repeating: "x", count: 718 - head.utf8.count - 2) + #""}"#
    }

    /// What a file on a full disk holds, its counts and what it said, written in batches of `batch`
    /// records (1: one by one by `write(line:)`, as before batches).
    struct Outcome: Equatable {
        var bytes: Data
        var lines: UInt64
        var lost: UInt64
        var gaps: UInt64
        var events: [String]
    }

    func fullDisk(batch: Int) throws -> Outcome {
        let disk = try TinyDisk(kilobytes: 64)
        let path = disk.path + "/alerts.jsonl"
        let f = try AlertFile(path: path)
        var events: [String] = []
        f.onEvent = { events.append($0.replacingOccurrences(of: disk.path, with: "DISK")) }
        f.sensor = "test-sensor"
        func write(_ range: Range<Int>) {
            if batch == 1 {
                for n in range { f.write(line: record(n), timestampMicros: t0 + Int64(n) * 1_000_000) }
                return
            }
            var start = range.lowerBound
            while start < range.upperBound {
                var lines = LineBatch()
                for n in start..<min(start + batch, range.upperBound) {
                    lines.append(line: record(n), timestampMicros: t0 + Int64(n) * 1_000_000)
                }
                f.write(lines)
                start += batch
            }
        }
        write(0..<3)
        disk.fill()
        // The page the file has left takes two more records; the third is cut by the full disk, and the
        // rest of the batch cannot go in.
        write(3..<15)
        XCTAssertEqual(f.lines, 5, "batch \(batch)")
        XCTAssertEqual(f.lost, 10, "batch \(batch)")
        disk.free()
        write(15..<20)
        return Outcome(
            bytes: try Data(contentsOf: URL(fileURLWithPath: path)), lines: f.lines, lost: f.lost, gaps: f.gaps,
            events: events)
    }

    func testAFullDiskMidBatchKeepsLosesAndCountsTheRecordsLineByLineWritingWould() throws {
        let alone = try fullDisk(batch: 1)
        let text = String(decoding: alone.bytes, as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines.last, "", "the file ends on a whole line")
        let ns = lines.compactMap { line -> Int? in
            guard let r = line.range(of: #""n":"#) else { return nil }
            return Int(line[r.upperBound...].prefix { $0.isNumber })
        }
        XCTAssertEqual(ns, [0, 1, 2, 3, 4, 15, 16, 17, 18, 19])
        XCTAssertTrue(lines[5].contains(#""event_type":"sink_gap""#) && lines[5].contains(#""lost":10"#), "\(lines[5])")
        XCTAssertEqual(alone.lost, 10)
        XCTAssertEqual(alone.gaps, 1)
        XCTAssertEqual(alone.events.count, 2, "\(alone.events)")
        // Batches of several sizes: the full disk cuts each at another place.
        for batch in [2, 4, 5, 12, 20] {
            XCTAssertEqual(try fullDisk(batch: batch), alone, "batches of \(batch)")
        }
    }
}
