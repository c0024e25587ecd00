import Foundation
import SwitchboardClient
import SwitchboardCore
import SwitchboardProtocol

/// The commands that ask a node something or change the floor: one request each.
enum AdminCommands {
    static let help: [String: String] = [
        "submit": """
            USAGE: switchboard submit --customer C --channel chat|email|phone|web --queue Q
                                      [--priority urgent|high|normal|low] [--skills linux:3,dns]
                                      [--tier N] [--subject TEXT] [--json]
            Submits a ticket and prints its id (with --json: id, state and agent).
            """,
        "ticket": """
            USAGE: switchboard ticket ID [--json]
            Shows one ticket: its state, owner, deadline and history.
            """,
        "tickets": """
            USAGE: switchboard tickets [--state queued|offered|assigned|resolved|cancelled] [--queue Q] [--json]
            Lists tickets in id order.
            """,
        "agents": """
            USAGE: switchboard agents [--json]
            Lists every agent that logged in: status, tier, skills, load and tickets.
            """,
        "queues": """
            USAGE: switchboard queues [--json]
            Lists the queues with their waiting, offered, assigned and breached tickets.
            """,
        "queue": """
            USAGE: switchboard queue create|update NAME [--skills linux:2] [--tier N]
                                 [--sla urgent:5m,high:30m,normal:4h,low:1d]
                                 [--strategy least-loaded|longest-idle|round-robin]
                                 [--offer-timeout 30s] [--wrap-up 1m]
            create makes a new queue (refused if it exists); update changes the given settings of
            an existing one (refused if it does not exist).
            """,
        "cancel": """
            USAGE: switchboard cancel ID
            Cancels a ticket: the customer left.
            """,
        "snapshot": """
            USAGE: switchboard snapshot
            Asks the node to write a snapshot of the floor now; prints the log index it covers,
            its size, and how long encoding it held up the node.
            """,
        "status": """
            USAGE: switchboard status [--json]
            The node's id, uptime, connections, the floor's totals and its state digest.
            """,
    ]

    static func run(_ command: String, _ arguments: [String]) async throws {
        var options = OptionReader(arguments, command: command)
        if options.flag("--help") || options.flag("-h") {
            print(help[command] ?? "")
            return
        }
        let node = try NodeOptions(&options)
        switch command {
        case "submit": try await submit(&options, node)
        case "ticket": try await ticket(&options, node)
        case "tickets": try await tickets(&options, node)
        case "agents": try await agents(&options, node)
        case "queues": try await queues(&options, node)
        case "queue": try await queue(&options, node)
        case "cancel": try await cancel(&options, node)
        case "snapshot": try await snapshot(&options, node)
        default: try await status(&options, node)
        }
    }

    // MARK: - Tickets

    private static func submit(_ options: inout OptionReader, _ node: NodeOptions) async throws {
        guard let customer = try options.value("--customer") else { throw UsageError("submit: --customer is required") }
        guard let channelText = try options.value("--channel") else { throw UsageError("submit: --channel is required") }
        guard let queue = try options.value("--queue") else { throw UsageError("submit: --queue is required") }
        let channel = try parsingWire { () throws(ProtocolError) in try WireValue.channel(channelText) }
        let priorityText = try options.value("--priority")
        let priority = try parsingWire { () throws(ProtocolError) in try priorityText.map { v throws(ProtocolError) in try WireValue.priority(v) } ?? .normal }
        let skillsText = try options.value("--skills")
        let skills = try parsingWire { () throws(ProtocolError) in try skillsText.map { v throws(ProtocolError) in try WireValue.skills(v) } ?? [] }
        let tier = try options.integer("--tier", in: 1...RoutingEngine.maximumTier) ?? 1
        let subject = try options.value("--subject") ?? ""
        try options.finish()
        let client = try await node.connect()
        let outcome = try await calling(node) { () throws(ClientError) in
            try await client.submit(TicketSubmission(customer: customer, channel: channel, priority: priority, queue: queue,
                                                     skills: skills, minimumTier: tier, subject: subject))
        }
        if node.json {
            printJSON(["ticket": outcome.ticket.raw, "state": outcome.state.description,
                       "agent": outcome.agent.map { $0.name as Any } ?? NSNull()])
        } else {
            print(outcome.ticket)
        }
    }

