import Foundation
import Glibc
import Synchronization
import Testing
@testable import SwitchboardLog

/// The real file system, counting calls, that fails every `fdatasync` with EIO (or every `write`
/// with ENOSPC) once past a count.
final class FailingFileSystem: LogFileSystem {
    private let real = PosixFileSystem()
    let failAfterSyncs: Int
    let failAfterWrites: Int
    let syncs = Atomic<Int>(0)
    let writes = Atomic<Int>(0)
    let failed = Atomic<Bool>(false)

    init(failAfterSyncs: Int = .max, failAfterWrites: Int = .max) {
        self.failAfterSyncs = failAfterSyncs
        self.failAfterWrites = failAfterWrites
    }

    func create(_ path: String) throws(LogIOError) -> Int32 { try real.create(path) }
    func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws(LogIOError) {
        if writes.add(1, ordering: .sequentiallyConsistent).newValue > failAfterWrites {
            failed.store(true, ordering: .sequentiallyConsistent)
            throw LogIOError(operation: "write", path: path, errno: ENOSPC)
        }
        try real.write(fd, bytes, path: path)
    }
    func sync(_ fd: Int32, path: String) throws(LogIOError) {
        if syncs.add(1, ordering: .sequentiallyConsistent).newValue > failAfterSyncs {
            failed.store(true, ordering: .sequentiallyConsistent)
            throw LogIOError(operation: "fdatasync", path: path, errno: EIO)
        }
        try real.sync(fd, path: path)
    }
    func syncDirectory(_ path: String) throws(LogIOError) { try real.syncDirectory(path) }
    func close(_ fd: Int32) { real.close(fd) }
}

/// Counts outcomes of concurrent appends.
final class Tally: Sendable {
    let successesAfterFailure = Atomic<Int>(0)
    let failures = Atomic<Int>(0)
    let highestSuccess = Atomic<UInt64>(0)
}

