import Foundation
import SwitchboardProtocol
import Testing
@testable import SwitchboardLog

@Suite struct LogInspectionTests {
    /// A log of `count` records in one segment, written by hand in the documented format.
    private func makeLog(_ count: Int) throws -> (directory: String, file: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-inspect-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var bytes = Array("SWITCHBOARD-LOG 1 first=1\n".utf8)
        for index in 1...count {
            try LogRecord(index: UInt64(index), term: 1, payload: Array("TICK at=\(index)".utf8)).encode(into: &bytes)
        }
        let file = directory + "/" + LogSegments.fileName(firstIndex: 1)
        #expect(FileManager.default.createFile(atPath: file, contents: Data(bytes)))
        return (directory, file)
    }

    @Test func aWholeLogVerifiesWithItsCounts() throws {
        let (directory, _) = try makeLog(10)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let report = try LogInspection.verify(directory: directory)
        #expect(report.segments == 1 && report.records == 10 && report.firstIndex == 1 && report.lastIndex == 10)
        #expect(report.problem == nil)
    }

    @Test func aFlippedBitInTheMiddleIsFoundWithItsFileAndOffsetAndChangesNothing() throws {
        let (directory, file) = try makeLog(10)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var bytes = [UInt8](FileManager.default.contents(atPath: file)!)
        let fifth = bytes.indices.filter { bytes[$0] == 0x0A }[4] + 1  // start of record 5
        bytes[fifth + 12] ^= 0x01
        #expect(FileManager.default.createFile(atPath: file, contents: Data(bytes)))
        let report = try LogInspection.verify(directory: directory)
        #expect(report.isCorrupt)
        guard case .damaged(let damagedFile, let offset, let record, _) = report.problem else {
            Issue.record("expected damage, got \(String(describing: report.problem))")
            return
        }
        #expect(damagedFile == file && offset == fifth && record == 5)
        #expect(report.records == 4)
        #expect([UInt8](FileManager.default.contents(atPath: file)!) == bytes, "verify must not change the log")
    }

    @Test func aTornTailIsReportedButIsNotCorruption() throws {
        let (directory, file) = try makeLog(3)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let handle = try #require(FileHandle(forWritingAtPath: file))
        handle.seekToEndOfFile()
        handle.write(Data("4 1 0000".utf8))
        handle.closeFile()
        let report = try LogInspection.verify(directory: directory)
        #expect(!report.isCorrupt)
        guard case .tornTail(let tornFile, _, let bytes) = report.problem else {
            Issue.record("expected a torn tail, got \(String(describing: report.problem))")
            return
        }
        #expect(tornFile == file && bytes == 8 && report.records == 3)
    }
}
