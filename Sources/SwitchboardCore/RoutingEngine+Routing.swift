// MARK: - The two decisions on the hot path

extension RoutingEngine {
    /// Ticket arrives → agent chosen: the best ready agent among the groups able to serve the
    /// ticket's requirement, by the queue's strategy, skipping agents the ticket avoids.
    ///
    /// - Parameter asAtCommandStart: whether, so far in this command, no agent has entered a
    ///   ready heap and no ticket has been queued: then a ticket of the same requirement already
    ///   waiting on the channel answers "nobody" without a search (see `settledChannels`).
    @inline(__always)  // into its two callers (`route`, `reroute`): a call per ticket saved
    mutating func pickAgent(forTicket index: Int, asAtCommandStart: Bool = false) -> Int32? {
        // The record is read once (see `setState`).
        let ticket = tickets[index]
        let channel = ticket.channel.index
        let table = Int(queues[Int(ticket.queue)].config.strategy.rawValue) * 4 + channel
        let requirement = Int(ticket.requirement)
        decisions &+= 1
        if asAtCommandStart && waitingAvoiders == 0 && ticketTops[requirement &* 4 &+ channel].handle >= 0 { return nil }
        var best = groupsForRequirement.withUnsafeBufferPointer { groupTops.best(in: $0[requirement], table: table) }
        guard best.handle >= 0, ticket.hasExclusions, avoids(index, agent: best.handle) else {
            return best.handle >= 0 ? best.handle : nil
        }
        // Rare path: the ticket was declined or missed recently; look past the agents it avoids.
        best = Self.emptyTop
        // Copies (this path is rare), so that reading them does not overlap the heap changes.
        let eligible = groupsForRequirement[requirement]
        let tops = groupTops
        tops.forEachReady(in: eligible, table: table) { group in
            let heap = group * 12 + table
            guard tops[group: group, table: table].key < best.key,
                  let candidate = bestNotAvoided(heap: heap, ticket: index), candidate.key < best.key
            else { return }
            best = candidate
        }
        return best.handle >= 0 ? best.handle : nil
    }

    /// The best agent in one heap that the ticket does not avoid: pops the avoided tops aside,
    /// reads the next top, and puts them back.
    private mutating func bestNotAvoided(heap: Int, ticket: Int) -> IndexedHeap<AgentKey>.Entry? {
        var aside: [IndexedHeap<AgentKey>.Entry] = []
        var found: IndexedHeap<AgentKey>.Entry?
        while let top = agentHeaps[heap].top {
            if !avoids(ticket, agent: top.handle) {
                found = top
                break
            }
            aside.append(top)
            _ = agentHeaps[heap].popTop(positions: &agentHeapPositions)
        }
        for entry in aside { agentHeaps[heap].insert(entry.handle, key: entry.key, positions: &agentHeapPositions) }
        return found
    }

