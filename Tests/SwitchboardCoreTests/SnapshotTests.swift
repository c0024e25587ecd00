import Foundation
import Testing
@testable import SwitchboardCore

/// Determinism: the same commands at the same times give the same events and the same digest.
@Suite struct DeterminismTests {
    @Test("the same commands at the same times give the same events and the same digest")
    func sameCommandsSameResult() throws {
        let script = try Scenarios.busyDay().log
        var first = RoutingEngine(), second = RoutingEngine()
        for (step, (command, time)) in script.enumerated() {
            let a = try first.apply(command, at: time)
            let b = try second.apply(command, at: time)
            #expect(a == b, "step \(step): \(command)")
        }
        #expect(first.digest == second.digest)
        #expect(first.snapshot() == second.snapshot())
        #expect(Observation(first) == Observation(second))
    }

    @Test("the scripted day really exercises the engine")
    func scenarioCoverage() throws {
        let floor = try Scenarios.busyDay()
        let states = Set(floor.engine.tickets().map(\.state))
        #expect(states == Set(TicketState.allCases))
        let statuses = Set(floor.engine.agentList().map(\.status))
        #expect(statuses.isSuperset(of: [.available, .away, .wrapUp]))
        #expect(floor.engine.agentList().contains { $0.sessionLost })
        #expect(floor.engine.tickets().contains { $0.slaBreached })
        #expect(floor.engine.tickets().contains { $0.history.contains { $0.event == "escalated" } })
        #expect(floor.engine.tickets().contains { $0.history.contains { $0.event == "transferred" } })
        #expect(floor.engine.tickets().contains { $0.history.contains { $0.event == "declined" } })
        #expect(floor.engine.tickets().contains { $0.history.contains { $0.event == "expired" } })
        #expect(!floor.engine.tickets(state: .queued).isEmpty)
    }

    @Test("a copy of the engine is an independent value")
    func valueSemantics() throws {
        var floor = try Scenarios.busyDay()
        let copy = floor.engine
        let digest = copy.digest
        try floor.submit(ticket("hosting", customer: "new"), at: floor.clock + 1)
        floor.tick(at: floor.clock + 10_000_000)
        #expect(copy.digest == digest)
        #expect(floor.engine.digest != digest)
    }

    @Test("a command stamped before the engine's time happens at the engine's time")
    func earlierTimeCountsAsNow() throws {
        let base = try Scenarios.busyDay()
        var late = base.engine, onTime = base.engine
        let a = try late.apply(.submit(ticket("hosting", customer: "x")), at: at(0))
        let b = try onTime.apply(.submit(ticket("hosting", customer: "x")), at: at(base.engine.now))
        #expect(a == b)
        #expect(late.digest == onTime.digest)
    }

    @Test("the digest is the snapshot's checksum and tells different states apart")
    func digestIsTheChecksum() throws {
        let floor = try Scenarios.busyDay()
        let bytes = floor.engine.snapshot()
        var hash = StateHash()
        hash.combine(bytes.dropLast(8))
        #expect(floor.engine.digest == hash.value)
        var other = floor.engine
        _ = try other.apply(.setStatus(aid("dan"), .away), at: at(floor.clock))
        #expect(other.digest != floor.engine.digest)
    }
}

/// Snapshots: `RoutingEngine(snapshot:)` restores exactly what `snapshot()` saved, and damaged
/// bytes throw `SnapshotError` instead of crashing.
@Suite struct SnapshotTests {
    @Test("an empty engine round-trips")
    func emptyRoundTrip() throws {
        let engine = RoutingEngine(policy: FloorPolicy(affinityWindowMs: 1, missesBeforeAway: 7))
        let restored = try RoutingEngine(snapshot: engine.snapshot())
        #expect(restored.snapshot() == engine.snapshot())
        #expect(restored.policy == engine.policy)
    }

