import Foundation
import Synchronization
import SwitchboardProtocol

/// Appends records to a log directory from any thread, with group commit.
///
/// Appends are written on the caller's thread, under a lock: the records are encoded into one
/// buffer and written with one `write` (two at a segment rollover). What happens next depends
/// on the policy:
/// - `.always`: the append returns once an `fdatasync` that began after its write has finished.
///   One caller at a time syncs, outside the lock; callers that wrote meanwhile wait for it to
///   end and one of them syncs everything they wrote with one more (group commit). A single
///   caller that appends a batch per turn of its loop, as the node does, gets one sync per batch
///   and no hand-off to another thread and back: on two cores that hand-off, not the disk, was
///   most of the tail (a sync takes 60–70 µs on the development machine's disk).
/// - `.interval`: the append returns once written to the OS; a thread of the writer's syncs
///   every interval while there are unsynced writes, outside the lock.
/// - `.never`: the append returns once written; syncs happen only at rollover and close.
///
/// A failed write or sync stops the writer for good: every waiting and later append fails with
/// `LogWriterError.failed`, naming the file and errno.
///
/// Open a writer only after `LogRecovery.recover` on the same directory, at `lastIndex + 1`,
/// and only one per directory. Call `close()` when done: the writer's thread keeps the writer
/// alive until then.
// @unchecked Sendable: every stored property but `counters` (a Mutex of its own) and the
// constants is only touched with `condition` locked. The one thing done outside the lock is an
// fdatasync on a copy of `fd`, with `syncing` set, so that no rollover or close closes that
// descriptor meanwhile.
public final class LogWriter: @unchecked Sendable {
    private let directory: String
    private let options: LogWriterOptions
    private let condition = NSCondition()
    private var nextIndex: UInt64
    /// Every record up to this index is synced (`.always`).
    private var syncedIndex: UInt64
    private var failure: LogIOError?
    private var closing = false
    private var finished = false
    private let counters = Mutex(LogWriterStatistics())
    /// A sync is running on `fd`, outside the lock.
    private var syncing = false
    /// Writes so far, so a sync knows whether a write came after it began.
    private var writes = 0
    /// Threads waiting (in `waitForSyncToEnd`) for a sync outside the lock to end: a sync
    /// that ends with none wakes nobody. Under `always` a lone appender syncs every batch, and
    /// waking the writer's idle thread for each one was two thread switches and a handful of
    /// futex calls per batch, on the core the clients need.
    private var syncWaiters = 0
    /// Called once if a background sync fails (`.interval`), where no append is waiting to
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
        syncedIndex = nextIndex - 1
        try openSegment(firstIndex: nextIndex)
        let thread = Thread { [self] in self.runSyncs() }
        thread.name = "switchboard-log-writer"
        thread.start()
    }

    /// A snapshot of the counters.
    public var statistics: LogWriterStatistics {
        counters.withLock { $0 }
    }

    /// Sets what to call if a background sync fails (`.interval`); appends after it throw.
    public func onBackgroundFailure(_ handler: @escaping @Sendable (LogWriterError) -> Void) {
        condition.lock()
        onFailure = handler
        condition.unlock()
    }

    // MARK: - Appending

    /// Appends a record; `completion` runs on the caller's thread, before this returns, with its
    /// index once it is as durable as the policy makes it, or with the error that stopped the
    /// writer.
    public func append(term: UInt64, payload: [UInt8], completion: @escaping @Sendable (Result<UInt64, LogWriterError>) -> Void) {
        append(term: term, payloads: [payload], completion: completion)
    }

    /// Appends several records, in order, and runs `completion` once (on the caller's thread,
    /// before this returns) with the index of the last, or with the error that stopped the
    /// writer. A batch is written with one write, but is not atomic on disk: a crash may keep a
    /// prefix of it, never a record without those before it.
    ///
    /// A payload the format cannot hold fails the whole batch, and nothing of it is written.
    public func append(term: UInt64, payloads: [[UInt8]], completion: @escaping @Sendable (Result<UInt64, LogWriterError>) -> Void) {
        append(term: term, payloads: LogPayloads(payloads), completion: completion)
    }

    /// `append(term:payloads:completion:)` with the payloads in one buffer.
    public func append(term: UInt64, payloads: LogPayloads, completion: @escaping @Sendable (Result<UInt64, LogWriterError>) -> Void) {
        guard !payloads.isEmpty else { return }
        completion(Result { () throws(LogWriterError) in try appendNow(term: term, payloads: payloads) })
    }

    /// Writes records now, on the caller's thread, and returns the index of the last once they
    /// are as durable as the policy makes them: synced (`.always`), or in the page cache and
    /// synced within the interval (`.interval`). A bad payload fails the whole batch and
    /// writes nothing.
    ///
    /// - Throws: `LogWriterError`; after a failed write or sync every later call throws too.
    public func appendNow(term: UInt64, payloads: [[UInt8]]) throws(LogWriterError) -> UInt64 {
        try appendNow(term: term, payloads: LogPayloads(payloads))
    }

    /// `appendNow(term:payloads:)` with the payloads in one buffer.
    public func appendNow(term: UInt64, payloads: LogPayloads) throws(LogWriterError) -> UInt64 {
        condition.lock()
        defer { condition.unlock() }
        // The records of the last append are kept (under the lock) as this one's buffer: a new
        // array per batch was an allocation, and its growth more.
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
                // A sync outside the lock holds this descriptor. Waiting lets go of the lock, so
                // all of the above is done again after it.
                waitForSyncToEnd()
                continue
            }
            do throws(LogIOError) {
                if rollover {
                    try trimPreallocation()
                    if options.fsync != .never && dirty { try syncCurrent() }
                    closeCurrent()
                    try openSegment(firstIndex: first)
                }
                if options.fsync == .always { try preallocate(upTo: segmentBytes + bytes.count) }
                try Self.write(bytes, fd: fd, path: path, fileSystem: options.fileSystem)
            } catch {
                failure = error  // first, so nothing else writes while this waits
                while syncing { waitForSyncToEnd() }
                closeCurrent()
                condition.broadcast()
                throw .failed(error)
            }
            break
        }
        segmentBytes += bytes.count
        if case .interval = options.fsync, !dirty { condition.signal() }  // starts the sync thread's interval
        dirty = true
        writes += 1
        nextIndex += UInt64(payloads.count)
        counters.withLock {
            $0.appendedRecords += payloads.count
            $0.batches += 1
        }
        let last = nextIndex - 1
        if options.fsync == .always { try waitUntilSynced(last) }
        return last
    }

    /// `.always`: returns once every record up to `index` is synced. If no sync is running,
    /// this caller runs one for everything written so far; if one is, it waits for that one and
    /// then, if its records were written after it began, runs or waits for the next.
    private func waitUntilSynced(_ index: UInt64) throws(LogWriterError) {
        while syncedIndex < index {
            if let failure { throw .failed(failure) }
            if syncing {
                waitForSyncToEnd()
                continue
            }
            let target = nextIndex - 1
            if case .failure(let error) = syncOutsideLock() {
                failure = error
                closeCurrent()
                condition.broadcast()
                throw .failed(error)
            }
            syncedIndex = max(syncedIndex, target)
        }
    }

    /// Syncs the current segment with the lock let go meanwhile (`syncing` keeps the descriptor
    /// open), and marks the segment clean if nothing was written during the sync. Called and
    /// returns with the lock held.
    private func syncOutsideLock() -> Result<Void, LogIOError> {
        let (fd, path, writesBefore) = (self.fd, self.path, writes)
        syncing = true
        condition.unlock()
        let result = Result { () throws(LogIOError) in try options.fileSystem.sync(fd, path: path) }
        condition.lock()
        syncing = false
        if syncWaiters > 0 { condition.broadcast() }
        if case .success = result {
            if writes == writesBefore { dirty = false }
            lastSync = .now
            counters.withLock { $0.syncs += 1 }
        }
        return result
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

    /// Waits for a sync in progress, syncs what was written, stops the writer's thread and
    /// closes the segment. Later appends fail with `.closed`.
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

    // MARK: - The writer's thread

    /// Under `.interval`, syncs every interval while there are unsynced writes (outside the
    /// lock, so appends go on meanwhile); under every policy, cuts the zeros written ahead,
    /// syncs and closes at `close()`.
    private func runSyncs() {
        condition.lock()
        while !closing && failure == nil {
            if syncing {
                // No other thread syncs under `interval` today; if one ever does, this waits
                // counted, so that the sync's end wakes it.
                waitForSyncToEnd()
                continue
            }
            guard case .interval(let ms) = options.fsync, dirty else {
                condition.wait()
                continue
            }
            let wait = Double(ms) / 1000 - elapsedSinceSync()
            if wait > 0 {
                _ = condition.wait(until: Date().addingTimeInterval(wait))
                continue
            }
            if case .failure(let error) = syncOutsideLock() {
                failure = error
                closeCurrent()
                let handler = onFailure
                condition.unlock()
                handler?(.failed(error))
                condition.lock()
            }
        }
        while syncing { waitForSyncToEnd() }  // an append's sync (`.always`) holds the descriptor
        if failure == nil && fd >= 0 {
            do {
                try trimPreallocation()
                if dirty { try syncCurrent() }
            } catch {
                failure = error
            }
        }
        closeCurrent()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    /// Waits, with the lock let go meanwhile, until a sync outside the lock ends (or anything
    /// else broadcasts: callers check their condition again).
    private func waitForSyncToEnd() {
        syncWaiters += 1
        condition.wait()
        syncWaiters -= 1
    }

    private func elapsedSinceSync() -> Double {
        let elapsed = ContinuousClock.now - lastSync
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    private func closeCurrent() {
        if fd >= 0 { options.fileSystem.close(fd) }
        fd = -1
    }

    /// Zeros written ahead of the records, `preallocationStep` at a time: records then overwrite
    /// blocks the file already has, and an fdatasync need not commit a new length and new
    /// blocks to the journal each time. Here that took a sync from about 150 µs to about 75,
    /// and `--fsync always` throughput up by a tenth. The step is small because the step
    /// itself waits for the disk on the appender's path (under `always`, the node's loop):
    /// 1 MiB held the loop 1.5–3 ms (every such turn was among the node's longest at a fixed
    /// load), 64 KiB about 0.2 ms, with the same mean sync time. Zeroing ahead on another
    /// thread does not help: a sync of the file waits for those zeros too.
    static let preallocationStep = 64 << 10

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

    /// Syncs the current segment with the lock held: everything written so far is then durable
    /// (earlier segments were synced when they were closed).
    private func syncCurrent() throws(LogIOError) {
        try options.fileSystem.sync(fd, path: path)
        syncedIndex = nextIndex - 1
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
}
