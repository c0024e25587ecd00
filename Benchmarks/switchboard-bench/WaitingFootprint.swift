import SwitchboardCore

/// Memory per waiting ticket, measured in a controlled phase: a fresh engine with the floor's
/// queues and no agent logged in takes N submits (so all N wait), and the growth of the
/// process's resident set across those submits, divided by N, is the figure. The tickets
/// come from the same generator as the runs (a separate stream), 10 simulated ms apart.
struct FootprintResult {
    let tickets: Int
    let residentGrowth: Int
    /// How long `snapshot()` of that engine (all N tickets waiting) took: the pause a node's
    /// coordinator takes to encode a snapshot, in nanoseconds; and the snapshot's size.
    let snapshotNanoseconds: UInt64
    let snapshotBytes: Int

    var bytesPerTicket: Double { tickets == 0 ? 0 : Double(residentGrowth) / Double(tickets) }

    static let method = "RSS growth (/proc/self/statm) / N over N submits to a fresh engine with no agent logged in"
}

enum WaitingFootprint {
    static func measure(model: FloorModel, tickets: Int, customers: Int, seed: UInt64) throws(BenchFailure) -> FootprintResult {
        var generator = TicketGenerator(model: model, customers: customers, seed: seed, stream: 3)
        var chunk: [PlannedTicket] = []
        chunk.reserveCapacity(TicketGenerator.chunkSize)
        generator.refill(&chunk)
        var events: [Event] = []
        events.reserveCapacity(64)
        var engine = RoutingEngine()
        var now: Int64 = 0
        func apply(_ command: Command) throws(BenchFailure) {
            events.removeAll(keepingCapacity: true)
            do {
                try engine.apply(command, at: Timestamp(milliseconds: now), into: &events)
            } catch {
                throw BenchFailure(message: "the engine refused a command in the footprint phase: \(error)")
            }
        }
        for queue in model.queues { try apply(.upsertQueue(queue)) }

        let before = Probe.residentBytes()
        var next = 0
        for _ in 0..<tickets {
            if next == chunk.count {
                generator.refill(&chunk)
                next = 0
            }
            try apply(chunk[next].command)
            next += 1
            now += 10
        }
        let after = Probe.residentBytes()
        let queued = engine.totals().queued
        guard queued == tickets else {
            throw BenchFailure(message: "footprint phase: \(queued) of \(tickets) tickets are waiting; expected all")
        }
        let start = Probe.nanoseconds()
        let snapshot = engine.snapshot()
        let encoded = Probe.nanoseconds() - start
        return FootprintResult(tickets: tickets, residentGrowth: after - before, snapshotNanoseconds: encoded, snapshotBytes: snapshot.count)
    }
}
