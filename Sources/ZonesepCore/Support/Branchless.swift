/// Arithmetic in place of comparisons where a branch would mispredict. LLVM turns a select (`c ? a : b`)
/// inside a loop into a conditional jump when it guesses that is cheaper; on data that is a coin toss (a
/// packet's direction, a search's next step) it is not, so the code that must not branch uses these.
@usableFromInline
enum Branchless {
    /// 1 or 0 for a Bool, as a number rather than a select.
    @inlinable @inline(__always)
    static func bit(_ b: Bool) -> UInt8 { unsafeBitCast(b, to: UInt8.self) }

    /// 1 when `a` is at or below `b`, else 0: the borrow of `b - a`, taken from the flags.
    @inlinable @inline(__always)
    static func atOrBelow<T: FixedWidthInteger & UnsignedInteger>(_ a: T, _ b: T) -> Int {
        let (_, borrow) = b.subtractingReportingOverflow(a)
        return 1 &- Int(bit(borrow))
    }
}
