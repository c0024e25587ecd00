import Testing
@testable import SwitchboardCore

/// `StringTable` keeps its index in shards that split one at a time and its names in pages:
/// ids must stay dense and in first-seen order across splits and page boundaries, and copies
/// must stay independent values although they share shards and pages until one writes.
@Suite struct StringTableTests {
    /// Enough names for dozens of shard splits and several full pages.
    static let manyNames = max(NameIndex.namesPerShard * 40, NamePages<Empty>.pageSize * 5) + 7

    static func customer(_ number: Int) -> String { "customer-\(number)" }

    static func filled(_ count: Int) -> StringTable<Int> {
        var table = StringTable(initialPayload: -1)
        for number in 0..<count { _ = table.intern(customer(number)) }
        return table
    }

    @Test func idsAreDenseAndInFirstSeenOrderAcrossSplitsAndPages() {
        var table = StringInterner()
        for number in 0..<Self.manyNames {
            #expect(table.intern(Self.customer(number)) == Int32(number))
            // A name seen again keeps its id, right after it was added and long after.
            #expect(table.intern(Self.customer(number / 2)) == Int32(number / 2))
        }
        #expect(table.count == Self.manyNames)
        for number in 0..<Self.manyNames {
            #expect(table.find(Self.customer(number)) == Int32(number))
            #expect(table[Int32(number)] == Self.customer(number))
        }
        #expect(table.names == (0..<Self.manyNames).map(Self.customer))
        #expect(table.find(Self.customer(Self.manyNames)) == nil)
    }

    @Test func namesOfEveryLengthAroundTheSlotAndPageSizesRoundTrip() {
        // Lengths 0 through 80 cross the 8-byte words and the 24 bytes a slot holds; as many
        // names again as a page holds cross page boundaries with names of every length.
        var table = StringInterner()
        var expected: [String] = []
        for round in 0..<(NamePages<Empty>.pageSize * 3 / 81 + 1) {
            for length in 0...80 {
                let name = String(repeating: "n", count: length) + (length > 0 ? "\(round)" : "")
                if table.find(name) == nil { expected.append(name) }
                _ = table.intern(name)
            }
        }
        #expect(table.count == expected.count)
        for (id, name) in expected.enumerated() {
            #expect(table.find(name) == Int32(id), "\(name)")
            #expect(table[Int32(id)] == name)
            #expect(table.withBytes(of: Int32(id)) { Array($0) } == Array(name.utf8))
        }
        #expect(table.find("") == 0)
        #expect(table[0] == "")
    }

    @Test func longNamesThatShareTheirFirst24BytesAreToldApartAfterSplits() {
        let prefix = String(repeating: "p", count: 24)
        var table = StringInterner()
        for number in 0..<(NameIndex.namesPerShard * 8) { _ = table.intern(prefix + "\(number)") }
        for number in 0..<(NameIndex.namesPerShard * 8) { #expect(table.find(prefix + "\(number)") == Int32(number)) }
        #expect(table.find(prefix) == nil)
        #expect(table.find(prefix + "x") == nil)
    }

    @Test func aCopyIsUnchangedByInternsAndPayloadsWrittenToTheOriginal() {
        var original = Self.filled(Self.manyNames)
        let copy = original
        for number in 0..<Self.manyNames where number % 97 == 0 { original[payload: Int32(number)] = number }
        for number in Self.manyNames..<(Self.manyNames + 3_000) { _ = original.intern(Self.customer(number)) }

        #expect(copy.count == Self.manyNames)
        #expect(original.count == Self.manyNames + 3_000)
        for number in 0..<Self.manyNames {
            #expect(copy[payload: Int32(number)] == -1)
            #expect(copy.find(Self.customer(number)) == Int32(number))
            #expect(original[payload: Int32(number)] == (number % 97 == 0 ? number : -1))
        }
        for number in Self.manyNames..<(Self.manyNames + 3_000) {
            #expect(copy.find(Self.customer(number)) == nil)
            #expect(original.find(Self.customer(number)) == Int32(number))
        }
    }

    @Test func twoCopiesGiveTheSameNewIdToDifferentNames() {
        let base = Self.filled(NameIndex.namesPerShard * 3)
        var left = base
        var right = base
        let next = Int32(base.count)
        #expect(left.intern("only-left") == next)
        #expect(right.intern("only-right") == next)
        left[payload: 0] = 1
        #expect(left.find("only-right") == nil)
        #expect(right.find("only-left") == nil)
        #expect(right[payload: 0] == -1)
        #expect(base.find("only-left") == nil && base.find("only-right") == nil)
        #expect(left[next] == "only-left" && right[next] == "only-right")
    }

    @Test(arguments: [UInt64(1), 0x5EED, 20_251_126])
    func randomNamesMatchADictionary(seed: UInt64) {
        var generator = SwitchboardCore.SplitMix64(seed: seed)
        var table = StringTable(initialPayload: 0)
        var model: [String: Int32] = [:]
        var order: [String] = []
        var snapshots: [(table: StringTable<Int>, count: Int)] = []
        for step in 0..<30_000 {
            // Short and long names, many repeated, bytes including NUL and multi-byte UTF-8.
            let length = Int.random(in: 0..<40, using: &generator)
            let alphabet: [Character] = ["a", "b", "\u{0}", "é", "9"]
            let name = String((0..<length).map { _ in alphabet.randomElement(using: &generator)! })
            let id = table.intern(name)
            if let known = model[name] {
                #expect(id == known, "seed \(seed), step \(step): [\(name)] changed id")
            } else {
                #expect(id == Int32(order.count), "seed \(seed), step \(step): [\(name)] got a sparse id")
                model[name] = id
                order.append(name)
            }
            table[payload: id] += 1
            if step % 7_000 == 0 { snapshots.append((table, order.count)) }
        }
        for (name, id) in model { #expect(table.find(name) == id, "seed \(seed): [\(name)]") }
        #expect(table.names == order, "seed \(seed)")
        for (snapshot, count) in snapshots {
            #expect(snapshot.count == count, "seed \(seed)")
            #expect(snapshot.names == Array(order.prefix(count)), "seed \(seed)")
        }
    }
}