    private static func ticketID(_ options: inout OptionReader, _ command: String) throws -> TicketID {
        guard let text = options.positional(), let raw = UInt64(text), raw > 0 else {
            throw UsageError("\(command): give the ticket id, e.g. 'switchboard \(command) 42'")
        }
        return TicketID(raw)
    }

    private static func ticket(_ options: inout OptionReader, _ node: NodeOptions) async throws {
        let id = try ticketID(&options, "ticket")
        try options.finish()
        let client = try await node.connect()
        let ticket = try await calling(node) { () throws(ClientError) in try await client.ticket(id) }
        if node.json {
            printJSON(TicketJSON.object(ticket))
            return
        }
        print("ticket    \(ticket.id)  \(ticket.state)  \(ticket.channel)  \(ticket.priority)")
        print("queue     \(ticket.queue)   tier \(ticket.minimumTier)   skills \(WireValue.skills(ticket.requiredSkills))")
        print("customer  \(ticket.customer)")
        print("subject   \(ticket.subject)")
        print("owner     \(ticket.owner?.name ?? "-")")
        print("deadline  \(Clock.text(ticket.deadline))\(ticket.slaBreached ? "  BREACHED" : ticket.slaWarned ? "  near" : "")")
        print("")
        print(TextTable(header: ["TIME", "EVENT", "AGENT", "DETAIL"], rows: ticket.history.map {
            [Clock.text($0.at), $0.event, $0.agent?.name ?? "", $0.detail ?? ""]
        }).render())
    }

    private static func tickets(_ options: inout OptionReader, _ node: NodeOptions) async throws {
        let stateText = try options.value("--state")
        let state = try parsingWire { () throws(ProtocolError) in try stateText.map { v throws(ProtocolError) in try WireValue.state(v) } }
        let queue = try options.value("--queue")
        try options.finish()
        let client = try await node.connect()
        let tickets = try await calling(node) { () throws(ClientError) in try await client.tickets(state: state, queue: queue) }
        if node.json {
            printJSON(tickets.map(TicketJSON.object))
            return
        }
        print(TextTable(header: ["ID", "STATE", "QUEUE", "CHANNEL", "PRIORITY", "OWNER", "DEADLINE", "SUBJECT"], rows: tickets.map {
            ["\($0.id)", "\($0.state)", $0.queue, "\($0.channel)", "\($0.priority)", $0.owner?.name ?? "-",
             Clock.text($0.deadline) + ($0.slaBreached ? " !" : ""), $0.subject]
        }).render())
    }

    private static func cancel(_ options: inout OptionReader, _ node: NodeOptions) async throws {
        let id = try ticketID(&options, "cancel")
        try options.finish()
        let client = try await node.connect()
        let outcome = try await calling(node) { () throws(ClientError) in try await client.cancel(id) }
        print("ticket \(outcome.ticket) \(outcome.state)")
    }

    // MARK: - Agents, queues, status