    /// Agent frees → ticket chosen: the earliest-deadline waiting ticket the agent may take, on
    /// any channel where it has room. Tickets avoiding the agent are passed over.
    ///
    /// - Parameter asAtCommandStart: whether, so far in this command, no agent has entered a
    ///   ready heap and no ticket has been queued: then the channels where the agent's group
    ///   has someone ready are not searched (see `settledChannels`).
    @inline(__always)  // into `fill`, its only caller, which calls it once or twice per freed agent
    mutating func pickTicket(forAgent index: Int32, asAtCommandStart: Bool = false) -> Int? {
        let routing = agentsHot[Int(index)].routing
        let ready = routing.readyChannels
        guard ready != 0 else { return nil }
        // Only a decision about an agent with room counts, not "this agent is full"; one the
        // index answers without a search ("nothing waits for its group there") counts too.
        decisions &+= 1
        let searched = asAtCommandStart ? ready & ~settledChannels(of: index, group: routing.group, among: ready) : ready
        guard searched != 0 else { return nil }
        let group = Int(routing.group)
        // The earliest top among the requirements the agent's group can serve. Reading a top
        // does not read its ticket's record (a cache miss per candidate): only the winner is
        // checked for avoiding the agent.
        var best: Int32 = -1
        var bestKey = Self.emptyTicketTop.key
        requirementsForGroup.withUnsafeBufferPointer { eligibleSets in
            eligibleSets[group].withWords { eligible, nonZero in
                waitingRequirements.withUnsafeBufferPointer { waiting in
                    ticketTops.withUnsafeBufferPointer { tops in
                        var channels = searched
                        while channels != 0 {
                            let channel = channels.trailingZeroBitCount
                            channels &= channels &- 1
                            waiting[channel].words.withUnsafeBufferPointer { waitingWords in
                                for position in nonZero {
                                    let word = Int(position)
                                    guard word < waitingWords.count else { break }
                                    var common = eligible[word] & waitingWords[word]
                                    while common != 0 {
                                        let top = tops[(word << 6 | common.trailingZeroBitCount) &* 4 &+ channel]
                                        if top.key < bestKey {
                                            bestKey = top.key
                                            best = top.handle
                                        }
                                        common &= common &- 1
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        guard best >= 0 else { return nil }
        let ticket = waitingSlots[best]
        guard isAvoiding(ticket) && avoids(ticket, agent: index) else { return ticket }
        return pickTicketAvoided(forAgent: index, ready: searched)
    }

    /// The rare path of `pickTicket`: the earliest ticket avoids the agent (it declined or
    /// missed it recently), so each requirement's earliest ticket that does not avoid it is
    /// looked for.
    private mutating func pickTicketAvoided(forAgent index: Int32, ready: UInt8) -> Int? {
        let eligible = requirementsForGroup[Int(agentsHot[Int(index)].routing.group)]
        var best = -1
        var bestKey = Self.emptyTicketTop.key
        var channels = ready
        while channels != 0 {
            let channel = channels.trailingZeroBitCount
            channels &= channels - 1
            eligible.forEachCommon(with: waitingRequirements[channel]) { requirement in
                let heap = requirement &* 4 &+ channel
                let top = ticketTops[heap]
                guard top.key < bestKey else { return }
                if avoids(waitingSlots[top.handle], agent: index) {
                    if let (ticket, ticketKey) = bestNotAvoiding(heap: heap, agent: index), ticketKey < bestKey {
                        best = ticket
                        bestKey = ticketKey
                    }
                } else {
                    best = waitingSlots[top.handle]
                    bestKey = top.key
                }
            }
        }
        return best >= 0 ? best : nil
    }

    /// Whether the ticket may avoid some agents (it was declined or missed recently): when
    /// false, it avoids nobody; when true, `avoids` tells.
    @inline(__always) func isAvoiding(_ ticket: Int) -> Bool {
        tickets[ticket].hasExclusions
    }

    @inline(__always) func avoids(_ ticket: Int, agent: Int32) -> Bool {
        isAvoiding(ticket) && (exclusions[Int32(ticket)]?.contains { $0.agent == agent && $0.until > now } ?? false)
    }

    private mutating func bestNotAvoiding(heap: Int, agent: Int32) -> (Int, TicketKey)? {
        var aside: [IndexedHeap<TicketKey>.Entry] = []
        var found: (Int, TicketKey)?
        while let top = ticketHeaps[heap].top {
            if !avoids(waitingSlots[top.handle], agent: agent) {
                found = (waitingSlots[top.handle], top.key)
                break
            }
            aside.append(top)
            _ = ticketHeaps[heap].popTop(positions: &waitingSlots.positions)
        }
        for entry in aside { ticketHeaps[heap].insert(entry.handle, key: entry.key, positions: &waitingSlots.positions) }
        return found
    }
}

// MARK: - Routing a ticket, filling an agent

extension RoutingEngine {
    /// Finds an agent for a ticket that is queued and not in any heap: the customer's recent
    /// agent if it can take it, else the best agent; otherwise the ticket waits.
    mutating func route(_ index: Int, reason: RequeueReason?, events: inout [Event]) {
        route(index, reason: reason, lastResolver: customers[payload: tickets[index].customer], events: &events)
    }

    /// The same, with the customer's last resolver already read (`customers[payload:]`).
    /// `asAtCommandStart`: see `pickAgent`.
    mutating func route(
        _ index: Int, reason: RequeueReason?, lastResolver: Affinity, asAtCommandStart: Bool = false, events: inout [Event]
    ) {
        if let agent = affinityAgent(for: index, last: lastResolver)
            ?? pickAgent(forTicket: index, asAtCommandStart: asAtCommandStart) {
            offer(index, to: agent, events: &events)
        } else {
            enqueueWaiting(index)
            events.append(.ticketQueued(TicketID(UInt64(index + 1)), reason: reason))
        }
    }

    @inline(__always) private func affinityAgent(for index: Int, last: Affinity) -> Int32? {
        let agentIndex = last.agent
        guard agentIndex >= 0, now - last.at <= policy.affinityWindowMs else { return nil }
        let ticket = tickets[index]
        // Not in its group's ready heaps on this channel: not ready, as `pickAgent` sees it too.
        // (Debug builds, and so the tests, check that the heaps never lag the agent here.)
        let listedReady = agentReadyMasks[Int(agentIndex)] & (1 << UInt8(ticket.channel.index)) != 0
        assert(listedReady == agentsHot[Int(agentIndex)].routing.isReady(on: ticket.channel.index),
               "agent \(agentIndex)'s ready heaps lag its state at an affinity check")
        guard listedReady else { return nil }
        let routing = agentsHot[Int(agentIndex)].routing
        guard routing.isReady(on: ticket.channel.index),
              groupsForRequirement[Int(ticket.requirement)].contains(Int(routing.group)),
              !avoids(index, agent: agentIndex)
        else { return nil }
        return agentIndex
    }

    /// Tries again to find an agent for a ticket that waits in a heap, after something about
    /// it changed (an avoided agent is allowed again, its queue's rules changed). It stays in
    /// the queue quietly when nobody can take it.
    mutating func reroute(_ index: Int, events: inout [Event]) {
        dequeueWaiting(index)
        if let agent = affinityAgent(for: index, last: customers[payload: tickets[index].customer]) ?? pickAgent(forTicket: index) {
            offer(index, to: agent, events: &events)
        } else {
            enqueueWaiting(index)
        }
    }

    /// Offers waiting tickets to an agent while it has room and tickets it may take wait, then
    /// brings the agent's place in its group's heaps up to date once. Choosing tickets reads the
    /// agent's own record, never the agent heaps, so the heaps may lag until the end.
    ///
    /// - Parameter asAtCommandStart: see `pickTicket`; the offers made here do not change it.
    mutating func fill(_ agent: Int32, events: inout [Event], asAtCommandStart: Bool = false) {
        while let ticket = pickTicket(forAgent: agent, asAtCommandStart: asAtCommandStart) {
            dequeueWaiting(ticket)
            offer(ticket, to: agent, events: &events, reindex: false)
        }
        reindexAgentInPlace(agent)
    }

    /// Gives a queued ticket to an agent: an offer, or an assignment when the agent auto-accepts.
    mutating func offer(_ index: Int, to agent: Int32, events: inout [Event], reindex: Bool = true) {
        let id = TicketID(UInt64(index + 1))
        let a = Int(agent)
        // The record is read once (see `setState`); the writes below do not touch these fields.
        let ticket = tickets[index]
        offerSequence &+= 1
        agentsHot[a].takeOffer(Int32(index), channel: ticket.channel.index, at: now, sequence: offerSequence)
        if agentsHot[a].routing.autoAccept {
            setState(index, .assigned, owner: agent, recording: .assigned, agent: agent)
            events.append(.ticketAssigned(id, agentsHot[a].id))
        } else {
            let expiresAt = now + queues[Int(ticket.queue)].config.offerTimeoutMs
            tickets[index].offerExpiresAt = expiresAt
            setState(index, .offered, owner: agent, recording: .offered, agent: agent)
            timers.insert(Timer(at: expiresAt, kind: .offerExpiry, target: Int32(index)))
            if !ticket.slaTimerPending { scheduleSLATimer(index) }
            events.append(.ticketOffered(id, agentsHot[a].id, expiresAt: Timestamp(milliseconds: expiresAt)))
        }
        if reindex { reindexAgentInPlace(agent) }
    }

    /// Takes a ticket away from the agent holding it (offer or assignment) and frees the capacity.
    /// Returns the agent, or -1 when nobody held it.
    @discardableResult
    mutating func detach(_ index: Int, reindex: Bool = true) -> Int32 {
        let agent = tickets[index].owner
        guard agent >= 0 else { return -1 }
        let a = Int(agent)
        agentsHot[a].giveBack(Int32(index), channel: tickets[index].channel.index)
        tickets[index].owner = -1
        if reindex { reindexAgent(agent) }
        return agent
    }

    /// Sends an open ticket back to routing, away from its current holder if it has one.
    /// `front` puts it ahead of tickets waiting in deadline order.
    mutating func requeue(_ index: Int, reason: RequeueReason, front: Bool, events: inout [Event]) {
        dequeueWaiting(index)
        let holder = detach(index)
        if holder >= 0 { events.append(.ticketRevoked(TicketID(UInt64(index + 1)), agents[Int(holder)].id, reason: reason)) }
        if front { tickets[index].rank = 0 }
        setState(index, .queued, owner: -1, recording: .requeued, agent: -1, detail: Int32(reason.rawValue))
        route(index, reason: reason, events: &events)
    }
}
