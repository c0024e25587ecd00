import Testing
@testable import SwitchboardCore

/// Choosing among several eligible agents: least loaded by utilisation (total load over
/// effective total capacity), ties to the longest idle, then login order; the longest-idle
/// and round-robin strategies per queue.
@Suite struct StrategyTests {
    struct Desk: Sendable {
        var name: String
        var capacity: Capacity
        /// Channels of the tickets it already holds (parked on it without an offer, so its idle time is its login time).
        var holding: [Channel] = []
    }

    struct LeastLoadedCase: Sendable, CustomTestStringConvertible {
        var rule: String
        var desks: [Desk]
        var channel: Channel = .chat
        var winner: String
        var testDescription: String { rule }
    }

    static let leastLoadedCases: [LeastLoadedCase] = [
        LeastLoadedCase(rule: "lower utilisation wins over login order (1/4 beats 1/2)", desks: [
            Desk(name: "alice", capacity: Capacity(chat: 2), holding: [.chat]),
            Desk(name: "bob", capacity: Capacity(chat: 4), holding: [.chat]),
        ], winner: "bob"),
        LeastLoadedCase(rule: "utilisation, not raw load: 2/8 beats 1/2", desks: [
            Desk(name: "alice", capacity: Capacity(chat: 2), holding: [.chat]),
            Desk(name: "bob", capacity: Capacity(chat: 8), holding: [.chat, .chat]),
        ], winner: "bob"),
        LeastLoadedCase(rule: "an idle agent beats a busy one", desks: [
            Desk(name: "alice", capacity: Capacity(chat: 10), holding: [.chat]),
            Desk(name: "bob", capacity: Capacity(chat: 1)),
        ], winner: "bob"),
        LeastLoadedCase(rule: "the total cap is the denominator: 1 of total 2 loses to 1 of 4", desks: [
            Desk(name: "alice", capacity: Capacity(chat: 10, total: 2), holding: [.chat]),
            Desk(name: "bob", capacity: Capacity(chat: 4), holding: [.chat]),
        ], winner: "bob"),
        LeastLoadedCase(rule: "without a total the channel sum is the denominator: 1 of 10 beats 1 of 4", desks: [
            Desk(name: "alice", capacity: Capacity(chat: 10), holding: [.chat]),
            Desk(name: "bob", capacity: Capacity(chat: 4), holding: [.chat]),
        ], winner: "alice"),
        LeastLoadedCase(rule: "load on every channel counts: an email ticket makes a chat agent busier", desks: [
            Desk(name: "alice", capacity: Capacity(chat: 2, email: 2), holding: [.email, .email]),
            Desk(name: "bob", capacity: Capacity(chat: 2, email: 2), holding: [.chat]),
        ], winner: "bob"),
        LeastLoadedCase(rule: "equal utilisation and idle time: login order", desks: [
            Desk(name: "zed", capacity: Capacity(chat: 4), holding: [.chat, .chat]),
            Desk(name: "amy", capacity: Capacity(chat: 2), holding: [.chat]),
        ], winner: "zed"),
        LeastLoadedCase(rule: "equal and empty: the first to log in, not the first by name", desks: [
            Desk(name: "zed", capacity: Capacity(chat: 1)),
            Desk(name: "amy", capacity: Capacity(chat: 1)),
            Desk(name: "bob", capacity: Capacity(chat: 1)),
        ], winner: "zed"),
    ]

    @Test("least loaded: the lowest utilisation wins, then login order", arguments: leastLoadedCases)
    func leastLoaded(_ c: LeastLoadedCase) throws {
        var floor = Floor(queues: [queue("q")])
        for desk in c.desks { try floor.run(.login(AgentProfile(id: aid(desk.name), skills: [], capacity: desk.capacity))) }
        for desk in c.desks { for channel in desk.holding { try floor.park(on: desk.name, channel: channel) } }
        let (id, events) = try floor.submit(ticket("q", channel: c.channel), at: 1000)
        #expect(events.offer(of: id) == aid(c.winner))
    }

