import Foundation
import SwitchboardCore
import SwitchboardProtocol
import SwitchboardTransport

/// A push the requester does not need, because its own reply already says it.
struct Suppressed {
    var assigned: (TicketID, AgentID)?
    var statusOf: AgentID?
}

extension Coordinator {
    /// Answers one request from a connection.
    func respond(to request: Request, on connection: Connection, at now: Timestamp) -> Reply {
        guard var session = sessions[connection.id] else { return .error(ProtocolError(.unavailable, "connection is closing")) }
        if case .auth(let token) = request {
            let reply = authenticate(token, session: &session)
            sessions[connection.id] = session
            return reply
        }
        guard let role = session.role else {
            return .error(ProtocolError(.authRequired, "send AUTH <token> first"))
        }
        guard role.permits(request) else {
            return .error(ProtocolError(.forbidden, "role \(role) may not use \(request.verb)"))
        }
        switch request {
        case .auth, .ping, .quit: return .ok([])
        case .ticket(let id):
            guard let info = engine.ticket(id) else { return engineError(.unknownTicket(id)) }
            return .listing(WireItems.lines(info))
        case .tickets(let state, let queue):
            if let queue, engine.queue(queue) == nil { return engineError(.unknownQueue(queue)) }
            return .listing(engine.tickets(state: state, queue: queue).flatMap(WireItems.lines))
        case .agents:
            return .listing(engine.agentList().map(WireItems.line))
        case .queues:
            return .listing(engine.queueList().map(WireItems.line))
        case .status:
            return statusReply()
        case .queue(let settings):
            let config = settings.applied(to: engine.queue(settings.name)?.config)
            return write(.upsertQueue(config), at: now) { _ in .ok([.init("queue", config.name)]) }
        case .submit(let submission):
            return write(.submit(submission), at: now) { events in
                guard let id = events.lazy.compactMap({ if case .ticketCreated(let id) = $0 { id } else { nil } }).first else {
                    return .error(ProtocolError(.unavailable, "ticket was not created"))
                }
                return self.ticketReply(id)
            }
        case .cancel(let id):
            return write(.cancel(id), at: now) { _ in self.ticketReply(id) }
        case .login(var profile):
            if role == .agent, let bound = session.agent, bound != profile.id {
                return .error(ProtocolError(.forbidden, "this connection is agent [\(bound)]'s session; log [\(profile.id)] in on its own connection"))
            }
            profile.session = session.tag(node: configuration.id)
            let reply = write(.login(profile), at: now, suppressing: Suppressed(statusOf: profile.id)) { _ in
                .ok([.init("agent", profile.id.name), .init("status", self.engine.agent(profile.id)?.status.description ?? "offline")])
            }
            if case .ok = reply { bind(profile.id, to: connection) }
            return reply
        default:
            return agentRequest(request, role: role, session: session, at: now)
        }
    }

    /// The agent verbs: resolve which agent acts, then propose the command.
    private func agentRequest(_ request: Request, role: Role, session: Session, at now: Timestamp) -> Reply {
        let named: AgentID?
        switch request {
        case .logout(let a), .setStatus(_, let a), .accept(_, let a), .decline(_, let a), .resolve(_, let a),
             .escalate(_, _, let a), .transfer(_, _, let a):
            named = a
        default:
            return .error(ProtocolError(.unknownVerb, "unexpected request \(request.verb)"))
        }
        if role == .agent, let named, named != session.agent {
            return .error(ProtocolError(.forbidden, "an agent connection acts only for the agent logged in on it"))
        }
        let acting = named ?? session.agent
        // Admins may act for agents (agent=) or as an admin where the engine allows it.
        let needsAgent: Bool
        switch request {
        case .escalate, .transfer: needsAgent = role == .agent
        default: needsAgent = true
        }
        if needsAgent && acting == nil {
            return .error(role == .agent
                ? ProtocolError(.notLoggedIn, "LOGIN first on this connection")
                : ProtocolError(.missingArgument, "\(request.verb) needs agent= (no agent is logged in on this connection)"))
        }
        // The agent's own desk learns from the reply; another connection's request still pushes.
        let own = acting != nil && session.agent == acting
        switch request {
        case .logout:
            let agent = acting!
            let reply = write(.logout(agent), at: now, suppressing: own ? Suppressed(statusOf: agent) : nil) { _ in
                .ok([.init("agent", agent.name), .init("status", "offline")])
            }
            if case .ok = reply {
                log.info("agent logged out [\(agent)]")
                endSession(of: agent)
            }
            return reply
        case .setStatus(let status, _):
            let agent = acting!
            return write(.setStatus(agent, status), at: now, suppressing: own ? Suppressed(statusOf: agent) : nil) { _ in
                .ok([.init("agent", agent.name), .init("status", self.engine.agent(agent)?.status.description ?? status.description)])
            }
        case .accept(let id, _):
            return write(.accept(id, by: acting!), at: now, suppressing: own ? Suppressed(assigned: (id, acting!)) : nil) { _ in
                self.ticketReply(id)
            }
        case .decline(let id, _):
            return write(.decline(id, by: acting!), at: now) { _ in self.ticketReply(id) }
        case .resolve(let id, _):
            return write(.resolve(id, by: acting!), at: now, suppressing: own ? Suppressed(statusOf: acting!) : nil) { _ in
                self.ticketReply(id)
            }
        case .escalate(let id, let tier, _):
            return write(.escalate(id, by: role == .admin && named == nil ? nil : acting, toTier: tier), at: now) { _ in
                self.ticketReply(id)
            }
        case .transfer(let id, let target, _):
            return write(.transfer(id, by: role == .admin && named == nil ? nil : acting, to: target), at: now) { _ in
                self.ticketReply(id)
            }
        default:
            return .error(ProtocolError(.unknownVerb, "unexpected request \(request.verb)"))
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
            if session.failedAuths >= 3 {
                session.closing = true
                outbound.closeAfterFlush(session.connection)
            }
            return .error(ProtocolError(.badToken, "token not recognised"))
        }
        session.role = role
        session.connection.markAuthenticated()
        return .ok([.init("role", role.rawValue)])
    }

