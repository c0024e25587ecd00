// MARK: - The ticket lifecycle

extension RoutingEngine {
    mutating func submit(_ submission: TicketSubmission, events: inout [Event]) throws(EngineError) {
        guard let queue = queueNames.find(submission.queue) else { throw .unknownQueue(submission.queue) }
        // Names seen before were checked when first seen; only new ones are checked here.
        let knownCustomer = customers.find(submission.customer)
        // Read here, well before routing needs it: on a large floor both reads miss the cache,
        // and the work in between hides the second miss.
        let lastResolver = knownCustomer.map { customers[payload: $0] } ?? customers.initialPayload
        if knownCustomer == nil {
            try Self.checkText(submission.customer, "customer", maximum: Self.maximumCustomerLength, allowEmpty: false)
        }
        try Self.checkText(submission.subject, "subject", maximum: Self.maximumSubjectLength, allowEmpty: true)
        // Up to four skills already known are looked up once and packed; anything else takes
        // the general path after validation.
        var packed = SIMD4<UInt32>.zero
        var allKnown = submission.skills.count <= 4
        for (position, skill) in submission.skills.enumerated() {
            guard SkillLevel.levels.contains(skill.level) else {
                throw .invalidArgument("skill [\(skill.skill)] in ticket has level \(skill.level); levels are 1 to 5")
            }
            if let id = skillNames.find(skill.skill) {
                if position < 4 { packed[position] = RequirementKey.pack(skill: Int(id), level: skill.level) }
            } else {
                try Self.checkName(skill.skill, "skill name in ticket")
                allKnown = false
            }
        }
        try Self.checkTier(submission.minimumTier, "minimum tier of the ticket")

        let base = queues[Int(queue)].requirement
        let own: Int32
        let requirement: Int32
        if allKnown {
            let found = submittedRequirements(packed: packed, count: submission.skills.count, tier: submission.minimumTier, base: base)
            own = found.own
            requirement = found.routing
        } else {
            own = internOwnRequirement(skills: submission.skills, tier: submission.minimumTier)
            requirement = mergeRequirements(base, own: own)
        }
        let customer = knownCustomer ?? customers.intern(submission.customer)
        let index = create(submission, queue: queue, customer: customer, own: own, requirement: requirement, events: &events)
        // Nothing so far entered a ready heap or the waiting tickets.
        route(index, reason: nil, lastResolver: lastResolver, asAtCommandStart: true, events: &events)
    }

    /// Adds a checked submission's ticket record, subject and first history step; returns its
    /// index. Kept out of `submit`: with the name look-ups inlined there, the appends below
    /// were no longer inlined into it, and each stayed several calls.
    @inline(never)
    private mutating func create(
        _ submission: TicketSubmission, queue: Int32, customer: Int32, own: Int32, requirement: Int32, events: inout [Event]
    ) -> Int {
        let id = nextTicketID
        nextTicketID += 1
        let index = tickets.count
        // The "created" step goes in with the record, so the new record is written once.
        let created = Int32(history.count)
        history.append(HistoryRecord(at: now, kind: .created, agent: -1, detail: queue))
        tickets.append(TicketRecord(
            createdAt: now, deadline: now + queues[Int(queue)].config.sla[submission.priority],
            queue: queue, customer: customer, ownRequirement: own, requirement: requirement, historyTail: created,
            channel: submission.channel, priority: submission.priority, minimumTier: UInt8(submission.minimumTier)))
        ticketSubjects.append(submission.subject)
        queues[Int(queue)].waiting += 1
        events.append(.ticketCreated(TicketID(id)))
        return index
    }

    mutating func accept(_ id: TicketID, by agentID: AgentID, events: inout [Event]) throws(EngineError) {
        let index = try ticketSlot(id)
        let agent = try actingAgent(agentID, on: index)
        guard tickets[index].state == .offered, tickets[index].owner == agent else { throw .notOffered(id, agentID) }
        agents[Int(agent)].consecutiveMisses = 0
        setState(index, .assigned, owner: agent, recording: .assigned, agent: agent)
        events.append(.ticketAssigned(id, agentID))
    }

    mutating func decline(_ id: TicketID, by agentID: AgentID, events: inout [Event]) throws(EngineError) {
        let index = try ticketSlot(id)
        let agent = try actingAgent(agentID, on: index)
        guard tickets[index].state == .offered, tickets[index].owner == agent else { throw .notOffered(id, agentID) }
        events.append(.offerDeclined(id, agentID))
        record(index, .declined, agent: agent)
        turnAway(index, from: agent, since: now, reason: .declined, events: &events)
        fill(agent, events: &events)
    }

    /// An offer the agent declined or missed: the ticket avoids that agent for the cool-down
    /// (counted from `since`) and goes to the next one.
    mutating func turnAway(_ index: Int, from agent: Int32, since: Int64, reason: RequeueReason, events: inout [Event]) {
        detach(index)
        avoid(index, agent: agent, since: since)
        setState(index, .queued)
        route(index, reason: reason, events: &events)
    }

