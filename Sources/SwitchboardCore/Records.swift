/// What the engine keeps per agent beyond what the hot path touches (that part is an
/// `AgentHot`, at the same index of `RoutingEngine.agentsHot`). Indices (`Int32`) into the
/// engine's arrays stand in for references, so the state is a plain value that copies and
/// snapshots cheaply.
struct AgentRecord {
    /// The same as `AgentHot.id`, which never changes either: kept here too for the cold paths.
    let id: AgentID
    var name: String
    var skills: [SkillLevel]
    var tier: Int
    var capacity: Capacity
    var session: String
    var lostAt: Int64 = 0
    var consecutiveMisses = 0
    var wrapUpEndsAt: Int64 = 0
}

/// The part of an agent that routing decisions and the ticket lifecycle read and write, in one
/// dense array apart from the rest of the record: on a large floor a decision then misses the
/// cache on one small record (96 bytes) per agent, not on a record of four cache lines and
/// more. `routing` is plain data, so reading it copies no strings or arrays.
struct AgentHot {
    var routing: AgentRouting
    let id: AgentID
    /// Offered and assigned tickets, as ticket indices, in the order they came.
    var tickets: [Int32] = []

    /// Takes a ticket on offer (or assigned at once) on a channel: in one access to the record,
    /// since each access checks that the array of records is not shared.
    @inline(__always) mutating func takeOffer(_ ticket: Int32, channel: Int, at now: Int64, sequence: UInt64) {
        routing.load[channel] += 1
        routing.idleSince = now
        routing.lastOfferSeq = sequence
        tickets.append(ticket)
    }

    /// Gives back a ticket it held on a channel, in one access to the record.
    @inline(__always) mutating func giveBack(_ ticket: Int32, channel: Int) {
        routing.load[channel] -= 1
        if let position = tickets.firstIndex(of: ticket) { tickets.remove(at: position) }
    }
}

/// The plain-data part of an agent that routing decisions read and write: 64 bytes, the
/// vectors first so that nothing is padded.
struct AgentRouting {
    var channelCap: SIMD4<Int32>
    var load: SIMD4<Int32> = .zero
    /// When the agent last got an offer or became available: "longest idle" compares this.
    var idleSince: Int64
    /// Increases with every offer the agent gets: round-robin compares this.
    var lastOfferSeq: UInt64 = 0
    var totalCap: Int32
    /// Login order on the floor: the stable last tie-break.
    var order: UInt32
    var group: Int32 = -1
    var status: AgentStatus = .available
    var sessionLost = false
    /// Offers become assignments at once.
    var autoAccept = false

    @inline(__always) var totalLoad: Int32 { load.wrappedSum() }

    /// The channels on which the agent takes a new offer right now, one bit each.
    @inline(__always) var readyChannels: UInt8 {
        guard status == .available && !sessionLost && totalLoad < totalCap else { return 0 }
        let room = load .< channelCap
        var mask: UInt8 = 0
        for channel in 0..<4 where room[channel] { mask |= 1 << UInt8(channel) }
        return mask
    }

    /// Whether the agent takes a new offer on `channel` right now.
    @inline(__always) func isReady(on channel: Int) -> Bool {
        status == .available && !sessionLost && load[channel] < channelCap[channel] && totalLoad < totalCap
    }

    /// Utilisation (load over capacity) as a 32.32 fixed-point number. Exact for ordering:
    /// two different fractions with denominators below 2^16 differ by more than 2^-32.
    @inline(__always) var utilisation: UInt64 {
        let capacity = UInt64(Swift.max(totalCap, 1))
        return (UInt64(Swift.max(totalLoad, 0)) << 32) / capacity
    }

    /// The agent's place among ready agents of its group under a strategy; smaller goes first.
    @inline(__always) func key(strategy: Int) -> AgentKey {
        switch strategy {
        case 0: AgentKey(primary: utilisation, secondary: idleSince, order: order)
        case 1: AgentKey(primary: 0, secondary: idleSince, order: order)
        default: AgentKey(primary: lastOfferSeq, secondary: 0, order: order)
        }
    }
}