    /// Makes `connection` the session of `agent`: its pushes go there from now on.
    private func bind(_ agent: AgentID, to connection: Connection) {
        if let previous = agentSessions[agent] {
            guard previous.connection !== connection else { return }
            sessions[previous.connection.id]?.agent = nil
            previous.close()  // what is pending goes to the new session, at the end of the batch
        }
        agentSessions[agent] = AgentSession.start(agent: agent, connection: connection)
        sessions[connection.id]?.agent = agent
        log.info("agent logged in [\(agent)] on [\(connection.id)]")
    }

    // MARK: - Propose, commit, apply

    /// Proposes a command, applies it once committed, delivers its pushes, and builds the reply.
    private func write(_ command: Command, at now: Timestamp, suppressing: Suppressed? = nil,
                       reply: ([Event]) -> Reply) -> Reply {
        switch execute(command, at: now, suppressing: suppressing) {
        case .success(let events): return reply(events)
        case .failure(let error): return engineError(error)
        }
    }

    /// The one path every state change takes.
    func execute(_ command: Command, at now: Timestamp, suppressing: Suppressed?) -> Result<[Event], EngineError> {
        commit(command, at: now)
        events.removeAll(keepingCapacity: true)
        do {
            try engine.apply(command, at: now, into: &events)
        } catch {
            return .failure(error)
        }
        deliverPushes(suppressing: suppressing)
        return .success(events)
    }

    /// Makes a proposed command durable before it is applied. Commit is immediate until the
    /// append-only log arrives.
    func commit(_ command: Command, at now: Timestamp) {}

    private func engineError(_ error: EngineError) -> Reply {
        .error(code: error.code, message: error.description)
    }

    private func ticketReply(_ id: TicketID) -> Reply {
        guard let ticket = engine.ticketWithoutHistory(id) else { return engineError(.unknownTicket(id)) }
        var fields = [Line.Field("ticket", id.description), Line.Field("state", ticket.state.description)]
        if let owner = ticket.owner { fields.append(.init("agent", owner.name)) }
        fields.append(.init("tier", String(ticket.minimumTier)))
        return .ok(fields)
    }

    private func statusReply() -> Reply {
        let totals = engine.totals()
        return .ok([
            .init("id", configuration.id),
            .init("uptime_s", String(Int(Date().timeIntervalSince(startedAt)))),
            .init("connections", String(sessions.count)),
            .init("agents_online", String(totals.agentsOnline)),
            .init("queued", String(totals.queued)),
            .init("offered", String(totals.offered)),
            .init("assigned", String(totals.assigned)),
            .init("resolved", String(totals.resolved)),
            .init("cancelled", String(totals.cancelled)),
            .init("breached", String(totals.slaBreached)),
            .init("tickets", String(totals.tickets)),
            .init("digest", String(format: "%016llx", engine.digest)),
        ])
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
                guard let ticket = engine.ticketWithoutHistory(id) else { continue }
                (push, agent) = (.offer(TicketSummary(ticket), expiresAt: expiresAt), to)
            case .ticketAssigned(let id, let to):
                if let assigned = suppressing?.assigned, assigned.0 == id, assigned.1 == to { continue }
                guard let ticket = engine.ticketWithoutHistory(id) else { continue }
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
            pendingPushes[agent, default: []].append(push)
        }
    }
}
