import Testing
@testable import SwitchboardCore

/// Eligibility: skills ⊇ required at the asked level (queue defaults combined with the
/// ticket's own, higher level wins), tier ≥ minimum (queue's and ticket's), status
/// available, free capacity on the ticket's channel and in total.
@Suite struct EligibilityTests {
    struct SkillCase: Sendable, CustomTestStringConvertible {
        var rule: String
        var queueSkills = ""
        var queueTier = 1
        var ticketSkills = ""
        var ticketTier = 1
        var agentSkills = ""
        var agentTier = 1
        var eligible: Bool
        var testDescription: String { rule }
    }

    static let skillCases: [SkillCase] = [
        SkillCase(rule: "no requirement: any agent", eligible: true),
        SkillCase(rule: "queue skill at level 1: agent with it at 1", queueSkills: "linux", agentSkills: "linux", eligible: true),
        SkillCase(rule: "queue skill: agent without it", queueSkills: "linux", agentSkills: "dns:5", eligible: false),
        SkillCase(rule: "queue level 3: agent at 2 is below", queueSkills: "linux:3", agentSkills: "linux:2", eligible: false),
        SkillCase(rule: "queue level 3: agent at 3 meets it", queueSkills: "linux:3", agentSkills: "linux:3", eligible: true),
        SkillCase(rule: "queue level 3: agent at 5 exceeds it", queueSkills: "linux:3", agentSkills: "linux:5", eligible: true),
        SkillCase(rule: "ticket asks a higher level than the queue: the ticket's wins", queueSkills: "linux:2",
                  ticketSkills: "linux:4", agentSkills: "linux:3", eligible: false),
        SkillCase(rule: "ticket asks a higher level than the queue: agent at that level", queueSkills: "linux:2",
                  ticketSkills: "linux:4", agentSkills: "linux:4", eligible: true),
        SkillCase(rule: "queue asks a higher level than the ticket: the queue's wins", queueSkills: "linux:4",
                  ticketSkills: "linux:2", agentSkills: "linux:3", eligible: false),
        SkillCase(rule: "queue and ticket skills are combined: agent lacks the ticket's", queueSkills: "linux",
                  ticketSkills: "dns", agentSkills: "linux:5", eligible: false),
        SkillCase(rule: "queue and ticket skills are combined: agent lacks the queue's", queueSkills: "linux",
                  ticketSkills: "dns", agentSkills: "dns:5", eligible: false),
        SkillCase(rule: "queue and ticket skills are combined: agent has both", queueSkills: "linux",
                  ticketSkills: "dns:2", agentSkills: "dns:2 linux", eligible: true),
        SkillCase(rule: "extra agent skills do not hurt", ticketSkills: "mail", agentSkills: "linux dns mail wordpress",
                  eligible: true),
        SkillCase(rule: "queue tier 2: tier 1 agent is below", queueTier: 2, agentTier: 1, eligible: false),
        SkillCase(rule: "queue tier 2: tier 2 agent meets it", queueTier: 2, agentTier: 2, eligible: true),
        SkillCase(rule: "ticket tier 3 above queue tier 1: tier 2 agent is below", ticketTier: 3, agentTier: 2, eligible: false),
        SkillCase(rule: "ticket tier 3 above queue tier 1: tier 3 agent meets it", ticketTier: 3, agentTier: 3, eligible: true),
        SkillCase(rule: "queue tier 4 above ticket tier 2: tier 3 agent is below", queueTier: 4, ticketTier: 2, agentTier: 3,
                  eligible: false),
        SkillCase(rule: "tier 9 agent meets any tier", queueTier: 5, ticketTier: 9, agentTier: 9, eligible: true),
        SkillCase(rule: "skills and tier both needed: right skills, tier too low", queueSkills: "db:3", queueTier: 2,
                  agentSkills: "db:3", agentTier: 1, eligible: false),
        SkillCase(rule: "skills and tier both needed: right tier, skill too low", queueSkills: "db:3", queueTier: 2,
                  agentSkills: "db:2", agentTier: 2, eligible: false),
    ]

