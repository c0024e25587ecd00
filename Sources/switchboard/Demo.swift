import Foundation
import SwitchboardCore

/// `switchboard demo`: a small support floor simulated through the real routing engine, with
/// every decision narrated. Deterministic for a seed; time is simulated, so it runs instantly.
enum Demo {
    static let help = """
    USAGE: switchboard demo [--tickets N] [--seed S] [--quiet]

    Simulates a hosting provider's support floor: five queues, eight agents with different
    skills and tiers, customers arriving by chat, email, phone and web. Agents accept, decline,
    miss offers, resolve and escalate; the routing engine decides who gets what. Prints each
    event with the simulated time, then the queues, the agents and the floor's state digest.

    OPTIONS:
      --tickets N   tickets to submit (default 40, at most 100000)
      --seed S      the seed for customers' and agents' behaviour (default 1)
      --quiet       print only the summary
    """

    static func run(_ arguments: [String]) throws {
        var options = OptionReader(arguments, command: "demo")
        if options.flag("--help") || options.flag("-h") {
            print(help)
            return
        }
        let ticketCount = try options.integer("--tickets", in: 1...100_000) ?? 40
        let seed = try options.integer("--seed", in: 0...Int.max) ?? 1
        let quiet = options.flag("--quiet")
        try options.finish()

        var floor = DemoFloor(seed: UInt64(seed), quiet: quiet)
        try floor.run(tickets: ticketCount)
        floor.printSummary()
    }
}

/// The simulation: scheduled customer and agent actions interleaved with engine ticks.
struct DemoFloor {
    private enum Action {
        case submit(Int)
        case respond(TicketID, AgentID)
        case finish(TicketID, AgentID)
    }

    private var engine = RoutingEngine()
    private var random: SplitMix64
    /// An action due at a simulated time; equal times keep the order they were scheduled in.
    private struct Scheduled: Comparable {
        let at: Int64
        let sequence: Int
        let action: Action

        static func < (a: Scheduled, b: Scheduled) -> Bool { (a.at, a.sequence) < (b.at, b.sequence) }
        static func == (a: Scheduled, b: Scheduled) -> Bool { (a.at, a.sequence) == (b.at, b.sequence) }
    }

    private var schedule = MinHeap<Scheduled>()
    private var sequence = 0
    private var clock: Int64 = 0
    private let quiet: Bool
    private let origin: Int64 = 8 * 3_600_000  // the floor opens at 08:00

    init(seed: UInt64, quiet: Bool) {
        random = SplitMix64(seed: seed)
        self.quiet = quiet
    }

    static let queues: [QueueConfig] = [
        QueueConfig(name: "hosting", defaultSkills: [SkillLevel("linux", level: 2)],
                    sla: SLATargets(urgent: 120_000, high: 300_000, normal: 900_000, low: 3_600_000),
                    offerTimeoutMs: 20_000, wrapUpMs: 30_000),
        QueueConfig(name: "domains", defaultSkills: [SkillLevel("dns")],
                    sla: SLATargets(urgent: 180_000, high: 600_000, normal: 1_800_000, low: 7_200_000),
                    offerTimeoutMs: 20_000),
        QueueConfig(name: "mail", defaultSkills: [SkillLevel("mail")],
                    sla: SLATargets(urgent: 180_000, high: 600_000, normal: 1_800_000, low: 7_200_000),
                    strategy: .longestIdle, offerTimeoutMs: 20_000),
        QueueConfig(name: "wordpress", defaultSkills: [SkillLevel("wordpress", level: 2)],
                    sla: SLATargets(urgent: 300_000, high: 900_000, normal: 3_600_000, low: 14_400_000),
                    offerTimeoutMs: 30_000),
        QueueConfig(name: "billing", defaultSkills: [SkillLevel("billing")],
                    sla: SLATargets(urgent: 600_000, high: 1_800_000, normal: 7_200_000, low: 28_800_000),
                    strategy: .roundRobin, offerTimeoutMs: 30_000),
    ]

