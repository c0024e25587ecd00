import Glibc

/// What an item of an `InboundBatch` says about its connection.
public enum InboundEvent: Hashable, Sendable {
    /// The connection was accepted (server) or connected (client). It comes before any line of it.
    case opened
    /// A complete line; read its bytes with `InboundBatch.withBytes(of:_:)`.
    case line
    /// A line longer than `ConnectionOptions.maximumLineBytes`, in its place among the lines.
    /// Its bytes up to the next `\n` were discarded; the connection stays open.
    case oversizedLine
    /// The connection closed; nothing of it follows. The descriptor is already closed.
    case closed(CloseReason)
}

/// Everything one event-loop iteration read for one handler: every complete line from every
/// connection, plus opened and closed connections, in the order they happened per connection.
///
/// The line bytes live in one contiguous array and each item is a small record (connection,
/// start, length, kind), so a batch costs a handful of allocations however many lines it holds.
/// A line's bytes exclude its `\n` but keep a `\r` before it: the parser strips that
/// (`LineParser.parse` does). The batch is a value that owns its bytes: cheap to move across
/// threads, e.g. into an `AsyncStream`.
///
///     batch.forEachItem { item, bytes in
///         switch item.event {
///         case .line: reply(to: item.connection, parsing: bytes)
///         case .oversizedLine: item.connection.sendLines(["ERR LINE_TOO_LONG …"])
///         case .opened, .closed: track(item)
///         }
///     }
public struct InboundBatch: Sendable, RandomAccessCollection {
    /// One event of the batch.
    public struct Item: Sendable {
        /// The connection it concerns.
        public let connection: Connection
        /// The connection's position in `InboundBatch.connections`: group replies per
        /// connection with an array instead of a dictionary.
        public let connectionIndex: Int
        /// What happened.
        public let event: InboundEvent
        /// For `.line`, the line's length in bytes (a trailing `\r` included); for
        /// `.oversizedLine`, how many of its bytes had arrived when it passed the limit (a lower
        /// bound of its length); otherwise 0.
        public let byteCount: Int
        /// Where the line starts in the batch's bytes.
        let start: Int
    }

    /// The stored form of an item: 16 bytes, no references.
    struct Entry: Sendable {
        enum Kind: UInt8, Sendable { case opened, line, oversized, closed }
        /// Byte offset of a line, or index into `closeReasons` for `.closed`.
        var start: UInt32
        var length: UInt32
        /// Index into `connections`.
        var connection: UInt32
        var kind: Kind
    }

    private(set) var bytes: [UInt8] = []
    private(set) var entries: [Entry] = []
    private(set) var closeReasons: [CloseReason] = []
    /// The distinct connections that appear in this batch, in order of first appearance.
    public private(set) var connections: [Connection] = []
    /// How many items are `.line`.
    public private(set) var lineCount = 0

    /// An empty batch.
    public init() {}

    // MARK: - Reading

    public var startIndex: Int { 0 }
    public var endIndex: Int { entries.count }

    /// The item at `position`. Creating it costs one retain of its connection, no allocation.
    public subscript(position: Int) -> Item {
        item(entries[position])
    }

    private func item(_ entry: Entry) -> Item {
        let index = Int(entry.connection)
        let connection = connections[index]
        switch entry.kind {
        case .opened:
            return Item(connection: connection, connectionIndex: index, event: .opened, byteCount: 0, start: 0)
        case .line:
            return Item(connection: connection, connectionIndex: index, event: .line, byteCount: Int(entry.length), start: Int(entry.start))
        case .oversized:
            return Item(connection: connection, connectionIndex: index, event: .oversizedLine, byteCount: Int(entry.length), start: 0)
        case .closed:
            return Item(connection: connection, connectionIndex: index, event: .closed(closeReasons[Int(entry.start)]),
                        byteCount: 0, start: 0)
        }
    }

