import Testing
@testable import SwitchboardCore

/// Every invalid command returns its typed `EngineError` and changes nothing: the digest,
/// the snapshot bytes and every query answer are the same before and after.
@Suite struct InvalidCommandTests {
    /// What a refused command must throw: the exact error, or (for `invalidArgument`, whose
    /// message is free text) just its code.
    enum Refusal: Sendable {
        case exactly(EngineError)
        case code(String)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var rule: String
        var command: Command
        var refusal: Refusal
        var testDescription: String { rule }

        init(_ rule: String, _ command: Command, _ refusal: Refusal) {
            self.rule = rule
            self.command = command
            self.refusal = refusal
        }
    }

    /// The floor every case runs against, at time 10 000:
    /// - queues `hosting` (linux) and `billing`;
    /// - alice (linux:3, tier 1, chat 1, email 2) holds ticket 1 assigned (chat) and ticket 2 offered (email);
    /// - bob (linux, tier 2, chat 1) holds ticket 3 offered (chat);
    /// - carol logged in once and logged out; dave (tier 9) holds ticket 6 assigned (web);
    /// - ticket 4 resolved, ticket 5 cancelled, ticket 7 waits in billing; erin's node n2 is down.
    static func fixture() throws -> Floor {
        var floor = Floor(
            queues: [queue("hosting", "linux"), queue("billing", "billing")],
            agents: [profile("alice", "linux:3", tier: 1, chat: 1, email: 2)])
        try floor.submitAccepted(ticket("hosting", customer: "c1", channel: .chat), at: 100)  // 1 → alice, assigned
        try floor.submit(ticket("hosting", customer: "c2", channel: .email), at: 200)  // 2 → alice, offered
        try floor.run(.login(profile("bob", "linux", tier: 2, chat: 1)), at: 300)
        try floor.submit(ticket("hosting", customer: "c3", channel: .chat), at: 400)  // 3 → bob, offered
        try floor.run(.login(profile("dave", "linux", tier: 9, web: 2, autoAccept: true)), at: 500)
        let (resolved, _) = try floor.submit(ticket("hosting", customer: "c4", channel: .web), at: 600)  // 4 → dave
        try floor.run(.resolve(resolved, by: aid("dave")), at: 700)
        let (cancelled, _) = try floor.submit(ticket("billing", customer: "c5"), at: 800)  // 5 waits
        try floor.run(.cancel(cancelled), at: 900)
        try floor.submit(ticket("hosting", customer: "c6", channel: .web), at: 1_000)  // 6 → dave, assigned
        try floor.submit(ticket("billing", customer: "c7"), at: 1_100)  // 7 waits
        try floor.run(.login(profile("carol", chat: 1)), at: 1_200)
        try floor.run(.logout(aid("carol")), at: 1_300)
        try floor.run(.login(profile("erin", "linux", chat: 1, session: "n2")), at: 1_400)
        try floor.run(.nodeDown("n2"), at: 1_500)
        floor.tick(at: 10_000)
        return floor
    }

    static let badNames = ["", "two words", "key=value", "a,b", "a:b", "quote\"d", "back\\slash", "tab\tname",
                           "new\nline", String(repeating: "x", count: RoutingEngine.maximumNameLength + 1)]

