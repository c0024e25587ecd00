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

    /// Appends the line as it goes on the wire, without the newline, to `out`. Works on UTF-8
    /// bytes: every byte that needs quoting or escaping is ASCII, so the rest is copied as is.
    public func write(to out: inout [UInt8]) {
        out.append(contentsOf: verb.utf8)
        for value in positional {
            out.append(0x20)
            Self.appendValue(value, to: &out)
        }
        for field in fields {
            out.append(0x20)
            out.append(contentsOf: field.key.utf8)
            out.append(UInt8(ascii: "="))
            Self.appendValue(field.value, to: &out)
        }
    }

    /// Writes a value bare when it can be, quoted and escaped otherwise.
    static func appendValue(_ value: String, to out: inout [UInt8]) {
        var value = value
        value.withUTF8 { bytes in
            if !bytes.isEmpty && bytes.allSatisfy(isBare) {
                out.append(contentsOf: bytes)
                return
            }
            out.append(UInt8(ascii: "\""))
            for byte in bytes {
                switch byte {
                case UInt8(ascii: "\""): out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "\""))
                case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "\\"))
                case UInt8(ascii: "\n"): out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "n"))
                case UInt8(ascii: "\r"): out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "r"))
                case UInt8(ascii: "\t"): out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "t"))
                default: out.append(byte)
                }
            }
            out.append(UInt8(ascii: "\""))
        }
    }

    @inline(__always) static func isBare(_ byte: UInt8) -> Bool {
        byte > 0x20 && byte != 0x7F && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "=")
            && byte != UInt8(ascii: "\\")
    }
}