    @Test("least loaded: equal utilisation goes to the agent whose last offer is oldest, before login order")
    func tiesGoToTheLongestIdleByLastOffer() throws {
        var floor = Floor(queues: [queue("q")], agents: [profile("alice", chat: 2), profile("bob", chat: 2)])
        let (first, e1) = try floor.submit(ticket("q", customer: "c1"), at: 10)
        #expect(e1.offer(of: first) == aid("alice"))  // both idle since 0: login order
        try floor.run(.accept(first, by: aid("alice")), at: 11)
        try floor.run(.resolve(first, by: aid("alice")), at: 12)
        // Both empty again; alice's last offer was at 10, bob has been idle since login at 0.
        // (Another customer, so that affinity to alice plays no part.)
        let (second, e2) = try floor.submit(ticket("q", customer: "c2"), at: 20)
        #expect(e2.offer(of: second) == aid("bob"))
    }

    @Test("least loaded: returning to available restarts the idle time")
    func returnToAvailableRestartsIdleTime() throws {
        var floor = Floor(queues: [queue("q")], agents: [profile("alice", chat: 1), profile("bob", chat: 1)])
        try floor.run(.setStatus(aid("alice"), .away), at: 5)
        try floor.run(.setStatus(aid("alice"), .available), at: 6)
        let (id, events) = try floor.submit(ticket("q"), at: 10)
        #expect(events.offer(of: id) == aid("bob"))
    }

    @Test("least loaded beats idle time: a less loaded agent wins even if it was offered work more recently")
    func utilisationBeforeIdleTime() throws {
        var floor = Floor(queues: [queue("q")], agents: [profile("alice", chat: 4), profile("bob", chat: 4)])
        try floor.park(on: "alice")  // alice: 1/4, idle since 0
        let (first, _) = try floor.submit(ticket("q"), at: 10)  // bob: 1/4, idle since 10
        try floor.run(.cancel(first), at: 11)  // bob: 0/4, idle since 10
        let (second, events) = try floor.submit(ticket("q"), at: 20)
        #expect(events.offer(of: second) == aid("bob"))
    }

    struct StrategyCase: Sendable, CustomTestStringConvertible {
        var strategy: RoutingStrategy
        var winner: String
        var testDescription: String { "\(strategy) → \(winner)" }
    }

    /// alice logged in first and holds 2 of 3 (parked, so still idle since 0); bob logged in at
    /// 100 and holds nothing.
    @Test("longest idle and round robin ignore load; least loaded picks the emptier agent",
          arguments: [
              StrategyCase(strategy: .leastLoaded, winner: "bob"),
              StrategyCase(strategy: .longestIdle, winner: "alice"),
              StrategyCase(strategy: .roundRobin, winner: "alice"),
          ])
    func longestIdleIgnoresLoad(_ c: StrategyCase) throws {
        var floor = Floor(queues: [queue("q", strategy: c.strategy)], agents: [profile("alice", chat: 3)])
        try floor.park(on: "alice")
        try floor.park(on: "alice")
        try floor.run(.login(profile("bob", chat: 3)), at: 100)
        let (id, events) = try floor.submit(ticket("q"), at: 200)
        #expect(events.offer(of: id) == aid(c.winner))
    }

    @Test("longest idle: the agent whose last offer or return to available is oldest, then login order")
    func longestIdleOrder() throws {
        var floor = Floor(
            queues: [queue("q", strategy: .longestIdle)],
            agents: [profile("alice", chat: 5), profile("bob", chat: 5), profile("carol", chat: 5)])
        var winners: [AgentID?] = []
        for time in [10, 20, 30, 40] as [Int64] {
            let (id, events) = try floor.submit(ticket("q"), at: time)
            winners.append(events.offer(of: id))
        }
        #expect(winners == [aid("alice"), aid("bob"), aid("carol"), aid("alice")])
        // carol goes away and comes back at 50: now the most recently idle.
        try floor.run(.setStatus(aid("carol"), .away), at: 45)
        try floor.run(.setStatus(aid("carol"), .available), at: 50)
        let (next, events) = try floor.submit(ticket("q"), at: 60)
        #expect(events.offer(of: next) == aid("bob"))  // bob idle since 20, alice 40, carol 50
    }