@Suite(.serialized) struct LogWriterTests {
    @Test func appendedRecordsRecoverInOrder() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let writer = try LogWriter(directory: dir.path, nextIndex: 1)
        for i in 1...20 {
            #expect(try await writer.append(term: 3, payload: Array("PUBLISH q body=\(i)".utf8)) == UInt64(i))
        }
        try writer.close()
        let collected = Collected()
        #expect(try LogRecovery.recover(directory: dir.path) { collected.records.append($0) } == .clean(lastIndex: 20))
        #expect(collected.records.map { String(decoding: $0.payload, as: UTF8.self) } == (1...20).map { "PUBLISH q body=\($0)" })
        #expect(collected.records.allSatisfy { $0.term == 3 })
    }

    @Test func rolloverKeepsIndicesConsecutiveAndRecoveryReadsAcrossSegments() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let writer = try LogWriter(directory: dir.path, nextIndex: 1, options: LogWriterOptions(segmentSize: 300))
        for i in 1...100 { _ = try await writer.append(term: 1, payload: Array("TICKET id=\(i)".utf8)) }
        try writer.close()
        let segments = try LogSegments.list(directory: dir.path)
        #expect(segments.count > 5)
        #expect(segments.first?.firstIndex == 1)
        for segment in segments { #expect(try dir.fileSize(segment.path) <= 300) }
        let collected = Collected()
        #expect(try LogRecovery.recover(directory: dir.path) { collected.records.append($0) } == .clean(lastIndex: 100))
        #expect(collected.records.map(\.index) == Array(1...100))
    }

    @Test func writerContinuesAfterRecoveryInANewSegment() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        try dir.writeSegment(first: 1, count: 10)
        guard case .clean(let last) = try LogRecovery.recover(directory: dir.path) else { Issue.record("not clean"); return }
        let writer = try LogWriter(directory: dir.path, nextIndex: last + 1)
        #expect(try await writer.append(term: 2, payload: Array("PING".utf8)) == 11)
        try writer.close()
        #expect(try LogRecovery.recover(directory: dir.path) == .clean(lastIndex: 11))
    }

    @Test(arguments: [FsyncPolicy.interval(milliseconds: 5), .never])
    func otherPoliciesWriteEverythingByClose(policy: FsyncPolicy) async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let writer = try LogWriter(directory: dir.path, nextIndex: 1, options: LogWriterOptions(fsync: policy))
        for _ in 1...50 { _ = try await writer.append(term: 1, payload: Array("PING".utf8)) }
        try await Task.sleep(for: .milliseconds(20))
        try writer.close()
        #expect(try LogRecovery.recover(directory: dir.path) == .clean(lastIndex: 50))
    }

    @Test func appendAfterCloseFails() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let writer = try LogWriter(directory: dir.path, nextIndex: 1)
        try writer.close()
        await #expect(throws: LogWriterError.closed) { try await writer.append(term: 1, payload: Array("PING".utf8)) }
    }

    @Test func groupCommitMakesFewerSyncsThanAppendsWithSixteenAppendingThreads() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let writer = try LogWriter(directory: dir.path, nextIndex: 1)
        let before = writer.statistics.syncs
        let perAppender = 200
        let failures = Atomic<Int>(0)
        let start = ContinuousClock.now
        // Threads, not tasks: an append under `.always` blocks its thread until a sync covers
        // it, and sixteen of them at once is what makes syncs shared.
        let threads = (0..<16).map { appender in
            Thread {
                for i in 0..<perAppender {
                    do {
                        _ = try writer.appendNow(term: 1, payloads: [Array("PUBLISH q from=\(appender) n=\(i)".utf8)])
                    } catch {
                        failures.add(1, ordering: .sequentiallyConsistent)
                    }
                }
            }
        }
        for thread in threads { thread.start() }
        let deadline = ContinuousClock.now.advanced(by: .seconds(60))
        while writer.statistics.appendedRecords + failures.load(ordering: .sequentiallyConsistent) < 16 * perAppender
            && ContinuousClock.now < deadline {
            usleep(1_000)
        }
        try writer.close()
        let elapsed = ContinuousClock.now - start
        let stats = writer.statistics
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let syncs = stats.syncs - before
        print("group commit: 16 appending threads, \(stats.appendedRecords) records, \(syncs) fdatasync in \(String(format: "%.3f", seconds)) s: \(String(format: "%.1f", Double(stats.appendedRecords) / Double(max(syncs, 1)))) records/sync")
        #expect(failures.load(ordering: .sequentiallyConsistent) == 0)
        #expect(stats.appendedRecords == 16 * perAppender)
        #expect(syncs < stats.appendedRecords)
        #expect(try LogRecovery.recover(directory: dir.path) == .clean(lastIndex: UInt64(16 * perAppender)))
    }

    @Test(arguments: [(5, Int.max, "fdatasync", EIO), (Int.max, 8, "write", ENOSPC)])
    func noAppendSucceedsAfterAnInjectedWriteOrFsyncFailure(
        failAfterSyncs: Int, failAfterWrites: Int, operation: String, errno: Int32
    ) async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let fileSystem = FailingFileSystem(failAfterSyncs: failAfterSyncs, failAfterWrites: failAfterWrites)
        let writer = try LogWriter(directory: dir.path, nextIndex: 1, options: LogWriterOptions(fileSystem: fileSystem))
        let tally = Tally()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<16 {
                group.addTask {
                    for _ in 0..<50 {
                        // An append begun after the failure happened must fail. (One begun
                        // before it may still succeed: its sync can have finished first.)
                        let failedBefore = fileSystem.failed.load(ordering: .sequentiallyConsistent)
                        let result = await withCheckedContinuation { continuation in
                            writer.append(term: 1, payload: Array("PING".utf8)) { result in
                                if case .success(let index) = result {
                                    if failedBefore {
                                        tally.successesAfterFailure.add(1, ordering: .sequentiallyConsistent)
                                    }
                                    tally.highestSuccess.max(index, ordering: .sequentiallyConsistent)
                                }
                                continuation.resume(returning: result)
                            }
                        }
                        if case .failure(let error) = result {
                            guard case .failed(let io) = error else { Issue.record("unexpected \(error)"); continue }
                            #expect(io.errno == errno && io.operation == operation && io.path.hasPrefix(dir.path))
                            #expect("\(error)".contains(io.path))
                            tally.failures.add(1, ordering: .sequentiallyConsistent)
                        }
                    }
                }
            }
        }
        let didFail = fileSystem.failed.load(ordering: .sequentiallyConsistent)
        let lateSuccesses = tally.successesAfterFailure.load(ordering: .sequentiallyConsistent)
        let failureCount = tally.failures.load(ordering: .sequentiallyConsistent)
        #expect(didFail)
        #expect(lateSuccesses == 0)
        #expect(failureCount > 0)
        await #expect(throws: LogWriterError.self) { try await writer.append(term: 1, payload: Array("PING".utf8)) }
        #expect(throws: LogWriterError.self) { try writer.close() }
        // Everything reported durable is on disk.
        let highest = tally.highestSuccess.load(ordering: .sequentiallyConsistent)
        let outcome = try LogRecovery.recover(directory: dir.path, repair: true)
        switch outcome {
        case .clean(let last), .truncatedTail(_, _, _, let last): #expect(last >= highest)
        default: Issue.record("unexpected \(outcome)")
        }
    }

    @Test func intervalPolicySyncsWhileIdle() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let writer = try LogWriter(directory: dir.path, nextIndex: 1, options: LogWriterOptions(fsync: .interval(milliseconds: 5)))
        let before = writer.statistics.syncs
        _ = try await writer.append(term: 1, payload: Array("PING".utf8))
        for _ in 0..<200 where writer.statistics.syncs == before { try await Task.sleep(for: .milliseconds(10)) }
        try await Task.sleep(for: .milliseconds(20))
        #expect(writer.statistics.syncs == before + 1, "one sync for the one dirty interval, none while clean")
        try writer.close()
    }
}
