import Testing
import SwitchboardProtocol
@testable import SwitchboardLog

@Suite struct LogRecordTests {
    @Test func recordRoundTripsThroughItsLine() throws {
        let record = try LogRecord(index: 42, term: 7, line: Line("PUBLISH", ["support"], [.init("body", "hello world")]))
        let bytes = record.encoded()
        #expect(bytes.last == 0x0A)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasPrefix("42 7 "))
        #expect(text.hasSuffix(" PUBLISH support body=\"hello world\"\n"))
        let decoded = try LogRecord.decode(bytes[0..<(bytes.count - 1)])
        #expect(decoded == record)
        #expect(try decoded.line() == Line("PUBLISH", ["support"], [.init("body", "hello world")]))
    }

    @Test func crcCoversIndexTermAndPayloadAsWritten() throws {
        let record = try LogRecord(index: 1, term: 2, payload: Array("PING".utf8))
        let expected = CRC32C.checksum(Array("1 2 PING".utf8))
        #expect(String(decoding: record.encoded(), as: UTF8.self) == "1 2 \(String(decoding: LogRecord.hex8(expected), as: UTF8.self)) PING\n")
        var tampered = record.encoded()
        tampered[2] = UInt8(ascii: "3")  // term 2 -> 3
        #expect(throws: LogRecordError.self) { try LogRecord.decode(tampered.dropLast()) }
    }

    @Test func codecRefusesLineBreaksAndEmptyPayloads() {
        #expect(throws: LogRecordError.newlineInPayload(column: 3)) { try LogRecord(index: 1, term: 1, payload: Array("ab\ncd".utf8)) }
        #expect(throws: LogRecordError.newlineInPayload(column: 2)) { try LogRecord(index: 1, term: 1, payload: Array("a\rb".utf8)) }
        #expect(throws: LogRecordError.emptyPayload) { try LogRecord(index: 1, term: 1, payload: []) }
    }

    @Test func decoderRefusesMalformedLines() {
        for text in ["", "1 2", "1 2 3", "x 2 00000000 PING", "1 2 0000000 PING", "1 2 0000000G PING", "01 2 00000000 PING"] {
            #expect(throws: LogRecordError.self) { try LogRecord.decode(ArraySlice(text.utf8)) }
        }
    }

    @Test func headerRoundTripsAndRefusesOtherVersions() throws {
        let header = SegmentHeader(firstIndex: 1001)
        #expect(String(decoding: header.encoded(), as: UTF8.self) == "SWITCHBOARD-LOG 1 first=1001\n")
        #expect(try SegmentHeader.decode(header.encoded().dropLast()) == header)
        #expect(throws: LogRecordError.self) { try SegmentHeader.decode(ArraySlice("SWITCHBOARD-LOG 2 first=1".utf8)) }
        #expect(throws: LogRecordError.self) { try SegmentHeader.decode(ArraySlice("SWITCHBOARD-LOG 1 start=1".utf8)) }
    }

    @Test func segmentNamesAreZeroPaddedSoTheySort() {
        #expect(LogSegments.fileName(firstIndex: 1) == "00000000000000000001.log")
        #expect(LogSegments.fileName(firstIndex: 12345) == "00000000000000012345.log")
    }
}
