/// A forward-only reader over packet bytes that returns nil when bytes run out, never traps.
///
/// Decoders take the cursor by `inout`, so a failed read leaves the caller to count the anomaly and
/// move on; the cursor never owns or copies the bytes.
public struct ByteCursor {
    public let base: UnsafeRawBufferPointer
    /// Bytes consumed so far; only the read methods move it.
    public var offset: Int { _offset }
    @usableFromInline var _offset: Int

    @inlinable
    public init(_ base: UnsafeRawBufferPointer, offset: Int = 0) {
        self.base = base
        self._offset = max(0, min(offset, base.count))
    }

    /// Bytes left to read.
    @inlinable
    public var readableBytes: Int { base.count - offset }

    /// Reads a big-endian (network order) integer and advances, or returns nil without moving.
    @inlinable @inline(__always)
    public mutating func readInteger<T: FixedWidthInteger>(as: T.Type = T.self) -> T? {
        let size = MemoryLayout<T>.size
        guard size <= base.count - offset else { return nil }
        let value = base.loadUnaligned(fromByteOffset: offset, as: T.self)
        _offset += size
        return T(bigEndian: value)
    }

    /// Reads a little-endian integer (BSD loopback headers, some link types) and advances.
    @inlinable @inline(__always)
    public mutating func readLittleEndianInteger<T: FixedWidthInteger>(as: T.Type = T.self) -> T? {
        let size = MemoryLayout<T>.size
        guard size <= base.count - offset else { return nil }
        let value = base.loadUnaligned(fromByteOffset: offset, as: T.self)
        _offset += size
        return T(littleEndian: value)
    }

    /// Reads a big-endian integer at `at` bytes past the cursor without moving.
    @inlinable @inline(__always)
    public func peekInteger<T: FixedWidthInteger>(at: Int = 0, as: T.Type = T.self) -> T? {
        let size = MemoryLayout<T>.size
        guard at >= 0, size <= base.count - offset - at else { return nil }
        return T(bigEndian: base.loadUnaligned(fromByteOffset: offset + at, as: T.self))
    }

    /// Skips `count` bytes, or returns false without moving when fewer remain.
    @inlinable @inline(__always)
    @discardableResult
    public mutating func skip(_ count: Int) -> Bool {
        guard count >= 0, count <= base.count - offset else { return false }
        _offset += count
        return true
    }

    /// Reads a 48-bit MAC address as the low bits of a UInt64.
    @inlinable @inline(__always)
    public mutating func readMAC() -> MACAddress? {
        guard 6 <= base.count - offset else { return nil }
        var v: UInt64 = 0
        for i in 0..<6 { v = v << 8 | UInt64(base[offset + i]) }
        _offset += 6
        return MACAddress(rawValue: v)
    }

    /// Reads a 16-byte IPv6 address.
    @inlinable @inline(__always)
    public mutating func readIPv6() -> IPAddress? {
        guard let hi = readInteger(as: UInt64.self) else { return nil }
        guard let lo = readInteger(as: UInt64.self) else {
            _offset -= 8
            return nil
        }
        return IPAddress(v6: UInt128(hi) << 64 | UInt128(lo))
    }

    /// Reads a 4-byte IPv4 address.
    @inlinable @inline(__always)
    public mutating func readIPv4() -> IPAddress? {
        readInteger(as: UInt32.self).map(IPAddress.init(v4:))
    }

    /// A cursor over the next `count` bytes only (a header's declared length), advancing this one past them.
    @inlinable @inline(__always)
    public mutating func readSlice(_ count: Int) -> ByteCursor? {
        guard count >= 0, count <= base.count - offset else { return nil }
        let slice = UnsafeRawBufferPointer(rebasing: base[offset..<(offset + count)])
        _offset += count
        return ByteCursor(slice)
    }
}
