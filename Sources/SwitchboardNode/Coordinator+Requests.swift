import Foundation
import SwitchboardCore
import SwitchboardProtocol
import SwitchboardTransport

/// A push the requester does not need, because its own reply already says it.
struct Suppressed {
    var assigned: (TicketID, AgentID)?
    var statusOf: AgentID?
}

/// What a request becomes when a batch is planned: an answer that needs nothing from the
/// engine, or work done after the batch's commands are committed — a command to apply (nil
/// for a query) and how to answer once it is applied.
enum Step {
    case now(Reply)
    case later(Command?, Suppressed?, Answer)
    /// A read too slow for the loop (it walks the whole floor): when its turn comes, `prepare`
    /// takes what it needs (a copy of the engine is free) and returns the work, which runs on
    /// another thread; the connection's later replies wait behind its answer.
    case offLoop(prepare: () -> @Sendable () -> Reply)
}

/// A step and the connection it answers (none for the node's own commands). A struct, not a
/// tuple: an array of tuples holding enums was copied through the runtime's generic
/// value witnesses, element by element, on every pass over a batch.
struct PlannedStep {
    let connection: Connection?
    let step: Step
}

/// How a step is answered once its command (if any) is applied. The answers of the hot verbs
/// are cases, not closures: two closures per request were two allocations per request.
enum Answer {
    /// No answer (a command the node proposes itself).
    case none
    /// `OK` with the ticket's standing, or the engine's error.
    case ticket(TicketID)
    /// `SUBMIT`: `OK` with the standing of the ticket the command created, or the engine's error.
    case created
    /// Computed from the command's result.
    case computed((Result<[Event], EngineError>) -> Reply?)
}

extension Coordinator {
    /// Plans the answer to one request from a connection. Session changes that later lines of
    /// the same batch depend on (authentication, the agent logged in) happen here; the engine
    /// is read and changed only when the step is carried out.
    func plan(_ request: Request, on connection: Connection) -> Step {
        guard var session = sessions[connection.id] else { return .now(.error(ProtocolError(.unavailable, "connection is closing"))) }
        if case .auth(let token) = request {
            let reply = authenticate(token, session: &session)
            sessions[connection.id] = session
            return .now(reply)
        }
        guard let role = session.role else {
            return .now(.error(ProtocolError(.authRequired, "send AUTH <token> first")))
        }
        guard role.permits(request) else {
            return .now(.error(ProtocolError(.forbidden, "role \(role) may not use \(request.verb)")))
        }
        switch request {
        case .auth, .ping, .quit: return .now(.ok([]))
        case .ticket(let id):
            return query {
                guard let info = self.engine.ticket(id) else { return self.engineError(.unknownTicket(id)) }
                return .listing(WireItems.lines(info))
            }
        case .tickets(let state, let queue):
            return query {
                if let queue, self.engine.queue(queue) == nil { return self.engineError(.unknownQueue(queue)) }
                return .listing(self.engine.tickets(state: state, queue: queue).flatMap(WireItems.lines))
            }
        case .agents:
            return query { .listing(self.engine.agentList().map(WireItems.line)) }
        case .queues:
            return query { .listing(self.engine.queueList().map(WireItems.line)) }
        case .status:
            // The state digest hashes the whole floor: tens of milliseconds for 100,000 tickets.
            return .offLoop { self.statusWork() }
        case .snapshot:
            return query { self.snapshotNow() }
        case .queue(let settings):
            // Settings not given keep their value: as the engine has it, or as an earlier line
            // of this batch set it.
            let config = settings.applied(to: plannedQueues[settings.name] ?? engine.queue(settings.name)?.config)
            plannedQueues[settings.name] = config
            return write(.upsertQueue(config)) { _ in .ok([.init("queue", config.name)]) }
        case .submit(let submission):
            return .later(.submit(submission), nil, .created)
        case .cancel(let id):
            return .later(.cancel(id), nil, .ticket(id))
        case .login(var profile):
            if role == .agent, let bound = session.agent, bound != profile.id {
                return .now(.error(ProtocolError(.forbidden, "this connection is agent [\(bound)]'s session; log [\(profile.id)] in on its own connection")))
            }
            profile.session = session.tag(node: configuration.id)
            // Later lines of this batch act as this agent; undone if the login is refused.
            let previous = session.agent
            sessions[connection.id]?.agent = profile.id
            let agent = profile.id
            return .later(.login(profile), Suppressed(statusOf: agent), .computed { result in
                switch result {
                case .success:
                    self.bind(agent, to: connection)
                    return .ok([.init("agent", agent.name), .init("status", self.inspect { $0.agent(agent)?.status.description } ?? "offline")])
                case .failure(let error):
                    self.sessions[connection.id]?.agent = previous
                    return self.engineError(error)
                }
            })
        default:
            return agentRequest(request, role: role, session: session)
        }
    }

