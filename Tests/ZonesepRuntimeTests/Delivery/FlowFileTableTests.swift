import XCTest

@testable import ZonesepRuntime

/// The evidence sink's table of open files by session and flow serial, held to a `Dictionary` through
/// long runs of inserts, replacements and removals (the removals move runs back, across the table's end).
final class FlowFileTableTests: XCTestCase {
    struct Key: Hashable {
        var session: Int
        var serial: UInt64
    }

    /// Every key of the model is found with its file, and keys not in it are not.
    func check(_ table: FlowFileTable, _ model: [Key: UInt64], absent: [Key], _ step: Int) {
        XCTAssertEqual(table.count, model.count, "count at step \(step)")
        for (k, file) in model {
            XCTAssertEqual(table.file(session: k.session, serial: k.serial), file, "\(k) at step \(step)")
        }
        for k in absent where model[k] == nil {
            XCTAssertNil(table.file(session: k.session, serial: k.serial), "\(k) at step \(step)")
        }
    }

    func testAgreesWithADictionaryThroughInsertsReplacementsAndRemovals() {
        // A small table, keys close together and three sessions: long probe runs, many wrapping around.
        var table = FlowFileTable(minimumCapacity: 4)
        var model: [Key: UInt64] = [:]
        var seed: UInt64 = 0x2545_f491_4f6c_dd1d
        func next() -> UInt64 {
            seed ^= seed << 13
            seed ^= seed >> 7
            seed ^= seed << 17
            return seed
        }
        var nextFile: UInt64 = 1
        let keys = (0..<3).flatMap { session in (0..<200 as Range<UInt64>).map { Key(session: session, serial: $0 * 7) }
        }
        for step in 0..<40_000 {
            let k = keys[Int(next() % UInt64(keys.count))]
            // Grow to about 150 entries, then hold there: as many removals as inserts.
            if model.count < 150 || next() % 2 == 0 {
                table.set(session: k.session, serial: k.serial, file: nextFile)
                model[k] = nextFile
                nextFile += 1
            } else {
                XCTAssertEqual(table.remove(session: k.session, serial: k.serial), model.removeValue(forKey: k))
            }
            if step % 997 == 0 { check(table, model, absent: keys, step) }
        }
        check(table, model, absent: keys, 40_000)
        // Emptied key by key, the table finds nothing.
        for k in Array(model.keys) {
            XCTAssertEqual(table.remove(session: k.session, serial: k.serial), model.removeValue(forKey: k))
        }
        check(table, model, absent: keys, 40_001)
        XCTAssertEqual(table.slots.filter { $0.file != 0 }.count, 0)
    }

    func testTheSameSerialInTwoSessionsIsTwoFlows() {
        var table = FlowFileTable()
        table.set(session: 0, serial: 42, file: 1)
        table.set(session: 1, serial: 42, file: 2)
        XCTAssertEqual(table.file(session: 0, serial: 42), 1)
        XCTAssertEqual(table.file(session: 1, serial: 42), 2)
        XCTAssertEqual(table.remove(session: 0, serial: 42), 1)
        XCTAssertNil(table.file(session: 0, serial: 42))
        XCTAssertEqual(table.file(session: 1, serial: 42), 2)
        XCTAssertNil(table.remove(session: 0, serial: 42), "removed once")
    }

    func testStaysAtMostHalfFull() {
        var table = FlowFileTable(minimumCapacity: 1)
        for serial in 1...1_000 as ClosedRange<UInt64> {
            table.set(session: 0, serial: serial, file: serial)
            XCTAssertLessThanOrEqual(2 * table.count, table.slots.count)
        }
        XCTAssertEqual(table.count, 1_000)
        for serial in 1...1_000 as ClosedRange<UInt64> {
            XCTAssertEqual(table.file(session: 0, serial: serial), serial)
        }
    }
}
