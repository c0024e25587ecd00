import Glibc
import SwitchboardCore

/// A log entry's arguments read in place from its payload bytes, without making a `Line`:
/// recovery's fast path.
///
/// It reads only the plain form the node writes: ASCII, a verb and `key=value` fields, values
/// bare or quoted without escapes, numbers as plain digits. Anything else — and every fault,
/// missing, repeated or unknown fields included — makes `plainEntry` return nil, and the caller
/// reads the line through `LineParser` and `ArgumentReader`, which accept every spelling the
/// protocol allows and name each fault exactly. So this reader never decides an error, and
/// whatever it accepts, the general path accepts with the same result.
struct PayloadArguments: LogEntryArguments {
    /// Where one field's key and value lie in the payload.
    struct Span {
        var keyStart: Int32
        var keyEnd: Int32
        var valueStart: Int32
        var valueEnd: Int32
    }

    /// The general path's limits: a line it would refuse is left to it.
    private static let limits = ProtocolLimits()
    /// Thrown to leave the payload to the general path; never seen outside this type.
    private static let notPlain = ProtocolError(.badSyntax, "not in the plain form")

    private let bytes: UnsafeBufferPointer<UInt8>
    private let spans: UnsafeMutableBufferPointer<Span>
    private let count: Int
    /// Bit `i` is set once field `i` was read.
    private var used: UInt64 = 0
    /// Where the next key search starts.
    private var cursor = 0

    /// The entry, or nil when the payload is not in the plain form or is not a valid entry.
    static func plainEntry(_ bytes: UnsafeBufferPointer<UInt8>) -> LogEntry? {
        withPlainFields(bytes, limits: limits) { verb, arguments in try? LogEntry.decode(verb: verb, &arguments) }
    }

    /// The request, or nil when the line is not in the plain form or is not a valid request
    /// (`Request.parse` then reads it the general way, and names the fault).
    static func plainRequest(_ bytes: UnsafeBufferPointer<UInt8>, limits: ProtocolLimits) -> Request? {
        withPlainFields(bytes, limits: limits) { verb, arguments in try? Request.decode(verb: verb, &arguments) }
    }

    /// Finds the verb and fields of a line in the plain form and hands them to `read`; nil
    /// when the line is not plain, or is one the general parser under `limits` would refuse.
    private static func withPlainFields<Result>(_ bytes: UnsafeBufferPointer<UInt8>, limits: ProtocolLimits,
                                                _ read: (String, inout PayloadArguments) -> Result?) -> Result? {
        guard bytes.count <= limits.maximumLineBytes, bytes.last != UInt8(ascii: "\r") else { return nil }
        let content = LineBytes.scan(bytes)
        guard content.firstNul == nil, content.isASCII, !LineParser.looksLikeHTTP(bytes) else { return nil }
        return withUnsafeTemporaryAllocation(of: Span.self, capacity: Self.limits.maximumFields) { spans in
            var index = 0
            guard let verb = Self.verb(bytes, &index), let count = Self.fields(bytes, from: index, into: spans),
                  count <= limits.maximumFields else { return nil }
            var arguments = PayloadArguments(bytes: bytes, spans: spans, count: count)
            return read(verb, &arguments)
        }
    }

    private init(bytes: UnsafeBufferPointer<UInt8>, spans: UnsafeMutableBufferPointer<Span>, count: Int) {
        self.bytes = bytes
        self.spans = spans
        self.count = count
    }

    // MARK: - Tokens

    /// The verb after leading blanks, upper-cased; nil for a blank line or a verb that is not
    /// letters, `-` and `_`.
    private static func verb(_ bytes: UnsafeBufferPointer<UInt8>, _ index: inout Int) -> String? {
        while index < bytes.count && isBlank(bytes[index]) { index += 1 }
        let start = index
        while index < bytes.count && !isBlank(bytes[index]) {
            guard LineTokenizer.isVerbByte(bytes[index]) else { return nil }
            index += 1
        }
        guard index > start else { return nil }
        return LineTokenizer.uppercased(UnsafeBufferPointer(rebasing: bytes[start..<index]))
    }

    /// Finds every `key=value` field from `index` on; nil at anything not in the plain form.
    private static func fields(_ bytes: UnsafeBufferPointer<UInt8>, from index: Int, into spans: UnsafeMutableBufferPointer<Span>) -> Int? {
        var index = index
        var count = 0
        // Read once: the inner loops then test bits in registers instead of reaching for globals.
        let keyBytes = LineTokenizer.keyBytes, bareValueEnds = Self.bareValueEnds, quotedValueEnds = LineTokenizer.quotedValueEnds
        while true {
            while index < bytes.count && isBlank(bytes[index]) { index += 1 }
            guard index < bytes.count else { return count }
            guard count < limits.maximumFields else { return nil }
            let keyStart = index
            while index < bytes.count && keyBytes.contains(bytes[index]) { index += 1 }
            guard index > keyStart, index < bytes.count, bytes[index] == UInt8(ascii: "=") else { return nil }
            let keyEnd = index
            index += 1
            var valueStart = index
            if index < bytes.count && bytes[index] == UInt8(ascii: "\"") {
                index += 1
                valueStart = index
                index = ByteScan.first(in: bytes, from: index, word: ByteScan.hasQuoteOrBackslash) { quotedValueEnds.contains($0) }
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
                spans[count] = Span(keyStart: Int32(keyStart), keyEnd: Int32(keyEnd), valueStart: Int32(valueStart), valueEnd: Int32(index))
                index += 1
                guard index == bytes.count || isBlank(bytes[index]) else { return nil }
            } else {
                while index < bytes.count && !bareValueEnds.contains(bytes[index]) { index += 1 }
                guard index == bytes.count || isBlank(bytes[index]) else { return nil }
                spans[count] = Span(keyStart: Int32(keyStart), keyEnd: Int32(keyEnd), valueStart: Int32(valueStart), valueEnd: Int32(index))
            }
            count += 1
        }
    }

