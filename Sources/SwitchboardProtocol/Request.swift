import SwitchboardCore

/// A queue's settings as `QUEUE` gives them: what is not given keeps its current value (or
/// the default, for a new queue).
public struct QueueSettings: Hashable, Sendable {
    public var name: String
    public var skills: [SkillLevel]?
    public var tier: Int?
    public var sla: SLATargets?
    public var strategy: RoutingStrategy?
    public var offerTimeoutMs: Int64?
    public var wrapUpMs: Int64?

    /// Settings for the named queue; nil fields are left as they are.
    public init(name: String, skills: [SkillLevel]? = nil, tier: Int? = nil, sla: SLATargets? = nil,
                strategy: RoutingStrategy? = nil, offerTimeoutMs: Int64? = nil, wrapUpMs: Int64? = nil) {
        self.name = name
        self.skills = skills
        self.tier = tier
        self.sla = sla
        self.strategy = strategy
        self.offerTimeoutMs = offerTimeoutMs
        self.wrapUpMs = wrapUpMs
    }

    /// The whole config: these settings over `current` (or the defaults for a new queue).
    public func applied(to current: QueueConfig?) -> QueueConfig {
        var config = current ?? QueueConfig(name: name)
        if let skills { config.defaultSkills = skills }
        if let tier { config.minimumTier = tier }
        if let sla { config.sla = sla }
        if let strategy { config.strategy = strategy }
        if let offerTimeoutMs { config.offerTimeoutMs = offerTimeoutMs }
        if let wrapUpMs { config.wrapUpMs = wrapUpMs }
        return config
    }
}

/// Everything a client can ask a node, one case per verb. `PROTOCOL.md` documents each.
/// Agent verbs name the agent with `agent=`; on an agent's own connection it may be left out.
public enum Request: Hashable, Sendable {
    /// `AUTH <token>`: must come first when the node has tokens.
    case auth(token: String)
    /// `PING`: answers `OK`.
    case ping
    /// `QUIT`: answers `OK` and closes.
    case quit
    /// `QUEUE name=… [skills=…] [tier=…] [sla=…] [strategy=…] [offer-timeout=…] [wrap-up=…]`.
    case queue(QueueSettings)
    /// `LOGIN agent=… skills=… capacity=… [name=…] [tier=…] [auto-accept=1]`.
    case login(AgentProfile)
    /// `LOGOUT [agent=…]`.
    case logout(agent: AgentID?)
    /// `SET-STATUS status=available|away [agent=…]`.
    case setStatus(AgentStatus, agent: AgentID?)
    /// `SUBMIT customer=… channel=… queue=… [priority=…] [skills=…] [tier=…] [subject=…]`.
    case submit(TicketSubmission)
    /// `ACCEPT ticket=… [agent=…]`.
    case accept(TicketID, agent: AgentID?)
    /// `DECLINE ticket=… [agent=…]`.
    case decline(TicketID, agent: AgentID?)
    /// `RESOLVE ticket=… [agent=…]`.
    case resolve(TicketID, agent: AgentID?)
    /// `ESCALATE ticket=… [tier=…] [agent=…]`.
    case escalate(TicketID, tier: Int?, agent: AgentID?)
    /// `TRANSFER ticket=… queue=…|to=… [agent=…]`.
    case transfer(TicketID, to: TransferTarget, agent: AgentID?)
    /// `CANCEL ticket=…`.
    case cancel(TicketID)
    /// `TICKET id=…`: the ticket and its history.
    case ticket(TicketID)
    /// `TICKETS [state=…] [queue=…]`.
    case tickets(state: TicketState?, queue: String?)
    /// `AGENTS`.
    case agents
    /// `QUEUES`.
    case queues
    /// `STATUS`: the node and the floor in one line.
    case status
    /// `SNAPSHOT`: write a snapshot of the floor now (admin).
    case snapshot

    /// The verb this request is sent with.
    public var verb: String { Self.verb(of: self) }

    /// Every verb the protocol knows.
    public static let verbs = [
        "AUTH", "PING", "QUIT", "QUEUE", "LOGIN", "LOGOUT", "SET-STATUS", "SUBMIT", "ACCEPT", "DECLINE",
        "RESOLVE", "ESCALATE", "TRANSFER", "CANCEL", "TICKET", "TICKETS", "AGENTS", "QUEUES", "STATUS", "SNAPSHOT",
    ]

    private static func verb(of request: Request) -> String {
        switch request {
        case .auth: "AUTH"
        case .ping: "PING"
        case .quit: "QUIT"
        case .queue: "QUEUE"
        case .login: "LOGIN"
        case .logout: "LOGOUT"
        case .setStatus: "SET-STATUS"
        case .submit: "SUBMIT"
        case .accept: "ACCEPT"
        case .decline: "DECLINE"
        case .resolve: "RESOLVE"
        case .escalate: "ESCALATE"
        case .transfer: "TRANSFER"
        case .cancel: "CANCEL"
        case .ticket: "TICKET"
        case .tickets: "TICKETS"
        case .agents: "AGENTS"
        case .queues: "QUEUES"
        case .status: "STATUS"
        case .snapshot: "SNAPSHOT"
        }
    }
}
