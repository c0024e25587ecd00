import Testing
@testable import SwitchboardLog

/// Every way a record line can be wrong, with the exact error the decoder gives: the messages
/// name the field in LOG.md's order, and recovery reports them with the file and offset.
@Suite struct LogRecordDecodingTests {
    /// `1 2 <crc> <payload>` with the CRC the payload really has.
    static func line(_ payload: [UInt8], index: String = "1", term: String = "2") -> [UInt8] {
        let covered = Array("\(index) \(term) ".utf8) + payload
        let crc = String(decoding: LogRecord.hex8(CRC32C.checksum(covered)), as: UTF8.self)
        return Array("\(index) \(term) \(crc) ".utf8) + payload
    }

    @Test(arguments: [
        ("", LogRecordError.malformed("expected <index> <term> <crc> <payload>")),
        ("1 2", .malformed("expected <index> <term> <crc> <payload>")),
        ("1 2 3", .malformed("expected <index> <term> <crc> <payload>")),
        ("1 2 3 ", .malformed("crc is not 8 lowercase hex digits")),
        ("x 2 00000000 PING", .malformed("index is not a decimal number")),
        (" 2 00000000 PING", .malformed("index is not a decimal number")),
        ("01 2 00000000 PING", .malformed("index is not a decimal number")),
        ("+1 2 00000000 PING", .malformed("index is not a decimal number")),
        ("18446744073709551616 2 00000000 PING", .malformed("index is not a decimal number")),
        ("123456789012345678901 2 00000000 PING", .malformed("index is not a decimal number")),
        ("1 x 00000000 PING", .malformed("term is not a decimal number")),
        ("1 00 00000000 PING", .malformed("term is not a decimal number")),
        ("1 2 0000000 PING", .malformed("crc is not 8 lowercase hex digits")),
        ("1 2 0000000G PING", .malformed("crc is not 8 lowercase hex digits")),
        ("1 2 0000000A PING", .malformed("crc is not 8 lowercase hex digits")),
        ("1 2 +0000000 PING", .malformed("crc is not 8 lowercase hex digits")),
        ("1 2 000000000 PING", .malformed("crc is not 8 lowercase hex digits")),
        ("1 2 00000000 PING", .checksumMismatch(stored: 0, computed: CRC32C.checksum(Array("1 2 PING".utf8)))),
    ])
    func aMalformedRecordIsRefusedWithItsReason(text: String, error: LogRecordError) {
        #expect(throws: error) { try LogRecord.decode(ArraySlice(text.utf8)) }
    }

    @Test func aPayloadThatIsEmptyOrHoldsALineBreakIsRefusedEvenWithAGoodCRC() {
        #expect(throws: LogRecordError.emptyPayload) { try LogRecord.decode(ArraySlice(Self.line([]))) }
        #expect(throws: LogRecordError.newlineInPayload(column: 2)) { try LogRecord.decode(ArraySlice(Self.line(Array("a\rb".utf8)))) }
        #expect(throws: LogRecordError.newlineInPayload(column: 3)) { try LogRecord.decode(ArraySlice(Self.line(Array("ab\r\n".utf8)))) }
        #expect(throws: LogRecordError.newlineInPayload(column: 1)) { try LogRecord.decode(ArraySlice(Self.line(Array("\nab\r".utf8)))) }
    }

    @Test func theLargestIndexAndAPayloadWithSpacesDecode() throws {
        let record = try LogRecord.decode(ArraySlice(Self.line(Array("TICK at=1  x".utf8), index: "18446744073709551615", term: "0")))
        #expect(record.index == UInt64.max)
        #expect(record.term == 0)
        #expect(record.payload == Array("TICK at=1  x".utf8))
    }
}
