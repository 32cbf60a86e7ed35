import XCTest
import ZonesepTestSupport

@testable import ZonesepOutput

/// The violation collector's list of open flows grows a chunk at a time and never moves what it holds:
/// whatever is appended, changed and dropped, it must hold what an array does, in order, and
/// keep each element where it was put until it is dropped.
final class ChunkedListTests: XCTestCase {
    struct Item: Equatable {
        var serial: UInt64
        var bytes: (UInt64, UInt64, UInt64) = (0, 0, 0)
        var flag = true

        static func == (a: Item, b: Item) -> Bool {
            a.serial == b.serial && a.bytes == b.bytes && a.flag == b.flag
        }
    }

    func testAnySequenceOfChangesLeavesWhatAnArrayHolds() {
        var random = SplitMix64(seed: 5)
        for shift in [0, 2, 3, 9] {
            let list = ChunkedList<Item>(shift: shift)
            var model: [Item] = []
            var most = 0
            for step in 0..<3_000 {
                let item = Item(serial: UInt64(step), bytes: (UInt64(step) &* 3, 7, UInt64(step) &+ 1))
                switch Int.random(in: 0..<10, using: &random) {
                case 0..<5:
                    list.append(item)
                    model.append(item)
                case 5, 6, 7:
                    guard !model.isEmpty else { continue }
                    let k = Int.random(in: 0..<model.count, using: &random)
                    list[k].flag.toggle()
                    model[k].flag.toggle()
                default:
                    let n = Int.random(in: 0...min(model.count, 9), using: &random)
                    list.removeLast(n)
                    model.removeLast(n)
                }
                most = max(most, model.count)
                XCTAssertEqual(list.count, model.count)
            }
            XCTAssertEqual(list.elements, model, "chunks of \(1 << shift)")
            XCTAssertEqual(list.last, model.last)
            XCTAssertEqual(
                list.chunkCount, (most + (1 << shift) - 1) >> shift, "a chunk is added only when the last is full")
        }
    }

    func testAppendsNeverMoveWhatTheListHolds() {
        let list = ChunkedList<Item>(shift: 4)
        list.append(Item(serial: 0))
        let first = list.pointer(at: 0)
        var places: [UnsafeMutablePointer<Item>] = [first]
        for s in 1..<1_000 {
            list.append(Item(serial: UInt64(s)))
            places.append(list.pointer(at: s))
        }
        XCTAssertEqual(list.pointer(at: 0), first)
        XCTAssertEqual((0..<1_000).map { list.pointer(at: $0) }, places)
        XCTAssertEqual(places.map(\.pointee.serial), (0..<1_000).map(UInt64.init))
        // Dropped and appended again: the same chunks, no new ones.
        list.removeLast(600)
        for s in 0..<600 { list.append(Item(serial: UInt64(s))) }
        XCTAssertEqual(list.chunkCount, 1_000 / 16 + 1)
        XCTAssertEqual((0..<1_000).map { list.pointer(at: $0) }, places)
    }
}
