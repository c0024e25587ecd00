import SwitchboardCore

/// Why a run could not complete.
struct BenchFailure: Error, CustomStringConvertible {
    let message: String

    var description: String { message }
}

/// What one run needs besides the floor.
struct SimulationSettings {
    var tickets: Int
    var backlog: Int
    var tickMs: Int
    var customers: Int
    var seed: UInt64
}

/// The outcome of one run.
struct RunResult {
    let measured: PhaseSummary
    let warmup: PhaseSummary
    let warmupTickets: Int
    let measuredTickets: Int
    let finalBacklog: Int
    let backlog: BacklogStats
    let warmupEndMs: Int64
    /// Tickets held by agents when the warm-up ended.
    let heldAtWarmupEnd: Int
    let simulatedMs: Int64
    let heldAtEnd: Int
    let wallSeconds: Double
    /// Times the process was preempted during the run (getrusage ru_nivcsw): other load on the machine.
    let involuntarySwitches: Int
}

/// Waiting tickets sampled at every tick of the measured phase.
struct BacklogStats {
    private(set) var samples = 0
    private(set) var sum = 0
    private(set) var minimum = Int.max
    private(set) var maximum = 0

    mutating func add(_ waiting: Int) {
        samples += 1
        sum += waiting
        minimum = Swift.min(minimum, waiting)
        maximum = Swift.max(maximum, waiting)
    }

    var mean: Double { samples == 0 ? 0 : Double(sum) / Double(samples) }
}

/// One run: a discrete-event simulation of the floor that drives a fresh engine and times
/// every `apply` that can make a routing decision (submit, resolve, tick).
///
/// Events, earliest first (resolves, then arrivals, then ticks at equal times): a ticket
/// arrives (`submit`), an agent finishes a ticket (`resolve`, from a min-heap of pending
/// resolves filled from `ticketAssigned` events), or the tick period ends (`tick`, and the
/// arrival rate is steered toward the backlog target).
struct EngineSimulation {
    private let model: FloorModel
    private let settings: SimulationSettings
    private var engine = RoutingEngine()
    private var events: [Event] = []
    /// The pending resolves, earliest first.
    private var resolves = MinHeap<PendingResolve>()
    /// Handling time of ticket id `i + 1`.
    private var handleMs: [UInt32] = []
    private var warm = PhaseRecorder()
    private var measured: PhaseRecorder
    private var measuring = false
    private var submitted = 0
    private var assigned = 0
    private var now: Int64 = 0

    private var waiting: Int { submitted - assigned }

    init(model: FloorModel, settings: SimulationSettings) {
        self.model = model
        self.settings = settings
        measured = PhaseRecorder(expectedApplies: settings.tickets * 2 + settings.tickets / 8)
        events.reserveCapacity(64)
        resolves.reserveCapacity(model.floorSlots + 1024)
        handleMs.reserveCapacity(settings.tickets + model.floorSlots * 2 + settings.backlog * 2)
    }

    /// Runs the simulation to the end of the measured phase.
    static func run(model: FloorModel, settings: SimulationSettings) throws(BenchFailure) -> RunResult {
        var simulation = EngineSimulation(model: model, settings: settings)
        return try simulation.run()
    }

