import Foundation
import Synchronization
import SwitchboardTransport

/// The load generator: every connection of a run on one epoll event loop (`SwitchboardTransport`),
/// handled by callbacks on its thread with one lock per batch, preallocated histograms and the
/// monotonic clock. At a fixed rate a second thread, the pacer, writes the submits on schedule.
/// The system under test only decides the bytes (`LifecycleSystem`), so all three systems are
/// measured by the same client code.
public enum LoadDriver {
    /// Runs `plan` against the system listening on `host`:`port` and returns what it measured.
    /// Never throws: whatever goes wrong is the run's `failure`.
    public static func run<System: LifecycleSystem>(_ system: System, host: String, port: Int, plan: LoadPlan) async -> RunFigures {
        var figures = RunFigures()
        let loop: EventLoop
        do {
            loop = try EventLoop(name: "bench-load")
            try loop.start()
        } catch {
            figures.failure = "cannot start the load generator's event loop: \(error)"
            return figures
        }
        let shared = Shared(system: system)
        let handler = InboundHandler { batch in
            shared.state.withLock { $0.handle(batch, counters: shared.counters) }
        }
        let counters = shared.counters
        do {
            try await connectAll(system, host: host, port: port, plan: plan, loop: loop, handler: handler, shared: shared)
            try await waitForOpenings(shared, plan: plan)
            await measure(shared, plan: plan)
        } catch {
            counters.fail(error.text)
        }
        let connections = shared.state.withLock { state -> [Connection] in
            state.closing = true
            figures.taken = state.taken
            figures.done = state.done
            figures.completedInWindow = state.completedInWindow
            if state.measureFrom != .max, state.submitUntil > state.measureFrom {
                figures.windowSeconds = Double(state.submitUntil - state.measureFrom) / 1e9
            }
            return state.slots.map(\.connection)
        }
        for connection in connections { connection.close() }
        loop.stop()
        figures.submitted = counters.sent.load(ordering: .acquiring)
        figures.accepted = counters.accepted.load(ordering: .acquiring)
        figures.completed = counters.finished.load(ordering: .acquiring)
        figures.failure = counters.failure
        if figures.failure == nil && (figures.completed < figures.submitted || figures.accepted < figures.submitted) {
            figures.failure = "\(figures.submitted - figures.completed) of \(Format.grouped(figures.submitted)) lifecycles "
                + "(\(figures.submitted - figures.accepted) submits unanswered) did not complete within "
                + "\(Format.grouped(plan.drainSeconds, decimals: 1)) s of the end: a failure, not a figure"
        }
        return figures
    }

    /// What the handler and the orchestrator share.
    final class Shared<S: LifecycleSystem>: Sendable {
        let state: Mutex<DriverState<S>>
        let counters = DriverCounters()

        init(system: S) { state = Mutex(DriverState(system: system)) }
    }

    struct DriverFailure: Error {
        let text: String
    }

    // MARK: - Setup

    /// Connects the setup connection, floor agents, agents and producers (nothing is sent
    /// until all are registered, so no line arrives for an unknown connection), then sends
    /// every connection's opening.
    private static func connectAll<S: LifecycleSystem>(_ system: S, host: String, port: Int, plan: LoadPlan, loop: EventLoop,
                                                       handler: InboundHandler, shared: Shared<S>) async throws {
        var opened: [(S.Session, DriverState<S>.Role, Int, Connection)] = []
        func open(_ session: S.Session, _ role: DriverState<S>.Role, _ index: Int) async throws {
            do {
                let connection = try await TCPClient.connect(host: host, port: port, on: loop, handler: handler)
                opened.append((session, role, index, connection))
            } catch {
                throw DriverFailure(text: "\(system.name) \(role.rawValue) \(index): \(error.message)")
            }
        }
        if let setup = system.setupSession() { try await open(setup, .setup, 0) }
        if plan.floorAgents > 0 {
            guard system.floorSession(index: 0) != nil else {
                throw DriverFailure(text: "\(system.name) has no floor of logged-in agents; run it with no floor agents")
            }
            for index in 0..<plan.floorAgents { try await open(system.floorSession(index: index)!, .floor, index) }
        }
        for index in 0..<plan.agents { try await open(system.agentSession(index: index), .agent, index) }
        for index in 0..<plan.producers { try await open(system.producerSession(index: index), .producer, index) }
        shared.state.withLock { state in
            for (session, role, index, connection) in opened { state.add(session, role: role, index: index, connection: connection) }
            state.sendOpenings(counters: shared.counters)
        }
    }

