import Foundation
import Testing
@testable import SwitchboardLog

/// `append(term:payloads:completion:)`: a batch of records queued under one lock, one completion.
@Suite struct LogWriterBatchTests {
    private func append(_ writer: LogWriter, _ payloads: [String]) async -> Result<UInt64, LogWriterError> {
        await withCheckedContinuation { continuation in
            writer.append(term: 2, payloads: payloads.map { Array($0.utf8) }) { continuation.resume(returning: $0) }
        }
    }

    @Test func aBatchCompletesOnceWithItsLastIndexAndKeepsOrderWithSingleAppends() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let writer = try LogWriter(directory: dir.path, nextIndex: 1)
        #expect(try await writer.append(term: 2, payload: Array("PING".utf8)) == 1)
        #expect(try await append(writer, ["SUBMIT n=1", "SUBMIT n=2", "SUBMIT n=3"]).get() == 4)
        #expect(try await writer.append(term: 2, payload: Array("PING".utf8)) == 5)
        try writer.close()
        let collected = Collected()
        #expect(try LogRecovery.recover(directory: dir.path) { collected.records.append($0) } == .clean(lastIndex: 5))
        #expect(collected.records.map { String(decoding: $0.payload, as: UTF8.self) }
            == ["PING", "SUBMIT n=1", "SUBMIT n=2", "SUBMIT n=3", "PING"])
        #expect(collected.records.map(\.index) == [1, 2, 3, 4, 5])
    }

    @Test func aBatchWithABadPayloadFailsWholeAndTakesNoIndex() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let writer = try LogWriter(directory: dir.path, nextIndex: 1)
        let result = await append(writer, ["SUBMIT n=1", "SUBMIT\nn=2"])
        #expect(throws: LogWriterError.invalidRecord(.newlineInPayload(column: 7))) { try result.get() }
        #expect(try await append(writer, ["SUBMIT n=3"]).get() == 1)
        try writer.close()
        #expect(try LogRecovery.recover(directory: dir.path) == .clean(lastIndex: 1))
    }

    @Test func batchesRollOverToSegmentsNamedAfterTheirFirstRecord() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let writer = try LogWriter(directory: dir.path, nextIndex: 1, options: LogWriterOptions(segmentSize: 400))
        for batch in 0..<30 {
            _ = try await append(writer, (0..<3).map { "TICKET batch=\(batch) n=\($0)" }).get()
        }
        try writer.close()
        let segments = try LogSegments.list(directory: dir.path)
        #expect(segments.count > 5)
        // A batch is never split: every segment starts at a batch's first record.
        #expect(segments.allSatisfy { ($0.firstIndex - 1) % 3 == 0 })
        let collected = Collected()
        #expect(try LogRecovery.recover(directory: dir.path) { collected.records.append($0) } == .clean(lastIndex: 90))
        #expect(collected.records.map(\.index) == Array(1...90))
    }
}
