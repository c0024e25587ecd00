/// An open-addressing hash table from a pair of 64-bit keys to a 32-bit value: the engine's
/// caches of interned requirements and their combinations, which are looked up on every
/// submit and must not allocate or hash through `Hasher`.
struct PairTable: Sendable {
    private struct Slot: Sendable {
        var a: UInt64
        var b: UInt64
        var value: Int32 = -1
    }

    private var slots = [Slot](repeating: Slot(a: 0, b: 0), count: 64)
    private(set) var count = 0

    @inline(__always) private static func hash(_ a: UInt64, _ b: UInt64) -> Int {
        var z = a &* 0x9E37_79B9_7F4A_7C15 ^ (b &+ 0x632B_E59B_D9B4_E019)
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int(truncatingIfNeeded: z ^ (z >> 31))
    }

    /// The value stored for (a, b), or nil.
    @inline(__always) func find(_ a: UInt64, _ b: UInt64) -> Int32? {
        let mask = slots.count - 1
        var index = Self.hash(a, b) & mask
        while true {
            let slot = slots[index]
            if slot.value < 0 { return nil }
            if slot.a == a && slot.b == b { return slot.value }
            index = (index + 1) & mask
        }
    }

    /// Stores a value for (a, b), which must not be present yet.
    mutating func insert(_ a: UInt64, _ b: UInt64, _ value: Int32) {
        if (count + 1) * 2 > slots.count { grow() }
        let mask = slots.count - 1
        var index = Self.hash(a, b) & mask
        while slots[index].value >= 0 { index = (index + 1) & mask }
        slots[index] = Slot(a: a, b: b, value: value)
        count += 1
    }

    private mutating func grow() {
        let old = slots
        slots = [Slot](repeating: Slot(a: 0, b: 0), count: old.count * 2)
        count = 0
        for slot in old where slot.value >= 0 { insert(slot.a, slot.b, slot.value) }
    }
}
