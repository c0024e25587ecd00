import Testing
@testable import SwitchboardCore

/// Long seeded random command sequences (every command kind, invalid ones included, ticks with
/// time moving on), with the floor's invariants and the routing decisions checked after every
/// step, and replays: from scratch, and from a snapshot taken part-way.
///
/// The checks read the public API (and, through `EngineProbe`, the few routing facts it does
/// not show). A failure names the seed and the step; rerun one seed with
/// `swift test --filter "invariantsHold"` and the seed in `seeds`.
///
/// The test is CPU-bound: it yields to the cooperative thread pool every `yieldEvery` steps, so
/// that the rest of `swift test` (transport and node tests with timeouts) keeps running beside it.
@Suite struct RandomisedInvariantTests {
    static let seeds: [UInt64] = [1, 0x5EED, 20_251_126, 0xDEAD_BEEF]
    static let steps = 2_000
    /// Where a snapshot is taken, restored and continued.
    static let cuts = [steps / 3, 2 * steps / 3]
    static let yieldEvery = 100

    @Test("random command sequences keep every invariant, decide by the rules, replay to the same digest, and survive a snapshot midway",
          arguments: seeds)
    func invariantsHold(seed: UInt64) async throws {
        var generator = CommandGenerator(seed: seed)
        let initialPolicy = generator.policy()
        var engine = RoutingEngine(policy: initialPolicy)
        var book = TicketBook()
        var facts = RoutingFacts()
        var ledger = EventLedger()
        var script: [(Command, Timestamp)] = []
        var outcomes: [Result<[Event], EngineError>] = []
        var snapshots: [Int: [UInt8]] = [:]
        var refused = 0, queuedSeen = 0, readySeen = 0
        // The engine's agents and totals as of the last step (read once per step: they are not free).
        var agents = engine.agentList(), totals = engine.totals()

        for step in 0..<Self.steps {
            if step % Self.yieldEvery == 0 { await Task.yield() }
            if Self.cuts.contains(step) { snapshots[step] = engine.snapshot() }
            let (command, time) = generator.next(agents: agents, queues: totals.queues, book: book)
            let before = engine, agentsBefore = agents, totalsBefore = totals
            let bookBefore = book, factsBefore = facts
            let outcome = Result<[Event], EngineError> { () throws(EngineError) in try engine.apply(command, at: time) }
            script.append((command, time))
            outcomes.append(outcome)
            agents = engine.agentList()
            totals = engine.totals()

            var problems: [String] = []
            switch outcome {
            case .success(let events):
                if time > Timestamp.latest { problems.append("a command stamped past Timestamp.latest was accepted") }
                book.absorb(events, from: engine)
                facts.absorb(command, events: events, before: before, after: engine, book: book)
                problems += ledger.record(events)
                problems += DecisionOracle.check(command, at: time, before: before, agentsBefore: agentsBefore, book: bookBefore,
                                                 facts: factsBefore, after: engine, events: events)
            case .failure(let error):
                // A refused command changes nothing, the clock included: the clock and the agents
                // every time, the whole state (the digest) every 20th time.
                refused += 1
                if time > Timestamp.latest, error.code != "BAD_ARGUMENT" {
                    problems.append("a command stamped past Timestamp.latest was refused with \(error), not as a bad argument")
                }
                if before.now != engine.now || agentsBefore != agents || totalsBefore != totals || before.policy != engine.policy {
                    problems.append("a refused command changed the clock or the public views")
                } else if refused % 20 == 0, before.digest != engine.digest || before.queueList() != engine.queueList() {
                    problems.append("a refused command changed the state")
                }
            }
            if step % 50 == 49 { problems += book.unannouncedChanges(in: engine) }
            if step % 250 == 249 {
                let bytes = engine.snapshot()
                problems += facts.disagreements(with: bytes)
                problems += Self.sameNextDeadlineWhenRestored(engine, from: bytes)
            }
            problems += Invariants.check(engine, agents: agents, totals: totals, book: book, facts: facts, full: step % 10 == 9)
            queuedSeen += totals.queued
            readySeen += totals.agentsAvailable
            if !problems.isEmpty {
                Issue.record("""
                    seed \(seed), step \(step) at \(time): \(command) → \(outcome)
                    \(problems.prefix(10).joined(separator: "\n"))
                    """)
                return
            }
        }
        // The sequence must exercise the engine, not idle: tickets, refusals, and on average both
        // waiting tickets and ready agents for the eligibility check to look at.
        #expect(book.tickets.count > 250, "seed \(seed): the sequence should create plenty of tickets")
        #expect(refused > 100, "seed \(seed): the sequence should include refused commands")
        #expect(queuedSeen >= 3 * Self.steps, "seed \(seed): tickets should wait, on average")
        #expect(readySeen >= Self.steps, "seed \(seed): agents should be ready, on average")

        // Replaying the same commands at the same times on a fresh engine gives the same events and digest.
        var replay = RoutingEngine(policy: initialPolicy)
        for (index, (command, time)) in script.enumerated() {
            if index % (5 * Self.yieldEvery) == 0 { await Task.yield() }
            let outcome = Result<[Event], EngineError> { () throws(EngineError) in try replay.apply(command, at: time) }
            if outcome != outcomes[index] {
                Issue.record("seed \(seed): replay differs at step \(index): \(command)")
                return
            }
        }
        #expect(replay.digest == engine.digest, "seed \(seed): replay digest")

        // A snapshot taken part-way, restored and continued, gives the same events and digest as never snapshotting.
        for cut in Self.cuts {
            let bytes = try #require(snapshots[cut])
            var restored: RoutingEngine
            do {
                restored = try RoutingEngine(snapshot: bytes)
            } catch {
                Issue.record("seed \(seed): the snapshot taken before step \(cut) is refused: \(error)")
                return
            }
            #expect(restored.snapshot() == bytes, "seed \(seed): snapshot at step \(cut) does not round-trip")
            for index in cut..<script.count {
                if index % (5 * Self.yieldEvery) == 0 { await Task.yield() }
                let (command, time) = script[index]
                let outcome = Result<[Event], EngineError> { () throws(EngineError) in try restored.apply(command, at: time) }
                if outcome != outcomes[index] {
                    Issue.record("""
                        seed \(seed): restored at step \(cut), differs at step \(index): \(command)
                        original: \(outcomes[index])
                        restored: \(outcome)
                        """)
                    return
                }
            }
            #expect(restored.digest == engine.digest, "seed \(seed): digest after restoring at step \(cut)")
        }
    }

