import Testing
@testable import SwitchboardNode

/// A batch's table finds every key at the position it was added at, across the switch from a
/// linear search to a dictionary (past 16 keys), and starts empty again after `removeAll`.
@Suite struct BatchTableTests {
    @Test(arguments: [1, 16, 17, 200])
    func everyKeyKeepsItsPositionAndValue(keys: Int) {
        var table = BatchTable<UInt64, [Int]>()
        for round in 0..<2 {
            for key in 0..<UInt64(keys) {
                let position = table.position(of: key * 7) { [] }
                table[at: position].append(Int(key))
            }
            // Each key a second time: found, not added.
            for key in 0..<UInt64(keys) {
                table[at: table.position(of: key * 7) { [] }].append(Int(key) + 1_000)
            }
            #expect(table.count == keys, "round \(round)")
            #expect(table.keys == (0..<UInt64(keys)).map { $0 * 7 })
            for key in 0..<UInt64(keys) {
                let position = table.position(of: key * 7)
                #expect(position == Int(key))
                #expect(position.map { table[at: $0] } == [Int(key), Int(key) + 1_000])
            }
            #expect(table.position(of: 3) == nil)
            var recycled = 0
            table.removeAll { _ in recycled += 1 }
            #expect(recycled == keys)
            #expect(table.isEmpty)
            #expect(table.position(of: 0) == nil)
        }
    }
}
