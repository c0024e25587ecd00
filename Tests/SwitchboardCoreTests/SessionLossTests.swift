import Testing
@testable import SwitchboardCore

/// A node dies (`nodeDown(session)`): offers go back at once; assigned chat and phone tickets
/// go back to the front of the queue after `realTimeGraceMs`; email and web after
/// `asyncGraceMs`, and then the agent is logged out. `nodeUp` or a new login before the
/// grace ends keeps everything.
@Suite struct SessionLossTests {
    static let realTime: Int64 = 30_000
    static let async: Int64 = 900_000
    static let policy = FloorPolicy(realTimeGraceMs: realTime, asyncGraceMs: async)

    /// alice on node n1 holds an accepted ticket on `channel`; nobody else is logged in.
    func aliceHolding(_ channel: Channel) throws -> (Floor, TicketID) {
        var floor = Floor(
            policy: Self.policy, queues: [queue("q")],
            agents: [profile("alice", chat: 1, email: 1, phone: 1, web: 1, session: "n1")])
        let (id, owner) = try floor.submitAccepted(ticket("q", channel: channel), at: 0)
        #expect(owner == aid("alice"))
        return (floor, id)
    }

    @Test("node down marks its agents' sessions lost; agents on other nodes are untouched")
    func nodeDownMarksSessions() throws {
        var floor = Floor(
            policy: Self.policy, queues: [queue("q")],
            agents: [profile("alice", chat: 1, session: "n1"), profile("bob", chat: 1, session: "n2")])
        let events = try floor.run(.nodeDown("n1"), at: 100)
        #expect(events == [.agentSessionLost(aid("alice"))])
        #expect(floor.engine.agent(aid("alice"))?.sessionLost == true)
        #expect(floor.engine.agent(aid("bob"))?.sessionLost == false)
        #expect(floor.engine.totals().agentsAvailable == 1)
        let (id, submitted) = try floor.submit(ticket("q"), at: 200)
        #expect(submitted.offer(of: id) == aid("bob"))
    }

    @Test("offers held by a lost session go back at once, to another agent if one is ready")
    func offersGoBackAtOnce() throws {
        var floor = Floor(
            policy: Self.policy, queues: [queue("q")],
            agents: [profile("alice", chat: 1, session: "n1")])
        let (id, _) = try floor.submit(ticket("q"), at: 0)
        #expect(floor.owner(id) == aid("alice"))
        try floor.run(.login(profile("bob", chat: 1, session: "n2")), at: 10)
        let events = try floor.run(.nodeDown("n1"), at: 20)
        #expect(events.first == .agentSessionLost(aid("alice")))
        #expect(events.contains(.ticketRevoked(id, aid("alice"), reason: .released)))
        #expect(events.offer(of: id) == aid("bob"))
        #expect(floor.engine.agent(aid("alice"))?.tickets == [])
    }

    @Test("an offer held by a lost session waits in the queue when nobody else is ready")
    func offerWaitsWhenNobodyIsReady() throws {
        var floor = Floor(policy: Self.policy, queues: [queue("q")], agents: [profile("alice", chat: 1, session: "n1")])
        let (id, _) = try floor.submit(ticket("q"), at: 0)
        let events = try floor.run(.nodeDown("n1"), at: 20)
        #expect(events.contains(.ticketQueued(id, reason: .released)))
        #expect(floor.state(id) == .queued)
    }

    struct GraceCase: Sendable, CustomTestStringConvertible {
        var channel: Channel
        var grace: Int64
        var testDescription: String { "\(channel) after \(grace) ms" }
    }

    @Test("an assigned ticket stays with a lost agent until its channel's grace ends, then goes back",
          arguments: [
              GraceCase(channel: .chat, grace: realTime), GraceCase(channel: .phone, grace: realTime),
              GraceCase(channel: .email, grace: async), GraceCase(channel: .web, grace: async),
          ])
    func assignedTicketGoesBackAfterGrace(_ c: GraceCase) throws {
        var (floor, id) = try aliceHolding(c.channel)
        try floor.run(.nodeDown("n1"), at: 1_000)
        let before = floor.tick(at: 1_000 + c.grace - 1)
        #expect(!before.contains(.ticketQueued(id, reason: .sessionLost)))
        #expect(floor.state(id) == .assigned)
        #expect(floor.owner(id) == aid("alice"))
        let after = floor.tick(at: 1_000 + c.grace)
        #expect(after.contains(.ticketRevoked(id, aid("alice"), reason: .sessionLost)))
        #expect(after.contains(.ticketQueued(id, reason: .sessionLost)))
        #expect(floor.state(id) == .queued)
        #expect(floor.owner(id) == nil)
        #expect(floor.engine.ticket(id)?.history.last?.detail == "session-lost")
    }

