/// A name as a slot of `NameIndex` holds it, with its hash.
///
/// A slot is four 64-bit lanes: lane 0 is the upper 24 bits of the hash, the length (capped at
/// 255) and the id + 1 (0 = empty); lanes 1–3 are the name's first 24 bytes, zero-padded. A
/// slot is 32 bytes and 32-byte aligned, so it never straddles two cache lines, and a name of
/// up to 24 bytes (every queue, skill, agent and customer name in practice) is compared inside
/// its slot alone.
struct NameKey {
    /// The longest name compared inside its slot alone.
    static var inlineLength: Int { 24 }

    /// The name's UTF-8 bytes.
    let name: UnsafeBufferPointer<UInt8>
    /// Lane 0: the hash; lanes 1–3: the first 24 bytes, zero-padded.
    private(set) var lanes: SIMD4<UInt64> = .zero

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
                    : Self.tail(raw + offset, count &- offset)
            }
        }
        lanes[0] = count <= Self.inlineLength ? Self.inlineHash(lanes, count: count) : Self.hash(name)
    }

    @inline(__always) var hash: UInt64 { lanes[0] }
    /// Whether the name is longer than a slot holds, so that a match of its slot must be
    /// confirmed against the stored bytes.
    @inline(__always) var isLong: Bool { name.count > Self.inlineLength }
    /// Lane 0 of the slot without the id: the hash's top 24 bits and the capped length.
    @inline(__always) var tag: UInt64 { (hash >> 40) << 8 | UInt64(Swift.min(name.count, 255)) }

    /// The slot that holds this name with this id.
    @inline(__always) func slot(id: Int32) -> SIMD4<UInt64> {
        var slot = lanes
        slot[0] = tag << 32 | UInt64(UInt32(bitPattern: id + 1))
        return slot
    }

    // MARK: - Reading a stored slot

    /// The id a full slot holds.
    @inline(__always) static func id(inSlot slot: SIMD4<UInt64>) -> Int32 {
        Int32(truncatingIfNeeded: slot[0] & 0xFFFF_FFFF) &- 1
    }

    /// The length of the name a full slot holds, capped at 255.
    @inline(__always) static func length(inSlot slot: SIMD4<UInt64>) -> Int {
        Int(truncatingIfNeeded: (slot[0] >> 32) & 0xFF)
    }

    /// The hash of the name in a full slot when the slot holds all of it (nil for a long name):
    /// moving slots when the index grows needs no trip to the names' bytes.
    @inline(__always) static func inlineHash(ofSlot slot: SIMD4<UInt64>) -> UInt64? {
        let length = length(inSlot: slot)
        return length <= inlineLength ? inlineHash(slot, count: length) : nil
    }

    // MARK: - Hashing

    /// The hash of a name of up to 24 bytes from its zero-padded words (lanes 1–3).
    @inline(__always) private static func inlineHash(_ lanes: SIMD4<UInt64>, count: Int) -> UInt64 {
        mix(mix(lanes[1] ^ 0x9E37_79B9_7F4A_7C15 ^ UInt64(count)) ^ lanes[2] ^ (lanes[3] &* 0xD6E8_FEB8_6659_FD93))
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
    @inline(__always) static func equal(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ count: Int) -> Bool {
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