    private static func agents(_ options: inout OptionReader, _ node: NodeOptions) async throws {
        try options.finish()
        let client = try await node.connect()
        let agents = try await calling(node) { () throws(ClientError) in try await client.agents() }
        if node.json {
            printJSON(agents.map { agent -> [String: Any] in
                ["id": agent.id.name, "name": agent.name, "status": agent.status.description, "session_lost": agent.sessionLost,
                 "tier": agent.tier, "skills": WireValue.skills(agent.skills), "capacity": agent.capacity.description,
                 "auto_accept": agent.autoAccept, "tickets": agent.tickets.map(\.raw),
                 "load": Dictionary(uniqueKeysWithValues: Channel.allCases.map { ("\($0)", agent.load[Int($0.rawValue)]) })]
            })
            return
        }
        print(TextTable(header: ["AGENT", "NAME", "STATUS", "TIER", "SKILLS", "LOAD", "CAPACITY", "TICKETS"], rows: agents.map { agent in
            let load = Channel.allCases.filter { agent.capacity[$0] > 0 }.map { "\($0):\(agent.load[Int($0.rawValue)])" }
            return [agent.id.name, agent.name, agent.sessionLost ? "\(agent.status) (lost)" : "\(agent.status)", "\(agent.tier)",
                    WireValue.skills(agent.skills), load.joined(separator: ","), agent.capacity.description,
                    agent.tickets.map(\.description).joined(separator: ",")]
        }).render())
    }

    private static func queues(_ options: inout OptionReader, _ node: NodeOptions) async throws {
        try options.finish()
        let client = try await node.connect()
        let queues = try await calling(node) { () throws(ClientError) in try await client.queues() }
        if node.json {
            printJSON(queues.map { queue -> [String: Any] in
                ["name": queue.config.name, "strategy": queue.config.strategy.description,
                 "skills": WireValue.skills(queue.config.defaultSkills), "tier": queue.config.minimumTier,
                 "sla": WireValue.sla(queue.config.sla), "offer_timeout_ms": queue.config.offerTimeoutMs,
                 "wrap_up_ms": queue.config.wrapUpMs, "waiting": queue.waiting, "offered": queue.offered,
                 "assigned": queue.assigned, "resolved": queue.resolved, "cancelled": queue.cancelled,
                 "breached": queue.slaBreached, "oldest_wait_ms": queue.oldestWaitMs.map { $0 as Any } ?? NSNull()]
            })
            return
        }
        print(TextTable(header: ["QUEUE", "STRATEGY", "SKILLS", "WAITING", "OLDEST", "OFFERED", "ASSIGNED", "RESOLVED", "BREACHED"],
                        rows: queues.map {
            [$0.config.name, "\($0.config.strategy)", WireValue.skills($0.config.defaultSkills), "\($0.waiting)",
             $0.oldestWaitMs.map { WireValue.duration($0 / 1000 * 1000) } ?? "-", "\($0.offered)", "\($0.assigned)",
             "\($0.resolved)", "\($0.slaBreached)"]
        }).render())
    }

    private static func queue(_ options: inout OptionReader, _ node: NodeOptions) async throws {
        let skills = try options.value("--skills")
        let tier = try options.integer("--tier", in: 1...RoutingEngine.maximumTier)
        let sla = try options.value("--sla")
        let strategy = try options.value("--strategy")
        let offerTimeout = try options.value("--offer-timeout")
        let wrapUp = try options.value("--wrap-up")
        guard let action = options.positional(), action == "create" || action == "update" else {
            throw UsageError("queue: say 'queue create NAME …' or 'queue update NAME …'")
        }
        guard let name = options.positional() else { throw UsageError("queue \(action): give the queue's name") }
        try options.finish()
        let settings = try parsingWire { () throws(ProtocolError) in
            QueueSettings(
                name: name,
                skills: try skills.map { v throws(ProtocolError) in try WireValue.skills(v) }, tier: tier,
                sla: try sla.map { v throws(ProtocolError) in try WireValue.sla(v) },
                strategy: try strategy.map { v throws(ProtocolError) in try WireValue.strategy(v) },
                offerTimeoutMs: try offerTimeout.map { v throws(ProtocolError) in try WireValue.duration(v, "offer-timeout") },
                wrapUpMs: try wrapUp.map { v throws(ProtocolError) in try WireValue.duration(v, "wrap-up") })
        }
        let client = try await node.connect()
        let exists = try await calling(node) { () throws(ClientError) in try await client.queues() }.contains { $0.config.name == name }
        if action == "create" && exists {
            throw NodeError(.refused(Refusal(code: "QUEUE_EXISTS", message: "queue [\(name)] exists; use 'queue update'")), node: node.address)
        }
        if action == "update" && !exists {
            throw NodeError(.refused(Refusal(code: "UNKNOWN_QUEUE", message: "no queue named [\(name)]; use 'queue create'")), node: node.address)
        }
        try await calling(node) { () throws(ClientError) in try await client.upsertQueue(settings) }
        print("queue \(name) \(action == "create" ? "created" : "updated")")
    }

