import Foundation
import SwitchboardCore
import SwitchboardLog
import SwitchboardProtocol
import SwitchboardTransport

/// A planned batch waiting for its commands to be durable before it is applied and answered.
struct PendingBatch {
    var steps: [PlannedStep]
    let time: Timestamp
    /// The log index of its first command (if it has one).
    let firstIndex: UInt64
    /// The log index of its last command (or of the last command before it, if it has none).
    let lastIndex: UInt64
}

/// Owns the routing engine on a node. Every state change goes one way: a request becomes a
/// command, the command is proposed (appended to the log), and once committed (durable under
/// the fsync policy) it is applied and answered. Raft will change what "committed" means, not
/// the callers.
///
/// The coordinator takes whole batches (all lines one event-loop turn read): it plans every
/// request of the batch, commits the batch's commands together (one fsync for all of them:
/// group commit), then applies them in order and answers. One commit per batch, not per
/// request; while a commit's fsync runs, the next batch gathers in the sockets.
///
/// The coordinator runs on the node's event loop (the loop is its executor): the loop hands
/// it each batch with a call, and the loop itself writes the batch to the log and, under
/// `always`, syncs it, as Redis does. The node's hot path is one thread: on two cores, handing
/// each batch to a writer thread and its commit back cost more in scheduling delay than the
/// sync itself (see `LogWriter`). With Raft, commits will come back from the followers as
/// inputs; `pendingBatches` holds the batches waiting for them.
actor Coordinator {
    /// The event loop the coordinator runs on.
    nonisolated let loop: EventLoop
    nonisolated var unownedExecutor: UnownedSerialExecutor { loop.asUnownedSerialExecutor() }
    let configuration: NodeConfiguration
    let log: Log
    let tokens: TokenTable
    let startedAt = Date()
    var engine: RoutingEngine
    var sessions: [UInt64: Session] = [:]
    /// The session of each agent logged in on this node, by agent.
    var agentSessions: [AgentID: AgentSession] = [:]
    /// Pushes decided during the current batch, per agent, handed to the sessions at its end.
    var pendingPushes = BatchTable<AgentID, [Push]>()
    /// Emptied push lists kept for the next batches.
    var sparePushLists: [[Push]] = []
    var outbound = OutboundLines()
    var events: [Event] = []
    var limits: ProtocolLimits
    /// Queue configs planned earlier in the current batch, so a later `QUEUE` line builds on them.
    var plannedQueues: [String: QueueConfig] = [:]
    /// Where committed commands go.
    let writer: LogWriter
    /// The log payloads of the batch being proposed (kept for its storage).
    var payloadBuffer = LogPayloads()
    /// Writes every reply, push and log record on the loop, one at a time, and is kept.
    var scratch = LineWriter(capacity: 1024)
    /// Called once if the log fails: the node must stop and acknowledge nothing more.
    let onFatal: @Sendable (String) -> Void
    var failed = false
    /// The log index of the last command applied to the engine.
    var appliedIndex: UInt64
    /// The index the last snapshot covers.
    var snapshotIndex: UInt64 = 0
    /// When the next automatic snapshot is due.
    var snapshotSchedule: SnapshotSchedule
    /// Whether an automatic snapshot is being written in the background.
    var snapshotting = false
    /// The task writing it.
    var backgroundSnapshot: Task<Void, Never>?
    /// The longest batch applied while the current background snapshot runs, in milliseconds.
    var longestBatchDuringSnapshotMs = 0.0
    /// The same for the last snapshot finished: the pause it caused.
    var lastSnapshotPauseMs = 0.0
    /// The index of the last command handed to the log.
    var appendedIndex: UInt64
    /// Batches appended to the log and waiting for it, oldest first: while one batch's fsync
    /// runs, the next batches are planned and appended, and their commands share the next
    /// fsync; they are applied and answered in order as the log catches up.
    var pendingBatches: [PendingBatch] = []
    /// Emptied step arrays kept for the next batches: one array per batch was an allocation
    /// per batch, and its growth several more.
    var spareSteps: [[PlannedStep]] = []
    /// Set when the node stops: nothing more is read or proposed.
    var stopped = false
    /// Numbers the answers computed off the loop.
    var offLoopAnswers: UInt64 = 0
    /// A tick is proposed and not applied yet: one at a time is enough.
    var tickPending = false

    /// A coordinator for an engine recovered from the log (up to `appliedIndex`), appending to `writer`.
    init(configuration: NodeConfiguration, log: Log, engine: RoutingEngine, appliedIndex: UInt64, writer: LogWriter,
         loop: EventLoop, onFatal: @escaping @Sendable (String) -> Void) {
        self.loop = loop
        self.configuration = configuration
        self.log = log
        tokens = TokenTable(configuration.tokens.map { ($0.token, $0.role) })
        limits = ProtocolLimits(maximumLineBytes: configuration.maximumLineBytes)
        self.engine = engine
        self.appliedIndex = appliedIndex
        self.appendedIndex = appliedIndex
        self.snapshotIndex = appliedIndex
        snapshotSchedule = SnapshotSchedule(every: configuration.snapshotEvery)
        self.writer = writer
        self.onFatal = onFatal
    }

    /// Wall-clock time in milliseconds: the leader stamps every command with it.
    static func clock() -> Timestamp {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Timestamp(milliseconds: Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000)
    }

    /// Stops reading and proposing: the node is shutting down.
    func shutdown() {
        stopped = true
    }

    /// The number of open client connections.
    var connectionCount: Int { sessions.count }

    // MARK: - Batches

    func handle(_ batch: InboundBatch) {
        guard !stopped else { return }
        guard !failed else {
            // The log failed: read nothing, answer nothing, keep no connection.
            for connection in batch.connections { connection.close() }
            return
        }
        var steps = spareSteps.popLast() ?? []
        for item in batch {
            switch item.event {
            case .opened:
                sessions[item.connection.id] = Session(connection: item.connection, role: tokens.isEmpty ? .admin : nil)
                log.debug("connection opened [\(item.connection.id)] from [\(item.connection.peer)]")
            case .line:
                guard let session = sessions[item.connection.id], !session.closing else { continue }
                let step = batch.withBytes(of: item) { bytes in planLine(bytes, on: item.connection) }
                if let step { steps.append(PlannedStep(connection: item.connection, step: step)) }
            case .oversizedLine:
                guard let session = sessions[item.connection.id], !session.closing else { continue }
                let error = ProtocolError(.lineTooLong, "line is over the limit of \(configuration.maximumLineBytes) bytes")
                steps.append(PlannedStep(connection: item.connection, step: .now(Reply.error(error))))
                log.warning("client error [\(item.connection.id)] [\(error.code.rawValue)]")
            case .closed(let reason):
                if let step = connectionClosed(item.connection, reason: reason) { steps.append(PlannedStep(connection: nil, step: step)) }
            }
        }
        propose(consume steps)
    }

    /// Appends the steps' commands to the log and, once they are durable, applies and answers
    /// them.
    func propose(_ steps: consuming [PlannedStep]) {
        guard !failed, !steps.isEmpty else { return }
        let time = Self.clock()
        // The writer encodes the records before `append` returns, so one buffer serves every batch.
        var payloads = LogPayloads()
        swap(&payloads, &payloadBuffer)
        defer { swap(&payloads, &payloadBuffer) }
        payloads.removeAll()
        for position in steps.indices {
            if case .later(let command?, _, _) = steps[position].step {
                LogEntry(time: time, command: command).write(into: &scratch)
                payloads.append(scratch)
                scratch.removeAll()
            }
        }
        snapshotSchedule.logged(bytes: payloads.bytes.count)
        if payloads.isEmpty && pendingBatches.isEmpty {
            perform(steps, at: time, firstIndex: appendedIndex + 1)  // nothing to wait for
            recycle(&steps)
            flush()
            return
        }
        let firstIndex = appendedIndex + 1
        // The steps move into the pending batch (`consume`): a copy left here kept their array
        // shared, and emptying it for reuse after the batch then allocated a new one.
        if payloads.isEmpty {
            pendingBatches.append(PendingBatch(steps: consume steps, time: time, firstIndex: firstIndex, lastIndex: appendedIndex))
        } else {
            // Written (and under `always` synced) on this thread: as durable as the policy
            // makes them, so answered now.
            do throws(LogWriterError) {
                appendedIndex = try writer.appendNow(term: 1, payloads: payloads)
            } catch {
                fail("the log failed: \(error); stopping without acknowledging anything more")
                return
            }
            pendingBatches.append(PendingBatch(steps: consume steps, time: time, firstIndex: firstIndex, lastIndex: appendedIndex))
            release(upTo: appendedIndex)
        }
    }

    /// Keeps a batch's emptied step array for a later batch (at most a few, none very large).
    private func recycle(_ steps: inout [PlannedStep]) {
        var emptied: [PlannedStep] = []
        swap(&emptied, &steps)
        emptied.removeAll(keepingCapacity: true)
        if spareSteps.count < 4 && emptied.capacity <= 4_096 { spareSteps.append(emptied) }
    }

    /// Applies and answers, in order, every pending batch the log has made durable.
    func release(upTo index: UInt64) {
        guard !failed else { return }
        let start = snapshotting ? ContinuousClock.now : nil
        var released = 0
        while released < pendingBatches.count && pendingBatches[released].lastIndex <= index {
            let batch = pendingBatches[released]
            perform(batch.steps, at: batch.time, firstIndex: batch.firstIndex)
            appliedIndex = max(appliedIndex, batch.lastIndex)
            released += 1
        }
        for position in 0..<released { recycle(&pendingBatches[position].steps) }
        pendingBatches.removeFirst(released)
        if pendingBatches.isEmpty { plannedQueues.removeAll(keepingCapacity: true) }
        if let start, released > 0 { noteBatchDuringSnapshot(ContinuousClock.now - start) }
        flush()
        snapshotIfDue()
    }

    /// Applies committed steps and queues their answers (sent at the next `flush`). The steps'
    /// commands have the log indexes from `firstIndex` on, in order; `appliedIndex` follows each
    /// one, so that a query later in the batch (a `SNAPSHOT`, a `STATUS`) names the index of
    /// the state it sees.
    private func perform(_ steps: [PlannedStep], at time: Timestamp, firstIndex: UInt64) {
        var index = firstIndex
        for position in steps.indices {
            let connection = steps[position].connection
            let reply: Reply?
            switch steps[position].step {
            case .now(let now): reply = now
            case .later(let command, let suppressing, let answer):
                let result: Result<[Event], EngineError>
                if let command {
                    result = apply(command, at: time, suppressing: suppressing)
                    appliedIndex = max(appliedIndex, index)
                    index += 1
                } else {
                    result = .success([])
                }
                reply = carryOut(answer, result, to: connection)
            case .offLoop(let prepare):
                let work = prepare()
                if let connection { startOffLoop(work, for: connection) }
                reply = nil
            }
            if let connection, let reply { emit(reply, to: connection) }
        }
    }

    /// Carries out a step's answer: the hot ones are written straight to the connection's
    /// output; the rest are returned as a reply.
    private func carryOut(_ answer: Answer, _ result: Result<[Event], EngineError>, to connection: Connection?) -> Reply? {
        let ticket: TicketID
        switch (answer, result) {
        case (.none, _): return nil
        case (.computed(let compute), _): return compute(result)
        case (_, .failure(let error)): return engineError(error)
        case (.ticket(let id), .success): ticket = id
        case (.created, .success(let events)):
            guard let id = events.lazy.compactMap({ if case .ticketCreated(let id) = $0 { id } else { nil } }).first else {
                return .error(ProtocolError(.unavailable, "ticket was not created"))
            }
            ticket = id
        }
        guard let connection else { return nil }
        writeTicketReply(ticket, into: &scratch)
        emit(scratch, to: connection)
        scratch.removeAll()
        return nil
    }

    /// Queues a reply for its connection: at once, or behind an answer still being computed.
    private func emit(_ reply: Reply, to connection: Connection) {
        reply.write(into: &scratch)
        emit(scratch, to: connection)
        scratch.removeAll()
    }

    /// Queues written output for its connection: at once, or behind an answer still being computed.
    private func emit(_ writer: borrowing LineWriter, to connection: Connection) {
        switch sessions[connection.id]?.held.isEmpty {
        case true?:
            outbound.append(connection, writer)
        case false?:
            sessions[connection.id]!.held.append(.ready(writer.bytes))
        case nil:
            break  // closed
        }
    }

    /// Runs off-loop work for a connection's request; its answer takes its place in the order.
    private func startOffLoop(_ work: @escaping @Sendable () -> Reply, for connection: Connection) {
        guard sessions[connection.id] != nil else { return }
        offLoopAnswers += 1
        let number = offLoopAnswers
        sessions[connection.id]!.held.append(.waiting(number))
        let id = connection.id
        Task.detached { [loop] in
            let reply = work()
            loop.schedule { self.assumeIsolated { $0.answered(number, reply, connection: id) } }
        }
    }

    /// An off-loop answer is ready: it and whatever waited behind it go out.
    private func answered(_ number: UInt64, _ reply: Reply, connection id: UInt64) {
        guard var session = sessions[id] else { return }  // the connection closed meanwhile
        var bytes: [UInt8] = []
        reply.write(to: &bytes)
        if let slot = session.held.firstIndex(where: { if case .waiting(number) = $0 { true } else { false } }) {
            session.held[slot] = .ready(bytes)
        }
        while case .ready(let bytes) = session.held.first {
            outbound.append(session.connection, bytes: bytes)
            session.held.removeFirst()
        }
        sessions[id] = session
        if session.closing && session.held.isEmpty { outbound.closeAfterFlush(session.connection) }
        flush()
    }

    private func snapshotIfDue() {
        if !snapshotting && snapshotSchedule.isDue(recordsSince: appliedIndex - snapshotIndex) {
            snapshotInBackground()
        }
    }

    /// Commits the steps' commands and waits for them, then applies them and answers: for the
    /// commands a node proposes at start, before it serves anyone.
    func carryOut(_ steps: [PlannedStep]) async {
        guard !failed, pendingBatches.isEmpty else { return }
        let now = Self.clock()
        var entries: [LogEntry] = []
        for planned in steps {
            if case .later(let command?, _, _) = planned.step { entries.append(LogEntry(time: now, command: command)) }
        }
        var firstIndex = appendedIndex + 1
        if !entries.isEmpty {
            do throws(LogWriterError) {
                appendedIndex = try await commit(entries)
                firstIndex = appendedIndex - UInt64(entries.count) + 1
            } catch {
                fail("the log failed: \(error); stopping without acknowledging anything more")
                return
            }
        }
        perform(steps, at: now, firstIndex: firstIndex)
        flush()
        snapshotIfDue()
    }

    /// Appends entries to the log and returns when the last is durable (under the fsync
    /// policy). The writer keeps them in order, so the last one's completion covers them all.
    func commit(_ entries: [LogEntry]) async throws(LogWriterError) -> UInt64 {
        let result: Result<UInt64, LogWriterError> = await withCheckedContinuation { continuation in
            for (position, entry) in entries.enumerated() {
                var payload: [UInt8] = []
                entry.write(to: &payload)
                if position == entries.count - 1 {
                    writer.append(term: 1, payload: payload) { continuation.resume(returning: $0) }
                } else {
                    writer.append(term: 1, payload: payload) { _ in }
                }
            }
        }
        return try result.get()
    }

    /// Flushes and closes the log at a clean stop.
    func closeLog() {
        do throws(LogWriterError) {
            try writer.close()
        } catch {
            if !failed { log.error("closing the log failed: \(error)") }
        }
    }

    /// The log failed: nothing decided from here on may be acknowledged. Drops what is
    /// pending, closes every connection, and tells the node to stop.
    func fail(_ message: String) {
        guard !failed else { return }
        failed = true
        log.error(message)
        for session in sessions.values { session.connection.close() }
        onFatal(message)
    }

    /// Sends the batch's replies and hands each agent session its pushes (pushes for an agent
    /// with no session on this node are dropped: its desk will see the state when it logs in).
    func flush() {
        // The sessions write into the batch's output; taken out of `self` for the call, so the
        // buffers are moved, not copied.
        var output = OutboundLines()
        swap(&output, &outbound)
        for (position, agent) in pendingPushes.keys.enumerated() {
            let pushes = pendingPushes[at: position]
            if !pushes.isEmpty { agentSessions[agent]?.deliver(pushes, into: &output, writer: &scratch) }
        }
        pendingPushes.removeAll { pushes in
            // The emptied lists serve the next batches: a new list per agent per batch was an allocation.
            if sparePushLists.count < 64 && pushes.capacity <= 64 {
                var emptied: [Push] = []
                swap(&emptied, &pushes)
                emptied.removeAll(keepingCapacity: true)
                sparePushLists.append(emptied)
            }
        }
        // A connection that is to close goes once everything it was answered is out; answers
        // still being computed off the loop hold it open until they are (see `answered`).
        output.closeAfterFlushWhere { id in sessions[id].map { $0.closing && $0.held.isEmpty } ?? false }
        output.flush()
        swap(&output, &outbound)
    }

    /// Ends an agent's session here, after handing it the pushes decided so far.
    func endSession(of agent: AgentID) {
        guard let session = agentSessions.removeValue(forKey: agent) else { return }
        if let position = pendingPushes.position(of: agent), !pendingPushes[at: position].isEmpty {
            let pushes = pendingPushes[at: position]
            pendingPushes[at: position] = []
            session.deliver(pushes, into: &outbound, writer: &scratch)
        }
        sessions[session.connection.id]?.agent = nil
    }

    private func planLine(_ bytes: UnsafeBufferPointer<UInt8>, on connection: Connection) -> Step? {
        let request: Request
        do {
            guard let parsed = try Request.parse(bytes, limits: limits) else { return nil }
            request = parsed
        } catch {
            log.warning("client error [\(connection.id)] [\(error.code.rawValue)]")
            if error.code == .httpNotSupported { sessions[connection.id]?.closing = true }
            return .now(Reply.error(error))
        }
        let step = plan(request, on: connection)
        if case .quit = request { sessions[connection.id]?.closing = true }
        return step
    }

    /// Forgets a closed connection. If it held an agent's session, that session is lost: the
    /// step proposes it to the engine (offers go back, grace periods start).
    private func connectionClosed(_ connection: Connection, reason: CloseReason) -> Step? {
        guard let session = sessions.removeValue(forKey: connection.id) else { return nil }
        switch reason {
        case .slowReader, .error, .idleTimeout: log.warning("connection closed [\(connection.id)] [\(reason)]")
        default: log.debug("connection closed [\(connection.id)] [\(reason)]")
        }
        guard let agent = session.agent, let agentSession = agentSessions[agent], agentSession.connection === connection else { return nil }
        endSession(of: agent)
        log.info("agent session lost [\(agent)] [\(reason)]")
        return .later(.nodeDown(session.tag(node: configuration.id)), nil, .none)
    }

    // MARK: - Time

    func tickIfDue() {
        guard !stopped, !tickPending, let due = engine.nextDeadline(), due <= Self.clock() else { return }
        tickPending = true
        let answer = Answer.computed { _ in
            self.tickPending = false
            return nil
        }
        propose([PlannedStep(connection: nil, step: .later(.tick, nil, answer))])
    }
}

extension Coordinator {
    /// `handle(batch)`, called on the loop's thread (the coordinator's executor) by the
    /// listener's handler. `assumeIsolated` does the same with two allocations a call (it boxes
    /// its closure to check that it did not escape), and a batch arrives every loop turn.
    nonisolated func handleOnLoop(_ batch: InboundBatch) {
        precondition(loop.inEventLoop, "a batch must be handed to the coordinator on its loop's thread")
        let isolatedHandle: (isolated Coordinator, InboundBatch) -> Void = { coordinator, batch in coordinator.handle(batch) }
        // The check above proves this thread is the coordinator's executor, which is all an
        // isolated parameter promises; the cast drops that promise from the type, as
        // `assumeIsolated` itself does. The closure captures nothing, so it costs no allocation.
        let handle = unsafeBitCast(isolatedHandle, to: ((Coordinator, InboundBatch) -> Void).self)
        handle(self, batch)
    }
}