    @Test("after every step of a busy day, restoring the snapshot gives the same bytes and the same answers")
    func roundTripAtEveryStep() throws {
        let script = try Scenarios.busyDay().log
        var engine = RoutingEngine()
        for (step, (command, time)) in script.enumerated() {
            _ = try engine.apply(command, at: time)
            let bytes = engine.snapshot()
            let restored = try RoutingEngine(snapshot: bytes)
            #expect(restored.snapshot() == bytes, "step \(step)")
            #expect(restored.digest == engine.digest, "step \(step)")
            #expect(Observation(restored) == Observation(engine), "step \(step)")
        }
    }

    @Test("a restored engine reports the same next deadline as the original, not an accepted offer's old expiry")
    func nextDeadlineAfterRestore() throws {
        var floor = Floor(queues: [queue("q", sla: sla(60_000), offerTimeoutMs: 15_000)], agents: [profile("alice", chat: 1)])
        let (id, _) = try floor.submit(ticket("q"), at: 1_000)
        try floor.run(.accept(id, by: aid("alice")), at: 2_000)
        var restored = try RoutingEngine(snapshot: floor.engine.snapshot())
        #expect(restored.digest == floor.engine.digest)
        // Nothing is due at the accepted offer's old expiry (16 000): a tick there changes nothing.
        var probe = floor.engine
        #expect(try probe.apply(.tick, at: at(16_000)).isEmpty)
        #expect(floor.engine.nextDeadline() == nil)
        #expect(restored.nextDeadline() == nil)
    }

    @Test("an engine restored after a transfer to a queue with a shorter SLA target fires the same SLA events as the original")
    func restoredAfterTransferToAFasterQueue() throws {
        var floor = Floor(queues: [queue("slow", sla: sla(100_000)), queue("fast", sla: sla(10_000))])
        let (id, _) = try floor.submit(ticket("slow"), at: 0)
        try floor.run(.transfer(id, by: nil, to: .queue("fast")), at: 1_000)  // deadline 10 000, warning at 8 000
        var original = floor.engine
        var restored = try RoutingEngine(snapshot: original.snapshot())
        for time in [9_000, 10_000, 80_000, 100_000] as [Int64] {
            let expected = try original.apply(.tick, at: at(time))
            let actual = try restored.apply(.tick, at: at(time))
            #expect(actual == expected, "tick at \(time): the restored engine gives \(actual), the original \(expected)")
        }
    }

    @Test("an engine restored at any step continues exactly like the original: the same events and digest")
    func restoredEngineContinuesIdentically() async throws {
        var script = try Scenarios.busyDay().log
        // Continue well past every timer so that expiries, graces and wrap-ups fire after the restore.
        let end = script.last!.1.milliseconds
        script.append((.submit(ticket("domains", customer: "late", channel: .web)), at(end + 1)))
        script.append((.tick, at(end + 400_000)))
        script.append((.nodeUp("n1"), at(end + 400_001)))
        script.append((.tick, at(end + 10_000_000)))
        var original = RoutingEngine()
        var events: [[Event]] = []
        for (command, time) in script { events.append(try original.apply(command, at: time)) }
        var prefix = RoutingEngine()
        for cut in script.indices {
            await Task.yield()
            var restored = try RoutingEngine(snapshot: prefix.snapshot())
            for index in cut..<script.count {
                let replayed = try restored.apply(script[index].0, at: script[index].1)
                #expect(replayed == events[index], "restored before step \(cut), step \(index): \(script[index].0)")
            }
            #expect(restored.digest == original.digest, "restored before step \(cut)")
            _ = try prefix.apply(script[cut].0, at: script[cut].1)
        }
    }

    // MARK: - Damaged snapshots

    /// The sweeps below restore a snapshot once per byte: they yield to the other tests now and then.
    static let yieldEvery = 200

    /// A snapshot with every field of the format filled in, small enough to damage at every byte.
    static func goodBytes() throws -> [UInt8] { try Scenarios.compactFloor().engine.snapshot() }

    /// The bytes with a correct checksum appended, as a careless writer of a bad state would produce.
    static func resealed(_ body: some Collection<UInt8>) -> [UInt8] {
        var hash = StateHash()
        hash.combine(body)
        var bytes = Array(body)
        withUnsafeBytes(of: hash.value.littleEndian) { bytes.append(contentsOf: $0) }
        return bytes
    }