/// The order among ready agents of one group for one strategy; smaller is better.
struct AgentKey: Comparable {
    var primary: UInt64
    var secondary: Int64
    var order: UInt32

    @inline(__always) static func < (lhs: AgentKey, rhs: AgentKey) -> Bool {
        if lhs.primary != rhs.primary { return lhs.primary < rhs.primary }
        if lhs.secondary != rhs.secondary { return lhs.secondary < rhs.secondary }
        return lhs.order < rhs.order
    }
}

/// The order among waiting tickets of one requirement and channel: tickets sent back to
/// the front first, then earliest SLA deadline, then submission order.
struct TicketKey: Comparable {
    var rank: UInt8
    var deadline: Int64
    var id: UInt64

    @inline(__always) static func < (lhs: TicketKey, rhs: TicketKey) -> Bool {
        if lhs.rank != rhs.rank { return lhs.rank < rhs.rank }
        if lhs.deadline != rhs.deadline { return lhs.deadline < rhs.deadline }
        return lhs.id < rhs.id
    }
}

/// What the engine keeps per ticket: plain data only (no strings or arrays), so reading or
/// copying a record costs no reference counting. The subject lives in `ticketSubjects`, the
/// avoided agents of the few declined tickets in `exclusions`.
struct TicketRecord {
    // Laid out widest first so that a record is 64 bytes: one cache line each, since ticket
    // chunks are aligned and hold a whole number of records.
    var createdAt: Int64
    var deadline: Int64
    var offerExpiresAt: Int64 = 0
    var queue: Int32
    var customer: Int32
    /// The ticket's own requirement (skills asked at submit, its own minimum tier).
    var ownRequirement: Int32
    /// Queue defaults combined with the ticket's own requirement and any escalation.
    var requirement: Int32
    /// The agent holding the offer or the assignment, or -1.
    var owner: Int32 = -1
    /// The newest entry of this ticket's history in the engine's history arena (entries link
    /// to the one before, so appending touches nothing but the new entry).
    var historyTail: Int32 = -1
    /// The ticket's slot in the waiting heaps (`RoutingEngine.waitingSlots`) while it waits in
    /// one, or -1.
    var waitingSlot: Int32 = -1
    var channel: Channel
    var priority: Priority
    var state: TicketState = .queued
    /// 0 = back at the front of the queue, 1 = in deadline order.
    var rank: UInt8 = 1
    /// The tier the ticket itself asks for (1–9): its own at submit, raised by escalation.
    var minimumTier: UInt8
    var slaWarned = false
    var slaBreached = false
    /// Whether an SLA timer is scheduled for this ticket (derived: rebuilt on restore).
    var slaTimerPending = false
    /// Whether `exclusions` lists agents for this ticket, some perhaps no longer avoided: a
    /// quick test before the look-up (derived from the exclusions).
    var hasExclusions = false

    var isWaiting: Bool { state == .queued || state == .offered }

    /// Enters `state` held by `owner`, with `step` as the newest entry of its history: what a
    /// state change writes, in one access to the record (each access to a record for writing
    /// checks that its storage is not shared).
    @inline(__always) mutating func enter(_ state: TicketState, owner: Int32, step: Int32) {
        self.state = state
        self.owner = owner
        historyTail = step
    }
}

/// One step in a ticket's history, linked per ticket (newest to oldest) inside one shared
/// array so that a ticket's history costs no allocation of its own.
struct HistoryRecord {
    var at: Int64
    var kind: HistoryKind
    var agent: Int32
    var detail: Int32
    var previous: Int32 = -1
}

/// What a history step records.
enum HistoryKind: UInt8, CaseIterable {
    case created = 0, queued, offered, assigned, declined, expired, resolved
    case escalated, transferredToQueue, transferredToAgent, cancelled, slaWarning, slaBreached
    case requeued

    var name: String {
        switch self {
        case .created: "created"
        case .queued: "queued"
        case .offered: "offered"
        case .assigned: "assigned"
        case .declined: "declined"
        case .expired: "expired"
        case .resolved: "resolved"
        case .escalated: "escalated"
        case .transferredToQueue: "transferred"
        case .transferredToAgent: "transferred"
        case .cancelled: "cancelled"
        case .slaWarning: "sla-warning"
        case .slaBreached: "sla-breached"
        case .requeued: "requeued"
        }
    }
}

