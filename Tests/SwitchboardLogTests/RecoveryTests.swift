import Foundation
import Testing
@testable import SwitchboardLog

@Suite struct RecoveryTests {
    @Test func cleanLogRecoversEveryRecordAcrossSegments() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        try dir.writeSegment(first: 1, count: 5)
        try dir.writeSegment(first: 6, count: 3)
        let collected = Collected()
        let outcome = try LogRecovery.recover(directory: dir.path) { collected.records.append($0) }
        #expect(outcome == .clean(lastIndex: 8))
        #expect(collected.records.map(\.index) == Array(1...8))
    }

    @Test func emptyDirectoryIsCleanAtZero() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        #expect(try LogRecovery.recover(directory: dir.path) == .clean(lastIndex: 0))
    }

    @Test func tornTailAtEveryByteOffsetOfTheLastRecordIsTruncatedAndReported() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let (file, offsets, bytes) = try dir.writeSegment(first: 1, count: 4)
        let lastStart = offsets[3]
        for cut in (lastStart + 1)..<bytes.count {
            try Data(bytes[0..<cut]).write(to: URL(fileURLWithPath: file))
            let outcome = try LogRecovery.recover(directory: dir.path)
            #expect(outcome == .truncatedTail(file: file, offset: lastStart, bytesDropped: cut - lastStart, lastIndex: 3))
            #expect(try dir.fileSize(file) == lastStart)
            #expect(try LogRecovery.recover(directory: dir.path) == .clean(lastIndex: 3))
        }
    }

    @Test func zeroedTailIsTruncated() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let (file, _, bytes) = try dir.writeSegment(first: 1, count: 3)
        try Data(bytes + [UInt8](repeating: 0, count: 4096)).write(to: URL(fileURLWithPath: file))
        let outcome = try LogRecovery.recover(directory: dir.path)
        #expect(outcome == .truncatedTail(file: file, offset: bytes.count, bytesDropped: 4096, lastIndex: 3))
        #expect(try dir.fileSize(file) == bytes.count)
    }

    @Test func flippedBitInAMiddleRecordIsCorruptWithFileAndOffset() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let (file, offsets, original) = try dir.writeSegment(first: 1, count: 5)
        try dir.writeSegment(first: 6, count: 2)
        var bytes = original
        bytes[offsets[2] + 20] ^= 0x04
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        let outcome = try LogRecovery.recover(directory: dir.path)
        guard case .corrupt(let badFile, let offset, let index, let reason) = outcome else {
            Issue.record("expected corrupt, got \(outcome)")
            return
        }
        #expect(badFile == file)
        #expect(offset == offsets[2])
        #expect(index == 3)
        #expect(reason.contains("crc mismatch"))
        #expect(try dir.fileSize(file) == bytes.count, "refusing must change nothing")
    }

    @Test func repairTruncatesAtTheCorruptRecordAndReportsWhatItDropped() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let (file, offsets, original) = try dir.writeSegment(first: 1, count: 5)
        let (later, _, _) = try dir.writeSegment(first: 6, count: 2)
        var bytes = original
        bytes[offsets[2] + 20] ^= 0x04
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        let outcome = try LogRecovery.recover(directory: dir.path, repair: true)
        guard case .repaired(let badFile, let offset, let index, _, let dropped, let removed, let last) = outcome else {
            Issue.record("expected repaired, got \(outcome)")
            return
        }
        #expect(badFile == file && offset == offsets[2] && index == 3 && last == 2)
        #expect(dropped == bytes.count - offsets[2])
        #expect(removed == [later])
        #expect(!FileManager.default.fileExists(atPath: later))
        #expect(try LogRecovery.recover(directory: dir.path) == .clean(lastIndex: 2))
    }

    @Test func partialRecordInANonLastSegmentIsCorruptNotTruncated() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let (file, _, bytes) = try dir.writeSegment(first: 1, count: 3)
        try Data(bytes.dropLast(5)).write(to: URL(fileURLWithPath: file))
        try dir.writeSegment(first: 3, count: 2)
        guard case .corrupt(let badFile, _, let index, _) = try LogRecovery.recover(directory: dir.path) else {
            Issue.record("expected corrupt")
            return
        }
        #expect(badFile == file && index == 3)
    }

    @Test func gapBetweenSegmentsIsCorrupt() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        try dir.writeSegment(first: 1, count: 3)
        let (second, _, _) = try dir.writeSegment(first: 5, count: 2)
        let outcome = try LogRecovery.recover(directory: dir.path)
        #expect(outcome == .corrupt(file: second, offset: 0, recordIndex: 4,
                                    reason: "segment starts at index 5 but the log continues at 4"))
    }

    @Test func tornHeaderOfTheLastSegmentRemovesIt() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        try dir.writeSegment(first: 1, count: 3)
        let torn = dir.path + "/" + LogSegments.fileName(firstIndex: 4)
        try Data("SWITCHBOARD-LO".utf8).write(to: URL(fileURLWithPath: torn))
        #expect(try LogRecovery.recover(directory: dir.path) == .truncatedTail(file: torn, offset: 0, bytesDropped: 14, lastIndex: 3))
        #expect(!FileManager.default.fileExists(atPath: torn))
    }
}