    /// An engine and its restored copy report the same next deadline (and, after dropping the
    /// timers that no longer apply, the original's is one a tick would act on).
    static func sameNextDeadlineWhenRestored(_ engine: RoutingEngine, from bytes: [UInt8]) -> [String] {
        guard var restored = try? RoutingEngine(snapshot: bytes) else { return ["the engine's own snapshot is refused"] }
        var original = engine
        let expected = original.nextDeadline(), actual = restored.nextDeadline()
        return expected == actual ? [] : ["next deadline \(String(describing: expected)), restored \(String(describing: actual))"]
    }
}

// MARK: - The test's own view of the tickets

extension Event {
    /// The ticket an event is about, if any.
    var ticket: TicketID? {
        switch self {
        case .ticketCreated(let t), .ticketQueued(let t, _), .ticketOffered(let t, _, _), .ticketAssigned(let t, _),
             .ticketRevoked(let t, _, _), .offerDeclined(let t, _), .offerExpired(let t, _), .ticketResolved(let t, _),
             .ticketEscalated(let t, _), .ticketTransferred(let t, _), .ticketCancelled(let t), .slaWarning(let t),
             .slaBreached(let t):
            t
        default:
            nil
        }
    }
}

/// Every ticket's public view (without history), kept up to date from the events alone: a
/// ticket is looked up again only when an event names it. Comparing the book with the engine
/// now and then proves that no ticket changes without an event saying so (the node pushes
/// changes to agents from the events).
struct TicketBook {
    private(set) var tickets: [TicketInfo] = []
    /// Indices of the open tickets, ascending (closed tickets never change again).
    private(set) var open: [Int] = []
    /// Per queue, how many tickets closed resolved and cancelled.
    private(set) var closed: [String: (resolved: Int, cancelled: Int)] = [:]

    var openTickets: [TicketInfo] { open.map { tickets[$0] } }

    mutating func absorb(_ events: [Event], from engine: RoutingEngine) {
        var changed = false
        var named = Set(events.compactMap(\.ticket))
        // A queue's new rules change the requirement of its open tickets; the one event says so for all.
        for case .queueUpdated(let name) in events {
            for index in open where tickets[index].queue == name { named.insert(tickets[index].id) }
        }
        for id in named {
            guard let info = engine.ticketWithoutHistory(id) else { continue }
            let index = Int(id.raw - 1)
            if index >= tickets.count {
                while tickets.count <= index { tickets.append(info) }
                open.append(index)
                changed = true
            }
            tickets[index] = info
            if info.state.isClosed, let position = open.firstIndex(of: index) {
                open.remove(at: position)
                var counts = closed[info.queue, default: (0, 0)]
                if info.state == .resolved { counts.resolved += 1 } else { counts.cancelled += 1 }
                closed[info.queue] = counts
            }
        }
        if changed { open.sort() }
    }

    func unannouncedChanges(in engine: RoutingEngine) -> [String] {
        var problems: [String] = []
        if engine.totals().tickets != tickets.count {
            problems.append("the engine has \(engine.totals().tickets) tickets, the events announced \(tickets.count)")
        }
        for info in tickets where engine.ticketWithoutHistory(info.id) != info {
            problems.append("ticket \(info.id) changed without an event: \(info) → \(String(describing: engine.ticketWithoutHistory(info.id)))")
        }
        return problems
    }
}

/// The routing facts the public views do not show, derived from the events alone by the rules:
/// when each agent last got an offer or became available (longest idle), the order of offers
/// (round robin), who last resolved each customer's ticket and when (affinity), which tickets
/// went back to the front of the queue, and which agents each ticket avoids until when. Now and
/// then they are compared with what the snapshot stores, which checks both the engine and this
/// model of it.
struct RoutingFacts {
    /// An agent a ticket avoids, and when that agent's cool-down ends.
    struct Avoidance: Equatable {
        var agent: AgentID
        var until: Int64
    }

    var idleSince: [AgentID: Int64] = [:]
    var lastOffer: [AgentID: UInt64] = [:]
    var offers: UInt64 = 0
    var lastResolver: [String: (agent: AgentID, at: Int64)] = [:]
    var front: Set<TicketID> = []
    /// Per ticket, the agents it avoids, in the order the snapshot lists them. An entry whose
    /// cool-down has run out no longer steers decisions, but stays listed until the next tick
    /// (which routes the ticket again) or until the ticket avoids another agent.
    var avoided: [TicketID: [Avoidance]] = [:]
    /// When each ticket's latest offer expires: a missed offer's cool-down runs from there.
    var offerExpiry: [TicketID: Int64] = [:]

