import Testing
@testable import SwitchboardCore

/// After a resolve, the freed agent does not search the channels on which someone of its group
/// is ready (nothing can wait for the group there); a new ticket does not search for an agent
/// while tickets of its requirement wait on its channel (nobody able to take it is ready).
/// These hold both shortcuts to the routing rules at their edges: tickets that avoid agents.
@Suite struct SearchShortcutTests {
    /// alice and bob: one group (same skills and tier), chat 1 and phone 1 each.
    func pair(autoAccept: Bool = true) -> Floor {
        Floor(
            policy: FloorPolicy(declineCooldownMs: 3_600_000), queues: [queue("q")],
            agents: [profile("alice", chat: 1, phone: 1, autoAccept: autoAccept),
                     profile("bob", chat: 1, phone: 1, autoAccept: autoAccept)])
    }

    @Test("a resolve frees a channel where the group had nobody ready: the waiting ticket there is taken, though the group is ready on another channel")
    func freedChannelIsSearchedWhileGroupIsReadyElsewhere() throws {
        var floor = pair()
        let (first, _) = try floor.submit(ticket("q", channel: .phone), at: 0)
        try floor.submit(ticket("q", channel: .phone), at: 1)
        let (waiting, _) = try floor.submit(ticket("q", channel: .phone), at: 2)
        #expect(floor.state(waiting) == .queued)
        let owner = try #require(floor.owner(first))
        let events = try floor.run(.resolve(first, by: owner), at: 3)
        #expect(events.assignment(of: waiting) == owner)
    }

    @Test("a ticket that avoids a ready agent of the group still goes to a groupmate freed by a resolve")
    func avoidingTicketGoesToTheFreedGroupmate() throws {
        var floor = pair(autoAccept: false)
        let (a, _) = try floor.submitAccepted(ticket("q"), at: 0)
        let (b, _) = try floor.submitAccepted(ticket("q"), at: 1)
        let (waiting, _) = try floor.submit(ticket("q"), at: 2)
        #expect(floor.state(waiting) == .queued)
        let first = try #require(floor.owner(a))
        let second = try #require(floor.owner(b))
        let resolved = try floor.run(.resolve(a, by: first), at: 3)
        #expect(resolved.offer(of: waiting) == first)
        // Declined: the ticket now avoids `first`, who is ready, and waits.
        try floor.run(.decline(waiting, by: first), at: 4)
        #expect(floor.state(waiting) == .queued)
        #expect(floor.engine.probeWaitingAvoiders() == (kept: 1, counted: 1))
        let events = try floor.run(.resolve(b, by: second), at: 5)
        #expect(events.offer(of: waiting) == second)
        #expect(floor.engine.probeWaitingAvoiders() == (kept: 0, counted: 0))
    }

    @Test("a waiting ticket whose cool-down ends stops counting as avoiding agents")
    func cooldownEndStopsCountingTheTicket() throws {
        var floor = Floor(
            policy: FloorPolicy(declineCooldownMs: 60_000), queues: [queue("q")],
            agents: [profile("alice", chat: 1), profile("bob", chat: 1)])
        let (held, _) = try floor.submitAccepted(ticket("q"), at: 0)
        let (declined, events) = try floor.submit(ticket("q"), at: 1)
        let other = try #require(events.offer(of: declined))
        #expect(floor.owner(held) != other)
        try floor.run(.decline(declined, by: other), at: 2)
        #expect(floor.state(declined) == .queued)
        #expect(floor.engine.probeWaitingAvoiders() == (kept: 1, counted: 1))
        let tick = floor.tick(at: 2 + 60_000)
        #expect(tick.offer(of: declined) == other)
        #expect(floor.engine.probeWaitingAvoiders() == (kept: 0, counted: 0))
    }

    @Test("a new ticket goes to a ready agent though a ticket of the same requirement waits, avoiding that agent")
    func newTicketIsNotHeldBackByAWaitingTicketThatAvoidsTheReadyAgent() throws {
        var floor = Floor(
            policy: FloorPolicy(declineCooldownMs: 3_600_000), queues: [queue("q")],
            agents: [profile("alice", chat: 1)])
        let (declined, _) = try floor.submit(ticket("q"), at: 0)
        try floor.run(.decline(declined, by: aid("alice")), at: 1)
        #expect(floor.state(declined) == .queued)
        let (next, events) = try floor.submit(ticket("q"), at: 2)
        #expect(events.offer(of: next) == aid("alice"))
    }

    @Test("a new ticket waits behind tickets of its requirement while nobody able to take it is ready")
    func newTicketWaitsBehindItsRequirement() throws {
        var floor = Floor(queues: [queue("q")], agents: [profile("alice", chat: 1, autoAccept: true)])
        let (first, _) = try floor.submit(ticket("q"), at: 0)
        let (second, _) = try floor.submit(ticket("q"), at: 1)
        let (third, events) = try floor.submit(ticket("q"), at: 2)
        #expect(floor.owner(first) == aid("alice"))
        #expect(floor.state(second) == .queued)
        #expect(events.contains(.ticketQueued(third, reason: nil)))
        let resolved = try floor.run(.resolve(first, by: aid("alice")), at: 3)
        #expect(resolved.assignment(of: second) == aid("alice"))
    }
}
