import Testing
@testable import SwitchboardCore

/// After the offer: wrap-up, escalation, transfers, cancel, and SLA warnings and breaches.
@Suite struct WrapUpTests {
    @Test("after a resolve the agent is in wrap-up for the queue's wrap-up time and gets no offers; then it is filled",
          arguments: [1 as Int64, 5_000, 120_000])
    func wrapUp(wrapUpMs: Int64) throws {
        var floor = Floor(queues: [queue("q", wrapUpMs: wrapUpMs)], agents: [profile("alice", chat: 2)])
        let (first, _) = try floor.submitAccepted(ticket("q", customer: "a"), at: 0)
        let resolved = try floor.run(.resolve(first, by: aid("alice")), at: 1_000)
        #expect(resolved == [.ticketResolved(first, aid("alice")), .agentStatusChanged(aid("alice"), .wrapUp)])
        #expect(floor.status("alice") == .wrapUp)
        let (waiting, submitted) = try floor.submit(ticket("q", customer: "b"), at: 1_000)
        #expect(submitted.offer(of: waiting) == nil)
        #expect(floor.tick(at: 1_000 + wrapUpMs - 1).isEmpty)
        #expect(floor.status("alice") == .wrapUp)
        let end = floor.tick(at: 1_000 + wrapUpMs)
        #expect(end.first == .agentStatusChanged(aid("alice"), .available))
        #expect(end.offer(of: waiting) == aid("alice"))
    }

    @Test("the wrap-up time is the resolved ticket's queue's")
    func wrapUpPerQueue() throws {
        var floor = Floor(
            queues: [queue("quick", wrapUpMs: 0), queue("slow", wrapUpMs: 10_000)],
            agents: [profile("alice", chat: 2, autoAccept: true)])
        let (quick, _) = try floor.submit(ticket("quick", customer: "a"), at: 0)
        let (slow, _) = try floor.submit(ticket("slow", customer: "b"), at: 0)
        let first = try floor.run(.resolve(quick, by: aid("alice")), at: 100)
        #expect(!first.contains(.agentStatusChanged(aid("alice"), .wrapUp)))
        #expect(floor.status("alice") == .available)
        let second = try floor.run(.resolve(slow, by: aid("alice")), at: 200)
        #expect(second.contains(.agentStatusChanged(aid("alice"), .wrapUp)))
    }

    @Test("an agent may end its wrap-up early by setting itself available, and is filled at once")
    func endWrapUpEarly() throws {
        var floor = Floor(queues: [queue("q", wrapUpMs: 60_000)], agents: [profile("alice", chat: 1, autoAccept: true)])
        let (first, _) = try floor.submit(ticket("q", customer: "a"), at: 0)
        try floor.run(.resolve(first, by: aid("alice")), at: 10)
        let (next, _) = try floor.submit(ticket("q", customer: "b"), at: 20)
        let events = try floor.run(.setStatus(aid("alice"), .available), at: 30)
        #expect(events.assignment(of: next) == aid("alice"))
        // The old wrap-up timer must not send her back to wrap-up or change anything.
        #expect(floor.tick(at: 60_010).isEmpty)
        #expect(floor.status("alice") == .available)
    }

    @Test("an agent that is away when it resolves does not go into wrap-up and stays away")
    func awayAgentResolves() throws {
        var floor = Floor(queues: [queue("q", wrapUpMs: 60_000)], agents: [profile("alice", chat: 1, autoAccept: true)])
        let (first, _) = try floor.submit(ticket("q"), at: 0)
        try floor.run(.setStatus(aid("alice"), .away), at: 5)
        try floor.run(.resolve(first, by: aid("alice")), at: 10)
        #expect(floor.status("alice") == .away)
        floor.tick(at: 100_000)
        #expect(floor.status("alice") == .away)
    }
}