    static func isRefused(_ bytes: [UInt8]) -> Bool {
        do {
            _ = try RoutingEngine(snapshot: bytes)
            return false
        } catch {
            return true
        }
    }

    @Test("the snapshot the damage tests start from fills in every list of the format")
    func goodBytesFillEveryList() throws {
        let model = try SnapshotModel(try Self.goodBytes())
        #expect(!model.skills.isEmpty)
        #expect(model.queues.contains { !$0.skills.isEmpty })
        #expect(model.agents.contains { !$0.skills.isEmpty && !$0.tickets.isEmpty })
        #expect(model.agents.contains { $0.hasTotal })
        #expect(model.agents.contains { $0.sessionLost })
        #expect(model.tickets.contains { !$0.own.skills.isEmpty && !$0.subject.isEmpty })
        #expect(model.tickets.contains { !$0.avoided.isEmpty })
        #expect(model.tickets.allSatisfy { !$0.history.isEmpty })
        #expect(!model.affinity.isEmpty)
        #expect((try? RoutingEngine(snapshot: try Self.goodBytes())) != nil)
    }

    @Test("a snapshot that is not one is refused as such",
          arguments: [[], [0x53], Array("SWBSNAP".utf8), Array("hello, world, this is not a snapshot".utf8)] as [[UInt8]])
    func notASnapshot(bytes: [UInt8]) {
        #expect(throws: SnapshotError.notASnapshot) { _ = try RoutingEngine(snapshot: bytes) }
    }

    @Test("a wrong magic is refused as not a snapshot, even with a correct checksum")
    func wrongMagic() throws {
        var bytes = try Self.goodBytes()
        bytes[0] ^= 0x20
        #expect(throws: SnapshotError.notASnapshot) { _ = try RoutingEngine(snapshot: bytes) }
        #expect(throws: SnapshotError.notASnapshot) { _ = try RoutingEngine(snapshot: Self.resealed(bytes.dropLast(8))) }
    }

    @Test("an unknown format version is refused as such")
    func wrongVersion() throws {
        var body = Array(try Self.goodBytes().dropLast(8))
        body[8] = 3
        #expect(throws: SnapshotError.unsupportedVersion(3)) { _ = try RoutingEngine(snapshot: Self.resealed(body)) }
        body[8] = 1
        #expect(throws: SnapshotError.unsupportedVersion(1)) { _ = try RoutingEngine(snapshot: Self.resealed(body)) }
    }

    @Test("a truncated snapshot throws SnapshotError at every length")
    func truncated() async throws {
        let bytes = try Self.goodBytes()
        var accepted: [Int] = []
        for length in 0..<bytes.count {
            if length % Self.yieldEvery == 0 { await Task.yield() }
            if !Self.isRefused(Array(bytes.prefix(length))) { accepted.append(length) }
        }
        #expect(accepted.isEmpty, "restored when truncated to these lengths of \(bytes.count): \(accepted)")
    }

    @Test("a snapshot with any one byte flipped throws SnapshotError")
    func flippedByte() async throws {
        let bytes = try Self.goodBytes()
        var accepted: [String] = []
        for position in bytes.indices {
            if position % Self.yieldEvery == 0 { await Task.yield() }
            for mask in [0x01, 0x80] as [UInt8] {
                var damaged = bytes
                damaged[position] ^= mask
                if !Self.isRefused(damaged) { accepted.append("byte \(position) xor \(mask)") }
            }
        }
        #expect(accepted.isEmpty, "restored with these flips, of \(bytes.count) bytes: \(accepted)")
    }