    /// Whether the ticket avoids the agent at `now`, for a routing decision.
    func avoids(_ ticket: TicketID, _ agent: AgentID, now: Int64) -> Bool {
        avoided[ticket]?.contains { $0.agent == agent && $0.until > now } ?? false
    }

    /// The agents the ticket still lists as avoided, run-out cool-downs included.
    func listed(_ ticket: TicketID) -> [AgentID] {
        avoided[ticket]?.map(\.agent) ?? []
    }

    mutating func absorb(_ command: Command, events: [Event], before: RoutingEngine, after: RoutingEngine, book: TicketBook) {
        let now = after.now
        let cooldown = after.policy.declineCooldownMs
        for (position, event) in events.enumerated() {
            switch event {
            case .ticketOffered(let ticket, let agent, let expiresAt):
                offerExpiry[ticket] = expiresAt.milliseconds
                offered(agent, at: now)
            case .ticketAssigned(let ticket, let agent):
                // An auto-accepted offer; not an accept, nor a transfer to a named agent (announced just before).
                if case .accept = command { break }
                if position > 0, case .ticketTransferred(ticket, .agent(agent)) = events[position - 1] { break }
                offered(agent, at: now)
            case .agentStatusChanged(let agent, .available):
                idleSince[agent] = now
            case .agentLoggedIn(let agent):
                if (before.agent(agent)?.status ?? .offline) == .offline { idleSince[agent] = now }
            case .ticketResolved(let ticket, let agent):
                lastResolver[book.tickets[Int(ticket.raw - 1)].customer] = (agent, now)
                avoided[ticket] = nil
            case .ticketCancelled(let ticket):
                avoided[ticket] = nil
            case .ticketRevoked(let ticket, _, .sessionLost) where book.tickets[Int(ticket.raw - 1)].channel.isRealTime:
                front.insert(ticket)
            case .ticketRevoked(let ticket, let agent, .escalated), .ticketRevoked(let ticket, let agent, .transferred):
                // An agent passing its own ticket on does not get it straight back; an admin adds no avoidance.
                switch command {
                case .escalate(_, .some, _), .transfer(_, .some, .queue):
                    avoid(ticket, agent, until: now + cooldown, now: now)
                default:
                    break
                }
            case .offerDeclined(let ticket, let agent):
                avoid(ticket, agent, until: now + cooldown, now: now)
            case .offerExpired(let ticket, let agent):
                avoid(ticket, agent, until: offerExpiry[ticket]! + cooldown, now: now)
            default:
                break
            }
        }
        // Every cool-down that has run out by a tick is over when the tick is done.
        if case .tick = command {
            for (ticket, list) in avoided {
                let remaining = list.filter { $0.until > now }
                avoided[ticket] = remaining.isEmpty ? nil : remaining
            }
        }
    }

    /// The ticket avoids the agent until `until`: the agent's earlier entry is replaced, and
    /// entries of other agents whose cool-down has run out are dropped.
    private mutating func avoid(_ ticket: TicketID, _ agent: AgentID, until: Int64, now: Int64) {
        var list = (avoided[ticket] ?? []).filter { $0.agent != agent && $0.until > now }
        list.append(Avoidance(agent: agent, until: until))
        avoided[ticket] = list
    }

    private mutating func offered(_ agent: AgentID, at now: Int64) {
        offers += 1
        lastOffer[agent] = offers
        idleSince[agent] = now
    }

    /// Where these facts and the engine's snapshot disagree.
    func disagreements(with snapshot: [UInt8]) -> [String] {
        guard let model = try? SnapshotModel(snapshot) else { return ["the snapshot does not follow the documented format"] }
        var problems: [String] = []
        if model.offerSequence != offers { problems.append("\(offers) offers announced, the snapshot counts \(model.offerSequence)") }
        let ids = model.agents.map { AgentID($0.id) }
        for (index, agent) in model.agents.enumerated() {
            let id = ids[index]
            if agent.idleSince != idleSince[id] || agent.lastOffer != lastOffer[id, default: 0] || agent.order != UInt32(index) {
                problems.append("agent \(id): idle since \(agent.idleSince), last offer \(agent.lastOffer), order \(agent.order) "
                                + "in the snapshot; by the events \(String(describing: idleSince[id])), \(lastOffer[id, default: 0]), \(index)")
            }
        }
        for (index, ticket) in model.tickets.enumerated() {
            let id = TicketID(UInt64(index + 1))
            let stored = ticket.avoided.map { Avoidance(agent: ids[Int($0.agent)], until: $0.until) }
            let expected = avoided[id] ?? []
            if stored != expected {
                problems.append("ticket \(id) avoids \(stored) in the snapshot; by the events \(expected)")
            }
            if ticket.state <= TicketState.assigned.rawValue, (ticket.rank == 0) != front.contains(id) {
                problems.append("ticket \(id) has rank \(ticket.rank) in the snapshot; by the events front = \(front.contains(id))")
            }
        }
        let stored = Dictionary(uniqueKeysWithValues: model.affinity.map { ($0.customer, (ids[Int($0.agent)], $0.at)) })
        if stored.count != lastResolver.count
            || stored.contains(where: { lastResolver[$0.key]?.agent != $0.value.0 || lastResolver[$0.key]?.at != $0.value.1 }) {
            problems.append("affinity in the snapshot \(stored) differs from the resolves announced \(lastResolver)")
        }
        return problems
    }
}

