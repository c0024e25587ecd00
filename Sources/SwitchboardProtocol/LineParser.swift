/// Limits every node enforces on what it reads.
public struct ProtocolLimits: Hashable, Sendable {
    /// The longest line accepted, in bytes, without its newline.
    public var maximumLineBytes: Int
    /// The most fields and positional values on one line.
    public var maximumFields: Int

    /// 64 KiB lines, 64 fields.
    public init(maximumLineBytes: Int = 65_536, maximumFields: Int = 64) {
        self.maximumLineBytes = maximumLineBytes
        self.maximumFields = maximumFields
    }
}

/// Splits one line's bytes into a `Line`. Works on raw bytes so the node can parse straight
/// from its read buffer.
///
/// The checks run in a fixed order, so a line with several faults always gets the same error:
/// length, NUL bytes, UTF-8, HTTP, then syntax.
public enum LineParser {
    /// Parses a line, without its `\n`; a trailing `\r` is dropped.
    ///
    /// - Returns: nil for an empty (or all-blank) line, which the protocol ignores.
    /// - Throws: `ProtocolError` naming what is wrong and where.
    /// - Complexity: O(n) in the line's bytes, with one `String` per verb, key and value.
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>, limits: ProtocolLimits = ProtocolLimits()) throws(ProtocolError) -> Line? {
        var end = bytes.count
        if end > 0 && bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        guard end <= limits.maximumLineBytes else {
            throw ProtocolError(.lineTooLong, "line is over the limit of \(limits.maximumLineBytes) bytes")
        }
        guard end > 0 else { return nil }
        let body = UnsafeBufferPointer(rebasing: bytes[0..<end])
        let content = LineBytes.scan(body)
        if let position = content.firstNul {
            throw ProtocolError(.nulByte, "line contains a NUL byte at column \(position + 1)")
        }
        // Most lines are ASCII, which is valid UTF-8 as it is; only the others are decoded.
        guard content.isASCII || String(validating: body, as: UTF8.self) != nil else {
            throw ProtocolError(.badEncoding, "line is not valid UTF-8")
        }
        if looksLikeHTTP(body) {
            throw ProtocolError(.httpNotSupported, "this port speaks the Switchboard line protocol, not HTTP; see PROTOCOL.md")
        }
        var tokenizer = LineTokenizer(body, isASCII: content.isASCII, limits: limits)
        return try tokenizer.line()
    }

    /// Parses a line given as a string (tests, tools, log records).
    public static func parse(_ text: String, limits: ProtocolLimits = ProtocolLimits()) throws(ProtocolError) -> Line? {
        var copy = text
        do {
            return try copy.withUTF8 { buffer in try parse(buffer, limits: limits) }
        } catch let error as ProtocolError {
            throw error
        } catch {
            throw ProtocolError(.badSyntax, "\(error)")
        }
    }

    private static let httpPrefixes: [[UInt8]] = ["GET ", "POST ", "PUT ", "HEAD ", "DELETE ", "OPTIONS ", "PATCH ", "CONNECT ", "Host:", "HTTP/"]
        .map { Array($0.utf8) }

    static func looksLikeHTTP(_ body: UnsafeBufferPointer<UInt8>) -> Bool {
        // Every prefix starts with one of these letters; most protocol lines are ruled out here.
        switch body.first {
        case UInt8(ascii: "G"), UInt8(ascii: "P"), UInt8(ascii: "H"), UInt8(ascii: "D"), UInt8(ascii: "O"), UInt8(ascii: "C"):
            return httpPrefixes.contains { prefix in body.count >= prefix.count && zip(prefix, body).allSatisfy { $0 == $1 } }
        default:
            return false
        }
    }
}

/// What one pass over a line's bytes finds before it is tokenized.
enum LineBytes {
    /// The offset of the first NUL byte, if any, and whether every byte is ASCII (when there is no NUL).
    struct Content {
        var firstNul: Int?
        var isASCII: Bool
    }

    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highBits: UInt64 = 0x8080_8080_8080_8080

    /// Scans eight bytes at a time: a word has a zero byte exactly when
    /// `(w - 0x01…01) & ~w & 0x80…80` is not zero, and a non-ASCII byte when `w & 0x80…80` is not.
    static func scan(_ body: UnsafeBufferPointer<UInt8>) -> Content {
        let raw = UnsafeRawBufferPointer(body)
        var high: UInt64 = 0
        var offset = 0
        while offset + 8 <= raw.count {
            let word = raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            if (word &- ones) & ~word & highBits != 0 { break }
            high |= word
            offset += 8
        }
        while offset < raw.count {
            let byte = raw[offset]
            if byte == 0 { return Content(firstNul: offset, isASCII: false) }
            high |= UInt64(byte)
            offset += 1
        }
        return Content(firstNul: nil, isASCII: high & highBits == 0)
    }
}
