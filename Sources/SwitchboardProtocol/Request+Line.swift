import SwitchboardCore

// MARK: - Request → line (what a client sends)

extension Request {
    /// The request as a protocol line.
    public var line: Line {
        var line = Line(verb)
        switch self {
        case .auth(let token): line.positional = [token]
        case .ping, .quit, .agents, .queues, .status, .snapshot: break
        case .queue(let settings):
            line.append("name", settings.name)
            line.append("skills", settings.skills.map(WireValue.skills))
            line.append("tier", settings.tier.map(String.init))
            line.append("sla", settings.sla.map(WireValue.sla))
            line.append("strategy", settings.strategy?.description)
            line.append("offer-timeout", settings.offerTimeoutMs.map(WireValue.duration))
            line.append("wrap-up", settings.wrapUpMs.map(WireValue.duration))
        case .login(let profile):
            line.append("agent", profile.id.name)
            if profile.name != profile.id.name { line.append("name", profile.name) }
            line.append("skills", WireValue.skills(profile.skills))
            line.append("tier", String(profile.tier))
            line.append("capacity", profile.capacity.description)
            if profile.autoAccept { line.append("auto-accept", "1") }
        case .logout(let agent):
            line.append("agent", agent?.name)
        case .setStatus(let status, let agent):
            line.append("status", status.description)
            line.append("agent", agent?.name)
        case .submit(let s):
            line.append("customer", s.customer)
            line.append("channel", s.channel.description)
            line.append("queue", s.queue)
            line.append("priority", s.priority.description)
            if !s.skills.isEmpty { line.append("skills", WireValue.skills(s.skills)) }
            if s.minimumTier != 1 { line.append("tier", String(s.minimumTier)) }
            if !s.subject.isEmpty { line.append("subject", s.subject) }
        case .accept(let ticket, let agent), .decline(let ticket, let agent), .resolve(let ticket, let agent):
            line.append("ticket", ticket.description)
            line.append("agent", agent?.name)
        case .escalate(let ticket, let tier, let agent):
            line.append("ticket", ticket.description)
            line.append("tier", tier.map(String.init))
            line.append("agent", agent?.name)
        case .transfer(let ticket, let target, let agent):
            line.append("ticket", ticket.description)
            switch target {
            case .queue(let name): line.append("queue", name)
            case .agent(let id): line.append("to", id.name)
            }
            line.append("agent", agent?.name)
        case .cancel(let ticket):
            line.append("ticket", ticket.description)
        case .ticket(let ticket):
            line.append("id", ticket.description)
        case .tickets(let state, let queue):
            line.append("state", state?.description)
            line.append("queue", queue)
        }
        return line
    }
}

// MARK: - Line → request (what a node reads)