    static let cases: [Case] = {
        let t = tid
        var list: [Case] = [
            // Unknown things.
            Case("submit to an unknown queue", .submit(ticket("nope")), .exactly(.unknownQueue("nope"))),
            Case("accept an unknown ticket", .accept(t(99), by: aid("alice")), .exactly(.unknownTicket(t(99)))),
            Case("accept ticket 0", .accept(t(0), by: aid("alice")), .exactly(.unknownTicket(t(0)))),
            Case("accept by an unknown agent", .accept(t(2), by: aid("zoe")), .exactly(.unknownAgent(aid("zoe")))),
            Case("decline an unknown ticket", .decline(t(99), by: aid("alice")), .exactly(.unknownTicket(t(99)))),
            Case("resolve an unknown ticket", .resolve(t(99), by: aid("alice")), .exactly(.unknownTicket(t(99)))),
            Case("resolve by an unknown agent", .resolve(t(1), by: aid("zoe")), .exactly(.unknownAgent(aid("zoe")))),
            Case("escalate an unknown ticket", .escalate(t(99), by: nil, toTier: nil), .exactly(.unknownTicket(t(99)))),
            Case("transfer an unknown ticket", .transfer(t(99), by: nil, to: .queue("billing")), .exactly(.unknownTicket(t(99)))),
            Case("transfer to an unknown queue", .transfer(t(1), by: aid("alice"), to: .queue("nope")),
                 .exactly(.unknownQueue("nope"))),
            Case("transfer to an unknown agent", .transfer(t(1), by: aid("alice"), to: .agent(aid("zoe"))),
                 .exactly(.unknownAgent(aid("zoe")))),
            Case("cancel an unknown ticket", .cancel(t(99)), .exactly(.unknownTicket(t(99)))),
            Case("log out an unknown agent", .logout(aid("zoe")), .exactly(.unknownAgent(aid("zoe")))),
            Case("set the status of an unknown agent", .setStatus(aid("zoe"), .away), .exactly(.unknownAgent(aid("zoe")))),

            // Acting on a ticket one does not hold.
            Case("accept by someone not offered", .accept(t(2), by: aid("bob")), .exactly(.notOffered(t(2), aid("bob")))),
            Case("accept a ticket already assigned", .accept(t(1), by: aid("alice")), .exactly(.notOffered(t(1), aid("alice")))),
            Case("accept a waiting ticket", .accept(t(7), by: aid("alice")), .exactly(.notOffered(t(7), aid("alice")))),
            Case("accept a resolved ticket", .accept(t(4), by: aid("dave")), .exactly(.notOffered(t(4), aid("dave")))),
            Case("decline by someone not offered", .decline(t(3), by: aid("alice")), .exactly(.notOffered(t(3), aid("alice")))),
            Case("decline an assigned ticket", .decline(t(1), by: aid("alice")), .exactly(.notOffered(t(1), aid("alice")))),
            Case("resolve by a non-owner", .resolve(t(1), by: aid("bob")), .exactly(.notOwner(t(1), aid("bob")))),
            Case("resolve a waiting ticket", .resolve(t(7), by: aid("alice")), .exactly(.notOwner(t(7), aid("alice")))),
            Case("resolve an offered ticket", .resolve(t(2), by: aid("alice")), .exactly(.invalidState(t(2), .offered))),
            Case("resolve a resolved ticket", .resolve(t(4), by: aid("dave")), .exactly(.notOwner(t(4), aid("dave")))),
            Case("escalate by a non-owner", .escalate(t(1), by: aid("bob"), toTier: nil), .exactly(.notOwner(t(1), aid("bob")))),
            Case("escalate an offered ticket as its offeree", .escalate(t(3), by: aid("bob"), toTier: nil),
                 .exactly(.invalidState(t(3), .offered))),
            Case("transfer by a non-owner", .transfer(t(1), by: aid("bob"), to: .queue("billing")),
                 .exactly(.notOwner(t(1), aid("bob")))),
            Case("transfer an offered ticket as its offeree", .transfer(t(2), by: aid("alice"), to: .queue("billing")),
                 .exactly(.invalidState(t(2), .offered))),

            // Closed tickets.
            Case("cancel a resolved ticket", .cancel(t(4)), .exactly(.invalidState(t(4), .resolved))),
            Case("cancel a cancelled ticket", .cancel(t(5)), .exactly(.invalidState(t(5), .cancelled))),
            Case("escalate a resolved ticket", .escalate(t(4), by: nil, toTier: nil), .exactly(.invalidState(t(4), .resolved))),
            Case("transfer a cancelled ticket", .transfer(t(5), by: nil, to: .queue("hosting")),
                 .exactly(.invalidState(t(5), .cancelled))),

            // Agents.
            Case("log out while holding an assigned ticket", .logout(aid("alice")), .exactly(.agentBusy(aid("alice"), tickets: 1))),
            Case("log out an agent that is offline", .logout(aid("carol")), .exactly(.agentOffline(aid("carol")))),
            Case("set wrap-up directly", .setStatus(aid("alice"), .wrapUp), .exactly(.invalidStatus(.wrapUp))),
            Case("set offline directly", .setStatus(aid("alice"), .offline), .exactly(.invalidStatus(.offline))),
            Case("set the status of an offline agent", .setStatus(aid("carol"), .available), .exactly(.agentOffline(aid("carol")))),

            // Transfers to an agent.
            Case("transfer to an agent at capacity", .transfer(t(7), by: nil, to: .agent(aid("bob"))),
                 .exactly(.agentAtCapacity(aid("bob"), .chat))),
            Case("transfer to an agent with no capacity on the channel", .transfer(t(7), by: nil, to: .agent(aid("dave"))),
                 .exactly(.agentAtCapacity(aid("dave"), .chat))),
            Case("transfer to an offline agent", .transfer(t(7), by: nil, to: .agent(aid("carol"))),
                 .exactly(.agentOffline(aid("carol")))),
            Case("transfer to an agent whose session is lost", .transfer(t(7), by: nil, to: .agent(aid("erin"))),
                 .exactly(.agentOffline(aid("erin")))),
            Case("transfer to the agent already holding it", .transfer(t(1), by: nil, to: .agent(aid("alice"))), .code("BAD_ARGUMENT")),

            // Escalation tiers.
            Case("escalate beyond tier 9", .escalate(t(1), by: nil, toTier: 10), .exactly(.tierTooHigh(10))),
            Case("escalate a tier-9 owner's ticket by default", .escalate(t(6), by: aid("dave"), toTier: nil),
                 .exactly(.tierTooHigh(10))),
            Case("escalate to the current tier", .escalate(t(1), by: nil, toTier: 1), .code("BAD_ARGUMENT")),
            Case("escalate below the current tier", .escalate(t(7), by: nil, toTier: 0), .code("BAD_ARGUMENT")),

            // Submissions.
            Case("submit with an empty customer", .submit(ticket("hosting", customer: "")), .code("BAD_ARGUMENT")),
            Case("submit with a control character in the customer", .submit(ticket("hosting", customer: "a\u{1}b")),
                 .code("BAD_ARGUMENT")),
            Case("submit with a customer longer than 256 bytes",
                 .submit(ticket("hosting", customer: String(repeating: "c", count: 257))), .code("BAD_ARGUMENT")),
            Case("submit with a subject longer than 1024 bytes",
                 .submit(ticket("hosting", subject: String(repeating: "s", count: 1025))), .code("BAD_ARGUMENT")),
            Case("submit with a newline in the subject", .submit(ticket("hosting", subject: "a\nb")), .code("BAD_ARGUMENT")),
            Case("submit asking skill level 0", .submit(ticket("hosting", skills: "dns:0")), .code("BAD_ARGUMENT")),
            Case("submit asking skill level 6", .submit(ticket("hosting", skills: "dns:6")), .code("BAD_ARGUMENT")),
            Case("submit asking tier 0", .submit(ticket("hosting", tier: 0)), .code("BAD_ARGUMENT")),
            Case("submit asking tier 10", .submit(ticket("hosting", tier: 10)), .code("BAD_ARGUMENT")),

            // Logins.
            Case("login with skill level 0", .login(profile("zoe", "linux:0", chat: 1)), .code("BAD_ARGUMENT")),
            Case("login with skill level 6", .login(profile("zoe", "linux:6", chat: 1)), .code("BAD_ARGUMENT")),
            Case("login with tier 0", .login(profile("zoe", tier: 0, chat: 1)), .code("BAD_ARGUMENT")),
            Case("login with tier 10", .login(profile("zoe", tier: 10, chat: 1)), .code("BAD_ARGUMENT")),
            Case("login with a negative chat capacity", .login(profile("zoe", chat: -1)), .code("BAD_ARGUMENT")),
            Case("login with a negative total", .login(profile("zoe", chat: 1, total: -1)), .code("BAD_ARGUMENT")),
            Case("login with a capacity above the maximum", .login(profile("zoe", email: Capacity.maximum + 1)), .code("BAD_ARGUMENT")),
            Case("login with a total above the maximum", .login(profile("zoe", chat: 1, total: 4 * Capacity.maximum + 1)),
                 .code("BAD_ARGUMENT")),
            Case("login with an empty display name", .login(AgentProfile(id: aid("zoe"), name: "", skills: [], capacity: Capacity(chat: 1))),
                 .code("BAD_ARGUMENT")),
            Case("login with a control character in the session", .login(profile("zoe", chat: 1, session: "n\u{7F}")),
                 .code("BAD_ARGUMENT")),
            Case("an existing agent logging in again with a bad profile", .login(profile("alice", "linux:9", chat: 1)),
                 .code("BAD_ARGUMENT")),
            Case("logging in again with a chat capacity below the chat ticket held",
                 .login(profile("alice", "linux:3", chat: 0, email: 2)), .code("BAD_ARGUMENT")),
            Case("logging in again with an email capacity below the email offer held",
                 .login(profile("alice", "linux:3", chat: 1, email: 0)), .code("BAD_ARGUMENT")),
            Case("logging in again with a total below the two tickets held",
                 .login(profile("alice", "linux:3", chat: 1, email: 2, total: 1)), .code("BAD_ARGUMENT")),
            Case("logging in again with a total of zero while holding tickets",
                 .login(profile("alice", "linux:3", chat: 1, email: 2, web: 5, total: 0)), .code("BAD_ARGUMENT")),

            // Sessions.
            Case("node down with an empty node", .nodeDown(""), .code("BAD_ARGUMENT")),
            Case("node up with an empty node", .nodeUp(""), .code("BAD_ARGUMENT")),
            Case("node down with a newline in the node", .nodeDown("n2\n"), .code("BAD_ARGUMENT")),
            Case("node up with a control character in the node", .nodeUp("n\u{7F}2"), .code("BAD_ARGUMENT")),
            Case("node down with a node longer than 64 bytes",
                 .nodeDown(String(repeating: "n", count: RoutingEngine.maximumNameLength + 1)), .code("BAD_ARGUMENT")),

            // Queues and policy.
            Case("a queue with tier 0", .upsertQueue(queue("q2", tier: 0)), .code("BAD_ARGUMENT")),
            Case("a queue with tier 10", .upsertQueue(queue("q2", tier: 10)), .code("BAD_ARGUMENT")),
            Case("a queue with skill level 6", .upsertQueue(queue("q2", "linux:6")), .code("BAD_ARGUMENT")),
            Case("a queue with a zero SLA target", .upsertQueue(queue("q2", sla: sla(0))), .code("BAD_ARGUMENT")),
            Case("a queue with a negative SLA target",
                 .upsertQueue(queue("q2", sla: SLATargets(urgent: -1, high: 1, normal: 1, low: 1))), .code("BAD_ARGUMENT")),
            Case("a queue with an SLA target above a year", .upsertQueue(queue("q2", sla: sla(366 * 86_400_000))),
                 .code("BAD_ARGUMENT")),
            Case("a queue with a zero offer timeout", .upsertQueue(queue("q2", offerTimeoutMs: 0)), .code("BAD_ARGUMENT")),
            Case("a queue with a negative wrap-up", .upsertQueue(queue("q2", wrapUpMs: -1)), .code("BAD_ARGUMENT")),
            Case("replacing a queue with bad rules", .upsertQueue(queue("hosting", tier: 0)), .code("BAD_ARGUMENT")),
            Case("a policy with zero misses before away", .setPolicy(FloorPolicy(missesBeforeAway: 0)), .code("BAD_ARGUMENT")),
            Case("a policy with 101 misses before away", .setPolicy(FloorPolicy(missesBeforeAway: 101)), .code("BAD_ARGUMENT")),
            Case("a policy warning at 0%", .setPolicy(FloorPolicy(slaWarningPercent: 0)), .code("BAD_ARGUMENT")),
            Case("a policy warning at 101%", .setPolicy(FloorPolicy(slaWarningPercent: 101)), .code("BAD_ARGUMENT")),
            Case("a policy with a negative cool-down", .setPolicy(FloorPolicy(declineCooldownMs: -1)), .code("BAD_ARGUMENT")),
            Case("a policy with a negative grace", .setPolicy(FloorPolicy(realTimeGraceMs: -5)), .code("BAD_ARGUMENT")),
            Case("a policy with a negative affinity window", .setPolicy(FloorPolicy(affinityWindowMs: -1)), .code("BAD_ARGUMENT")),
        ]
        for name in badNames {
            let shown = name.count > 20 ? "\(name.count) characters" : "[\(name.debugDescription)]"
            list.append(Case("an agent id \(shown)", .login(profile(name, chat: 1)), .code("BAD_ARGUMENT")))
            list.append(Case("a queue name \(shown)", .upsertQueue(queue(name)), .code("BAD_ARGUMENT")))
            list.append(Case("a skill name \(shown) in a ticket",
                             .submit(TicketSubmission(customer: "c", channel: .chat, queue: "hosting", skills: [SkillLevel(name)])),
                             .code("BAD_ARGUMENT")))
            list.append(Case("a skill name \(shown) in a profile",
                             .login(AgentProfile(id: aid("zoe"), skills: [SkillLevel(name)], capacity: Capacity(chat: 1))),
                             .code("BAD_ARGUMENT")))
        }
        return list
    }()

