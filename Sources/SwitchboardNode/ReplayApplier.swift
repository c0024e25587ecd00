import Foundation
import Synchronization
import SwitchboardCore
import SwitchboardProtocol

/// Applies recovered log entries to the engine on a thread of its own, in order, while the
/// caller reads, checks and parses the next ones: recovery's two halves overlap, so on two
/// cores a node replays at the speed of the slower half instead of the sum of both.
///
/// Entries go over in chunks (a few thousand at a time, at most `depth` chunks waiting) to keep
/// the hand-off cheap next to the work. `finish()` waits for the last chunk and returns the
/// engine; it must be called once, also when reading fails, so the thread ends.
final class ReplayApplier: Sendable {
    /// Entries per chunk.
    static let chunkSize = 4_096

    private let chunks = Mutex<[[LogEntry]?]>([])
    private let ready = DispatchSemaphore(value: 0)
    private let room: DispatchSemaphore
    private let done = DispatchSemaphore(value: 0)
    private let result = Mutex<RoutingEngine?>(nil)

    /// Starts the applying thread on `engine` (the floor as of the snapshot, or empty).
    init(engine: RoutingEngine, depth: Int = 4) {
        room = DispatchSemaphore(value: depth)
        let thread = Thread { [self] in run(engine) }
        thread.name = "switchboard-replay"
        thread.start()
    }

    /// Hands over a chunk; waits while `depth` chunks are already waiting.
    func submit(_ chunk: [LogEntry]) {
        guard !chunk.isEmpty else { return }
        room.wait()
        chunks.withLock { $0.append(chunk) }
        ready.signal()
    }

    /// Waits until every chunk handed over is applied; returns the engine.
    func finish() -> RoutingEngine {
        chunks.withLock { $0.append(nil) }
        ready.signal()
        done.wait()
        return result.withLock { $0! }
    }

    private func run(_ start: RoutingEngine) {
        var engine = start
        // Replay needs no events; one buffer, emptied after each command, spares an array per record.
        var events: [Event] = []
        while true {
            ready.wait()
            guard let chunk = chunks.withLock({ $0.removeFirst() }) else { break }
            for entry in chunk {
                // A command the engine refuses was refused when it was first applied too.
                try? engine.apply(entry.command, at: entry.time, into: &events)
                events.removeAll(keepingCapacity: true)
            }
            room.signal()
        }
        result.withLock { $0 = engine }
        done.signal()
    }
}
