import Testing
@testable import SwitchboardCore

/// `SegmentedArray` is a value: copies share chunks until one of them writes, and then only
/// the chunk written is copied. Strings are stored to check that shared and copied elements
/// are retained and released correctly.
///
/// Serialized: two tests count live `Tracked` instances in one shared counter, and run side by
/// side they saw each other's elements (a fresh-clone CI run failed that way).
@Suite(.serialized) struct SegmentedArrayTests {
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

    @Test func copiesThatBothAppendToASharedChunkKeepTheirOwnElements() {
        var first = Self.filled(10)
        var second = first
        first.append("first's 10")  // first claims the shared chunk's end: in place
        second.append("second's 10")  // second holds fewer than the chunk: copies, then appends
        first.append("first's 11")
        second.append("second's 11")
        #expect((0..<12).map { first[$0] } == (0..<10).map { "element \($0)" } + ["first's 10", "first's 11"])
        #expect((0..<12).map { second[$0] } == (0..<10).map { "element \($0)" } + ["second's 10", "second's 11"])
    }

    @Test func aCopyLeftAloneWithElementsAppendedPastItsEndAppendsOverThemCleanly() {
        var kept = Self.filled(5)
        do {
            var other = kept
            other.append("appended in place by the other")
            other.append("and another")
        }
        // The other copy is gone: the chunk is kept's alone, with two elements past its end.
        kept.append("kept's own 5")
        #expect(kept.count == 6)
        #expect(kept[5] == "kept's own 5")
    }

    /// Counts live instances, so that a leaked or doubly released element shows.
    final class Tracked {
        // nonisolated(unsafe): touched only by this suite's tests, which run one at a time.
        nonisolated(unsafe) static var live = 0
        let value: Int
        init(_ value: Int) { self.value = value; Tracked.live += 1 }
        deinit { Tracked.live -= 1 }
    }

    @Test func aWriteToAChunkLeftWithElementsPastItsEndReleasesThemAndAppendsStillWork() {
        let before = Tracked.live
        do {
            var kept = SegmentedArray<Tracked>()
            for n in 0..<5 { kept.append(Tracked(n)) }
            do {
                var other = kept
                other.append(Tracked(100))  // in place, past kept's end
                other.append(Tracked(101))
            }
            #expect(Tracked.live == before + 7)
            // The chunk is kept's alone again: the write claims it and drops the two.
            kept[2] = Tracked(2)
            #expect(Tracked.live == before + 5)
            kept.append(Tracked(5))
            kept.append(Tracked(6))
            #expect((0..<7).map { kept[$0].value } == [0, 1, 2, 3, 4, 5, 6])
            // A copy shares every chunk again: writes and appends to either leave the other alone.
            var copy = kept
            copy[0] = Tracked(200)
            kept.append(Tracked(7))
            copy.append(Tracked(201))
            #expect((0..<8).map { kept[$0].value } == [0, 1, 2, 3, 4, 5, 6, 7])
            #expect((0..<8).map { copy[$0].value } == [200, 1, 2, 3, 4, 5, 6, 201])
        }
        #expect(Tracked.live == before)
    }

    @Test func writesToOlderChunksAfterNewOnesWereAddedStayPrivateToTheirCopy() {
        var original = Self.filled(Self.perChunk + 1)
        original[0] = "owned, then a new chunk was added"
        for n in 0..<Self.perChunk { original.append("more \(n)") }
        let copy = original
        original[1] = "the original's own"
        original[Self.perChunk * 2] = "the original's own, newest chunk"
        #expect(copy[1] == "element 1")
        #expect(copy[Self.perChunk * 2] == "more \(Self.perChunk - 1)")
        #expect(original[0] == copy[0])
    }

    @Test func randomCopiesWritesAndAppendsMatchArraysAndReleaseEveryElement() {
        let seed: UInt64 = 0x5EED_A11E
        var random = SplitMix64(seed: seed)
        let before = Tracked.live
        do {
            // A handful of copies, each checked against an Array given the same operations.
            var arrays: [SegmentedArray<Tracked>] = [SegmentedArray()]
            var models: [[Int]] = [[]]
            var next = 0
            for step in 0..<20_000 {
                let pick = Int((random.next() % UInt64(arrays.count)))
                switch random.next() % 10 {
                case 0 where arrays.count < 6:
                    arrays.append(arrays[pick])
                    models.append(models[pick])
                case 1 where arrays.count > 1:
                    arrays.remove(at: pick)
                    models.remove(at: pick)
                case 2 where !models[pick].isEmpty:
                    let index = Int((random.next() % UInt64(models[pick].count)))
                    next += 1
                    arrays[pick][index] = Tracked(next)
                    models[pick][index] = next
                default:
                    next += 1
                    arrays[pick].append(Tracked(next))
                    models[pick].append(next)
                }
                if step % 997 == 0 || step == 19_999 {
                    for (array, model) in zip(arrays, models) {
                        guard array.count == model.count, array.indices.allSatisfy({ array[$0].value == model[$0] }) else {
                            Issue.record("seed \(seed): step \(step): a copy differs from its model")
                            return
                        }
                    }
                }
            }
        }
        #expect(Tracked.live == before, "seed \(seed): every element released once")
    }
}
