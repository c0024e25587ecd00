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

    /// Scans one segment.
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
        var offset = 0
        if bytes.isEmpty { return .tail(offset: 0) }
        guard let headerEnd = bytes.firstIndex(of: 0x0A) else { return .tail(offset: 0) }
        if bytes.allSatisfy({ $0 == 0 }) { return .tail(offset: 0) }
        let header: SegmentHeader
        do { header = try SegmentHeader.decode(bytes[0..<headerEnd]) } catch { return .broken(offset: 0, reason: "\(error)") }
        guard header.firstIndex == nameIndex else {
            return .broken(offset: 0, reason: "header says first=\(header.firstIndex) but the file name says \(nameIndex)")
        }
        if let expected = expectedNext, expected != header.firstIndex {
            return .broken(offset: 0, reason: "segment starts at index \(header.firstIndex) but the log continues at \(expected)")
        }
        var next = header.firstIndex
        expectedNext = next
        offset = headerEnd + 1
        while offset < bytes.count {
            guard let end = bytes[offset...].firstIndex(of: 0x0A) else { return .tail(offset: offset) }
            if bytes[offset...].allSatisfy({ $0 == 0 }) { return .tail(offset: offset) }
            let record: LogRecord
            do { record = try LogRecord.decode(bytes[offset..<end]) } catch {
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
}