    /// A read, answered in its place after the batch's earlier commands are applied.
    private func query(_ answer: @escaping () -> Reply) -> Step {
        .later(nil, nil, .computed { _ in answer() })
    }

    /// The agent verbs: resolve which agent acts, then propose the command.
    private func agentRequest(_ request: Request, role: Role, session: Session) -> Step {
        let named: AgentID?
        switch request {
        case .logout(let a), .setStatus(_, let a), .accept(_, let a), .decline(_, let a), .resolve(_, let a),
             .escalate(_, _, let a), .transfer(_, _, let a):
            named = a
        default:
            return .now(.error(ProtocolError(.unknownVerb, "unexpected request \(request.verb)")))
        }
        if role == .agent, let named, named != session.agent {
            return .now(.error(ProtocolError(.forbidden, "an agent connection acts only for the agent logged in on it")))
        }
        let acting = named ?? session.agent
        // Admins may act for agents (agent=) or as an admin where the engine allows it.
        let needsAgent: Bool
        switch request {
        case .escalate, .transfer: needsAgent = role == .agent
        default: needsAgent = true
        }
        if needsAgent && acting == nil {
            return .now(.error(role == .agent
                ? ProtocolError(.notLoggedIn, "LOGIN first on this connection")
                : ProtocolError(.missingArgument, "\(request.verb) needs agent= (no agent is logged in on this connection)")))
        }
        // The agent's own desk learns from the reply; another connection's request still pushes.
        let own = acting != nil && session.agent == acting
        switch request {
        case .logout:
            let agent = acting!
            return write(.logout(agent), suppressing: own ? Suppressed(statusOf: agent) : nil) { _ in
                self.log.info("agent logged out [\(agent)]")
                self.endSession(of: agent)
                return .ok([.init("agent", agent.name), .init("status", "offline")])
            }
        case .setStatus(let status, _):
            let agent = acting!
            return write(.setStatus(agent, status), suppressing: own ? Suppressed(statusOf: agent) : nil) { _ in
                .ok([.init("agent", agent.name), .init("status", self.inspect { $0.agent(agent)?.status.description } ?? status.description)])
            }
        case .accept(let id, _):
            return .later(.accept(id, by: acting!), own ? Suppressed(assigned: (id, acting!)) : nil, .ticket(id))
        case .decline(let id, _):
            return .later(.decline(id, by: acting!), nil, .ticket(id))
        case .resolve(let id, _):
            return .later(.resolve(id, by: acting!), own ? Suppressed(statusOf: acting!) : nil, .ticket(id))
        case .escalate(let id, let tier, _):
            return .later(.escalate(id, by: role == .admin && named == nil ? nil : acting, toTier: tier), nil, .ticket(id))
        case .transfer(let id, let target, _):
            return .later(.transfer(id, by: role == .admin && named == nil ? nil : acting, to: target), nil, .ticket(id))
        default:
            return .now(.error(ProtocolError(.unknownVerb, "unexpected request \(request.verb)")))
        }
    }

    private func authenticate(_ token: String, session: inout Session) -> Reply {
        if tokens.isEmpty {
            session.role = .admin
            session.connection.markAuthenticated()
            return .ok([.init("role", Role.admin.rawValue)])
        }
        guard let role = tokens.role(for: token) else {
            session.failedAuths += 1
            log.warning("bad token [\(session.connection.id)] from [\(session.connection.peer)] attempt [\(session.failedAuths)]")
            if session.failedAuths >= 3 { session.closing = true }
            return .error(ProtocolError(.badToken, "token not recognised"))
        }
        session.role = role
        session.connection.markAuthenticated()
        return .ok([.init("role", role.rawValue)])
    }

    /// Makes `connection` the session of `agent`: its pushes go there from now on.
    func bind(_ agent: AgentID, to connection: Connection) {
        if let previous = agentSessions[agent] {
            guard previous.connection !== connection else { return }
            sessions[previous.connection.id]?.agent = nil  // what is pending goes to the new session, at the end of the batch
        }
        agentSessions[agent] = AgentSession(agent: agent, connection: connection, loop: loop)
        sessions[connection.id]?.agent = agent
        log.info("agent logged in [\(agent)] on [\(connection.id)]")
    }

    // MARK: - Propose, commit, apply