// MARK: - Invariants

enum Invariants {
    /// - Parameter full: also compare every queue's figures (the floor totals, their sums, are
    ///   compared every time; a queue's figures are counters, so a wrong one stays wrong).
    static func check(_ engine: RoutingEngine, agents: [AgentInfo], totals: FloorTotals, book: TicketBook, facts: RoutingFacts,
                      full: Bool) -> [String] {
        var problems: [String] = []
        problems += ownership(engine, agents: agents, book: book)
        problems += capacity(agents: agents, book: book)
        problems += counters(engine, totals: totals, book: book, perQueue: full)
        if problems.isEmpty { problems += noQueuedTicketHasAReadyAgent(agents: agents, book: book, facts: facts) }
        return problems
    }

    /// No ticket lost or duplicated: every open ticket is either waiting in exactly one waiting
    /// heap with no owner, or held by exactly one agent (its owner) whose list holds it exactly
    /// once; closed tickets are nowhere.
    static func ownership(_ engine: RoutingEngine, agents: [AgentInfo], book: TicketBook) -> [String] {
        var problems: [String] = []
        var holders: [Int: [AgentID]] = [:]
        for agent in agents {
            if Set(agent.tickets).count != agent.tickets.count { problems.append("agent \(agent.id) lists a ticket twice: \(agent.tickets)") }
            for id in agent.tickets {
                guard id.raw >= 1, Int(id.raw) <= book.tickets.count, !book.tickets[Int(id.raw - 1)].state.isClosed else {
                    problems.append("agent \(agent.id) holds ticket \(id), which is closed or was never announced")
                    continue
                }
                holders[Int(id.raw - 1), default: []].append(agent.id)
            }
        }
        var inHeaps: [Int: Int] = [:]
        for index in engine.probeWaitingTickets() { inHeaps[index, default: 0] += 1 }
        let avoiders = engine.probeWaitingAvoiders()
        if avoiders.kept != avoiders.counted {
            problems.append("\(avoiders.kept) waiting tickets counted as avoiding agents, \(avoiders.counted) in the heaps")
        }
        for (index, count) in inHeaps where index >= book.tickets.count || book.tickets[index].state != .queued {
            let what = index < book.tickets.count ? "\(book.tickets[index].state) ticket \(book.tickets[index].id)" : "unannounced ticket index \(index)"
            problems.append("\(what) is in \(count) waiting heaps")
        }
        for index in book.open {
            let info = book.tickets[index]
            let held = holders[index, default: []]
            switch info.state {
            case .queued:
                if info.owner != nil || !held.isEmpty || inHeaps[index] != 1 {
                    problems.append("queued ticket \(info.id): owner \(String(describing: info.owner)), held by \(held), "
                                    + "in \(inHeaps[index, default: 0]) waiting heaps")
                }
            default:
                if info.owner == nil || held != [info.owner!] {
                    problems.append("\(info.state) ticket \(info.id): owner \(String(describing: info.owner)), held by \(held)")
                }
            }
        }
        return problems
    }

    /// No agent over capacity on any channel or in total; its load is what it holds; an offline agent holds nothing.
    static func capacity(agents: [AgentInfo], book: TicketBook) -> [String] {
        var problems: [String] = []
        for agent in agents {
            var held = [0, 0, 0, 0]
            for id in agent.tickets where Int(id.raw) <= book.tickets.count {
                held[Int(book.tickets[Int(id.raw - 1)].channel.rawValue)] += 1
            }
            if held != agent.load { problems.append("agent \(agent.id) has load \(agent.load) but holds \(held)") }
            for channel in Channel.allCases where agent.load[Int(channel.rawValue)] > agent.capacity[channel] {
                problems.append("agent \(agent.id) holds \(agent.load[Int(channel.rawValue)]) \(channel) tickets, capacity \(agent.capacity[channel])")
            }
            if agent.load.reduce(0, +) > agent.capacity.effectiveTotal {
                problems.append("agent \(agent.id) holds \(agent.load.reduce(0, +)) tickets, total capacity \(agent.capacity.effectiveTotal)")
            }
            if agent.status == .offline && !agent.tickets.isEmpty { problems.append("offline agent \(agent.id) holds \(agent.tickets)") }
        }
        return problems
    }

    /// Per-queue figures and floor totals equal a recount of the tickets.
    static func counters(_ engine: RoutingEngine, totals: FloorTotals, book: TicketBook, perQueue: Bool) -> [String] {
        var problems: [String] = []
        var recount: [String: [Int]] = [:]
        for (queue, counts) in book.closed { recount[queue] = [0, 0, 0, counts.resolved, counts.cancelled, 0] }
        for index in book.open {
            let info = book.tickets[index]
            var figures = recount[info.queue, default: [0, 0, 0, 0, 0, 0]]
            figures[Int(info.state.rawValue)] += 1
            if info.slaBreached { figures[5] += 1 }
            recount[info.queue] = figures
        }
        if perQueue {
            for queue in engine.queueList() {
                let figures = [queue.waiting, queue.offered, queue.assigned, queue.resolved, queue.cancelled, queue.slaBreached]
                let expected = recount[queue.config.name, default: [0, 0, 0, 0, 0, 0]]
                if figures != expected { problems.append("queue \(queue.config.name) reports \(figures), a recount gives \(expected)") }
            }
        }
        let sums = (0..<6).map { column in recount.values.map { $0[column] }.reduce(0, +) }
        let reported = [totals.queued, totals.offered, totals.assigned, totals.resolved, totals.cancelled, totals.slaBreached]
        if reported != sums || totals.tickets != book.tickets.count {
            problems.append("floor totals \(totals) disagree with a recount \(sums)")
        }
        return problems
    }

