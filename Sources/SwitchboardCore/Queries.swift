/// One step in a ticket's history, for admin views.
public struct TicketHistoryEntry: Hashable, Sendable {
    /// When it happened.
    public var at: Timestamp
    /// What happened: `created`, `queued`, `offered`, `assigned`, `declined`, `expired`,
    /// `resolved`, `escalated`, `transferred`, `cancelled`, `sla-warning`, `sla-breached`, `requeued`.
    public var event: String
    /// The agent involved, if any.
    public var agent: AgentID?
    /// More about it: the queue, the new tier, or why the ticket was requeued.
    public var detail: String?

    /// A history step.
    public init(at: Timestamp, event: String, agent: AgentID?, detail: String?) {
        self.at = at
        self.event = event
        self.agent = agent
        self.detail = detail
    }
}

/// A ticket as the admin views show it.
public struct TicketInfo: Hashable, Sendable {
    public var id: TicketID
    public var customer: String
    public var channel: Channel
    public var priority: Priority
    public var queue: String
    public var subject: String
    public var state: TicketState
    /// The agent holding the offer or assignment.
    public var owner: AgentID?
    public var createdAt: Timestamp
    /// The SLA deadline for first response.
    public var deadline: Timestamp
    /// When the current offer expires, while offered.
    public var offerExpiresAt: Timestamp?
    public var minimumTier: Int
    /// Queue defaults and the ticket's own skills, combined.
    public var requiredSkills: [SkillLevel]
    public var slaWarned: Bool
    public var slaBreached: Bool
    public var history: [TicketHistoryEntry]

    /// A ticket view (the client library builds these from listings).
    public init(
        id: TicketID, customer: String, channel: Channel, priority: Priority, queue: String, subject: String,
        state: TicketState, owner: AgentID?, createdAt: Timestamp, deadline: Timestamp, offerExpiresAt: Timestamp?,
        minimumTier: Int, requiredSkills: [SkillLevel], slaWarned: Bool, slaBreached: Bool, history: [TicketHistoryEntry]
    ) {
        self.id = id
        self.customer = customer
        self.channel = channel
        self.priority = priority
        self.queue = queue
        self.subject = subject
        self.state = state
        self.owner = owner
        self.createdAt = createdAt
        self.deadline = deadline
        self.offerExpiresAt = offerExpiresAt
        self.minimumTier = minimumTier
        self.requiredSkills = requiredSkills
        self.slaWarned = slaWarned
        self.slaBreached = slaBreached
        self.history = history
    }
}

/// An agent as the admin views show it.
public struct AgentInfo: Hashable, Sendable {
    public var id: AgentID
    public var name: String
    public var status: AgentStatus
    /// True while the agent's node is down and its grace periods run.
    public var sessionLost: Bool
    public var session: String
    public var tier: Int
    public var skills: [SkillLevel]
    public var capacity: Capacity
    public var autoAccept: Bool
    /// Tickets held (offered or assigned) per channel, indexed by `Channel.rawValue`.
    public var load: [Int]
    /// Offered and assigned tickets, in the order they came.
    public var tickets: [TicketID]
    public var consecutiveMisses: Int

    /// An agent view (the client library builds these from listings).
    public init(
        id: AgentID, name: String, status: AgentStatus, sessionLost: Bool, session: String, tier: Int,
        skills: [SkillLevel], capacity: Capacity, autoAccept: Bool, load: [Int], tickets: [TicketID], consecutiveMisses: Int
    ) {
        self.id = id
        self.name = name
        self.status = status
        self.sessionLost = sessionLost
        self.session = session
        self.tier = tier
        self.skills = skills
        self.capacity = capacity
        self.autoAccept = autoAccept
        self.load = load
        self.tickets = tickets
        self.consecutiveMisses = consecutiveMisses
    }
}

/// A queue's configuration and its figures right now.
public struct QueueInfo: Hashable, Sendable {
    public var config: QueueConfig
    public var waiting: Int
    public var offered: Int
    public var assigned: Int
    public var resolved: Int
    public var cancelled: Int
    /// Open tickets that passed their SLA deadline while waiting.
    public var slaBreached: Int
    /// How long the longest-waiting queued ticket has waited, in milliseconds.
    public var oldestWaitMs: Int64?

    /// A queue view (the client library builds these from listings).
    public init(
        config: QueueConfig, waiting: Int, offered: Int, assigned: Int, resolved: Int, cancelled: Int,
        slaBreached: Int, oldestWaitMs: Int64?
    ) {
        self.config = config
        self.waiting = waiting
        self.offered = offered
        self.assigned = assigned
        self.resolved = resolved
        self.cancelled = cancelled
        self.slaBreached = slaBreached
        self.oldestWaitMs = oldestWaitMs
    }
}

/// Figures for the whole floor.
public struct FloorTotals: Hashable, Sendable {
    public var queues: Int
    public var agentsOnline: Int
    public var agentsAvailable: Int
    public var tickets: Int
    public var queued: Int
    public var offered: Int
    public var assigned: Int
    public var resolved: Int
    public var cancelled: Int
    public var slaBreached: Int
}

extension RoutingEngine {
    /// One ticket with its history, or nil when no ticket has this id.
    public func ticket(_ id: TicketID) -> TicketInfo? {
        guard let index = try? ticketSlot(id) else { return nil }
        return ticketInfo(index)
    }