extension Request {
    /// Reads a request line.
    ///
    /// - Throws: `ProtocolError` for an unknown verb, a missing, malformed or unexpected argument.
    public init(_ line: Line) throws(ProtocolError) {
        var reader = ArgumentReader(line)
        switch line.verb {
        case "AUTH":
            guard line.positional.count == 1, line.fields.isEmpty else {
                throw ProtocolError(.badSyntax, "AUTH takes exactly one token: AUTH <token>")
            }
            self = .auth(token: line.positional[0])
            return
        case "PING": self = .ping
        case "QUIT": self = .quit
        case "AGENTS": self = .agents
        case "QUEUES": self = .queues
        case "STATUS": self = .status
        case "SNAPSHOT": self = .snapshot
        case "QUEUE":
            self = .queue(QueueSettings(
                name: try reader.required("name"),
                skills: try reader.optional("skills").map { v throws(ProtocolError) in try WireValue.skills(v) },
                tier: try reader.optional("tier").map { v throws(ProtocolError) in try WireValue.integer(v, "tier", in: 1...RoutingEngine.maximumTier) },
                sla: try reader.optional("sla").map { v throws(ProtocolError) in try WireValue.sla(v) },
                strategy: try reader.optional("strategy").map { v throws(ProtocolError) in try WireValue.strategy(v) },
                offerTimeoutMs: try reader.optional("offer-timeout").map { v throws(ProtocolError) in try WireValue.duration(v, "offer-timeout") },
                wrapUpMs: try reader.optional("wrap-up").map { v throws(ProtocolError) in try WireValue.duration(v, "wrap-up") }))
        case "LOGIN":
            let id = AgentID(try reader.required("agent"))
            self = .login(AgentProfile(
                id: id,
                name: try reader.optional("name"),
                skills: try WireValue.skills(try reader.required("skills")),
                tier: try reader.optional("tier").map { v throws(ProtocolError) in try WireValue.integer(v, "tier", in: 1...RoutingEngine.maximumTier) } ?? 1,
                capacity: try WireValue.capacity(try reader.required("capacity")),
                autoAccept: try reader.optional("auto-accept").map { v throws(ProtocolError) in try WireValue.boolean(v, "auto-accept") } ?? false))
        case "LOGOUT":
            self = .logout(agent: try reader.agent())
        case "SET-STATUS":
            // offline and wrap-up parse, and the engine answers BAD_STATUS for them.
            self = .setStatus(try WireValue.status(try reader.required("status")), agent: try reader.agent())
        case "SUBMIT":
            self = .submit(TicketSubmission(
                customer: try reader.required("customer"),
                channel: try WireValue.channel(try reader.required("channel")),
                priority: try reader.optional("priority").map { v throws(ProtocolError) in try WireValue.priority(v) } ?? .normal,
                queue: try reader.required("queue"),
                skills: try reader.optional("skills").map { v throws(ProtocolError) in try WireValue.skills(v) } ?? [],
                minimumTier: try reader.optional("tier").map { v throws(ProtocolError) in try WireValue.integer(v, "tier", in: 1...RoutingEngine.maximumTier) } ?? 1,
                subject: try reader.optional("subject") ?? ""))
        case "ACCEPT": self = .accept(try reader.ticket(), agent: try reader.agent())
        case "DECLINE": self = .decline(try reader.ticket(), agent: try reader.agent())
        case "RESOLVE": self = .resolve(try reader.ticket(), agent: try reader.agent())
        case "ESCALATE":
            self = .escalate(
                try reader.ticket(),
                tier: try reader.optional("tier").map { v throws(ProtocolError) in try WireValue.integer(v, "tier", in: 1...RoutingEngine.maximumTier) },
                agent: try reader.agent())
        case "TRANSFER":
            let ticket = try reader.ticket()
            let queue = try reader.optional("queue")
            let to = try reader.optional("to")
            let target: TransferTarget
            switch (queue, to) {
            case let (queue?, nil): target = .queue(queue)
            case let (nil, agent?): target = .agent(AgentID(agent))
            default: throw ProtocolError(.missingArgument, "TRANSFER needs exactly one of queue=QUEUE or to=AGENT")
            }
            self = .transfer(ticket, to: target, agent: try reader.agent())
        case "CANCEL": self = .cancel(try reader.ticket())
        case "TICKET": self = .ticket(try WireValue.ticket(try reader.required("id"), "id"))
        case "TICKETS":
            self = .tickets(
                state: try reader.optional("state").map { v throws(ProtocolError) in try WireValue.state(v) },
                queue: try reader.optional("queue"))
        default:
            throw ProtocolError(.unknownVerb, "unknown verb [\(line.verb)]; known verbs: \(Self.verbs.joined(separator: " "))")
        }
        try reader.finish()
    }
}

/// Takes a line's fields one by one and complains about what is missing, repeated or left over.
struct ArgumentReader {
    private let line: Line
    /// Bit `i` is set once the key of `line.fields[i]` was asked for (the first 64 fields).
    private var usedFields: UInt64 = 0
    /// The keys asked for, kept only for a line with more than 64 fields (limits allow it).
    private var usedKeys: Set<String> = []

    init(_ line: Line) { self.line = line }

    mutating func optional(_ key: String) throws(ProtocolError) -> String? {
        var found: String?
        // Lengths first: most keys differ in length, which is cheaper to see than a String comparison.
        for (position, field) in line.fields.enumerated() where field.key.utf8.count == key.utf8.count && field.key == key {
            guard found == nil else { throw ProtocolError(.badArgument, "\(key)= is given twice") }
            found = field.value
            if position < 64 { usedFields |= 1 << UInt64(position) }
        }
        if line.fields.count > 64 { usedKeys.insert(key) }
        return found
    }

    mutating func required(_ key: String) throws(ProtocolError) -> String {
        guard let value = try optional(key) else {
            throw ProtocolError(.missingArgument, "\(line.verb) needs \(key)=")
        }
        return value
    }

    mutating func ticket() throws(ProtocolError) -> TicketID { try WireValue.ticket(try required("ticket")) }

    mutating func agent() throws(ProtocolError) -> AgentID? { try optional("agent").map(AgentID.init) }

    func finish() throws(ProtocolError) {
        if let extra = line.positional.first {
            throw ProtocolError(.badSyntax, "\(line.verb) takes key=value arguments only; [\(extra)] has no key")
        }
        for (position, field) in line.fields.enumerated() {
            let used = position < 64 ? usedFields & (1 << UInt64(position)) != 0 : usedKeys.contains(field.key)
            if !used { throw ProtocolError(.unknownArgument, "\(line.verb) does not take \(field.key)=") }
        }
    }
}
