import SwitchboardCore

/// The simulated support floor: skills, queues, the catalogue of skill profiles agents are
/// hired into, and the agents themselves. Built from the seed alone, so every run (and every
/// process of a sweep) with the same flags sees the same floor.
struct FloorModel {
    /// Channels in `Channel.rawValue` order: chat, email, phone, web.
    static let capacity = [3, 5, 1, 4]
    /// Mean handling time per channel, in minutes.
    static let meanHandleMinutes: [Double] = [8, 20, 6, 15]
    /// Share of tickets per priority: urgent, high, normal, low.
    static let priorityShares: [Double] = [0.05, 0.20, 0.60, 0.15]
    /// Share of agents per tier 1, 2, 3.
    static let tierShares: [Double] = [0.60, 0.30, 0.10]
    /// Share of tickets asking for tier 1, 2, 3 (capped at the tier of the agent they are drawn from).
    static let ticketTierShares: [Double] = [0.85, 0.12, 0.03]
    /// Skill names; beyond these, skills are called `skill-N`.
    static let knownSkills = [
        "linux", "dns", "mail", "billing", "wordpress", "databases", "networks", "windows",
        "ssl", "backups", "php", "python", "vps", "dedicated", "cloud", "security",
        "spam", "dnssec", "migrations", "cpanel", "plesk", "mail-clients", "ftp", "cdn",
        "load-balancing", "kubernetes", "docker", "firewall", "ddos", "seo", "ecommerce", "payments",
    ]

    /// A queue: its name, the skill its team is built around (index), and its SLA targets.
    struct QueueSpec {
        let name: String
        let skill: Int
        let sla: SLATargets
    }

    static let queueSpecs = [
        QueueSpec(name: "hosting", skill: 0, sla: SLATargets(urgent: 300_000, high: 1_800_000, normal: 14_400_000, low: 86_400_000)),
        QueueSpec(name: "domains", skill: 1, sla: SLATargets(urgent: 900_000, high: 3_600_000, normal: 28_800_000, low: 172_800_000)),
        QueueSpec(name: "mail", skill: 2, sla: SLATargets(urgent: 600_000, high: 3_600_000, normal: 14_400_000, low: 86_400_000)),
        QueueSpec(name: "billing", skill: 3, sla: SLATargets(urgent: 1_800_000, high: 7_200_000, normal: 28_800_000, low: 259_200_000)),
    ]

    /// A skill profile of the catalogue: the role an agent is hired into.
    struct Profile {
        /// The queue whose team this role belongs to.
        let team: Int
        /// Skill indices, the team's skill first.
        let skills: [Int]
        /// Level 1–5 per entry of `skills`.
        let levels: [Int]
    }

    let skillNames: [String]
    let queues: [QueueConfig]
    let profiles: [Profile]
    /// Per agent: its profile in the catalogue and its tier (1–3).
    let agentProfile: [Int32]
    let agentTier: [UInt8]
    let agentIDs: [AgentID]
    /// Distinct (profile, tier) pairs among the agents: an upper bound on the engine's agent groups.
    let profileTierPairs: Int

    init(agents: Int, skills: Int, profiles profileCount: Int, seed: UInt64) {
        var rng = Xoshiro256(seed: seed, stream: 1)
        skillNames = (0..<skills).map { $0 < Self.knownSkills.count ? Self.knownSkills[$0] : "skill-\($0)" }
        let names = skillNames
        queues = Self.queueSpecs.map { spec in
            QueueConfig(
                name: spec.name, defaultSkills: [SkillLevel(names[spec.skill % skills])],
                sla: spec.sla, strategy: .leastLoaded)
        }
        var catalogue: [Profile] = []
        catalogue.reserveCapacity(profileCount)
        for _ in 0..<profileCount {
            let team = rng.below(Self.queueSpecs.count)
            let teamSkill = Self.queueSpecs[team].skill % skills
            let count = min(1 + rng.below(4), skills)
            var chosen = [teamSkill]
            while chosen.count < count {
                let skill = rng.below(skills)
                if !chosen.contains(skill) { chosen.append(skill) }
            }
            let levels = chosen.map { _ in rng.uniform(1...5) }
            catalogue.append(Profile(team: team, skills: chosen, levels: levels))
        }
        profiles = catalogue
        let tierCumulative = Self.cumulative(Self.tierShares)
        var profileOf: [Int32] = []
        var tierOf: [UInt8] = []
        profileOf.reserveCapacity(agents)
        tierOf.reserveCapacity(agents)
        var pairs = Set<Int>()
        for _ in 0..<agents {
            let profile = rng.below(profileCount)
            let tier = 1 + rng.pick(cumulative: tierCumulative)
            profileOf.append(Int32(profile))
            tierOf.append(UInt8(tier))
            pairs.insert(profile * 4 + tier)
        }
        agentProfile = profileOf
        agentTier = tierOf
        agentIDs = (0..<agents).map { AgentID("agent-\($0)") }
        profileTierPairs = pairs.count
    }

    var agentCount: Int { agentIDs.count }

    /// What agent `index` declares at login: its role's skills, its tier, the floor's
    /// capacities, and auto-accept so offers become assignments at once.
    func loginProfile(_ index: Int) -> AgentProfile {
        let profile = profiles[Int(agentProfile[index])]
        let skills = zip(profile.skills, profile.levels).map { SkillLevel(skillNames[$0], level: $1) }
        let c = Self.capacity
        return AgentProfile(
            id: agentIDs[index], skills: skills, tier: Int(agentTier[index]),
            capacity: Capacity(chat: c[0], email: c[1], phone: c[2], web: c[3]), autoAccept: true)
    }

    /// Tickets the full floor resolves per simulated millisecond when every slot is busy.
    var serviceRatePerMs: Double {
        var perAgent = 0.0
        for channel in 0..<4 { perAgent += Double(Self.capacity[channel]) / (Self.meanHandleMinutes[channel] * 60_000) }
        return perAgent * Double(agentCount)
    }

    /// Ticket slots on the whole floor.
    var floorSlots: Int { agentCount * Self.capacity.reduce(0, +) }

    /// Running sums of `weights`, for `Xoshiro256.pick(cumulative:)`.
    static func cumulative(_ weights: [Double]) -> [Double] {
        var total = 0.0
        return weights.map { total += $0; return total }
    }

    /// Share of tickets per channel: proportional to the floor's throughput on that channel
    /// (capacity over mean handling time), so no channel's backlog grows without bound.
    static var channelShares: [Double] {
        (0..<4).map { Double(capacity[$0]) / meanHandleMinutes[$0] }
    }
}
