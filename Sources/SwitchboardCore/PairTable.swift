/// An open-addressing hash table from a pair of 64-bit keys to a small value: the engine's
/// caches of interned requirements and their combinations, which are looked up on every
/// submit and must not allocate or hash through `Hasher`.
struct PairTable<Value: Sendable>: Sendable {
    private struct Slot: Sendable {
        var a: UInt64
        var b: UInt64
        /// Nil while the slot is empty.
        var value: Value?
    }

    private var slots = [Slot](repeating: Slot(a: 0, b: 0, value: nil), count: 64)
    private(set) var count = 0

    init() {}

    @inline(__always) private static func hash(_ a: UInt64, _ b: UInt64) -> Int {
        var z = a &* 0x9E37_79B9_7F4A_7C15 ^ (b &+ 0x632B_E59B_D9B4_E019)
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int(truncatingIfNeeded: z ^ (z >> 31))
    }

    /// The value stored for (a, b), or nil.
    @inline(__always) func find(_ a: UInt64, _ b: UInt64) -> Value? {
        slots.withUnsafeBufferPointer { slots in
            let mask = slots.count &- 1
            var index = Self.hash(a, b) & mask
            while true {
                guard let value = slots[index].value else { return nil }
                if slots[index].a == a && slots[index].b == b { return value }
                index = (index &+ 1) & mask
            }
        }
    }

    /// Stores a value for (a, b), which must not be present yet.
    mutating func insert(_ a: UInt64, _ b: UInt64, _ value: Value) {
        if (count + 1) * 2 > slots.count { grow() }
        let mask = slots.count - 1
        var index = Self.hash(a, b) & mask
        while slots[index].value != nil { index = (index + 1) & mask }
        slots[index] = Slot(a: a, b: b, value: value)
        count += 1
    }

    private mutating func grow() {
        let old = slots
        slots = [Slot](repeating: Slot(a: 0, b: 0, value: nil), count: old.count * 2)
        count = 0
        for slot in old { if let value = slot.value { insert(slot.a, slot.b, value) } }
    }
}
