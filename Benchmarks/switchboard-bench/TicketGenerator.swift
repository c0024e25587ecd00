import SwitchboardCore

/// One generated ticket: the command that submits it, how long its agent will hold it, and
/// the gap before the next arrival (mean 1; the driver divides by the current arrival rate).
struct PlannedTicket {
    var command: Command
    var handleMs: UInt32
    var gap: Double
}

/// Makes tickets in chunks, ahead of the timed loop, so generating them costs little and
/// never sits inside a measured `apply`.
///
/// Each ticket is drawn from a random agent's role, which guarantees that someone on the
/// floor can take it and keeps demand per role proportional to the agents in it: the queue
/// is the role's team, the ticket asks for 1–2 of the role's skills at minimum level 1–3
/// (never above the level that agent has) and usually tier 1 (never above that agent's tier).
struct TicketGenerator {
    static let chunkSize = 4096
    private static let subjects = [
        "site down", "502 errors", "slow site", "mx records", "dns change", "ssl expired",
        "spam filter", "refund", "invoice copy", "login fails", "disk full", "backup restore",
    ]

    private var rng: Xoshiro256
    private let model: FloorModel
    private let customers: [String]
    private let channelCumulative: [Double]
    private let priorityCumulative: [Double]
    private let ticketTierCumulative: [Double]
    /// `SkillLevel` values by `skill * 6 + level`, built once.
    private let skillLevels: [SkillLevel]
    private let meanHandleMs: [Double]

    /// A generator; `stream` separates independent ticket streams made from one seed.
    init(model: FloorModel, customers: Int, seed: UInt64, stream: UInt64 = 2) {
        rng = Xoshiro256(seed: seed, stream: stream)
        self.model = model
        self.customers = (0..<customers).map { "cust-\($0)" }
        channelCumulative = FloorModel.cumulative(FloorModel.channelShares)
        priorityCumulative = FloorModel.cumulative(FloorModel.priorityShares)
        ticketTierCumulative = FloorModel.cumulative(FloorModel.ticketTierShares)
        var levels: [SkillLevel] = []
        for skill in model.skillNames.indices {
            for level in 0...5 { levels.append(SkillLevel(model.skillNames[skill], level: max(level, 1))) }
        }
        skillLevels = levels
        meanHandleMs = FloorModel.meanHandleMinutes.map { $0 * 60_000 }
    }

    /// Replaces `chunk` with the next `chunkSize` tickets.
    mutating func refill(_ chunk: inout [PlannedTicket]) {
        chunk.removeAll(keepingCapacity: true)
        for _ in 0..<Self.chunkSize { chunk.append(next()) }
    }

    mutating func next() -> PlannedTicket {
        let agent = rng.below(model.agentCount)
        let profile = model.profiles[Int(model.agentProfile[agent])]
        let agentTier = Int(model.agentTier[agent])

        var skills: [SkillLevel] = []
        let count = profile.skills.count >= 2 && rng.unit() < 0.35 ? 2 : 1
        skills.reserveCapacity(count)
        let first = rng.below(profile.skills.count)
        var picks = [first]
        if count == 2 {
            var second = rng.below(profile.skills.count - 1)
            if second >= first { second += 1 }
            picks.append(second)
        }
        for pick in picks {
            let level = min(rng.uniform(1...3), profile.levels[pick])
            skills.append(skillLevels[profile.skills[pick] * 6 + level])
        }
        let tier = min(1 + rng.pick(cumulative: ticketTierCumulative), agentTier)
        let channelIndex = rng.pick(cumulative: channelCumulative)
        let channel = Channel(rawValue: UInt8(channelIndex))!
        let priority = Priority(rawValue: UInt8(rng.pick(cumulative: priorityCumulative)))!
        // Handling time: a quarter of the mean at least, exponential above it (mean as given).
        let handle = meanHandleMs[channelIndex] * (0.25 + 0.75 * rng.exponential())
        let submission = TicketSubmission(
            customer: customers[rng.below(customers.count)], channel: channel, priority: priority,
            queue: model.queues[profile.team].name, skills: skills, minimumTier: tier,
            subject: Self.subjects[rng.below(Self.subjects.count)])
        return PlannedTicket(
            command: .submit(submission), handleMs: UInt32(min(handle, Double(UInt32.max))), gap: rng.exponential())
    }
}