    /// Every queued ticket has been checked for eligibility: no queued ticket has a ready,
    /// eligible agent with room that it does not avoid. Brute force over every agent, once per
    /// kind of ticket (requirement and channel), then per ticket for the agents it avoids. An
    /// agent whose cool-down ran out still counts as avoided until the next tick routes the
    /// ticket again.
    static func noQueuedTicketHasAReadyAgent(agents: [AgentInfo], book: TicketBook, facts: RoutingFacts) -> [String] {
        struct Kind: Hashable {
            var skills: [SkillLevel]
            var tier: Int
            var channel: Channel
        }
        var problems: [String] = []
        let ready = agents.filter { $0.status == .available && !$0.sessionLost }
        let levels = ready.map(DecisionOracle.levels)
        // Per channel, the ready agents with room on it: most queued tickets have none to check.
        let roomOn = Channel.allCases.map { channel in
            ready.indices.filter { DecisionOracle.hasRoom(ready[$0], load: ready[$0].load, on: channel) }
        }
        var candidatesByKind: [Kind: [AgentID]] = [:]
        for index in book.open where book.tickets[index].state == .queued {
            let info = book.tickets[index]
            let withRoom = roomOn[Int(info.channel.rawValue)]
            guard !withRoom.isEmpty else { continue }
            let kind = Kind(skills: info.requiredSkills, tier: info.minimumTier, channel: info.channel)
            let candidates = candidatesByKind[kind] ?? {
                let found = withRoom.filter {
                    DecisionOracle.meets(levels[$0], tier: ready[$0].tier, info.requiredSkills, minimumTier: info.minimumTier)
                }.map { ready[$0].id }
                candidatesByKind[kind] = found
                return found
            }()
            guard !candidates.isEmpty else { continue }
            let avoided = facts.listed(info.id)
            for agent in candidates where !avoided.contains(agent) {
                problems.append("queued ticket \(info.id) (\(info.channel), tier \(info.minimumTier), \(info.requiredSkills)) "
                                + "waits while agent \(agent) is ready and eligible")
            }
        }
        return problems
    }
}

/// Recomputes the two routing decisions by brute force over the state before the command, from
/// the rules rather than the indexes, and compares them with what the engine did:
/// - a new ticket goes to the customer's recent agent if it is ready and eligible within the
///   affinity window, else to the best ready eligible agent by the queue's strategy;
/// - an agent freed by a resolve (without wrap-up) or a cancel takes the waiting tickets it may
///   take and does not avoid, front-of-queue first, then by SLA deadline, then by id, while it has room.
enum DecisionOracle {
    static func check(_ command: Command, at time: Timestamp, before: RoutingEngine, agentsBefore: [AgentInfo], book: TicketBook,
                      facts: RoutingFacts, after: RoutingEngine, events: [Event]) -> [String] {
        let now = max(before.now, time.milliseconds)
        switch command {
        case .escalate(let id, let by, _):
            return takenFromHolder(id, by: by, reason: .escalated, then: .ticketEscalated(id, tier: after.ticket(id)!.minimumTier),
                                   book: book, policy: after.policy, events: events)
        case .transfer(let id, let by, let target):
            if case .queue = target {
                return takenFromHolder(id, by: by, reason: .transferred, then: .ticketTransferred(id, to: target),
                                       book: book, policy: after.policy, events: events)
            }
            return takenFromHolder(id, by: nil, reason: .transferred, then: .ticketTransferred(id, to: target),
                                   book: book, policy: after.policy, events: events)
        case .cancel(let id):
            var problems = takenFromHolder(id, by: nil, reason: .cancelled, then: .ticketCancelled(id), book: book,
                                           policy: after.policy, events: events)
            let info = book.tickets[Int(id.raw - 1)]
            if let owner = info.owner {
                problems += freedAgent(owner, freeing: info, before: before, book: book, facts: facts, now: now, events: events)
            }
            return problems
        case .submit:
            return newTicket(before: before, agents: agentsBefore, facts: facts, after: after, now: now, events: events)
        case .resolve(let id, let agent):
            let info = book.tickets[Int(id.raw - 1)]
            let wrapUp = before.queue(info.queue)!.config.wrapUpMs
            if wrapUp > 0 && before.agent(agent)!.status == .available {
                let offers = events.offers.filter { $0.1 == agent }
                return offers.isEmpty ? [] : ["agent \(agent) going into wrap-up was offered \(offers.map(\.0))"]
            }
            return freedAgent(agent, freeing: info, before: before, book: book, facts: facts, now: now, events: events)
        default:
            return []
        }
    }

