import Testing
@testable import SwitchboardCore

/// Offers: expiry on tick, the cool-down that keeps a ticket away from an agent that missed
/// or declined it, misses that set an agent away, auto-accept, and customer affinity.
@Suite struct OfferTests {
    static let timeout: Int64 = 30_000
    static let cooldown: Int64 = 60_000
    /// Long enough that missed tickets never come back to the agent within a test.
    static let longCooldown: Int64 = 3_600_000

    /// alice and bob (chat 1 each); alice logged in first, so a first ticket goes to her.
    func twoAgents(policy: FloorPolicy = FloorPolicy(declineCooldownMs: cooldown)) -> Floor {
        Floor(
            policy: policy, queues: [queue("q", offerTimeoutMs: Self.timeout)],
            agents: [profile("alice", chat: 1), profile("bob", chat: 1)])
    }

    // MARK: - Offer timeout

    @Test("an offer expires on the first tick at or after its expiry, and the ticket goes to the next agent",
          arguments: [(-1 as Int64, false), (0, true), (1, true), (45_000, true)])
    func offerExpiresOnTick(offset: Int64, expires: Bool) throws {
        var floor = twoAgents()
        let (id, events) = try floor.submit(ticket("q"), at: 1_000)
        #expect(events.contains(.ticketOffered(id, aid("alice"), expiresAt: at(1_000 + Self.timeout))))
        let tick = floor.tick(at: 1_000 + Self.timeout + offset)
        if expires {
            #expect(tick.first == .offerExpired(id, aid("alice")))
            #expect(tick.offer(of: id) == aid("bob"))
            #expect(floor.owner(id) == aid("bob"))
        } else {
            #expect(tick.isEmpty)
            #expect(floor.owner(id) == aid("alice"))
        }
    }

    @Test("an offer does not expire without a tick, whatever other command comes later")
    func noExpiryWithoutTick() throws {
        var floor = twoAgents()
        let (id, _) = try floor.submit(ticket("q"), at: 0)
        let events = try floor.run(.login(profile("carol", chat: 1)), at: 10 * Self.timeout)
        #expect(!events.contains(.offerExpired(id, aid("alice"))))
        #expect(floor.state(id) == .offered)
        #expect(floor.engine.nextDeadline() == at(Self.timeout))
    }

    @Test("the expiry is the offer time plus the queue's offer timeout", arguments: [1 as Int64, 5_000, 120_000])
    func expiryUsesTheQueueTimeout(timeout: Int64) throws {
        var floor = Floor(queues: [queue("q", offerTimeoutMs: timeout)], agents: [profile("alice", chat: 1)])
        let (id, events) = try floor.submit(ticket("q"), at: 777)
        #expect(events.contains(.ticketOffered(id, aid("alice"), expiresAt: at(777 + timeout))))
        #expect(floor.engine.ticket(id)?.offerExpiresAt == at(777 + timeout))
    }

    @Test("a missed ticket avoids the agent for the cool-down, then is offered to it again")
    func missedTicketAvoidsTheAgentDuringCooldown() throws {
        var floor = Floor(
            policy: FloorPolicy(declineCooldownMs: Self.cooldown),
            queues: [queue("q", offerTimeoutMs: Self.timeout)], agents: [profile("alice", chat: 1)])
        let (id, _) = try floor.submit(ticket("q"), at: 0)
        let expiry = floor.tick(at: Self.timeout)
        #expect(expiry.contains(.offerExpired(id, aid("alice"))))
        #expect(expiry.contains(.ticketQueued(id, reason: .expired)))
        #expect(floor.state(id) == .queued)
        // alice is ready and the ticket waits, but it avoids her until timeout + cool-down.
        try floor.run(.setStatus(aid("alice"), .away), at: Self.timeout + 10)
        let back = try floor.run(.setStatus(aid("alice"), .available), at: Self.timeout + 20)
        #expect(back.offer(of: id) == nil)
        #expect(floor.tick(at: Self.timeout + Self.cooldown - 1).offer(of: id) == nil)
        #expect(floor.tick(at: Self.timeout + Self.cooldown).offer(of: id) == aid("alice"))
    }