@Suite struct EscalationTests {
    /// tier 1, 2 and 3 agents, each with room for one chat; the tier-1 agent holds ticket 1.
    func tiers() throws -> (Floor, TicketID) {
        var floor = Floor(queues: [queue("q")], agents: [profile("t1", tier: 1, chat: 1)])
        let (id, owner) = try floor.submitAccepted(ticket("q"), at: 0)
        #expect(owner == aid("t1"))
        try floor.run(.login(profile("t2", tier: 2, chat: 1)), at: 10)
        try floor.run(.login(profile("t3", tier: 3, chat: 1)), at: 20)
        return (floor, id)
    }

    @Test("escalating by the owner raises the tier to one above the owner and offers it to a higher-tier agent")
    func escalateByOwner() throws {
        var (floor, id) = try tiers()
        let events = try floor.run(.escalate(id, by: aid("t1"), toTier: nil), at: 100)
        #expect(events == [.ticketRevoked(id, aid("t1"), reason: .escalated), .ticketEscalated(id, tier: 2),
                           .ticketOffered(id, aid("t2"), expiresAt: at(30_100))])
        #expect(floor.engine.ticket(id)?.minimumTier == 2)
        #expect(floor.engine.agent(aid("t1"))?.tickets == [])
    }

    @Test("the default escalation is one above the higher of the current tier and the owner's tier")
    func defaultTier() throws {
        var (floor, id) = try tiers()
        try floor.run(.escalate(id, by: aid("t1"), toTier: nil), at: 100)  // → 2, offered to t2
        try floor.run(.accept(id, by: aid("t2")), at: 110)
        let events = try floor.run(.escalate(id, by: aid("t2"), toTier: nil), at: 120)
        #expect(events == [.ticketRevoked(id, aid("t2"), reason: .escalated), .ticketEscalated(id, tier: 3),
                           .ticketOffered(id, aid("t3"), expiresAt: at(30_120))])
    }

    @Test("a tier-3 owner escalating a tier-1 ticket sends it to tier 4")
    func defaultAboveOwnersTier() throws {
        var floor = Floor(queues: [queue("q")], agents: [profile("senior", tier: 3, chat: 1)])
        let (id, _) = try floor.submitAccepted(ticket("q"), at: 0)
        let events = try floor.run(.escalate(id, by: aid("senior"), toTier: nil), at: 10)
        #expect(events == [.ticketRevoked(id, aid("senior"), reason: .escalated), .ticketEscalated(id, tier: 4),
                           .ticketQueued(id, reason: .escalated)])
        #expect(floor.state(id) == .queued)
        let arrives = try floor.run(.login(profile("lead", tier: 4, chat: 1)), at: 20)
        #expect(arrives.offer(of: id) == aid("lead"))
    }

    @Test("an admin escalation to a named tier skips the tiers in between")
    func escalateToNamedTier() throws {
        var (floor, id) = try tiers()
        let events = try floor.run(.escalate(id, by: nil, toTier: 3), at: 100)
        #expect(events == [.ticketRevoked(id, aid("t1"), reason: .escalated), .ticketEscalated(id, tier: 3),
                           .ticketOffered(id, aid("t3"), expiresAt: at(30_100))])
    }

    @Test("an admin escalation of a waiting ticket without a tier goes one above the current tier")
    func escalateWaitingTicket() throws {
        var floor = Floor(queues: [queue("q", tier: 2)])
        let (id, _) = try floor.submit(ticket("q"), at: 0)
        let events = try floor.run(.escalate(id, by: nil, toTier: nil), at: 10)
        #expect(events == [.ticketEscalated(id, tier: 3), .ticketQueued(id, reason: .escalated)])
        let tier2 = try floor.run(.login(profile("t2", tier: 2, chat: 1)), at: 20)
        #expect(tier2.offer(of: id) == nil)
    }

    @Test("an escalated ticket is not given back to its owner, who takes other waiting work")
    func ownerIsFilled() throws {
        var (floor, id) = try tiers()
        let (other, _) = try floor.submit(ticket("q", customer: "other"), at: 30)  // t2 (least loaded, first)
        try floor.run(.decline(other, by: aid("t2")), at: 31)  // → t3
        try floor.run(.decline(other, by: aid("t3")), at: 32)  // → waits: t1 full, t2 and t3 avoided
        #expect(floor.state(other) == .queued)
        let events = try floor.run(.escalate(id, by: aid("t1"), toTier: nil), at: 40)
        #expect(events.offer(of: id) == aid("t2"))
        #expect(events.offer(of: other) == aid("t1"))
    }

    @Test("an agent escalating its own ticket does not get it straight back, even as the only eligible agent; an admin's escalation may give it back",
          arguments: [true, false])
    func escalatingOwnerIsAvoided(byTheOwner: Bool) throws {
        var floor = Floor(
            policy: FloorPolicy(declineCooldownMs: 60_000), queues: [queue("q")],
            agents: [profile("senior", tier: 3, chat: 1)])
        let (id, _) = try floor.submitAccepted(ticket("q"), at: 0)
        let events = try floor.run(.escalate(id, by: byTheOwner ? aid("senior") : nil, toTier: 2), at: 1_000)
        #expect(Array(events.prefix(2)) == [.ticketRevoked(id, aid("senior"), reason: .escalated), .ticketEscalated(id, tier: 2)])
        if byTheOwner {
            #expect(events.last == .ticketQueued(id, reason: .escalated))
            #expect(floor.tick(at: 60_999).offer(of: id) == nil)
            #expect(floor.tick(at: 61_000) == [.ticketOffered(id, aid("senior"), expiresAt: at(91_000))])
        } else {
            #expect(events.last == .ticketOffered(id, aid("senior"), expiresAt: at(31_000)))
        }
    }

    @Test("an agent escalating its own ticket is avoided only by that ticket: it takes other waiting work at once")
    func escalatingOwnerTakesOtherWork() throws {
        var floor = Floor(queues: [queue("q")], agents: [profile("senior", tier: 3, chat: 1)])
        let (id, _) = try floor.submitAccepted(ticket("q", customer: "a"), at: 0)
        let (other, _) = try floor.submit(ticket("q", customer: "b", priority: .low), at: 10)
        let events = try floor.run(.escalate(id, by: aid("senior"), toTier: 2), at: 20)
        #expect(events.offer(of: other) == aid("senior"))
        #expect(floor.state(id) == .queued)
    }

    @Test("escalation above tier 9 or not above the current tier is refused",
          arguments: [(10, "TIER_TOO_HIGH"), (99, "TIER_TOO_HIGH"), (1, "BAD_ARGUMENT"), (0, "BAD_ARGUMENT"), (-3, "BAD_ARGUMENT")])
    func refusedTiers(tier: Int, code: String) throws {
        var (floor, id) = try tiers()
        let digest = floor.engine.digest
        do {
            try floor.run(.escalate(id, by: nil, toTier: tier))
            Issue.record("escalating to tier \(tier) was accepted")
        } catch {
            #expect(error.code == code)
        }
        #expect(floor.engine.digest == digest)
    }
}