    /// A ticket taken from its holder (escalation, transfer, cancel) is announced as revoked
    /// first, then what happened to it; a holder that passed its own ticket on (`by` the holder)
    /// is not given it back in the same command while the decline cool-down lasts.
    static func takenFromHolder(_ id: TicketID, by: AgentID?, reason: RequeueReason, then next: Event, book: TicketBook,
                                policy: FloorPolicy, events: [Event]) -> [String] {
        let holder = book.tickets[Int(id.raw - 1)].owner
        let about = events.filter { $0.ticket == id }
        let expected: [Event] = (holder.map { [.ticketRevoked(id, $0, reason: reason)] } ?? []) + [next]
        var problems: [String] = []
        if Array(about.prefix(expected.count)) != expected {
            problems.append("ticket \(id) events \(about), expected them to start with \(expected)")
        }
        if let by, let holder, by == holder, policy.declineCooldownMs > 0,
           events.offer(of: id) == holder || events.assignment(of: id) == holder {
            problems.append("agent \(holder) passed ticket \(id) on and got it straight back")
        }
        return problems
    }

    /// An agent's level per skill.
    static func levels(_ agent: AgentInfo) -> [String: Int] {
        Dictionary(agent.skills.map { ($0.skill, $0.level) }, uniquingKeysWith: max)
    }

    /// Whether an agent with these levels and tier is eligible for a requirement.
    static func meets(_ levels: [String: Int], tier: Int, _ skills: [SkillLevel], minimumTier: Int) -> Bool {
        tier >= minimumTier && skills.allSatisfy { levels[$0.skill, default: 0] >= $0.level }
    }

    static func meets(_ agent: AgentInfo, _ skills: [SkillLevel], tier: Int) -> Bool {
        meets(levels(agent), tier: agent.tier, skills, minimumTier: tier)
    }

    static func hasRoom(_ agent: AgentInfo, load: [Int], on channel: Channel) -> Bool {
        agent.status == .available && !agent.sessionLost && load[Int(channel.rawValue)] < agent.capacity[channel]
            && load.reduce(0, +) < agent.capacity.effectiveTotal
    }

    static func newTicket(before: RoutingEngine, agents: [AgentInfo], facts: RoutingFacts, after: RoutingEngine, now: Int64,
                          events: [Event]) -> [String] {
        guard let id = events.created.first, let info = after.ticketWithoutHistory(id) else { return [] }
        let candidates = agents.filter {
            hasRoom($0, load: $0.load, on: info.channel) && meets($0, info.requiredSkills, tier: info.minimumTier)
        }
        var expected: AgentID?
        if let last = facts.lastResolver[info.customer], now - last.at <= before.policy.affinityWindowMs,
           candidates.contains(where: { $0.id == last.agent }) {
            expected = last.agent
        } else {
            let strategy = after.queue(info.queue)!.config.strategy
            let loginOrder = Dictionary(uniqueKeysWithValues: agents.enumerated().map { ($1.id, $0) })
            func better(_ a: AgentInfo, _ b: AgentInfo) -> Bool {
                let ka = (idleSince: facts.idleSince[a.id]!, lastOffer: facts.lastOffer[a.id, default: 0], loginOrder: loginOrder[a.id]!)
                let kb = (idleSince: facts.idleSince[b.id]!, lastOffer: facts.lastOffer[b.id, default: 0], loginOrder: loginOrder[b.id]!)
                switch strategy {
                case .leastLoaded:
                    // Utilisation compared exactly, by cross-multiplying.
                    let ua = a.load.reduce(0, +) * max(b.capacity.effectiveTotal, 1)
                    let ub = b.load.reduce(0, +) * max(a.capacity.effectiveTotal, 1)
                    if ua != ub { return ua < ub }
                    if ka.idleSince != kb.idleSince { return ka.idleSince < kb.idleSince }
                case .longestIdle:
                    if ka.idleSince != kb.idleSince { return ka.idleSince < kb.idleSince }
                case .roundRobin:
                    if ka.lastOffer != kb.lastOffer { return ka.lastOffer < kb.lastOffer }
                }
                return ka.loginOrder < kb.loginOrder
            }
            expected = candidates.min(by: better)?.id
        }
        let actual = events.offer(of: id) ?? events.assignment(of: id)
        return actual == expected ? [] : ["new ticket \(id) went to \(actual?.name ?? "nobody"), the rules say \(expected?.name ?? "nobody")"]
    }

    static func freedAgent(_ id: AgentID, freeing ticket: TicketInfo, before: RoutingEngine, book: TicketBook,
                           facts: RoutingFacts, now: Int64, events: [Event]) -> [String] {
        let agent = before.agent(id)!
        let agentLevels = levels(agent)
        var load = agent.load
        load[Int(ticket.channel.rawValue)] -= 1
        var waiting = book.openTickets.filter { info in
            guard info.state == .queued, meets(agentLevels, tier: agent.tier, info.requiredSkills, minimumTier: info.minimumTier)
            else { return false }
            return !facts.avoids(info.id, id, now: now)
        }.map { info in (key: (facts.front.contains(info.id) ? 0 : 1, info.deadline.milliseconds, info.id.raw), info: info) }
        waiting.sort { $0.key < $1.key }
        var expected: [TicketID] = []
        while let next = waiting.firstIndex(where: { hasRoom(agent, load: load, on: $0.info.channel) }) {
            expected.append(waiting[next].info.id)
            load[Int(waiting[next].info.channel.rawValue)] += 1
            waiting.remove(at: next)
        }
        let actual = events.compactMap { event -> TicketID? in
            switch event {
            case .ticketOffered(let t, let a, _) where a == id: t
            case .ticketAssigned(let t, let a) where a == id: t
            default: nil
            }
        }
        return actual == expected ? [] : ["freed agent \(id) took \(actual), the rules say \(expected)"]
    }
}

