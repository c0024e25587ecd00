// MARK: - Queues, policy, agents

extension RoutingEngine {
    mutating func upsertQueue(_ config: QueueConfig, events: inout [Event]) throws(EngineError) {
        try Self.check(config)
        let requirement = internRequirement(RequirementKey(skills: packSkills(config.defaultSkills), tier: config.minimumTier))
        activateStrategy(config.strategy)
        guard let index = queueNames.find(config.name) else {
            _ = queueNames.intern(config.name)
            queues.append(QueueRecord(config: config, requirement: requirement))
            events.append(.queueUpdated(config.name))
            return
        }
        let changed = queues[Int(index)].requirement != requirement
        queues[Int(index)].config = config
        queues[Int(index)].requirement = requirement
        events.append(.queueUpdated(config.name))
        guard changed else { return }
        // Open tickets take the queue's new skills and tier (they keep their deadlines); the
        // waiting ones are routed again, earliest deadline first, since someone may be able
        // to take them now.
        var waiting: [Int] = []
        for ticket in tickets.indices where tickets[ticket].queue == index && !tickets[ticket].state.isClosed {
            dequeueWaiting(ticket)
            tickets[ticket].requirement = effectiveRequirement(ticket)
            if tickets[ticket].state == .queued { waiting.append(ticket) }
        }
        for ticket in waiting.sorted(by: { ticketKey($0) < ticketKey($1) }) { reroute(ticket, events: &events) }
    }

    mutating func setPolicy(_ policy: FloorPolicy, events: inout [Event]) throws(EngineError) {
        try Self.check(policy)
        self.policy = policy
        rebuildTimers()
        events.append(.policyUpdated)
    }

    mutating func login(_ profile: AgentProfile, events: inout [Event]) throws(EngineError) {
        try Self.checkName(profile.id.name, "agent id")
        try Self.checkText(profile.name, "agent name", maximum: Self.maximumNameLength, allowEmpty: false)
        try Self.checkSkills(profile.skills, "agent [\(profile.id)]")
        try Self.checkTier(profile.tier, "tier of agent [\(profile.id)]")
        try Self.check(profile.capacity)
        try Self.checkText(profile.session, "session tag", maximum: Self.maximumNameLength, allowEmpty: true)

        if let existing = agentNames.find(profile.id.name) {
            let load = agentsHot[Int(existing)].routing.load
            for channel in Channel.allCases where Int(load[channel.index]) > profile.capacity[channel] {
                throw .invalidArgument("agent [\(profile.id)] holds \(load[channel.index]) \(channel) ticket(s); a capacity of \(profile.capacity[channel]) is below that")
            }
            if Int(load.wrappedSum()) > profile.capacity.effectiveTotal {
                throw .invalidArgument("agent [\(profile.id)] holds \(load.wrappedSum()) ticket(s); a total capacity of \(profile.capacity.effectiveTotal) is below that")
            }
        }
        let skills = packSkills(profile.skills)
        let group = internGroup(skills: skills, tier: profile.tier)
        let index: Int32
        if let existing = agentNames.find(profile.id.name) {
            index = existing
            unindexAgent(index)
        } else {
            index = agentNames.intern(profile.id.name)
            let routing = AgentRouting(channelCap: .zero, idleSince: now, totalCap: 0, order: nextAgentOrder, status: .offline)
            nextAgentOrder += 1
            appendAgent(
                AgentRecord(id: profile.id, name: profile.name, skills: [], tier: 0, capacity: Capacity(), session: ""),
                AgentHot(routing: routing, id: profile.id))
        }
        let a = Int(index)
        let wasLost = agentsHot[a].routing.sessionLost
        agents[a].name = profile.name
        agents[a].skills = unpackSkills(skills)
        agents[a].tier = profile.tier
        agents[a].capacity = profile.capacity
        agentsHot[a].routing.autoAccept = profile.autoAccept
        agents[a].session = profile.session
        agentsHot[a].routing.group = group
        agentsHot[a].routing.sessionLost = false
        agentsHot[a].routing.channelCap = SIMD4(profile.capacity.perChannel.map { Int32($0) })
        agentsHot[a].routing.totalCap = Int32(profile.capacity.effectiveTotal)
        if agentsHot[a].routing.status == .offline {
            agentsHot[a].routing.status = .available
            agentsHot[a].routing.idleSince = now
            agents[a].consecutiveMisses = 0
        }
        events.append(.agentLoggedIn(profile.id))
        if wasLost { events.append(.agentSessionRestored(profile.id)) }
        reindexAgent(index)
        fill(index, events: &events)
    }