    private mutating func run() throws(BenchFailure) -> RunResult {
        let wallStart = Probe.nanoseconds()
        let switchesAtStart = Probe.involuntaryContextSwitches()
        for queue in model.queues { try untimed(.upsertQueue(queue)) }
        for agent in 0..<model.agentCount { try untimed(.login(model.loginProfile(agent))) }

        var generator = TicketGenerator(model: model, customers: settings.customers, seed: settings.seed)
        var chunk: [PlannedTicket] = []
        chunk.reserveCapacity(TicketGenerator.chunkSize)
        var nextPlanned = 0

        var controller = ArrivalController(
            capacityRate: model.serviceRatePerMs, target: settings.backlog, slots: model.floorSlots, tickMs: settings.tickMs)
        let tickMs = Int64(settings.tickMs)
        var resolvedSinceTick = 0
        var nextTick = tickMs
        var arrivalAt = 0.0
        var warmupTickets = 0
        var measuredTickets = 0
        var warmupEnd: Int64 = 0
        var heldAtWarmupEnd = 0
        var backlog = BacklogStats()
        let warmupLimit = 20 * (model.floorSlots + settings.backlog) + 100_000
        measuring = !controller.needsWarmup
        if measuring { Self.measuredPhaseBegins() }

        while true {
            let arrivalMs = Int64(arrivalAt)
            let resolveMs = resolves.min?.at ?? .max
            if resolveMs <= arrivalMs && resolveMs <= nextTick, let pending = resolves.popMin() {
                now = Swift.max(now, pending.at)
                try timed(.resolve(TicketID(UInt64(pending.ticket)), by: model.agentIDs[Int(pending.agent)]), .resolve)
                resolvedSinceTick += 1
            } else if arrivalMs <= nextTick {
                if nextPlanned == chunk.count {
                    generator.refill(&chunk)
                    nextPlanned = 0
                }
                let planned = chunk[nextPlanned]
                nextPlanned += 1
                now = Swift.max(now, arrivalMs)
                handleMs.append(planned.handleMs)
                submitted += 1
                try timed(planned.command, .submit)
                arrivalAt += planned.gap / controller.rate
                if measuring {
                    measuredTickets += 1
                    if measuredTickets == settings.tickets { break }
                } else {
                    warmupTickets += 1
                    if warmupTickets > warmupLimit {
                        throw BenchFailure(message: "the floor never settled in warm-up (\(warmupTickets) tickets "
                            + "submitted, \(waiting) waiting, \(resolves.count) held)")
                    }
                }
            } else {
                now = Swift.max(now, nextTick)
                try timed(.tick, .tick)
                let settled = controller.tick(
                    resolved: resolvedSinceTick, tickMs: settings.tickMs, waiting: waiting, held: resolves.count,
                    measuring: measuring)
                resolvedSinceTick = 0
                if measuring {
                    backlog.add(waiting)
                } else if settled {
                    measuring = true
                    Self.measuredPhaseBegins()
                    warmupEnd = now
                    heldAtWarmupEnd = resolves.count
                }
                nextTick += tickMs
            }
        }

        let queued = engine.totals().queued
        guard queued == waiting else {
            throw BenchFailure(message: "bookkeeping mismatch: the engine has \(queued) tickets queued, the driver counts \(waiting)")
        }
        let measuredSummary = measured.summarise()
        let warmupSummary = warm.summarise()
        return RunResult(
            measured: measuredSummary, warmup: warmupSummary, warmupTickets: warmupTickets,
            measuredTickets: measuredTickets, finalBacklog: waiting, backlog: backlog,
            warmupEndMs: warmupEnd, heldAtWarmupEnd: heldAtWarmupEnd, simulatedMs: now, heldAtEnd: resolves.count,
            wallSeconds: Double(Probe.nanoseconds() - wallStart) / 1e9,
            involuntarySwitches: Probe.involuntaryContextSwitches() - switchesAtStart)
    }

    /// Called once per run as the measured phase starts: a mark for profilers, so that
    /// `valgrind --tool=callgrind --dump-before='*measuredPhaseBegins*'` splits setup and
    /// warm-up from the measured applies (see `--help`). Does nothing.
    @inline(never) private static func measuredPhaseBegins() {}

    /// Applies a setup command (queues, logins) without timing it.
    private mutating func untimed(_ command: Command) throws(BenchFailure) {
        events.removeAll(keepingCapacity: true)
        do {
            try engine.apply(command, at: Timestamp(milliseconds: now), into: &events)
        } catch {
            throw BenchFailure(message: "the engine refused a setup command: \(error) (\(error.code))")
        }
        handleEvents(.submit)
    }

    /// Applies a command with the clock read just before and just after, and records the
    /// latency with the decisions the engine made during the call.
    @inline(__always)
    private mutating func timed(_ command: Command, _ kind: TimedKind) throws(BenchFailure) {
        events.removeAll(keepingCapacity: true)
        let time = Timestamp(milliseconds: now)
        let before = engine.decisions
        let start = Probe.nanoseconds()
        do {
            try engine.apply(command, at: time, into: &events)
        } catch {
            throw BenchFailure(message: "the engine refused a \(kind.name) at \(now) ms: \(error) (\(error.code))")
        }
        let end = Probe.nanoseconds()
        let made = engine.decisions &- before
        if measuring {
            measured.record(kind, nanoseconds: end &- start, decisions: made)
        } else {
            warm.record(kind, nanoseconds: end &- start, decisions: made)
        }
        handleEvents(kind)
    }

    /// Schedules the resolve of every ticket the last command assigned.
    private mutating func handleEvents(_ kind: TimedKind) {
        for event in events {
            guard case .ticketAssigned(let id, let agent) = event else { continue }
            assigned += 1
            if measuring { measured.assignments[kind.rawValue] += 1 } else { warm.assignments[kind.rawValue] += 1 }
            let ticket = Int(id.raw)
            let at = now + Int64(handleMs[ticket - 1])
            resolves.insert(PendingResolve(at: at, ticket: UInt32(ticket), agent: Int32(Self.agentNumber(agent))))
        }
    }

    /// The index in an agent id `agent-N`.
    @inline(__always) private static func agentNumber(_ id: AgentID) -> Int {
        var number = 0
        for byte in id.name.utf8 where byte >= 48 && byte <= 57 { number = number * 10 + Int(byte - 48) }
        return number
    }
}