    @Test("an invalid command throws its EngineError and changes nothing", arguments: cases)
    func refusedAndUnchanged(_ c: Case) throws {
        var floor = try Self.fixture()
        let digest = floor.engine.digest
        let bytes = floor.engine.snapshot()
        let observed = Observation(floor.engine)
        do {
            let events = try floor.engine.apply(c.command, at: at(floor.clock))
            Issue.record("accepted, with events \(events)")
        } catch {
            switch c.refusal {
            case .exactly(let expected): #expect(error == expected)
            case .code(let code): #expect(error.code == code, "\(error)")
            }
        }
        #expect(floor.engine.digest == digest)
        #expect(floor.engine.snapshot() == bytes)
        #expect(Observation(floor.engine) == observed)
    }

    @Test("the fixture is what the cases assume")
    func fixtureIsAsDescribed() throws {
        let floor = try Self.fixture()
        let states = (1...7).map { floor.state(tid(UInt64($0))) }
        #expect(states == [.assigned, .offered, .offered, .resolved, .cancelled, .assigned, .queued])
        #expect(floor.owner(tid(1)) == aid("alice"))
        #expect(floor.owner(tid(2)) == aid("alice"))
        #expect(floor.owner(tid(3)) == aid("bob"))
        #expect(floor.owner(tid(6)) == aid("dave"))
        #expect(floor.status("carol") == .offline)
        #expect(floor.engine.agent(aid("erin"))?.sessionLost == true)
    }