@Suite struct TransferTests {
    @Test("transfer to a queue applies that queue's skills and SLA target and routes the ticket again")
    func transferToQueue() throws {
        var floor = Floor(
            queues: [queue("hosting", "linux", sla: sla(60_000)), queue("billing", "billing", sla: sla(10_000))],
            agents: [profile("sam", "linux", chat: 1), profile("bill", "billing", chat: 1)])
        let (id, owner) = try floor.submitAccepted(ticket("hosting"), at: 1_000)
        #expect(owner == aid("sam"))
        let events = try floor.run(.transfer(id, by: aid("sam"), to: .queue("billing")), at: 2_000)
        #expect(events == [.ticketRevoked(id, aid("sam"), reason: .transferred), .ticketTransferred(id, to: .queue("billing")),
                           .ticketOffered(id, aid("bill"), expiresAt: at(32_000))])
        let info = try #require(floor.engine.ticket(id))
        #expect(info.queue == "billing")
        #expect(info.deadline == at(11_000))
        #expect(info.requiredSkills == [SkillLevel("billing")])
        #expect(floor.engine.queue("hosting")?.offered == 0)
        #expect(floor.engine.queue("hosting")?.assigned == 0)
        #expect(floor.engine.queue("billing")?.offered == 1)
    }

    @Test("an agent transferring its own ticket to a queue does not get it straight back; an admin's transfer may give it back",
          arguments: [true, false])
    func transferringOwnerIsAvoided(byTheOwner: Bool) throws {
        var floor = Floor(
            policy: FloorPolicy(declineCooldownMs: 60_000), queues: [queue("hosting"), queue("billing", sla: sla(600_000))],
            agents: [profile("alice", chat: 1)])
        let (id, _) = try floor.submitAccepted(ticket("hosting"), at: 0)
        let events = try floor.run(.transfer(id, by: byTheOwner ? aid("alice") : nil, to: .queue("billing")), at: 1_000)
        #expect(Array(events.prefix(2)) == [.ticketRevoked(id, aid("alice"), reason: .transferred),
                                            .ticketTransferred(id, to: .queue("billing"))])
        if byTheOwner {
            #expect(events.last == .ticketQueued(id, reason: .transferred))
            // Another agent may take it during the cool-down; alice gets it back only after.
            let (other, _) = try floor.submit(ticket("hosting", customer: "other"), at: 2_000)
            #expect(floor.owner(other) == aid("alice"))
            try floor.run(.cancel(other), at: 3_000)
            #expect(floor.state(id) == .queued)
            #expect(floor.tick(at: 61_000) == [.ticketOffered(id, aid("alice"), expiresAt: at(91_000))])
        } else {
            #expect(events.last == .ticketOffered(id, aid("alice"), expiresAt: at(31_000)))
        }
    }

    @Test("a ticket transferred to a queue nobody serves waits there")
    func transferToQueueWaits() throws {
        var floor = Floor(queues: [queue("q"), queue("dns", "dns")], agents: [profile("alice", chat: 1)])
        let (id, _) = try floor.submitAccepted(ticket("q"), at: 0)
        let events = try floor.run(.transfer(id, by: nil, to: .queue("dns")), at: 10)
        #expect(events == [.ticketRevoked(id, aid("alice"), reason: .transferred), .ticketTransferred(id, to: .queue("dns")),
                           .ticketQueued(id, reason: .transferred)])
        #expect(floor.engine.queue("dns")?.waiting == 1)
        #expect(floor.engine.queue("q")?.assigned == 0)
    }

    @Test("transfer to a named agent assigns the ticket to it directly and frees the old owner",
          arguments: [TicketState.queued, .offered, .assigned])
    func transferToAgent(from state: TicketState) throws {
        var floor = Floor(queues: [queue("q"), queue("nobody", "x")], agents: [profile("alice", chat: 1)])
        let id: TicketID
        switch state {
        case .queued: id = try floor.submit(ticket("nobody"), at: 0).0
        case .offered: id = try floor.submit(ticket("q"), at: 0).0
        default: id = try floor.submitAccepted(ticket("q"), at: 0).0
        }
        #expect(floor.state(id) == state)
        try floor.run(.login(profile("bob", chat: 1)), at: 10)
        let events = try floor.run(.transfer(id, by: nil, to: .agent(aid("bob"))), at: 20)
        // The old holder, if any, is told first that the ticket was taken from it.
        let revoked: [Event] = state == .queued ? [] : [.ticketRevoked(id, aid("alice"), reason: .transferred)]
        #expect(Array(events.prefix(revoked.count + 2))
                == revoked + [.ticketTransferred(id, to: .agent(aid("bob"))), .ticketAssigned(id, aid("bob"))])
        #expect(floor.owner(id) == aid("bob"))
        #expect(floor.state(id) == .assigned)
        #expect(floor.engine.agent(aid("bob"))?.tickets == [id])
        #expect(floor.engine.agent(aid("alice"))?.tickets == [])
        #expect(floor.engine.agent(aid("alice"))?.load == [0, 0, 0, 0])
    }

    @Test("transfer to an agent that is away still works: the agent is online with free capacity")
    func transferToAwayAgent() throws {
        var floor = Floor(queues: [queue("q")], agents: [profile("alice", chat: 1), profile("bob", chat: 1)])
        try floor.run(.setStatus(aid("bob"), .away))
        let (id, _) = try floor.submitAccepted(ticket("q"), at: 0)
        try floor.run(.transfer(id, by: aid("alice"), to: .agent(aid("bob"))), at: 10)
        #expect(floor.owner(id) == aid("bob"))
    }

    @Test("transfer to an agent needs the agent online with free capacity on the ticket's channel")
    func transferToAgentRefused() throws {
        var floor = Floor(
            policy: FloorPolicy(), queues: [queue("q")],
            agents: [profile("alice", chat: 1), profile("full", chat: 1, email: 3), profile("gone", chat: 1),
                     profile("lost", chat: 1, session: "n9")])
        try floor.park(on: "full")
        try floor.run(.logout(aid("gone")))
        try floor.run(.nodeDown("n9"))
        let (id, _) = try floor.submitAccepted(ticket("q"), at: 0)
        let cases: [(String, EngineError)] = [
            ("full", .agentAtCapacity(aid("full"), .chat)),
            ("gone", .agentOffline(aid("gone"))),
            ("lost", .agentOffline(aid("lost"))),
            ("nobody", .unknownAgent(aid("nobody"))),
        ]
        for (target, error) in cases {
            let digest = floor.engine.digest
            #expect(throws: error) { try floor.engine.apply(.transfer(id, by: aid("alice"), to: .agent(aid(target))), at: at(0)) }
            #expect(floor.engine.digest == digest)
        }
    }
}