    @Test("an agent is eligible only with skills ⊇ required at level and tier ≥ minimum", arguments: skillCases)
    func skillsAndTier(_ c: SkillCase) throws {
        var floor = Floor(
            queues: [queue("q", c.queueSkills, tier: c.queueTier)],
            agents: [profile("alice", c.agentSkills, tier: c.agentTier, chat: 1)])
        let (id, events) = try floor.submit(ticket("q", skills: c.ticketSkills, tier: c.ticketTier))
        if c.eligible {
            #expect(events.offer(of: id) == aid("alice"))
            #expect(floor.state(id) == .offered)
        } else {
            #expect(events.offer(of: id) == nil)
            #expect(events.contains(.ticketQueued(id, reason: nil)))
            #expect(floor.state(id) == .queued)
        }
    }

    struct RequirementCase: Sendable, CustomTestStringConvertible {
        var queueSkills: String
        var queueTier: Int
        var ticketSkills: String
        var ticketTier: Int
        var expectedSkills: String
        var expectedTier: Int
        var testDescription: String { "queue [\(queueSkills)] t\(queueTier) + ticket [\(ticketSkills)] t\(ticketTier)" }
    }

    @Test("the required skills are the union of the queue's and the ticket's, the higher level and tier winning",
          arguments: [
              RequirementCase(queueSkills: "", queueTier: 1, ticketSkills: "", ticketTier: 1, expectedSkills: "", expectedTier: 1),
              RequirementCase(queueSkills: "linux:2", queueTier: 1, ticketSkills: "linux:4", ticketTier: 1,
                              expectedSkills: "linux:4", expectedTier: 1),
              RequirementCase(queueSkills: "linux:4", queueTier: 3, ticketSkills: "linux:2", ticketTier: 2,
                              expectedSkills: "linux:4", expectedTier: 3),
              RequirementCase(queueSkills: "linux", queueTier: 1, ticketSkills: "dns:3 mail", ticketTier: 5,
                              expectedSkills: "dns:3 linux mail", expectedTier: 5),
              RequirementCase(queueSkills: "", queueTier: 2, ticketSkills: "db db:3", ticketTier: 1,
                              expectedSkills: "db:3", expectedTier: 2),
          ])
    func requirementsCombine(_ c: RequirementCase) throws {
        var floor = Floor(queues: [queue("q", c.queueSkills, tier: c.queueTier)])
        let (id, _) = try floor.submit(ticket("q", skills: c.ticketSkills, tier: c.ticketTier))
        let info = try #require(floor.engine.ticket(id))
        let bySkill = { (list: [SkillLevel]) in Dictionary(uniqueKeysWithValues: list.map { ($0.skill, $0.level) }) }
        #expect(bySkill(info.requiredSkills) == bySkill(skills(c.expectedSkills)))
        #expect(info.minimumTier == c.expectedTier)
    }

    enum StatusCase: String, CaseIterable, Sendable {
        case available, away, wrapUp, loggedOut, sessionLost
    }

    @Test("only an available agent with its session up gets offers", arguments: StatusCase.allCases)
    func status(_ c: StatusCase) throws {
        var floor = Floor(
            queues: [queue("q", wrapUpMs: 60_000)],
            agents: [profile("alice", chat: 2, autoAccept: true, session: "n1")])
        switch c {
        case .available: break
        case .away: try floor.run(.setStatus(aid("alice"), .away))
        case .wrapUp:
            let (first, _) = try floor.submit(ticket("q"))
            try floor.run(.resolve(first, by: aid("alice")))
            #expect(floor.status("alice") == .wrapUp)
        case .loggedOut: try floor.run(.logout(aid("alice")))
        case .sessionLost: try floor.run(.nodeDown("n1"))
        }
        let (id, events) = try floor.submit(ticket("q"), at: 1000)
        #expect((events.assignment(of: id) == aid("alice")) == (c == .available))
        #expect(floor.state(id) == (c == .available ? .assigned : .queued))
    }

    struct CapacityCase: Sendable, CustomTestStringConvertible {
        var rule: String
        var capacity: Capacity
        /// Channels of the tickets the agent already holds.
        var holding: [Channel]
        var channel: Channel
        var eligible: Bool
        var testDescription: String { rule }
    }