    @Test("a snapshot with extra bytes throws SnapshotError, with or without a matching checksum")
    func extraBytes() throws {
        let bytes = try Self.goodBytes()
        #expect(throws: SnapshotError.self, "one byte appended") { _ = try RoutingEngine(snapshot: bytes + [0]) }
        #expect(throws: SnapshotError.self, "four bytes before a correct checksum") {
            _ = try RoutingEngine(snapshot: Self.resealed(bytes.dropLast(8) + [0, 0, 0, 0]))
        }
    }

    @Test("a snapshot cut short but carrying a correct checksum throws SnapshotError at every length")
    func truncatedButResealed() async throws {
        let body = Array(try Self.goodBytes().dropLast(8))
        var accepted: [Int] = []
        for length in 10..<body.count {
            if length % Self.yieldEvery == 0 { await Task.yield() }
            if !Self.isRefused(Self.resealed(body.prefix(length))) { accepted.append(length) }
        }
        #expect(accepted.isEmpty, "restored when the body is cut to these lengths of \(body.count) and resealed: \(accepted)")
    }
}

/// Snapshots whose checksum is right but whose contents a correct engine could never have
/// written (an older or buggy build, a hand-edited file resealed). Restoring must refuse them
/// with `SnapshotError`. Each case edits one field of a good snapshot through `SnapshotModel`
/// (which reseals it) and restores it in a child process, so that a crash fails one case instead
/// of the whole run: the child exits 0 when the snapshot is refused, exits
/// `restoredExitCode` when it was restored and survived being used, and crashes otherwise.
@Suite struct InconsistentSnapshotTests {
    static let restoredExitCode: Int32 = 3

    /// At time 2 000: alice (chat 1, email 1, session n1) holds chat ticket 1, accepted; chat
    /// ticket 2 waits, avoiding bob, who declined it and logged out; email ticket 3 was resolved
    /// by alice (an affinity entry).
    static func floor() -> RoutingEngine {
        var floor = Floor(queues: [queue("q")], agents: [profile("alice", chat: 1, email: 1)])
        try! floor.submitAccepted(ticket("q", customer: "a"), at: 0)  // 1: alice, assigned
        try! floor.submit(ticket("q", customer: "b"), at: 1_000)  // 2: waits
        try! floor.run(.login(profile("bob", chat: 1)), at: 1_100)  // takes 2 …
        try! floor.run(.decline(tid(2), by: aid("bob")), at: 1_150)  // … declines it: 2 waits, avoiding bob
        try! floor.run(.logout(aid("bob")), at: 1_200)
        let (resolved, _) = try! floor.submitAccepted(ticket("q", customer: "c", channel: .email), at: 1_300)  // 3
        try! floor.run(.resolve(resolved, by: aid("alice")), at: 1_400)
        floor.tick(at: 2_000)
        return floor.engine
    }

    /// The floor's snapshot with one edit, resealed.
    static func edited(_ edit: (inout SnapshotModel) -> Void) -> [UInt8] {
        var model = try! SnapshotModel(floor().snapshot())
        edit(&model)
        return model.encoded()
    }

    /// Uses a restored engine the way a node would: every query, new work for every customer
    /// and agent, sessions lost and back, time passing.
    static func use(_ engine: inout RoutingEngine) {
        _ = engine.tickets()
        _ = engine.agentList()
        _ = engine.queueList()
        _ = engine.totals()
        _ = engine.nextDeadline()
        for customer in ["a", "b", "c", "d"] { _ = try? engine.apply(.submit(ticket("q", customer: customer)), at: at(3_000)) }
        _ = try? engine.apply(.login(profile("bob", chat: 5)), at: at(3_000))
        _ = try? engine.apply(.login(profile("carol", chat: 5)), at: at(3_000))
        _ = try? engine.apply(.nodeDown("n1"), at: at(4_000))
        _ = try? engine.apply(.tick, at: at(100_000))
        _ = try? engine.apply(.nodeUp("n1"), at: at(100_001))
        _ = try? engine.apply(.tick, at: at(100_000_000))
        _ = engine.tickets()
        _ = engine.snapshot()
    }

    /// Restores in the child; see the suite's comment for the exit codes.
    static func restoreInChild(_ bytes: [UInt8]) {
        guard var engine = try? RoutingEngine(snapshot: bytes) else { return }
        use(&engine)
        exit(restoredExitCode)
    }

