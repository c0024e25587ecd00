/// A set of ASCII bytes as a 128-bit mask: a membership test is a shift and a mask, where a
/// chain of comparisons per byte cost several times more in the tokenizer's inner loops.
struct AsciiSet {
    private var low: UInt64 = 0
    private var high: UInt64 = 0

    init(_ members: String) {
        for byte in members.utf8 {
            precondition(byte < 128, "AsciiSet holds ASCII only")
            if byte < 64 { low |= 1 << UInt64(byte) } else { high |= 1 << UInt64(byte - 64) }
        }
    }

    /// Whether `byte` is in the set; a byte of 128 or more never is.
    @inline(__always) func contains(_ byte: UInt8) -> Bool {
        let word = byte & 64 == 0 ? low : high
        return byte < 128 && (word >> UInt64(byte & 63)) & 1 != 0
    }
}
