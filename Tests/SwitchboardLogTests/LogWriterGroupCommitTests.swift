import Foundation
import Glibc
import Synchronization
import Testing
@testable import SwitchboardLog

/// The real file system, except that once armed each segment `fdatasync` waits until the test
/// lets it through, so a test can hold a sync open while other appends arrive.
final class GatedSyncFileSystem: LogFileSystem {
    private let real = PosixFileSystem()
    private let gate = DispatchSemaphore(value: 0)
    let armed = Atomic<Bool>(false)
    /// Syncs that have reached the gate (while armed).
    let arrived = Atomic<Int>(0)

    func letOneSyncThrough() { gate.signal() }

    func create(_ path: String) throws(LogIOError) -> Int32 { try real.create(path) }
    func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws(LogIOError) {
        try real.write(fd, bytes, path: path)
    }
    func sync(_ fd: Int32, path: String) throws(LogIOError) {
        if armed.load(ordering: .sequentiallyConsistent) {
            arrived.add(1, ordering: .sequentiallyConsistent)
            gate.wait()
        }
        try real.sync(fd, path: path)
    }
    func syncDirectory(_ path: String) throws(LogIOError) { try real.syncDirectory(path) }
    func close(_ fd: Int32) { real.close(fd) }
}

/// Under `.always` the appending threads sync for themselves: one at a time, and one sync for
/// everything written while the previous one ran.
@Suite struct LogWriterGroupCommitTests {
    /// Waits for `condition` for up to ten seconds; false if it never held.
    private func eventually(_ condition: () -> Bool) -> Bool {
        let deadline = ContinuousClock.now.advanced(by: .seconds(10))
        while !condition() {
            if ContinuousClock.now > deadline { return false }
            usleep(200)
        }
        return true
    }

    @Test func appendsWrittenDuringASyncWaitForItAndThenShareOneMoreSync() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let fileSystem = GatedSyncFileSystem()
        let writer = try LogWriter(directory: dir.path, nextIndex: 1, options: LogWriterOptions(fsync: .always, fileSystem: fileSystem))
        let syncsBefore = writer.statistics.syncs
        fileSystem.armed.store(true, ordering: .sequentiallyConsistent)
        let answers = Mutex<[String: UInt64]>([:])
        func appendOnAThread(_ name: String) {
            Thread {
                if let index = try? writer.appendNow(term: 1, payloads: [Array("PING from=\(name)".utf8)]) {
                    answers.withLock { $0[name] = index }
                }
            }.start()
        }

        appendOnAThread("first")
        #expect(eventually { fileSystem.arrived.load(ordering: .sequentiallyConsistent) == 1 }, "the first append syncs")
        appendOnAThread("second")
        appendOnAThread("third")
        // Both are written (to the page cache) while the first sync is held, and wait.
        #expect(eventually { writer.statistics.appendedRecords == 3 })
        #expect(answers.withLock { $0.isEmpty }, "nothing returns before a sync that began after its write")

        fileSystem.letOneSyncThrough()
        #expect(eventually { answers.withLock { $0["first"] } == 1 })
        // The first sync began before the other two wrote: one of them syncs for both.
        #expect(eventually { fileSystem.arrived.load(ordering: .sequentiallyConsistent) == 2 })
        #expect(answers.withLock { $0.count } == 1)

        fileSystem.letOneSyncThrough()
        #expect(eventually { answers.withLock { $0.count } == 3 })
        #expect(answers.withLock { Set($0.values) } == [1, 2, 3])
        #expect(writer.statistics.syncs - syncsBefore == 2, "three appends, two syncs")
        #expect(fileSystem.arrived.load(ordering: .sequentiallyConsistent) == 2)

        fileSystem.armed.store(false, ordering: .sequentiallyConsistent)
        try writer.close()
        #expect(try LogRecovery.recover(directory: dir.path) == .clean(lastIndex: 3))
    }

    @Test func aFailedSyncFailsThatAppendAndEveryLaterOne() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let fileSystem = FailingFileSystem(failAfterSyncs: 2)  // the segment's first sync, then one
        let writer = try LogWriter(directory: dir.path, nextIndex: 1, options: LogWriterOptions(fsync: .always, fileSystem: fileSystem))
        #expect(try writer.appendNow(term: 1, payloads: [Array("PING".utf8)]) == 1)
        #expect(throws: LogWriterError.self) { try writer.appendNow(term: 1, payloads: [Array("PING".utf8)]) }
        #expect(throws: LogWriterError.self) { try writer.appendNow(term: 1, payloads: [Array("PING".utf8)]) }
        #expect(throws: LogWriterError.self) { try writer.close() }
    }
}
