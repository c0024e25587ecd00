import SwitchboardProtocol

/// A record checked where it lies in a segment's bytes: what recovery visits, without copying
/// the payload out. The payload is borrowed from the segment's buffer and is valid only during
/// the call it is passed to; take `record` to keep it.
public struct LogRecordView {
    /// The record's position in the log.
    public let index: UInt64
    /// The term in which the record was written.
    public let term: UInt64
    /// One protocol line, without its newline; never empty, never contains `\n` or `\r`.
    public let payload: UnsafeBufferPointer<UInt8>

    /// An owned copy of the record.
    public var record: LogRecord { LogRecord(checkedIndex: index, term: term, payload: Array(payload)) }

    /// Parses the payload with the protocol's line parser.
    /// - Throws: `ProtocolError` when the payload is not a protocol line.
    public func line() throws(ProtocolError) -> Line? { try LineParser.parse(payload) }

    /// Reads the payload as a log entry: the command and the time it was stamped with.
    /// - Returns: nil when the payload is a blank line.
    /// - Throws: `ProtocolError` when the payload is not a log entry's line.
    public func entry() throws(ProtocolError) -> LogEntry? {
        try LogEntry.decode(payload: payload)
    }

    // MARK: - Decoding

    /// Checks one record line, without its newline, in place.
    /// - Throws: `LogRecordError` naming the first thing wrong, in the order LOG.md lists the fields.
    static func decode(_ line: UnsafeBufferPointer<UInt8>) throws(LogRecordError) -> LogRecordView {
        // The first three spaces end index, term and crc; everything after them is payload.
        var spaces = (0, 0, 0)
        var found = 0
        var position = 0
        while found < 3 && position < line.count {
            if line[position] == 0x20 {
                switch found {
                case 0: spaces.0 = position
                case 1: spaces.1 = position
                default: spaces.2 = position
                }
                found += 1
            }
            position += 1
        }
        guard found == 3 else { throw .malformed("expected <index> <term> <crc> <payload>") }
        guard let index = decimal(line, 0, spaces.0) else { throw .malformed("index is not a decimal number") }
        guard let term = decimal(line, spaces.0 + 1, spaces.1) else { throw .malformed("term is not a decimal number") }
        guard let stored = hex8(line, spaces.1 + 1, spaces.2) else { throw .malformed("crc is not 8 lowercase hex digits") }
        let payload = UnsafeBufferPointer(rebasing: line[(spaces.2 + 1)...])
        var computed = CRC32C.update(0, UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(line)[0..<spaces.1]))
        computed = CRC32C.update(computed, byte: 0x20)
        computed = CRC32C.update(computed, UnsafeRawBufferPointer(payload))
        guard computed == stored else { throw .checksumMismatch(stored: stored, computed: computed) }
        try LogRecord.checkPayload(payload)
        return LogRecordView(index: index, term: term, payload: payload)
    }

    /// A decimal `UInt64` in `bytes[start..<end]`: 1 to 20 digits, no sign, no leading zero.
    static func decimal(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> UInt64? {
        let count = end - start
        guard count > 0, count <= 20, count == 1 || bytes[start] != UInt8(ascii: "0") else { return nil }
        var value: UInt64 = 0
        for offset in start..<end {
            let digit = bytes[offset] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            // Up to 19 digits always fit; only a 20-digit number can pass UInt64.max.
            guard count == 20 else {
                value = value &* 10 &+ UInt64(digit)
                continue
            }
            let (times10, overflow) = value.multipliedReportingOverflow(by: 10)
            let (sum, carry) = times10.addingReportingOverflow(UInt64(digit))
            guard !overflow, !carry else { return nil }
            value = sum
        }
        return value
    }

    /// Exactly eight lowercase hex digits in `bytes[start..<end]`.
    private static func hex8(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> UInt32? {
        guard end - start == 8 else { return nil }
        var value: UInt32 = 0
        for offset in start..<end {
            let byte = bytes[offset]
            let nibble: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = byte - UInt8(ascii: "a") + 10
            default: return nil
            }
            value = value << 4 | UInt32(nibble)
        }
        return value
    }
}