    /// Makes the ticket avoid the agent for the cool-down; each agent has its own end time.
    mutating func avoid(_ index: Int, agent: Int32, since: Int64) {
        let key = Int32(index)
        let until = since + policy.declineCooldownMs
        var list = (exclusions[key] ?? []).filter { $0.agent != agent && $0.until > now }
        list.append(Exclusion(agent: agent, until: until))
        exclusions[key] = list
        setAvoiding(index, true)
        timers.insert(Timer(at: until, kind: .cooldownEnd, target: key))
    }

    mutating func resolve(_ id: TicketID, by agentID: AgentID, events: inout [Event]) throws(EngineError) {
        let index = try ticketSlot(id)
        let agent = try actingAgent(agentID, on: index)
        // The record is read once (see `setState`); `setState` changes none of the fields read.
        let ticket = tickets[index]
        guard ticket.owner == agent else { throw .notOwner(id, agentID) }
        guard ticket.state == .assigned else { throw .invalidState(id, ticket.state) }
        agentsHot[Int(agent)].giveBack(Int32(index), channel: ticket.channel.index)
        setState(index, .resolved, owner: -1, recording: .resolved, agent: agent)
        customers[payload: ticket.customer] = Affinity(agent: agent, at: now)
        events.append(.ticketResolved(id, agentID))
        let wrapUp = queues[Int(ticket.queue)].config.wrapUpMs
        if wrapUp > 0 && agentsHot[Int(agent)].routing.status == .available {
            agents[Int(agent)].wrapUpEndsAt = now + wrapUp
            timers.insert(Timer(at: now + wrapUp, kind: .wrapUpEnd, target: agent))
            changeStatus(agent, to: .wrapUp, events: &events)
        } else {
            // Reindexes the agent once, after its new offers. Nothing so far entered a ready
            // heap or the waiting tickets: giving back a ticket leaves the heaps as they were.
            fill(agent, events: &events, asAtCommandStart: true)
        }
    }

    /// Checks that `by` (an agent, or nil for an admin) may act on the ticket as its owner.
    @inline(__always) private func checkActor(_ index: Int, _ id: TicketID, by agentID: AgentID?) throws(EngineError) {
        guard let agentID else { return }
        let agent = try agentSlot(agentID)
        guard tickets[index].owner == agent else { throw .notOwner(id, agentID) }
        guard tickets[index].state == .assigned else { throw .invalidState(id, tickets[index].state) }
    }

    mutating func escalate(_ id: TicketID, by agentID: AgentID?, toTier: Int?, events: inout [Event]) throws(EngineError) {
        let index = try openTicketSlot(id)
        try checkActor(index, id, by: agentID)
        let current = requirements[Int(tickets[index].requirement)].tier
        let owner = tickets[index].owner
        let ownerTier = owner >= 0 ? agents[Int(owner)].tier : 0
        let tier = toTier ?? (Swift.max(current, ownerTier) + 1)
        guard tier <= Self.maximumTier else { throw .tierTooHigh(tier) }
        guard tier > current else {
            throw .invalidArgument("ticket [\(id)] already needs tier \(current); escalate to a higher tier")
        }
        dequeueWaiting(index)
        release(index, reason: .escalated, passedOnBy: agentID, events: &events)
        tickets[index].minimumTier = UInt8(tier)
        tickets[index].requirement = effectiveRequirement(index)
        record(index, .escalated, agent: owner, detail: Int32(tier))
        events.append(.ticketEscalated(id, tier: tier))
        requeue(index, reason: .escalated, front: false, events: &events)
        if owner >= 0 { fill(owner, events: &events) }
    }

    /// Takes a ticket from its holder before it moves on (escalation, transfer), announcing it
    /// first. An agent that passes its own ticket on does not get it straight back: the ticket
    /// avoids it for the cool-down.
    private mutating func release(_ index: Int, reason: RequeueReason, passedOnBy actor: AgentID?, events: inout [Event]) {
        let holder = detach(index)
        guard holder >= 0 else { return }
        events.append(.ticketRevoked(TicketID(UInt64(index + 1)), agents[Int(holder)].id, reason: reason))
        if actor != nil { avoid(index, agent: holder, since: now) }
    }

    /// The ticket's queue defaults, its own needs and its escalated tier, combined.
    mutating func effectiveRequirement(_ index: Int) -> Int32 {
        let base = mergeRequirements(queues[Int(tickets[index].queue)].requirement, own: tickets[index].ownRequirement)
        let minimum = Int(tickets[index].minimumTier)
        guard minimum > requirements[Int(base)].tier else { return base }
        return internRequirement(RequirementKey(skills: requirements[Int(base)].skills, tier: minimum))
    }

