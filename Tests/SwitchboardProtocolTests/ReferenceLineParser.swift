@testable import SwitchboardProtocol

/// The line parser as it was before the byte-level rewrite: it validates into a `String` and
/// tokenizes an array of Unicode scalars. Kept, unchanged, as the reference that
/// `LineParserEquivalenceTests` holds the fast parser to: the same `Line` or the same error, code
/// and message, for every input.
enum ReferenceLineParser {
    /// Parses a line, without its `\n`; a trailing `\r` is dropped.
    ///
    /// - Returns: nil for an empty (or all-blank) line, which the protocol ignores.
    /// - Throws: `ProtocolError` naming what is wrong and where.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, limits: ProtocolLimits = ProtocolLimits()) throws(ProtocolError) -> Line? {
        var end = bytes.count
        if end > 0 && bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        guard end <= limits.maximumLineBytes else {
            throw ProtocolError(.lineTooLong, "line is over the limit of \(limits.maximumLineBytes) bytes")
        }
        let body = UnsafeBufferPointer(rebasing: bytes[0..<end])
        if let position = body.firstIndex(of: 0) {
            throw ProtocolError(.nulByte, "line contains a NUL byte at column \(position + 1)")
        }
        guard let text = String(validating: body, as: UTF8.self) else {
            throw ProtocolError(.badEncoding, "line is not valid UTF-8")
        }
        if looksLikeHTTP(body) {
            throw ProtocolError(.httpNotSupported, "this port speaks the Switchboard line protocol, not HTTP; see PROTOCOL.md")
        }
        return try tokenize(text, limits: limits)
    }

    private static let httpPrefixes: [[UInt8]] = ["GET ", "POST ", "PUT ", "HEAD ", "DELETE ", "OPTIONS ", "PATCH ", "CONNECT ", "Host:", "HTTP/"]
        .map { Array($0.utf8) }

    static func looksLikeHTTP(_ body: UnsafeBufferPointer<UInt8>) -> Bool {
        httpPrefixes.contains { prefix in body.count >= prefix.count && zip(prefix, body).allSatisfy { $0 == $1 } }
    }

    private static func tokenize(_ text: String, limits: ProtocolLimits) throws(ProtocolError) -> Line? {
        let scalars = Array(text.unicodeScalars)
        var index = 0
        func skipBlanks() {
            while index < scalars.count && (scalars[index] == " " || scalars[index] == "\t") { index += 1 }
        }
        func readBare() -> String {
            var value = String.UnicodeScalarView()
            while index < scalars.count && scalars[index] != " " && scalars[index] != "\t" {
                value.append(scalars[index])
                index += 1
            }
            return String(value)
        }
        func readValue(column: Int) throws(ProtocolError) -> String {
            guard index < scalars.count, scalars[index] == "\"" else {
                let start = index
                let value = readBare()
                if value.unicodeScalars.contains(where: { $0 == "\"" || $0 == "\\" || $0 == "=" }) {
                    throw ProtocolError(.badSyntax, "value at column \(start + 1) contains \", \\ or =; quote it")
                }
                return value
            }
            index += 1
            var value = String.UnicodeScalarView()
            while index < scalars.count {
                let scalar = scalars[index]
                index += 1
                switch scalar {
                case "\"":
                    guard index == scalars.count || scalars[index] == " " || scalars[index] == "\t" else {
                        throw ProtocolError(.badSyntax, "closing quote at column \(index) is followed by [\(scalars[index])]; put a space after it")
                    }
                    return String(value)
                case "\\":
                    guard index < scalars.count else { break }
                    let escaped = scalars[index]
                    index += 1
                    switch escaped {
                    case "\"": value.append("\"")
                    case "\\": value.append("\\")
                    case "n": value.append("\n")
                    case "r": value.append("\r")
                    case "t": value.append("\t")
                    default: throw ProtocolError(.badSyntax, "unknown escape \\\(escaped) at column \(index - 1); use \\\" \\\\ \\n \\r or \\t")
                    }
                default:
                    value.append(scalar)
                }
            }
            throw ProtocolError(.badSyntax, "quoted value starting at column \(column + 1) has no closing quote")
        }

        skipBlanks()
        guard index < scalars.count else { return nil }
        let verbStart = index
        let verb = readBare()
        guard verb.unicodeScalars.allSatisfy({ ("A"..."Z").contains($0) || ("a"..."z").contains($0) || $0 == "-" || $0 == "_" }) else {
            throw ProtocolError(.badSyntax, "verb [\(verb)] at column \(verbStart + 1) must be letters, - and _ only")
        }
        var line = Line(verb.uppercased())
        while true {
            skipBlanks()
            guard index < scalars.count else { break }
            guard line.positional.count + line.fields.count < limits.maximumFields else {
                throw ProtocolError(.badSyntax, "more than \(limits.maximumFields) arguments on one line")
            }
            let start = index
            var key = String.UnicodeScalarView()
            while index < scalars.count, isKeyScalar(scalars[index]) {
                key.append(scalars[index])
                index += 1
            }
            if !key.isEmpty && index < scalars.count && scalars[index] == "=" {
                index += 1
                let value = index < scalars.count && scalars[index] != " " && scalars[index] != "\t"
                    ? try readValue(column: index) : ""
                line.fields.append(Line.Field(String(key), value))
            } else {
                index = start
                line.positional.append(try readValue(column: start))
            }
        }
        return line
    }

    @inline(__always) private static func isKeyScalar(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "_" || scalar == "-"
    }
}
