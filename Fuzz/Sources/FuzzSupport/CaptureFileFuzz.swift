import ZonesepCapture
import ZonesepCore

extension Fuzz {
    /// The body of the capture-file targets (pcap and pcapng take the same path through
    /// `CaptureFileReader`, which picks the format from the file's magic): the input as a file, every
    /// frame's bytes read through the batch reads and the one-at-a-time reads the replay uses, so
    /// AddressSanitizer checks that each frame lies in the reader's buffer.
    public static func readCaptureFile(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
        let path = file(bytes(data, size))
        guard let reader = try? CaptureFileReader(path: path) else { return 0 }
        var sum = 0
        func read(_ bytes: UnsafeRawBufferPointer) {
            for b in bytes { sum &+= Int(b) }
        }
        var frames = [Verifier.Frame](
            repeating: Verifier.Frame(
                timestamp: 0, bytes: UnsafeRawBufferPointer(start: nil, count: 0), wireLength: 0),
            count: 16)
        reading: while true {
            let n = frames.withUnsafeMutableBufferPointer { reader.readBatch(into: $0) }
            for f in frames[0..<n] { read(f.bytes) }
            if n > 0 { continue }
            switch reader.next() {
            case .frame(let f): read(f.bytes)
            case .end, .error: break reading
            }
        }
        // A result libFuzzer ignores, but the reads cannot be optimised away.
        return sum == Int.min ? 1 : 0
    }
}
