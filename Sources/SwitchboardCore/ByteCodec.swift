/// Appends fixed-width little-endian integers and length-prefixed strings to a byte buffer.
/// The snapshot format is built from these, so the layout is explicit and the same everywhere.
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func u8(_ value: UInt8) { bytes.append(value) }
    mutating func bool(_ value: Bool) { bytes.append(value ? 1 : 0) }
    @inline(__always) mutating func u32(_ value: UInt32) {
        bytes.append(UInt8(truncatingIfNeeded: value))
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value >> 16))
        bytes.append(UInt8(truncatingIfNeeded: value >> 24))
    }
    mutating func i32(_ value: Int32) { u32(UInt32(bitPattern: value)) }
    @inline(__always) mutating func u64(_ value: UInt64) {
        u32(UInt32(truncatingIfNeeded: value))
        u32(UInt32(truncatingIfNeeded: value >> 32))
    }
    mutating func i64(_ value: Int64) { u64(UInt64(bitPattern: value)) }
    mutating func int(_ value: Int) { i64(Int64(value)) }
    mutating func string(_ value: String) {
        u32(UInt32(value.utf8.count))
        bytes.append(contentsOf: value.utf8)
    }

    /// A string given as its UTF-8 bytes.
    mutating func string(utf8: UnsafeBufferPointer<UInt8>) {
        u32(UInt32(utf8.count))
        bytes.append(contentsOf: utf8)
    }
}

/// Reads what `ByteWriter` wrote, refusing to read past the end.
struct ByteReader {
    let bytes: [UInt8]
    private(set) var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { offset == bytes.count }

    private mutating func take(_ count: Int, _ what: String) throws(SnapshotError) -> ArraySlice<UInt8> {
        guard count >= 0, bytes.count - offset >= count else { throw .truncated(at: offset, reading: what) }
        defer { offset += count }
        return bytes[offset..<offset + count]
    }

    mutating func u8(_ what: String) throws(SnapshotError) -> UInt8 { try take(1, what).first! }

    mutating func bool(_ what: String) throws(SnapshotError) -> Bool {
        let byte = try u8(what)
        guard byte <= 1 else { throw .invalid(at: offset - 1, "\(what) is \(byte), not 0 or 1") }
        return byte == 1
    }

    mutating func u32(_ what: String) throws(SnapshotError) -> UInt32 {
        try take(4, what).reversed().reduce(0) { $0 << 8 | UInt32($1) }
    }

    mutating func i32(_ what: String) throws(SnapshotError) -> Int32 { Int32(bitPattern: try u32(what)) }

    mutating func u64(_ what: String) throws(SnapshotError) -> UInt64 {
        try take(8, what).reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }

    mutating func i64(_ what: String) throws(SnapshotError) -> Int64 { Int64(bitPattern: try u64(what)) }

    mutating func int(_ what: String) throws(SnapshotError) -> Int { Int(try i64(what)) }

    /// A count of items that follow, each at least `minimumSize` bytes: checked against what
    /// is left, so a corrupt count cannot make the decoder allocate without bound.
    mutating func count(_ what: String, minimumSize: Int = 1) throws(SnapshotError) -> Int {
        let value = Int(try u32(what))
        guard value * Swift.max(minimumSize, 1) <= bytes.count - offset else {
            throw .invalid(at: offset - 4, "\(what) is \(value), more than the bytes left")
        }
        return value
    }

    mutating func string(_ what: String) throws(SnapshotError) -> String {
        let length = try count("length of \(what)")
        let utf8 = try take(length, what)
        guard let value = String(validating: utf8, as: UTF8.self) else {
            throw .invalid(at: offset - length, "\(what) is not valid UTF-8")
        }
        return value
    }
}

/// The snapshot checksum and state digest: a stable 64-bit hash of bytes, the same on every
/// platform and run (unlike `Hasher`). It reads eight bytes at a time (as a little-endian
/// word) through a multiply–xorshift step, so hashing a large floor's snapshot costs a few
/// milliseconds, not the tens a byte-at-a-time hash such as FNV-1a would.
public struct StateHash: Sendable {
    private var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    private var pending: UInt64 = 0
    private var pendingBytes: UInt64 = 0
    private var length: UInt64 = 0

    /// A fresh hash.
    public init() {}

    /// Feeds bytes; feeding in several calls gives the same value as feeding them at once.
    public mutating func combine<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        if bytes.withContiguousStorageIfAvailable({ combine(buffer: $0) }) != nil { return }
        for byte in bytes { add(byte) }
    }

    private mutating func combine(buffer: UnsafeBufferPointer<UInt8>) {
        var index = 0
        while pendingBytes != 0 && index < buffer.count {
            add(buffer[index])
            index += 1
        }
        if index + 8 <= buffer.count {
            let raw = UnsafeRawBufferPointer(buffer)
            while index + 8 <= buffer.count {
                absorb(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)))
                index += 8
            }
            length &+= UInt64(index)
        }
        while index < buffer.count {
            add(buffer[index])
            index += 1
        }
    }

    @inline(__always) private mutating func add(_ byte: UInt8) {
        pending |= UInt64(byte) << (8 * pendingBytes)
        pendingBytes += 1
        length &+= 1
        if pendingBytes == 8 {
            absorb(pending)
            pending = 0
            pendingBytes = 0
        }
    }

    @inline(__always) private mutating func absorb(_ word: UInt64) {
        state = (state ^ word) &* 0x9FB2_1C65_1E98_DF25
        state ^= state >> 29
    }

    /// The hash of everything fed so far.
    public var value: UInt64 {
        var z = state ^ pending &* 0xBF58_476D_1CE4_E5B9 ^ length
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Why a snapshot could not be restored.
public enum SnapshotError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The bytes do not start with the snapshot magic.
    case notASnapshot
    /// The format version is one this build does not read.
    case unsupportedVersion(UInt16)
    /// The bytes end in the middle of a field.
    case truncated(at: Int, reading: String)
    /// A field holds a value that cannot be.
    case invalid(at: Int, String)
    /// The checksum at the end does not match the contents.
    case checksumMismatch(expected: UInt64, found: UInt64)

    public var description: String {
        switch self {
        case .notASnapshot: "not a Switchboard snapshot (bad magic bytes)"
        case .unsupportedVersion(let v): "snapshot format version \(v) is not supported by this build"
        case .truncated(let offset, let what): "snapshot ends at byte \(offset) while reading \(what)"
        case .invalid(let offset, let why): "snapshot is invalid at byte \(offset): \(why)"
        case .checksumMismatch(let expected, let found):
            "snapshot checksum mismatch (stored \(String(expected, radix: 16)), computed \(String(found, radix: 16)))"
        }
    }
}
