// MARK: - Checking commands before they change anything

extension RoutingEngine {
    /// The longest name (queue, agent, skill, session) the floor accepts, in UTF-8 bytes.
    public static let maximumNameLength = 64
    /// The longest customer reference, in UTF-8 bytes.
    public static let maximumCustomerLength = 256
    /// The longest subject, in UTF-8 bytes.
    public static let maximumSubjectLength = 1024

    /// Names travel unquoted on the wire and inside skill lists, so they are single tokens.
    /// `what` is built only when the name is refused: this runs on every submit.
    static func checkName(_ name: String, _ what: @autoclosure () -> String) throws(EngineError) {
        let ok = name.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            guard !bytes.isEmpty, bytes.count <= maximumNameLength else { return false }
            for byte in bytes where byte <= 0x20 || byte == 0x7F || byte == 0x3D || byte == 0x2C
                || byte == 0x3A || byte == 0x22 || byte == 0x5C {
                return false
            }
            return true
        }
        if ok == true { return }
        guard !name.isEmpty else { throw .invalidArgument("\(what()) is empty") }
        guard name.utf8.count <= maximumNameLength else {
            throw .invalidArgument("\(what()) is longer than \(maximumNameLength) bytes")
        }
        for byte in name.utf8 where byte <= 0x20 || byte == 0x7F || byte == UInt8(ascii: "=") || byte == UInt8(ascii: ",")
            || byte == UInt8(ascii: ":") || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
            throw .invalidArgument("\(what()) [\(name)] may not contain spaces, control characters or any of = , : \" \\")
        }
    }

    /// Inlined: every submit checks its subject, and a call kept the text retained around it.
    @inline(__always)
    static func checkText(_ text: String, _ what: @autoclosure () -> String, maximum: Int, allowEmpty: Bool) throws(EngineError) {
        let ok = text.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            guard allowEmpty || !bytes.isEmpty, bytes.count <= maximum else { return false }
            return !containsControlCharacter(bytes)
        }
        if ok == true { return }
        guard allowEmpty || !text.isEmpty else { throw .invalidArgument("\(what()) is empty") }
        guard text.utf8.count <= maximum else { throw .invalidArgument("\(what()) is longer than \(maximum) bytes") }
        for byte in text.utf8 where byte < 0x20 && byte != 0x09 || byte == 0x7F {
            throw .invalidArgument("\(what()) contains a control character")
        }
    }

    /// Whether any byte is a control character other than tab. Eight bytes at a time: a word
    /// with no byte below 0x20 and none equal to 0x7F is skipped with a few instructions.
    static func containsControlCharacter(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let raw = UnsafeRawBufferPointer(bytes)
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        var index = 0
        while index + 8 <= bytes.count {
            let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            // A byte below 0x20 (all our bytes of interest are below 0x80 once the high bit is clear).
            let below = (word &- ones &* 0x20) & ~word & highs
            let del = ((word ^ (ones &* 0x7F)) &- ones) & ~(word ^ (ones &* 0x7F)) & highs
            if below | del != 0 { break }
            index += 8
        }
        while index < bytes.count {
            let byte = bytes[index]
            if (byte < 0x20 && byte != 0x09) || byte == 0x7F { return true }
            index += 1
        }
        return false
    }

    static func checkSkills(_ skills: [SkillLevel], _ what: @autoclosure () -> String) throws(EngineError) {
        for skill in skills {
            try checkName(skill.skill, "skill name in \(what())")
            guard SkillLevel.levels.contains(skill.level) else {
                throw .invalidArgument("skill [\(skill.skill)] in \(what()) has level \(skill.level); levels are 1 to 5")
            }
        }
    }

    static func checkTier(_ tier: Int, _ what: @autoclosure () -> String) throws(EngineError) {
        guard (1...maximumTier).contains(tier) else {
            throw .invalidArgument("\(what()) is \(tier); tiers are 1 to \(maximumTier)")
        }
    }

    static func checkDuration(_ ms: Int64, _ what: String, minimum: Int64) throws(EngineError) {
        guard ms >= minimum, ms <= 365 * 86_400_000 else {
            throw .invalidArgument("\(what) is \(ms) ms; it must be between \(minimum) ms and one year")
        }
    }

    static func check(_ capacity: Capacity) throws(EngineError) {
        guard capacity.perChannel.count == Channel.allCases.count else {
            throw .invalidArgument("capacity must give one figure per channel")
        }
        for channel in Channel.allCases where !(0...Capacity.maximum).contains(capacity[channel]) {
            throw .invalidArgument("\(channel) capacity is \(capacity[channel]); it must be 0 to \(Capacity.maximum)")
        }
        if let total = capacity.total, !(0...Capacity.maximum * 4).contains(total) {
            throw .invalidArgument("total capacity is \(total); it must be 0 to \(Capacity.maximum * 4)")
        }
    }

    static func check(_ config: QueueConfig) throws(EngineError) {
        try checkName(config.name, "queue name")
        try checkSkills(config.defaultSkills, "queue [\(config.name)]")
        try checkTier(config.minimumTier, "minimum tier of queue [\(config.name)]")
        guard config.sla.milliseconds.count == Priority.allCases.count else {
            throw .invalidArgument("SLA targets of queue [\(config.name)] must give one figure per priority")
        }
        for priority in Priority.allCases {
            try checkDuration(config.sla[priority], "\(priority) SLA target of queue [\(config.name)]", minimum: 1)
        }
        try checkDuration(config.offerTimeoutMs, "offer timeout of queue [\(config.name)]", minimum: 1)
        try checkDuration(config.wrapUpMs, "wrap-up time of queue [\(config.name)]", minimum: 0)
    }

    static func check(_ policy: FloorPolicy) throws(EngineError) {
        try checkDuration(policy.affinityWindowMs, "affinity window", minimum: 0)
        try checkDuration(policy.realTimeGraceMs, "real-time grace period", minimum: 0)
        try checkDuration(policy.asyncGraceMs, "email and web grace period", minimum: 0)
        try checkDuration(policy.declineCooldownMs, "decline cool-down", minimum: 0)
        guard (1...100).contains(policy.missesBeforeAway) else {
            throw .invalidArgument("misses before away is \(policy.missesBeforeAway); it must be 1 to 100")
        }
        guard (1...100).contains(policy.slaWarningPercent) else {
            throw .invalidArgument("SLA warning is at \(policy.slaWarningPercent)%; it must be 1 to 100")
        }
    }

    // The look-ups below (and the other small non-mutating helpers the hot path calls from
    // mutating methods) are always inlined: a non-mutating method that is called, not
    // inlined, receives the engine by value, which copies the whole struct (400 bytes).
    @inline(__always) func agentSlot(_ id: AgentID) throws(EngineError) -> Int32 {
        guard let index = agentNames.find(id.name) else { throw .unknownAgent(id) }
        return index
    }

    /// The agent acting on a ticket: most often its holder, which is checked by comparing one
    /// name instead of looking the name up.
    @inline(__always) func actingAgent(_ id: AgentID, on ticket: Int) throws(EngineError) -> Int32 {
        let owner = tickets[ticket].owner
        if owner >= 0 && agentsHot[Int(owner)].id == id { return owner }
        return try agentSlot(id)
    }

    @inline(__always) func onlineAgentSlot(_ id: AgentID) throws(EngineError) -> Int32 {
        let index = try agentSlot(id)
        guard agentsHot[Int(index)].routing.status != .offline else { throw .agentOffline(id) }
        return index
    }

    @inline(__always) func ticketSlot(_ id: TicketID) throws(EngineError) -> Int {
        guard id.raw >= 1, id.raw <= UInt64(tickets.count) else { throw .unknownTicket(id) }
        return Int(id.raw - 1)
    }

    @inline(__always) func openTicketSlot(_ id: TicketID) throws(EngineError) -> Int {
        let index = try ticketSlot(id)
        guard !tickets[index].state.isClosed else { throw .invalidState(id, tickets[index].state) }
        return index
    }
}