    @Test("after the email and web grace the lost agent is logged out, holding nothing")
    func agentGoesOfflineAfterAsyncGrace() throws {
        var (floor, chat) = try aliceHolding(.chat)
        let (email, _) = try floor.submitAccepted(ticket("q", channel: .email), at: 10)
        try floor.run(.nodeDown("n1"), at: 1_000)
        let realTimeEnd = floor.tick(at: 1_000 + Self.realTime)
        #expect(realTimeEnd.contains(.ticketQueued(chat, reason: .sessionLost)))
        #expect(floor.owner(email) == aid("alice"))
        #expect(floor.status("alice") == .available)
        let asyncEnd = floor.tick(at: 1_000 + Self.async)
        #expect(asyncEnd.contains(.ticketQueued(email, reason: .sessionLost)))
        #expect(asyncEnd.last == .agentLoggedOut(aid("alice")))
        let alice = try #require(floor.engine.agent(aid("alice")))
        #expect(alice.status == .offline)
        #expect(alice.tickets.isEmpty)
        #expect(alice.load == [0, 0, 0, 0])
    }

    @Test("a real-time ticket back from a lost session goes ahead of waiting tickets with earlier deadlines")
    func realTimeTicketGoesToTheFront() throws {
        var (floor, chat) = try aliceHolding(.chat)
        // Two waiting chat tickets with far earlier deadlines than the returning one.
        let (urgent1, _) = try floor.submit(ticket("q", priority: .urgent), at: 500)
        let (urgent2, _) = try floor.submit(ticket("q", priority: .urgent), at: 600)
        #expect(floor.engine.ticket(urgent1)!.deadline < floor.engine.ticket(chat)!.deadline)
        try floor.run(.nodeDown("n1"), at: 1_000)
        floor.tick(at: 1_000 + Self.realTime)
        #expect(floor.state(chat) == .queued)
        let events = try floor.run(.login(profile("bob", chat: 2, session: "n2")), at: 40_000)
        #expect(events.offers.map(\.0) == [chat, urgent1])
        #expect(floor.state(urgent2) == .queued)
    }

    @Test("a real-time ticket back from a lost session is offered at once to a ready agent")
    func realTimeTicketGoesToAReadyAgent() throws {
        var (floor, chat) = try aliceHolding(.phone)
        try floor.run(.nodeDown("n1"), at: 1_000)
        try floor.run(.login(profile("bob", phone: 1, session: "n2")), at: 2_000)
        let events = floor.tick(at: 1_000 + Self.realTime)
        #expect(events.offer(of: chat) == aid("bob"))
    }

    @Test("node up before the grace ends keeps every ticket, and nothing happens when the grace would have ended")
    func nodeUpKeepsEverything() throws {
        var (floor, chat) = try aliceHolding(.chat)
        let (email, _) = try floor.submitAccepted(ticket("q", channel: .email), at: 10)
        try floor.run(.nodeDown("n1"), at: 1_000)
        let up = try floor.run(.nodeUp("n1"), at: 1_000 + Self.realTime - 1)
        #expect(up.contains(.agentSessionRestored(aid("alice"))))
        let later = floor.tick(at: 1_000 + 2 * Self.async)
        #expect(!later.contains { if case .ticketQueued = $0 { true } else { false } })
        #expect(!later.contains(.agentLoggedOut(aid("alice"))))
        #expect(floor.owner(chat) == aid("alice"))
        #expect(floor.owner(email) == aid("alice"))
        #expect(floor.engine.agent(aid("alice"))?.sessionLost == false)
        #expect(floor.status("alice") == .available)
    }

    @Test("node up after the real-time grace but before the email grace keeps the email tickets")
    func nodeUpBetweenGraces() throws {
        var (floor, chat) = try aliceHolding(.chat)
        let (email, _) = try floor.submitAccepted(ticket("q", channel: .email), at: 10)
        try floor.run(.nodeDown("n1"), at: 1_000)
        floor.tick(at: 1_000 + Self.realTime)
        try floor.run(.nodeUp("n1"), at: 1_000 + Self.realTime + 1)
        // The chat ticket waits and alice is back with room on chat: she gets it again.
        #expect(floor.owner(chat) == aid("alice"))
        floor.tick(at: 1_000 + 2 * Self.async)
        #expect(floor.owner(email) == aid("alice"))
        #expect(floor.state(email) == .assigned)
        #expect(floor.status("alice") == .available)
    }

    @Test("logging in again during the grace restores the session and keeps the tickets")
    func reloginRestoresTheSession() throws {
        var (floor, chat) = try aliceHolding(.chat)
        try floor.run(.nodeDown("n1"), at: 1_000)
        let events = try floor.run(.login(profile("alice", chat: 1, email: 1, phone: 1, web: 1, session: "n3")), at: 2_000)
        #expect(events.contains(.agentSessionRestored(aid("alice"))))
        #expect(floor.engine.agent(aid("alice"))?.sessionLost == false)
        #expect(floor.engine.agent(aid("alice"))?.session == "n3")
        floor.tick(at: 1_000 + 2 * Self.async)
        #expect(floor.owner(chat) == aid("alice"))
        #expect(floor.status("alice") == .available)
        // The old node going down again no longer concerns alice.
        let again = try floor.run(.nodeDown("n1"), at: 2_000_000)
        #expect(again.isEmpty)
    }

