/// Builds protocol lines straight into bytes: the verb, then `key=value` fields, each line
/// ending in `\n`. The same text `Line.description` gives, without building a `Line` first
/// (an array of fields, a `String` per number): replies, pushes and log records are written
/// this way on a node's hot path.
///
///     var writer = LineWriter()
///     writer.verb("OK")
///     writer.field("ticket", 42)
///     writer.field("state", "offered")
///     writer.endLine()          // "OK ticket=42 state=offered\n"
public struct LineWriter: Sendable {
    /// What was written so far.
    public var bytes: [UInt8]

    /// An empty writer with room for `capacity` bytes.
    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Starts a line with its verb (written as is: verbs never need quoting).
    public mutating func verb(_ verb: String) {
        append(verb)
    }

    /// Appends a string's UTF-8 as one block copy (appending its `utf8` view went through a
    /// generic copy that cost several times more).
    @inline(__always) private mutating func append(_ text: String) {
        var text = text
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }

    /// Appends ` key=value`, the value bare or quoted as the protocol requires.
    public mutating func field(_ key: String, _ value: String) {
        bytes.append(0x20)
        append(key)
        bytes.append(UInt8(ascii: "="))
        appendValue(value)
    }

    /// Appends ` value`: a value without a key.
    public mutating func positional(_ value: String) {
        bytes.append(0x20)
        appendValue(value)
    }

    private mutating func appendValue(_ value: String) {
        if Line.isBare(value) {
            append(value)
            return
        }
        let count = Line.encodedCount(value)
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: count))
        bytes.withUnsafeMutableBufferPointer { buffer in
            _ = Line.encode(value, to: buffer.baseAddress! + start)
        }
    }

    /// Appends ` key=value` when the value is present.
    public mutating func field(_ key: String, _ value: String?) {
        if let value { field(key, value) }
    }

    /// Appends ` key=<decimal>`.
    public mutating func field(_ key: String, _ value: Int64) {
        bytes.append(0x20)
        append(key)
        bytes.append(UInt8(ascii: "="))
        appendDecimal(value)
    }

    /// Appends ` key=<decimal>`.
    public mutating func field(_ key: String, _ value: Int) {
        field(key, Int64(value))
    }

    /// Appends ` key=<decimal>`.
    public mutating func field(_ key: String, _ value: UInt64) {
        if value <= UInt64(Int64.max) {
            field(key, Int64(value))
        } else {
            field(key, String(value))
        }
    }

    /// Ends the line.
    public mutating func endLine() {
        bytes.append(0x0A)
    }

    private mutating func appendDecimal(_ value: Int64) {
        if value < 0 {
            guard value != .min else { return bytes.append(contentsOf: String(value).utf8) }
            bytes.append(UInt8(ascii: "-"))
        }
        var magnitude = value.magnitude
        // Digits are produced last first, into a fixed buffer: 19 digits hold any Int64.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var position = 20
            repeat {
                position -= 1
                digits[position] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: digits[position..<20]))
        }
    }
}
