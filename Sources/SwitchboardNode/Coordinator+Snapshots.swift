import Foundation
import SwitchboardCore
import SwitchboardLog
import SwitchboardProtocol

extension Coordinator {
    /// Encodes the engine as of `appliedIndex`. This is the only part that holds up the
    /// coordinator; writing the file happens off it (or, on demand, right after).
    func encodeSnapshot() -> (index: UInt64, bytes: [UInt8], pauseMs: Double) {
        let start = ContinuousClock.now
        let bytes = engine.snapshot()
        let pause = ContinuousClock.now - start
        let ms = Double(pause.components.seconds) * 1000 + Double(pause.components.attoseconds) / 1e15
        return (appliedIndex, bytes, ms)
    }

    /// Writes a snapshot file and drops the log segments it covers.
    nonisolated static func store(_ bytes: [UInt8], index: UInt64, configuration: NodeConfiguration) throws {
        try SnapshotStore.write(bytes, index: index, directory: SnapshotStore.directory(configuration.dataDirectory))
        let logDirectory = (configuration.dataDirectory as NSString).appendingPathComponent("log")
        try LogSegments.removeCovered(directory: logDirectory, upTo: index)
    }

    /// An automatic snapshot: encoded here, written by a background task.
    func snapshotInBackground() {
        let snapshot = encodeSnapshot()
        snapshotting = true
        let configuration = self.configuration
        let log = self.log
        Task.detached {
            do {
                try Coordinator.store(snapshot.bytes, index: snapshot.index, configuration: configuration)
                log.info("snapshot [\(snapshot.index)] bytes [\(snapshot.bytes.count)] pause [\(String(format: "%.1f", snapshot.pauseMs)) ms]")
                await self.snapshotDone(at: snapshot.index)
            } catch {
                log.error("snapshot [\(snapshot.index)] failed: \(error)")
                await self.snapshotDone(at: nil)
            }
        }
    }

    private func snapshotDone(at index: UInt64?) {
        snapshotting = false
        if let index { snapshotIndex = max(snapshotIndex, index) }
    }

    /// `SNAPSHOT`: takes one now and answers when it is on disk.
    func snapshotNow() -> Reply {
        let snapshot = encodeSnapshot()
        do {
            try Coordinator.store(snapshot.bytes, index: snapshot.index, configuration: configuration)
        } catch {
            log.error("snapshot [\(snapshot.index)] failed: \(error)")
            return .error(ProtocolError(.unavailable, "snapshot failed: \(error)"))
        }
        snapshotIndex = max(snapshotIndex, snapshot.index)
        log.info("snapshot [\(snapshot.index)] bytes [\(snapshot.bytes.count)] pause [\(String(format: "%.1f", snapshot.pauseMs)) ms] on request")
        return .ok([.init("index", String(snapshot.index)), .init("bytes", String(snapshot.bytes.count)),
                    .init("pause_ms", String(format: "%.1f", snapshot.pauseMs))])
    }
}