    @Test("a lost agent gets no offers, and gets waiting work once its node is back")
    func lostAgentGetsNoOffers() throws {
        var floor = Floor(policy: Self.policy, queues: [queue("q")], agents: [profile("alice", chat: 1, session: "n1")])
        try floor.run(.nodeDown("n1"), at: 10)
        let (id, submitted) = try floor.submit(ticket("q"), at: 20)
        #expect(submitted.offer(of: id) == nil)
        let available = try floor.run(.setStatus(aid("alice"), .available), at: 25)
        #expect(available.offer(of: id) == nil)
        let up = try floor.run(.nodeUp("n1"), at: 30)
        #expect(up.offer(of: id) == aid("alice"))
    }

    @Test("node down twice does not restart the grace")
    func nodeDownTwice() throws {
        var (floor, chat) = try aliceHolding(.chat)
        try floor.run(.nodeDown("n1"), at: 1_000)
        let second = try floor.run(.nodeDown("n1"), at: 20_000)
        #expect(second.isEmpty)
        let end = floor.tick(at: 1_000 + Self.realTime)
        #expect(end.contains(.ticketQueued(chat, reason: .sessionLost)))
    }

    @Test("a new grace period after a node flaps starts from the latest loss")
    func flappingNode() throws {
        var (floor, chat) = try aliceHolding(.chat)
        try floor.run(.nodeDown("n1"), at: 1_000)
        try floor.run(.nodeUp("n1"), at: 2_000)
        try floor.run(.nodeDown("n1"), at: 10_000)
        let oldEnd = floor.tick(at: 1_000 + Self.realTime)
        #expect(floor.owner(chat) == aid("alice"), "the first loss's grace must not fire: \(oldEnd)")
        let newEnd = floor.tick(at: 10_000 + Self.realTime)
        #expect(newEnd.contains(.ticketQueued(chat, reason: .sessionLost)))
    }

    struct SessionCase: Sendable, CustomTestStringConvertible {
        var down: String
        var lost: [String]
        var testDescription: String { "nodeDown(\(down)) → \(lost)" }
    }

    /// Session tags are `node` or `node#connection`: a node takes all its sessions down, a
    /// connection only its own, and a tag that merely starts with the same letters is another node.
    @Test("node down takes the sessions tagged with that node or with one of its connections",
          arguments: [
              SessionCase(down: "n1", lost: ["a", "b", "c"]),
              SessionCase(down: "n1#1", lost: ["b"]),
              SessionCase(down: "n1#2", lost: ["c"]),
              SessionCase(down: "n10", lost: ["d"]),
              SessionCase(down: "n2", lost: ["e"]),
              SessionCase(down: "n1#", lost: []),
              SessionCase(down: "n", lost: []),
          ])
    func sessionMatching(_ c: SessionCase) throws {
        let tags = ["a": "n1", "b": "n1#1", "c": "n1#2", "d": "n10", "e": "n2#1"]
        var floor = Floor(policy: Self.policy, queues: [queue("q")])
        for name in tags.keys.sorted() { try floor.run(.login(profile(name, chat: 1, session: tags[name]!))) }
        let events = try floor.run(.nodeDown(c.down), at: 10)
        let lost = events.compactMap { if case .agentSessionLost(let agent) = $0 { agent.name } else { nil } }
        #expect(lost.sorted() == c.lost)
        let back = try floor.run(.nodeUp(c.down), at: 20)
        let restored = back.compactMap { if case .agentSessionRestored(let agent) = $0 { agent.name } else { nil } }
        #expect(restored.sorted() == c.lost)
    }

    @Test("node up for a whole node restores the sessions lost with one of its connections, and only those of that node")
    func nodeUpRestoresConnections() throws {
        var floor = Floor(policy: Self.policy, queues: [queue("q")])
        for (name, tag) in [("a", "n1#1"), ("b", "n1#2"), ("c", "n10#1")] { try floor.run(.login(profile(name, chat: 1, session: tag))) }
        try floor.run(.nodeDown("n1#1"), at: 10)
        try floor.run(.nodeDown("n10"), at: 10)
        let back = try floor.run(.nodeUp("n1"), at: 20)
        #expect(back == [.agentSessionRestored(aid("a"))])
        #expect(floor.engine.agent(aid("c"))?.sessionLost == true)
    }

    @Test("node down and node up with an empty node are refused instead of matching every untagged session",
          arguments: [Command.nodeDown(""), .nodeUp("")])
    func emptyNodeIsRefused(_ command: Command) throws {
        var floor = Floor(policy: Self.policy, queues: [queue("q")], agents: [profile("untagged", chat: 1, session: "")])
        let digest = floor.engine.digest
        #expect(throws: EngineError.self) { try floor.run(command, at: 10) }
        #expect(floor.engine.digest == digest)
        #expect(floor.engine.agent(aid("untagged"))?.sessionLost == false)
    }

    @Test("a lost agent may not log out while holding assigned tickets")
    func lostAgentCannotLogOutWithTickets() throws {
        var (floor, _) = try aliceHolding(.email)
        try floor.run(.nodeDown("n1"), at: 1_000)
        #expect(throws: EngineError.agentBusy(aid("alice"), tickets: 1)) {
            try floor.run(.logout(aid("alice")), at: 2_000)
        }
    }
}
