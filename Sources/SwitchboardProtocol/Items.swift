import SwitchboardCore

/// Listing items (`TICKET`, `HISTORY`, `AGENT`, `QUEUE` lines) both ways: the node writes
/// them from the engine's views, the client reads them back into the same types.
public enum WireItems {
    // MARK: - Tickets

    /// A `TICKET` line followed by one `HISTORY` line per step.
    public static func lines(_ ticket: TicketInfo) -> [Line] {
        var line = Line("TICKET")
        line.append("id", ticket.id.description)
        line.append("state", ticket.state.description)
        line.append("queue", ticket.queue)
        line.append("channel", ticket.channel.description)
        line.append("priority", ticket.priority.description)
        line.append("customer", ticket.customer)
        line.append("owner", ticket.owner?.name)
        line.append("tier", String(ticket.minimumTier))
        line.append("skills", WireValue.skills(ticket.requiredSkills))
        line.append("created", String(ticket.createdAt.milliseconds))
        line.append("deadline", String(ticket.deadline.milliseconds))
        line.append("expires", ticket.offerExpiresAt.map { String($0.milliseconds) })
        line.append("warned", ticket.slaWarned ? "1" : "0")
        line.append("breached", ticket.slaBreached ? "1" : "0")
        line.append("subject", ticket.subject)
        var lines = [line]
        for step in ticket.history {
            var history = Line("HISTORY")
            history.append("at", String(step.at.milliseconds))
            history.append("event", step.event)
            history.append("agent", step.agent?.name)
            history.append("detail", step.detail)
            lines.append(history)
        }
        return lines
    }

    /// Reads `TICKET` lines, each with the `HISTORY` lines after it.
    public static func tickets(_ lines: [Line]) throws(ProtocolError) -> [TicketInfo] {
        var result: [TicketInfo] = []
        for line in lines {
            switch line.verb {
            case "TICKET":
                var r = ArgumentReader(line)
                result.append(TicketInfo(
                    id: try WireValue.ticket(try r.required("id"), "id"),
                    customer: try r.required("customer"),
                    channel: try WireValue.channel(try r.required("channel")),
                    priority: try WireValue.priority(try r.required("priority")),
                    queue: try r.required("queue"),
                    subject: try r.required("subject"),
                    state: try WireValue.state(try r.required("state")),
                    owner: try r.optional("owner").map(AgentID.init),
                    createdAt: try time(&r, "created"),
                    deadline: try time(&r, "deadline"),
                    offerExpiresAt: try r.optional("expires").map { v throws(ProtocolError) in
                        Timestamp(milliseconds: Int64(try WireValue.integer(v, "expires", in: 0...Int.max)))
                    },
                    minimumTier: try WireValue.integer(try r.required("tier"), "tier", in: 1...RoutingEngine.maximumTier),
                    requiredSkills: try WireValue.skills(try r.required("skills")),
                    slaWarned: try WireValue.boolean(try r.required("warned"), "warned"),
                    slaBreached: try WireValue.boolean(try r.required("breached"), "breached"),
                    history: []))
                try r.finish()
            case "HISTORY":
                guard !result.isEmpty else { throw ProtocolError(.badSyntax, "HISTORY before any TICKET") }
                var r = ArgumentReader(line)
                result[result.count - 1].history.append(TicketHistoryEntry(
                    at: try time(&r, "at"), event: try r.required("event"),
                    agent: try r.optional("agent").map(AgentID.init), detail: try r.optional("detail")))
                try r.finish()
            default:
                throw ProtocolError(.badSyntax, "unexpected [\(line.verb)] in a ticket listing")
            }
        }
        return result
    }

    // MARK: - Agents

    /// An `AGENT` line.
    public static func line(_ agent: AgentInfo) -> Line {
        var line = Line("AGENT")
        line.append("id", agent.id.name)
        line.append("name", agent.name)
        line.append("status", agent.status.description)
        line.append("session-lost", agent.sessionLost ? "1" : "0")
        line.append("session", agent.session)
        line.append("tier", String(agent.tier))
        line.append("skills", WireValue.skills(agent.skills))
        line.append("capacity", agent.capacity.description)
        line.append("auto-accept", agent.autoAccept ? "1" : "0")
        line.append("load", Channel.allCases.map { "\($0):\(agent.load[Int($0.rawValue)])" }.joined(separator: ","))
        line.append("tickets", agent.tickets.map(\.description).joined(separator: ","))
        line.append("misses", String(agent.consecutiveMisses))
        return line
    }

