import Testing
@testable import SwitchboardCore

// Builders and a small harness shared by the SwitchboardCore tests. The tests drive and read
// the engine through its public API; the few routing facts it does not show are read through
// EngineProbe.swift, the only file that touches internals, and snapshots are taken apart with
// SnapshotModel.swift, which follows the documented format.

// MARK: - Short names

/// A ticket id.
func tid(_ raw: UInt64) -> TicketID { TicketID(raw) }

/// An agent id.
func aid(_ name: String) -> AgentID { AgentID(name) }

/// A time in milliseconds.
func at(_ milliseconds: Int64) -> Timestamp { Timestamp(milliseconds: milliseconds) }

/// Skills from a compact spec: `"linux:3 dns"` is linux at level 3 and dns at level 1.
func skills(_ spec: String) -> [SkillLevel] {
    spec.split(separator: " ").map { token in
        let parts = token.split(separator: ":", maxSplits: 1)
        let level = parts.count == 2 ? Int(parts[1])! : 1
        return SkillLevel(String(parts[0]), level: level)
    }
}

/// An agent's login profile.
func profile(
    _ id: String, _ skillSpec: String = "", tier: Int = 1,
    chat: Int = 0, email: Int = 0, phone: Int = 0, web: Int = 0, total: Int? = nil,
    autoAccept: Bool = false, session: String = "n1"
) -> AgentProfile {
    AgentProfile(
        id: AgentID(id), skills: skills(skillSpec), tier: tier,
        capacity: Capacity(chat: chat, email: email, phone: phone, web: web, total: total),
        autoAccept: autoAccept, session: session)
}

/// A queue.
func queue(
    _ name: String, _ skillSpec: String = "", tier: Int = 1, sla: SLATargets = .standard,
    strategy: RoutingStrategy = .leastLoaded, offerTimeoutMs: Int64 = 30_000, wrapUpMs: Int64 = 0
) -> QueueConfig {
    QueueConfig(
        name: name, defaultSkills: skills(skillSpec), minimumTier: tier, sla: sla, strategy: strategy,
        offerTimeoutMs: offerTimeoutMs, wrapUpMs: wrapUpMs)
}

/// SLA targets with the same target for every priority.
func sla(_ milliseconds: Int64) -> SLATargets {
    SLATargets(urgent: milliseconds, high: milliseconds, normal: milliseconds, low: milliseconds)
}

/// A ticket submission.
func ticket(
    _ queue: String, customer: String = "cust", channel: Channel = .chat, priority: Priority = .normal,
    skills skillSpec: String = "", tier: Int = 1, subject: String = ""
) -> TicketSubmission {
    TicketSubmission(
        customer: customer, channel: channel, priority: priority, queue: queue,
        skills: skills(skillSpec), minimumTier: tier, subject: subject)
}

// MARK: - Reading events

extension Array where Element == Event {
    /// Who the ticket was offered to (the last offer of it in these events), if anyone.
    func offer(of ticket: TicketID) -> AgentID? {
        var found: AgentID?
        for case .ticketOffered(let id, let agent, _) in self where id == ticket { found = agent }
        return found
    }

    /// Who the ticket was assigned to in these events, if anyone.
    func assignment(of ticket: TicketID) -> AgentID? {
        var found: AgentID?
        for case .ticketAssigned(let id, let agent) in self where id == ticket { found = agent }
        return found
    }

    /// Every offer, in order.
    var offers: [(TicketID, AgentID)] {
        compactMap { if case .ticketOffered(let t, let a, _) = $0 { (t, a) } else { nil } }
    }

    /// The ids of tickets created in these events.
    var created: [TicketID] {
        compactMap { if case .ticketCreated(let t) = $0 { t } else { nil } }
    }
}

// MARK: - A floor to drive in tests

/// The engine plus a clock that only moves forward, so tests read as a timeline.
struct Floor {
    var engine: RoutingEngine
    /// The time of the latest command.
    private(set) var clock: Int64 = 0
    /// Everything applied so far that succeeded, with its time: replayed on `RoutingEngine()`, it
    /// rebuilds the floor (the policy is its first command).
    private(set) var log: [(Command, Timestamp)] = []

    init(policy: FloorPolicy = FloorPolicy(), queues: [QueueConfig] = [], agents: [AgentProfile] = []) {
        engine = RoutingEngine()
        try! run(.setPolicy(policy))
        for config in queues { try! run(.upsertQueue(config)) }
        for agent in agents { try! run(.login(agent)) }
    }

    /// Applies a command at `time` (default: the current clock) and returns its events.
    @discardableResult
    mutating func run(_ command: Command, at time: Int64? = nil) throws(EngineError) -> [Event] {
        let when = Swift.max(time ?? clock, clock)
        let events = try engine.apply(command, at: Timestamp(milliseconds: when))
        clock = when
        log.append((command, Timestamp(milliseconds: when)))
        return events
    }

    /// Submits a ticket and returns its id with the events.
    @discardableResult
    mutating func submit(_ submission: TicketSubmission, at time: Int64? = nil) throws(EngineError) -> (TicketID, [Event]) {
        let events = try run(.submit(submission), at: time)
        return (events.created.first!, events)
    }