    /// Calls `body` with the bytes of a `.line` item (empty for other items), without copying.
    /// The pointer is valid only inside `body`.
    public func withBytes<R>(of item: Item, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try bytes.withUnsafeBufferPointer { all in
            try body(UnsafeBufferPointer(rebasing: all[item.start..<(item.start + (item.event == .line ? item.byteCount : 0))]))
        }
    }

    /// Calls `body` for each item in order with its line bytes (empty for items that are not
    /// `.line`). The fastest way through a batch: the byte storage is opened once.
    public func forEachItem(_ body: (Item, UnsafeBufferPointer<UInt8>) throws -> Void) rethrows {
        try bytes.withUnsafeBufferPointer { all in
            for entry in entries {
                let length = entry.kind == .line ? Int(entry.length) : 0
                let start = entry.kind == .line ? Int(entry.start) : 0
                try body(item(entry), UnsafeBufferPointer(rebasing: all[start..<(start + length)]))
            }
        }
    }

    /// A line item's text (invalid UTF-8 repaired); allocates, meant for tests and logs.
    public func text(of item: Item) -> String {
        withBytes(of: item) { String(decoding: $0, as: UTF8.self) }
    }

    /// The number of line bytes held.
    public var byteCount: Int { bytes.count }

    /// The bytes its storage holds without growing.
    var byteCapacity: Int { bytes.capacity }

    // MARK: - Building (event loop and framer)

    /// Empties the batch, keeping its storage for the next one.
    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        entries.removeAll(keepingCapacity: true)
        closeReasons.removeAll(keepingCapacity: true)
        connections.removeAll(keepingCapacity: true)
        lineCount = 0
    }

    /// Adds a connection and returns its index for the `append` calls.
    mutating func addConnection(_ connection: Connection) -> UInt32 {
        connections.append(connection)
        return UInt32(connections.count - 1)
    }

    mutating func appendOpened(connection: UInt32) {
        entries.append(Entry(start: 0, length: 0, connection: connection, kind: .opened))
    }

    mutating func appendClosed(connection: UInt32, reason: CloseReason) {
        closeReasons.append(reason)
        entries.append(Entry(start: UInt32(closeReasons.count - 1), length: 0, connection: connection, kind: .closed))
    }

    mutating func appendOversized(connection: UInt32, bytesSeen: Int) {
        entries.append(Entry(start: 0, length: UInt32(clamping: bytesSeen), connection: connection, kind: .oversized))
    }

    /// Appends one line made of two pieces (the framer's partial line and the rest of it).
    mutating func appendLine(connection: UInt32, _ head: UnsafeBufferPointer<UInt8>, _ tail: UnsafeBufferPointer<UInt8>) {
        let start = bytes.count
        bytes.append(contentsOf: head)
        bytes.append(contentsOf: tail)
        entries.append(Entry(start: UInt32(start), length: UInt32(head.count + tail.count), connection: connection, kind: .line))
        lineCount += 1
    }

    /// Appends a run of complete lines, `run` ending in `\n`, with one copy; lines longer than
    /// `maximumLineBytes` (not counting a final `\r`) become oversized items.
    mutating func appendLines(connection: UInt32, run: UnsafeBufferPointer<UInt8>, maximumLineBytes: Int) {
        guard let base = run.baseAddress, run.count > 0 else { return }
        let offset = bytes.count
        bytes.append(contentsOf: run)
        var lineStart = 0
        while lineStart < run.count {
            guard let found = memchr(base + lineStart, 0x0A, run.count - lineStart) else { break }
            let newline = UnsafeRawPointer(found).assumingMemoryBound(to: UInt8.self) - base
            let length = newline - lineStart
            let carriageReturn = length > 0 && base[newline - 1] == 0x0D ? 1 : 0
            if length - carriageReturn > maximumLineBytes {
                entries.append(Entry(start: 0, length: UInt32(clamping: length), connection: connection, kind: .oversized))
            } else {
                entries.append(Entry(start: UInt32(offset + lineStart), length: UInt32(length), connection: connection, kind: .line))
                lineCount += 1
            }
            lineStart = newline + 1
        }
    }
}