    private static func snapshot(_ options: inout OptionReader, _ node: NodeOptions) async throws {
        try options.finish()
        let client = try await node.connect()
        let taken = try await calling(node) { () throws(ClientError) in try await client.snapshot() }
        print("snapshot at log index \(taken.index): \(taken.bytes) bytes, the node paused \(taken.pauseMs) ms to encode it")
    }

    private static func status(_ options: inout OptionReader, _ node: NodeOptions) async throws {
        try options.finish()
        let client = try await node.connect()
        let status = try await calling(node) { () throws(ClientError) in try await client.status() }
        if node.json {
            printJSON(["id": status.id, "uptime_s": status.uptimeSeconds, "connections": status.connections,
                       "agents_online": status.agentsOnline, "queued": status.queued, "offered": status.offered,
                       "assigned": status.assigned, "resolved": status.resolved, "cancelled": status.cancelled,
                       "breached": status.breached, "tickets": status.tickets, "digest": status.digest,
                       "applied": status.appliedIndex, "snapshot": status.snapshotIndex, "snapshot_pause_ms": status.snapshotPauseMs,
                       "log_records": status.logRecords, "log_syncs": status.logSyncs])
            return
        }
        print("node \(status.id) at \(node.address), up \(status.uptimeSeconds) s, \(status.connections) connection(s)")
        print("agents online \(status.agentsOnline); tickets \(status.tickets): queued \(status.queued), offered \(status.offered), "
            + "assigned \(status.assigned), resolved \(status.resolved), cancelled \(status.cancelled), SLA breached \(status.breached)")
        print("state digest \(status.digest); log applied to \(status.appliedIndex), snapshot at \(status.snapshotIndex) "
            + "(longest batch while the last automatic one was written: \(status.snapshotPauseMs) ms)")
        print("log: \(status.logRecords) record(s) appended by this process in \(status.logSyncs) fsync(s)")
    }
}

/// Tickets as JSON objects for `--json`.
enum TicketJSON {
    static func object(_ ticket: TicketInfo) -> [String: Any] {
        ["id": ticket.id.raw, "state": ticket.state.description, "queue": ticket.queue,
         "owner": ticket.owner.map { $0.name as Any } ?? NSNull(), "channel": ticket.channel.description,
         "priority": ticket.priority.description, "customer": ticket.customer, "subject": ticket.subject,
         "tier": ticket.minimumTier, "skills": WireValue.skills(ticket.requiredSkills),
         "created_ms": ticket.createdAt.milliseconds, "deadline_ms": ticket.deadline.milliseconds,
         "sla_warned": ticket.slaWarned, "sla_breached": ticket.slaBreached,
         "history": ticket.history.map { step -> [String: Any] in
             ["at_ms": step.at.milliseconds, "event": step.event, "agent": step.agent.map { $0.name as Any } ?? NSNull(),
              "detail": step.detail.map { $0 as Any } ?? NSNull()]
         }]
    }
}

/// Wall-clock times for people: local `HH:MM:SS`, with the date when not today.
enum Clock {
    static func text(_ time: Timestamp) -> String {
        let date = Date(timeIntervalSince1970: Double(time.milliseconds) / 1000)
        let sameDay = Calendar.current.isDateInToday(date)
        return date.formatted(sameDay ? .dateTime.hour(.twoDigits(amPM: .omitted)).minute().second()
                                      : .dateTime.year().month().day().hour(.twoDigits(amPM: .omitted)).minute().second())
    }
}
