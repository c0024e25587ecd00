// MARK: - Restoring a snapshot (format described in RoutingEngine+Snapshot.swift)

extension RoutingEngine {
    /// Rebuilds an engine from `snapshot()` bytes: the same state, the same digest, the same
    /// decisions from here on.
    ///
    /// - Throws: `SnapshotError` naming the byte offset and field when the bytes are damaged.
    public init(snapshot bytes: [UInt8]) throws(SnapshotError) {
        guard bytes.count >= Self.snapshotMagic.count + 10, Array(bytes.prefix(8)) == Self.snapshotMagic else {
            throw .notASnapshot
        }
        var hash = StateHash()
        hash.combine(bytes.dropLast(8))
        let stored = bytes.suffix(8).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard stored == hash.value else { throw .checksumMismatch(expected: stored, found: hash.value) }

        var input = ByteReader(Array(bytes.dropLast(8)))
        for _ in 0..<8 { _ = try input.u8("magic") }
        let version = UInt16(try input.u8("version")) | UInt16(try input.u8("version")) << 8
        guard version == Self.snapshotVersion else { throw .unsupportedVersion(version) }

        var policy = FloorPolicy()
        policy.affinityWindowMs = try input.i64("affinity window")
        policy.realTimeGraceMs = try input.i64("real-time grace")
        policy.asyncGraceMs = try input.i64("async grace")
        policy.missesBeforeAway = try input.int("misses before away")
        policy.slaWarningPercent = try input.int("SLA warning percent")
        policy.declineCooldownMs = try input.i64("decline cool-down")
        self.init(policy: policy)
        now = try input.i64("clock")
        nextTicketID = try input.u64("next ticket id")
        nextAgentOrder = try input.u32("next agent order")
        offerSequence = try input.u64("offer sequence")
        for _ in 0..<(try input.count("skill count", minimumSize: 4)) {
            let name = try input.string("skill name")
            guard skillNames.find(name) == nil else { throw .invalid(at: input.offset, "skill [\(name)] appears twice") }
            _ = skillNames.intern(name)
        }

        for _ in 0..<(try input.count("queue count", minimumSize: 16)) {
            var config = QueueConfig(name: try input.string("queue name"))
            config.defaultSkills = try readSkills(&input)
            config.minimumTier = try input.int("queue tier")
            for priority in Priority.allCases { config.sla[priority] = try input.i64("SLA target") }
            config.strategy = try readEnum(&input, "strategy")
            config.offerTimeoutMs = try input.i64("offer timeout")
            config.wrapUpMs = try input.i64("wrap-up")
            guard queueNames.find(config.name) == nil else { throw .invalid(at: input.offset, "queue [\(config.name)] appears twice") }
            let requirement = internRequirement(RequirementKey(skills: packSkills(config.defaultSkills), tier: config.minimumTier))
            activateStrategy(config.strategy)
            _ = queueNames.intern(config.name)
            queues.append(QueueRecord(config: config, requirement: requirement))
        }

        for _ in 0..<(try input.count("agent count", minimumSize: 32)) {
            let id = AgentID(try input.string("agent id"))
            let name = try input.string("agent name")
            let skills = try readSkills(&input)
            let tier = try input.int("agent tier")
            var capacity = Capacity()
            for channel in Channel.allCases { capacity[channel] = try input.int("capacity") }
            let hasTotal = try input.bool("has total")
            let total = try input.int("total")
            capacity.total = hasTotal ? total : nil
            let autoAccept = try input.bool("auto-accept")
            let session = try input.string("session")
            let status: AgentStatus = try readEnum(&input, "agent status")
            let sessionLost = try input.bool("session lost")
            var routing = AgentRouting(
                channelCap: SIMD4(capacity.perChannel.map { Int32(clamping: $0) }), idleSince: 0,
                totalCap: Int32(clamping: capacity.effectiveTotal), order: 0, status: status, sessionLost: sessionLost,
                autoAccept: autoAccept)
            var agent = AgentRecord(id: id, name: name, skills: skills, tier: tier, capacity: capacity, session: session)
            var held: [Int32] = []
            agent.lostAt = try input.i64("lost at")
            agent.consecutiveMisses = try input.int("misses")
            agent.wrapUpEndsAt = try input.i64("wrap-up end")
            routing.order = try input.u32("agent order")
            routing.idleSince = try input.i64("idle since")
            routing.lastOfferSeq = try input.u64("last offer")
            for _ in 0..<(try input.count("agent ticket count", minimumSize: 4)) {
                held.append(Int32(bitPattern: try input.u32("agent ticket")))
            }
            guard agentNames.find(id.name) == nil else { throw .invalid(at: input.offset, "agent [\(id)] appears twice") }
            guard (1...Self.maximumTier).contains(tier) else { throw .invalid(at: input.offset, "agent [\(id)] has tier \(tier)") }
            routing.group = internGroup(skills: packSkills(skills), tier: tier)
            _ = agentNames.intern(id.name)
            appendAgent(agent, AgentHot(routing: routing, id: id, tickets: held))
        }

        let ticketCount = try input.count("ticket count", minimumSize: 60)
        for _ in 0..<ticketCount {
            let customer = customers.intern(try input.string("customer"))
            let subject = try input.string("subject")
            let queue = try input.u32("ticket queue")
            guard queue < queues.count else { throw .invalid(at: input.offset, "ticket queue \(queue) does not exist") }
            let channel: Channel = try readEnum(&input, "channel")
            let priority: Priority = try readEnum(&input, "priority")
            let state: TicketState = try readEnum(&input, "ticket state")
            let own = internOwnRequirement(try readRequirement(&input))
            let requirement = internRequirement(try readRequirement(&input))
            let minimumTier = try input.int("minimum tier")
            guard (1...Self.maximumTier).contains(minimumTier) else { throw .invalid(at: input.offset, "minimum tier \(minimumTier)") }
            var ticket = TicketRecord(
                createdAt: try input.i64("created"), deadline: try input.i64("deadline"),
                queue: Int32(queue), customer: customer, ownRequirement: own, requirement: requirement,
                channel: channel, priority: priority, minimumTier: UInt8(minimumTier))
            ticket.state = state
            ticket.owner = try input.i32("owner")
            guard ticket.owner >= -1, ticket.owner < agents.count else { throw .invalid(at: input.offset, "ticket owner \(ticket.owner)") }
            ticket.offerExpiresAt = try input.i64("offer expiry")
            ticket.rank = try input.u8("rank")
            ticket.slaWarned = try input.bool("warned")
            ticket.slaBreached = try input.bool("breached")
            var excluded: [Exclusion] = []
            for _ in 0..<(try input.count("avoided count", minimumSize: 12)) {
                let agent = try input.i32("avoided agent")
                guard agent >= 0, agent < agents.count else { throw .invalid(at: input.offset, "avoided agent \(agent)") }
                excluded.append(Exclusion(agent: agent, until: try input.i64("avoided until")))
            }
            ticket.hasExclusions = !excluded.isEmpty
            let index = tickets.count
            if !excluded.isEmpty { exclusions[Int32(index)] = excluded }
            tickets.append(ticket)
            ticketSubjects.append(subject)
            for _ in 0..<(try input.count("history count", minimumSize: 17)) {
                let at = try input.i64("history time")
                let kind: HistoryKind = try readEnum(&input, "history kind")
                let agent = try input.i32("history agent")
                guard agent >= -1, agent < agents.count else { throw .invalid(at: input.offset, "history agent \(agent)") }
                let detail = try input.i32("history detail")
                let saved = now
                now = at
                record(index, kind, agent: agent, detail: detail)
                now = saved
            }
        }
        guard UInt64(tickets.count) == nextTicketID - 1 else {
            throw .invalid(at: input.offset, "\(tickets.count) tickets but the next id is \(nextTicketID)")
        }
        for agent in agents.indices {
            for ticket in agentsHot[agent].tickets where ticket < 0 || Int(ticket) >= tickets.count || tickets[Int(ticket)].owner != Int32(agent) {
                throw .invalid(at: input.offset, "agent [\(agents[agent].id)] holds ticket index \(ticket) it does not own")
            }
        }

        for _ in 0..<(try input.count("affinity count", minimumSize: 16)) {
            let customer = try input.string("affinity customer")
            let agent = try input.i32("affinity agent")
            guard agent >= 0, agent < agents.count else { throw .invalid(at: input.offset, "affinity agent \(agent)") }
            customers[payload: customers.intern(customer)] = Affinity(agent: agent, at: try input.i64("affinity time"))
        }
        guard input.isAtEnd else { throw .invalid(at: input.offset, "unexpected bytes after the affinity table") }
        try checkConsistency(at: input.offset)
        rebuildDerivedState()
    }

