import XCTest
import ZonesepTestSupport

@testable import ZonesepRuntime

/// The evidence sink's table of open files by session and flow serial, held to a `Dictionary` through
/// long runs of inserts, replacements and removals, in a large table and in one kept small enough that
/// removals move entries back across the table's end.
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
        // Keys close together and three sessions: long probe runs (the table grows to 1,024 slots).
        var table = FlowFileTable(minimumCapacity: 4)
        var model: [Key: UInt64] = [:]
        var random = SplitMix64(seed: 0x2545_f491_4f6c_dd1d)
        var nextFile: UInt64 = 1
        let keys = (0..<3).flatMap { session in (0..<200 as Range<UInt64>).map { Key(session: session, serial: $0 * 7) }
        }
        for step in 0..<40_000 {
            let k = keys[Int(random.next() % UInt64(keys.count))]
            // Grow to about 150 entries, then hold there: as many removals as inserts.
            if model.count < 150 || random.next() % 2 == 0 {
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

    /// About a dozen keys in a 32-slot table: runs often cross the table's end, so removals move entries
    /// back across it (the wrap-around case of `remove`), which the large workload above never reaches. Every
    /// step is checked against the model, and the moves across the end are counted from the slots' positions.
    func testRemovalsMoveEntriesBackAcrossTheTablesEnd() {
        var table = FlowFileTable(minimumCapacity: 16)
        let size = table.slots.count
        XCTAssertEqual(size, 32)
        var model: [Key: UInt64] = [:]
        var random = SplitMix64(seed: 0x9e37_79b9_7f4a_7c15)
        let keys = (0..<2).flatMap { session in
            (1...24 as ClosedRange<UInt64>).map { Key(session: session, serial: $0) }
        }
        var nextFile: UInt64 = 1
        var movesAcrossTheEnd = 0
        var mismatches = 0
        for step in 0..<30_000 {
            let k = keys[Int(random.next() % UInt64(keys.count))]
            // Between 10 and 14 entries: never more than half of the 32 slots, so the table does not grow.
            if model.count < 10 || (model.count < 14 && random.next() % 2 == 0) {
                table.set(session: k.session, serial: k.serial, file: nextFile)
                model[k] = nextFile
                nextFile += 1
            } else {
                let before = table.slots
                let removed = table.remove(session: k.session, serial: k.serial)
                if removed != model.removeValue(forKey: k) {
                    XCTFail("remove \(k) at step \(step) returned \(String(describing: removed))")
                }
                // An entry that moved back to a higher index went from the table's start to its end.
                for (old, slot) in before.enumerated() where slot.file != 0 && slot.file != removed {
                    if let now = table.slots.firstIndex(where: { $0.file == slot.file }), now > old {
                        movesAcrossTheEnd += 1
                    }
                }
            }
            for key in keys where table.file(session: key.session, serial: key.serial) != model[key] {
                mismatches += 1
                if mismatches <= 5 { XCTFail("\(key) at step \(step): table and model disagree") }
            }
        }
        XCTAssertEqual(mismatches, 0)
        XCTAssertEqual(table.count, model.count)
        XCTAssertEqual(table.slots.count, size, "the table stayed small")
        XCTAssertGreaterThan(movesAcrossTheEnd, 20, "removals moved entries back across the table's end")
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
