/// Characters a zones.conf typed in a Japanese environment, or pasted from a document or a chat, holds by
/// mistake where ASCII was meant: they look like what was meant, or like nothing. One list for the TOML
/// reader's syntax errors, which name them, and the checker's messages, which write the invisible ones out.
enum LookalikeCharacters {
    /// Those that show as nothing, or as a plain space: a value holding one looks right and is not.
    static let invisible: [UInt32: String] = [
        0x00A0: "a no-break space", 0x00AD: "a soft hyphen", 0x200B: "a zero-width space",
        0x200C: "a zero-width non-joiner", 0x200D: "a zero-width joiner", 0x2060: "a word joiner",
        0xFEFF: "a byte order mark",
    ]

    /// The invisible ones and those that look like an ASCII character TOML reads (a full-width space shows,
    /// so it is here and not among the invisible: Japanese labels hold it).
    static let all: [UInt32: String] = invisible.merging(
        [
            0x3000: "a full-width space", 0xFF1D: "a full-width '='", 0xFF3B: "a full-width '['",
            0xFF3D: "a full-width ']'", 0xFF02: "a full-width '\"'", 0xFF0C: "a full-width ','",
            0xFF0E: "a full-width '.'", 0x3002: "an ideographic full stop", 0x201C: "a curly quote",
            0x201D: "a curly quote", 0x2018: "a curly quote", 0x2019: "a curly quote", 0xFF03: "a full-width '#'",
        ], uniquingKeysWith: { a, _ in a })
}
