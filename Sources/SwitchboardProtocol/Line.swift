/// One protocol line: a verb, then positional values, then `key=value` fields.
///
///     SUBMIT customer=acme-42 channel=chat queue=hosting subject="Site down since 9:00"
///
/// Values that contain spaces, quotes, `=` or control characters are written in double quotes
/// with `\"`, `\\`, `\n`, `\r` and `\t` escapes; everything else is written bare.
public struct Line: Hashable, Sendable, CustomStringConvertible {
    /// One `key=value` field.
    public struct Field: Hashable, Sendable {
        public var key: String
        public var value: String
        public init(_ key: String, _ value: String) {
            self.key = key
            self.value = value
        }
    }

    /// The verb (requests), status (`OK`, `ERR`, `END`), or kind of item/push, upper case.
    public var verb: String
    /// Values given without a key, in order.
    public var positional: [String]
    /// Fields in the order they were given.
    public var fields: [Field]

    /// A line.
    public init(_ verb: String, _ positional: [String] = [], _ fields: [Field] = []) {
        self.verb = verb
        self.positional = positional
        self.fields = fields
    }

    /// The value of the first field with this key.
    public func value(_ key: String) -> String? {
        for field in fields where field.key == key { return field.value }
        return nil
    }

    /// Appends a field.
    public mutating func append(_ key: String, _ value: String) { fields.append(Field(key, value)) }

    /// Appends a field only when the value is present.
    public mutating func append(_ key: String, _ value: String?) {
        if let value { fields.append(Field(key, value)) }
    }

    /// The line as it goes on the wire, without the newline.
    public var description: String {
        var bytes: [UInt8] = []
        write(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the line as it goes on the wire, without the newline, to `out` (with
    /// `LineWriter`, the one encoder of every line a node writes).
    public func write(to out: inout [UInt8]) {
        var writer = LineWriter()
        write(into: &writer)
        writer.append(to: &out)
    }

    /// Writes the line, without the newline, with `writer`.
    func write(into writer: inout LineWriter) {
        writer.verb(named: verb)
        for value in positional { writer.positional(value) }
        for field in fields { writer.field(key: field.key, value: field.value) }
    }

    /// The bytes a value takes on the wire: itself when bare, else quoted with its escapes.
    static func encodedCount(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        guard !bytes.isEmpty else { return 2 }  // written ""
        guard firstUnbare(bytes) < bytes.count else { return bytes.count }
        var escapes = 0
        var index = firstEscaped(bytes, from: 0)
        while index < bytes.count {
            escapes += 1
            index = firstEscaped(bytes, from: index + 1)
        }
        return bytes.count + escapes + 2
    }

    /// Whether a value is written as it is (not empty, nothing that needs quotes).
    @inline(__always) static func isBare(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        !bytes.isEmpty && firstUnbare(bytes) == bytes.count
    }

    @inline(__always) private static func firstUnbare(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        ByteScan.first(in: bytes, from: 0, word: ByteScan.hasUnbare, byte: { !isBare($0) })
    }

    @inline(__always) private static func firstEscaped(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        ByteScan.first(in: bytes, from: start, word: ByteScan.hasEscaped, byte: { escapeLetter($0) != nil })
    }

    /// Writes a value that is not bare in quotes, with its escapes (exactly
    /// `encodedCount(bytes)` bytes); returns the position after it.
    static func encodeQuoted(_ bytes: UnsafeBufferPointer<UInt8>, to cursor: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        var out = cursor
        out.pointee = UInt8(ascii: "\"")
        out += 1
        guard let base = bytes.baseAddress else {
            out.pointee = UInt8(ascii: "\"")
            return out + 1
        }
        var run = 0
        var index = firstEscaped(bytes, from: 0)
        while index < bytes.count {
            out.update(from: base + run, count: index - run)
            out += index - run
            out[0] = UInt8(ascii: "\\")
            out[1] = escapeLetter(bytes[index])!
            out += 2
            run = index + 1
            index = firstEscaped(bytes, from: run)
        }
        out.update(from: base + run, count: bytes.count - run)
        out += bytes.count - run
        out.pointee = UInt8(ascii: "\"")
        return out + 1
    }

    /// The letter after `\\` that stands for `byte` inside quotes, or nil if it stands for itself.
    @inline(__always) static func escapeLetter(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "\""): UInt8(ascii: "\"")
        case UInt8(ascii: "\\"): UInt8(ascii: "\\")
        case UInt8(ascii: "\n"): UInt8(ascii: "n")
        case UInt8(ascii: "\r"): UInt8(ascii: "r")
        case UInt8(ascii: "\t"): UInt8(ascii: "t")
        default: nil
        }
    }

    @inline(__always) static func isBare(_ byte: UInt8) -> Bool {
        byte > 0x20 && byte != 0x7F && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "=")
            && byte != UInt8(ascii: "\\")
    }
}
