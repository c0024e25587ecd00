import Glibc
import SwitchboardProtocol

/// One entry of the log: a protocol line stamped with its index and term.
///
/// On disk a record is one text line (see LOG.md):
/// `<index> <term> <crc32c-8-hex> <payload-line>\n`, where the CRC-32C covers
/// `<index> <term> <payload>` exactly as written.
public struct LogRecord: Hashable, Sendable {
    /// The record's position in the log; consecutive, starting where the log starts.
    public var index: UInt64
    /// The term (leadership epoch) in which the record was written.
    public var term: UInt64
    /// One protocol line, without its newline; never contains `\n` or `\r`.
    public var payload: [UInt8]

    /// Makes a record, refusing a payload the format cannot hold.
    /// - Throws: `LogRecordError.emptyPayload` or `.newlineInPayload`.
    public init(index: UInt64, term: UInt64, payload: [UInt8]) throws(LogRecordError) {
        try payload.withUnsafeBufferPointer { buffer throws(LogRecordError) in try Self.checkPayload(buffer) }
        self.init(checkedIndex: index, term: term, payload: payload)
    }

    /// Makes a record from a payload already checked with `checkPayload`.
    init(checkedIndex index: UInt64, term: UInt64, payload: [UInt8]) {
        self.index = index
        self.term = term
        self.payload = payload
    }

    /// Refuses a payload the format cannot hold: empty, or with a line break in it.
    static func checkPayload(_ payload: UnsafeBufferPointer<UInt8>) throws(LogRecordError) {
        guard let start = payload.baseAddress, !payload.isEmpty else { throw .emptyPayload }
        func offset(of byte: Int32) -> Int {
            memchr(start, byte, payload.count).map { UnsafeRawPointer($0) - UnsafeRawPointer(start) } ?? payload.count
        }
        let first = min(offset(of: 0x0A), offset(of: 0x0D))
        if first < payload.count { throw .newlineInPayload(column: first + 1) }
    }

    /// Makes a record whose payload is a protocol line as it goes on the wire.
    public init(index: UInt64, term: UInt64, line: Line) throws(LogRecordError) {
        try self.init(index: index, term: term, payload: Array(line.description.utf8))
    }

    /// Parses the payload with the protocol's line parser.
    /// - Throws: `ProtocolError` when the payload is not a protocol line.
    public func line() throws(ProtocolError) -> Line? {
        try payload.withUnsafeBufferPointer { buffer throws(ProtocolError) in try LineParser.parse(buffer) }
    }

    // MARK: - Encoding

    /// The record as it is written to a segment, newline included.
    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        encode(into: &out)
        return out
    }

    /// Appends the record, newline included, to a buffer. Numbers and the checksum are
    /// formatted in place: the node encodes a record for every command it logs.
    public func encode(into out: inout [UInt8]) {
        payload.withUnsafeBufferPointer { Self.encode(index: index, term: term, checkedPayload: $0, into: &out) }
    }

    /// Appends a record made of a payload already checked with `checkPayload`.
    static func encode(index: UInt64, term: UInt64, checkedPayload payload: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 48) { prefix in
            // "<index> <term> ": the part the CRC covers before the payload.
            var length = Self.decimal(index, into: UnsafeMutableBufferPointer(rebasing: prefix[0...]))
            prefix[length] = 0x20
            length += 1
            length += Self.decimal(term, into: UnsafeMutableBufferPointer(rebasing: prefix[length...]))
            prefix[length] = 0x20
            length += 1
            let covered = UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: prefix[0..<length]))
            let crc = CRC32C.update(CRC32C.update(0, covered), UnsafeRawBufferPointer(payload))
            // "<crc> " after the term; the CRC itself is not covered.
            for shift in stride(from: 28, through: 0, by: -4) {
                let digit = UInt8(truncatingIfNeeded: crc >> UInt32(shift)) & 0xF
                prefix[length] = digit < 10 ? UInt8(ascii: "0") + digit : UInt8(ascii: "a") - 10 + digit
                length += 1
            }
            prefix[length] = 0x20
            length += 1
            out.reserveRoom(for: length + payload.count + 1)
            out.append(contentsOf: UnsafeBufferPointer(rebasing: prefix[0..<length]))
            out.append(contentsOf: payload)
            out.append(0x0A)
        }
    }

    /// Writes `value` in decimal at the start of `buffer` (which holds 20 bytes or more);
    /// returns how many bytes it took.
    private static func decimal(_ value: UInt64, into buffer: UnsafeMutableBufferPointer<UInt8>) -> Int {
        precondition(buffer.count >= 20)
        return DecimalText.write(value, to: buffer.baseAddress!)
    }

    // MARK: - Decoding

    /// Parses one record from its line, without the newline.
    /// - Throws: `LogRecordError` naming what is wrong.
    public static func decode(_ line: ArraySlice<UInt8>) throws(LogRecordError) -> LogRecord {
        try line.withUnsafeBufferPointer { buffer throws(LogRecordError) in try LogRecordView.decode(buffer).record }
    }

    static func decimal(_ digits: ArraySlice<UInt8>) -> UInt64? {
        digits.withUnsafeBufferPointer { LogRecordView.decimal($0, 0, $0.count) }
    }

    static func hex8(_ value: UInt32) -> [UInt8] {
        let digits = Array("0123456789abcdef".utf8)
        return (0..<8).map { digits[Int((value >> (28 - 4 * UInt32($0))) & 0xF)] }
    }
}

/// Why a record could not be made or read.
public enum LogRecordError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The payload is empty; a record holds one non-empty protocol line.
    case emptyPayload
    /// The payload holds a `\n` or `\r` at this 1-based column.
    case newlineInPayload(column: Int)
    /// The line is not shaped like a record.
    case malformed(String)
    /// The CRC-32C written in the record differs from the one computed over it.
    case checksumMismatch(stored: UInt32, computed: UInt32)

    public var description: String {
        switch self {
        case .emptyPayload: return "record payload is empty"
        case .newlineInPayload(let column): return "record payload contains a line break at column [\(column)]"
        case .malformed(let why): return "malformed record: \(why)"
        case .checksumMismatch(let stored, let computed):
            return "crc mismatch: stored [\(String(decoding: LogRecord.hex8(stored), as: UTF8.self))] computed [\(String(decoding: LogRecord.hex8(computed), as: UTF8.self))]"
        }
    }
}
