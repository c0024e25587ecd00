/// Scans of UTF-8 bytes eight at a time (SWAR: a `UInt64` as eight lanes), for the encoder's
/// hot path: most values are plain text, so finding that nothing needs quoting or escaping
/// should cost a few instructions per word, not a branch per byte.
enum ByteScan {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highs: UInt64 = 0x8080_8080_8080_8080

    /// Lanes whose byte is zero (high bit set in those lanes; exact for "any").
    @inline(__always) private static func zeroLanes(_ word: UInt64) -> UInt64 {
        (word &- ones) & ~word & highs
    }

    /// Lanes whose byte equals `byte`.
    @inline(__always) private static func equalLanes(_ word: UInt64, _ byte: UInt8) -> UInt64 {
        zeroLanes(word ^ (ones &* UInt64(byte)))
    }

    /// Lanes whose byte is below `limit` (at most 128); bytes of 0x80 and up never count.
    @inline(__always) private static func belowLanes(_ word: UInt64, _ limit: UInt8) -> UInt64 {
        (word &- ones &* UInt64(limit)) & ~word & highs
    }

    /// Whether a word holds a byte a bare value may not contain: a control character or
    /// space, DEL, `"`, `=` or `\`.
    @inline(__always) static func hasUnbare(_ word: UInt64) -> Bool {
        (belowLanes(word, 0x21) | equalLanes(word, 0x7F) | equalLanes(word, 0x22) | equalLanes(word, 0x3D)
            | equalLanes(word, 0x5C)) != 0
    }

    /// Whether a word may hold a byte written as an escape inside quotes (`"`, `\`, `\n`,
    /// `\r`, `\t`): true for those and for every other control character, which is rare
    /// and then settled byte by byte. Three lane tests instead of five: this runs over every
    /// quoted value a node writes.
    @inline(__always) static func hasEscaped(_ word: UInt64) -> Bool {
        (belowLanes(word, 0x20) | equalLanes(word, 0x22) | equalLanes(word, 0x5C)) != 0
    }

    /// Whether a word holds a byte that ends a quoted value in the plain form: `"` or `\`.
    @inline(__always) static func hasQuoteOrBackslash(_ word: UInt64) -> Bool {
        (equalLanes(word, 0x22) | equalLanes(word, 0x5C)) != 0
    }

    /// The index of the first byte at or after `start` for which `byteTest` holds, or
    /// `bytes.count`; whole words for which `wordTest` is false are skipped. `wordTest` may
    /// hold for a word where `byteTest` holds for no byte (a cheaper, wider test): that word's
    /// bytes are tested one by one and the scan goes on by words.
    @inline(__always) static func first(in bytes: UnsafeBufferPointer<UInt8>, from start: Int,
                                        word wordTest: (UInt64) -> Bool, byte byteTest: (UInt8) -> Bool) -> Int {
        guard let base = bytes.baseAddress else { return 0 }
        var index = start
        let count = bytes.count
        while index + 8 <= count {
            let word = UInt64(littleEndian: UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self))
            if wordTest(word) {
                for position in index..<index + 8 where byteTest(base[position]) { return position }
            }
            index += 8
        }
        while index < count && !byteTest(base[index]) { index += 1 }
        return index
    }
}
