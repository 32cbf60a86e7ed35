import FuzzSupport
import ZonesepCapture
import ZonesepCore

// pcapng files: `BufferedPcapngFile` where it takes the file, libpcap from where it hands over.
// Input: the file's bytes. Every frame's bytes are read (AddressSanitizer checks each lies in the buffer),
// through the batch reads and the one-at-a-time reads the replay uses.

/// libFuzzer calls this once per input (its runtime brings `main`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let path = Fuzz.file(Fuzz.bytes(data, size))
    guard let reader = try? CaptureFileReader(path: path) else { return 0 }
    var sum = 0
    func read(_ bytes: UnsafeRawBufferPointer) {
        for b in bytes { sum &+= Int(b) }
    }
    var frames = [Verifier.Frame](
        repeating: Verifier.Frame(timestamp: 0, bytes: UnsafeRawBufferPointer(start: nil, count: 0), wireLength: 0),
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
    return sum == Int.min ? 1 : 0
}
