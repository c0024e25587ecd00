import Glibc

/// Reads the records of one segment's bytes and says where and why it stopped.
public enum LogReader {
    /// Where a segment scan ended.
    public enum Stop: Hashable, Sendable {
        /// Every byte was a complete, valid record.
        case end
        /// From this offset to the end the bytes are a partial record (no newline) or all zero:
        /// what a crash during an append leaves behind.
        case tail(offset: Int)
        /// The bytes at this offset are not the record expected there.
        case broken(offset: Int, reason: String)
    }

    /// Scans one segment, passing each record as an owned `LogRecord`.
    ///
    /// - Parameters:
    ///   - bytes: the whole file.
    ///   - nameIndex: the first index its file name says.
    ///   - expectedNext: the index the next record must have; nil for the first segment of the log.
    ///     On return, the index after the last valid record.
    ///   - visit: called with each valid record, in order.
    /// - Returns: where the scan stopped.
    public static func scan(
        _ bytes: [UInt8], nameIndex: UInt64, expectedNext: inout UInt64?,
        visit: (LogRecord) throws -> Void
    ) rethrows -> Stop {
        try bytes.withUnsafeBufferPointer { buffer in
            try scan(buffer, nameIndex: nameIndex, expectedNext: &expectedNext) { view in try visit(view.record) }
        }
    }

    /// Scans one segment in place: each record is checked where it lies and passed as a view
    /// whose payload points into `bytes`, so nothing is copied per record.
    ///
    /// - Parameters: as for the `[UInt8]` form; `visit` must not keep the view's payload.
    /// - Returns: where the scan stopped.
    /// - Complexity: O(n) in the bytes: each is looked at by `memchr`, the CRC and the visitor.
    public static func scan(
        _ bytes: UnsafeBufferPointer<UInt8>, nameIndex: UInt64, expectedNext: inout UInt64?,
        visit: (LogRecordView) throws -> Void
    ) rethrows -> Stop {
        guard !bytes.isEmpty, let headerEnd = newline(in: bytes, from: 0) else { return .tail(offset: 0) }
        if isZero(bytes, from: 0) { return .tail(offset: 0) }
        let header: SegmentHeader
        do { header = try SegmentHeader.decode(ArraySlice(bytes[0..<headerEnd])) } catch { return .broken(offset: 0, reason: "\(error)") }
        guard header.firstIndex == nameIndex else {
            return .broken(offset: 0, reason: "header says first=\(header.firstIndex) but the file name says \(nameIndex)")
        }
        if let expected = expectedNext, expected != header.firstIndex {
            return .broken(offset: 0, reason: "segment starts at index \(header.firstIndex) but the log continues at \(expected)")
        }
        var next = header.firstIndex
        expectedNext = next
        var offset = headerEnd + 1
        while offset < bytes.count {
            guard let end = newline(in: bytes, from: offset) else { return .tail(offset: offset) }
            if isZero(bytes, from: offset) { return .tail(offset: offset) }
            let record: LogRecordView
            do { record = try LogRecordView.decode(UnsafeBufferPointer(rebasing: bytes[offset..<end])) } catch {
                return .broken(offset: offset, reason: "\(error)")
            }
            guard record.index == next else {
                return .broken(offset: offset, reason: "record has index \(record.index) where \(next) was expected")
            }
            try visit(record)
            next += 1
            expectedNext = next
            offset = end + 1
        }
        return .end
    }

    /// The offset of the first `\n` at or after `start`.
    private static func newline(in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard let base = bytes.baseAddress, let found = memchr(base + start, 0x0A, bytes.count - start) else { return nil }
        return UnsafeRawPointer(found) - UnsafeRawPointer(base)
    }

    /// Whether every byte from `start` to the end is zero: a preallocated or zeroed tail.
    private static func isZero(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Bool {
        bytes[start...].allSatisfy { $0 == 0 }
    }
}
