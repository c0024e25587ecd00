/// Splits a line's checked bytes (no NUL, valid UTF-8, not HTTP) into verb, positional values
/// and fields, one byte at a time. Everything that delimits a token is ASCII, so tokens are
/// cut at byte offsets and a `String` is made only for each finished token.
///
/// Columns in error messages count Unicode scalars from 1, as the protocol has always
/// reported them; for an ASCII line that is the byte offset plus one.
struct LineTokenizer {
    private let body: UnsafeBufferPointer<UInt8>
    private let isASCII: Bool
    private let limits: ProtocolLimits
    private var index = 0
    // The byte classes, read once per line so the loops test bits in registers.
    private let keys = Self.keyBytes, notBareBytes = Self.notBare, quotedEnds = Self.quotedValueEnds

    private static let quote = UInt8(ascii: "\"")
    private static let backslash = UInt8(ascii: "\\")
    private static let equals = UInt8(ascii: "=")
    /// What a bare value may not hold.
    private static let notBare = AsciiSet("\"\\=")
    /// What ends a run of plain bytes in a quoted value: its closing quote or an escape.
    static let quotedValueEnds = AsciiSet("\"\\")

    init(_ body: UnsafeBufferPointer<UInt8>, isASCII: Bool, limits: ProtocolLimits) {
        self.body = body
        self.isASCII = isASCII
        self.limits = limits
    }

    /// The line, or nil when it is blank.
    mutating func line() throws(ProtocolError) -> Line? {
        skipBlanks()
        guard index < body.count else { return nil }
        var line = Line(try verb())
        while true {
            skipBlanks()
            guard index < body.count else { break }
            guard line.positional.count + line.fields.count < limits.maximumFields else {
                throw ProtocolError(.badSyntax, "more than \(limits.maximumFields) arguments on one line")
            }
            // Most lines carry a handful of fields; one allocation instead of four growths.
            if line.fields.isEmpty { line.fields.reserveCapacity(8) }
            let start = index
            while index < body.count, keys.contains(body[index]) { index += 1 }
            if index > start && index < body.count && body[index] == Self.equals {
                let key = text(start, index)
                index += 1
                let value = index < body.count && !Self.isBlank(body[index]) ? try value() : ""
                line.fields.append(Line.Field(key, value))
            } else {
                index = start
                line.positional.append(try value())
            }
        }
        return line
    }

    // MARK: - Tokens

    /// The verb, upper-cased: letters, `-` and `_` only.
    private mutating func verb() throws(ProtocolError) -> String {
        let start = index
        var valid = true
        while index < body.count, !Self.isBlank(body[index]) {
            valid = valid && Self.isVerbByte(body[index])
            index += 1
        }
        guard valid else {
            throw ProtocolError(.badSyntax, "verb [\(text(start, index))] at column \(column(start)) must be letters, - and _ only")
        }
        return Self.uppercased(UnsafeBufferPointer(rebasing: body[start..<index]))
    }

    /// An ASCII verb in upper case.
    static func uppercased(_ verb: UnsafeBufferPointer<UInt8>) -> String {
        String(unsafeUninitializedCapacity: verb.count) { out in
            for (offset, byte) in verb.enumerated() {
                out[offset] = byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") ? byte - 0x20 : byte
            }
            return verb.count
        }
    }

    /// A value at `index`: bare up to the next blank, or quoted with escapes.
    private mutating func value() throws(ProtocolError) -> String {
        let start = index
        guard body[index] == Self.quote else {
            var forbidden = false
            while index < body.count, !Self.isBlank(body[index]) {
                forbidden = forbidden || notBareBytes.contains(body[index])
                index += 1
            }
            if forbidden {
                throw ProtocolError(.badSyntax, "value at column \(column(start)) contains \", \\ or =; quote it")
            }
            return text(start, index)
        }
        index += 1
        var segment = index
        // Filled only once an escape shows up; most quoted values have none.
        var unescaped: [UInt8] = []
        var escaped = false
        while index < body.count {
            let byte = body[index]
            if !quotedEnds.contains(byte) {
                index += 1
                continue
            }
            if byte == Self.quote {
                let value: String
                if escaped {
                    unescaped.append(contentsOf: body[segment..<index])
                    value = String(decoding: unescaped, as: UTF8.self)
                } else {
                    value = text(segment, index)
                }
                index += 1
                guard index == body.count || Self.isBlank(body[index]) else {
                    throw ProtocolError(.badSyntax, "closing quote at column \(column(index - 1)) is followed by [\(scalar(at: index))]; put a space after it")
                }
                return value
            }
            guard index + 1 < body.count else { break }
            let replacement: UInt8
            switch body[index + 1] {
            case Self.quote: replacement = Self.quote
            case Self.backslash: replacement = Self.backslash
            case UInt8(ascii: "n"): replacement = UInt8(ascii: "\n")
            case UInt8(ascii: "r"): replacement = UInt8(ascii: "\r")
            case UInt8(ascii: "t"): replacement = UInt8(ascii: "\t")
            default:
                throw ProtocolError(.badSyntax, "unknown escape \\\(scalar(at: index + 1)) at column \(column(index)); use \\\" \\\\ \\n \\r or \\t")
            }
            unescaped.append(contentsOf: body[segment..<index])
            unescaped.append(replacement)
            escaped = true
            index += 2
            segment = index
        }
        throw ProtocolError(.badSyntax, "quoted value starting at column \(column(start)) has no closing quote")
    }

    // MARK: - Bytes

    private mutating func skipBlanks() {
        while index < body.count && Self.isBlank(body[index]) { index += 1 }
    }

    /// The text of `body[start..<end]`, cut at ASCII delimiters of a valid UTF-8 line.
    private func text(_ start: Int, _ end: Int) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: body[start..<end]), as: UTF8.self)
    }

    /// The 1-based column, in Unicode scalars, of the byte at `offset`.
    private func column(_ offset: Int) -> Int {
        if isASCII { return offset + 1 }
        // Every scalar has exactly one byte that is not a continuation byte (10xxxxxx).
        return body[0..<offset].reduce(1) { count, byte in byte & 0xC0 == 0x80 ? count : count + 1 }
    }

    /// The scalar that starts at `offset`, for messages.
    private func scalar(at offset: Int) -> String {
        let lead = body[offset]
        let length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
        return text(offset, min(offset + length, body.count))
    }

    @inline(__always) private static func isBlank(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
    }

    /// The bytes of a key.
    static let keyBytes = AsciiSet("abcdefghijklmnopqrstuvwxyz0123456789_-")

    @inline(__always) static func isVerbByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
    }
}
