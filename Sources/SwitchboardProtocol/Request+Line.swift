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
        if line.verb == "AUTH" {
            guard line.positional.count == 1, line.fields.isEmpty else { throw Self.authSyntax }
            self = .auth(token: line.positional[0])
            return
        }
        var reader = ArgumentReader(line)
        self = try Self.decode(verb: line.verb, &reader)
    }

    /// Reads a request from a line's bytes (without its `\n`): the same request, or the same
    /// error, as `LineParser.parse` followed by `init(_:)`. A line in the plain form clients
    /// send (ASCII, `key=value` fields, no escapes) is read in place, without making a `Line`.
    ///
    /// - Returns: nil for a blank line, which the protocol ignores.
    /// - Throws: `ProtocolError` naming what is wrong with the line or the request.
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>, limits: ProtocolLimits = ProtocolLimits()) throws(ProtocolError) -> Request? {
        if let request = PayloadArguments.plainRequest(bytes, limits: limits) { return request }
        guard let line = try LineParser.parse(bytes, limits: limits) else { return nil }
        return try Request(line)
    }

    private static let authSyntax = ProtocolError(.badSyntax, "AUTH takes exactly one token: AUTH <token>")

    /// The one reading of every verb's arguments, from either source (see `LogEntry.decode`).
    /// Each verb reads a key at most once: the in-place reader finds a repeated key's second
    /// field only by being asked for the key again (`PayloadArguments.value`), so a verb that
    /// read one key twice would accept `k=a k=b` there while `ArgumentReader` refuses it.
    static func decode<Arguments: FieldArguments>(verb: String, _ reader: inout Arguments) throws(ProtocolError) -> Request {
        let request: Request
        // A switch on strings compares case by case, in order: the verbs of every ticket's
        // lifecycle come first.
        switch verb {
        case "SUBMIT":
            request = .submit(TicketSubmission(
                customer: try reader.required("customer"),
                channel: try WireValue.channel(try reader.required("channel")),
                priority: try reader.optional("priority").map { v throws(ProtocolError) in try WireValue.priority(v) } ?? .normal,
                queue: try reader.required("queue"),
                skills: try reader.optional("skills").map { v throws(ProtocolError) in try WireValue.skills(v) } ?? [],
                minimumTier: try reader.optional("tier").map { v throws(ProtocolError) in try WireValue.integer(v, "tier", in: 1...RoutingEngine.maximumTier) } ?? 1,
                subject: try reader.optional("subject") ?? ""))
        case "ACCEPT": request = .accept(try reader.ticket(), agent: try reader.agent())
        case "RESOLVE": request = .resolve(try reader.ticket(), agent: try reader.agent())
        case "AUTH": throw authSyntax  // a token is positional: only `init(_:)` reads one
        case "PING": request = .ping
        case "QUIT": request = .quit
        case "AGENTS": request = .agents
        case "QUEUES": request = .queues
        case "STATUS": request = .status
        case "DECLINE": request = .decline(try reader.ticket(), agent: try reader.agent())
        case "SNAPSHOT": request = .snapshot
        case "QUEUE":
            request = .queue(QueueSettings(
                name: try reader.required("name"),
                skills: try reader.optional("skills").map { v throws(ProtocolError) in try WireValue.skills(v) },
                tier: try reader.optional("tier").map { v throws(ProtocolError) in try WireValue.integer(v, "tier", in: 1...RoutingEngine.maximumTier) },
                sla: try reader.optional("sla").map { v throws(ProtocolError) in try WireValue.sla(v) },
                strategy: try reader.optional("strategy").map { v throws(ProtocolError) in try WireValue.strategy(v) },
                offerTimeoutMs: try reader.optional("offer-timeout").map { v throws(ProtocolError) in try WireValue.duration(v, "offer-timeout") },
                wrapUpMs: try reader.optional("wrap-up").map { v throws(ProtocolError) in try WireValue.duration(v, "wrap-up") }))
        case "LOGIN":
            let id = AgentID(try reader.required("agent"))
            request = .login(AgentProfile(
                id: id,
                name: try reader.optional("name"),
                skills: try WireValue.skills(try reader.required("skills")),
                tier: try reader.optional("tier").map { v throws(ProtocolError) in try WireValue.integer(v, "tier", in: 1...RoutingEngine.maximumTier) } ?? 1,
                capacity: try WireValue.capacity(try reader.required("capacity")),
                autoAccept: try reader.optional("auto-accept").map { v throws(ProtocolError) in try WireValue.boolean(v, "auto-accept") } ?? false))
        case "LOGOUT":
            request = .logout(agent: try reader.agent())
        case "SET-STATUS":
            // offline and wrap-up parse, and the engine answers BAD_STATUS for them.
            request = .setStatus(try WireValue.status(try reader.required("status")), agent: try reader.agent())
        case "ESCALATE":
            request = .escalate(
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
            request = .transfer(ticket, to: target, agent: try reader.agent())
        case "CANCEL": request = .cancel(try reader.ticket())
        case "TICKET": request = .ticket(try WireValue.ticket(try reader.required("id"), "id"))
        case "TICKETS":
            request = .tickets(
                state: try reader.optional("state").map { v throws(ProtocolError) in try WireValue.state(v) },
                queue: try reader.optional("queue"))
        default:
            throw ProtocolError(.unknownVerb, "unknown verb [\(verb)]; known verbs: \(Self.verbs.joined(separator: " "))")
        }
        try reader.finish()
        return request
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