    mutating func transfer(_ id: TicketID, by agentID: AgentID?, to target: TransferTarget, events: inout [Event]) throws(EngineError) {
        let index = try openTicketSlot(id)
        try checkActor(index, id, by: agentID)
        switch target {
        case .queue(let name):
            guard let queue = queueNames.find(name) else { throw .unknownQueue(name) }
            dequeueWaiting(index)
            let owner = tickets[index].owner
            release(index, reason: .transferred, passedOnBy: agentID, events: &events)
            moveCounters(index, toQueue: queue)
            tickets[index].queue = queue
            tickets[index].deadline = tickets[index].createdAt + queues[Int(queue)].config.sla[tickets[index].priority]
            tickets[index].slaTimerPending = false  // the pending check was for the old deadline
            tickets[index].requirement = effectiveRequirement(index)
            record(index, .transferredToQueue, agent: owner, detail: queue)
            events.append(.ticketTransferred(id, to: target))
            requeue(index, reason: .transferred, front: false, events: &events)
            if owner >= 0 { fill(owner, events: &events) }
        case .agent(let targetID):
            let receiver = try onlineAgentSlot(targetID)
            let channel = tickets[index].channel.index
            let routing = agentsHot[Int(receiver)].routing
            guard tickets[index].owner != receiver else {
                throw .invalidArgument("ticket [\(id)] is already with agent [\(targetID)]")
            }
            guard !routing.sessionLost else { throw .agentOffline(targetID) }
            guard routing.load[channel] < routing.channelCap[channel], routing.totalLoad < routing.totalCap else {
                throw .agentAtCapacity(targetID, tickets[index].channel)
            }
            dequeueWaiting(index)
            let owner = detach(index)
            agentsHot[Int(receiver)].routing.load[channel] += 1
            agentsHot[Int(receiver)].tickets.append(Int32(index))
            tickets[index].owner = receiver
            setState(index, .assigned)
            record(index, .transferredToAgent, agent: receiver)
            if owner >= 0 { events.append(.ticketRevoked(id, agents[Int(owner)].id, reason: .transferred)) }
            events.append(.ticketTransferred(id, to: target))
            events.append(.ticketAssigned(id, targetID))
            reindexAgent(receiver)
            if owner >= 0 { fill(owner, events: &events) }
        }
    }

    mutating func cancel(_ id: TicketID, events: inout [Event]) throws(EngineError) {
        let index = try openTicketSlot(id)
        dequeueWaiting(index)
        let owner = detach(index)
        setState(index, .cancelled)
        record(index, .cancelled, agent: owner)
        if owner >= 0 { events.append(.ticketRevoked(id, agents[Int(owner)].id, reason: .cancelled)) }
        events.append(.ticketCancelled(id))
        if owner >= 0 { fill(owner, events: &events) }
    }
}

// MARK: - State bookkeeping

extension RoutingEngine {
    /// Moves a ticket to a new state and keeps the per-queue counters in step. Every state
    /// change after creation goes through here.
    mutating func setState(_ index: Int, _ state: TicketState) {
        let old = tickets[index].state
        guard old != state else { return }
        let breachedCloses = tickets[index].slaBreached && state.isClosed
        // One access to the queue record for all its counters: each access checks that the
        // queues array is not shared.
        queues[Int(tickets[index].queue)].countMove(from: old, to: state, breachedCloses: breachedCloses)
        if state.isClosed && tickets[index].hasExclusions {
            exclusions[Int32(index)] = nil
            setAvoiding(index, false)
        }
        tickets[index].state = state
    }

    private mutating func moveCounters(_ index: Int, toQueue queue: Int32) {
        let old = Int(tickets[index].queue)
        let state = tickets[index].state
        queues[old].count(state, by: -1)
        queues[Int(queue)].count(state, by: 1)
        if tickets[index].slaBreached {
            queues[old].breachedOpen -= 1
            queues[Int(queue)].breachedOpen += 1
        }
    }

    /// Moves a ticket to a new state held by `owner` and appends the step to its history, with
    /// one write to the ticket's record: the form of `setState` and `record` for the hot path.
    @inline(__always)  // twice a ticket, from `offer` and `resolve`: the call cost as much as a counter update
    mutating func setState(_ index: Int, _ state: TicketState, owner: Int32, recording kind: HistoryKind, agent: Int32, detail: Int32 = 0) {
        // The record is read once: each field read through the chunked store repeats the
        // bounds check and the chunk look-up.
        let ticket = tickets[index]
        if ticket.state != state {
            let breachedCloses = ticket.slaBreached && state.isClosed
            queues[Int(ticket.queue)].countMove(from: ticket.state, to: state, breachedCloses: breachedCloses)
            if state.isClosed && ticket.hasExclusions {
                exclusions[Int32(index)] = nil
                setAvoiding(index, false)
            }
        }
        let step = Int32(history.count)
        history.append(HistoryRecord(at: now, kind: kind, agent: agent, detail: detail, previous: ticket.historyTail))
        tickets[index].enter(state, owner: owner, step: step)
    }

    /// Appends a step to the ticket's history.
    mutating func record(_ index: Int, _ kind: HistoryKind, agent: Int32, detail: Int32 = 0) {
        let entry = Int32(history.count)
        history.append(HistoryRecord(at: now, kind: kind, agent: agent, detail: detail, previous: tickets[index].historyTail))
        tickets[index].historyTail = entry
    }
}
