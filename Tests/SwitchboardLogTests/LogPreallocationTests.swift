import Foundation
import Glibc
import Testing
@testable import SwitchboardLog

/// Under `.always` the writer writes zeros ahead of its records (`LogWriter.preallocationStep`
/// at a time) and cuts them off when it closes a segment: a closed log has none, and a log
/// left open (as a crash leaves it) recovers every synced record, the zeros truncated as a
/// torn tail.
@Suite(.serialized) struct LogPreallocationTests {
    private static func size(_ path: String) -> Int {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? -1
    }

    private static func segmentPaths(_ directory: String) throws -> [String] {
        try LogSegments.list(directory: directory).map(\.path)
    }

    @Test func anOpenSegmentRunsAheadWithZerosAndALogLeftOpenRecoversEverySyncedRecord() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let writer = try LogWriter(directory: dir.path, nextIndex: 1)
        for i in 1...10 { _ = try await writer.append(term: 1, payload: Array("TICKET id=\(i)".utf8)) }
        let live = try #require(try Self.segmentPaths(dir.path).first)
        #expect(Self.size(live) >= LogWriter.preallocationStep, "the open segment is preallocated")

        // What a crash leaves: the files as they are while the writer is open.
        let copy = try TempDirectory()
        defer { copy.remove() }
        try FileManager.default.removeItem(atPath: copy.path)
        try FileManager.default.copyItem(atPath: dir.path, toPath: copy.path)
        let collected = Collected()
        let outcome = try LogRecovery.recover(directory: copy.path) { collected.records.append($0) }
        guard case .truncatedTail(_, _, let dropped, let last) = outcome else {
            Issue.record("expected the zeros truncated as a torn tail, got \(outcome)")
            return
        }
        #expect(last == 10)
        #expect(dropped > 0)
        #expect(collected.records.map(\.index) == Array(1...10))
        try writer.close()
    }

    @Test func aBatchLargerThanOneStepIsWrittenOverZerosAndRecoversWhole() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let writer = try LogWriter(directory: dir.path, nextIndex: 1)
        // Three steps' worth in one batch: the zeros ahead come from one block written repeatedly.
        let payloads = (1...30).map { Array("TICKET id=\($0) body=\(String(repeating: "y", count: LogWriter.preallocationStep / 10))".utf8) }
        #expect(try writer.appendNow(term: 1, payloads: payloads) == 30)
        let live = try #require(try Self.segmentPaths(dir.path).first)
        let size = Self.size(live)
        #expect(size >= 3 * LogWriter.preallocationStep)
        let file = try #require(FileManager.default.contents(atPath: live))
        let lastNewline = try #require(file.lastIndex(of: 0x0A))
        #expect(file[(lastNewline + 1)...].allSatisfy { $0 == 0 }, "everything past the last record is zeros")
        // The next append runs a whole step of zeros ahead again.
        #expect(try writer.appendNow(term: 1, payloads: [Array("TICKET id=31".utf8)]) == 31)
        let after = try #require(FileManager.default.contents(atPath: live))
        let end = try #require(after.lastIndex(of: 0x0A)) + 1
        #expect(after.count >= end + LogWriter.preallocationStep - 64)
        #expect(after[end...].allSatisfy { $0 == 0 })
        try writer.close()
        #expect(try LogRecovery.recover(directory: dir.path) { _ in } == .clean(lastIndex: 31))
    }

    @Test func closedSegmentsEndAtTheirLastRecordAcrossRollovers() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let writer = try LogWriter(directory: dir.path, nextIndex: 1, options: LogWriterOptions(segmentSize: 4096))
        for i in 1...200 { _ = try await writer.append(term: 1, payload: Array("TICKET id=\(i) padding=\(String(repeating: "x", count: 40))".utf8)) }
        try writer.close()
        let paths = try Self.segmentPaths(dir.path)
        #expect(paths.count > 2)
        for path in paths {
            let bytes = try #require(FileManager.default.contents(atPath: path))
            #expect(bytes.last == 0x0A, "\(path) ends in its last record's newline, no zeros")
            #expect(!bytes.contains(0), "\(path) holds no preallocated zeros")
        }
        #expect(try LogRecovery.recover(directory: dir.path) { _ in } == .clean(lastIndex: 200))
        #expect(try !LogInspection.verify(directory: dir.path).isCorrupt)
    }
}

/// The real file system, with the space written ahead refused as a full disk would.
struct FullDiskAheadFileSystem: LogFileSystem {
    private let real = PosixFileSystem()
    func create(_ path: String) throws(LogIOError) -> Int32 { try real.create(path) }
    func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws(LogIOError) { try real.write(fd, bytes, path: path) }
    func sync(_ fd: Int32, path: String) throws(LogIOError) { try real.sync(fd, path: path) }
    func syncDirectory(_ path: String) throws(LogIOError) { try real.syncDirectory(path) }
    func close(_ fd: Int32) { real.close(fd) }
    func preallocate(_ fd: Int32, from start: Int, to end: Int, path: String) throws(LogIOError) {
        throw LogIOError(operation: "pwrite", path: path, errno: ENOSPC)
    }
}

@Suite struct LogPreallocationFailureTests {
    @Test func aFailureToWriteAheadStopsTheWriterAndNothingIsAcknowledged() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let writer = try LogWriter(directory: dir.path, nextIndex: 1, options: LogWriterOptions(fileSystem: FullDiskAheadFileSystem()))
        await #expect(throws: LogWriterError.self) { try await writer.append(term: 1, payload: Array("PING".utf8)) }
        await #expect(throws: LogWriterError.self) { try await writer.append(term: 1, payload: Array("PING".utf8)) }
        #expect(throws: LogWriterError.self) { try writer.close() }
        #expect(try LogRecovery.recover(directory: dir.path) { _ in } == .clean(lastIndex: 0))
    }
}
