import FuzzSupport

// Classic pcap files: `BufferedPcapFile` where it takes the file, libpcap from where it hands over.
// Input: the file's bytes. The reading loop is `Fuzz.readCaptureFile`, shared with fuzz-pcapng: the two
// targets differ in their seeds (Fuzz/make-seeds.py), which steer libFuzzer to one format or the other.

/// libFuzzer calls this once per input (its runtime brings `main`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    Fuzz.readCaptureFile(data, size)
}