    /// Refuses a snapshot whose parts contradict each other or hold values no command could have
    /// produced, even though its checksum is right: a restored engine must be one the commands
    /// could have built, or it may trap later.
    private func checkConsistency(at offset: Int) throws(SnapshotError) {
        func refuse(_ why: String) -> SnapshotError { .invalid(at: offset, why) }
        do throws(EngineError) {
            try Self.check(policy)
            for queue in queues { try Self.check(queue.config) }
            for agent in agents {
                try Self.check(agent.capacity)
                try Self.checkTier(agent.tier, "tier of agent [\(agent.id)]")
            }
        } catch {
            throw refuse(error.description)
        }
        guard now >= 0, now <= Timestamp.latest.milliseconds else { throw refuse("clock \(now) is out of range") }
        // Every time is at most now, or at most a year after it (deadlines, expiries, cool-downs).
        let year: Int64 = 366 * 86_400_000
        func past(_ t: Int64) -> Bool { t >= 0 && t <= now }
        func future(_ t: Int64) -> Bool { t >= 0 && t <= now + year }
        guard nextAgentOrder == UInt32(agents.count) else { throw refuse("next agent order \(nextAgentOrder) for \(agents.count) agents") }
        for (index, (agent, hot)) in zip(agents, agentsHot).enumerated() {
            guard hot.routing.order == UInt32(index) else { throw refuse("agent [\(agent.id)] has order \(hot.routing.order)") }
            guard past(agent.lostAt), past(hot.routing.idleSince), future(agent.wrapUpEndsAt) else {
                throw refuse("agent [\(agent.id)] has a time out of range")
            }
            guard (0..<Int(Int32.max)).contains(agent.consecutiveMisses) else { throw refuse("agent [\(agent.id)] has \(agent.consecutiveMisses) misses") }
            guard hot.routing.lastOfferSeq <= offerSequence else { throw refuse("agent [\(agent.id)] was offered work after the last offer") }
            var load = [Int](repeating: 0, count: 4)
            for ticket in hot.tickets where ticket >= 0 && Int(ticket) < tickets.count { load[tickets[Int(ticket)].channel.index] += 1 }
            for channel in Channel.allCases where load[channel.index] > agent.capacity[channel] {
                throw refuse("agent [\(agent.id)] holds more \(channel) tickets than its capacity")
            }
            guard load.reduce(0, +) <= agent.capacity.effectiveTotal else { throw refuse("agent [\(agent.id)] holds more than its total capacity") }
        }
        for id in 0..<Int32(customers.count) where customers[payload: id].agent >= 0 && !past(customers[payload: id].at) {
            throw refuse("customer [\(customers[id])] has an affinity time out of range")
        }
        var held = [Int](repeating: 0, count: agents.count)
        for index in tickets.indices {
            let ticket = tickets[index]
            let id = index + 1
            switch ticket.state {
            case .offered, .assigned:
                guard ticket.owner >= 0 else { throw refuse("ticket \(id) is \(ticket.state) but has no owner") }
                guard agentsHot[Int(ticket.owner)].tickets.contains(Int32(index)) else {
                    throw refuse("ticket \(id) is held by agent [\(agents[Int(ticket.owner)].id)] but not in its list")
                }
                held[Int(ticket.owner)] += 1
            case .queued, .resolved, .cancelled:
                guard ticket.owner == -1 else { throw refuse("ticket \(id) is \(ticket.state) but has an owner") }
            }
            guard ticket.rank <= 1 else { throw refuse("ticket \(id) has rank \(ticket.rank)") }
            guard past(ticket.createdAt), ticket.createdAt <= ticket.deadline, ticket.deadline <= ticket.createdAt + year else {
                throw refuse("ticket \(id) has a creation time or deadline out of range")
            }
            guard future(ticket.offerExpiresAt), (exclusions[Int32(index)] ?? []).allSatisfy({ future($0.until) }) else {
                throw refuse("ticket \(id) has an offer expiry or cool-down out of range")
            }
            guard historyRecords(of: index).allSatisfy({ past($0.at) }) else { throw refuse("ticket \(id) has a history time out of range") }
            for step in historyRecords(of: index) where step.kind == .created || step.kind == .transferredToQueue {
                guard step.detail >= 0, Int(step.detail) < queues.count else {
                    throw refuse("ticket \(id) has a history step naming queue \(step.detail)")
                }
            }
            for step in historyRecords(of: index) where step.kind == .escalated {
                guard (1...Self.maximumTier).contains(Int(step.detail)) else { throw refuse("ticket \(id) escalated to tier \(step.detail)") }
            }
            for step in historyRecords(of: index) where step.kind == .requeued {
                guard RequeueReason(rawValue: UInt8(clamping: step.detail)) != nil, step.detail >= 0 else {
                    throw refuse("ticket \(id) has a requeue reason \(step.detail)")
                }
            }
        }
        for agent in agents.indices where held[agent] != agentsHot[agent].tickets.count {
            throw refuse("agent [\(agents[agent].id)] lists \(agentsHot[agent].tickets.count) tickets but holds \(held[agent])")
        }
        for agent in agents.indices where agentsHot[agent].routing.status == .offline && !agentsHot[agent].tickets.isEmpty {
            throw refuse("agent [\(agents[agent].id)] is offline but holds tickets")
        }
    }

