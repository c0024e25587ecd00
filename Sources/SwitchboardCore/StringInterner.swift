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
/// `Dictionary<String, _>`: the names' bytes live in one arena, and equality is byte equality
/// (names compare as sent, not by Unicode equivalence).
///
/// A slot holds the name itself when it is short (up to 24 bytes: every queue, skill, agent
/// and customer name in practice), so looking a name up in a large table (100,000 customers)
/// reads one cache line, not three (slot, entry, arena) one after the other.
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
    /// Per hash slot: lane 0 is the upper 24 bits of the hash, the length (capped at 255) and
    /// the id + 1 (0 = empty); lanes 1–3 are the name's first 24 bytes, zero-padded. A slot is
    /// 32 bytes and 32-byte aligned, so it never straddles two cache lines.
    private var slots: [SIMD4<UInt64>] = Array(repeating: .zero, count: 16)
    /// What a new entry's payload starts as.
    let initialPayload: Payload

    /// The longest name compared inside its slot alone.
    private static var inlineLength: Int { 24 }

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
        // Not `withUTF8`, which is mutating and so first copies the string.
        if let id = name.utf8.withContiguousStorageIfAvailable({ probe(Key($0)).id }) { return id }
        var name = name
        return name.withUTF8 { probe(Key($0)).id }
    }

    /// The id of `name`, giving it the next id if it is new.
    mutating func intern(_ name: String) -> Int32 {
        var name = name
        return name.withUTF8 { utf8 in
            let key = Key(utf8)
            let (id, slot) = probe(key)
            if let id { return id }
            let new = Int32(entries.count)
            entries.append(Entry(start: Int32(bytes.count), length: Int32(utf8.count), payload: initialPayload))
            bytes.append(contentsOf: utf8)
            slots[slot] = key.slot(id: new)
            if entries.count * 2 > slots.count { grow() }
            return new
        }
    }

    /// A name as a slot would hold it, with its hash.
    private struct Key {
        let name: UnsafeBufferPointer<UInt8>
        /// Lane 0: the hash; lanes 1–3: the first 24 bytes, zero-padded.
        var lanes: SIMD4<UInt64> = .zero

        @inline(__always) init(_ name: UnsafeBufferPointer<UInt8>) {
            self.name = name
            let count = name.count
            if count > 0 {
                // Whole words, then the last partial word with `tail`: no call to memcpy.
                let raw = UnsafeRawPointer(name.baseAddress!)
                for lane in 0..<3 {
                    let offset = lane &* 8
                    guard offset < count else { break }
                    lanes[lane &+ 1] = count &- offset >= 8
                        ? raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                        : StringTable.tail(raw + offset, count &- offset)
                }
            }
            lanes[0] = count <= StringTable.inlineLength
                ? StringTable.mix(StringTable.mix(lanes[1] ^ 0x9E37_79B9_7F4A_7C15 ^ UInt64(count)) ^ lanes[2] ^ (lanes[3] &* 0xD6E8_FEB8_6659_FD93))
                : StringTable.hash(name)
        }

        @inline(__always) var hash: UInt64 { lanes[0] }
        /// Lane 0 of the slot without the id: the hash's top 24 bits and the capped length.
        @inline(__always) var tag: UInt64 { (hash >> 40) << 8 | UInt64(Swift.min(name.count, 255)) }

        func slot(id: Int32) -> SIMD4<UInt64> {
            var slot = lanes
            slot[0] = tag << 32 | UInt64(id + 1)
            return slot
        }
    }

    /// Looks a name up: its id if present, else the empty slot where it would go.
    @inline(__always) private func probe(_ key: Key) -> (id: Int32?, slot: Int) {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: key.hash) & mask
        let tag = key.tag
        let long = key.name.count > Self.inlineLength
        while true {
            let entry = slots[slot]
            if entry[0] == 0 { return (nil, slot) }
            if entry[0] >> 32 == tag && entry[1] == key.lanes[1] && entry[2] == key.lanes[2] && entry[3] == key.lanes[3] {
                let id = Int32(truncatingIfNeeded: entry[0] & 0xFFFF_FFFF) - 1
                if !long || sameLongName(id, key.name) { return (id, slot) }
            }
            slot = (slot + 1) & mask
        }
    }

    /// Whether the long name with this id has exactly these bytes (its first 24 already matched).
    private func sameLongName(_ id: Int32, _ name: UnsafeBufferPointer<UInt8>) -> Bool {
        let stored = entries[Int(id)]
        guard Int(stored.length) == name.count else { return false }
        return bytes.withUnsafeBufferPointer { arena in
            Self.equal(UnsafeRawPointer(arena.baseAddress! + Int(stored.start)), UnsafeRawPointer(name.baseAddress!), name.count)
        }
    }

    private mutating func grow() {
        var grown = [SIMD4<UInt64>](repeating: .zero, count: slots.count * 2)
        let mask = grown.count - 1
        bytes.withUnsafeBufferPointer { arena in
            for (id, entry) in entries.enumerated() {
                let key = Key(UnsafeBufferPointer(rebasing: arena[Int(entry.start)..<Int(entry.start + entry.length)]))
                var slot = Int(truncatingIfNeeded: key.hash) & mask
                while grown[slot][0] != 0 { slot = (slot + 1) & mask }
                grown[slot] = key.slot(id: Int32(id))
            }
        }
        slots = grown
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
    @inline(__always) fileprivate static func tail(_ pointer: UnsafeRawPointer, _ count: Int) -> UInt64 {
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

    @inline(__always) fileprivate static func mix(_ value: UInt64) -> UInt64 {
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
