/// SLA targets for one queue: how long a ticket of each priority may wait before an agent
/// takes it (first response). A warning fires at `FloorPolicy.slaWarningPercent` of it.
public struct SLATargets: Hashable, Sendable {
    /// Milliseconds, indexed by `Priority.rawValue`.
    public var milliseconds: [Int64]

    /// Targets per priority, in milliseconds.
    public init(urgent: Int64, high: Int64, normal: Int64, low: Int64) {
        milliseconds = [urgent, high, normal, low]
    }

    /// 5 minutes, 30 minutes, 4 hours and 24 hours.
    public static let standard = SLATargets(urgent: 300_000, high: 1_800_000, normal: 14_400_000, low: 86_400_000)

    /// The target for one priority.
    public subscript(priority: Priority) -> Int64 {
        get { milliseconds[Int(priority.rawValue)] }
        set { milliseconds[Int(priority.rawValue)] = newValue }
    }
}

/// A named stream of tickets (e.g. `hosting`, `domains`, `billing`) with its routing rules.
public struct QueueConfig: Hashable, Sendable {
    /// The queue's name, unique on the floor.
    public var name: String
    /// Skills every ticket in this queue requires, on top of the ticket's own.
    public var defaultSkills: [SkillLevel]
    /// The lowest tier that may take tickets from this queue.
    public var minimumTier: Int
    /// Time to first response per priority.
    public var sla: SLATargets
    /// How to choose among several free agents.
    public var strategy: RoutingStrategy
    /// How long an offer waits for accept before it moves on, in milliseconds.
    public var offerTimeoutMs: Int64
    /// How long an agent stays in wrap-up after resolving a ticket of this queue, in milliseconds.
    public var wrapUpMs: Int64

    /// A queue; everything but the name has a floor-friendly default.
    public init(
        name: String,
        defaultSkills: [SkillLevel] = [],
        minimumTier: Int = 1,
        sla: SLATargets = .standard,
        strategy: RoutingStrategy = .leastLoaded,
        offerTimeoutMs: Int64 = 30_000,
        wrapUpMs: Int64 = 0
    ) {
        self.name = name
        self.defaultSkills = defaultSkills
        self.minimumTier = minimumTier
        self.sla = sla
        self.strategy = strategy
        self.offerTimeoutMs = offerTimeoutMs
        self.wrapUpMs = wrapUpMs
    }
}

/// Floor-wide rules that are not per queue. Part of the engine's state (and its snapshot),
/// so every node decides with the same rules.
public struct FloorPolicy: Hashable, Sendable {
    /// How long after resolving a customer's ticket an agent is preferred for that customer's next one.
    public var affinityWindowMs: Int64
    /// How long an agent whose session is lost keeps its chat and phone tickets.
    public var realTimeGraceMs: Int64
    /// How long an agent whose session is lost keeps its email and web tickets.
    public var asyncGraceMs: Int64
    /// Offers missed in a row (expired, not declined) after which the agent is set away.
    public var missesBeforeAway: Int
    /// When the SLA warning fires, as a percentage of the target.
    public var slaWarningPercent: Int
    /// How long a ticket avoids an agent that declined or missed it, in milliseconds.
    public var declineCooldownMs: Int64

    /// A policy; the defaults suit a typical floor.
    public init(
        affinityWindowMs: Int64 = 86_400_000,
        realTimeGraceMs: Int64 = 30_000,
        asyncGraceMs: Int64 = 900_000,
        missesBeforeAway: Int = 3,
        slaWarningPercent: Int = 80,
        declineCooldownMs: Int64 = 60_000
    ) {
        self.affinityWindowMs = affinityWindowMs
        self.realTimeGraceMs = realTimeGraceMs
        self.asyncGraceMs = asyncGraceMs
        self.missesBeforeAway = missesBeforeAway
        self.slaWarningPercent = slaWarningPercent
        self.declineCooldownMs = declineCooldownMs
    }
}