    /// A command to propose, answered by `reply` once it is committed and applied.
    private func write(_ command: Command, suppressing: Suppressed? = nil, reply: @escaping ([Event]) -> Reply) -> Step {
        .later(command, suppressing, .computed { result in
            switch result {
            case .success(let events): return reply(events)
            case .failure(let error): return self.engineError(error)
            }
        })
    }

    /// Applies a committed command and turns its events into pushes.
    func apply(_ command: Command, at now: Timestamp, suppressing: Suppressed?) -> Result<[Event], EngineError> {
        events.removeAll(keepingCapacity: true)
        do {
            try engine.apply(command, at: now, into: &events)
        } catch {
            return .failure(error)
        }
        deliverPushes(suppressing: suppressing)
        return .success(events)
    }

    /// Reads the engine in place. A plain `engine.query()` on the actor's stored property
    /// copies the engine value first (a retain and a release of every table it holds), which
    /// on the hot path cost more than the query; an inout access borrows it.
    func inspect<Result>(_ read: (inout RoutingEngine) -> Result) -> Result {
        read(&engine)
    }

    func engineError(_ error: EngineError) -> Reply {
        .error(code: error.code, message: error.description)
    }

    /// `OK` with a ticket's standing, written straight into bytes (the answer to most
    /// requests), or the engine's error if the ticket is unknown.
    func writeTicketReply(_ id: TicketID, into writer: inout LineWriter) {
        guard let ticket = inspect({ $0.ticketStanding(id) }) else {
            engineError(.unknownTicket(id)).write(into: &writer)
            return
        }
        writer.verb("OK")
        writer.field("ticket", id.raw)
        writer.field("state", ticket.state.description)
        if let owner = ticket.owner { writer.field("agent", owner.name) }
        writer.field("tier", ticket.minimumTier)
        writer.endLine()
    }

    /// `STATUS`: the counters as of now, the digest computed from a copy of the engine.
    func statusWork() -> @Sendable () -> Reply {
        let engine = self.engine
        let log = writer.statistics
        let before: [Line.Field] = [
            .init("id", configuration.id),
            .init("uptime_s", String(Int(Date().timeIntervalSince(startedAt)))),
            .init("connections", String(sessions.count)),
        ]
        let after: [Line.Field] = [
            .init("applied", String(appliedIndex)),
            .init("snapshot", String(snapshotIndex)),
            .init("snapshot_pause_ms", String(format: "%.2f", lastSnapshotPauseMs)),
            .init("log_records", String(log.appendedRecords)),
            .init("log_syncs", String(log.syncs)),
        ]
        return {
            let totals = engine.totals()
            return .ok(before + [
                .init("agents_online", String(totals.agentsOnline)),
                .init("queued", String(totals.queued)),
                .init("offered", String(totals.offered)),
                .init("assigned", String(totals.assigned)),
                .init("resolved", String(totals.resolved)),
                .init("cancelled", String(totals.cancelled)),
                .init("breached", String(totals.slaBreached)),
                .init("tickets", String(totals.tickets)),
                .init("digest", String(format: "%016llx", engine.digest)),
            ] + after)
        }
    }

    // MARK: - Pushes

    /// Turns the last command's events into pushes for the agents' sessions. They are kept per
    /// agent until the end of the batch, so an agent that logs in by this very command gets them.
    private func deliverPushes(suppressing: Suppressed?) {
        for event in events {
            let push: Push
            let agent: AgentID
            switch event {
            case .ticketOffered(let id, let to, let expiresAt):
                guard let ticket = inspect({ $0.ticketBrief(id) }) else { continue }
                (push, agent) = (.offer(TicketSummary(ticket), expiresAt: expiresAt), to)
            case .ticketAssigned(let id, let to):
                if let assigned = suppressing?.assigned, assigned.0 == id, assigned.1 == to { continue }
                guard let ticket = inspect({ $0.ticketBrief(id) }) else { continue }
                (push, agent) = (.assigned(TicketSummary(ticket)), to)
            case .offerExpired(let id, let from):
                (push, agent) = (.revoked(id, reason: "expired"), from)
            case .ticketRevoked(let id, let from, let reason):
                (push, agent) = (.revoked(id, reason: reason.description), from)
            case .agentStatusChanged(let who, let status):
                if suppressing?.statusOf == who && status != .wrapUp { continue }
                (push, agent) = (.status(who, status), who)
            default:
                continue
            }
            pendingPushes[at: pendingPushes.position(of: agent) { sparePushLists.popLast() ?? [] }].append(push)
        }
    }
}
