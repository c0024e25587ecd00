import Foundation

/// Appends records to a log directory from any thread, with group commit.
///
/// Callers encode their record and queue it under a lock; one dedicated thread takes everything
/// queued, writes it with one `write` per segment, syncs once per the `FsyncPolicy`, then
/// completes the whole batch. Appends that arrive while a sync is running make the next batch.
///
/// A failed write or sync stops the writer for good: every pending and later append fails
/// with `LogWriterError.failed`, naming the file and errno.
///
/// Open a writer only after `LogRecovery.recover` on the same directory, at `lastIndex + 1`,
/// and only one per directory. Call `close()` when done: the writer thread keeps the writer alive
/// until then.
// @unchecked Sendable: `queue`, `nextIndex`, `failure`, `closing`, `finished` and `stats` are only
// touched with `condition` locked; `fd`, `path`, `segmentBytes`, `headerBytes`, `dirty` and `lastSync` only on
// the writer thread (and in `init`, before the thread starts).
public final class LogWriter: @unchecked Sendable {
    private struct Pending {
        /// The index of the first record in `bytes`.
        var firstIndex: UInt64
        /// The index of the last record in `bytes`, reported to `completion`.
        var index: UInt64
        var bytes: [UInt8]
        var completion: @Sendable (Result<UInt64, LogWriterError>) -> Void
    }

    private let directory: String
    private let options: LogWriterOptions
    private let condition = NSCondition()
    private var queue: [Pending] = []
    private var nextIndex: UInt64
    private var failure: LogIOError?
    private var closing = false
    private var finished = false
    private var stats = LogWriterStatistics()

    private var fd: Int32 = -1
    private var path = ""
    private var segmentBytes = 0
    private var headerBytes = 0
    private var dirty = false
    private var lastSync = ContinuousClock.now

    /// Opens a writer that appends from `nextIndex` on, in a new segment named after it.
    ///
    /// - Parameters:
    ///   - directory: the log directory; it must exist.
    ///   - nextIndex: the index of the first record to write (`lastIndex + 1` from recovery).
    ///   - options: segment size, fsync policy, file system.
    /// - Throws: `LogIOError` if the first segment cannot be created and synced.
    public init(directory: String, nextIndex: UInt64, options: LogWriterOptions = LogWriterOptions()) throws(LogIOError) {
        self.directory = directory
        self.options = options
        self.nextIndex = nextIndex
        try openSegment(firstIndex: nextIndex)
        let thread = Thread { [self] in self.run() }
        thread.name = "switchboard-log-writer"
        thread.start()
    }

    /// A snapshot of the counters.
    public var statistics: LogWriterStatistics {
        condition.lock()
        defer { condition.unlock() }
        return stats
    }

    // MARK: - Appending

    /// Queues a record; `completion` runs on the writer thread with its index once it is written
    /// (and synced, under `.always`), or with the error that stopped it.
    public func append(term: UInt64, payload: [UInt8], completion: @escaping @Sendable (Result<UInt64, LogWriterError>) -> Void) {
        condition.lock()
        if let failure {
            condition.unlock()
            return completion(.failure(.failed(failure)))
        }
        if closing {
            condition.unlock()
            return completion(.failure(.closed))
        }
        let record: LogRecord
        do { record = try LogRecord(index: nextIndex, term: term, payload: payload) } catch {
            condition.unlock()
            return completion(.failure(.invalidRecord(error)))
        }
        nextIndex += 1
        queue.append(Pending(firstIndex: record.index, index: record.index, bytes: record.encoded(), completion: completion))
        condition.signal()
        condition.unlock()
    }

    /// Queues several records under one lock, in order; `completion` runs once, on the writer
    /// thread, with the index of the last once all are written (and synced, under `.always`),
    /// or with the error that stopped the writer. A batch is atomic in the queue, not on disk:
    /// a crash may keep a prefix of it, never a record without those before it.
    ///
    /// A payload the format cannot hold fails the whole batch, and nothing of it is queued.
    public func append(term: UInt64, payloads: [[UInt8]], completion: @escaping @Sendable (Result<UInt64, LogWriterError>) -> Void) {
        guard !payloads.isEmpty else { return }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(payloads.reduce(0) { $0 + $1.count + 32 })
        condition.lock()
        if let failure {
            condition.unlock()
            return completion(.failure(.failed(failure)))
        }
        if closing {
            condition.unlock()
            return completion(.failure(.closed))
        }
        let first = nextIndex
        for (offset, payload) in payloads.enumerated() {
            do {
                try LogRecord(index: first + UInt64(offset), term: term, payload: payload).encode(into: &bytes)
            } catch {
                condition.unlock()
                return completion(.failure(.invalidRecord(error)))
            }
        }
        nextIndex += UInt64(payloads.count)
        queue.append(Pending(firstIndex: first, index: nextIndex - 1, bytes: bytes, completion: completion))
        condition.signal()
        condition.unlock()
    }

