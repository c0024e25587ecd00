/// When the writer calls `fdatasync`.
public enum FsyncPolicy: Hashable, Sendable {
    /// Every append completes only after its bytes are synced. Appends that arrive during one
    /// sync are written and synced together by the next (group commit).
    case always
    /// Appends complete once written to the OS; the file is synced at most this often while
    /// there is unsynced data. A crash can lose the last interval.
    case interval(milliseconds: Int)
    /// Appends complete once written to the OS; the writer syncs only at rollover and close.
    case never
}

/// How a `LogWriter` behaves.
public struct LogWriterOptions: Sendable {
    /// A segment is closed and a new one started once it would grow past this many bytes.
    public var segmentSize: Int
    /// When to sync.
    public var fsync: FsyncPolicy
    /// The file operations; `PosixFileSystem` except in fault-injection tests.
    public var fileSystem: any LogFileSystem

    /// Makes options; the defaults are 64 MiB segments, `.always`, the real file system.
    public init(segmentSize: Int = 64 << 20, fsync: FsyncPolicy = .always, fileSystem: any LogFileSystem = PosixFileSystem()) {
        self.segmentSize = segmentSize
        self.fsync = fsync
        self.fileSystem = fileSystem
    }
}

/// Counters kept by a `LogWriter`.
public struct LogWriterStatistics: Hashable, Sendable {
    /// Records written and completed successfully.
    public var appendedRecords: Int = 0
    /// `fdatasync` calls made on segment files.
    public var syncs: Int = 0
    /// Appends (each a batch of one or more records), each written with one `write`, or two
    /// at a segment rollover.
    public var batches: Int = 0
    /// Segments created.
    public var segmentsCreated: Int = 0
}

/// Why an append failed.
public enum LogWriterError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A write or sync failed; the writer has stopped for good and nothing after it is durable.
    /// Restart the node, which recovers the log from disk.
    case failed(LogIOError)
    /// The writer was closed before the append.
    case closed
    /// The payload cannot be a record.
    case invalidRecord(LogRecordError)

    public var description: String {
        switch self {
        case .failed(let error): return "log writer failed permanently: \(error); restart to recover the log"
        case .closed: return "log writer is closed"
        case .invalidRecord(let error): return "invalid log record: \(error)"
        }
    }
}