    /// A tick at `time`.
    @discardableResult
    mutating func tick(at time: Int64) -> [Event] {
        try! run(.tick, at: time)
    }

    /// Submits a ticket and has whoever gets the offer accept it; returns the ticket and its owner.
    @discardableResult
    mutating func submitAccepted(_ submission: TicketSubmission, at time: Int64? = nil) throws(EngineError) -> (TicketID, AgentID) {
        let (id, events) = try submit(submission, at: time)
        if let owner = events.assignment(of: id) { return (id, owner) }
        guard let owner = events.offer(of: id) else { throw .invalidArgument("test setup: ticket \(id) was not routed") }
        try run(.accept(id, by: owner))
        return (id, owner)
    }

    /// Gives a ticket to a named agent as an assignment without touching the agent's idle time:
    /// submits it to `parking` (a queue no agent can serve) and transfers it.
    @discardableResult
    mutating func park(on agent: String, channel: Channel = .chat) throws(EngineError) -> TicketID {
        if engine.queue("parking") == nil {
            try run(.upsertQueue(queue("parking", "nobody-has-this")))
        }
        let (id, _) = try submit(ticket("parking", customer: "parked", channel: channel))
        try run(.transfer(id, by: nil, to: .agent(AgentID(agent))))
        return id
    }

    func state(_ id: TicketID) -> TicketState? { engine.ticket(id)?.state }
    func owner(_ id: TicketID) -> AgentID? { engine.ticket(id)?.owner }
    func status(_ agent: String) -> AgentStatus? { engine.agent(AgentID(agent))?.status }
}

/// Everything the public query API says about an engine, to compare two engines or one
/// engine before and after a command.
struct Observation: Equatable {
    var tickets: [TicketInfo]
    var agents: [AgentInfo]
    var queues: [QueueInfo]
    var totals: FloorTotals
    var nextDeadline: Timestamp?
    var now: Int64
    var policy: FloorPolicy

    /// `nextDeadline()` is read on a copy: it drops timers that no longer apply, and the
    /// observed engine stays exactly as it was.
    init(_ engine: RoutingEngine) {
        tickets = engine.tickets()
        agents = engine.agentList()
        queues = engine.queueList()
        totals = engine.totals()
        var copy = engine
        nextDeadline = copy.nextDeadline()
        now = engine.now
        policy = engine.policy
    }
}

// MARK: - A seedable generator

/// SplitMix64: tiny, fast, and the same sequence for the same seed on every platform.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

// MARK: - Scripted scenarios

enum Scenarios {
    /// A small floor whose snapshot still fills in every field and every list of the format at
    /// least once: skills, two queues with default skills, agents with and without a total, a
    /// lost session, tickets with their own skills, an avoided agent, histories, an affinity
    /// entry. Small enough to damage at every byte.
    static func compactFloor() throws -> Floor {
        var floor = Floor(
            policy: FloorPolicy(affinityWindowMs: 600_000, declineCooldownMs: 40_000),
            queues: [queue("hosting", "linux:2", wrapUpMs: 5_000), queue("billing", "billing", strategy: .roundRobin)],
            agents: [profile("alice", "linux:3 dns", chat: 2, total: 3, session: "n1"),
                     profile("bob", "billing:2", email: 1, autoAccept: true, session: "n2#1")])
        let (declined, _) = try floor.submit(ticket("hosting", customer: "acme", skills: "dns:1", subject: "site down"), at: 100)
        try floor.run(.decline(declined, by: aid("alice")), at: 200)  // waits, avoiding alice
        let (resolved, _) = try floor.submit(ticket("billing", customer: "globex", channel: .email), at: 300)
        try floor.run(.resolve(resolved, by: aid("bob")), at: 400)  // an affinity entry
        try floor.submitAccepted(ticket("hosting", customer: "initech"), at: 500)  // alice holds it
        try floor.submit(ticket("billing", customer: "globex", channel: .email, priority: .urgent), at: 600)  // bob holds it
        try floor.run(.nodeDown("n2"), at: 700)  // bob's session is lost
        return floor
    }