@Suite struct CancelTests {
    @Test("cancel closes the ticket wherever it is and frees the agent, who takes the next waiting ticket",
          arguments: [TicketState.queued, .offered, .assigned])
    func cancel(from state: TicketState) throws {
        var floor = Floor(queues: [queue("q"), queue("nobody", "x")], agents: [profile("alice", chat: 1)])
        let id: TicketID
        switch state {
        case .queued: id = try floor.submit(ticket("nobody", customer: "a"), at: 0).0
        case .offered: id = try floor.submit(ticket("q", customer: "a"), at: 0).0
        default: id = try floor.submitAccepted(ticket("q", customer: "a"), at: 0).0
        }
        let (next, _) = try floor.submit(ticket("q", customer: "b"), at: 10)
        let events = try floor.run(.cancel(id), at: 20)
        let revoked: [Event] = state == .queued ? [] : [.ticketRevoked(id, aid("alice"), reason: .cancelled)]
        #expect(Array(events.prefix(revoked.count + 1)) == revoked + [.ticketCancelled(id)])
        #expect(floor.state(id) == .cancelled)
        #expect(floor.owner(id) == nil)
        if state == .queued {
            #expect(floor.engine.queue("nobody")?.waiting == 0)
        } else {
            #expect(events.offer(of: next) == aid("alice"))
        }
        #expect(floor.engine.queue(state == .queued ? "nobody" : "q")?.cancelled == 1)
        // A cancelled ticket never comes back: not on a tick, not to a new agent.
        floor.tick(at: 10_000_000)
        try floor.run(.login(profile("bob", "x", chat: 5)), at: 10_000_001)
        #expect(floor.state(id) == .cancelled)
    }
}

