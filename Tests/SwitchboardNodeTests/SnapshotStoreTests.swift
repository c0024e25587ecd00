import Foundation
import Glibc
import SwitchboardCore
import Testing
@testable import SwitchboardNode
import SwitchboardLog

/// Snapshot files are written a slice at a time (each on disk before the next); what lands
/// under the snapshot's name must be the whole file, whatever the slicing.
@Suite struct SnapshotStoreTests {
    @Test func syncFileRangeIsFoundAndSyncsARangeOfAFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sfr-\(UUID().uuidString)").path
        defer { unlink(path) }
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        try #require(fd >= 0)
        defer { close(fd) }
        let bytes = [UInt8](repeating: 0x61, count: 8192)
        #expect(bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) } == 8192)
        #expect(SyncFileRange.writeAndWait(fd, offset: 0, count: 8192) == .written)
    }

    @Test func syncFileRangeOnAPipeIsReportedAsUnsupportedNotAsAFailure() throws {
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        defer { close(ends[0]); close(ends[1]) }
        #expect(SyncFileRange.writeAndWait(ends[1], offset: 0, count: 1) == .unsupported)
    }

    @Test(arguments: [0, 1, SnapshotStore.sliceBytes - 200, SnapshotStore.sliceBytes * 3 + 17])
    func aSnapshotOfAnySizeIsWrittenWholeAndReadsBack(extra: Int) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("snap-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var engine = RoutingEngine()
        _ = try engine.apply(.upsertQueue(QueueConfig(name: "hosting")), at: Timestamp(milliseconds: 1))
        for n in 0..<(extra / 200) {
            _ = try engine.apply(.submit(TicketSubmission(customer: "c\(n)", channel: .email, queue: "hosting",
                                                          subject: String(repeating: "s", count: 150))), at: Timestamp(milliseconds: 2))
        }
        try SnapshotStore.write(engine.snapshot(), index: 42, directory: directory)
        let restored = try #require(SnapshotStore.newest(directory, log: Log(minimum: .error)))
        #expect(restored.index == 42)
        #expect(restored.engine.digest == engine.digest)
    }
}
