import Foundation
import Glibc
import Synchronization
import Testing
@testable import SwitchboardLog

/// Appends are written on the caller's thread under every policy; under `.interval` a thread syncs.
@Suite struct LogWriterInlineTests {
    private func payloads(_ texts: String...) -> [[UInt8]] { texts.map { Array($0.utf8) } }

    @Test(arguments: [FsyncPolicy.interval(milliseconds: 5), .never])
    func appendNowWritesAtOnceAndEverythingRecoversAfterClose(policy: FsyncPolicy) throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let writer = try LogWriter(directory: dir.path, nextIndex: 1, options: LogWriterOptions(fsync: policy))
        #expect(try writer.appendNow(term: 1, payloads: payloads("SUBMIT n=1", "SUBMIT n=2")) == 2)
        // Already in the file (page cache) when appendNow returns: a reader sees it before close.
        #expect(try LogRecovery.recover(directory: dir.path) == .clean(lastIndex: 2))
        #expect(try writer.appendNow(term: 1, payloads: payloads("SUBMIT n=3")) == 3)
        try writer.close()
        let collected = Collected()
        #expect(try LogRecovery.recover(directory: dir.path) { collected.records.append($0) } == .clean(lastIndex: 3))
        #expect(collected.records.map { String(decoding: $0.payload, as: UTF8.self) } == ["SUBMIT n=1", "SUBMIT n=2", "SUBMIT n=3"])
    }

    @Test(arguments: [FsyncPolicy.always, .interval(milliseconds: 5), .never])
    func theCompletionFormCompletesBeforeItReturns(policy: FsyncPolicy) throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let writer = try LogWriter(directory: dir.path, nextIndex: 7, options: LogWriterOptions(fsync: policy))
        let seen = Mutex<UInt64?>(nil)
        writer.append(term: 1, payloads: payloads("PING")) { result in seen.withLock { $0 = try? result.get() } }
        #expect(seen.withLock { $0 } == 7)
        try writer.close()
    }

    @Test func theIntervalPolicySyncsInTheBackgroundWhileAppendsGoOn() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        // Syncs that return at once: this checks when the writer syncs, not the disk.
        let options = LogWriterOptions(fsync: .interval(milliseconds: 2), fileSystem: InstantSyncFileSystem())
        let writer = try LogWriter(directory: dir.path, nextIndex: 1, options: options)
        let before = writer.statistics.syncs
        // Appends without a pause: a test that slept between appends on the shared task pool
        // was scheduled so rarely in a full run that it appended twice in ten seconds.
        let deadline = ContinuousClock.now.advanced(by: .seconds(10))
        var appended = 0
        while writer.statistics.syncs < before + 3 && ContinuousClock.now < deadline && appended < 200_000 {
            _ = try writer.appendNow(term: 1, payloads: payloads("TICK n=\(appended)"))
            appended += 1
        }
        #expect(writer.statistics.syncs >= before + 3, "\(appended) appends")
        try writer.close()
        #expect(try LogRecovery.recover(directory: dir.path) == .clean(lastIndex: UInt64(appended)))
    }

    @Test func inlineAppendsRollOverSegments() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let writer = try LogWriter(directory: dir.path, nextIndex: 1, options: LogWriterOptions(segmentSize: 300, fsync: .interval(milliseconds: 1)))
        for n in 1...60 { #expect(try writer.appendNow(term: 1, payloads: payloads("TICKET id=\(n)")) == UInt64(n)) }
        try writer.close()
        let segments = try LogSegments.list(directory: dir.path)
        #expect(segments.count > 3)
        for segment in segments { #expect(try dir.fileSize(segment.path) <= 300) }
        #expect(try LogRecovery.recover(directory: dir.path) == .clean(lastIndex: 60))
    }

    @Test func aFailedInlineWriteFailsThatAppendAndEveryLaterOne() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let fileSystem = FailingFileSystem(failAfterWrites: 3)  // the header is write 1
        let writer = try LogWriter(directory: dir.path, nextIndex: 1, options: LogWriterOptions(fsync: .never, fileSystem: fileSystem))
        #expect(try writer.appendNow(term: 1, payloads: payloads("A")) == 1)
        #expect(try writer.appendNow(term: 1, payloads: payloads("B")) == 2)
        #expect(throws: LogWriterError.self) { try writer.appendNow(term: 1, payloads: payloads("C")) }
        #expect(throws: LogWriterError.self) { try writer.appendNow(term: 1, payloads: payloads("D")) }
        #expect(throws: LogWriterError.self) { try writer.close() }
    }

    @Test func aFailedBackgroundSyncIsReportedAndStopsLaterAppends() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let fileSystem = FailingFileSystem(failAfterSyncs: 1)  // the new segment's sync is the first
        let writer = try LogWriter(directory: dir.path, nextIndex: 1, options: LogWriterOptions(fsync: .interval(milliseconds: 1), fileSystem: fileSystem))
        let reported = Atomic<Bool>(false)
        writer.onBackgroundFailure { _ in reported.store(true, ordering: .sequentiallyConsistent) }
        _ = try writer.appendNow(term: 1, payloads: payloads("A"))
        let deadline = ContinuousClock.now.advanced(by: .seconds(10))
        while !reported.load(ordering: .sequentiallyConsistent) && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(1))
        }
        let wasReported = reported.load(ordering: .sequentiallyConsistent)
        #expect(wasReported)
        #expect(throws: LogWriterError.self) { try writer.appendNow(term: 1, payloads: payloads("B")) }
        #expect(throws: LogWriterError.self) { try writer.close() }
    }
}

/// The real file system, with syncs that return at once without going to the disk.
struct InstantSyncFileSystem: LogFileSystem {
    private let real = PosixFileSystem()
    func create(_ path: String) throws(LogIOError) -> Int32 { try real.create(path) }
    func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws(LogIOError) { try real.write(fd, bytes, path: path) }
    func sync(_ fd: Int32, path: String) throws(LogIOError) {}
    func syncDirectory(_ path: String) throws(LogIOError) {}
    func close(_ fd: Int32) { real.close(fd) }
    func preallocate(_ fd: Int32, from start: Int, to end: Int, path: String) throws(LogIOError) {
        try real.preallocate(fd, from: start, to: end, path: path)
    }
    func truncate(_ fd: Int32, to length: Int, path: String) throws(LogIOError) { try real.truncate(fd, to: length, path: path) }
}
