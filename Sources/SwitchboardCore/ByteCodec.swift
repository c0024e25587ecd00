/// Appends fixed-width little-endian integers and length-prefixed strings to a byte buffer.
/// The snapshot format is built from these, so the layout is explicit and the same everywhere.
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func u8(_ value: UInt8) { bytes.append(value) }
    mutating func bool(_ value: Bool) { bytes.append(value ? 1 : 0) }
    mutating func u32(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func i32(_ value: Int32) { u32(UInt32(bitPattern: value)) }
    mutating func u64(_ value: UInt64) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func i64(_ value: Int64) { u64(UInt64(bitPattern: value)) }
    mutating func int(_ value: Int) { i64(Int64(value)) }
    mutating func string(_ value: String) {
        let utf8 = Array(value.utf8)
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

/// 64-bit FNV-1a: a stable hash, the same on every platform and run (unlike `Hasher`).
public struct FNV1a64: Sendable {
    /// The hash of what was fed so far.
    public private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    /// A fresh hash.
    public init() {}

    /// Feeds bytes.
    public mutating func combine<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        for byte in bytes {
            value ^= UInt64(byte)
            value &*= 0x0000_0100_0000_01B3
        }
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
