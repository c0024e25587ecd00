import Glibc

/// The state of one event loop, owned by the loop's thread: nothing here is touched by any
/// other thread. Other threads reach it only through `EventLoop.execute`, whose tasks receive
/// it as an argument on the loop thread. (The one exception: `EventLoop.stop()` on a loop that
/// never started uses a fresh core on the caller's thread, when no loop thread exists.)
final class LoopCore {
    static let wakeToken: UInt64 = 0
    /// One read per readable socket and iteration fills at most this much.
    static let readBufferSize = 64 * 1024
    /// Reads of a full buffer in a row before moving on to the other sockets.
    static let readsPerWakeup = 4
    static let maximumEvents = 256

    /// What a token in an epoll event stands for.
    enum Registration {
        case connection(ConnectionSlot)
        case listener(ListenerSlot)
        case connecting(PendingConnect)
    }

    /// A batch being filled in this iteration, for one handler.
    struct PendingBatch {
        let handler: InboundHandler
        var batch = InboundBatch()
    }

    let loop: EventLoop
    let functions: Linux.Functions
    /// Monotonic nanoseconds at the start of this iteration.
    var now: UInt64
    var registry: [UInt64: Registration] = [:]
    var listeners: [UInt64: ListenerSlot] = [:]
    /// Closed listeners whose connections still have authentication deadlines to check.
    var retiredListeners: [ListenerSlot] = []
    /// Connections in a graceful close, by id (they have a deadline).
    var closing: [UInt64: ConnectionSlot] = [:]
    /// Client connects in progress, by id (they have a deadline).
    var connecting: [UInt64: PendingConnect] = [:]
    /// This iteration's batches, one per handler.
    var pending: [PendingBatch] = []
    /// Emptied batches whose storage the next iterations reuse: a batch is several arrays,
    /// and growing them from nothing every iteration was most of a small batch's allocations.
    private var spareBatches: [InboundBatch] = []
    /// The storage of the last iteration's `pending`, for the next one.
    private var sparePending: [PendingBatch] = []
    /// Counts iterations, so that a slot knows whether its batch position is current.
    var generation: UInt64 = 1
    let readBuffer: UnsafeMutableBufferPointer<UInt8>
    private let eventBuffer: UnsafeMutableRawPointer

    init(loop: EventLoop) {
        self.loop = loop
        self.functions = loop.functions
        self.now = Posix.monotonicNanoseconds()
        self.readBuffer = .allocate(capacity: Self.readBufferSize)
        self.eventBuffer = .allocate(byteCount: Self.maximumEvents * Linux.epollEventSize, alignment: 8)
    }

    deinit {
        readBuffer.deallocate()
        eventBuffer.deallocate()
    }

    // MARK: - One iteration

    /// Waits for events (or the next timer), handles them, runs queued tasks and timers, and
    /// hands each handler its batch.
    func iterate() {
        let count = functions.epollWait(loop.epollFD, eventBuffer, Int32(Self.maximumEvents), pollTimeout())
        let failure = count < 0 ? errno : 0
        now = Posix.monotonicNanoseconds()
        for index in 0..<Int(max(0, count)) {
            let (events, token) = Linux.event(eventBuffer, index)
            handle(events: events, token: token)
        }
        if failure != 0 && failure != EINTR {
            // Only a broken epoll descriptor gets here; stop rather than spin.
            loop.stop()
        }
        for task in loop.takeTasks() { task(self) }
        runTimers()
        deliver()
    }

    private func handle(events: UInt32, token: UInt64) {
        if token == Self.wakeToken {
            var value: UInt64 = 0
            _ = Glibc.read(loop.wakeFD, &value, 8)
            return
        }
        switch registry[token] {
        case .connection(let slot):
            if events & Linux.epollOut != 0 {
                flushOutbound(slot)
                if slot.isClosed { return }
            }
            if events & (Linux.epollIn | Linux.epollHup | Linux.epollErr | Linux.epollRdHup) != 0 {
                readInbound(slot)
            }
        case .listener(let listener):
            acceptConnections(listener)
        case .connecting(let connect):
            finishConnect(connect)
        case nil:
            break // a descriptor closed earlier in this iteration
        }
    }

