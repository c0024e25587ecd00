import Glibc

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
///     writer.append(to: &output)
///
/// The writer owns a plain buffer and writes each field with one bounds check and block copies;
/// the finished text goes to an array in one copy. Appending every piece to an `Array` instead
/// (a uniqueness and capacity check and a call per piece, several pieces per field) cost more
/// than everything else about writing a reply.
public struct LineWriter: ~Copyable {
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    /// The bytes written so far.
    private var count = 0

    /// An empty writer with room for `capacity` bytes before it grows.
    public init(capacity: Int = 256) {
        self.capacity = Swift.max(capacity, 32)
        base = Self.allocate(self.capacity)
    }

    deinit { free(base) }

    /// `malloc`, not `UnsafeMutablePointer.allocate`: on Linux that goes through
    /// `posix_memalign`, about twice the work.
    private static func allocate(_ capacity: Int) -> UnsafeMutablePointer<UInt8> {
        guard let memory = malloc(capacity) else { fatalError("out of memory for a \(capacity)-byte line") }
        return memory.assumingMemoryBound(to: UInt8.self)
    }

    /// What was written so far, as an array (a copy).
    public var bytes: [UInt8] { Array(UnsafeBufferPointer(start: base, count: count)) }

    /// Appends what was written to `out`, in one copy.
    public func append(to out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: base, count: count))
    }

    /// Forgets what was written, keeping the buffer: a writer kept for the next line costs no
    /// allocation, where a new writer per reply, push and log record cost seven a ticket.
    public mutating func removeAll() {
        count = 0
    }

    /// Starts a line with its verb (written as is: verbs never need quoting).
    public mutating func verb(_ verb: StaticString) {
        verb.withUTF8Buffer { append($0) }
    }

    /// Starts a line with a verb known only at run time.
    public mutating func verb(named verb: String) {
        raw(verb)
    }

    /// Appends text as it is, unquoted (markers, verbs, preformatted text).
    public mutating func raw(_ text: String) {
        Self.withUTF8(text) { append($0) }
    }

    /// Appends ` key=value`, the value bare or quoted as the protocol requires.
    ///
    /// Keys are `StaticString`s: every key a node writes is a literal, and a literal's bytes
    /// are read in place, where a `String` key cost a retain, a release and a closure per field.
    public mutating func field(_ key: StaticString, _ value: String) {
        key.withUTF8Buffer { key in Self.withUTF8(value) { value in field(key, value) } }
    }

    /// Appends ` key=value` for a key known only at run time (a `Line`'s or `Reply`'s fields).
    public mutating func field(key: String, value: String) {
        Self.withUTF8(key) { key in Self.withUTF8(value) { value in field(key, value) } }
    }

    /// Appends ` value`: a value without a key.
    public mutating func positional(_ value: String) {
        Self.withUTF8(value) { value in
            let bare = Line.isBare(value)
            let valueCount = bare ? value.count : Line.encodedCount(value)
            let cursor = room(1 + valueCount)
            cursor.pointee = 0x20
            if bare {
                (cursor + 1).update(from: value.baseAddress!, count: value.count)
            } else {
                _ = Line.encodeQuoted(value, to: cursor + 1)
            }
            count += 1 + valueCount
        }
    }

    /// Appends ` key=value` when the value is present.
    public mutating func field(_ key: StaticString, _ value: String?) {
        if let value { field(key, value) }
    }

    /// Appends ` key=<decimal>`.
    public mutating func field(_ key: StaticString, _ value: Int64) {
        key.withUTF8Buffer { key in
            let cursor = keyPrefix(key, room: 20)
            count += key.count + 2 + Self.writeDecimal(value, to: cursor)
        }
    }

    /// Appends ` key=<decimal>`.
    public mutating func field(_ key: StaticString, _ value: Int) {
        field(key, Int64(value))
    }

    /// Appends ` key=<decimal>`.
    public mutating func field(_ key: StaticString, _ value: UInt64) {
        if value <= UInt64(Int64.max) {
            field(key, Int64(value))
        } else {
            field(key, String(value))
        }
    }

    private mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        let cursor = room(bytes.count)
        if let source = bytes.baseAddress { Self.copy(source, to: cursor, count: bytes.count) }
        count += bytes.count
    }

    /// Copies bytes between buffers that do not overlap. Most of what a line is made of is
    /// short (keys, verbs, states, numbers' neighbours): up to 16 bytes move in two loads and
    /// two stores that may overlap each other, where a call to `memmove` cost more than the
    /// copy (about 25 such calls a ticket's lifecycle).
    @inline(__always) static func copy(_ source: UnsafePointer<UInt8>, to target: UnsafeMutablePointer<UInt8>, count: Int) {
        let from = UnsafeRawPointer(source), to = UnsafeMutableRawPointer(target)
        switch count {
        case 8...16:
            let head = from.loadUnaligned(as: UInt64.self), tail = from.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
            to.storeBytes(of: head, as: UInt64.self)
            to.storeBytes(of: tail, toByteOffset: count - 8, as: UInt64.self)
        case 4...7:
            let head = from.loadUnaligned(as: UInt32.self), tail = from.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)
            to.storeBytes(of: head, as: UInt32.self)
            to.storeBytes(of: tail, toByteOffset: count - 4, as: UInt32.self)
        case 1...3:
            target[0] = source[0]
            target[count >> 1] = source[count >> 1]
            target[count - 1] = source[count - 1]
        case 0:
            break
        default:
            target.update(from: source, count: count)
        }
    }

    private mutating func field(_ key: UnsafeBufferPointer<UInt8>, _ value: UnsafeBufferPointer<UInt8>) {
        let bare = Line.isBare(value)
        let valueCount = bare ? value.count : Line.encodedCount(value)
        let cursor = keyPrefix(key, room: valueCount)
        if bare {
            if let source = value.baseAddress { Self.copy(source, to: cursor, count: value.count) }
        } else if valueCount == value.count + 2 {
            // Quoted without escapes (a subject, a name with a space): the count's scan found
            // none, so the value is copied whole rather than scanned again.
            cursor.pointee = UInt8(ascii: "\"")
            if let source = value.baseAddress { (cursor + 1).update(from: source, count: value.count) }
            cursor[value.count + 1] = UInt8(ascii: "\"")
        } else {
            _ = Line.encodeQuoted(value, to: cursor)
        }
        count += key.count + 2 + valueCount
    }

    /// A string's UTF-8 in place when it is stored contiguously (native strings are), without
    /// the copy `withUTF8` makes of a string it may not mutate.
    @inline(__always) private static func withUTF8<R>(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let result = text.utf8.withContiguousStorageIfAvailable(body) { return result }
        var text = text
        return text.withUTF8(body)
    }

    /// Ends the line.
    public mutating func endLine() {
        room(1).pointee = 0x0A
        count += 1
    }

    /// Writes ` key=` and returns where the value goes, with room for `valueCount` bytes after
    /// it; `count` is left for the caller to advance.
    @inline(__always) private mutating func keyPrefix(_ key: UnsafeBufferPointer<UInt8>, room valueCount: Int) -> UnsafeMutablePointer<UInt8> {
        let cursor = room(key.count + 2 + valueCount)
        cursor.pointee = 0x20
        if let source = key.baseAddress { Self.copy(source, to: cursor + 1, count: key.count) }
        cursor[key.count + 1] = UInt8(ascii: "=")
        return cursor + key.count + 2
    }

    /// Where the next `needed` bytes go, after growing if they do not fit.
    @inline(__always) private mutating func room(_ needed: Int) -> UnsafeMutablePointer<UInt8> {
        if capacity - count < needed { grow(needed) }
        return base + count
    }

    @inline(never) private mutating func grow(_ needed: Int) {
        let larger = Swift.max(count + needed, capacity * 2)
        guard let moved = realloc(base, larger) else { fatalError("out of memory for a \(larger)-byte line") }
        base = moved.assumingMemoryBound(to: UInt8.self)
        capacity = larger
    }

    /// Writes a decimal (at most 20 bytes) and returns its length.
    private static func writeDecimal(_ value: Int64, to cursor: UnsafeMutablePointer<UInt8>) -> Int {
        guard value < 0 else { return DecimalText.write(UInt64(value), to: cursor) }
        cursor.pointee = UInt8(ascii: "-")
        return 1 + DecimalText.write(value.magnitude, to: cursor + 1)
    }
}
