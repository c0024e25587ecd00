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

    @Test func theIntervalPolicySyncsInTheBackgroundWhileAppendsGoOn() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let writer = try LogWriter(directory: dir.path, nextIndex: 1, options: LogWriterOptions(fsync: .interval(milliseconds: 2)))
        let before = writer.statistics.syncs
        let deadline = ContinuousClock.now.advanced(by: .seconds(10))
        var appended = 0
        while writer.statistics.syncs < before + 3 && ContinuousClock.now < deadline {
            _ = try writer.appendNow(term: 1, payloads: payloads("TICK n=\(appended)"))
            appended += 1
            try await Task.sleep(for: .milliseconds(1))
        }
        #expect(writer.statistics.syncs >= before + 3)
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
