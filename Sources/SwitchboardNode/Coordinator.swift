import Foundation
import SwitchboardCore
import SwitchboardProtocol
import SwitchboardTransport

/// What reaches the coordinator: batches of lines and connection events from the transport,
/// and the timer that drives `tick`.
enum NodeInput: Sendable {
    case batch(InboundBatch)
    case timer
    case stop
}

/// Owns the routing engine on a node. Every state change goes one way: a request becomes a
/// command, the command is proposed, and once committed it is applied and answered. For now
/// a command commits as soon as it is proposed; the durable log and then Raft plug into
/// `commit(_:)` without changing the callers.
///
/// The coordinator takes whole batches (all lines one event-loop turn read), so it costs one
/// actor hop per batch, not per request.
actor Coordinator {
    let configuration: NodeConfiguration
    let log: Log
    let tokens: TokenTable
    let startedAt = Date()
    var engine: RoutingEngine
    var sessions: [UInt64: Session] = [:]
    /// The session of each agent logged in on this node, by agent.
    var agentSessions: [AgentID: AgentSession] = [:]
    /// Pushes decided during the current batch, per agent, handed to the sessions at its end.
    var pendingPushes: [AgentID: [Push]] = [:]
    var outbound = OutboundLines()
    var events: [Event] = []
    var limits: ProtocolLimits

    init(configuration: NodeConfiguration, log: Log) throws(EngineError) {
        self.configuration = configuration
        self.log = log
        tokens = TokenTable(configuration.tokens.map { ($0.token, $0.role) })
        limits = ProtocolLimits(maximumLineBytes: configuration.maximumLineBytes)
        engine = RoutingEngine(policy: configuration.policy)
        let now = Self.clock()
        for queue in configuration.queues {
            _ = try engine.apply(.upsertQueue(queue), at: now)
        }
    }

    /// Wall-clock time in milliseconds: the leader stamps every command with it.
    static func clock() -> Timestamp {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Timestamp(milliseconds: Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000)
    }

    /// Consumes inputs until the stream ends or `.stop` arrives.
    func run(_ inputs: AsyncStream<NodeInput>) async {
        for await input in inputs {
            switch input {
            case .batch(let batch): handle(batch)
            case .timer: tickIfDue()
            case .stop:
                for session in agentSessions.values { session.close() }
                return
            }
        }
    }

    /// The number of open client connections.
    var connectionCount: Int { sessions.count }

    // MARK: - Batches

    func handle(_ batch: InboundBatch) {
        let now = Self.clock()
        batch.forEachItem { item, bytes in
            switch item.event {
            case .opened:
                sessions[item.connection.id] = Session(connection: item.connection, role: tokens.isEmpty ? .admin : nil)
                log.debug("connection opened [\(item.connection.id)] from [\(item.connection.peer)]")
            case .line:
                guard let session = sessions[item.connection.id], !session.closing else { return }
                handleLine(bytes, on: item.connection, at: now)
            case .oversizedLine:
                guard let session = sessions[item.connection.id], !session.closing else { return }
                let error = ProtocolError(.lineTooLong, "line is over the limit of \(configuration.maximumLineBytes) bytes")
                outbound.append(item.connection, Reply.error(error).lines)
                log.warning("client error [\(item.connection.id)] [\(error.code.rawValue)]")
            case .closed(let reason):
                connectionClosed(item.connection, reason: reason, at: now)
            }
        }
        flush()
    }

    /// Sends the batch's replies and hands each agent session its pushes (pushes for an agent
    /// with no session on this node are dropped: its desk will see the state when it logs in).
    func flush() {
        outbound.flush()
        for (agent, pushes) in pendingPushes {
            agentSessions[agent]?.deliver(pushes)
        }
        pendingPushes.removeAll(keepingCapacity: true)
    }

    /// Ends an agent's session here, after handing it the pushes decided so far.
    func endSession(of agent: AgentID) {
        guard let session = agentSessions.removeValue(forKey: agent) else { return }
        if let pushes = pendingPushes.removeValue(forKey: agent) { session.deliver(pushes) }
        sessions[session.connection.id]?.agent = nil
        session.close()
    }

    private func handleLine(_ bytes: UnsafeBufferPointer<UInt8>, on connection: Connection, at now: Timestamp) {
        let request: Request
        do {
            guard let line = try LineParser.parse(bytes, limits: limits) else { return }
            request = try Request(line)
        } catch {
            outbound.append(connection, Reply.error(error).lines)
            log.warning("client error [\(connection.id)] [\(error.code.rawValue)]")
            if error.code == .httpNotSupported { close(connection) }
            return
        }
        let reply = respond(to: request, on: connection, at: now)
        outbound.append(connection, reply.lines)
        if case .quit = request { close(connection) }
    }

    /// Closes a connection once its replies so far are sent, and reads nothing more from it.
    func close(_ connection: Connection) {
        sessions[connection.id]?.closing = true
        outbound.closeAfterFlush(connection)
    }

    private func connectionClosed(_ connection: Connection, reason: CloseReason, at now: Timestamp) {
        guard let session = sessions.removeValue(forKey: connection.id) else { return }
        switch reason {
        case .slowReader, .error, .idleTimeout: log.warning("connection closed [\(connection.id)] [\(reason)]")
        default: log.debug("connection closed [\(connection.id)] [\(reason)]")
        }
        guard let agent = session.agent, let agentSession = agentSessions[agent], agentSession.connection === connection else { return }
        endSession(of: agent)
        log.info("agent session lost [\(agent)] [\(reason)]")
        _ = execute(.nodeDown(session.tag(node: configuration.id)), at: now, suppressing: nil)
    }

    // MARK: - Time

    func tickIfDue() {
        let now = Self.clock()
        guard let due = engine.nextDeadline(), due <= now else { return }
        _ = execute(.tick, at: now, suppressing: nil)
        flush()
    }
}