/// SLA: a warning at `slaWarningPercent` of the target and a breach at the deadline, only
/// while the ticket waits (queued or offered), once each.
@Suite struct SLATests {
    static let target: Int64 = 10_000

    func floorWithWaitingTicket() throws -> (Floor, TicketID) {
        var floor = Floor(queues: [queue("q", sla: sla(Self.target))])
        let (id, _) = try floor.submit(ticket("q"), at: 1_000)
        return (floor, id)
    }

    @Test("a waiting ticket gets one warning at 80% of its target and one breach at its deadline")
    func warningAndBreach() throws {
        var (floor, id) = try floorWithWaitingTicket()
        #expect(floor.tick(at: 1_000 + 8_000 - 1).isEmpty)
        #expect(floor.tick(at: 1_000 + 8_000) == [.slaWarning(id)])
        #expect(floor.tick(at: 1_000 + 9_000).isEmpty)
        #expect(floor.tick(at: 1_000 + Self.target - 1).isEmpty)
        #expect(floor.tick(at: 1_000 + Self.target) == [.slaBreached(id)])
        #expect(floor.tick(at: 1_000 + 100 * Self.target).isEmpty)
        let info = try #require(floor.engine.ticket(id))
        #expect(info.slaWarned && info.slaBreached)
        #expect(floor.engine.queue("q")?.slaBreached == 1)
        #expect(floor.engine.totals().slaBreached == 1)
    }

