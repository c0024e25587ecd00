import Foundation
import Synchronization
import SwitchboardCore
import SwitchboardLog
import SwitchboardProtocol

extension Coordinator {
    /// Encodes the engine as of `appliedIndex`, here (an on-demand `SNAPSHOT`, answered once the
    /// file is on disk).
    func encodeSnapshot() -> (index: UInt64, bytes: [UInt8], pauseMs: Double) {
        let start = ContinuousClock.now
        let bytes = engine.snapshot()
        return (appliedIndex, bytes, Coordinator.milliseconds(ContinuousClock.now - start))
    }

    /// Writes a snapshot file and drops the log segments it covers. One store at a time: an
    /// on-demand snapshot at the same index as a background one would otherwise share its
    /// temporary file, and two deletions of covered segments would race.
    nonisolated static func store(_ bytes: [UInt8], index: UInt64, configuration: NodeConfiguration) throws {
        try storing.withLock { _ in try storeAlone(bytes, index: index, configuration: configuration) }
    }

    private nonisolated static let storing = Mutex(())

    private nonisolated static func storeAlone(_ bytes: [UInt8], index: UInt64, configuration: NodeConfiguration) throws {
        try SnapshotStore.write(bytes, index: index, directory: SnapshotStore.directory(configuration.dataDirectory))
        let logDirectory = (configuration.dataDirectory as NSString).appendingPathComponent("log")
        try LogSegments.removeCovered(directory: logDirectory, upTo: index)
    }

    /// An automatic snapshot, off the hot path: the engine is a value, so the coordinator
    /// hands a copy to a background task that encodes and writes it, and goes on. What the
    /// coordinator pays is copy-on-write: the first changes after the copy duplicate the
    /// tables they touch. The longest batch applied meanwhile is logged as the pause.
    func snapshotInBackground() {
        snapshotting = true
        longestBatchDuringSnapshotMs = 0
        let engine = self.engine
        let index = appliedIndex
        let mark = snapshotSchedule.began()
        let configuration = self.configuration
        let log = self.log
        backgroundSnapshot = Task.detached {
            // Encoding and writing run at idle priority: see `IdlePriorityThread`.
            let outcome = await IdlePriorityThread.run(named: "switchboard-snap") { () -> Result<(bytes: Int, encodeMs: Double), any Error> in
                Result {
                    let start = ContinuousClock.now
                    let bytes = engine.snapshot()
                    let encodeMs = Coordinator.milliseconds(ContinuousClock.now - start)
                    try Coordinator.store(bytes, index: index, configuration: configuration)
                    return (bytes.count, encodeMs)
                }
            }
            switch outcome {
            case .success(let written):
                let pause = await self.snapshotDone((index, written.bytes, mark))
                log.info("snapshot [\(index)] bytes [\(written.bytes)] encoded off the loop in [\(String(format: "%.1f", written.encodeMs)) ms] longest batch meanwhile [\(String(format: "%.2f", pause)) ms]")
            case .failure(let error):
                log.error("snapshot [\(index)] failed: \(error)")
                await self.snapshotDone(nil)
            }
        }
    }

    /// Waits for a background snapshot still being written (the node is stopping: it must not
    /// touch the data directory once the node lets it go).
    func finishBackgroundSnapshot() async {
        await backgroundSnapshot?.value
    }

    /// Notes how long a batch applied while a background snapshot runs took: the copy-on-write
    /// of the engine's tables lands in such batches, and is the only pause the snapshot causes.
    func noteBatchDuringSnapshot(_ duration: Duration) {
        longestBatchDuringSnapshotMs = max(longestBatchDuringSnapshotMs, Coordinator.milliseconds(duration))
    }

    nonisolated static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }

    /// - Returns: the longest batch applied while the snapshot ran, in milliseconds.
    /// - Parameter written: the snapshot stored (its index, size and schedule mark), or nil
    ///   when it failed.
    @discardableResult
    private func snapshotDone(_ written: (index: UInt64, bytes: Int, mark: Int)?) -> Double {
        snapshotting = false
        lastSnapshotPauseMs = longestBatchDuringSnapshotMs
        if let written {
            snapshotIndex = max(snapshotIndex, written.index)
            snapshotSchedule.written(bytes: written.bytes, mark: written.mark)
        }
        return lastSnapshotPauseMs
    }

    /// `SNAPSHOT`: takes one now and answers when it is on disk.
    func snapshotNow() -> Reply {
        let mark = snapshotSchedule.began()
        let snapshot = encodeSnapshot()
        do {
            try Coordinator.store(snapshot.bytes, index: snapshot.index, configuration: configuration)
        } catch {
            log.error("snapshot [\(snapshot.index)] failed: \(error)")
            return .error(ProtocolError(.unavailable, "snapshot failed: \(error)"))
        }
        snapshotIndex = max(snapshotIndex, snapshot.index)
        snapshotSchedule.written(bytes: snapshot.bytes.count, mark: mark)
        log.info("snapshot [\(snapshot.index)] bytes [\(snapshot.bytes.count)] pause [\(String(format: "%.1f", snapshot.pauseMs)) ms] on request")
        return .ok([.init("index", String(snapshot.index)), .init("bytes", String(snapshot.bytes.count)),
                    .init("pause_ms", String(format: "%.1f", snapshot.pauseMs))])
    }
}