/// What the events of a whole run must respect: ticket ids handed out in order, and at most one
/// SLA warning and one breach per ticket, the warning first.
struct EventLedger {
    private(set) var created = 0
    private var warned = Set<TicketID>()
    private var breached = Set<TicketID>()

    mutating func record(_ events: [Event]) -> [String] {
        var problems: [String] = []
        for event in events {
            switch event {
            case .ticketCreated(let id):
                created += 1
                if id.raw != UInt64(created) { problems.append("ticket \(id) created as number \(created)") }
            case .slaWarning(let id):
                if !warned.insert(id).inserted { problems.append("second SLA warning for ticket \(id)") }
            case .slaBreached(let id):
                if !warned.contains(id) { problems.append("SLA breach before any warning for ticket \(id)") }
                if !breached.insert(id).inserted { problems.append("second SLA breach for ticket \(id)") }
            default: break
            }
        }
        return problems
    }
}

// MARK: - Random commands

/// Makes commands that mostly make sense for the engine's current state (accept what is
/// offered, resolve what is assigned, …) and sometimes do not, with time moving on.
struct CommandGenerator {
    var rng: SplitMix64
    private(set) var clock: Int64 = 1_000

    static let skillPool = ["linux", "dns", "mail", "wp", "db", "billing"]
    static let queueNames = ["hosting", "domains", "billing", "vip", "mail"]
    static let agentNames = (0..<10).map { "agent\($0)" }
    /// Session tags: whole nodes and single connections (`node#connection`).
    static let sessions = ["n1", "n2", "n3", "n1#1", "n1#2", "n2#1"]
    static let badNames = ["", "has space", "a=b", "x,y", "k:v", "tab\tbed", String(repeating: "z", count: 70)]

