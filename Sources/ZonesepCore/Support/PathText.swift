/// Path names as text, the three operations the commands need, spelled as Foundation's `NSString` spells
/// them so that messages and file lists read as they always have; kept here so that the executable links
/// FoundationEssentials alone (the full Foundation cost every run some 15 M instructions at start-up).
public enum PathText {
    /// The text after the last dot of the last component: "" for none, a trailing dot or a leading one
    /// (".pcap" is a hidden file, not an extension).
    public static func pathExtension(_ path: String) -> String {
        let name = path.split(separator: "/", omittingEmptySubsequences: true).last.map(String.init) ?? ""
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
        return String(name[name.index(after: dot)...])
    }

    /// `component` under `directory`, with one slash between them (a directory given with a trailing slash
    /// does not get a second one).
    public static func appending(_ component: String, to directory: String) -> String {
        if directory.isEmpty { return component }
        if directory.hasSuffix("/") { return directory + component }
        return directory + "/" + component
    }

    /// The directory part: "" for a bare name, "/" for a name in the root, trailing and doubled slashes
    /// ignored.
    public static func parent(_ path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "" }
        var head = trimmed[..<slash]
        while head.hasSuffix("/") { head = head.dropLast() }
        return head.isEmpty ? "/" : String(head)
    }
}
