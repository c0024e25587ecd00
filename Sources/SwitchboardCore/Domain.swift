/// How a customer reached the floor. Chat and phone are real time: the customer is waiting
/// on the line, which changes how long an agent may keep them when its session is lost.
public enum Channel: UInt8, CaseIterable, Sendable, CustomStringConvertible {
    case chat = 0, email, phone, web

    /// The wire name (`chat`, `email`, `phone`, `web`).
    public var description: String {
        switch self {
        case .chat: "chat"
        case .email: "email"
        case .phone: "phone"
        case .web: "web"
        }
    }

    /// Parses a wire name; nil when it names no channel.
    public init?(name: String) {
        switch name {
        case "chat": self = .chat
        case "email": self = .email
        case "phone": self = .phone
        case "web": self = .web
        default: return nil
        }
    }

    /// Whether a customer is waiting live on this channel.
    public var isRealTime: Bool { self == .chat || self == .phone }

    @inline(__always) var index: Int { Int(rawValue) }
}

/// How urgent a ticket is; each priority has its own SLA target per queue.
public enum Priority: UInt8, CaseIterable, Sendable, CustomStringConvertible {
    case urgent = 0, high, normal, low

    /// The wire name.
    public var description: String {
        switch self {
        case .urgent: "urgent"
        case .high: "high"
        case .normal: "normal"
        case .low: "low"
        }
    }

    /// Parses a wire name; nil when it names no priority.
    public init?(name: String) {
        switch name {
        case "urgent": self = .urgent
        case "high": self = .high
        case "normal": self = .normal
        case "low": self = .low
        default: return nil
        }
    }
}

/// What an agent is doing, as the floor sees it.
public enum AgentStatus: UInt8, CaseIterable, Sendable, CustomStringConvertible {
    /// Logged out; holds no tickets.
    case offline = 0
    /// Takes new offers while it has free capacity.
    case available
    /// Logged in but takes no new offers (break, meeting, or too many missed offers).
    case away
    /// Finishing notes after a resolve; takes no new offers until the queue's wrap-up time ends.
    case wrapUp

    /// The wire name (`offline`, `available`, `away`, `wrap-up`).
    public var description: String {
        switch self {
        case .offline: "offline"
        case .available: "available"
        case .away: "away"
        case .wrapUp: "wrap-up"
        }
    }

    /// Parses a wire name; nil when it names no status.
    public init?(name: String) {
        switch name {
        case "offline": self = .offline
        case "available": self = .available
        case "away": self = .away
        case "wrap-up": self = .wrapUp
        default: return nil
        }
    }
}

/// Where a ticket is in its lifecycle:
///
///     queued ──offer──▶ offered ──accept──▶ assigned ──resolve──▶ resolved
///       ▲                 │ decline/expire      │ escalate, transfer to queue,
///       └─────────────────┘                     │ session lost past grace
///       └───────────────────────────────────────┘
///     (any open state) ──cancel──▶ cancelled
public enum TicketState: UInt8, CaseIterable, Sendable, CustomStringConvertible {
    case queued = 0, offered, assigned, resolved, cancelled

    /// The wire name.
    public var description: String {
        switch self {
        case .queued: "queued"
        case .offered: "offered"
        case .assigned: "assigned"
        case .resolved: "resolved"
        case .cancelled: "cancelled"
        }
    }

    /// Parses a wire name; nil when it names no state.
    public init?(name: String) {
        guard let state = TicketState.allCases.first(where: { $0.description == name }) else { return nil }
        self = state
    }

    /// Whether the ticket is finished (resolved or cancelled).
    public var isClosed: Bool {
        @inline(__always) get {
            switch self {
            case .resolved, .cancelled: true
            case .queued, .offered, .assigned: false
            }
        }
    }
}

/// How a queue chooses among several agents that could all take a ticket.
public enum RoutingStrategy: UInt8, CaseIterable, Sendable, CustomStringConvertible {
    /// Lowest utilisation (load over capacity) first; ties to the longest idle, then login order.
    case leastLoaded = 0
    /// The agent whose last offer (or return to available) is oldest first.
    case longestIdle
    /// Agents in turn: the one offered work least recently first.
    case roundRobin

    /// The wire name (`least-loaded`, `longest-idle`, `round-robin`).
    public var description: String {
        switch self {
        case .leastLoaded: "least-loaded"
        case .longestIdle: "longest-idle"
        case .roundRobin: "round-robin"
        }
    }

    /// Parses a wire name; nil when it names no strategy.
    public init?(name: String) {
        switch name {
        case "least-loaded": self = .leastLoaded
        case "longest-idle": self = .longestIdle
        case "round-robin": self = .roundRobin
        default: return nil
        }
    }
}

/// A skill an agent has, with a level from 1 (basic) to 5 (expert); also used for what a
/// ticket requires, where the level is the minimum accepted.
public struct SkillLevel: Hashable, Sendable, CustomStringConvertible {
    /// The skill's name, e.g. `linux`, `dns`, `mail`.
    public var skill: String
    /// 1 to 5.
    public var level: Int

    /// The valid levels.
    public static let levels: ClosedRange<Int> = 1...5

    /// A skill at a level (1 when a requirement does not ask for a minimum).
    public init(_ skill: String, level: Int = 1) {
        self.skill = skill
        self.level = level
    }

    /// `name` or `name:level`, as on the wire.
    public var description: String { level == 1 ? skill : "\(skill):\(level)" }
}

/// How many tickets an agent can hold at once, per channel and optionally in total.
public struct Capacity: Hashable, Sendable, CustomStringConvertible {
    /// Indexed by `Channel.rawValue`.
    public var perChannel: [Int]
    /// An overall cap across channels, or nil for the sum of the channels.
    public var total: Int?

    /// The largest capacity a channel or the total may have.
    public static let maximum = 1000

    /// A capacity; channels not named take no tickets.
    public init(chat: Int = 0, email: Int = 0, phone: Int = 0, web: Int = 0, total: Int? = nil) {
        perChannel = [chat, email, phone, web]
        self.total = total
    }

    /// The capacity on one channel.
    public subscript(channel: Channel) -> Int {
        get { perChannel[channel.index] }
        set { perChannel[channel.index] = newValue }
    }

    /// The number of tickets the agent can hold across all channels.
    public var effectiveTotal: Int { min(total ?? Int.max, perChannel.reduce(0, +)) }

    /// `chat:3,email:5,total:6`, as on the wire.
    public var description: String {
        var parts: [String] = []
        for channel in Channel.allCases where self[channel] > 0 { parts.append("\(channel):\(self[channel])") }
        if let total { parts.append("total:\(total)") }
        return parts.joined(separator: ",")
    }
}