    @Test("an invalid command stamped later than the last one does not move the engine's clock either",
          arguments: [
              Case("cancel an unknown ticket", .cancel(tid(99)), .exactly(.unknownTicket(tid(99)))),
              Case("submit to an unknown queue", .submit(ticket("nope")), .exactly(.unknownQueue("nope"))),
              Case("log out while holding an assigned ticket", .logout(aid("alice")), .exactly(.agentBusy(aid("alice"), tickets: 1))),
              Case("logging in again below the load held", .login(profile("alice", "linux:3", chat: 0, email: 2)),
                   .code("BAD_ARGUMENT")),
              Case("node down with an empty node", .nodeDown(""), .code("BAD_ARGUMENT")),
          ])
    func refusedLaterCommandKeepsTheClock(_ c: Case) throws {
        var floor = try Self.fixture()
        let clock = floor.clock
        let digest = floor.engine.digest
        let observed = Observation(floor.engine)
        #expect(throws: EngineError.self) { try floor.engine.apply(c.command, at: at(clock + 5_000)) }
        #expect(floor.engine.now == clock, "a refused command must change nothing, the clock included")
        #expect(floor.engine.digest == digest)
        #expect(Observation(floor.engine) == observed)
        // So the next command, stamped before the refused one, happens at its own time.
        let (id, _) = try floor.submit(ticket("hosting", customer: "late"), at: clock + 1_000)
        #expect(floor.engine.ticket(id)?.createdAt == at(clock + 1_000))
    }
}

