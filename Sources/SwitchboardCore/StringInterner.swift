/// A table of names without payload.
typealias StringInterner = StringTable<Empty>

/// No payload.
struct Empty: Sendable {}

extension StringTable where Payload == Empty {
    init() { self.init(initialPayload: Empty()) }
}

/// Gives strings dense ids (0, 1, 2 … in first-seen order) through an open-addressing table
/// hashed over their UTF-8 bytes, with an optional payload stored beside each. On the hot
/// path (every submit names a queue, a customer and skills) this is several times cheaper than
/// `Dictionary<String, _>`: the names' bytes live in one arena, hashing reads them eight at a
/// time, and equality is byte equality (names compare as sent, not by Unicode equivalence).
struct StringTable<Payload: Sendable>: Sendable {
    struct Entry: Sendable {
        /// Where the name's bytes start in `bytes`, and how many there are.
        let start: Int32
        let length: Int32
        var payload: Payload
    }

    private(set) var entries: [Entry] = []
    /// Every name's UTF-8 bytes, back to back.
    private var bytes: [UInt8] = []
    /// Per hash slot: the upper 32 bits of the hash and the id + 1 (0 = empty), so a probe
    /// reads one word and compares bytes only on a hash match.
    private var slots: [UInt64] = Array(repeating: 0, count: 16)
    /// What a new entry's payload starts as.
    let initialPayload: Payload

    init(initialPayload: Payload) { self.initialPayload = initialPayload }

    var count: Int { entries.count }

    /// The name with this id.
    subscript(id: Int32) -> String {
        let entry = entries[Int(id)]
        return String(decoding: bytes[Int(entry.start)..<Int(entry.start + entry.length)], as: UTF8.self)
    }

    /// Calls `body` with the UTF-8 bytes of the name with this id, without making a String.
    func withBytes<R>(of id: Int32, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        let entry = entries[Int(id)]
        return bytes.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[Int(entry.start)..<Int(entry.start + entry.length)])) }
    }

    /// The names, in id order.
    var names: [String] { (0..<Int32(entries.count)).map { self[$0] } }

    /// The payload stored with an id.
    subscript(payload id: Int32) -> Payload {
        get { entries[Int(id)].payload }
        set { entries[Int(id)].payload = newValue }
    }

    /// The id of `name`, or nil when it was never interned.
    func find(_ name: String) -> Int32? {
        var name = name
        return name.withUTF8 { probe($0).id }
    }

    /// The id of `name`, giving it the next id if it is new.
    mutating func intern(_ name: String) -> Int32 {
        var name = name
        return name.withUTF8 { utf8 in
            let (id, slot, hash) = probe(utf8)
            if let id { return id }
            let new = Int32(entries.count)
            entries.append(Entry(start: Int32(bytes.count), length: Int32(utf8.count), payload: initialPayload))
            bytes.append(contentsOf: utf8)
            slots[slot] = (hash >> 32) << 32 | UInt64(new + 1)
            if entries.count * 2 > slots.count { grow() }
            return new
        }
    }

    /// Looks a name up: its id if present, else the empty slot where it would go.
    private func probe(_ name: UnsafeBufferPointer<UInt8>) -> (id: Int32?, slot: Int, hash: UInt64) {
        let hash = Self.hash(name)
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        return slots.withUnsafeBufferPointer { slots in
            bytes.withUnsafeBufferPointer { arena in
                while true {
                    let entry = slots[slot]
                    if entry == 0 { return (nil, slot, hash) }
                    if entry >> 32 == hash >> 32 {
                        let id = Int32(truncatingIfNeeded: entry & 0xFFFF_FFFF) - 1
                        let stored = entries[Int(id)]
                        if Int(stored.length) == name.count
                            && Self.equal(UnsafeRawPointer(arena.baseAddress! + Int(stored.start)), UnsafeRawPointer(name.baseAddress!), name.count) {
                            return (id, slot, hash)
                        }
                    }
                    slot = (slot + 1) & mask
                }
            }
        }
    }

    private mutating func grow() {
        slots = Array(repeating: 0, count: slots.count * 2)
        let mask = slots.count - 1
        for (id, entry) in entries.enumerated() {
            let hash = bytes.withUnsafeBufferPointer {
                Self.hash(UnsafeBufferPointer(rebasing: $0[Int(entry.start)..<Int(entry.start + entry.length)]))
            }
            var slot = Int(truncatingIfNeeded: hash) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = (hash >> 32) << 32 | UInt64(id + 1)
        }
    }

    /// A fast, well-mixed 64-bit hash of bytes, read eight at a time.
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        let count = bytes.count
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(count)
        guard count > 0 else { return mix(h) }
        let raw = UnsafeRawPointer(bytes.baseAddress!)
        var index = 0
        while index + 8 <= count {
            h = mix(h ^ raw.loadUnaligned(fromByteOffset: index, as: UInt64.self))
            index += 8
        }
        if index < count { h = mix(h ^ tail(raw + index, count - index)) }
        return mix(h)
    }

    /// The last 1–7 bytes as one word, read with two overlapping loads (4–7 bytes) or three
    /// single bytes (1–3): every byte is covered, so equal words mean equal bytes.
    @inline(__always) private static func tail(_ pointer: UnsafeRawPointer, _ count: Int) -> UInt64 {
        if count >= 4 {
            let low = UInt64(pointer.loadUnaligned(as: UInt32.self))
            let high = UInt64(pointer.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self))
            return low | high << 32
        }
        let first = UInt64(pointer.load(as: UInt8.self))
        let middle = UInt64(pointer.load(fromByteOffset: count >> 1, as: UInt8.self))
        let last = UInt64(pointer.load(fromByteOffset: count - 1, as: UInt8.self))
        return first | middle << 8 | last << 16
    }

    @inline(__always) private static func mix(_ value: UInt64) -> UInt64 {
        var z = value &* 0xBF58_476D_1CE4_E5B9
        z ^= z >> 31
        z &*= 0x94D0_49BB_1331_11EB
        return z ^ (z >> 29)
    }

    /// Byte equality, a word at a time.
    @inline(__always) private static func equal(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ count: Int) -> Bool {
        var index = 0
        while index + 8 <= count {
            if a.loadUnaligned(fromByteOffset: index, as: UInt64.self) != b.loadUnaligned(fromByteOffset: index, as: UInt64.self) {
                return false
            }
            index += 8
        }
        return index == count || tail(a + index, count - index) == tail(b + index, count - index)
    }
}
