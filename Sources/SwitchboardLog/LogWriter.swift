import Foundation
import Synchronization
import SwitchboardProtocol

/// Appends records to a log directory from any thread, with group commit.
///
/// Under `.always`, callers encode their records and queue them under a lock; one dedicated
/// thread takes everything queued, writes it with one `write` per segment, syncs once, then
/// completes the whole batch. Appends that arrive while a sync is running make the next batch.
///
/// Under `.interval` and `.never` nothing waits for the disk, so appends are written on the
/// caller's thread (`appendNow`, and the completion-based `append`, which then completes at
/// once): no hand-off to another thread and back on the hot path. The thread only syncs, every
/// interval, outside the lock, and at `close()`.
///
/// A failed write or sync stops the writer for good: every pending and later append fails
/// with `LogWriterError.failed`, naming the file and errno.
///
/// Open a writer only after `LogRecovery.recover` on the same directory, at `lastIndex + 1`,
/// and only one per directory. Call `close()` when done: the writer thread keeps the writer alive
/// until then.
// @unchecked Sendable: `queue`, `nextIndex`, `failure`, `closing`, `finished`, `syncing`, `writes`, `inlineRecords` and
// `onFailure` are only touched with `condition` locked. `fd`, `path`, `segmentBytes`, `headerBytes`,
// `dirty` and `lastSync`: under `.always` only on the writer thread (and in `init`, before the thread
// starts); under the inline policies only with `condition` locked (the sync thread copies `fd` and
// `path` under the lock and calls fdatasync outside it, with `syncing` set, so that no rollover
// closes the descriptor meanwhile). `counters` is a Mutex of its own.
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
    private let counters = Mutex(LogWriterStatistics())
    /// Inline policies: a background sync is running on `fd`.
    private var syncing = false
    /// Inline policies: writes so far, so a sync knows whether a write came after it began.
    private var writes = 0
    /// Called once if a background sync fails (inline policies), where no append is waiting to
    /// hear of it.
    private var onFailure: (@Sendable (LogWriterError) -> Void)?

    private var fd: Int32 = -1
    private var path = ""
    private var segmentBytes = 0
    /// `.always`: the file's length, zeros written ahead of `segmentBytes` included.
    private var allocatedEnd = 0
    private var headerBytes = 0
    private var dirty = false
    /// The buffer `appendNow` encodes records into, kept between calls.
    private var inlineRecords: [UInt8] = []
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
        let thread = Thread { [self] in
            if self.writesInline { self.runSyncs() } else { self.run() }
        }
        thread.name = "switchboard-log-writer"
        thread.start()
    }

    /// A snapshot of the counters.
    public var statistics: LogWriterStatistics {
        counters.withLock { $0 }
    }

    /// Whether appends are written on the caller's thread (the `.interval` and `.never`
    /// policies): `appendNow` may be used, and completions run before `append` returns.
    public var writesInline: Bool { options.fsync != .always }

    /// Sets what to call if a background sync fails (inline policies); appends after it throw.
    public func onBackgroundFailure(_ handler: @escaping @Sendable (LogWriterError) -> Void) {
        condition.lock()
        onFailure = handler
        condition.unlock()
    }

    // MARK: - Appending

    /// Queues a record; `completion` runs on the writer thread with its index once it is written
    /// (and synced, under `.always`), or with the error that stopped it.
    public func append(term: UInt64, payload: [UInt8], completion: @escaping @Sendable (Result<UInt64, LogWriterError>) -> Void) {
        append(term: term, payloads: [payload], completion: completion)
    }

    /// Queues several records under one lock, in order; `completion` runs once, on the writer
    /// thread, with the index of the last once all are written (and synced, under `.always`),
    /// or with the error that stopped the writer. A batch is atomic in the queue, not on disk:
    /// a crash may keep a prefix of it, never a record without those before it.
    ///
    /// A payload the format cannot hold fails the whole batch, and nothing of it is queued.
    public func append(term: UInt64, payloads: [[UInt8]], completion: @escaping @Sendable (Result<UInt64, LogWriterError>) -> Void) {
        append(term: term, payloads: LogPayloads(payloads), completion: completion)
    }

    /// `append(term:payloads:completion:)` with the payloads in one buffer.
    public func append(term: UInt64, payloads: LogPayloads, completion: @escaping @Sendable (Result<UInt64, LogWriterError>) -> Void) {
        guard !payloads.isEmpty else { return }
        if writesInline {
            return completion(Result { () throws(LogWriterError) in try appendNow(term: term, payloads: payloads) })
        }
        var bytes: [UInt8] = []
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
        do {
            try Self.encode(payloads, term: term, first: first, into: &bytes)
        } catch {
            condition.unlock()
            return completion(.failure(error))
        }
        nextIndex += UInt64(payloads.count)
        queue.append(Pending(firstIndex: first, index: nextIndex - 1, bytes: bytes, completion: completion))
        condition.signal()
        condition.unlock()
    }

    /// Writes records now, on the caller's thread, and returns the index of the last: under the
    /// inline policies they are then as durable as the policy makes them (in the page cache,
    /// synced within the interval). A bad payload fails the whole batch and writes nothing.
    ///
    /// - Precondition: `writesInline`.
    /// - Throws: `LogWriterError`; after a failed write or sync every later call throws too.
    public func appendNow(term: UInt64, payloads: [[UInt8]]) throws(LogWriterError) -> UInt64 {
        try appendNow(term: term, payloads: LogPayloads(payloads))
    }

    /// `appendNow(term:payloads:)` with the payloads in one buffer.
    public func appendNow(term: UInt64, payloads: LogPayloads) throws(LogWriterError) -> UInt64 {
        precondition(writesInline, "appendNow is for the interval and never policies; .always goes through the writer thread")
        condition.lock()
        defer { condition.unlock() }
        // The records of the last inline append are kept (under the lock) as this one's buffer:
        // a new array per batch was an allocation, and its growth more.
        var bytes: [UInt8] = []
        swap(&bytes, &inlineRecords)
        defer { if bytes.capacity <= 1 << 20 { swap(&bytes, &inlineRecords) } }
        while true {
            if let failure { throw .failed(failure) }
            if closing { throw .closed }
            let first = nextIndex
            bytes.removeAll(keepingCapacity: true)
            try Self.encode(payloads, term: term, first: first, into: &bytes)
            let rollover = segmentBytes > headerBytes && segmentBytes + bytes.count > options.segmentSize
            if rollover && syncing {
                // The sync thread holds this descriptor. Waiting lets go of the lock, so all of
                // the above is done again after it.
                condition.wait()
                continue
            }
            do throws(LogIOError) {
                if rollover {
                    if options.fsync != .never && dirty { try syncCurrent() }
                    closeCurrent()
                    try openSegment(firstIndex: first)
                }
                try Self.write(bytes, fd: fd, path: path, fileSystem: options.fileSystem)
            } catch {
                failure = error  // first, so nothing else writes while this waits
                while syncing { condition.wait() }
                closeCurrent()
                condition.broadcast()
                throw .failed(error)
            }
            break
        }
        segmentBytes += bytes.count
        if !dirty { condition.signal() }  // starts the sync thread's interval
        dirty = true
        writes += 1
        nextIndex += UInt64(payloads.count)
        counters.withLock {
            $0.appendedRecords += payloads.count
            $0.batches += 1
        }
        return nextIndex - 1
    }

    /// Encodes records with consecutive indexes from `first` into one buffer.
    private static func encode(_ payloads: LogPayloads, term: UInt64, first: UInt64, into bytes: inout [UInt8]) throws(LogWriterError) {
        bytes.reserveRoom(for: payloads.bytes.count + 40 * payloads.count)
        let start = bytes.count
        do throws(LogWriterError) {
            try payloads.forEach { offset, payload throws(LogWriterError) in
                do throws(LogRecordError) {
                    try LogRecord.checkPayload(payload)
                } catch {
                    throw .invalidRecord(error)
                }
                LogRecord.encode(index: first + UInt64(offset), term: term, checkedPayload: payload, into: &bytes)
            }
        } catch {
            bytes.removeSubrange(start...)  // nothing of a bad batch is written
            throw error
        }
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
        condition.broadcast()
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

            let records = batch.reduce(0) { $0 + Int($1.index - $1.firstIndex + 1) }
            do {
                try write(batch)
                if stopping { try trimPreallocation() }
                if shouldSync(stopping: stopping) { try syncCurrent() }
            } catch {
                fail(error, batch: batch)
                return
            }
            counters.withLock {
                $0.appendedRecords += records
                if !batch.isEmpty { $0.batches += 1 }
            }
            condition.lock()
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

    /// The thread's work under the inline policies: sync every interval while there are unsynced
    /// writes (fdatasync outside the lock, so appends go on meanwhile), then sync and close at
    /// `close()`.
    private func runSyncs() {
        condition.lock()
        while !closing && failure == nil {
            guard case .interval(let ms) = options.fsync, dirty else {
                condition.wait()
                continue
            }
            let wait = Double(ms) / 1000 - elapsedSinceSync()
            if wait > 0 {
                _ = condition.wait(until: Date().addingTimeInterval(wait))
                continue
            }
            let (fd, path, writesBefore) = (self.fd, self.path, writes)
            syncing = true
            condition.unlock()
            let result = Result { () throws(LogIOError) in try options.fileSystem.sync(fd, path: path) }
            condition.lock()
            syncing = false
            condition.broadcast()
            switch result {
            case .success:
                if writes == writesBefore { dirty = false }
                lastSync = .now
                counters.withLock { $0.syncs += 1 }
            case .failure(let error):
                failure = error
                closeCurrent()
                let handler = onFailure
                condition.unlock()
                handler?(.failed(error))
                condition.lock()
            }
        }
        if failure == nil && dirty {
            do { try syncCurrent() } catch { failure = error }
        }
        closeCurrent()
        finished = true
        condition.broadcast()
        condition.unlock()
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
                try trimPreallocation()
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
        if options.fsync == .always { try preallocate(upTo: segmentBytes + buffer.count) }
        let fileSystem = options.fileSystem
        let fd = self.fd, path = self.path
        try Self.write(buffer, fd: fd, path: path, fileSystem: fileSystem)
        segmentBytes += buffer.count
        dirty = true
        buffer.removeAll(keepingCapacity: true)
    }

    /// Zeros written ahead of the records, `preallocationStep` at a time: records then overwrite
    /// blocks the file already has, and an fdatasync need not commit a new length and new
    /// blocks to the journal each time. Here that took a sync from about 150 µs to about 75,
    /// and `--fsync always` throughput up by a tenth.
    static let preallocationStep = 1 << 20

    private func preallocate(upTo end: Int) throws(LogIOError) {
        guard end > allocatedEnd else { return }
        let target = max(end, min(allocatedEnd + Self.preallocationStep, options.segmentSize))
        try options.fileSystem.preallocate(fd, from: allocatedEnd, to: target, path: path)
        allocatedEnd = target
    }

    /// Cuts the zeros written ahead off the segment (before it is closed: only a crash leaves
    /// them, in the last segment, where recovery truncates them as a torn tail).
    private func trimPreallocation() throws(LogIOError) {
        guard allocatedEnd > segmentBytes else { return }
        try options.fileSystem.truncate(fd, to: segmentBytes, path: path)
        allocatedEnd = segmentBytes
        dirty = true  // the new length must reach the disk too
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
        counters.withLock { $0.syncs += 1 }
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
        allocatedEnd = header.count
        dirty = false
        lastSync = .now
        counters.withLock {
            $0.syncs += 1
            $0.segmentsCreated += 1
        }
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
