import Testing
@testable import SwitchboardCore

/// `SegmentedArray` is a value: copies share chunks until one of them writes, and then only
/// the chunk written is copied. Strings are stored to check that shared and copied elements
/// are retained and released correctly.
@Suite struct SegmentedArrayTests {
    /// Elements per 4 MiB chunk for a `String` (16 bytes).
    static let perChunk = 4 << 20 / MemoryLayout<String>.stride

    static func filled(_ count: Int) -> SegmentedArray<String> {
        var array = SegmentedArray<String>()
        for n in 0..<count { array.append("element \(n)") }
        return array
    }

    @Test func aCopyIsUnchangedByWritesAndAppendsToTheOriginal() {
        var original = Self.filled(Self.perChunk * 2 + 10)
        let copy = original
        original[3] = "changed in the first chunk"
        original[Self.perChunk * 2 + 5] = "changed in the last chunk"
        original.append("appended")
        #expect(copy.count == Self.perChunk * 2 + 10)
        #expect(copy[3] == "element 3")
        #expect(copy[Self.perChunk * 2 + 5] == "element \(Self.perChunk * 2 + 5)")
        #expect(original[3] == "changed in the first chunk")
        #expect(original[Self.perChunk * 2 + 5] == "changed in the last chunk")
        #expect(original[Self.perChunk * 2 + 10] == "appended")
        #expect(original[Self.perChunk + 1] == copy[Self.perChunk + 1])
    }

    @Test func theOriginalIsUnchangedByWritesToACopyAndBothOutliveEachOther() {
        var copy: SegmentedArray<String>
        do {
            let original = Self.filled(Self.perChunk + 3)
            copy = original
            copy[Self.perChunk + 1] = "the copy's own"
            #expect(original[Self.perChunk + 1] == "element \(Self.perChunk + 1)")
        }
        // The original is gone; the chunk both shared is still the copy's.
        #expect(copy[0] == "element 0")
        #expect(copy[Self.perChunk + 1] == "the copy's own")
        copy.append("more")
        #expect(copy.count == Self.perChunk + 4)
    }
}
