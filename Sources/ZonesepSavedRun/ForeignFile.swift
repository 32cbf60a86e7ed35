import FoundationEssentials

/// What a file given to `zonesep report` is when it is plainly no saved run: a compressed file, a capture, a
/// web page. Named by its first bytes, so that the message says what to do rather than "not valid JSON".
enum ForeignFile {
    /// The file's kind and what to give instead, or nil when it may be JSON Lines.
    static func kind(of data: Data, name: String = "") -> String? {
        let head = [UInt8](data.prefix(16))
        func starts(_ magic: [UInt8]) -> Bool { head.starts(with: magic) }
        if starts([0x1f, 0x8b]) && (name.hasSuffix(".tgz") || name.hasSuffix(".tar.gz")) {
            return "a compressed tar archive: extract the saved run from it first"
        }
        if starts([0x1f, 0x8b]) {
            return "compressed (gzip): decompress it first (a saved run: zcat FILE | zonesep report -; an archive: "
                + "extract the saved run from it)"
        }
        // A tar archive says so at byte 257 of its first header.
        if data.count >= 262, data[data.startIndex + 257..<data.startIndex + 262].elementsEqual("ustar".utf8) {
            return "a tar archive: extract the saved run from it first"
        }
        if starts([0x50, 0x4b, 0x03, 0x04]) { return "a zip archive: extract the saved run from it first" }
        if starts([0xff, 0xfe]) || starts([0xfe, 0xff]) {
            return "UTF-16 text: convert it to UTF-8 first (iconv -f UTF-16 -t UTF-8 FILE | zonesep report -)"
        }
        if starts([0x28, 0xb5, 0x2f, 0xfd]) {
            return "compressed (zstd): decompress it first (zstdcat FILE | zonesep report -)"
        }
        if starts([0x42, 0x5a, 0x68]) {
            return "compressed (bzip2): decompress it first (bzcat FILE | zonesep report -)"
        }
        if starts([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]) {
            return "compressed (xz): decompress it first (xzcat FILE | zonesep report -)"
        }
        for magic: [UInt8] in [
            [0xd4, 0xc3, 0xb2, 0xa1], [0xa1, 0xb2, 0xc3, 0xd4], [0x4d, 0x3c, 0xb2, 0xa1], [0xa1, 0xb2, 0x3c, 0x4d],
        ] where starts(magic) {
            return "a pcap capture, not a saved run: replay it with `zonesep replay --report FILE`"
        }
        if starts([0x0a, 0x0d, 0x0d, 0x0a]) {
            return "a pcapng capture, not a saved run: replay it with `zonesep replay --report FILE`"
        }
        let text = String(decoding: data.prefix(64), as: UTF8.self).lowercased()
            .drop { $0 == "\u{feff}" || $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" }
        if text.hasPrefix("<!doctype") || text.hasPrefix("<html") {
            return "an HTML page (an audit report itself?), not a saved run"
        }
        if text.hasPrefix("# zonesep") || text.hasPrefix("# scope,") {
            return "an audit report in Markdown or CSV itself, not a saved run"
        }
        return nil
    }
}