    /// A morning on a small floor that leaves the engine in nearly every state at once: offers
    /// and assignments, waiting and avoided tickets, escalated and transferred tickets, SLA
    /// warnings and breaches, an agent in wrap-up, a lost session in its grace period,
    /// affinity entries, a changed policy and all three strategies.
    static func busyDay() throws -> Floor {
        var floor = Floor(policy: FloorPolicy(affinityWindowMs: 600_000, realTimeGraceMs: 20_000, asyncGraceMs: 200_000,
                                              missesBeforeAway: 2, declineCooldownMs: 40_000))
        try floor.run(.upsertQueue(queue("hosting", "linux:2", sla: SLATargets(urgent: 60_000, high: 120_000, normal: 300_000, low: 900_000),
                                         offerTimeoutMs: 15_000, wrapUpMs: 5_000)), at: 0)
        try floor.run(.upsertQueue(queue("domains", "dns", strategy: .longestIdle, offerTimeoutMs: 20_000)), at: 0)
        try floor.run(.upsertQueue(queue("billing", "billing", sla: sla(50_000), strategy: .roundRobin)), at: 0)
        try floor.run(.upsertQueue(queue("escalations", "linux:4", tier: 2)), at: 0)
        try floor.run(.login(profile("alice", "linux:3 dns", tier: 1, chat: 2, email: 3, total: 4, session: "n1")), at: 100)
        try floor.run(.login(profile("bob", "linux:2 mail", tier: 1, chat: 1, email: 2, phone: 1, session: "n1")), at: 200)
        try floor.run(.login(profile("carol", "linux:5 dns:4", tier: 3, chat: 2, web: 2, session: "n2")), at: 300)
        try floor.run(.login(profile("dan", "billing:3", tier: 1, chat: 3, email: 3, autoAccept: true, session: "n2")), at: 400)
        try floor.run(.login(profile("eve", "billing dns:2", tier: 2, chat: 1, web: 1, session: "n3")), at: 500)
        var time: Int64 = 1_000
        let customers = ["acme", "globex", "initech", "umbrella", "hooli", "acme", "stark", "wayne"]
        for (n, customer) in customers.enumerated() {
            let queueName = ["hosting", "domains", "billing", "hosting"][n % 4]
            let channel = Channel.allCases[n % 4]
            let priority = Priority.allCases[(n * 3) % 4]
            try floor.submit(ticket(queueName, customer: customer, channel: channel, priority: priority), at: time)
            time += 700
        }
        // Accept some offers, decline one, let others expire.
        for info in floor.engine.tickets(state: .offered) where info.id.raw % 2 == 1 {
            try floor.run(.accept(info.id, by: info.owner!), at: time)
            time += 100
        }
        if let declined = floor.engine.tickets(state: .offered).first {
            try floor.run(.decline(declined.id, by: declined.owner!), at: time)
            time += 100
        }
        floor.tick(at: time + 16_000)
        time += 16_000
        // Resolve one (wrap-up and affinity), escalate one, transfer two.
        if let assigned = floor.engine.tickets(state: .assigned, queue: "hosting").first {
            try floor.run(.resolve(assigned.id, by: assigned.owner!), at: time)
            time += 100
        }
        if let assigned = floor.engine.tickets(state: .assigned).first {
            try floor.run(.escalate(assigned.id, by: assigned.owner!, toTier: nil), at: time)
            time += 100
        }
        let (moved, _) = try floor.submit(ticket("hosting", customer: "acme", channel: .email, priority: .urgent), at: time)
        try floor.run(.transfer(moved, by: nil, to: .queue("billing")), at: time + 50)
        let (direct, _) = try floor.submit(ticket("domains", customer: "wayne", channel: .web), at: time + 100)
        if floor.owner(direct) != aid("carol") {
            try floor.run(.transfer(direct, by: nil, to: .agent(aid("carol"))), at: time + 150)
        }
        time += 200
        // Work nobody can take: waits, warns and breaches.
        try floor.submit(ticket("escalations", customer: "oscorp", channel: .phone, priority: .urgent, tier: 4), at: time)
        try floor.submit(ticket("billing", customer: "tyrell", channel: .web, priority: .high, skills: "billing:5"), at: time)
        floor.tick(at: time + 60_000)
        time += 60_000
        // Agents on n1 take what they were offered; then n1 goes down while they hold it.
        for info in floor.engine.tickets(state: .offered) where info.owner == aid("alice") || info.owner == aid("bob") {
            try floor.run(.accept(info.id, by: info.owner!), at: time)
        }
        // A node goes down; another agent goes away; the policy changes; an agent logs in again.
        try floor.run(.nodeDown("n1"), at: time)
        try floor.run(.setStatus(aid("eve"), .away), at: time + 10)
        try floor.run(.setPolicy(FloorPolicy(affinityWindowMs: 900_000, realTimeGraceMs: 25_000, asyncGraceMs: 300_000,
                                             missesBeforeAway: 3, declineCooldownMs: 30_000)), at: time + 20)
        try floor.run(.login(profile("carol", "linux:5 dns:4 mail:2", tier: 3, chat: 3, web: 2, session: "n2")), at: time + 30)
        try floor.submit(ticket("hosting", customer: "globex", channel: .chat, priority: .high), at: time + 40)
        floor.tick(at: time + 50)
        // carol comes back and is filled; she resolves one hosting ticket and goes into wrap-up
        // with offers still open; a waiting ticket is cancelled.
        try floor.run(.setStatus(aid("carol"), .available), at: time + 60)
        if let offer = floor.engine.tickets(state: .offered, queue: "hosting").first(where: { $0.owner == aid("carol") }) {
            try floor.run(.accept(offer.id, by: aid("carol")), at: time + 70)
            try floor.run(.resolve(offer.id, by: aid("carol")), at: time + 80)
        }
        if let waiting = floor.engine.tickets(state: .queued, queue: "billing").first {
            try floor.run(.cancel(waiting.id), at: time + 90)
        }
        return floor
    }
}