    static let agents: [AgentProfile] = [
        AgentProfile(id: AgentID("alice"), name: "Alice", skills: [SkillLevel("linux", level: 4), SkillLevel("servers", level: 3)],
                     tier: 2, capacity: Capacity(chat: 3, email: 5, phone: 1, web: 3, total: 6)),
        AgentProfile(id: AgentID("bob"), name: "Bob", skills: [SkillLevel("dns", level: 3), SkillLevel("mail", level: 3)],
                     tier: 1, capacity: Capacity(chat: 3, email: 5, phone: 1, web: 3, total: 5)),
        AgentProfile(id: AgentID("carol"), name: "Carol", skills: [SkillLevel("wordpress", level: 4), SkillLevel("linux", level: 2)],
                     tier: 1, capacity: Capacity(chat: 2, email: 4, phone: 1, web: 4, total: 5)),
        AgentProfile(id: AgentID("dave"), name: "Dave", skills: [SkillLevel("billing", level: 3)],
                     tier: 1, capacity: Capacity(chat: 3, email: 6, phone: 1, web: 4)),
        AgentProfile(id: AgentID("erin"), name: "Erin", skills: [SkillLevel("linux", level: 5), SkillLevel("databases", level: 4), SkillLevel("networks", level: 4)],
                     tier: 3, capacity: Capacity(chat: 2, email: 3, phone: 1, web: 2, total: 4)),
        AgentProfile(id: AgentID("frank"), name: "Frank", skills: [SkillLevel("mail", level: 4), SkillLevel("dns", level: 3)],
                     tier: 2, capacity: Capacity(chat: 2, email: 5, phone: 1, web: 2, total: 5)),
        AgentProfile(id: AgentID("grace"), name: "Grace", skills: [SkillLevel("billing", level: 4), SkillLevel("dns", level: 2)],
                     tier: 2, capacity: Capacity(chat: 3, email: 5, phone: 1, web: 3, total: 6)),
        AgentProfile(id: AgentID("heidi"), name: "Heidi", skills: [SkillLevel("networks", level: 3), SkillLevel("linux", level: 3), SkillLevel("wordpress", level: 3)],
                     tier: 2, capacity: Capacity(chat: 2, email: 4, phone: 1, web: 3, total: 5)),
    ]

    static let subjects: [String: [String]] = [
        "hosting": ["Website returns 502 after PHP upgrade", "SSH key rejected on VPS", "MySQL replication lag",
                    "Cannot reach server on port 443"],
        "domains": ["Domain transfer stuck", "DNS change not visible after a day", "SSL certificate expired"],
        "mail": ["MX records not resolving", "Mailbox over quota", "Outgoing mail marked as spam"],
        "wordpress": ["WordPress admin login loop", "Plugin update broke the theme", "White screen after migration"],
        "billing": ["Invoice charged twice", "Change of payment card", "Refund for cancelled plan"],
    ]

    mutating func run(tickets: Int) throws {
        for queue in Self.queues { try apply(.upsertQueue(queue)) }
        for agent in Self.agents { try apply(.login(agent)) }
        var arrival: Int64 = 0
        for index in 0..<tickets {
            arrival += 5_000 + Int64(random.next(below: 40_000))
            enqueue(at: arrival, .submit(index))
        }
        while let next = nextTime() {
            clock = next
            try apply(.tick)
            while let first = schedule.min, first.at <= clock {
                _ = schedule.popMin()
                try perform(first.action)
            }
        }
    }

    private mutating func nextTime() -> Int64? {
        let scheduled = schedule.min?.at
        let timer = engine.nextDeadline().map { $0.milliseconds - origin }
        switch (scheduled, timer) {
        case let (a?, b?): return max(clock + 1, min(a, b))
        case let (a?, nil): return max(clock + 1, a)
        case let (nil, b?): return engine.totals().queued + engine.totals().offered + engine.totals().assigned > 0 ? max(clock + 1, b) : nil
        case (nil, nil): return nil
        }
    }

    private mutating func enqueue(at time: Int64, _ action: Action) {
        sequence += 1
        schedule.insert(Scheduled(at: time, sequence: sequence, action: action))
    }