    @Test("round robin: agents in turn regardless of load")
    func roundRobinInTurn() throws {
        var floor = Floor(
            queues: [queue("q", strategy: .roundRobin)],
            agents: [profile("alice", chat: 10), profile("bob", chat: 10), profile("carol", chat: 10)])
        var winners: [AgentID?] = []
        for time in 1...7 {
            let (id, events) = try floor.submit(ticket("q", customer: "c\(time)"), at: Int64(time) * 10)
            winners.append(events.offer(of: id))
            // alice resolves at once, so by load she would always win.
            if events.offer(of: id) == aid("alice") {
                try floor.run(.accept(id, by: aid("alice")))
                try floor.run(.resolve(id, by: aid("alice")))
            }
        }
        let expected = ["alice", "bob", "carol", "alice", "bob", "carol", "alice"].map(aid)
        #expect(winners == expected)
    }

    @Test("round robin counts offers, not idle time: a return to available does not move an agent back in turn",
          arguments: [
              StrategyCase(strategy: .roundRobin, winner: "bob"),
              StrategyCase(strategy: .longestIdle, winner: "alice"),
          ])
    func roundRobinIsNotLongestIdle(_ c: StrategyCase) throws {
        var floor = Floor(queues: [queue("q", strategy: c.strategy)], agents: [profile("alice", chat: 5), profile("bob", chat: 5)])
        let (first, e1) = try floor.submit(ticket("q"), at: 10)
        #expect(e1.offer(of: first) == aid("alice"))
        try floor.run(.setStatus(aid("bob"), .away), at: 40)
        try floor.run(.setStatus(aid("bob"), .available), at: 50)
        let (second, e2) = try floor.submit(ticket("q"), at: 60)
        #expect(e2.offer(of: second) == aid(c.winner))
    }

    @Test("the strategy is per queue: the same agents, two queues, two different choices")
    func strategyIsPerQueue() throws {
        var floor = Floor(
            queues: [queue("balanced"), queue("fair", strategy: .longestIdle)],
            agents: [profile("alice", chat: 4)])
        try floor.park(on: "alice")
        try floor.run(.login(profile("bob", chat: 4)), at: 100)
        let snapshot = floor
        var a = snapshot, b = snapshot
        let (t1, e1) = try a.submit(ticket("balanced"), at: 200)
        let (t2, e2) = try b.submit(ticket("fair"), at: 200)
        #expect(e1.offer(of: t1) == aid("bob"))
        #expect(e2.offer(of: t2) == aid("alice"))
    }

    @Test("changing a queue's strategy applies to the next decision")
    func changingTheStrategy() throws {
        var floor = Floor(queues: [queue("q")], agents: [profile("alice", chat: 4)])
        try floor.park(on: "alice")
        try floor.run(.login(profile("bob", chat: 4)), at: 100)
        try floor.run(.upsertQueue(queue("q", strategy: .longestIdle)), at: 150)
        let (id, events) = try floor.submit(ticket("q"), at: 200)
        #expect(events.offer(of: id) == aid("alice"))
        try floor.run(.upsertQueue(queue("q", strategy: .roundRobin)), at: 250)
        let (next, later) = try floor.submit(ticket("q"), at: 300)
        #expect(later.offer(of: next) == aid("bob"))
    }
}

/// When an agent frees capacity it takes the waiting ticket with the earliest SLA deadline
/// (submit time + the queue's target for the priority) that it may take, on any channel
/// where it has room.
@Suite struct FreedAgentTests {
    @Test("a freed agent takes waiting tickets in SLA deadline order, whatever order they came in")
    func earliestDeadlineFirst() throws {
        let targets = SLATargets(urgent: 1_000, high: 5_000, normal: 20_000, low: 60_000)
        var floor = Floor(queues: [queue("q", sla: targets)], agents: [profile("alice", chat: 1, autoAccept: true)])
        let (busy, _) = try floor.submit(ticket("q"), at: 0)
        let (low, _) = try floor.submit(ticket("q", priority: .low), at: 10)  // 60_010
        let (normal, _) = try floor.submit(ticket("q", priority: .normal), at: 20)  // 20_020
        let (high, _) = try floor.submit(ticket("q", priority: .high), at: 30)  // 5_030
        let (urgent, _) = try floor.submit(ticket("q", priority: .urgent), at: 40)  // 1_040
        #expect(floor.engine.ticket(urgent)?.deadline == at(1_040))
        var order: [TicketID] = []
        var holding = busy
        for time in [100, 200, 300, 400] as [Int64] {
            let events = try floor.run(.resolve(holding, by: aid("alice")), at: time)
            let next = try #require(events.compactMap { if case .ticketAssigned(let t, _) = $0 { t } else { nil } }.first)
            order.append(next)
            holding = next
        }
        #expect(order == [urgent, high, normal, low])
    }