    @inline(__always) private static func isBlank(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
    }

    /// What ends a bare value: a blank, or a byte it may not hold (a fault, left to the general path).
    private static let bareValueEnds = AsciiSet(" \t\"\\=")

    // MARK: - LogEntryArguments

    /// The value bytes of the first field with this key; nil when absent.
    ///
    /// The search starts after the field found last and wraps around: the node writes fields
    /// in the order `LogEntry` reads them, so each is found at the first try. A repeated key
    /// needs no search of its own: its second field is never read, so `finish` refuses the line.
    private mutating func value(_ key: String) -> UnsafeBufferPointer<UInt8>? {
        var key = key
        // Keys are compared with memcmp: iterating the key's UTF-8 view cost more than all the rest.
        let found = key.withUTF8 { key -> Int? in
            for step in 0..<count {
                let position = (cursor + step) % count
                let span = spans[position]
                if Int(span.keyEnd - span.keyStart) == key.count,
                   memcmp(bytes.baseAddress! + Int(span.keyStart), key.baseAddress!, key.count) == 0 {
                    return position
                }
            }
            return nil
        }
        guard let position = found else { return nil }
        used |= 1 << UInt64(position)
        cursor = position + 1
        let span = spans[position]
        return UnsafeBufferPointer(rebasing: bytes[Int(span.valueStart)..<Int(span.valueEnd)])
    }

    private mutating func requiredBytes(_ key: String) throws(ProtocolError) -> UnsafeBufferPointer<UInt8> {
        guard let value = value(key) else { throw Self.notPlain }
        return value
    }

    mutating func required(_ key: String) throws(ProtocolError) -> String {
        String(decoding: try requiredBytes(key), as: UTF8.self)
    }

    mutating func optional(_ key: String) throws(ProtocolError) -> String? {
        value(key).map { String(decoding: $0, as: UTF8.self) }
    }

    mutating func integer(_ key: String, in range: ClosedRange<Int>) throws(ProtocolError) -> Int {
        guard let value = Self.digits(try requiredBytes(key), atMost: 18), range.contains(Int(value)) else { throw Self.notPlain }
        return Int(value)
    }

    mutating func ticket() throws(ProtocolError) -> TicketID {
        guard let value = Self.digits(try requiredBytes("ticket"), atMost: 19), value > 0 else { throw Self.notPlain }
        return TicketID(value)
    }

    /// `name[:level],…` with levels 1 to 5 written as one digit.
    mutating func skills(_ key: String) throws(ProtocolError) -> [SkillLevel] {
        let text = try requiredBytes(key)
        var result: [SkillLevel] = []
        var start = 0
        while start < text.count {
            var end = start
            while end < text.count && text[end] != UInt8(ascii: ",") && text[end] != UInt8(ascii: ":") { end += 1 }
            guard end > start else { throw Self.notPlain }
            let name = String(decoding: UnsafeBufferPointer(rebasing: text[start..<end]), as: UTF8.self)
            var level = 1
            if end < text.count && text[end] == UInt8(ascii: ":") {
                guard end + 1 < text.count, (UInt8(ascii: "1")...UInt8(ascii: "5")).contains(text[end + 1]) else { throw Self.notPlain }
                level = Int(text[end + 1] - UInt8(ascii: "0"))
                end += 2
            }
            result.append(SkillLevel(name, level: level))
            guard end < text.count else { return result }
            // The next item starts after a comma, and a list does not end in one.
            guard text[end] == UInt8(ascii: ","), end + 1 < text.count else { throw Self.notPlain }
            start = end + 1
        }
        return result
    }

    func finish() throws(ProtocolError) {
        let all: UInt64 = count == 64 ? ~0 : (1 << UInt64(count)) - 1
        guard used == all else { throw Self.notPlain }
    }

    /// One to `atMost` ASCII digits and nothing else.
    private static func digits(_ text: UnsafeBufferPointer<UInt8>, atMost: Int) -> UInt64? {
        guard !text.isEmpty, text.count <= atMost else { return nil }
        var value: UInt64 = 0
        for byte in text {
            let digit = byte &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            value = value * 10 + UInt64(digit)
        }
        return value
    }
}