    static let capacityCases: [CapacityCase] = [
        CapacityCase(rule: "free room on the channel", capacity: Capacity(chat: 2), holding: [.chat], channel: .chat, eligible: true),
        CapacityCase(rule: "no capacity on the channel at all", capacity: Capacity(email: 5), holding: [], channel: .chat, eligible: false),
        CapacityCase(rule: "channel full", capacity: Capacity(chat: 1, email: 3), holding: [.chat], channel: .chat, eligible: false),
        CapacityCase(rule: "another channel full does not matter", capacity: Capacity(chat: 1, email: 3), holding: [.chat],
                     channel: .email, eligible: true),
        CapacityCase(rule: "total reached across channels", capacity: Capacity(chat: 2, email: 2, total: 2),
                     holding: [.chat, .email], channel: .chat, eligible: false),
        CapacityCase(rule: "total not yet reached", capacity: Capacity(chat: 2, email: 2, total: 3),
                     holding: [.chat, .email], channel: .chat, eligible: true),
        CapacityCase(rule: "total reached by another channel", capacity: Capacity(chat: 3, phone: 1, total: 1),
                     holding: [.phone], channel: .chat, eligible: false),
        CapacityCase(rule: "total zero takes nothing", capacity: Capacity(chat: 3, total: 0), holding: [], channel: .chat,
                     eligible: false),
        CapacityCase(rule: "total above the channel sum is capped by the channels", capacity: Capacity(web: 1, total: 10),
                     holding: [.web], channel: .web, eligible: false),
    ]

    @Test("an agent is eligible only with free capacity on the ticket's channel and in total", arguments: capacityCases)
    func capacity(_ c: CapacityCase) throws {
        var floor = Floor(queues: [queue("q")])
        try floor.run(.login(AgentProfile(id: aid("alice"), skills: [], capacity: c.capacity)))
        for channel in c.holding { try floor.park(on: "alice", channel: channel) }
        let (id, events) = try floor.submit(ticket("q", channel: c.channel))
        #expect((events.offer(of: id) == aid("alice")) == c.eligible)
        #expect(floor.state(id) == (c.eligible ? .offered : .queued))
    }

    @Test("logging in again with less capacity than the agent holds is refused and changes nothing",
          arguments: [
              (Capacity(chat: 1, email: 1), "chat below the two chats held"),
              (Capacity(chat: 3, email: 0), "email below the email offer held"),
              (Capacity(chat: 3, email: 1, total: 2), "total below the three tickets held"),
              (Capacity(chat: 3, email: 1, web: 9, total: 0), "a total of zero"),
          ] as [(Capacity, String)])
    func reloginBelowLoad(capacity: Capacity, _ rule: String) throws {
        var floor = Floor(queues: [queue("q")], agents: [profile("alice", chat: 3, email: 1)])
        try floor.park(on: "alice")
        try floor.park(on: "alice")
        let (offer, _) = try floor.submit(ticket("q", channel: .email), at: 50)
        #expect(floor.state(offer) == .offered)
        let digest = floor.engine.digest
        let observed = Observation(floor.engine)
        do {
            let events = try floor.run(.login(AgentProfile(id: aid("alice"), skills: [], capacity: capacity)), at: 100)
            Issue.record("\(rule): accepted, with events \(events)")
        } catch {
            #expect(error.code == "BAD_ARGUMENT", "\(rule): \(error)")
        }
        #expect(floor.engine.digest == digest, "\(rule)")
        #expect(Observation(floor.engine) == observed, "\(rule)")
    }

    @Test("logging in again with exactly the capacity the agent holds is accepted, and takes nothing new")
    func reloginAtLoad() throws {
        var floor = Floor(queues: [queue("q")], agents: [profile("alice", chat: 3, email: 1)])
        try floor.park(on: "alice")
        let (offer, _) = try floor.submit(ticket("q", channel: .email), at: 50)
        try floor.submit(ticket("q", customer: "waits"), at: 60)  // offered to alice: 2 chats, 1 email
        let events = try floor.run(.login(AgentProfile(id: aid("alice"), skills: [], capacity: Capacity(chat: 2, email: 1, total: 3))),
                                   at: 100)
        #expect(events == [.agentLoggedIn(aid("alice"))])
        #expect(floor.state(offer) == .offered)
        let (next, submitted) = try floor.submit(ticket("q", customer: "next"), at: 200)
        #expect(submitted.offer(of: next) == nil)
        #expect(floor.engine.agent(aid("alice"))?.load == [2, 1, 0, 0])
    }