    mutating func logout(_ id: AgentID, events: inout [Event]) throws(EngineError) {
        let index = try onlineAgentSlot(id)
        let assigned = agentsHot[Int(index)].tickets.filter { tickets[Int($0)].state == .assigned }.count
        guard assigned == 0 else { throw .agentBusy(id, tickets: assigned) }
        takeOffline(index, events: &events)
    }

    /// Returns the agent's offers to routing and logs it out. Its assigned tickets must be gone.
    mutating func takeOffline(_ index: Int32, events: inout [Event]) {
        agentsHot[Int(index)].routing.status = .offline
        agentsHot[Int(index)].routing.sessionLost = false
        reindexAgent(index)
        for ticket in agentsHot[Int(index)].tickets {
            requeue(Int(ticket), reason: .released, front: false, events: &events)
        }
        events.append(.agentLoggedOut(agents[Int(index)].id))
    }

    mutating func setStatus(_ id: AgentID, _ status: AgentStatus, events: inout [Event]) throws(EngineError) {
        guard status == .available || status == .away else { throw .invalidStatus(status) }
        let index = try onlineAgentSlot(id)
        guard agentsHot[Int(index)].routing.status != status else { return }
        changeStatus(index, to: status, events: &events)
    }

    mutating func changeStatus(_ index: Int32, to status: AgentStatus, events: inout [Event]) {
        agentsHot[Int(index)].routing.status = status
        if status == .available {
            agentsHot[Int(index)].routing.idleSince = now
            agents[Int(index)].consecutiveMisses = 0
        }
        events.append(.agentStatusChanged(agents[Int(index)].id, status))
        reindexAgent(index)
        if status == .available { fill(index, events: &events) }
    }

    mutating func nodeDown(_ node: String, events: inout [Event]) throws(EngineError) {
        try Self.checkText(node, "node", maximum: Self.maximumNameLength, allowEmpty: false)
        for a in agents.indices where Self.session(agents[a].session, belongsTo: node)
            && agentsHot[a].routing.status != .offline && !agentsHot[a].routing.sessionLost {
            let index = Int32(a)
            agentsHot[a].routing.sessionLost = true
            agents[a].lostAt = now
            reindexAgent(index)
            events.append(.agentSessionLost(agents[a].id))
            for ticket in agentsHot[a].tickets where tickets[Int(ticket)].state == .offered {
                requeue(Int(ticket), reason: .released, front: false, events: &events)
            }
            scheduleGraceTimers(index)
        }
    }

    mutating func nodeUp(_ node: String, events: inout [Event]) throws(EngineError) {
        try Self.checkText(node, "node", maximum: Self.maximumNameLength, allowEmpty: false)
        for a in agents.indices where Self.session(agents[a].session, belongsTo: node) && agentsHot[a].routing.sessionLost {
            agentsHot[a].routing.sessionLost = false
            events.append(.agentSessionRestored(agents[a].id))
            reindexAgent(Int32(a))
            fill(Int32(a), events: &events)
        }
    }

    /// A session tag is `node` or `node#connection`: a node going down takes all its sessions,
    /// a connection going down only its own.
    public static func session(_ tag: String, belongsTo node: String) -> Bool {
        tag == node || (tag.hasPrefix(node) && tag.utf8.dropFirst(node.utf8.count).first == UInt8(ascii: "#"))
    }
}