    /// Hands each handler its batch and starts a new generation.
    func deliver() {
        guard !pending.isEmpty else { return }
        // Handlers may close connections, which adds to the next iteration's `pending`.
        var batches: [PendingBatch] = []
        swap(&batches, &sparePending)
        swap(&batches, &pending)
        generation &+= 1
        for batch in batches where !batch.batch.isEmpty {
            batch.handler.body(batch.batch)
        }
        // A handler that kept its batch shares the storage; emptying the copy here then
        // allocates anew, which costs what not reusing it would have.
        for position in batches.indices where spareBatches.count < 4 && batches[position].batch.byteCapacity <= 1 << 20 {
            batches[position].batch.removeAll()
            spareBatches.append(batches[position].batch)
        }
        batches.removeAll(keepingCapacity: true)
        sparePending = batches
    }

    /// Where `slot`'s items go in this iteration: its handler's batch, and its index there.
    func batchPosition(for slot: ConnectionSlot) -> (batch: Int, connection: UInt32) {
        if slot.batchGeneration != generation {
            let index: Int
            if let found = pending.firstIndex(where: { $0.handler === slot.handler }) {
                index = found
            } else {
                pending.append(PendingBatch(handler: slot.handler, batch: spareBatches.popLast() ?? InboundBatch()))
                index = pending.count - 1
            }
            slot.batchGeneration = generation
            slot.batchIndex = index
            slot.batchConnection = pending[index].batch.addConnection(slot.connection)
        }
        return (slot.batchIndex, slot.batchConnection)
    }

    // MARK: - Timers

    /// Milliseconds until the nearest deadline, or -1 (wait for events only).
    private func pollTimeout() -> Int32 {
        var next = UInt64.max
        for listener in listeners.values {
            if let until = listener.pausedUntil { next = min(next, until) }
            if let deadline = listener.nextIdleDeadline { next = min(next, deadline) }
        }
        for listener in retiredListeners {
            if let deadline = listener.nextIdleDeadline { next = min(next, deadline) }
        }
        for slot in closing.values { next = min(next, slot.closeDeadline ?? .max) }
        for connect in connecting.values { next = min(next, connect.deadline) }
        guard next != .max else { return -1 }
        let current = Posix.monotonicNanoseconds()
        guard next > current else { return 0 }
        return Int32(min((next - current + 999_999) / 1_000_000, 60_000))
    }

    private func runTimers() {
        for listener in listeners.values {
            if let until = listener.pausedUntil, until <= now { resumeAccepting(listener) }
            expireUnauthenticated(listener)
        }
        if !retiredListeners.isEmpty {
            for listener in retiredListeners { expireUnauthenticated(listener) }
            retiredListeners.removeAll { $0.nextIdleDeadline == nil }
        }
        if !closing.isEmpty {
            for slot in closing.values where (slot.closeDeadline ?? .max) <= now {
                closeConnection(slot, reason: .closedLocally)
            }
        }
        if !connecting.isEmpty {
            for connect in connecting.values where connect.deadline <= now {
                failConnect(connect, ConnectFailure(.timedOut, "timed out"))
            }
        }
    }

    // MARK: - Shutdown

    /// Runs the work still queued, closes every connection (`.serverStopped`), listener and
    /// pending connect, and delivers the last batches; again, until no work is left, and only
    /// then refuses more. So nothing queued to the loop (an actor's job included) runs on
    /// another thread while this one still runs handlers.
    func shutdown() {
        repeat {
            for task in loop.takeTasks() { task(self) }
            now = Posix.monotonicNanoseconds()
            for registration in Array(registry.values) {
                switch registration {
                case .connection(let slot):
                    closeConnection(slot, reason: .serverStopped)
                case .listener(let listener):
                    removeListener(id: listener.id)
                case .connecting(let connect):
                    failConnect(connect, ConnectFailure(.loopStopped, "the event loop stopped"))
                }
            }
            deliver()
        } while !loop.closeQueueIfEmpty()
    }
}