    @Test("an ineligible agent is passed over for an eligible one even when it is less loaded and first in order")
    func ineligibleIsPassedOver() throws {
        var floor = Floor(
            queues: [queue("q", "linux:3")],
            agents: [profile("novice", "linux:2", chat: 5), profile("expert", "linux:4", chat: 5)])
        try floor.park(on: "expert")
        try floor.park(on: "expert")
        let (id, events) = try floor.submit(ticket("q"))
        #expect(events.offer(of: id) == aid("expert"))
    }

    @Test("a ticket nobody can take waits, and goes to the first eligible agent that logs in")
    func waitsUntilAnEligibleAgentArrives() throws {
        var floor = Floor(queues: [queue("q", "dns:2")], agents: [profile("alice", "dns:1", chat: 3)])
        let (id, events) = try floor.submit(ticket("q", tier: 2))
        #expect(events.contains(.ticketQueued(id, reason: nil)))
        let tierTooLow = try floor.run(.login(profile("bob", "dns:2", tier: 1, chat: 1)), at: 100)
        #expect(tierTooLow.offer(of: id) == nil)
        let arrives = try floor.run(.login(profile("carol", "dns:3", tier: 2, chat: 1)), at: 200)
        #expect(arrives.offer(of: id) == aid("carol"))
    }

    @Test("replacing a queue's rules applies its new skills to tickets already waiting in it, which keep their deadlines and are routed at once")
    func queueRulesApplyToWaitingTickets() throws {
        var floor = Floor(queues: [queue("hosting", "linux", sla: sla(60_000))], agents: [profile("bob", chat: 2)])
        let (old, _) = try floor.submit(ticket("hosting", customer: "a"), at: 0)
        #expect(floor.state(old) == .queued)  // bob has no linux
        let events = try floor.run(.upsertQueue(queue("hosting", sla: sla(10_000))), at: 10)
        #expect(events == [.queueUpdated("hosting"), .ticketOffered(old, aid("bob"), expiresAt: at(30_010))])
        let info = try #require(floor.engine.ticket(old))
        #expect(info.requiredSkills == [])
        #expect(info.deadline == at(60_000), "waiting tickets keep their deadlines")
        let (new, submitted) = try floor.submit(ticket("hosting", customer: "b"), at: 30)
        #expect(submitted.offer(of: new) == aid("bob"))
        #expect(floor.engine.ticket(new)?.deadline == at(10_030))
    }

    @Test("a ticket that still finds nobody after its queue's rules change stays queued with no new event")
    func queueChangeWithNobodyToTakeIt() throws {
        var floor = Floor(queues: [queue("hosting", "linux")], agents: [profile("bob", "dns", chat: 2)])
        let (id, _) = try floor.submit(ticket("hosting"), at: 0)
        let events = try floor.run(.upsertQueue(queue("hosting", "mail")), at: 10)
        #expect(events == [.queueUpdated("hosting")])
        #expect(floor.state(id) == .queued)
        #expect(floor.engine.ticket(id)?.requiredSkills == [SkillLevel("mail")])
        #expect(floor.engine.queue("hosting")?.waiting == 1)
        // It waits under its new requirement: an agent with mail (and no linux) takes it.
        let arrives = try floor.run(.login(profile("carol", "mail", chat: 1)), at: 20)
        #expect(arrives.offer(of: id) == aid("carol"))
    }