    /// Recomputes counters, indexes and timers from the stored state.
    private mutating func rebuildDerivedState() {
        for index in tickets.indices {
            let queue = Int(tickets[index].queue)
            switch tickets[index].state {
            case .queued:
                queues[queue].waiting += 1
                enqueueWaiting(index)
            case .offered: queues[queue].offered += 1
            case .assigned: queues[queue].assigned += 1
            case .resolved: queues[queue].resolved += 1
            case .cancelled: queues[queue].cancelled += 1
            }
            if tickets[index].slaBreached && !tickets[index].state.isClosed { queues[queue].breachedOpen += 1 }
        }
        for agent in agents.indices {
            var load = SIMD4<Int32>.zero
            for ticket in agentsHot[agent].tickets { load[tickets[Int(ticket)].channel.index] += 1 }
            agentsHot[agent].routing.load = load
            reindexAgent(Int32(agent))
        }
        rebuildTimers()
    }

    private func readEnum<E: RawRepresentable>(_ input: inout ByteReader, _ what: String) throws(SnapshotError) -> E
    where E.RawValue == UInt8 {
        let raw = try input.u8(what)
        guard let value = E(rawValue: raw) else { throw .invalid(at: input.offset - 1, "\(what) \(raw) is unknown") }
        return value
    }

    private func readSkills(_ input: inout ByteReader) throws(SnapshotError) -> [SkillLevel] {
        var skills: [SkillLevel] = []
        for _ in 0..<(try input.count("skill list", minimumSize: 5)) {
            let id = Int(try input.u32("skill id"))
            let level = Int(try input.u8("skill level"))
            guard id < skillNames.count, SkillLevel.levels.contains(level) else {
                throw .invalid(at: input.offset, "skill \(id) at level \(level)")
            }
            skills.append(SkillLevel(skillNames[Int32(id)], level: level))
        }
        return skills
    }

    private func readRequirement(_ input: inout ByteReader) throws(SnapshotError) -> RequirementKey {
        let skills = try readSkills(&input)
        let tier = try input.int("requirement tier")
        guard (1...Self.maximumTier).contains(tier) else { throw .invalid(at: input.offset, "requirement tier \(tier)") }
        var packed = skills.map { RequirementKey.pack(skill: Int(skillNames.find($0.skill)!), level: $0.level) }
        packed.sort()
        return RequirementKey(skills: packed, tier: tier)
    }
}
