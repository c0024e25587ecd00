import Foundation
import SwitchboardCore
import SwitchboardLog
import SwitchboardProtocol

/// What recovery rebuilt from a data directory.
public struct RecoveredFloor: Sendable {
    /// The floor as of `appliedIndex`.
    public var engine: RoutingEngine
    /// The last log index the engine reflects, from the snapshot or a replayed record.
    public var appliedIndex: UInt64
    /// The index the loaded snapshot covers; 0 when none was loaded.
    public var snapshotIndex: UInt64
    /// Log records replayed on top of the snapshot.
    public var replayedRecords: Int
}

/// The node's durable half at start: recovers the floor from the log in the data directory
/// and opens the log for appending.
public enum NodeStorage {
    /// Why the node cannot start from its data directory.
    struct StartError: Error, CustomStringConvertible {
        let description: String
    }

    /// Loads the newest snapshot and replays the log records after it: what a node does at
    /// start, reachable on its own so that `switchboard-bench replay` times the real path.
    ///
    /// - Parameters:
    ///   - dataDirectory: the node's data directory (the log is in its `log` folder).
    ///   - repair: truncate the log at a damaged record instead of refusing to start.
    ///   - log: where to say what was loaded, truncated or repaired.
    /// - Returns: the recovered floor and the last index it reflects.
    /// - Throws: an error whose description says what is wrong and what to do.
    public static func recover(dataDirectory: String, repair: Bool, log: Log) throws -> RecoveredFloor {
        let directory = logDirectory(dataDirectory)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw StartError(description: "cannot create the data directory [\(directory)]: \(error.localizedDescription)")
        }
        var engine = RoutingEngine()
        var snapshotIndex: UInt64 = 0
        if let snapshot = SnapshotStore.newest(SnapshotStore.directory(dataDirectory), log: log) {
            (snapshotIndex, engine) = (snapshot.index, snapshot.engine)
            log.info("loaded snapshot at index [\(snapshotIndex)] digest [\(String(format: "%016llx", engine.digest))]")
        }
        var replayed = 0
        var firstSeen: UInt64?
        let applier = ReplayApplier(engine: engine)
        var chunk: [LogEntry] = []
        chunk.reserveCapacity(ReplayApplier.chunkSize)
        let outcome: RecoveryOutcome
        do {
            outcome = try LogRecovery.recoverInPlace(directory: directory, repair: repair) { record in
                if firstSeen == nil {
                    firstSeen = record.index
                    guard record.index <= snapshotIndex + 1 else {
                        throw StartError(description: "the log starts at index \(record.index) but the snapshot covers only up to \(snapshotIndex): "
                            + "records in between are missing. Restore the data directory from a backup.")
                    }
                }
                guard record.index > snapshotIndex else { return }  // the snapshot has it
                guard let entry = try record.entry() else {
                    throw StartError(description: "log record \(record.index) is empty")
                }
                chunk.append(entry)
                if chunk.count == ReplayApplier.chunkSize {
                    applier.submit(chunk)
                    chunk.removeAll(keepingCapacity: true)
                }
                replayed += 1
            }
            applier.submit(chunk)
            engine = applier.finish()
        } catch let error as StartError {
            _ = applier.finish()
            throw error
        } catch {
            _ = applier.finish()
            throw StartError(description: "cannot read the log in [\(directory)]: \(error)")
        }
        let lastIndex: UInt64
        switch outcome {
        case .clean(let last):
            lastIndex = last
        case .truncatedTail(let file, let offset, let dropped, let last):
            log.warning("log tail truncated [\(file)] at offset [\(offset)] dropping [\(dropped)] bytes of a partial record or of zeros written ahead")
            lastIndex = last
        case .corrupt(let file, let offset, let record, let reason):
            throw StartError(description: "the log is damaged in [\(file)] at offset \(offset), record \(record): \(reason). "
                + "Restore the data directory from a backup, or start with --repair to drop that record and everything after it.")
        case .repaired(let file, let offset, let record, let reason, let dropped, let removed, let last):
            log.warning("log repaired [\(file)] at offset [\(offset)] record [\(record)] (\(reason)): dropped [\(dropped)] bytes and segments \(removed)")
            lastIndex = last
        }
        let applied = max(lastIndex, snapshotIndex)
        log.info("recovered [\(replayed)] log records up to index [\(applied)] digest [\(String(format: "%016llx", engine.digest))]")
        return RecoveredFloor(engine: engine, appliedIndex: applied, snapshotIndex: snapshotIndex, replayedRecords: replayed)
    }

    /// Recovers the floor (see `recover`) and opens the log for appending after it.
    static func open(_ configuration: NodeConfiguration, log: Log, fileSystem: (any LogFileSystem)?) throws -> (RoutingEngine, UInt64, LogWriter) {
        let recovered = try recover(dataDirectory: configuration.dataDirectory, repair: configuration.repair, log: log)
        let directory = logDirectory(configuration.dataDirectory)
        var options = LogWriterOptions(fsync: configuration.fsync)
        if let fileSystem { options.fileSystem = fileSystem }
        do {
            return (recovered.engine, recovered.appliedIndex,
                    try LogWriter(directory: directory, nextIndex: recovered.appliedIndex + 1, options: options))
        } catch {
            throw StartError(description: "cannot open the log in [\(directory)] for writing: \(error)")
        }
    }

    /// The log's folder in a data directory.
    public static func logDirectory(_ dataDirectory: String) -> String {
        (dataDirectory as NSString).appendingPathComponent("log")
    }

    /// What the configuration asks for that the recovered floor does not have yet (queues,
    /// policy), and the sessions this node held before it stopped, which are gone now.
    static func startupCommands(_ configuration: NodeConfiguration, engine: RoutingEngine) -> [Command] {
        var commands: [Command] = []
        if engine.policy != configuration.policy { commands.append(.setPolicy(configuration.policy)) }
        for queue in configuration.queues where engine.queue(queue.name)?.config != queue {
            commands.append(.upsertQueue(queue))
        }
        if engine.agentList().contains(where: { !$0.sessionLost && $0.status != .offline && RoutingEngine.session($0.session, belongsTo: configuration.id) }) {
            commands.append(.nodeDown(configuration.id))
        }
        return commands
    }
}
