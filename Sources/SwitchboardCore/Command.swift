/// What an agent declares when it logs in (or logs in again to change its profile).
public struct AgentProfile: Hashable, Sendable {
    /// The login name.
    public var id: AgentID
    /// The display name.
    public var name: String
    /// Skills with levels 1–5.
    public var skills: [SkillLevel]
    /// 1 = first line, 2 = senior engineer, 3 = specialist, …
    public var tier: Int
    /// How many tickets the agent can hold.
    public var capacity: Capacity
    /// Offers become assignments at once, without an accept.
    public var autoAccept: Bool
    /// An opaque tag for the session holding the agent (the node runtime puts its node id here).
    public var session: String

    /// A profile.
    public init(
        id: AgentID, name: String? = nil, skills: [SkillLevel], tier: Int = 1,
        capacity: Capacity, autoAccept: Bool = false, session: String = ""
    ) {
        self.id = id
        self.name = name ?? id.name
        self.skills = skills
        self.tier = tier
        self.capacity = capacity
        self.autoAccept = autoAccept
        self.session = session
    }
}

/// A new ticket as intake submits it.
public struct TicketSubmission: Hashable, Sendable {
    /// Who raised it; drives agent affinity.
    public var customer: String
    /// How the customer reached the floor.
    public var channel: Channel
    /// How urgent it is.
    public var priority: Priority
    /// The queue it belongs to; must exist.
    public var queue: String
    /// Skills needed beyond the queue's defaults.
    public var skills: [SkillLevel]
    /// A minimum tier beyond the queue's.
    public var minimumTier: Int
    /// One line describing the problem.
    public var subject: String

    /// A submission.
    public init(
        customer: String, channel: Channel, priority: Priority = .normal, queue: String,
        skills: [SkillLevel] = [], minimumTier: Int = 1, subject: String = ""
    ) {
        self.customer = customer
        self.channel = channel
        self.priority = priority
        self.queue = queue
        self.skills = skills
        self.minimumTier = minimumTier
        self.subject = subject
    }
}

/// Where a transfer sends a ticket.
public enum TransferTarget: Hashable, Sendable {
    /// Back to routing in another queue (its skills and SLA targets apply from now on).
    case queue(String)
    /// Straight to a named agent, who must be logged in with free capacity on the channel.
    case agent(AgentID)
}

/// Everything that changes the floor. Commands are what the log records and replicates;
/// applying the same commands at the same times gives the same state on every node.
public enum Command: Hashable, Sendable {
    /// Create a queue, or replace an existing queue's rules (waiting tickets keep their deadlines).
    case upsertQueue(QueueConfig)
    /// Change the floor-wide policy.
    case setPolicy(FloorPolicy)
    /// Log an agent in (status available), or update a logged-in agent's profile and session.
    case login(AgentProfile)
    /// Log an agent out. Refused while it holds tickets.
    case logout(AgentID)
    /// Set an agent `available` or `away` (wrap-up and offline come from resolve and logout).
    case setStatus(AgentID, AgentStatus)
    /// A new ticket.
    case submit(TicketSubmission)
    /// The agent takes the ticket it was offered.
    case accept(TicketID, by: AgentID)
    /// The agent refuses the offer; the ticket goes to the next agent.
    case decline(TicketID, by: AgentID)
    /// The owner finished the ticket.
    case resolve(TicketID, by: AgentID)
    /// Raise the ticket's minimum tier (to `toTier`, or one above the owner's tier) and route it again.
    /// `by` is the owner, or nil for an admin.
    case escalate(TicketID, by: AgentID?, toTier: Int?)
    /// Move the ticket to another queue or agent. `by` is the owner, or nil for an admin.
    case transfer(TicketID, by: AgentID?, to: TransferTarget)
    /// The customer left: the ticket closes wherever it is.
    case cancel(TicketID)
    /// Sessions are gone: those tagged with this node (`node`, or `node#connection` for all of a
    /// node's), or exactly one (`node#connection`). Offers return at once, grace periods start.
    case nodeDown(String)
    /// Sessions lost with `nodeDown` are back (same matching): their agents keep their tickets.
    case nodeUp(String)
    /// Time passes: offers expire, wrap-up ends, SLA warnings and breaches fire, grace periods end.
    case tick
}