    @Test("one late tick fires the warning and then the breach, in that order")
    func lateTick() throws {
        var (floor, id) = try floorWithWaitingTicket()
        #expect(floor.tick(at: 1_000_000) == [.slaWarning(id), .slaBreached(id)])
    }

    @Test("the warning share follows the policy", arguments: [1, 50, 80, 100])
    func warningShare(percent: Int) throws {
        var floor = Floor(policy: FloorPolicy(slaWarningPercent: percent), queues: [queue("q", sla: sla(Self.target))])
        let (id, _) = try floor.submit(ticket("q"), at: 0)
        let warnAt = Self.target * Int64(percent) / 100
        #expect(!floor.tick(at: warnAt - 1).contains(.slaWarning(id)))
        #expect(floor.tick(at: warnAt).contains(.slaWarning(id)))
    }

    @Test("an offered (not yet accepted) ticket is still waiting: it gets the warning and the breach")
    func offeredTicketStillWaits() throws {
        var floor = Floor(
            queues: [queue("q", sla: sla(Self.target), offerTimeoutMs: 100 * Self.target)],
            agents: [profile("alice", chat: 1)])
        let (id, _) = try floor.submit(ticket("q"), at: 0)
        #expect(floor.state(id) == .offered)
        #expect(floor.tick(at: Self.target) == [.slaWarning(id), .slaBreached(id)])
    }

    @Test("a ticket answered before its warning time gets neither warning nor breach")
    func answeredInTime() throws {
        var floor = Floor(queues: [queue("q", sla: sla(Self.target))], agents: [profile("alice", chat: 1)])
        let (id, _) = try floor.submitAccepted(ticket("q"), at: 0)
        #expect(floor.tick(at: 10 * Self.target).isEmpty)
        #expect(floor.engine.ticket(id)?.slaWarned == false)
        #expect(floor.engine.queue("q")?.slaBreached == 0)
    }

    @Test("a ticket answered between warning and deadline is warned but not breached")
    func answeredAfterWarning() throws {
        var (floor, id) = try floorWithWaitingTicket()
        floor.tick(at: 1_000 + 8_000)
        try floor.run(.login(profile("alice", chat: 1, autoAccept: true)), at: 1_000 + 9_000)
        #expect(floor.state(id) == .assigned)
        #expect(floor.tick(at: 1_000 + 10 * Self.target).isEmpty)
        #expect(floor.engine.ticket(id)?.slaBreached == false)
    }

