import Testing
@testable import SwitchboardCore

/// Stale timers (an accepted offer's expiry, the SLA check of a ticket no longer waiting) are
/// dropped once the heap has grown fourfold, without changing a single event.
@Suite struct TimerCompactionTests {
    @Test func aBusyFloorKeepsItsTimerHeapWithinTheFloorInsteadOfOneTimerPerTicket() throws {
        var floor = Floor(
            queues: [queue("hosting", "linux", sla: SLATargets(urgent: 3_600_000, high: 7_200_000, normal: 14_400_000, low: 28_800_000),
                           offerTimeoutMs: 60_000)],
            agents: [profile("alice", "linux", chat: 1), profile("bob", "linux", chat: 1)])
        var largest = 0
        for n in 0..<20_000 {
            let time = Int64(1_000 + n * 10)
            let (id, owner) = try floor.submitAccepted(ticket("hosting", customer: "c\(n % 500)"), at: time)
            try floor.run(.resolve(id, by: owner), at: time + 5)
            largest = max(largest, floor.engine.timers.count)
        }
        // Every ticket scheduled an offer expiry and an SLA check; none is live once resolved.
        #expect(largest <= RoutingEngine.defaultTimerCompactionFloor + 1, "largest heap \(largest)")
        #expect(floor.engine.totals().resolved == 20_000)
    }

    @Test func anAssignedTicketKeepsItsSLACheckThroughACompactionAndIsWarnedWhenItWaitsAgain() throws {
        var floor = Floor(
            queues: [queue("hosting", "linux", sla: SLATargets(urgent: 10_000, high: 10_000, normal: 10_000, low: 10_000),
                           offerTimeoutMs: 60_000)],
            agents: [profile("alice", "linux", chat: 1)])
        let (id, owner) = try floor.submitAccepted(ticket("hosting", customer: "acme"), at: 0)
        // Compact at the next command: the ticket's pending SLA check (due at 8 s) is not live
        // while the ticket is assigned, but the ticket may wait again.
        floor.engine.timerCompactionFloor = 0
        floor.engine.timerCompactionThreshold = 0
        floor.tick(at: 1_000)
        // Back to the queue at a tier nobody has: it waits.
        try floor.run(.escalate(id, by: owner, toTier: 2), at: 2_000)
        #expect(floor.state(id) == .queued)
        #expect(floor.tick(at: 8_500).contains(.slaWarning(id)))
    }

    @Test(arguments: [UInt64(7), 0xC0FFEE, 20_261_126])
    func compactingOftenChangesNoEventNoDeadlineAndNoSnapshot(seed: UInt64) throws {
        var generator = CommandGenerator(seed: seed)
        let policy = generator.policy()
        var compacting = RoutingEngine(policy: policy)
        compacting.timerCompactionFloor = 0
        compacting.timerCompactionThreshold = 0
        var keeping = RoutingEngine(policy: policy)
        keeping.timerCompactionFloor = .max / 4
        keeping.timerCompactionThreshold = .max
        var book = TicketBook()
        var compactions = 0, mostDropped = 0
        for step in 0..<3_000 {
            let (command, time) = generator.next(agents: compacting.agentList(), queues: compacting.totals().queues, book: book)
            let before = compacting.timerCompactionThreshold
            let outcome = Result<[Event], EngineError> { () throws(EngineError) in try compacting.apply(command, at: time) }
            let expected = Result<[Event], EngineError> { () throws(EngineError) in try keeping.apply(command, at: time) }
            if compacting.timerCompactionThreshold != before { compactions += 1 }
            guard outcome == expected else {
                Issue.record("seed \(seed), step \(step): \(command) gave \(outcome) with compaction, \(expected) without")
                return
            }
            if case .success(let events) = outcome { book.absorb(events, from: compacting) }
            mostDropped = max(mostDropped, keeping.timers.count - compacting.timers.count)
            if step % 97 == 0 {
                #expect(compacting.nextDeadline() == keeping.nextDeadline(), "seed \(seed), step \(step): next deadline")
            }
        }
        #expect(compactions > 20, "seed \(seed): only \(compactions) compactions")
        #expect(mostDropped > 0, "seed \(seed): nothing was dropped before it came due")
        #expect(compacting.snapshot() == keeping.snapshot(), "seed \(seed): snapshots differ")
        #expect(compacting.digest == keeping.digest)
    }

    @Test func removeAllKeepingLeavesAValidHeapOfTheKeptElements() {
        var rng = SplitMix64(seed: 42)
        for size in [0, 1, 2, 3, 10, 100, 1_000] {
            var heap = MinHeap<Int>()
            var values: [Int] = []
            for _ in 0..<size {
                let value = Int(rng.next() % 1_000)
                heap.insert(value)
                values.append(value)
            }
            heap.removeAll { $0 % 3 != 0 }
            var popped: [Int] = []
            while let value = heap.popMin() { popped.append(value) }
            #expect(popped == values.filter { $0 % 3 != 0 }.sorted(), "size \(size)")
        }
    }
}