    /// Appends a record and waits until it is written (and synced, under `.always`).
    /// - Returns: the record's index.
    /// - Throws: `LogWriterError`.
    public func append(term: UInt64, payload: [UInt8]) async throws(LogWriterError) -> UInt64 {
        let result = await withCheckedContinuation { continuation in
            append(term: term, payload: payload) { continuation.resume(returning: $0) }
        }
        return try result.get()
    }

    /// Writes everything queued, syncs it, stops the writer thread and closes the segment.
    /// Later appends fail with `.closed`.
    /// - Throws: the writer's failure, if it failed.
    public func close() throws(LogWriterError) {
        condition.lock()
        closing = true
        condition.signal()
        while !finished { condition.wait() }
        let failure = self.failure
        condition.unlock()
        if let failure { throw .failed(failure) }
    }

    // MARK: - Writer thread

    private func run() {
        while true {
            condition.lock()
            while queue.isEmpty && !closing {
                if case .interval(let ms) = options.fsync, dirty {
                    let deadline = Date().addingTimeInterval(Double(ms) / 1000 - elapsedSinceSync())
                    if !condition.wait(until: deadline) { break }
                } else {
                    condition.wait()
                }
            }
            let batch = queue
            queue = []
            let stopping = closing
            condition.unlock()

            do {
                try write(batch)
                if shouldSync(stopping: stopping) { try syncCurrent() }
            } catch {
                fail(error, batch: batch)
                return
            }
            condition.lock()
            stats.appendedRecords += batch.count
            if !batch.isEmpty { stats.batches += 1 }
            let done = stopping && queue.isEmpty
            if done {
                closeCurrent()
                finished = true
                condition.broadcast()
            }
            condition.unlock()
            for entry in batch { entry.completion(.success(entry.index)) }
            if done { return }
        }
    }

    private func shouldSync(stopping: Bool) -> Bool {
        guard dirty else { return false }
        if stopping { return true }
        switch options.fsync {
        case .always: return true
        case .interval(let ms): return elapsedSinceSync() * 1000 >= Double(ms)
        case .never: return false
        }
    }

    private func elapsedSinceSync() -> Double {
        let elapsed = ContinuousClock.now - lastSync
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    /// Writes a batch, rolling over to new segments as it goes.
    private func write(_ batch: [Pending]) throws(LogIOError) {
        var buffer: [UInt8] = []
        for entry in batch {
            let size = segmentBytes + buffer.count
            if size > headerBytes && size + entry.bytes.count > options.segmentSize {
                try flush(&buffer)
                if options.fsync != .never && dirty { try syncCurrent() }
                closeCurrent()
                try openSegment(firstIndex: entry.firstIndex)
            }
            buffer += entry.bytes
        }
        try flush(&buffer)
    }

    private func closeCurrent() {
        if fd >= 0 { options.fileSystem.close(fd) }
        fd = -1
    }

    private func flush(_ buffer: inout [UInt8]) throws(LogIOError) {
        guard !buffer.isEmpty else { return }
        let fileSystem = options.fileSystem
        let fd = self.fd, path = self.path
        try Self.write(buffer, fd: fd, path: path, fileSystem: fileSystem)
        segmentBytes += buffer.count
        dirty = true
        buffer.removeAll(keepingCapacity: true)
    }

    private static func write(_ bytes: [UInt8], fd: Int32, path: String, fileSystem: any LogFileSystem) throws(LogIOError) {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(LogIOError) in try fileSystem.write(fd, raw, path: path) }
        }
        try result.get()
    }

    private func syncCurrent() throws(LogIOError) {
        try options.fileSystem.sync(fd, path: path)
        dirty = false
        lastSync = .now
        condition.lock()
        stats.syncs += 1
        condition.unlock()
    }

    private func openSegment(firstIndex: UInt64) throws(LogIOError) {
        let path = directory + "/" + LogSegments.fileName(firstIndex: firstIndex)
        let fd = try options.fileSystem.create(path)
        self.fd = fd
        self.path = path
        let header = SegmentHeader(firstIndex: firstIndex).encoded()
        try Self.write(header, fd: fd, path: path, fileSystem: options.fileSystem)
        try options.fileSystem.sync(fd, path: path)
        try options.fileSystem.syncDirectory(directory)
        segmentBytes = header.count
        headerBytes = header.count
        dirty = false
        lastSync = .now
        condition.lock()
        stats.syncs += 1
        stats.segmentsCreated += 1
        condition.unlock()
    }

    private func fail(_ error: LogIOError, batch: [Pending]) {
        condition.lock()
        failure = error
        let rest = queue
        queue = []
        closeCurrent()
        finished = true
        condition.broadcast()
        condition.unlock()
        for entry in batch + rest { entry.completion(.failure(.failed(error))) }
    }
}