    /// Reads `AGENT` lines.
    public static func agents(_ lines: [Line]) throws(ProtocolError) -> [AgentInfo] {
        var result: [AgentInfo] = []
        for line in lines {
            guard line.verb == "AGENT" else { throw ProtocolError(.badSyntax, "unexpected [\(line.verb)] in an agent listing") }
            var r = ArgumentReader(line)
            let loadCapacity = try WireValue.capacity(try r.required("load"))
            var tickets: [TicketID] = []
            for item in try r.required("tickets").split(separator: ",") { tickets.append(try WireValue.ticket(String(item), "tickets")) }
            result.append(AgentInfo(
                id: AgentID(try r.required("id")), name: try r.required("name"),
                status: try WireValue.status(try r.required("status")),
                sessionLost: try WireValue.boolean(try r.required("session-lost"), "session-lost"),
                session: try r.required("session"),
                tier: try WireValue.integer(try r.required("tier"), "tier", in: 1...RoutingEngine.maximumTier),
                skills: try WireValue.skills(try r.required("skills")),
                capacity: try WireValue.capacity(try r.required("capacity")),
                autoAccept: try WireValue.boolean(try r.required("auto-accept"), "auto-accept"),
                load: loadCapacity.perChannel, tickets: tickets,
                consecutiveMisses: try WireValue.integer(try r.required("misses"), "misses", in: 0...Int.max)))
            try r.finish()
        }
        return result
    }

    // MARK: - Queues

    /// A `QUEUE` line.
    public static func line(_ queue: QueueInfo) -> Line {
        var line = Line("QUEUE")
        line.append("name", queue.config.name)
        line.append("strategy", queue.config.strategy.description)
        line.append("skills", WireValue.skills(queue.config.defaultSkills))
        line.append("tier", String(queue.config.minimumTier))
        line.append("sla", WireValue.sla(queue.config.sla))
        line.append("offer-timeout", WireValue.duration(queue.config.offerTimeoutMs))
        line.append("wrap-up", WireValue.duration(queue.config.wrapUpMs))
        line.append("waiting", String(queue.waiting))
        line.append("offered", String(queue.offered))
        line.append("assigned", String(queue.assigned))
        line.append("resolved", String(queue.resolved))
        line.append("cancelled", String(queue.cancelled))
        line.append("breached", String(queue.slaBreached))
        line.append("oldest-wait", queue.oldestWaitMs.map(String.init))
        return line
    }

    /// Reads `QUEUE` lines.
    public static func queues(_ lines: [Line]) throws(ProtocolError) -> [QueueInfo] {
        var result: [QueueInfo] = []
        for line in lines {
            guard line.verb == "QUEUE" else { throw ProtocolError(.badSyntax, "unexpected [\(line.verb)] in a queue listing") }
            var r = ArgumentReader(line)
            let config = QueueConfig(
                name: try r.required("name"),
                defaultSkills: try WireValue.skills(try r.required("skills")),
                minimumTier: try WireValue.integer(try r.required("tier"), "tier", in: 1...RoutingEngine.maximumTier),
                sla: try WireValue.sla(try r.required("sla")),
                strategy: try WireValue.strategy(try r.required("strategy")),
                offerTimeoutMs: try WireValue.duration(try r.required("offer-timeout"), "offer-timeout"),
                wrapUpMs: try WireValue.duration(try r.required("wrap-up"), "wrap-up"))
            result.append(QueueInfo(
                config: config,
                waiting: try count(&r, "waiting"), offered: try count(&r, "offered"), assigned: try count(&r, "assigned"),
                resolved: try count(&r, "resolved"), cancelled: try count(&r, "cancelled"),
                slaBreached: try count(&r, "breached"),
                oldestWaitMs: try r.optional("oldest-wait").map { v throws(ProtocolError) in
                    Int64(try WireValue.integer(v, "oldest-wait", in: 0...Int.max))
                }))
            try r.finish()
        }
        return result
    }

    private static func time(_ reader: inout ArgumentReader, _ key: String) throws(ProtocolError) -> Timestamp {
        Timestamp(milliseconds: Int64(try WireValue.integer(try reader.required(key), key, in: Int(Int64.min)...Int(Int64.max))))
    }

    private static func count(_ reader: inout ArgumentReader, _ key: String) throws(ProtocolError) -> Int {
        try WireValue.integer(try reader.required(key), key, in: 0...Int.max)
    }
}
