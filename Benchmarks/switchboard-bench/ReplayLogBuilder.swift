import Foundation
import SwitchboardBenchKit
import SwitchboardCore
import SwitchboardLog
import SwitchboardProtocol

/// What the builder wrote.
struct BuiltLog {
    /// Records in the log.
    let records: Int
    /// Bytes of all segment files, headers included.
    let bytes: Int
    /// Records per verb, most frequent first.
    let mix: [(verb: String, count: Int)]
    /// Commands the engine refused while the log was built (left out of the log).
    let refused: Int
    /// The digest of the engine that applied every record: what recovery must arrive at.
    let digest: UInt64
    /// The floor when the log ends.
    let totals: FloorTotals
    /// Simulated time the log covers.
    let simulatedMs: Int64
}

/// Writes a realistic log by running a support floor through a `RoutingEngine` and logging
/// every command it accepts, stamped and encoded as the node does (`LogEntry`, `LogWriter`).
///
/// Agents log in without auto-accept, so each ticket's lifecycle is SUBMIT, then the offered
/// agent's ACCEPT (one offer in twenty is declined and routed again), then RESOLVE after the
/// ticket's handling time. After one resolve in a hundred the agent steps away for a minute. A TICK
/// ends every simulated second, and arrivals are steered toward a backlog of half the agents.
struct ReplayLogBuilder {
    private enum ActionKind: UInt8 {
        case respond, resolve, comeBack
    }

    /// Something an agent does at a simulated time.
    private struct Action: Comparable {
        var at: Int64
        /// Breaks ties in the order the actions were planned, so runs never depend on heap layout.
        var sequence: UInt64
        var kind: ActionKind
        var ticket: UInt64
        var agent: Int32

        static func < (a: Action, b: Action) -> Bool { a.at != b.at ? a.at < b.at : a.sequence < b.sequence }
    }

    static let tickMs: Int64 = 1_000
    static let declineShare = 0.05
    /// The chance that an agent steps away for a minute after resolving a ticket.
    static let awayAfterResolve = 0.01

    private let model: FloorModel
    private let writer: LogWriter
    private var rng: Xoshiro256
    private var engine = RoutingEngine()
    private var events: [Event] = []
    private var actions = MinHeap<Action>()
    private var sequence: UInt64 = 0
    /// Handling time of ticket id `i + 1`.
    private var handleMs: [UInt32] = []
    private var agentIndex: [AgentID: Int32] = [:]
    private var now: Int64 = 0
    private var written = 0
    private var refused = 0
    private var verbCounts: [String: Int] = [:]
    private var submitted = 0
    private var assigned = 0

    private init(model: FloorModel, writer: LogWriter, seed: UInt64) {
        self.model = model
        self.writer = writer
        rng = Xoshiro256(seed: seed, stream: 3)
        for (index, id) in model.agentIDs.enumerated() { agentIndex[id] = Int32(index) }
    }

    /// Writes `records` records into `logDirectory` (which must exist and be empty).
    static func build(records: Int, agents: Int, seed: UInt64, logDirectory: String) throws -> BuiltLog {
        let model = FloorModel(agents: agents, skills: 32, profiles: 256, seed: seed)
        let writer = try LogWriter(directory: logDirectory, nextIndex: 1, options: LogWriterOptions(fsync: .never))
        var builder = ReplayLogBuilder(model: model, writer: writer, seed: seed)
        try builder.run(records: records, seed: seed)
        try writer.close()
        var bytes = 0
        for segment in try LogSegments.list(directory: logDirectory) {
            let attributes = try FileManager.default.attributesOfItem(atPath: segment.path)
            bytes += (attributes[.size] as? Int) ?? 0
        }
        return BuiltLog(
            records: builder.written, bytes: bytes,
            mix: builder.verbCounts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map { ($0.key, $0.value) },
            refused: builder.refused, digest: builder.engine.digest, totals: builder.engine.totals(), simulatedMs: builder.now)
    }