/// Times are inputs too: the engine must survive any stamp a (possibly broken) leader clock
/// could put on a log entry, because every replica applies the same entry. It accepts times up
/// to `Timestamp.latest` (the end of year 9999) and refuses later ones; every duration it adds is
/// at most a year, so nothing it computes from an accepted time overflows.
@Suite struct ExtremeTimeTests {
    static let pastTheEnd: [Int64] = [Timestamp.latest.milliseconds + 1, Int64.max - 1, Int64.max]

    /// alice (chat 2, session n1) holds ticket 1 offered and ticket 2 assigned, at time 1.
    static func floor() throws -> Floor {
        var floor = Floor(queues: [queue("q", wrapUpMs: 1_000)], agents: [profile("alice", chat: 2)])
        try floor.submit(ticket("q", customer: "a"), at: 0)
        try floor.submitAccepted(ticket("q", customer: "b"), at: 1)
        return floor
    }

    static let commands: [Command] = [
        .tick, .submit(ticket("q")), .accept(tid(1), by: aid("alice")), .decline(tid(1), by: aid("alice")),
        .resolve(tid(2), by: aid("alice")), .escalate(tid(2), by: nil, toTier: nil), .transfer(tid(2), by: nil, to: .queue("q")),
        .cancel(tid(1)), .nodeDown("n1"), .setStatus(aid("alice"), .away), .login(profile("bob", chat: 1)),
        .logout(aid("alice")), .upsertQueue(queue("other")), .setPolicy(FloorPolicy()),
    ]

