import Foundation
@testable import SwitchboardLog

/// A fresh directory under the temporary directory, removed by `remove()`.
struct TempDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("switchboard-log-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }

    /// Writes a segment of records `first..<first+count` by hand; returns the path and the offsets of each record.
    @discardableResult
    func writeSegment(first: UInt64, count: Int, term: UInt64 = 1) throws -> (path: String, offsets: [Int], bytes: [UInt8]) {
        var bytes = SegmentHeader(firstIndex: first).encoded()
        var offsets: [Int] = []
        for i in 0..<count {
            offsets.append(bytes.count)
            let index = first + UInt64(i)
            try LogRecord(index: index, term: term, payload: Array("ticket.open id=\(index) queue=support".utf8)).encode(into: &bytes)
        }
        let file = path + "/" + LogSegments.fileName(firstIndex: first)
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        return (file, offsets, bytes)
    }

    func fileSize(_ file: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? -1
    }
}

/// Collects recovered records.
final class Collected: @unchecked Sendable {
    // @unchecked Sendable: used from one test thread only.
    var records: [LogRecord] = []
}
