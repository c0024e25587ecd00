import Foundation

/// Reads a log directory without changing it: for `switchboard log verify` and `log dump`.
public enum LogInspection {
    /// What verification found.
    public struct Report: Hashable, Sendable {
        /// Segment files read.
        public var segments = 0
        /// Valid records, in order.
        public var records = 0
        /// The first and last valid record indices (nil when there is none).
        public var firstIndex: UInt64?
        public var lastIndex: UInt64?
        /// The first problem, if any.
        public var problem: Problem?

        /// Whether the log is damaged (a torn tail is not damage: the node truncates it at start).
        public var isCorrupt: Bool {
            if case .damaged = problem { return true }
            return false
        }
    }

    /// The first thing wrong with a log.
    public enum Problem: Hashable, Sendable, CustomStringConvertible {
        /// The last segment ends in a partial record or zero bytes, as a crash during an append
        /// leaves it (or a node still writing: under `always` it writes zeros ahead of its records).
        case tornTail(file: String, offset: Int, bytes: Int)
        /// A record that is not what it should be, before the end of the log.
        case damaged(file: String, offset: Int, recordIndex: UInt64, reason: String)

        public var description: String {
            switch self {
            case .tornTail(let file, let offset, let bytes):
                "torn tail in \(file) at offset \(offset) (\(bytes) bytes of a partial record or of zeros the writer put ahead; the node truncates it at start)"
            case .damaged(let file, let offset, let record, let reason):
                "damaged record \(record) in \(file) at offset \(offset): \(reason)"
            }
        }
    }

    /// Checks every segment and record of a log directory, calling `visit` with each valid
    /// record in order, and stops at the first problem.
    public static func verify(directory: String, visit: (LogRecord) throws -> Void = { _ in }) throws -> Report {
        var report = Report()
        let segments = try LogSegments.list(directory: directory)
        var expectedNext: UInt64?
        for (position, segment) in segments.enumerated() {
            report.segments += 1
            let bytes = try LogRecovery.readAll(segment.path)
            let stop = try LogReader.scan(bytes, nameIndex: segment.firstIndex, expectedNext: &expectedNext) { record in
                report.records += 1
                if report.firstIndex == nil { report.firstIndex = record.index }
                report.lastIndex = record.index
                try visit(record)
            }
            let next = expectedNext ?? segment.firstIndex
            switch stop {
            case .end:
                continue
            case .tail(let offset) where position == segments.count - 1:
                report.problem = .tornTail(file: segment.path, offset: offset, bytes: bytes.count - offset)
            case .tail(let offset):
                report.problem = .damaged(file: segment.path, offset: offset, recordIndex: next,
                                          reason: "segment ends in a partial record but is not the last segment")
            case .broken(let offset, let reason):
                report.problem = .damaged(file: segment.path, offset: offset, recordIndex: next, reason: reason)
            }
            return report
        }
        return report
    }
}