    private mutating func run(records: Int, seed: UInt64) throws {
        log(.setPolicy(FloorPolicy()))
        for queue in model.queues { log(.upsertQueue(queue)) }
        for agent in 0..<model.agentCount {
            var profile = model.loginProfile(agent)
            profile.autoAccept = false
            profile.session = "node-1#\(agent + 1)"
            log(.login(profile))
        }
        var generator = TicketGenerator(model: model, customers: 100_000, seed: seed)
        var controller = ArrivalController(
            capacityRate: model.serviceRatePerMs, target: model.agentCount / 2, slots: model.floorSlots, tickMs: Int(Self.tickMs))
        var arrivalAt = 0.0
        var nextTick = Self.tickMs
        var resolvedSinceTick = 0
        while written < records {
            let arrivalMs = Int64(arrivalAt)
            let actionMs = actions.min?.at ?? .max
            if actionMs <= arrivalMs && actionMs <= nextTick, let action = actions.popMin() {
                now = max(now, action.at)
                if perform(action) { resolvedSinceTick += 1 }
            } else if arrivalMs <= nextTick {
                now = max(now, arrivalMs)
                let planned = generator.next()
                handleMs.append(planned.handleMs)
                submitted += 1
                log(planned.command)
                arrivalAt += planned.gap / controller.rate
            } else {
                now = max(now, nextTick)
                log(.tick)
                _ = controller.tick(resolved: resolvedSinceTick, tickMs: Int(Self.tickMs), waiting: submitted - assigned,
                                    held: actions.count, measuring: false)
                resolvedSinceTick = 0
                nextTick += Self.tickMs
            }
        }
    }

    /// Logs what the agent does; returns whether it resolved a ticket.
    private mutating func perform(_ action: Action) -> Bool {
        let agent = model.agentIDs[Int(action.agent)]
        let ticket = TicketID(action.ticket)
        switch action.kind {
        case .respond:
            log(rng.unit() < Self.declineShare ? .decline(ticket, by: agent) : .accept(ticket, by: agent))
        case .resolve:
            log(.resolve(ticket, by: agent))
            if rng.unit() < Self.awayAfterResolve {
                log(.setStatus(agent, .away))
                plan(Action(at: now + 60_000, sequence: 0, kind: .comeBack, ticket: 0, agent: action.agent))
            }
            return true
        case .comeBack:
            log(.setStatus(agent, .available))
        }
        return false
    }

    private mutating func plan(_ action: Action) {
        var action = action
        sequence += 1
        action.sequence = sequence
        actions.insert(action)
    }

    /// Applies a command at `now`; if the engine takes it, appends it to the log and plans
    /// the agents' answers to what it caused.
    private mutating func log(_ command: Command) {
        events.removeAll(keepingCapacity: true)
        do {
            try engine.apply(command, at: Timestamp(milliseconds: now), into: &events)
        } catch {
            refused += 1
            return
        }
        let line = LogEntry(time: Timestamp(milliseconds: now), command: command).line
        // A failed write surfaces in `close()`.
        writer.append(term: 1, payload: Array(line.description.utf8)) { _ in }
        written += 1
        verbCounts[line.verb, default: 0] += 1
        for event in events {
            switch event {
            case .ticketOffered(let ticket, let agent, _):
                // Agents answer within 1–10 s, well inside the 30 s offer timeout.
                plan(Action(at: now + Int64(rng.uniform(1_000...10_000)), sequence: 0, kind: .respond,
                            ticket: ticket.raw, agent: agentIndex[agent] ?? 0))
            case .ticketAssigned(let ticket, let agent):
                assigned += 1
                plan(Action(at: now + Int64(handleMs[Int(ticket.raw) - 1]), sequence: 0, kind: .resolve,
                            ticket: ticket.raw, agent: agentIndex[agent] ?? 0))
            default:
                break
            }
        }
    }
}
