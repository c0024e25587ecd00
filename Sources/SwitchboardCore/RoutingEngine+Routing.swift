// MARK: - The two decisions on the hot path

extension RoutingEngine {
    /// Ticket arrives → agent chosen: the best ready agent among the groups able to serve the
    /// ticket's requirement, by the queue's strategy, skipping agents the ticket avoids.
    mutating func pickAgent(forTicket index: Int) -> Int32? {
        decisions &+= 1
        let channel = tickets[index].channel.index
        let strategy = Int(queues[Int(tickets[index].queue)].config.strategy.rawValue)
        let avoiding = isAvoiding(index)
        let eligible = groupsForRequirement[Int(tickets[index].requirement)]
        let ready = readyGroups[channel]
        var best: Int32 = -1
        var bestKey = AgentKey(primary: .max, secondary: .max, order: .max)
        eligible.forEachCommon(with: ready) { group in
            let heap = (group * 3 + strategy) * 4 + channel
            guard let top = agentHeaps[heap].top, let key = agentHeaps[heap].topKey, key < bestKey else { return }
            if avoiding && tickets[index].excluded.contains(top) {
                if let (agent, agentKey) = bestNotExcluded(heap: heap, table: strategy * 4 + channel, ticket: index),
                   agentKey < bestKey {
                    best = agent
                    bestKey = agentKey
                }
            } else {
                best = top
                bestKey = key
            }
        }
        return best >= 0 ? best : nil
    }

    /// The best agent in one heap that the ticket does not avoid: pops the avoided tops aside,
    /// reads the next top, and puts them back. Only declined or missed tickets take this path.
    private mutating func bestNotExcluded(heap: Int, table: Int, ticket: Int) -> (Int32, AgentKey)? {
        var aside: [(Int32, AgentKey)] = []
        var found: (Int32, AgentKey)?
        while let top = agentHeaps[heap].top, let key = agentHeaps[heap].topKey {
            if !tickets[ticket].excluded.contains(top) {
                found = (top, key)
                break
            }
            aside.append((top, key))
            _ = agentHeaps[heap].popTop(positions: &agentPositions[table])
        }
        for (agent, key) in aside { agentHeaps[heap].insert(agent, key: key, positions: &agentPositions[table]) }
        return found
    }

    /// Agent frees → ticket chosen: the earliest-deadline waiting ticket the agent may take, on
    /// any channel where it has room. Tickets avoiding the agent are passed over.
    mutating func pickTicket(forAgent index: Int32) -> Int? {
        let agent = agents[Int(index)].routing
        guard agent.status == .available, !agent.sessionLost, agent.totalLoad < agent.totalCap else { return nil }
        let room = agent.load .< agent.channelCap
        guard any(room) else { return nil }
        // Only a real search of the index counts as a decision, not "this agent is full".
        decisions &+= 1
        let eligible = requirementsForGroup[Int(agent.group)]
        var best = -1
        var bestKey = TicketKey(rank: .max, deadline: .max, id: .max)
        for channel in 0..<4 where room[channel] {
            let waiting = waitingRequirements[channel]
            eligible.forEachCommon(with: waiting) { requirement in
                let slot = requirement * 4 + channel
                guard let top = ticketHeaps[slot].top, let key = ticketHeaps[slot].topKey, key < bestKey else { return }
                if avoids(Int(top), agent: index) {
                    if let (ticket, ticketKey) = bestNotAvoiding(slot: slot, agent: index), ticketKey < bestKey {
                        best = ticket
                        bestKey = ticketKey
                    }
                } else {
                    best = Int(top)
                    bestKey = key
                }
            }
        }
        return best >= 0 ? best : nil
    }

    /// Whether the ticket currently avoids some agents (it was declined or missed recently).
    @inline(__always) func isAvoiding(_ ticket: Int) -> Bool {
        !tickets[ticket].excluded.isEmpty && tickets[ticket].excludedUntil > now
    }

    @inline(__always) func avoids(_ ticket: Int, agent: Int32) -> Bool {
        isAvoiding(ticket) && tickets[ticket].excluded.contains(agent)
    }

