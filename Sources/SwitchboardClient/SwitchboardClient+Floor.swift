import SwitchboardCore
import SwitchboardProtocol

/// Where a ticket stands after a write: the `OK ticket=… state=… [agent=…] tier=…` reply.
public struct TicketOutcome: Hashable, Sendable {
    public var ticket: TicketID
    public var state: TicketState
    /// The agent holding it (offer or assignment), if any.
    public var agent: AgentID?
    /// Its minimum tier now.
    public var tier: Int
}

/// The node and the floor in one line: the `STATUS` reply.
public struct NodeStatus: Hashable, Sendable {
    public var id: String
    public var uptimeSeconds: Int
    public var connections: Int
    public var agentsOnline: Int
    public var queued: Int
    public var offered: Int
    public var assigned: Int
    public var resolved: Int
    public var cancelled: Int
    public var breached: Int
    public var tickets: Int
    /// The state digest, 16 hex digits.
    public var digest: String
    /// The index of the last log record applied.
    public var appliedIndex: UInt64 = 0
    /// The log index the newest snapshot covers.
    public var snapshotIndex: UInt64 = 0
    /// The longest batch applied while the last automatic snapshot was written, in milliseconds.
    public var snapshotPauseMs: Double = 0
    /// Records this node process appended to its log, and the fsyncs it made.
    public var logRecords = 0
    public var logSyncs = 0
}

extension SwitchboardClient {
    /// `PING`.
    public func ping() async throws(ClientError) { try await call(.ping) }

    /// `SUBMIT`: a new ticket; where it went at once.
    public func submit(_ submission: TicketSubmission) async throws(ClientError) -> TicketOutcome {
        try outcome(try await call(.submit(submission)))
    }

    /// `CANCEL`.
    @discardableResult
    public func cancel(_ ticket: TicketID) async throws(ClientError) -> TicketOutcome {
        try outcome(try await call(.cancel(ticket)))
    }

    /// `LOGIN`: logs the agent in on this connection, which then receives its pushes.
    @discardableResult
    public func login(_ profile: AgentProfile) async throws(ClientError) -> AgentStatus {
        let reply = try await call(.login(profile))
        return try Self.field(reply, "status") { AgentStatus(name: $0) }
    }

    /// `LOGOUT`.
    public func logout(agent: AgentID? = nil) async throws(ClientError) { try await call(.logout(agent: agent)) }

    /// `SET-STATUS`.
    public func setStatus(_ status: AgentStatus, agent: AgentID? = nil) async throws(ClientError) {
        try await call(.setStatus(status, agent: agent))
    }

    /// `ACCEPT`.
    @discardableResult
    public func accept(_ ticket: TicketID, agent: AgentID? = nil) async throws(ClientError) -> TicketOutcome {
        try outcome(try await call(.accept(ticket, agent: agent)))
    }

    /// `DECLINE`.
    @discardableResult
    public func decline(_ ticket: TicketID, agent: AgentID? = nil) async throws(ClientError) -> TicketOutcome {
        try outcome(try await call(.decline(ticket, agent: agent)))
    }

    /// `RESOLVE`.
    @discardableResult
    public func resolve(_ ticket: TicketID, agent: AgentID? = nil) async throws(ClientError) -> TicketOutcome {
        try outcome(try await call(.resolve(ticket, agent: agent)))
    }

    /// `ESCALATE`.
    @discardableResult
    public func escalate(_ ticket: TicketID, toTier tier: Int? = nil, agent: AgentID? = nil) async throws(ClientError) -> TicketOutcome {
        try outcome(try await call(.escalate(ticket, tier: tier, agent: agent)))
    }

    /// `TRANSFER`.
    @discardableResult
    public func transfer(_ ticket: TicketID, to target: TransferTarget, agent: AgentID? = nil) async throws(ClientError) -> TicketOutcome {
        try outcome(try await call(.transfer(ticket, to: target, agent: agent)))
    }

    /// `QUEUE`: creates or updates a queue.
    public func upsertQueue(_ settings: QueueSettings) async throws(ClientError) { try await call(.queue(settings)) }

    /// `TICKET`: one ticket with its history.
    public func ticket(_ id: TicketID) async throws(ClientError) -> TicketInfo {
        guard let ticket = try await listing(.ticket(id), WireItems.tickets).first else {
            throw .protocolViolation("TICKET answered an empty listing")
        }
        return ticket
    }

    /// `TICKETS`.
    public func tickets(state: TicketState? = nil, queue: String? = nil) async throws(ClientError) -> [TicketInfo] {
        try await listing(.tickets(state: state, queue: queue), WireItems.tickets)
    }

    /// `AGENTS`.
    public func agents() async throws(ClientError) -> [AgentInfo] { try await listing(.agents, WireItems.agents) }

    /// `QUEUES`.
    public func queues() async throws(ClientError) -> [QueueInfo] { try await listing(.queues, WireItems.queues) }

    /// `SNAPSHOT`: the node writes a snapshot now; returns the log index it covers, its size
    /// in bytes, and how long encoding it held up the node, in milliseconds.
    public func snapshot() async throws(ClientError) -> (index: UInt64, bytes: Int, pauseMs: Double) {
        let reply = try await call(.snapshot)
        return (try Self.field(reply, "index") { UInt64($0) }, try Self.field(reply, "bytes") { Int($0) },
                try Self.field(reply, "pause_ms") { Double($0) })
    }

    /// `STATUS`.
    public func status() async throws(ClientError) -> NodeStatus {
        let reply = try await call(.status)
        func number(_ key: String) throws(ClientError) -> Int { try Self.field(reply, key) { Int($0) } }
        return NodeStatus(
            id: try Self.field(reply, "id") { $0 },
            uptimeSeconds: try number("uptime_s"), connections: try number("connections"),
            agentsOnline: try number("agents_online"), queued: try number("queued"), offered: try number("offered"),
            assigned: try number("assigned"), resolved: try number("resolved"), cancelled: try number("cancelled"),
            breached: try number("breached"), tickets: try number("tickets"),
            digest: try Self.field(reply, "digest") { $0 },
            appliedIndex: try Self.field(reply, "applied") { UInt64($0) },
            snapshotIndex: try Self.field(reply, "snapshot") { UInt64($0) },
            snapshotPauseMs: try Self.field(reply, "snapshot_pause_ms") { Double($0) },
            logRecords: try number("log_records"), logSyncs: try number("log_syncs"))
    }

    // MARK: - Reading replies

    private func listing<T>(_ request: Request, _ read: ([Line]) throws(ProtocolError) -> [T]) async throws(ClientError) -> [T] {
        guard case .listing(let lines) = try await call(request) else {
            throw .protocolViolation("\(request.verb) did not answer a listing")
        }
        do {
            return try read(lines)
        } catch {
            throw .protocolViolation(error.message)
        }
    }

    private func outcome(_ reply: Reply) throws(ClientError) -> TicketOutcome {
        TicketOutcome(
            ticket: try Self.field(reply, "ticket") { UInt64($0).map(TicketID.init) },
            state: try Self.field(reply, "state") { TicketState(name: $0) },
            agent: reply.value("agent").map(AgentID.init),
            tier: try Self.field(reply, "tier") { Int($0) })
    }

    static func field<T>(_ reply: Reply, _ key: String, _ convert: (String) -> T?) throws(ClientError) -> T {
        guard let text = reply.value(key) else { throw .protocolViolation("the reply has no \(key)=") }
        guard let value = convert(text) else { throw .protocolViolation("the reply's \(key)=\(text) is malformed") }
        return value
    }
}