    @Test("raising a queue's rules re-derives the requirement of its offered and assigned tickets, which stay with their holders")
    func queueChangeKeepsHeldTickets() throws {
        var floor = Floor(queues: [queue("q", sla: sla(60_000))], agents: [profile("alice", chat: 2)])
        let (assigned, _) = try floor.submitAccepted(ticket("q", customer: "a"), at: 0)
        let (offered, _) = try floor.submit(ticket("q", customer: "b"), at: 10)
        let events = try floor.run(.upsertQueue(queue("q", "linux:3", tier: 2, sla: sla(1_000))), at: 20)
        #expect(events == [.queueUpdated("q")])
        for (id, state) in [(assigned, TicketState.assigned), (offered, .offered)] {
            let info = try #require(floor.engine.ticket(id))
            #expect(info.state == state)
            #expect(info.owner == aid("alice"))
            #expect(info.requiredSkills == [SkillLevel("linux", level: 3)])
            #expect(info.minimumTier == 2)
        }
        #expect(floor.engine.ticket(offered)?.deadline == at(60_010))
        // Declined, the offered ticket now waits for a tier-2 linux agent.
        try floor.run(.decline(offered, by: aid("alice")), at: 30)
        #expect(floor.state(offered) == .queued)
        let arrives = try floor.run(.login(profile("bob", "linux:3", tier: 2, chat: 1)), at: 40)
        #expect(arrives.offer(of: offered) == aid("bob"))
    }

    @Test("a queue's new rules keep what a ticket asked for itself and the tier it was escalated to")
    func queueChangeKeepsOwnNeedsAndEscalation() throws {
        var floor = Floor(queues: [queue("q", "linux")])
        let (own, _) = try floor.submit(ticket("q", customer: "a", skills: "dns:2"), at: 0)
        let (escalated, _) = try floor.submit(ticket("q", customer: "b"), at: 0)
        try floor.run(.escalate(escalated, by: nil, toTier: 3), at: 5)
        try floor.run(.upsertQueue(queue("q", "mail", tier: 2)), at: 10)
        let bySkill = { (list: [SkillLevel]) in Dictionary(uniqueKeysWithValues: list.map { ($0.skill, $0.level) }) }
        #expect(bySkill(floor.engine.ticket(own)!.requiredSkills) == ["dns": 2, "mail": 1])
        #expect(floor.engine.ticket(own)?.minimumTier == 2)
        #expect(bySkill(floor.engine.ticket(escalated)!.requiredSkills) == ["mail": 1])
        #expect(floor.engine.ticket(escalated)?.minimumTier == 3)
    }

    @Test("changing only a queue's strategy, SLA targets or timeouts routes nothing again")
    func queueChangeWithoutNewRequirement() throws {
        var floor = Floor(queues: [queue("q", "linux")], agents: [profile("bob", chat: 1)])
        let (id, _) = try floor.submit(ticket("q"), at: 0)
        let events = try floor.run(.upsertQueue(queue("q", "linux", sla: sla(5_000), strategy: .roundRobin, offerTimeoutMs: 1_000)),
                                   at: 10)
        #expect(events == [.queueUpdated("q")])
        #expect(floor.state(id) == .queued)
    }

    @Test("tickets a queue change makes eligible are routed in the queue's order: the earliest deadline first")
    func queueChangeRoutesEarliestDeadlineFirst() throws {
        let targets = SLATargets(urgent: 60_000, high: 600_000, normal: 3_600_000, low: 86_400_000)
        var floor = Floor(queues: [queue("q", "linux", sla: targets)], agents: [profile("bob", chat: 1)])
        let (low, _) = try floor.submit(ticket("q", customer: "a", priority: .low), at: 0)
        let (urgent, _) = try floor.submit(ticket("q", customer: "b", priority: .urgent), at: 10)
        let events = try floor.run(.upsertQueue(queue("q", sla: targets)), at: 20)  // bob may take both now, but has room for one
        #expect(events.offers.map(\.0) == [urgent], "ticket \(urgent) is due at 60 010, ticket \(low) a day later")
        #expect(floor.state(low) == .queued)
    }

    @Test("raising an agent's skills by logging in again makes waiting tickets eligible at once")
    func reloginWithNewSkillsFills() throws {
        var floor = Floor(queues: [queue("q", "mail:3")], agents: [profile("alice", "mail:2", chat: 1)])
        let (id, _) = try floor.submit(ticket("q"))
        #expect(floor.state(id) == .queued)
        let events = try floor.run(.login(profile("alice", "mail:3", chat: 1)), at: 10)
        #expect(events.offer(of: id) == aid("alice"))
    }
}
