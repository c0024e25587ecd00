import Glibc

/// Splits one connection's byte stream into lines ending in `\n`.
///
/// Complete lines go into an `InboundBatch` (a whole run of them with one copy); the bytes
/// after the last `\n` wait in `partial` for the next read. A `\r` before the `\n` stays in the
/// line for the parser to strip, and does not count against the limit.
///
/// A line longer than `maximumLineBytes` becomes an `.oversizedLine` item in its place among
/// the connection's lines — as soon as the partial line passes the limit, so memory stays
/// bounded — and the framer then discards bytes up to and including the next `\n`.
struct LineFramer {
    /// The longest line delivered, not counting `\n` or a `\r` before it.
    let maximumLineBytes: Int
    /// The start of a line whose `\n` has not arrived yet.
    private(set) var partial: [UInt8] = []
    /// Whether the bytes up to the next `\n` belong to an oversized line already reported.
    private(set) var discarding = false

    init(maximumLineBytes: Int) {
        self.maximumLineBytes = maximumLineBytes
    }

    /// Frames the bytes of one read.
    mutating func feed(_ chunk: UnsafeBufferPointer<UInt8>, connection: UInt32, into batch: inout InboundBatch) {
        guard let base = chunk.baseAddress, chunk.count > 0 else { return }
        let count = chunk.count
        var position = 0

        if discarding {
            guard let newline = Self.firstNewline(base, from: 0, to: count) else { return }
            discarding = false
            position = newline + 1
        }

        if !partial.isEmpty {
            guard let newline = Self.firstNewline(base, from: position, to: count) else {
                appendPartial(UnsafeBufferPointer(rebasing: chunk[position..<count]), connection: connection, into: &batch)
                return
            }
            let rest = UnsafeBufferPointer(rebasing: chunk[position..<newline])
            let length = partial.count + rest.count
            let last = rest.last ?? partial[partial.count - 1]
            if length - (last == 0x0D ? 1 : 0) > maximumLineBytes {
                batch.appendOversized(connection: connection, bytesSeen: length)
            } else {
                partial.withUnsafeBufferPointer { batch.appendLine(connection: connection, $0, rest) }
            }
            clearPartial()
            position = newline + 1
        }

        guard position < count else { return }
        // Everything up to the last newline is complete lines: hand them over in one copy.
        var lastNewline = count - 1
        while lastNewline >= position && base[lastNewline] != 0x0A { lastNewline -= 1 }
        if lastNewline >= position {
            batch.appendLines(connection: connection, run: UnsafeBufferPointer(rebasing: chunk[position...lastNewline]),
                              maximumLineBytes: maximumLineBytes)
            position = lastNewline + 1
        }
        if position < count {
            appendPartial(UnsafeBufferPointer(rebasing: chunk[position..<count]), connection: connection, into: &batch)
        }
    }

    /// Adds bytes without a newline to the partial line, or reports it oversized once it is
    /// longer than the limit could allow (one more byte is kept: it may be the `\r` of `\r\n`).
    private mutating func appendPartial(_ bytes: UnsafeBufferPointer<UInt8>, connection: UInt32, into batch: inout InboundBatch) {
        let length = partial.count + bytes.count
        if length > maximumLineBytes + 1 {
            batch.appendOversized(connection: connection, bytesSeen: length)
            clearPartial()
            discarding = true
        } else {
            partial.append(contentsOf: bytes)
        }
    }

    private mutating func clearPartial() {
        partial.removeAll(keepingCapacity: partial.capacity <= 16 * 1024)
    }

    private static func firstNewline(_ base: UnsafePointer<UInt8>, from start: Int, to end: Int) -> Int? {
        guard start < end, let found = memchr(base + start, 0x0A, end - start) else { return nil }
        return UnsafeRawPointer(found).assumingMemoryBound(to: UInt8.self) - base
    }
}
