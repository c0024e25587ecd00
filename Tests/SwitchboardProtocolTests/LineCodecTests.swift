import Testing
@testable import SwitchboardProtocol

@Suite struct LineCodecTests {
    @Test(arguments: [
        ("SUBMIT customer=acme channel=chat", Line("SUBMIT", [], [.init("customer", "acme"), .init("channel", "chat")])),
        ("auth s3cret", Line("AUTH", ["s3cret"])),
        ("SUBMIT subject=\"Site down \\\"again\\\"\\n\"", Line("SUBMIT", [], [.init("subject", "Site down \"again\"\n")])),
        ("PING\r", Line("PING")),
        ("  QUEUES   ", Line("QUEUES")),
        ("SUBMIT subject= queue=x", Line("SUBMIT", [], [.init("subject", ""), .init("queue", "x")])),
        ("SUBMIT subject=\"\"", Line("SUBMIT", [], [.init("subject", "")])),
    ])
    func aWellFormedLineParsesIntoVerbPositionalsAndFields(text: String, expected: Line) throws {
        #expect(try LineParser.parse(text) == expected)
    }

    @Test func aBlankLineIsIgnored() throws {
        #expect(try LineParser.parse("   ") == nil)
        #expect(try LineParser.parse("") == nil)
    }

    @Test(arguments: [
        ("SUBMIT subject=\"no end", ProtocolError.Code.badSyntax),
        ("SUBMIT subject=\"x\"y", .badSyntax),
        ("SUBMIT subject=\"bad \\q escape\"", .badSyntax),
        ("SUBMIT a=b\"c", .badSyntax),
        ("SUB!MIT", .badSyntax),
        ("GET / HTTP/1.1", .httpNotSupported),
        ("Host: example", .httpNotSupported),
        ("POST /x HTTP/1.1", .httpNotSupported),
        ("PING \u{0}", .nulByte),
    ])
    func aMalformedLineIsRefusedWithItsCode(text: String, code: ProtocolError.Code) {
        #expect(throws: ProtocolError.self) { try LineParser.parse(text) }
        do {
            _ = try LineParser.parse(text)
        } catch {
            #expect(error.code == code)
        }
    }

    @Test func aLineLongerThanTheLimitIsRefused() {
        let limits = ProtocolLimits(maximumLineBytes: 16)
        #expect(throws: ProtocolError(.lineTooLong, "line is over the limit of 16 bytes")) {
            try LineParser.parse(String(repeating: "A", count: 17), limits: limits)
        }
    }

    @Test func invalidUTF8IsRefused() {
        let bytes: [UInt8] = [0x50, 0x49, 0x4E, 0x47, 0x20, 0xC3, 0x28]
        #expect(throws: ProtocolError.self) {
            try bytes.withUnsafeBufferPointer { try LineParser.parse($0) }
        }
    }

    @Test(arguments: ["plain", "with space", "quote\"inside", "back\\slash", "new\nline", "a=b", "", "tab\there", "ünïcödé ✓"])
    func anyValueSurvivesFormattingAndParsing(value: String) throws {
        let line = Line("SUBMIT", [value], [.init("subject", value)])
        #expect(try LineParser.parse(line.description) == line)
    }
}
