import SwitchboardCore
import Testing
@testable import SwitchboardProtocol

/// The byte writers (`LineWriter`, `Line.write`, `LogEntry.write`) write exactly the text of
/// `Line.description`, so the log and the wire do not depend on which one the node used.
@Suite struct LineWriterTests {
    static let awkwardValues = ["", "plain", "two words", "quote\"inside", "back\\slash", "new\nline", "cr\rtab\t",
                                "a=b", "ünïcödé text", "ünïcödé", "\"", "\\", "x\u{7F}y", "long subject " + String(repeating: "x\"y ", count: 40)]

    @Test(arguments: LogEntryTests.commands)
    func aLogEntryWritesTheSameBytesAsItsLine(command: Command) {
        let entry = LogEntry(time: Timestamp(milliseconds: 1_764_144_000_123), command: command)
        var bytes: [UInt8] = [0x41]  // appends after what is there
        entry.write(to: &bytes)
        #expect(bytes == [0x41] + Array(entry.line.description.utf8))
    }

    @Test(arguments: awkwardValues)
    func awkwardValuesAreWrittenAsLineWritesThem(value: String) throws {
        let entry = LogEntry(time: Timestamp(milliseconds: 0), command: .submit(TicketSubmission(
            customer: value, channel: .email, queue: value, subject: value)))
        var bytes: [UInt8] = []
        entry.write(to: &bytes)
        #expect(bytes == Array(entry.line.description.utf8))
        // And it parses back to the same values.
        let parsed = try #require(try LineParser.parse(String(decoding: bytes, as: UTF8.self)))
        #expect(parsed.value("subject") == value)
    }

    @Test func fieldsOfEveryKindMatchLineDescription() {
        var writer = LineWriter()
        writer.verb("OK")
        writer.field("ticket", 42)
        writer.field("negative", Int64(-17))
        writer.field("zero", 0)
        writer.field("smallest", Int64.min)
        writer.field("largest", UInt64.max)
        writer.field("text", "two words")
        writer.field("absent", nil as String?)
        writer.field("empty", "")
        writer.endLine()
        let line = Line("OK", [], [.init("ticket", "42"), .init("negative", "-17"), .init("zero", "0"),
                                   .init("smallest", String(Int64.min)), .init("largest", String(UInt64.max)),
                                   .init("text", "two words"), .init("empty", "")])
        #expect(writer.bytes == Array((line.description + "\n").utf8))
    }

    @Test func randomValuesWriteAsLineDescriptionWrites() {
        let seed = UInt64.random(in: 0...UInt64.max)
        var random = SplitMix64(seed: seed)
        let alphabet = Array("ab \"\\\n\r\t=éü\u{7F}xyz0123456789-_:,".unicodeScalars)
        for _ in 0..<2_000 {
            var value = ""
            for _ in 0..<Int(random.next() % 24) { value.unicodeScalars.append(alphabet[Int(random.next() % UInt64(alphabet.count))]) }
            var writer = LineWriter()
            writer.verb("X")
            writer.field("v", value)
            var viaLine: [UInt8] = []
            Line("X", [], [.init("v", value)]).write(to: &viaLine)
            guard writer.bytes == Array(Line("X", [], [.init("v", value)]).description.utf8), viaLine == writer.bytes else {
                Issue.record("seed \(seed): [\(value.debugDescription)] written as [\(String(decoding: writer.bytes, as: UTF8.self))]")
                return
            }
        }
    }

    /// The encoder as it was before it worked on bytes, kept as the reference the byte
    /// encoders are held to.
    static func referenceText(_ line: Line) -> String {
        func value(_ value: String) -> String {
            let bare = !value.isEmpty && value.utf8.allSatisfy {
                $0 > 0x20 && $0 != 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "=") && $0 != UInt8(ascii: "\\")
            }
            if bare { return value }
            var out = "\""
            for scalar in value.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\t": out += "\\t"
                default: out.unicodeScalars.append(scalar)
                }
            }
            return out + "\""
        }
        var out = line.verb
        for positional in line.positional { out += " " + value(positional) }
        for field in line.fields { out += " " + field.key + "=" + value(field.value) }
        return out
    }

    /// The escape scan tests eight bytes at once with a wider test (any control character) and
    /// settles a hit byte by byte: a control character that needs no escape must neither be
    /// escaped nor stop the scan from finding an escape words later.
    @Test func theShortCopyMovesEveryLengthExactlyAndTouchesNothingAround() {
        let source = (0..<64).map { UInt8(1 + $0) }
        for count in 0...48 {
            var target = [UInt8](repeating: 0xEE, count: 64)
            source.withUnsafeBufferPointer { from in
                target.withUnsafeMutableBufferPointer { to in LineWriter.copy(from.baseAddress! + 3, to: to.baseAddress! + 5, count: count) }
            }
            #expect(Array(target[5..<(5 + count)]) == Array(source[3..<(3 + count)]), "length \(count)")
            #expect(target[0..<5].allSatisfy { $0 == 0xEE } && target[(5 + count)...].allSatisfy { $0 == 0xEE }, "length \(count)")
        }
    }

    @Test func aControlCharacterThatNeedsNoEscapeDoesNotHideALaterEscape() {
        let values = [
            "\u{01}" + String(repeating: "abcdefgh", count: 5) + "\"" + String(repeating: "x", count: 9),
            String(repeating: "\u{01}\u{1F}", count: 12),
            "ab cd\u{02}efgh ijklmnop\nqrstuvwx\u{03}yz\\",
        ]
        for value in values {
            var writer = LineWriter()
            writer.verb("VERB")
            writer.field(key: "k", value: value)
            let expected = Self.referenceText(Line("VERB", [], [.init("k", value)]))
            #expect(String(decoding: writer.bytes, as: UTF8.self) == expected, "\(value.debugDescription)")
        }
    }

    @Test func theByteEncodersWriteWhatTheReferenceEncoderWrote() {
        let seed = UInt64.random(in: 0...UInt64.max)
        var random = SplitMix64(seed: seed)
        let alphabet = Array("ab \"\\\n\r\t=éü漢\u{7F}\u{01}xyz0123456789-_:,".unicodeScalars)
        for _ in 0..<3_000 {
            var fields: [Line.Field] = []
            for n in 0..<Int(random.next() % 5) {
                var value = ""
                for _ in 0..<Int(random.next() % 30) { value.unicodeScalars.append(alphabet[Int(random.next() % UInt64(alphabet.count))]) }
                fields.append(.init("k\(n)", value))
            }
            let line = Line("VERB", [], fields)
            var viaWriter = LineWriter()
            viaWriter.verb("VERB")
            for field in fields { viaWriter.field(key: field.key, value: field.value) }
            let expected = Self.referenceText(line)
            guard line.description == expected, String(decoding: viaWriter.bytes, as: UTF8.self) == expected else {
                Issue.record("seed \(seed): \(fields) written as [\(line.description)], expected [\(expected)]")
                return
            }
        }
    }
}

/// Output buffers collect many replies per batch; growing them must stay geometric.
@Suite struct ByteBufferRoomTests {
    @Test func aBufferOfManyRepliesGrowsGeometrically() {
        var buffer: [UInt8] = []
        var growths = 0
        var capacity = buffer.capacity
        for n in 0..<20_000 {
            Reply.ok([.init("ticket", String(n)), .init("state", "queued")]).write(to: &buffer)
            if buffer.capacity != capacity {
                growths += 1
                capacity = buffer.capacity
            }
        }
        #expect(growths <= 40, "the buffer was reallocated \(growths) times for 20,000 replies")
    }
}
