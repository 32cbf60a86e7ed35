/// Runs `body` on a text's UTF-8 bytes: in place when the string is native (no copy), copied otherwise.
/// The readers of zones.conf values (addresses, ports) work on bytes, not on Characters.
func withUTF8Bytes<R>(_ text: some StringProtocol, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
    if let r = text.utf8.withContiguousStorageIfAvailable(body) { return r }
    return Array(text.utf8).withUnsafeBufferPointer(body)
}
