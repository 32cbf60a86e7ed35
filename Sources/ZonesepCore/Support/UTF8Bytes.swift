/// Runs `body` on a text's UTF-8 bytes, in place for a native string (a small one is copied to the
/// stack). The readers of zones.conf values (addresses, ports) work on bytes, not on Characters; taking
/// a `String` rather than any `StringProtocol` keeps the call specialised across modules.
func withUTF8Bytes<R>(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
    var text = text
    return text.withUTF8(body)
}