    @Test("a ticket that waits again after being answered is warned and breached once each, no more")
    func waitingAgainFiresOnce() throws {
        var floor = Floor(
            queues: [queue("q", sla: sla(Self.target)), queue("other", "x", sla: sla(Self.target))],
            agents: [profile("alice", chat: 1, autoAccept: true)])
        let (id, _) = try floor.submit(ticket("q"), at: 0)
        #expect(floor.tick(at: 8_000).isEmpty)  // assigned at its warning time: no warning
        try floor.run(.transfer(id, by: nil, to: .queue("other")), at: 8_500)  // waits again; deadline stays 10 000
        #expect(floor.tick(at: 8_600) == [.slaWarning(id)])
        #expect(floor.tick(at: 10_000) == [.slaBreached(id)])
        try floor.run(.transfer(id, by: nil, to: .agent(aid("alice"))), at: 10_100)
        try floor.run(.transfer(id, by: nil, to: .queue("other")), at: 10_200)
        #expect(floor.tick(at: 100_000).isEmpty)
    }

    @Test("a waiting ticket transferred to a queue with a shorter SLA target is warned and breached by its new deadline")
    func transferToAFasterQueueBringsTheSLAForward() throws {
        var floor = Floor(queues: [queue("slow", sla: sla(100_000)), queue("fast", sla: sla(Self.target))])
        let (id, _) = try floor.submit(ticket("slow"), at: 0)  // warning at 80 000, deadline 100 000
        try floor.run(.transfer(id, by: nil, to: .queue("fast")), at: 1_000)
        #expect(floor.engine.ticket(id)?.deadline == at(Self.target))
        #expect(floor.tick(at: 8_000) == [.slaWarning(id)], "the warning is due at 80% of the new target")
        #expect(floor.tick(at: Self.target) == [.slaBreached(id)], "the breach is due at the new deadline")
        #expect(floor.tick(at: 100_000).isEmpty)
    }

    @Test("a waiting ticket transferred to a queue with a longer SLA target is warned and breached by its new deadline")
    func transferToASlowerQueuePutsTheSLAOff() throws {
        var floor = Floor(queues: [queue("fast", sla: sla(Self.target)), queue("slow", sla: sla(100_000))])
        let (id, _) = try floor.submit(ticket("fast"), at: 0)  // warning at 8 000, deadline 10 000
        try floor.run(.transfer(id, by: nil, to: .queue("slow")), at: 1_000)
        #expect(floor.tick(at: 79_999).isEmpty)
        #expect(floor.tick(at: 80_000) == [.slaWarning(id)])
        #expect(floor.tick(at: 100_000) == [.slaBreached(id)])
    }

    @Test("queue figures count breached tickets while they are open, and stop when they close",
          arguments: ["resolve", "cancel"])
    func breachedOpenCount(close: String) throws {
        var (floor, id) = try floorWithWaitingTicket()
        floor.tick(at: 1_000 + Self.target)
        #expect(floor.engine.queue("q")?.slaBreached == 1)
        try floor.run(.login(profile("alice", chat: 1, autoAccept: true)), at: 20_000)
        #expect(floor.state(id) == .assigned)
        #expect(floor.engine.queue("q")?.slaBreached == 1)
        if close == "resolve" {
            try floor.run(.resolve(id, by: aid("alice")), at: 21_000)
        } else {
            try floor.run(.cancel(id), at: 21_000)
        }
        #expect(floor.engine.queue("q")?.slaBreached == 0)
        #expect(floor.engine.totals().slaBreached == 0)
    }

    @Test("a breached ticket moved to another queue is counted there")
    func breachedCountMovesWithTransfer() throws {
        var (floor, id) = try floorWithWaitingTicket()
        try floor.run(.upsertQueue(queue("other", "x")), at: 2_000)
        floor.tick(at: 1_000 + Self.target)
        try floor.run(.transfer(id, by: nil, to: .queue("other")), at: 20_000)
        #expect(floor.engine.queue("q")?.slaBreached == 0)
        #expect(floor.engine.queue("other")?.slaBreached == 1)
    }
}
