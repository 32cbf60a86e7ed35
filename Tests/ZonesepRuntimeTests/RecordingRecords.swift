import Synchronization
import ZonesepRuntime

/// An output that keeps every record it is given (what the stages in front of it let through).
final class RecordingRecords: RecordSink {
    private let kept = Mutex<[Record]>([])
    private let finishedAt = Mutex<Int64?>(nil)

    var records: [Record] { kept.withLock { $0 } }
    var finishTime: Int64? { finishedAt.withLock { $0 } }

    @discardableResult
    func write(_ record: Record) -> Bool {
        kept.withLock { $0.append(record) }
        return true
    }

    func finish(at now: Int64) { finishedAt.withLock { $0 = now } }
}
