/// A growable set of small non-negative integers, one bit each. The routing indexes keep
/// "which groups could serve this requirement" and "which groups have someone free" as
/// bitsets, so that a decision intersects a few words instead of scanning groups.
struct Bitset: Hashable {
    private(set) var words: [UInt64] = []

    @inline(__always) func contains(_ member: Int) -> Bool {
        let word = member >> 6
        return word < words.count && words[word] & (1 << UInt64(member & 63)) != 0
    }

    @inline(__always) mutating func insert(_ member: Int) {
        let word = member >> 6
        if word >= words.count { words.append(contentsOf: repeatElement(0, count: word - words.count + 1)) }
        words[word] |= 1 << UInt64(member & 63)
    }

    @inline(__always) mutating func remove(_ member: Int) {
        let word = member >> 6
        guard word < words.count else { return }
        words[word] &= ~(1 << UInt64(member & 63))
    }

    /// Calls `body` with each member of `self ∩ other`, in ascending order.
    @inline(__always) func forEachCommon(with other: Bitset, _ body: (Int) -> Void) {
        let n = Swift.min(words.count, other.words.count)
        words.withUnsafeBufferPointer { a in
            other.words.withUnsafeBufferPointer { b in
                for index in 0..<n {
                    var word = a[index] & b[index]
                    while word != 0 {
                        body(index << 6 | word.trailingZeroBitCount)
                        word &= word - 1
                    }
                }
            }
        }
    }
}

/// A set that only grows, kept both as bits and as the list of its non-zero words, so that
/// intersecting it with a dense bitset visits only the words where it has members. Eligibility
/// ("which requirements can this group serve") is sparse over thousands of requirements.
struct GrowingBitset: Hashable {
    private(set) var bits = Bitset()
    /// Indices of the words of `bits` that are not zero, ascending.
    private(set) var nonZeroWords: [Int32] = []

    @inline(__always) func contains(_ member: Int) -> Bool { bits.contains(member) }

    /// Calls `body` with the words of the set and the indices of its non-zero words, without
    /// copying either array (a copy would retain and release both on every decision).
    @inline(__always) func withWords<R>(_ body: (UnsafeBufferPointer<UInt64>, UnsafeBufferPointer<Int32>) -> R) -> R {
        bits.words.withUnsafeBufferPointer { words in
            nonZeroWords.withUnsafeBufferPointer { nonZero in body(words, nonZero) }
        }
    }

    mutating func insert(_ member: Int) {
        let word = member >> 6
        let wasZero = word >= bits.words.count || bits.words[word] == 0
        bits.insert(member)
        if wasZero {
            let position = nonZeroWords.firstIndex { Int($0) > word } ?? nonZeroWords.count
            nonZeroWords.insert(Int32(word), at: position)
        }
    }

    /// Calls `body` with each member of `self ∩ other`, in ascending order.
    @inline(__always) func forEachCommon(with other: Bitset, _ body: (Int) -> Void) {
        bits.words.withUnsafeBufferPointer { a in
            other.words.withUnsafeBufferPointer { b in
                for word in nonZeroWords {
                    let index = Int(word)
                    guard index < b.count else { break }
                    var common = a[index] & b[index]
                    while common != 0 {
                        body(index << 6 | common.trailingZeroBitCount)
                        common &= common - 1
                    }
                }
            }
        }
    }
}