    @Test("the unedited floor restores and works, so each case below tests only its edit")
    func uneditedFloorWorks() throws {
        var engine = try RoutingEngine(snapshot: Self.edited { _ in })
        #expect(engine.digest == Self.floor().digest)
        Self.use(&engine)
        let model = try SnapshotModel(Self.floor().snapshot())
        #expect(model.tickets.map(\.state) == [TicketState.assigned, .queued, .resolved].map(\.rawValue))
        #expect(model.tickets[1].avoided.map(\.agent) == [1])
        #expect(model.agents.map(\.status) == [AgentStatus.available, .offline].map(\.rawValue))
        #expect(model.affinity.count == 1)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var edit: @Sendable (inout SnapshotModel) -> Void
        init(_ what: String, _ edit: @escaping @Sendable (inout SnapshotModel) -> Void) {
            testDescription = what
            self.edit = edit
        }
    }

    static let cases: [Case] = [
        // Values the validators refuse.
        Case("an SLA warning at Int64.max %") { $0.policy[4] = .max },
        Case("zero misses before away") { $0.policy[3] = 0 },
        Case("a negative decline cool-down") { $0.policy[5] = -1 },
        Case("a grace period above a year") { $0.policy[1] = 366 * 86_400_000 },
        Case("a queue offer timeout of Int64.max") { $0.queues[0].offerTimeout = .max },
        Case("a queue SLA target of zero") { $0.queues[0].sla[2] = 0 },
        Case("a queue tier of 0") { $0.queues[0].tier = 0 },
        Case("a queue named with a space") { $0.queues[0].name = "two words" },
        Case("an agent tier of 10") { $0.agents[0].tier = 10 },
        Case("a negative agent capacity") { $0.agents[0].capacity[1] = -1 },
        Case("an agent total above the maximum") { $0.agents[0].hasTotal = true; $0.agents[0].total = 4_001 },
        // Parts that contradict each other.
        Case("an offered ticket with no owner") { $0.tickets[1].state = TicketState.offered.rawValue; $0.tickets[1].offerExpiry = 5_000 },
        Case("an assigned ticket its owner does not list") { $0.agents[0].tickets = [] },
        Case("a queued ticket with an owner") { $0.tickets[1].owner = 0 },
        Case("a resolved ticket with an owner") { $0.tickets[2].owner = 0 },
        Case("an agent listing a ticket twice") { $0.agents[0].tickets = [0, 0] },
        Case("an agent listing a ticket it does not own") { $0.agents[0].tickets = [0, 1] },
        Case("an offline agent holding a ticket") {
            $0.agents[1].tickets = [1]
            $0.tickets[1].owner = 1
            $0.tickets[1].state = TicketState.assigned.rawValue
        },
        Case("an agent holding more than its capacity") { $0.agents[0].capacity[0] = 0 },
        Case("a history step naming a queue that does not exist") { $0.tickets[0].history[0].detail = 99 },
        Case("a transfer in the history to queue -1") { $0.tickets[0].history[0] = .init(at: 0, kind: 8, agent: -1, detail: -1) },
        Case("an escalation in the history to tier 10") { $0.tickets[0].history[0] = .init(at: 0, kind: 7, agent: -1, detail: 10) },
        Case("a requeue in the history for reason 99") { $0.tickets[0].history[0] = .init(at: 0, kind: 13, agent: -1, detail: 99) },
        Case("a requeue in the history for reason -1") { $0.tickets[0].history[0] = .init(at: 0, kind: 13, agent: -1, detail: -1) },
        Case("a rank of 2") { $0.tickets[1].rank = 2 },
        Case("a deadline before the ticket's creation") { $0.tickets[1].deadline = $0.tickets[1].created - 1 },
        // Values no command could produce.
        Case("a clock before the origin") { $0.now = -1 },
        Case("a clock past the end of year 9999") { $0.now = Timestamp.latest.milliseconds + 1 },
        Case("a waiting ticket created at Int64.min") { $0.tickets[1].created = .min },
        Case("a lost session lost at Int64.max") { $0.agents[0].sessionLost = true; $0.agents[0].lostAt = .max },
        Case("an affinity entry at Int64.min") { $0.affinity[0].at = .min },
        Case("a next agent order of UInt32.max, with one agent logged in") { $0.nextAgentOrder = .max },
        Case("an agent with Int64.max offers missed in a row") { $0.agents[0].misses = .max },
    ]