    private static func waitForOpenings<S: LifecycleSystem>(_ shared: Shared<S>, plan: LoadPlan) async throws {
        let expected = shared.state.withLock { $0.slots.count }
        let deadline = Monotonic.nanoseconds() + UInt64(plan.setupSeconds * 1e9)
        while shared.counters.ready.load(ordering: .acquiring) < expected {
            if shared.counters.failed.load(ordering: .acquiring) { return }
            guard Monotonic.nanoseconds() < deadline else {
                throw DriverFailure(text: "only \(shared.counters.ready.load(ordering: .relaxed)) of \(expected) connections "
                                    + "finished their opening within \(Int(plan.setupSeconds)) s")
            }
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    // MARK: - The run

    /// Submits for the plan's time (flat out, or paced by the pacer thread), then waits for
    /// the lifecycles still open, up to the drain deadline.
    private static func measure<S: LifecycleSystem>(_ shared: Shared<S>, plan: LoadPlan) async {
        let counters = shared.counters
        let begin = Monotonic.nanoseconds()
        let end = begin + UInt64(plan.seconds * 1e9)
        let limit = plan.ticketLimit ?? .max
        let producers = shared.state.withLock { state -> [Connection] in
            state.measureFrom = begin + UInt64(plan.warmupSeconds * 1e9)
            state.submitUntil = end
            state.ticketLimit = limit
            state.flatOut = plan.rate == 0
            let producerSlots = state.slots.indices.filter { state.slots[$0].role == .producer }
            if plan.rate == 0 {
                for slot in producerSlots { state.submit(slot, count: plan.window, counters: counters) }
            }
            return producerSlots.map { state.slots[$0].connection }
        }
        if plan.rate > 0 {
            Pacer.start(system: shared.state.withLock { $0.system }, producers: producers, rate: plan.rate, begin: begin, end: end,
                        limit: limit, counters: counters)
        } else {
            counters.pacerDone.store(true, ordering: .releasing)
        }
        while !counters.failed.load(ordering: .acquiring) {
            let now = Monotonic.nanoseconds()
            if now >= end || counters.sent.load(ordering: .relaxed) >= limit { break }
            try? await Task.sleep(for: .nanoseconds(Int(min(end - now, 20_000_000))))
        }
        shared.state.withLock { $0.submitUntil = min($0.submitUntil, Monotonic.nanoseconds()) }
        let drainDeadline = Monotonic.nanoseconds() + UInt64(plan.drainSeconds * 1e9)
        while !counters.failed.load(ordering: .acquiring) && Monotonic.nanoseconds() < drainDeadline {
            let sent = counters.sent.load(ordering: .acquiring)
            if counters.pacerDone.load(ordering: .acquiring) && counters.finished.load(ordering: .acquiring) >= sent
                && counters.accepted.load(ordering: .acquiring) >= sent { return }
            try? await Task.sleep(for: .milliseconds(1))
        }
    }
}

/// The thread that writes submits at a fixed rate, round-robin over the producers, whatever
/// the replies (an open loop: a slow system meets a growing queue, not a politer client).
/// Each ticket carries its scheduled time, so a pacer that falls behind adds to the latency
/// instead of hiding it.
enum Pacer {
    static func start<S: LifecycleSystem>(system: S, producers: [Connection], rate: Int, begin: UInt64, end: UInt64, limit: Int,
                                          counters: DriverCounters) {
        let thread = Thread {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(512)
            let interval = 1e9 / Double(rate)
            var number: UInt64 = 0
            // Every ticket due before the end is sent, late if the pacer fell behind: the
            // offered load is the schedule's, not what the pacer managed.
            while !counters.failed.load(ordering: .relaxed) {
                let due = begin + UInt64(Double(number) * interval)
                guard due < end, counters.sent.load(ordering: .relaxed) < limit else { break }
                Monotonic.sleep(until: due)
                bytes.removeAll(keepingCapacity: true)
                system.appendSubmit(sentAt: due, into: &bytes)
                counters.sent.add(1, ordering: .relaxed)
                guard producers[Int(number % UInt64(producers.count))].send(bytes) else {
                    counters.fail("cannot write to \(system.name) producer \(number % UInt64(producers.count))'s connection: it is closed")
                    break
                }
                number += 1
            }
            counters.pacerDone.store(true, ordering: .releasing)
        }
        thread.name = "bench-pacer"
        thread.start()
    }
}

extension Error {
    /// The error's text without the type's decoration.
    var text: String {
        if let failure = self as? LoadDriver.DriverFailure { return failure.text }
        if let transport = self as? TransportError { return transport.message }
        return "\(self)"
    }
}