    @Test("a command stamped past the end of year 9999 is refused as a bad argument and changes nothing",
          arguments: commands, pastTheEnd)
    func refusedPastTheEnd(_ command: Command, time: Int64) throws {
        var floor = try Self.floor()
        let digest = floor.engine.digest
        let observed = Observation(floor.engine)
        do {
            let events = try floor.engine.apply(command, at: at(time))
            Issue.record("accepted at \(time) ms, with events \(events)")
        } catch {
            #expect(error.code == "BAD_ARGUMENT", "\(error)")
        }
        #expect(floor.engine.digest == digest)
        #expect(Observation(floor.engine) == observed)
    }

    @Test("at the latest time the floor accepts, every command works and every time it computes is a year later at most")
    func latestTimeWorks() throws {
        let year: Int64 = 365 * 86_400_000
        let end = Timestamp.latest.milliseconds
        var floor = Floor(
            policy: FloorPolicy(affinityWindowMs: year, realTimeGraceMs: year, asyncGraceMs: year, declineCooldownMs: year),
            queues: [queue("q", sla: sla(year), offerTimeoutMs: year, wrapUpMs: year)],
            agents: [profile("alice", chat: 2, session: "n1"), profile("bob", chat: 1, session: "n2")])
        try floor.run(.setStatus(aid("bob"), .away))
        let (declined, offered) = try floor.submit(ticket("q", customer: "a"), at: end)
        #expect(offered.contains(.ticketOffered(declined, aid("alice"), expiresAt: at(end + year))))
        #expect(floor.engine.ticket(declined)?.deadline == at(end + year))
        try floor.run(.decline(declined, by: aid("alice")))  // waits, avoiding alice for a year
        let (kept, _) = try floor.submitAccepted(ticket("q", customer: "b"))
        try floor.run(.resolve(kept, by: aid("alice")))  // wrap-up for a year, an affinity entry
        #expect(floor.status("alice") == .wrapUp)
        try floor.submit(ticket("q", customer: "b"))  // affinity looks back from the end of time
        try floor.run(.setStatus(aid("bob"), .available))  // bob takes the declined ticket
        #expect(floor.owner(declined) == aid("bob"))
        try floor.run(.nodeDown("n2"))  // grace periods end a year later
        #expect(floor.tick(at: end).isEmpty)
        #expect(floor.engine.now == end)
        var restored = try RoutingEngine(snapshot: floor.engine.snapshot())
        #expect(restored.digest == floor.engine.digest)
        let next = floor.engine.nextDeadline()
        #expect(next == restored.nextDeadline())
        #expect(next.map { $0.milliseconds > end && $0.milliseconds <= end + year } == true, "next deadline \(String(describing: next))")
    }

    @Test("a command stamped before the origin counts as the engine's current time")
    func negativeStamp() throws {
        var floor = Floor(queues: [queue("q")])
        floor.tick(at: 5_000)
        let (id, _) = try floor.submit(ticket("q"))
        var engine = floor.engine
        _ = try engine.apply(.cancel(id), at: at(.min))
        #expect(engine.now == 5_000)
        #expect(engine.ticket(id)?.history.last?.at == at(5_000))
    }
}
