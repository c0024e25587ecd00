import Foundation
import Glibc

/// What recovery found in a log directory, and what it did about it.
public enum RecoveryOutcome: Hashable, Sendable {
    /// Every segment was whole. `lastIndex` is the last record's index (the first index minus
    /// one when the log holds no record; 0 when there is no segment).
    case clean(lastIndex: UInt64)
    /// The last segment ended in a partial record or zero bytes; the file was truncated at
    /// `offset`, dropping `bytesDropped` bytes (a segment left without a header is removed).
    case truncatedTail(file: String, offset: Int, bytesDropped: Int, lastIndex: UInt64)
    /// A record before the end is damaged. Nothing was changed. Stop, and either restore the
    /// directory from a replica or recover again with `repair: true`, which drops everything
    /// from this offset on.
    case corrupt(file: String, offset: Int, recordIndex: UInt64, reason: String)
    /// As `corrupt`, but `repair: true` was passed: the file was truncated at `offset`
    /// (`bytesDropped` bytes) and the later segments `removedSegments` were deleted.
    case repaired(file: String, offset: Int, recordIndex: UInt64, reason: String,
                  bytesDropped: Int, removedSegments: [String], lastIndex: UInt64)
}

/// Reads a whole log directory, checking every record, the way Redis loads its AOF.
public enum LogRecovery {
    /// Recovers a log directory.
    ///
    /// Records are passed to `visit` in index order as they are checked. When the outcome is
    /// `.corrupt`, records before the damage have been visited: the caller must discard them.
    ///
    /// - Parameters:
    ///   - directory: the log directory.
    ///   - repair: truncate at a damaged record instead of refusing.
    ///   - visit: called with each valid record.
    /// - Returns: the outcome; the next index to write is its `lastIndex + 1`.
    /// - Throws: I/O errors reading, truncating or syncing files, and errors thrown by `visit`.
    public static func recover(
        directory: String, repair: Bool = false, visit: (LogRecord) throws -> Void = { _ in }
    ) throws -> RecoveryOutcome {
        try recoverInPlace(directory: directory, repair: repair) { view in try visit(view.record) }
    }

    /// Recovers a log directory as `recover` does, passing each record as a view into the
    /// segment's bytes instead of a copy: what a node uses at start, where every record is
    /// parsed and applied once and never kept.
    ///
    /// - Parameters: as for `recover`; `visit` must not keep the view's payload.
    /// - Returns: the outcome; the next index to write is its `lastIndex + 1`.
    /// - Throws: I/O errors reading, truncating or syncing files, and errors thrown by `visit`.
    public static func recoverInPlace(
        directory: String, repair: Bool = false, visit: (LogRecordView) throws -> Void
    ) throws -> RecoveryOutcome {
        let segments = try LogSegments.list(directory: directory)
        var expectedNext: UInt64?
        for (position, segment) in segments.enumerated() {
            let isLast = position == segments.count - 1
            let bytes = try readAll(segment.path)
            let stop = try bytes.withUnsafeBufferPointer { buffer in
                try LogReader.scan(buffer, nameIndex: segment.firstIndex, expectedNext: &expectedNext, visit: visit)
            }
            let next = expectedNext ?? segment.firstIndex
            switch stop {
            case .end:
                continue
            case .tail(let offset) where isLast:
                if offset == 0 {
                    try remove(segment.path, directory: directory)
                } else {
                    try truncate(segment.path, at: offset)
                }
                return .truncatedTail(file: segment.path, offset: offset, bytesDropped: bytes.count - offset, lastIndex: next - 1)
            case .tail(let offset):
                return try damaged(segment.path, offset, next, "segment ends in a partial record but is not the last segment",
                                   bytes.count, Array(segments[(position + 1)...]), directory, repair)
            case .broken(let offset, let reason):
                return try damaged(segment.path, offset, next, reason, bytes.count,
                                   Array(segments[(position + 1)...]), directory, repair)
            }
        }
        return .clean(lastIndex: (expectedNext ?? 1) - 1)
    }

    // MARK: - Damage

    private static func damaged(
        _ path: String, _ offset: Int, _ recordIndex: UInt64, _ reason: String, _ fileSize: Int,
        _ later: [LogSegments.Segment], _ directory: String, _ repair: Bool
    ) throws -> RecoveryOutcome {
        guard repair else { return .corrupt(file: path, offset: offset, recordIndex: recordIndex, reason: reason) }
        for segment in later.reversed() { try remove(segment.path, directory: directory) }
        if offset == 0 { try remove(path, directory: directory) } else { try truncate(path, at: offset) }
        return .repaired(file: path, offset: offset, recordIndex: recordIndex, reason: reason,
                         bytesDropped: fileSize - offset, removedSegments: later.map(\.path), lastIndex: recordIndex - 1)
    }

    // MARK: - File operations

    /// The whole file, read straight into one buffer of its size, not zeroed first.
    static func readAll(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw LogIOError(operation: "open", path: path, errno: Glibc.errno) }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw LogIOError(operation: "fstat", path: path, errno: Glibc.errno) }
        var bytes = try [UInt8](unsafeUninitializedCapacity: max(Int(status.st_size), 0)) { buffer, count in
            count = try readFully(fd, into: buffer, path: path)
        }
        // The file may have grown since fstat; read on to its end.
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = try chunk.withUnsafeMutableBufferPointer { try readFully(fd, into: $0, path: path) }
            guard count > 0 else { break }
            bytes += chunk[..<count]
        }
        return bytes
    }

    /// Reads until `buffer` is full or the file ends; returns the bytes read.
    private static func readFully(_ fd: Int32, into buffer: UnsafeMutableBufferPointer<UInt8>, path: String) throws -> Int {
        var filled = 0
        while filled < buffer.count {
            let count = read(fd, buffer.baseAddress! + filled, buffer.count - filled)
            if count < 0 && Glibc.errno == EINTR { continue }
            guard count >= 0 else { throw LogIOError(operation: "read", path: path, errno: Glibc.errno) }
            if count == 0 { break }
            filled += count
        }
        return filled
    }

    static func truncate(_ path: String, at offset: Int) throws {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw LogIOError(operation: "open", path: path, errno: Glibc.errno) }
        defer { close(fd) }
        guard ftruncate(fd, off_t(offset)) == 0 else { throw LogIOError(operation: "ftruncate", path: path, errno: Glibc.errno) }
        guard fsync(fd) == 0 else { throw LogIOError(operation: "fsync", path: path, errno: Glibc.errno) }
    }

    static func remove(_ path: String, directory: String) throws {
        guard unlink(path) == 0 else { throw LogIOError(operation: "unlink", path: path, errno: Glibc.errno) }
        try PosixFileSystem().syncDirectory(directory)
    }
}