    init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &rng) }
    mutating func ms(_ range: ClosedRange<Int64>) -> Int64 { Int64.random(in: range, using: &rng) }
    mutating func chance(_ percent: Int) -> Bool { int(1...100) <= percent }
    mutating func pick<T>(_ items: [T]) -> T { items[int(0...items.count - 1)] }

    mutating func policy() -> FloorPolicy {
        FloorPolicy(
            affinityWindowMs: ms(0...600_000), realTimeGraceMs: ms(0...60_000), asyncGraceMs: ms(0...400_000),
            missesBeforeAway: int(1...6), slaWarningPercent: int(1...100), declineCooldownMs: ms(0...90_000))
    }

    mutating func skillList(maximum: Int, levels: ClosedRange<Int> = 1...5) -> [SkillLevel] {
        (0..<int(0...maximum)).map { _ in SkillLevel(pick(Self.skillPool), level: int(levels)) }
    }

    mutating func queueConfig(_ name: String) -> QueueConfig {
        QueueConfig(
            name: name, defaultSkills: skillList(maximum: 1, levels: 1...3), minimumTier: chance(80) ? 1 : int(2...3),
            sla: SLATargets(urgent: ms(1_000...60_000), high: ms(5_000...120_000), normal: ms(10_000...300_000),
                            low: ms(20_000...900_000)),
            strategy: pick(RoutingStrategy.allCases), offerTimeoutMs: ms(1_000...40_000),
            wrapUpMs: chance(50) ? 0 : ms(1...15_000))
    }

    mutating func capacity() -> Capacity {
        Capacity(chat: int(0...3), email: int(0...4), phone: int(0...1), web: int(0...3), total: chance(30) ? int(0...6) : nil)
    }

    mutating func profile(_ name: String, atLeast load: [Int]? = nil) -> AgentProfile {
        var capacity = capacity()
        if let load, !chance(10) {
            // Mostly not below what the agent holds (a login below it is refused: the rest of the
            // time it tests that, through the refusal checks and the capacity invariant).
            for channel in Channel.allCases { capacity[channel] = max(capacity[channel], load[Int(channel.rawValue)]) }
            if let total = capacity.total { capacity.total = max(total, load.reduce(0, +)) }
        }
        return AgentProfile(
            id: AgentID(name), skills: skillList(maximum: 4), tier: chance(60) ? 1 : int(2...4), capacity: capacity,
            autoAccept: chance(15), session: pick(Self.sessions))
    }

    mutating func submission(queues: [String]) -> TicketSubmission {
        TicketSubmission(
            customer: chance(2) ? "" : "cust\(int(0...24))", channel: pick(Channel.allCases), priority: pick(Priority.allCases),
            queue: chance(3) ? "nowhere" : pick(queues), skills: chance(15) ? skillList(maximum: 2, levels: 1...4) : [],
            minimumTier: chance(90) ? 1 : int(1...4), subject: chance(50) ? "" : "printer on fire")
    }

    mutating func someAgent() -> AgentID { chance(5) ? AgentID("ghost") : AgentID(pick(Self.agentNames)) }

    mutating func someTicket(_ book: TicketBook) -> TicketID { TicketID(UInt64(int(0...book.tickets.count + 2))) }

    /// The next command and its time, for a floor with these agents and this many queues.
    mutating func next(agents: [AgentInfo], queues: Int, book: TicketBook) -> (Command, Timestamp) {
        // Time: mostly small steps, sometimes long ones; now and then a stamp from the past.
        let roll = int(1...100)
        if roll <= 60 { clock += ms(0...500) } else if roll <= 90 { clock += ms(0...5_000) } else if roll <= 98 {
            clock += ms(0...30_000)
        } else { clock += ms(0...300_000) }
        var time = chance(3) ? Timestamp(milliseconds: clock - ms(1...50_000)) : Timestamp(milliseconds: clock)
        // Rarely, a stamp past the end of year 9999, which every command must refuse.
        if chance(1) { time = Timestamp(milliseconds: pick([Timestamp.latest.milliseconds + 1, .max - 1, .max])) }
        return (command(agents: agents, queues: queues, book: book), time)
    }

    mutating func command(agents: [AgentInfo], queues queueCount: Int, book: TicketBook) -> Command {
        // Queues are only ever created from `queueNames`, in order (bad names are refused).
        let queues = Array(Self.queueNames.prefix(queueCount))
        let agentCount = agents.count
        if queues.count < 2 { return .upsertQueue(queueConfig(Self.queueNames[queues.count])) }
        if agentCount < 3 { return .login(profile(Self.agentNames[agentCount])) }
        let open = book.open
        func inState(_ state: TicketState) -> [TicketInfo] { open.map { book.tickets[$0] }.filter { $0.state == state } }
        func anyOpen() -> TicketID { open.isEmpty || chance(10) ? someTicket(book) : book.tickets[pick(open)].id }
        func owner(_ id: TicketID) -> AgentID? { Int(id.raw) <= book.tickets.count && id.raw > 0 ? book.tickets[Int(id.raw - 1)].owner : nil }
        switch int(1...100) {
        case 1...20:
            return .submit(submission(queues: queues))
        case 21...32:
            return .tick
        case 33...48:
            let offered = inState(.offered)
            guard !offered.isEmpty, !chance(8) else { return .accept(someTicket(book), by: someAgent()) }
            let info = pick(offered)
            return .accept(info.id, by: info.owner!)
        case 49...53:
            let offered = inState(.offered)
            guard !offered.isEmpty, !chance(10) else { return .decline(someTicket(book), by: someAgent()) }
            let info = pick(offered)
            return .decline(info.id, by: info.owner!)
        case 54...65:
            let assigned = inState(.assigned)
            guard !assigned.isEmpty, !chance(8) else { return .resolve(someTicket(book), by: someAgent()) }
            let info = pick(assigned)
            return .resolve(info.id, by: info.owner!)
        case 66...68:
            let id = anyOpen()
            let by = chance(50) ? owner(id) : (chance(20) ? someAgent() : nil)
            return .escalate(id, by: by, toTier: chance(60) ? nil : int(0...10))
        case 69...72:
            let id = anyOpen()
            let by = chance(50) ? owner(id) : nil
            let target: TransferTarget = chance(50) ? .queue(chance(5) ? "nowhere" : pick(queues)) : .agent(someAgent())
            return .transfer(id, by: by, to: target)
        case 73...76:
            return .cancel(anyOpen())
        case 77...81:
            let name = pick(Self.agentNames)
            return .login(profile(name, atLeast: agents.first { $0.id.name == name }?.load))
        case 82...83:
            return .logout(someAgent())
        case 84...89:
            let status: AgentStatus = chance(8) ? pick([.offline, .wrapUp]) : (chance(75) ? .available : .away)
            return .setStatus(someAgent(), status)
        case 90...92:
            return .nodeDown(pick(Self.sessions))
        case 93...95:
            return .nodeUp(pick(Self.sessions))
        case 96:
            return .setPolicy(policy())
        case 97:
            let name = queues.count < Self.queueNames.count && chance(50) ? Self.queueNames[queues.count] : pick(queues)
            return .upsertQueue(queueConfig(name))
        default:
            return junk(queues: queues)
        }
    }

    /// Commands that must be refused.
    mutating func junk(queues: [String]) -> Command {
        let bad = pick(Self.badNames)
        switch int(1...11) {
        case 10: return .nodeDown(pick(["", "bad\nnode"]))
        case 11: return .nodeUp(pick(["", "bad\u{7F}node"]))
        case 1: return .login(AgentProfile(id: AgentID(bad), skills: [], capacity: Capacity(chat: 1)))
        case 2: return .login(AgentProfile(id: AgentID("agent0"), skills: [SkillLevel("linux", level: pick([0, 6, -1]))],
                                           capacity: Capacity(chat: 1)))
        case 3: return .login(AgentProfile(id: AgentID("agent1"), skills: [], tier: pick([0, 10]), capacity: Capacity(chat: 1)))
        case 4: return .login(AgentProfile(id: AgentID("agent2"), skills: [], capacity: Capacity(chat: -1, total: pick([nil, -2]))))
        case 5: return .upsertQueue(QueueConfig(name: bad))
        case 6: return .submit(TicketSubmission(customer: "c", channel: .chat, queue: pick(queues), skills: [SkillLevel(bad)]))
        case 7: return .submit(TicketSubmission(customer: "c", channel: .email, queue: pick(queues), minimumTier: pick([0, 10, -4])))
        case 8: return .setPolicy(FloorPolicy(missesBeforeAway: pick([0, 101]), slaWarningPercent: 80))
        default: return .upsertQueue(QueueConfig(name: "hosting", offerTimeoutMs: pick([0, -1])))
        }
    }
}
