import ZonesepCore

/// `02:00:00:00:01:05` or `02-00-00-00-01-05`, strictly: six pairs of hex digits, one kind of separator.
func parseMAC(_ text: String) -> MACAddress? {
    let u = Array(text.unicodeScalars)
    guard u.count == 17 else { return nil }
    let separator = u[2]
    guard separator == ":" || separator == "-" else { return nil }
    for (k, c) in u.enumerated() {
        if k % 3 == 2 {
            guard c == separator else { return nil }
        } else {
            guard c.properties.isASCIIHexDigit else { return nil }
        }
    }
    return MACAddress(text)
}