    private mutating func perform(_ action: Action) throws {
        switch action {
        case .submit(let index):
            let queue = Self.queues[Int(random.next(below: UInt64(Self.queues.count)))]
            let channel = Channel.allCases[Int(random.next(below: 4))]
            let priority = Priority.allCases[[0, 1, 1, 2, 2, 2, 2, 3][Int(random.next(below: 8))]]
            let customer = "cust-\(100 + random.next(below: 15))"
            let subjects = Self.subjects[queue.name] ?? ["Help needed"]
            let subject = subjects[index % subjects.count]
            try apply(.submit(TicketSubmission(customer: customer, channel: channel, priority: priority,
                                               queue: queue.name, subject: subject)))
        case .respond(let ticket, let agent):
            guard let info = engine.ticket(ticket), info.state == .offered, info.owner == agent else { return }
            let roll = random.next(below: 20)
            if roll == 0 {
                try apply(.decline(ticket, by: agent))
            } else if roll == 1 && agent.name == "frank" {
                return  // Frank is on the phone and misses the offer: it expires.
            } else {
                try apply(.accept(ticket, by: agent))
            }
        case .finish(let ticket, let agent):
            guard let info = engine.ticket(ticket), info.state == .assigned, info.owner == agent else { return }
            let tier = engine.agent(agent)?.tier ?? 1
            if tier == 1 && random.next(below: 8) == 0 {
                try apply(.escalate(ticket, by: agent, toTier: nil))
            } else {
                try apply(.resolve(ticket, by: agent))
            }
        }
    }

    private mutating func apply(_ command: Command) throws {
        let events = try engine.apply(command, at: Timestamp(milliseconds: origin + clock))
        for event in events {
            narrate(event)
            switch event {
            case .ticketOffered(let ticket, let agent, _):
                enqueue(at: clock + 2_000 + Int64(random.next(below: 12_000)), .respond(ticket, agent))
            case .ticketAssigned(let ticket, let agent):
                let channel = engine.ticket(ticket)?.channel ?? .email
                let base: Int64 = channel.isRealTime ? 180_000 : 300_000
                enqueue(at: clock + base + Int64(random.next(below: 420_000)), .finish(ticket, agent))
            default: break
            }
        }
    }

    private func narrate(_ event: Event) {
        guard !quiet else { return }
        let line: String
        switch event {
        case .ticketCreated(let id):
            let t = engine.ticket(id)!
            line = "ticket \(id) from \(t.customer) by \(t.channel), \(t.priority), queue \(t.queue): \(t.subject)"
        case .ticketQueued(let id, let reason): line = "ticket \(id) waits" + (reason.map { " (\($0))" } ?? "")
        case .ticketOffered(let id, let agent, _): line = "ticket \(id) offered to \(agent)"
        case .ticketAssigned(let id, let agent): line = "ticket \(id) assigned to \(agent)"
        case .offerDeclined(let id, let agent): line = "\(agent) declined ticket \(id)"
        case .offerExpired(let id, let agent): line = "offer of ticket \(id) to \(agent) expired"
        case .ticketResolved(let id, let agent): line = "\(agent) resolved ticket \(id)"
        case .ticketEscalated(let id, let tier): line = "ticket \(id) escalated to tier \(tier)"
        case .slaWarning(let id): line = "ticket \(id) is near its SLA deadline"
        case .slaBreached(let id): line = "ticket \(id) breached its SLA"
        case .agentStatusChanged(let agent, let status): line = "\(agent) is \(status)"
        case .agentLoggedIn(let agent): line = "\(agent) logged in"
        case .queueUpdated(let name): line = "queue \(name) is open"
        default: line = "\(event)"
        }
        print("[\(Self.clockText(clock))] \(line)")
    }

    static func clockText(_ ms: Int64) -> String {
        let seconds = 8 * 3600 + ms / 1000
        return String(format: "%02d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
    }

    func printSummary() {
        print("")
        print(TextTable(
            header: ["QUEUE", "STRATEGY", "WAITING", "OFFERED", "ASSIGNED", "RESOLVED", "SLA BREACHED"],
            rows: engine.queueList().map {
                [$0.config.name, "\($0.config.strategy)", "\($0.waiting)", "\($0.offered)", "\($0.assigned)",
                 "\($0.resolved)", "\($0.slaBreached)"]
            }).render())
        print("")
        print(TextTable(
            header: ["AGENT", "TIER", "SKILLS", "STATUS", "HOLDING"],
            rows: engine.agentList().map {
                [$0.id.name, "\($0.tier)", $0.skills.map(\.description).joined(separator: ","), "\($0.status)", "\($0.tickets.count)"]
            }).render())
        let totals = engine.totals()
        print("")
        print("tickets \(totals.tickets): resolved \(totals.resolved), waiting \(totals.queued), breached \(totals.slaBreached); "
            + "routing decisions \(engine.decisions); state digest \(String(format: "%016llx", engine.digest))")
    }
}