    @Test("a snapshot whose checksum is right but whose contents no engine could write is refused on restore", arguments: cases)
    func refused(_ c: Case) async {
        let bytes = Self.edited(c.edit)
        await #expect(processExitsWith: .success, "\(c.testDescription): 0 = refused, 3 = restored, a signal = crashed") { [bytes = bytes as [UInt8]] in
            Self.restoreInChild(bytes)
        }
    }

    /// Every one-byte change of a snapshot, resealed: refused, or restored into an engine that
    /// survives being used. A damaged field must never crash the node that loads it. The child
    /// names each change on its standard error before trying it; when it crashes, a second child
    /// runs the same changes to report which one did it.
    @Test("a resealed snapshot with any one byte changed is refused or restores into a working engine, never a crash")
    func anyByteChangedAndResealed() async throws {
        let body = Array(try SnapshotTests.goodBytes().dropLast(8))
        let passed = await #expect(processExitsWith: .success) { [body = body as [UInt8]] in
            Self.changeEveryByte(of: body)
        } != nil
        guard !passed else { return }
        let crashed = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) { [body = body as [UInt8]] in
            Self.changeEveryByte(of: body)
        }
        if let crashed {
            let last = String(decoding: crashed.standardErrorContent, as: UTF8.self).split(separator: "\n").last ?? "?"
            Issue.record("the child stopped (\(crashed.exitStatus)) on the snapshot with \(last), resealed")
        }
    }

    static func changeEveryByte(of body: [UInt8]) {
        for position in body.indices {
            for mask in [0x01, 0x80] as [UInt8] {
                FileHandle.standardError.write(Data("byte \(position) of \(body.count) xor \(mask)\n".utf8))
                var damaged = body
                damaged[position] ^= mask
                guard var engine = try? RoutingEngine(snapshot: SnapshotTests.resealed(damaged)) else { continue }
                use(&engine)
            }
        }
    }
}

/// The documented format is what the engine writes.
@Suite struct SnapshotFormatTests {
    @Test("snapshot() writes exactly the format RoutingEngine+Snapshot.swift documents")
    func documentedFormat() throws {
        for engine in [RoutingEngine(), try Scenarios.busyDay().engine, try Scenarios.compactFloor().engine] {
            let bytes = engine.snapshot()
            let model = try SnapshotModel(bytes)
            #expect(model.encoded() == bytes)
            #expect(model.version == 2)
            #expect(model.now == engine.now)
            #expect(model.tickets.count == engine.totals().tickets)
            #expect(model.agents.map(\.id) == engine.agentList().map(\.id.name))
            #expect(model.queues.map(\.name) == engine.queueList().map(\.config.name))
        }
    }

    @Test("a snapshot lists each agent a ticket avoids with the end of that agent's own cool-down")
    func avoidedAgentsWithTheirOwnEnds() throws {
        var floor = Floor(
            policy: FloorPolicy(declineCooldownMs: 60_000), queues: [queue("q", offerTimeoutMs: 20_000)],
            agents: [profile("alice", chat: 1), profile("bob", chat: 1), profile("carol", chat: 1)])
        let (id, _) = try floor.submit(ticket("q"), at: 0)  // alice
        try floor.run(.decline(id, by: aid("alice")), at: 1_000)  // → bob
        floor.tick(at: 25_000)  // bob's offer (made at 1 000) expired at 21 000 → carol
        #expect(floor.owner(id) == aid("carol"))
        let model = try SnapshotModel(floor.engine.snapshot())
        let avoided = model.tickets[Int(id.raw - 1)].avoided
        #expect(avoided == [.init(agent: 0, until: 61_000), .init(agent: 1, until: 81_000)])
    }
}
