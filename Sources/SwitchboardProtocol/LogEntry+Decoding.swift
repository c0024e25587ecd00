import SwitchboardCore

// MARK: - Reading entries

extension LogEntry {
    /// Reads an entry from its line.
    ///
    /// - Throws: `ProtocolError` naming what is missing or malformed.
    public init(_ line: Line) throws(ProtocolError) {
        var arguments = ArgumentReader(line)
        self = try Self.decode(verb: line.verb, &arguments)
    }

    /// Reads an entry from a log record's payload: the same entry, or the same error, as
    /// `LineParser.parse` followed by `init(_:)`, but a payload in the plain form the node
    /// writes (ASCII, no escapes) is read in place, without making a `Line`.
    ///
    /// - Returns: nil for a blank line.
    /// - Throws: `ProtocolError` naming what is wrong with the line or the entry.
    public static func decode(payload: UnsafeBufferPointer<UInt8>) throws(ProtocolError) -> LogEntry? {
        if let entry = PayloadArguments.plainEntry(payload) { return entry }
        guard let line = try LineParser.parse(payload) else { return nil }
        return try LogEntry(line)
    }

    /// The one reading of every verb's arguments, from either source. The order of the reads
    /// decides which error a line with several faults gets: `at=` first, then the verb's
    /// arguments in the order written here, then anything left over.
    static func decode<Arguments: LogEntryArguments>(verb: String, _ r: inout Arguments) throws(ProtocolError) -> LogEntry {
        let at = Int64(try r.integer("at", in: 0...Int(Timestamp.latest.milliseconds)))
        func int(_ key: String, _ range: ClosedRange<Int>) throws(ProtocolError) -> Int {
            try r.integer(key, in: range)
        }
        func ms(_ key: String) throws(ProtocolError) -> Int64 { Int64(try int(key, 0...Int(Int64.max))) }
        let command: Command
        switch verb {
        case "QUEUE":
            command = .upsertQueue(QueueConfig(
                name: try r.required("name"), defaultSkills: try r.skills("skills"),
                minimumTier: try int("tier", 1...RoutingEngine.maximumTier), sla: try WireValue.sla(try r.required("sla")),
                strategy: try WireValue.strategy(try r.required("strategy")),
                offerTimeoutMs: try ms("offer-timeout"), wrapUpMs: try ms("wrap-up")))
        case "POLICY":
            command = .setPolicy(FloorPolicy(
                affinityWindowMs: try ms("affinity-window"), realTimeGraceMs: try ms("real-time-grace"),
                asyncGraceMs: try ms("async-grace"), missesBeforeAway: try int("misses-before-away", 0...Int(Int32.max)),
                slaWarningPercent: try int("sla-warning-percent", 0...1000), declineCooldownMs: try ms("decline-cooldown")))
        case "LOGIN":
            command = .login(AgentProfile(
                id: AgentID(try r.required("agent")), name: try r.required("name"),
                skills: try r.skills("skills"), tier: try int("tier", 1...RoutingEngine.maximumTier),
                capacity: try WireValue.capacity(try r.required("capacity")),
                autoAccept: try WireValue.boolean(try r.required("auto-accept"), "auto-accept"),
                session: try r.required("session")))
        case "LOGOUT":
            command = .logout(AgentID(try r.required("agent")))
        case "SET-STATUS":
            command = .setStatus(AgentID(try r.required("agent")), try WireValue.status(try r.required("status")))
        case "SUBMIT":
            command = .submit(TicketSubmission(
                customer: try r.required("customer"), channel: try WireValue.channel(try r.required("channel")),
                priority: try WireValue.priority(try r.required("priority")), queue: try r.required("queue"),
                skills: try r.skills("skills"), minimumTier: try int("tier", 1...RoutingEngine.maximumTier),
                subject: try r.required("subject")))
        case "ACCEPT": command = .accept(try r.ticket(), by: AgentID(try r.required("agent")))
        case "DECLINE": command = .decline(try r.ticket(), by: AgentID(try r.required("agent")))
        case "RESOLVE": command = .resolve(try r.ticket(), by: AgentID(try r.required("agent")))
        case "ESCALATE":
            command = .escalate(try r.ticket(), by: try r.optional("by").map(AgentID.init),
                                toTier: try r.optional("tier").map { v throws(ProtocolError) in
                                    try WireValue.integer(v, "tier", in: 1...RoutingEngine.maximumTier)
                                })
        case "TRANSFER":
            let ticket = try r.ticket()
            let by = try r.optional("by").map(AgentID.init)
            switch (try r.optional("queue"), try r.optional("to")) {
            case let (queue?, nil): command = .transfer(ticket, by: by, to: .queue(queue))
            case let (nil, agent?): command = .transfer(ticket, by: by, to: .agent(AgentID(agent)))
            default: throw ProtocolError(.missingArgument, "TRANSFER needs exactly one of queue= or to=")
            }
        case "CANCEL": command = .cancel(try r.ticket())
        case "NODE-DOWN": command = .nodeDown(try r.required("node"))
        case "NODE-UP": command = .nodeUp(try r.required("node"))
        case "TICK": command = .tick
        default:
            throw ProtocolError(.unknownVerb, "unknown log entry [\(verb)]")
        }
        try r.finish()
        return LogEntry(time: Timestamp(milliseconds: at), command: command)
    }
}

/// Where `LogEntry.decode(verb:_:)` reads a line's arguments from: a parsed `Line`
/// (`ArgumentReader`, which names every fault exactly), or a payload's bytes in place
/// (`PayloadArguments`, which only reads the plain form and leaves every fault to the other).
protocol LogEntryArguments: FieldArguments {
    /// A required whole number in a range.
    mutating func integer(_ key: String, in range: ClosedRange<Int>) throws(ProtocolError) -> Int
    /// A required skill list.
    mutating func skills(_ key: String) throws(ProtocolError) -> [SkillLevel]
}

/// Where a request's or an entry's `key=value` arguments are read from: a parsed `Line`
/// (`ArgumentReader`) or the bytes of a line in the plain form (`PayloadArguments`).
protocol FieldArguments {
    /// The value of a field that must be there.
    mutating func required(_ key: String) throws(ProtocolError) -> String
    /// The value of a field that may be left out.
    mutating func optional(_ key: String) throws(ProtocolError) -> String?
    /// The required `ticket=`.
    mutating func ticket() throws(ProtocolError) -> TicketID
    /// Refuses whatever was not read.
    func finish() throws(ProtocolError)
}

extension FieldArguments {
    /// The optional `agent=`.
    mutating func agent() throws(ProtocolError) -> AgentID? { try optional("agent").map(AgentID.init) }
}

extension ArgumentReader: LogEntryArguments {
    mutating func integer(_ key: String, in range: ClosedRange<Int>) throws(ProtocolError) -> Int {
        try WireValue.integer(try required(key), key, in: range)
    }

    mutating func skills(_ key: String) throws(ProtocolError) -> [SkillLevel] {
        try WireValue.skills(try required(key), key)
    }
}