/// A queue and what the engine derives from its config.
struct QueueRecord {
    var config: QueueConfig
    /// The queue's default skills and minimum tier, interned.
    var requirement: Int32
    var waiting = 0
    var offered = 0
    var assigned = 0
    var breachedOpen = 0
    var resolved = 0
    var cancelled = 0

    /// Counts `delta` more tickets in `state`.
    @inline(__always) mutating func count(_ state: TicketState, by delta: Int) {
        switch state {
        case .queued: waiting += delta
        case .offered: offered += delta
        case .assigned: assigned += delta
        case .resolved: resolved += delta
        case .cancelled: cancelled += delta
        }
    }

    /// Counts a ticket of this queue moving from one state to another.
    @inline(__always) mutating func countMove(from old: TicketState, to new: TicketState, breachedCloses: Bool) {
        count(old, by: -1)
        count(new, by: 1)
        if breachedCloses { breachedOpen -= 1 }
    }
}

/// A requirement: skills (as `skill << 3 | level`, sorted by skill) and a minimum tier.
struct RequirementKey: Hashable {
    var skills: [UInt32]
    var tier: Int

    static func pack(skill: Int, level: Int) -> UInt32 { UInt32(skill) << 3 | UInt32(level) }
    static func skill(_ packed: UInt32) -> Int { Int(packed >> 3) }
    static func level(_ packed: UInt32) -> Int { Int(packed & 7) }

    /// The same requirement with its skills sorted and each skill once, at its highest level.
    func normalised() -> RequirementKey {
        RequirementKey(skills: [], tier: tier).merged(with: self)
    }

    /// The union of two requirements, with the higher level and tier where they overlap.
    func merged(with other: RequirementKey) -> RequirementKey {
        var bySkill: [Int: Int] = [:]
        for packed in skills + other.skills {
            bySkill[Self.skill(packed), default: 0] = Swift.max(bySkill[Self.skill(packed), default: 0], Self.level(packed))
        }
        let merged = bySkill.keys.sorted().map { Self.pack(skill: $0, level: bySkill[$0]!) }
        return RequirementKey(skills: merged, tier: Swift.max(tier, other.tier))
    }
}

/// Agents with the same skills, levels and tier: they are eligible for exactly the same
/// requirements, so eligibility is decided once per group, not once per agent.
struct AgentGroup {
    var skills: [UInt32]
    var tier: Int
    /// Level per skill id (0 = lacks it), for eligibility checks.
    var levels: [UInt8]

    func satisfies(_ requirement: RequirementKey) -> Bool {
        guard tier >= requirement.tier else { return false }
        for packed in requirement.skills {
            let skill = RequirementKey.skill(packed)
            guard skill < levels.count, Int(levels[skill]) >= RequirementKey.level(packed) else { return false }
        }
        return true
    }
}

/// A scheduled check. Timers are derived from the state (a snapshot does not store them)
/// and validated when they fire, so a stale timer is simply dropped.
struct Timer: Comparable {
    enum Kind: UInt8 {
        case offerExpiry = 0, slaWarning, slaBreach, cooldownEnd, wrapUpEnd, realTimeGraceEnd, asyncGraceEnd
    }
    var at: Int64
    var kind: Kind
    var target: Int32

    static func < (lhs: Timer, rhs: Timer) -> Bool {
        if lhs.at != rhs.at { return lhs.at < rhs.at }
        if lhs.kind != rhs.kind { return lhs.kind.rawValue < rhs.kind.rawValue }
        return lhs.target < rhs.target
    }
}

/// A submitted ticket's own requirement and the routing requirement it is queued by.
struct SubmittedRequirements: Sendable {
    var own: Int32
    var routing: Int32
}

/// An agent a ticket avoids until a time, because it declined or missed the ticket.
struct Exclusion: Sendable, Hashable {
    var agent: Int32
    var until: Int64
}

/// The agent who last resolved one of a customer's tickets, and when (-1: none yet).
struct Affinity: Sendable {
    var agent: Int32
    var at: Int64
}
