import Testing
@testable import SwitchboardCore

// The routing indexes' building blocks, held to the plain computations they replace.

@Test func groupTopsPickTheSameTopAsComparingEveryEligibleGroup() {
    var random = SplitMix64(seed: 7)
    var tops = GroupTops()
    let groups = 300
    tops.reserve(groups: groups)
    // The reference: every group's top per table, compared in full.
    var reference = [[GroupTops.Entry]](repeating: [GroupTops.Entry](repeating: GroupTops.empty, count: groups), count: GroupTops.tables)
    for step in 0..<20_000 {
        let group = Int(random.next() % UInt64(groups))
        let table = Int(random.next() % UInt64(GroupTops.tables))
        let entry: GroupTops.Entry
        if random.next() % 4 == 0 {
            entry = GroupTops.empty
        } else {
            // Utilisations below 1.0 (32.32), and a unique order per step so no two keys tie.
            let primary = table < 4 ? random.next() % (1 << 32) : random.next() % 1000
            entry = GroupTops.Entry(
                key: AgentKey(primary: primary, secondary: Int64(random.next() % 50), order: UInt32(step)),
                handle: Int32(step))
        }
        tops.set(entry, group: group, table: table)
        reference[table][group] = entry
        if step % 10 == 0 {
            var eligible = GrowingBitset()
            for candidate in 0..<groups where random.next() % 3 == 0 { eligible.insert(candidate) }
            let probeTable = Int(random.next() % UInt64(GroupTops.tables))
            var expected = GroupTops.empty
            for candidate in 0..<groups where eligible.contains(candidate) && reference[probeTable][candidate].key < expected.key {
                expected = reference[probeTable][candidate]
            }
            #expect(tops.best(in: eligible, table: probeTable).handle == expected.handle, "step \(step)")
            var ready: [Int] = []
            tops.forEachReady(in: eligible, table: probeTable) { ready.append($0) }
            #expect(ready == (0..<groups).filter { eligible.contains($0) && reference[probeTable][$0].handle >= 0 })
        }
    }
}

@Test func groupTopsKeepEveryTopWhenWidened() {
    var tops = GroupTops()
    tops.reserve(groups: 10)
    let entry = GroupTops.Entry(key: AgentKey(primary: 1 << 30, secondary: 5, order: 3), handle: 3)
    tops.set(entry, group: 9, table: 2)
    tops.reserve(groups: 1000)
    var eligible = GrowingBitset()
    eligible.insert(9)
    eligible.insert(700)
    #expect(tops[group: 9, table: 2].handle == 3)
    #expect(tops.best(in: eligible, table: 2).handle == 3)
    #expect(tops.best(in: eligible, table: 1).handle == -1)
}

@Test func stringTablesTellApartNamesThatDifferOnlyPastTheBytesASlotHolds() {
    var table = StringInterner()
    let prefix = String(repeating: "x", count: 24)
    let names = ["", "a", "ab", "abc", "abcd", "abcdefg", "abcdefgh", "abcdefghi", "cust-12345", prefix,
                 prefix + "1", prefix + "2", prefix + "12", prefix + prefix, "é", "ünïcødé-näme", "a\u{0}b", "a\u{0}c"]
    for (expected, name) in names.enumerated() {
        #expect(table.intern(name) == Int32(expected))
    }
    // Enough names to grow the slot table several times.
    for number in 0..<5_000 { _ = table.intern("customer-\(number)-" + prefix) }
    for (expected, name) in names.enumerated() {
        #expect(table.find(name) == Int32(expected), "\(name)")
        #expect(table[Int32(expected)] == name)
    }
    for number in 0..<5_000 { #expect(table.find("customer-\(number)-" + prefix) == Int32(names.count + number)) }
    #expect(table.find(prefix + "3") == nil)
    #expect(table.find("abcdefgi") == nil)
}