    private mutating func bestNotAvoiding(slot: Int, agent: Int32) -> (Int, TicketKey)? {
        var aside: [(Int32, TicketKey)] = []
        var found: (Int, TicketKey)?
        while let top = ticketHeaps[slot].top, let key = ticketHeaps[slot].topKey {
            if !avoids(Int(top), agent: agent) {
                found = (Int(top), key)
                break
            }
            aside.append((top, key))
            _ = ticketHeaps[slot].popTop(positions: &ticketPositions)
        }
        for (ticket, key) in aside { ticketHeaps[slot].insert(ticket, key: key, positions: &ticketPositions) }
        return found
    }
}

// MARK: - Routing a ticket, filling an agent

extension RoutingEngine {
    /// Finds an agent for a ticket that is queued and not in any heap: the customer's recent
    /// agent if it can take it, else the best agent; otherwise the ticket waits.
    mutating func route(_ index: Int, reason: RequeueReason?, events: inout [Event]) {
        if let agent = affinityAgent(for: index) ?? pickAgent(forTicket: index) {
            offer(index, to: agent, events: &events)
        } else {
            enqueueWaiting(index)
            events.append(.ticketQueued(TicketID(UInt64(index + 1)), reason: reason))
        }
    }

    private func affinityAgent(for index: Int) -> Int32? {
        guard !affinity.isEmpty, let entry = affinity[tickets[index].customer],
              now - entry.at <= policy.affinityWindowMs
        else { return nil }
        let agent = agents[Int(entry.agent)].routing
        guard agent.isReady(on: tickets[index].channel.index),
              groupsForRequirement[Int(tickets[index].requirement)].contains(Int(agent.group)),
              !avoids(index, agent: entry.agent)
        else { return nil }
        return entry.agent
    }

    /// Offers waiting tickets to an agent while it has room and tickets it may take wait.
    mutating func fill(_ agent: Int32, events: inout [Event]) {
        while let ticket = pickTicket(forAgent: agent) {
            dequeueWaiting(ticket)
            offer(ticket, to: agent, events: &events)
        }
    }

    /// Gives a queued ticket to an agent: an offer, or an assignment when the agent auto-accepts.
    mutating func offer(_ index: Int, to agent: Int32, events: inout [Event]) {
        let id = TicketID(UInt64(index + 1))
        let a = Int(agent)
        offerSequence &+= 1
        agents[a].routing.load[tickets[index].channel.index] += 1
        agents[a].routing.idleSince = now
        agents[a].routing.lastOfferSeq = offerSequence
        agents[a].tickets.append(Int32(index))
        tickets[index].owner = agent
        if agents[a].autoAccept {
            setState(index, .assigned)
            record(index, .assigned, agent: agent)
            events.append(.ticketAssigned(id, agents[a].id))
        } else {
            let expiresAt = now + queues[Int(tickets[index].queue)].config.offerTimeoutMs
            tickets[index].offerExpiresAt = expiresAt
            setState(index, .offered)
            record(index, .offered, agent: agent)
            timers.insert(Timer(at: expiresAt, kind: .offerExpiry, target: Int32(index)))
            events.append(.ticketOffered(id, agents[a].id, expiresAt: Timestamp(milliseconds: expiresAt)))
        }
        reindexAgent(agent)
    }

    /// Takes a ticket away from the agent holding it (offer or assignment) and frees the capacity.
    /// Returns the agent, or -1 when nobody held it.
    @discardableResult
    mutating func detach(_ index: Int) -> Int32 {
        let agent = tickets[index].owner
        guard agent >= 0 else { return -1 }
        let a = Int(agent)
        agents[a].routing.load[tickets[index].channel.index] -= 1
        if let position = agents[a].tickets.firstIndex(of: Int32(index)) {
            agents[a].tickets.remove(at: position)
        }
        tickets[index].owner = -1
        reindexAgent(agent)
        return agent
    }

    /// Sends an open ticket back to routing, away from its current holder if it has one.
    /// `front` puts it ahead of tickets waiting in deadline order.
    mutating func requeue(_ index: Int, reason: RequeueReason, front: Bool, events: inout [Event]) {
        dequeueWaiting(index)
        let holder = detach(index)
        if holder >= 0 { events.append(.ticketRevoked(TicketID(UInt64(index + 1)), agents[Int(holder)].id, reason: reason)) }
        if front { tickets[index].rank = 0 }
        setState(index, .queued)
        record(index, .requeued, agent: -1, detail: Int32(reason.rawValue))
        scheduleSLATimers(index)
        route(index, reason: reason, events: &events)
    }
}