    @Test("the deadline is the submit time plus the queue's target: a later ticket in a faster queue goes first")
    func deadlineUsesTheQueueTarget() throws {
        var floor = Floor(
            queues: [queue("slow", sla: sla(20_000)), queue("fast", sla: sla(5_000))],
            agents: [profile("alice", chat: 1, autoAccept: true)])
        let (busy, _) = try floor.submit(ticket("slow"), at: 0)
        let (slow, _) = try floor.submit(ticket("slow"), at: 100)  // 20_100
        let (fast, _) = try floor.submit(ticket("fast"), at: 1_000)  // 6_000
        #expect(floor.engine.ticket(slow)?.deadline == at(20_100))
        #expect(floor.engine.ticket(fast)?.deadline == at(6_000))
        let events = try floor.run(.resolve(busy, by: aid("alice")), at: 2_000)
        #expect(events.assignment(of: fast) == aid("alice"))
        #expect(floor.state(slow) == .queued)
    }

    @Test("a freed agent takes only tickets it is eligible for")
    func skipsIneligible() throws {
        var floor = Floor(queues: [queue("q")], agents: [profile("alice", "linux", chat: 1, autoAccept: true)])
        let (busy, _) = try floor.submit(ticket("q"), at: 0)
        let (needsDNS, _) = try floor.submit(ticket("q", priority: .urgent, skills: "dns"), at: 10)
        let (needsTier2, _) = try floor.submit(ticket("q", priority: .urgent, tier: 2), at: 20)
        let (plain, _) = try floor.submit(ticket("q", priority: .low), at: 30)
        let events = try floor.run(.resolve(busy, by: aid("alice")), at: 40)
        #expect(events.assignment(of: plain) == aid("alice"))
        #expect(floor.state(needsDNS) == .queued)
        #expect(floor.state(needsTier2) == .queued)
    }

    @Test("a freed agent takes tickets only on channels where it has room")
    func onlyWhereThereIsRoom() throws {
        var floor = Floor(queues: [queue("q")], agents: [profile("alice", chat: 1, email: 1, autoAccept: true)])
        let (chat, _) = try floor.submit(ticket("q", channel: .chat), at: 0)
        try floor.submit(ticket("q", channel: .email), at: 0)
        let (urgentEmail, _) = try floor.submit(ticket("q", channel: .email, priority: .urgent), at: 10)
        let (normalChat, _) = try floor.submit(ticket("q", channel: .chat, priority: .normal), at: 20)
        let events = try floor.run(.resolve(chat, by: aid("alice")), at: 30)
        #expect(events.assignment(of: normalChat) == aid("alice"))
        #expect(floor.state(urgentEmail) == .queued)
    }

    @Test("an agent with room on several channels takes the earliest deadline across them, then fills the rest")
    func acrossChannels() throws {
        var floor = Floor(queues: [queue("q")])
        let (lowChat, _) = try floor.submit(ticket("q", channel: .chat, priority: .low), at: 0)
        let (highEmail, _) = try floor.submit(ticket("q", channel: .email, priority: .high), at: 10)
        let (urgentChat, _) = try floor.submit(ticket("q", channel: .chat, priority: .urgent), at: 20)
        let (normalWeb, _) = try floor.submit(ticket("q", channel: .web, priority: .normal), at: 30)
        let events = try floor.run(.login(profile("alice", chat: 1, email: 1, web: 1, total: 2)), at: 40)
        #expect(events.offers.map(\.0) == [urgentChat, highEmail])
        #expect(floor.state(lowChat) == .queued)
        #expect(floor.state(normalWeb) == .queued)
    }

    @Test("a freed agent fills up to its capacity in deadline order")
    func fillsToCapacity() throws {
        var floor = Floor(queues: [queue("q")])
        var ids: [TicketID] = []
        for (time, priority) in [(0, Priority.low), (1, .high), (2, .normal), (3, .urgent)] as [(Int64, Priority)] {
            ids.append(try floor.submit(ticket("q", priority: priority), at: time).0)
        }
        let events = try floor.run(.login(profile("alice", chat: 3)), at: 10)
        #expect(events.offers.map(\.0) == [ids[3], ids[1], ids[2]])
        #expect(floor.state(ids[0]) == .queued)
    }
}