    @Test("a missed offer's cool-down runs from the offer's expiry, not from the later tick that noticed it")
    func missedCooldownRunsFromTheExpiry() throws {
        var floor = Floor(
            policy: FloorPolicy(declineCooldownMs: Self.cooldown),
            queues: [queue("q", offerTimeoutMs: Self.timeout)], agents: [profile("alice", chat: 1)])
        let (id, _) = try floor.submit(ticket("q"), at: 0)  // expires at 30 000
        let late = floor.tick(at: Self.timeout + 20_000)
        #expect(late == [.offerExpired(id, aid("alice")), .ticketQueued(id, reason: .expired)])
        #expect(floor.tick(at: Self.timeout + Self.cooldown - 1).isEmpty)
        #expect(floor.tick(at: Self.timeout + Self.cooldown)
                == [.ticketOffered(id, aid("alice"), expiresAt: at(2 * Self.timeout + Self.cooldown))])
    }

    @Test("an offer noticed expired after the cool-down would have ended goes back to the agent in the same tick")
    func missedLongAgoGoesStraightBack() throws {
        var floor = Floor(
            policy: FloorPolicy(declineCooldownMs: Self.cooldown),
            queues: [queue("q", offerTimeoutMs: Self.timeout)], agents: [profile("alice", chat: 1)])
        let (id, _) = try floor.submit(ticket("q"), at: 0)
        let time = Self.timeout + Self.cooldown + 5_000
        let events = floor.tick(at: time)
        #expect(events == [.offerExpired(id, aid("alice")), .ticketOffered(id, aid("alice"), expiresAt: at(time + Self.timeout))])
        #expect(floor.engine.agent(aid("alice"))?.consecutiveMisses == 1)
    }

    @Test("when a cool-down ends and nobody can take the ticket, it goes on waiting without a new event")
    func cooldownEndsQuietly() throws {
        var floor = Floor(
            policy: FloorPolicy(declineCooldownMs: Self.cooldown),
            queues: [queue("q")], agents: [profile("alice", chat: 1)])
        let (id, _) = try floor.submit(ticket("q"), at: 0)
        try floor.run(.decline(id, by: aid("alice")), at: 1_000)
        try floor.run(.setStatus(aid("alice"), .away), at: 2_000)
        #expect(floor.tick(at: 1_000 + Self.cooldown).isEmpty)
        #expect(floor.state(id) == .queued)
        #expect(floor.engine.queue("q")?.waiting == 1)
        let back = try floor.run(.setStatus(aid("alice"), .available), at: 70_000)
        #expect(back.offer(of: id) == aid("alice"))
    }

    @Test("a missed ticket does not avoid other agents: one freeing up during the cool-down gets it")
    func missedTicketGoesToAnotherAgentThatFrees() throws {
        var floor = twoAgents()
        let (missed, _) = try floor.submit(ticket("q"), at: 0)  // alice
        let (second, _) = try floor.submit(ticket("q"), at: 1)  // bob
        try floor.run(.accept(second, by: aid("bob")), at: 2)
        let expiry = floor.tick(at: Self.timeout)
        #expect(expiry.contains(.ticketQueued(missed, reason: .expired)))
        let freed = try floor.run(.resolve(second, by: aid("bob")), at: Self.timeout + 5)
        #expect(freed.offer(of: missed) == aid("bob"))
    }

    @Test("missing offers sets the agent away after policy.missesBeforeAway misses in a row", arguments: [1, 2, 3, 5])
    func missesSetTheAgentAway(misses: Int) throws {
        var floor = Floor(
            policy: FloorPolicy(missesBeforeAway: misses, declineCooldownMs: Self.longCooldown),
            queues: [queue("q", offerTimeoutMs: Self.timeout)], agents: [profile("alice", chat: 1)])
        var time: Int64 = 0
        for miss in 1...misses {
            let (id, events) = try floor.submit(ticket("q", customer: "c\(miss)"), at: time)
            #expect(events.offer(of: id) == aid("alice"))
            time += Self.timeout
            let expiry = floor.tick(at: time)
            #expect(expiry.contains(.offerExpired(id, aid("alice"))))
            let away = expiry.contains(.agentStatusChanged(aid("alice"), .away))
            #expect(away == (miss == misses), "miss \(miss) of \(misses)")
            #expect(floor.engine.agent(aid("alice"))?.consecutiveMisses == miss)
        }
        #expect(floor.status("alice") == .away)
    }

    @Test("three offers missed at one tick count as three misses in a row")
    func simultaneousMisses() throws {
        var floor = Floor(
            queues: [queue("q", offerTimeoutMs: Self.timeout)], agents: [profile("alice", chat: 3)])
        for n in 0..<3 { try floor.submit(ticket("q", customer: "c\(n)"), at: 0) }
        let expiry = floor.tick(at: Self.timeout)
        #expect(expiry.filter { if case .offerExpired = $0 { true } else { false } }.count == 3)
        #expect(expiry.last == .agentStatusChanged(aid("alice"), .away))
        #expect(floor.status("alice") == .away)
    }

    @Test("accepting an offer resets the miss count")
    func acceptResetsMisses() throws {
        var floor = Floor(
            policy: FloorPolicy(missesBeforeAway: 3, declineCooldownMs: Self.longCooldown),
            queues: [queue("q", offerTimeoutMs: Self.timeout)], agents: [profile("alice", chat: 1)])
        var time: Int64 = 0
        func miss(_ floor: inout Floor, _ n: Int) throws {
            let (id, _) = try floor.submit(ticket("q", customer: "miss\(n)"), at: time)
            time += Self.timeout
            let expiry = floor.tick(at: time)
            #expect(expiry.contains(.offerExpired(id, aid("alice"))))
        }
        try miss(&floor, 1)
        try miss(&floor, 2)
        #expect(floor.engine.agent(aid("alice"))?.consecutiveMisses == 2)
        let (kept, _) = try floor.submit(ticket("q", customer: "kept"), at: time)
        try floor.run(.accept(kept, by: aid("alice")), at: time + 1)
        #expect(floor.engine.agent(aid("alice"))?.consecutiveMisses == 0)
        try floor.run(.resolve(kept, by: aid("alice")), at: time + 2)
        time += 10
        try miss(&floor, 3)
        try miss(&floor, 4)
        #expect(floor.status("alice") == .available)
        #expect(floor.engine.agent(aid("alice"))?.consecutiveMisses == 2)
    }

    // MARK: - Decline

    @Test("decline moves the ticket to the next agent at once")
    func declineMovesOn() throws {
        var floor = twoAgents()
        let (id, _) = try floor.submit(ticket("q"), at: 0)
        let events = try floor.run(.decline(id, by: aid("alice")), at: 5)
        #expect(events.first == .offerDeclined(id, aid("alice")))
        #expect(events.offer(of: id) == aid("bob"))
        #expect(floor.engine.agent(aid("alice"))?.tickets == [])
    }

    @Test("a declined ticket is not offered to the decliner during the cool-down, and is after it")
    func declinerWaitsForTheCooldown() throws {
        var floor = Floor(
            policy: FloorPolicy(declineCooldownMs: Self.cooldown),
            queues: [queue("q")], agents: [profile("alice", chat: 2)])
        let (id, _) = try floor.submit(ticket("q"), at: 1_000)
        let declined = try floor.run(.decline(id, by: aid("alice")), at: 2_000)
        #expect(declined.contains(.ticketQueued(id, reason: .declined)))
        // Things that would make alice take work do not bring the ticket back to her.
        try floor.run(.setStatus(aid("alice"), .away), at: 3_000)
        let available = try floor.run(.setStatus(aid("alice"), .available), at: 4_000)
        #expect(available.offer(of: id) == nil)
        let relogin = try floor.run(.login(profile("alice", chat: 3)), at: 5_000)
        #expect(relogin.offer(of: id) == nil)
        let (other, submitted) = try floor.submit(ticket("q", customer: "other"), at: 6_000)
        #expect(submitted.offer(of: other) == aid("alice"))
        try floor.run(.decline(other, by: aid("alice")), at: 7_000)
        #expect(floor.tick(at: 2_000 + Self.cooldown - 1).offer(of: id) == nil)
        let ends = floor.tick(at: 2_000 + Self.cooldown)
        #expect(ends.offer(of: id) == aid("alice"))
    }

    @Test("a declining agent is filled with other waiting work it does not avoid")
    func declinerTakesOtherWork() throws {
        var floor = Floor(queues: [queue("q")], agents: [profile("alice", chat: 1)])
        let (first, _) = try floor.submit(ticket("q"), at: 0)
        let (second, _) = try floor.submit(ticket("q", priority: .low), at: 1)
        let events = try floor.run(.decline(first, by: aid("alice")), at: 2)
        #expect(events.offer(of: second) == aid("alice"))
        #expect(floor.state(first) == .queued)
    }

    @Test("each decliner's cool-down runs from its own decline: a later decline by another agent does not extend it")
    func eachDeclinerHasItsOwnCooldown() throws {
        var floor = Floor(
            policy: FloorPolicy(declineCooldownMs: Self.cooldown),
            queues: [queue("q")], agents: [profile("alice", chat: 1), profile("bob", chat: 1)])
        let (id, _) = try floor.submit(ticket("q"), at: 0)
        try floor.run(.decline(id, by: aid("alice")), at: 1_000)  // → bob
        #expect(floor.owner(id) == aid("bob"))
        try floor.run(.decline(id, by: aid("bob")), at: 31_000)  // → nobody: both avoided
        #expect(floor.state(id) == .queued)
        // alice's cool-down ends at 61 000; bob's runs to 91 000.
        #expect(floor.tick(at: 1_000 + Self.cooldown - 1).isEmpty)
        let events = floor.tick(at: 1_000 + Self.cooldown)
        #expect(events == [.ticketOffered(id, aid("alice"), expiresAt: at(1_000 + Self.cooldown + 30_000))],
                "alice declined at 1 000 and her cool-down is \(Self.cooldown) ms")
        // alice declines again at 62 000: her new cool-down runs to 122 000, bob's still ends at 91 000.
        try floor.run(.decline(id, by: aid("alice")), at: 62_000)
        #expect(floor.state(id) == .queued)
        #expect(floor.tick(at: 91_000).offer(of: id) == aid("bob"))
    }

    @Test("a second decline by the same agent restarts that agent's cool-down from the second decline")
    func repeatedDeclineRestartsTheCooldown() throws {
        var floor = Floor(
            policy: FloorPolicy(declineCooldownMs: Self.cooldown),
            queues: [queue("q")], agents: [profile("alice", chat: 1)])
        let (id, _) = try floor.submit(ticket("q"), at: 0)
        try floor.run(.decline(id, by: aid("alice")), at: 1_000)
        #expect(floor.tick(at: 61_000).offer(of: id) == aid("alice"))
        try floor.run(.decline(id, by: aid("alice")), at: 70_000)
        #expect(floor.tick(at: 129_999).isEmpty)
        #expect(floor.tick(at: 130_000).offer(of: id) == aid("alice"))
    }

    @Test("with no cool-down the decliner may get the ticket straight back when nobody else can take it")
    func zeroCooldown() throws {
        var floor = Floor(
            policy: FloorPolicy(declineCooldownMs: 0),
            queues: [queue("q")], agents: [profile("alice", chat: 1)])
        let (id, _) = try floor.submit(ticket("q"), at: 0)
        let events = try floor.run(.decline(id, by: aid("alice")), at: 10)
        #expect(events.offer(of: id) == aid("alice"))
    }

    @Test("logging out hands the agent's open offers to the next agent at once")
    func logoutReturnsOffers() throws {
        var floor = twoAgents()
        let (id, _) = try floor.submit(ticket("q"), at: 0)
        #expect(floor.owner(id) == aid("alice"))
        let events = try floor.run(.logout(aid("alice")), at: 10)
        #expect(events.contains(.ticketRevoked(id, aid("alice"), reason: .released)))
        #expect(events.offer(of: id) == aid("bob"))
        #expect(events.last == .agentLoggedOut(aid("alice")))
        #expect(floor.engine.ticket(id)?.history.last?.event == "offered")
        #expect(floor.status("alice") == .offline)
    }

    // MARK: - Auto-accept

    @Test("an auto-accept agent gets ticketAssigned directly, with no offer to expire")
    func autoAccept() throws {
        var floor = Floor(queues: [queue("q")], agents: [profile("alice", chat: 1, autoAccept: true)])
        let (id, events) = try floor.submit(ticket("q"), at: 0)
        #expect(events == [.ticketCreated(id), .ticketAssigned(id, aid("alice"))])
        #expect(floor.state(id) == .assigned)
        #expect(floor.engine.ticket(id)?.offerExpiresAt == nil)
        #expect(floor.tick(at: 1_000_000).allSatisfy { if case .offerExpired = $0 { false } else { true } })
        #expect(floor.state(id) == .assigned)
    }

    @Test("auto-accept applies when a freed agent is filled, too")
    func autoAcceptOnFill() throws {
        var floor = Floor(queues: [queue("q")], agents: [profile("alice", chat: 1, autoAccept: true)])
        let (first, _) = try floor.submit(ticket("q"), at: 0)
        let (second, _) = try floor.submit(ticket("q"), at: 1)
        let events = try floor.run(.resolve(first, by: aid("alice")), at: 2)
        #expect(events.assignment(of: second) == aid("alice"))
        #expect(events.offer(of: second) == nil)
    }

    // MARK: - Affinity

    static let window: Int64 = 3_600_000

    /// bob resolves a ticket of customer `acme` at 1 000; alice would win every later decision by
    /// utilisation and login order.
    func affinityFloor() throws -> Floor {
        var floor = Floor(
            policy: FloorPolicy(affinityWindowMs: Self.window),
            queues: [queue("q"), queue("dns", "dns")],
            agents: [profile("alice", "dns", chat: 4), profile("bob", chat: 4, session: "n2")])
        try floor.run(.setStatus(aid("alice"), .away))
        let (first, _) = try floor.submit(ticket("q", customer: "acme"), at: 100)
        try floor.run(.accept(first, by: aid("bob")), at: 200)
        try floor.run(.setStatus(aid("alice"), .available), at: 300)
        try floor.run(.resolve(first, by: aid("bob")), at: 1_000)
        try floor.park(on: "bob")  // bob is busier than alice from here on
        return floor
    }

    @Test("a returning customer's ticket goes to the agent who last resolved theirs, within the window",
          arguments: [(1 as Int64, "bob"), (window / 2, "bob"), (window, "bob"), (window + 1, "alice"), (10 * window, "alice")])
    func affinityWithinTheWindow(after delay: Int64, expected: String) throws {
        var floor = try affinityFloor()
        let (id, events) = try floor.submit(ticket("q", customer: "acme"), at: 1_000 + delay)
        #expect(events.offer(of: id) == aid(expected))
    }

    @Test("affinity applies only to the same customer")
    func affinityIsPerCustomer() throws {
        var floor = try affinityFloor()
        let (id, events) = try floor.submit(ticket("q", customer: "globex"), at: 2_000)
        #expect(events.offer(of: id) == aid("alice"))
    }

    enum Unready: String, CaseIterable, Sendable { case away, full, ineligible, sessionLost, loggedOut }

    @Test("affinity is skipped when the preferred agent is not eligible and ready", arguments: Unready.allCases)
    func affinityNeedsAReadyEligibleAgent(_ reason: Unready) throws {
        var floor = try affinityFloor()
        var submission = ticket("q", customer: "acme")
        switch reason {
        case .away: try floor.run(.setStatus(aid("bob"), .away))
        case .full: for _ in 0..<3 { try floor.park(on: "bob") }
        case .ineligible: submission = ticket("dns", customer: "acme")
        case .sessionLost: try floor.run(.nodeDown("n2"))
        case .loggedOut:
            for held in floor.engine.agent(aid("bob"))!.tickets { try floor.run(.cancel(held)) }
            try floor.run(.logout(aid("bob")))
        }
        let (id, events) = try floor.submit(submission, at: 2_000)
        #expect(events.offer(of: id) == aid("alice"))
    }

    @Test("affinity follows the latest resolver")
    func affinityFollowsTheLatestResolver() throws {
        var floor = try affinityFloor()
        try floor.run(.setStatus(aid("bob"), .away), at: 1_100)
        let (second, _) = try floor.submit(ticket("q", customer: "acme"), at: 1_200)
        #expect(floor.owner(second) == aid("alice"))
        try floor.run(.accept(second, by: aid("alice")), at: 1_300)
        try floor.run(.resolve(second, by: aid("alice")), at: 1_400)
        try floor.run(.setStatus(aid("bob"), .available), at: 1_500)
        try floor.park(on: "alice")
        try floor.park(on: "alice")  // alice is now the busier one
        let (third, events) = try floor.submit(ticket("q", customer: "acme"), at: 1_600)
        #expect(events.offer(of: third) == aid("alice"))
    }

    @Test("a ticket does not go back by affinity to an agent it avoids after a decline")
    func affinityRespectsTheCooldown() throws {
        var floor = try affinityFloor()
        let (id, _) = try floor.submit(ticket("q", customer: "acme"), at: 2_000)
        #expect(floor.owner(id) == aid("bob"))
        let events = try floor.run(.decline(id, by: aid("bob")), at: 2_100)
        #expect(events.offer(of: id) == aid("alice"))
    }
}