    /// One ticket without its history (cheaper, for pushes and replies), or nil when no ticket has this id.
    public func ticketWithoutHistory(_ id: TicketID) -> TicketInfo? {
        guard let index = try? ticketSlot(id) else { return nil }
        return ticketInfo(index, withHistory: false)
    }

    /// Tickets, in id order, optionally only those in one state and/or queue.
    public func tickets(state: TicketState? = nil, queue: String? = nil) -> [TicketInfo] {
        let queueFilter = queue.map { queueNames.find($0) ?? -1 }
        return tickets.indices.compactMap { index in
            if let state, tickets[index].state != state { return nil }
            if let queueFilter, tickets[index].queue != queueFilter { return nil }
            return ticketInfo(index)
        }
    }

    func ticketInfo(_ index: Int, withHistory: Bool = true) -> TicketInfo {
        let ticket = tickets[index]
        var steps: [TicketHistoryEntry] = []
        if withHistory {
            for step in historyRecords(of: index) {
                steps.append(TicketHistoryEntry(
                    at: Timestamp(milliseconds: step.at), event: step.kind.name,
                    agent: step.agent >= 0 ? agents[Int(step.agent)].id : nil, detail: historyDetail(step)))
            }
        }
        let requirement = requirements[Int(ticket.requirement)]
        return TicketInfo(
            id: TicketID(UInt64(index + 1)), customer: customers[ticket.customer], channel: ticket.channel,
            priority: ticket.priority, queue: queues[Int(ticket.queue)].config.name, subject: ticketSubjects[index],
            state: ticket.state, owner: ticket.owner >= 0 ? agents[Int(ticket.owner)].id : nil,
            createdAt: Timestamp(milliseconds: ticket.createdAt), deadline: Timestamp(milliseconds: ticket.deadline),
            offerExpiresAt: ticket.state == .offered ? Timestamp(milliseconds: ticket.offerExpiresAt) : nil,
            minimumTier: requirement.tier, requiredSkills: unpackSkills(requirement.skills),
            slaWarned: ticket.slaWarned, slaBreached: ticket.slaBreached, history: steps)
    }

    /// A ticket's history records, oldest first.
    func historyRecords(of index: Int) -> [HistoryRecord] {
        var steps: [HistoryRecord] = []
        var cursor = tickets[index].historyTail
        while cursor >= 0 {
            steps.append(history[Int(cursor)])
            cursor = history[Int(cursor)].previous
        }
        return steps.reversed()
    }

    private func historyDetail(_ step: HistoryRecord) -> String? {
        switch step.kind {
        case .created, .transferredToQueue: queues[Int(step.detail)].config.name
        case .escalated: "tier \(step.detail)"
        case .requeued: RequeueReason(rawValue: UInt8(step.detail))?.description
        default: nil
        }
    }

    /// One agent, or nil when no agent with this id ever logged in.
    public func agent(_ id: AgentID) -> AgentInfo? {
        agentNames.find(id.name).map { agentInfo(Int($0)) }
    }

    /// Every agent that ever logged in, in login order.
    public func agentList() -> [AgentInfo] {
        agents.indices.map(agentInfo)
    }

    func agentInfo(_ index: Int) -> AgentInfo {
        let agent = agents[index]
        let hot = agentsHot[index]
        return AgentInfo(
            id: agent.id, name: agent.name, status: hot.routing.status, sessionLost: hot.routing.sessionLost,
            session: agent.session, tier: agent.tier, skills: agent.skills, capacity: agent.capacity,
            autoAccept: hot.routing.autoAccept, load: (0..<4).map { Int(hot.routing.load[$0]) },
            tickets: hot.tickets.map { TicketID(UInt64($0) + 1) }, consecutiveMisses: agent.consecutiveMisses)
    }

    /// One queue with its figures, or nil when there is no such queue.
    public func queue(_ name: String) -> QueueInfo? {
        queueNames.find(name).map { queueInfo(Int($0)) }
    }

    /// Every queue, in creation order.
    public func queueList() -> [QueueInfo] {
        queues.indices.map(queueInfo)
    }

    func queueInfo(_ index: Int) -> QueueInfo {
        let queue = queues[index]
        var oldest: Int64?
        if queue.waiting > 0 {
            for slot in ticketHeaps.indices {
                for entry in ticketHeaps[slot].entries where tickets[waitingSlots[entry.handle]].queue == Int32(index) {
                    oldest = Swift.min(oldest ?? .max, tickets[waitingSlots[entry.handle]].createdAt)
                }
            }
        }
        return QueueInfo(
            config: queue.config, waiting: queue.waiting, offered: queue.offered, assigned: queue.assigned,
            resolved: queue.resolved, cancelled: queue.cancelled, slaBreached: queue.breachedOpen,
            oldestWaitMs: oldest.map { now - $0 })
    }

    /// Figures for the whole floor.
    public func totals() -> FloorTotals {
        var totals = FloorTotals(
            queues: queues.count, agentsOnline: 0, agentsAvailable: 0, tickets: tickets.count,
            queued: 0, offered: 0, assigned: 0, resolved: 0, cancelled: 0, slaBreached: 0)
        for queue in queues {
            totals.queued += queue.waiting
            totals.offered += queue.offered
            totals.assigned += queue.assigned
            totals.resolved += queue.resolved
            totals.cancelled += queue.cancelled
            totals.slaBreached += queue.breachedOpen
        }
        for agent in agentsHot where agent.routing.status != .offline {
            totals.agentsOnline += 1
            if agent.routing.status == .available && !agent.routing.sessionLost { totals.agentsAvailable += 1 }
        }
        return totals
    }
}
