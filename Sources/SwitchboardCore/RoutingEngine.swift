/// The routing engine: the whole state of a support floor and the rules that decide who
/// works on what. A pure value: no I/O, no clock, no randomness. Applying the same commands
/// at the same times gives the same events and the same state, byte for byte, on any node.
///
/// The hot path ("ticket arrives → agent chosen", "agent frees → ticket chosen") uses
/// indexes instead of scans: agents are grouped by skill profile and tier, and each group
/// keeps its ready agents per channel in heaps ordered by the routing strategy; waiting
/// tickets are grouped by requirement and channel in heaps ordered by SLA deadline.
/// Bitsets say which groups can serve which requirement and which have someone free, so a
/// decision costs O(groups / 64 + candidate groups + log n).
public struct RoutingEngine: Sendable {
    /// The highest tier an agent or requirement may have.
    public static let maximumTier = 9

    // MARK: - State (what a snapshot stores)

    /// Floor-wide rules.
    public internal(set) var policy: FloorPolicy
    /// The latest time the engine has seen; commands stamped earlier are treated as now.
    public internal(set) var now: Int64 = 0
    var nextTicketID: UInt64 = 1
    var nextAgentOrder: UInt32 = 0
    var offerSequence: UInt64 = 0

    /// Queues by id; `queueNames` gives ids to names in the same order.
    var queues: [QueueRecord] = []
    var queueNames = StringInterner()
    /// Skill ids, in the order skills were first seen.
    var skillNames = StringInterner()
    /// Agents by id; `agentNames` gives ids to login names in the same order.
    var agents: [AgentRecord] = []
    /// The part of each agent the hot path touches, by the same ids.
    var agentsHot: [AgentHot] = []
    /// The channels on which each agent sits in its group's ready heaps, a byte an agent
    /// (derived, not snapshotted; `reindexAgent` keeps it). Apart from the agents' records, so
    /// that the affinity check learns from it, without reading the record (a cache miss on a
    /// large floor), that the customer's last agent is busy, which it mostly is.
    var agentReadyMasks: [UInt8] = []
    var agentNames = StringInterner()
    /// Ticket `id` lives at index `id - 1` of `tickets` and `ticketSubjects`.
    var tickets = SegmentedArray<TicketRecord>()
    var ticketSubjects = SegmentedArray<String>()
    /// The agents a declined or missed ticket avoids, by ticket index (few tickets have any).
    var exclusions: [Int32: [Exclusion]] = [:]
    var history = SegmentedArray<HistoryRecord>()
    /// Customers by id, each with the agent who last resolved one of their tickets and when.
    var customers = StringTable(initialPayload: Affinity(agent: -1, at: 0))

    // MARK: - Derived indexes (rebuilt from the state on restore)

    /// Requirements tickets are routed by: a queue's defaults combined with a ticket's own needs.
    var requirements: [RequirementKey] = []
    var requirementIndex: [RequirementKey: Int32] = [:]
    /// What tickets ask for themselves, before the queue's defaults are added: kept apart, so
    /// that the routing indexes only hold requirements that tickets are routed by.
    var ownRequirements: [RequirementKey] = []
    var ownRequirementIndex: [RequirementKey: Int32] = [:]
    /// Own requirements of at most four skills, by their packed form: no allocation to look up.
    var compactOwnRequirements = PairTable<Int32>()
    /// Routing requirements by (base requirement, own requirement) ids.
    var mergedRequirements = PairTable<Int32>()
    /// Own and routing requirements of submits naming up to four known skills, by the skills
    /// as submitted (packed, in their order) with the tier and the queue's requirement: a
    /// submit seen before costs one look-up. A cache of the two tables above.
    var submittedRequirements = PairTable<SubmittedRequirements>()
    var groups: [AgentGroup] = []
    var groupIndex: [RequirementKey: Int32] = [:]
    /// Per requirement: the groups able to serve it.
    var groupsForRequirement: [GrowingBitset] = []
    /// Per group: the requirements it can serve.
    var requirementsForGroup: [GrowingBitset] = []
    /// Per channel: the requirements with at least one ticket waiting on that channel.
    var waitingRequirements: [Bitset] = Array(repeating: Bitset(), count: 4)
    /// `agentHeaps[group * 12 + strategy * 4 + channel]`: ready agents of a group.
    var agentHeaps: [IndexedHeap<AgentKey>] = []
    /// The top of each agent heap, and which groups have someone ready, per table.
    var groupTops = GroupTops()
    /// `ticketHeaps[requirement * 4 + channel]`: waiting tickets not on offer, by their slot
    /// in `waitingSlots`.
    var ticketHeaps: [IndexedHeap<TicketKey>] = []
    /// The top of each ticket heap, in the same order: choosing a ticket reads one flat array
    /// instead of following each heap to its own storage.
    var ticketTops: [IndexedHeap<TicketKey>.Entry] = []
    /// The slots of the tickets in `ticketHeaps`, with their positions there.
    var waitingSlots = WaitingSlots()
    /// Where each agent sits in its group's heaps: `agentHeapPositions[agent * 16 + strategy * 4
    /// + channel]`, -1 when absent. Kept apart from the agent records so that moving an agent
    /// in a heap writes plain integers through one pointer.
    var agentHeapPositions: [Int32] = []
    /// Strategies some queue uses (bit `RoutingStrategy.rawValue`); only their heaps are maintained.
    var activeStrategyMask = 1
    /// Tickets in `ticketHeaps` that avoid some agents (`hasExclusions`). While there are none,
    /// a ticket waits only if no group able to serve it has anyone ready on its channel.
    var waitingAvoiders = 0
    var timers = MinHeap<Timer>()
    /// Past this many timers the stale ones are dropped (see `compactTimersIfDue`).
    var timerCompactionThreshold = RoutingEngine.defaultTimerCompactionFloor
    /// The least `timerCompactionThreshold` is set to (lowered by tests, to compact often).
    var timerCompactionFloor = RoutingEngine.defaultTimerCompactionFloor

    // MARK: - Counters that are not state

    /// Routing decisions made so far ("which agent for this ticket", "which ticket for this agent").
    public internal(set) var decisions: UInt64 = 0

    /// An empty floor with the given policy.
    public init(policy: FloorPolicy = FloorPolicy()) {
        self.policy = policy
        let empty = internOwnRequirement(RequirementKey(skills: [], tier: 1))
        assert(empty == emptyRequirement)
    }

    /// The own requirement with no skills and tier 1, interned first by every engine.
    let emptyRequirement: Int32 = 0

    // MARK: - Applying commands

    /// Applies a command at a time and returns what happened.
    ///
    /// - Parameters:
    ///   - command: The change to make.
    ///   - time: When it happens; earlier than a previous command's time counts as that time.
    /// - Returns: The events, in the order they happened.
    /// - Throws: `EngineError` when the command is invalid; the state is then unchanged.
    public mutating func apply(_ command: Command, at time: Timestamp) throws(EngineError) -> [Event] {
        var events: [Event] = []
        try apply(command, at: time, into: &events)
        return events
    }

    /// Applies a command and appends its events to `events`: the allocation-free form for hot loops.
    public mutating func apply(_ command: Command, at time: Timestamp, into events: inout [Event]) throws(EngineError) {
        guard time.milliseconds <= Timestamp.latest.milliseconds else {
            throw .invalidArgument("time \(time.milliseconds) ms is past the latest time the floor accepts (\(Timestamp.latest.milliseconds) ms, the end of year 9999)")
        }
        let before = now
        if time.milliseconds > now { now = time.milliseconds }
        do {
            try dispatch(command, events: &events)
        } catch {
            now = before  // a refused command changes nothing, the clock included
            throw error
        }
        compactTimersIfDue()
    }

    /// Inlined into `apply`, its only caller: a call of its own saved and restored the
    /// registers once more per command.
    @inline(__always)
    private mutating func dispatch(_ command: Command, events: inout [Event]) throws(EngineError) {
        switch command {
        case .upsertQueue(let config): try upsertQueue(config, events: &events)
        case .setPolicy(let policy): try setPolicy(policy, events: &events)
        case .login(let profile): try login(profile, events: &events)
        case .logout(let id): try logout(id, events: &events)
        case .setStatus(let id, let status): try setStatus(id, status, events: &events)
        case .submit(let submission): try submit(submission, events: &events)
        case .accept(let ticket, let agent): try accept(ticket, by: agent, events: &events)
        case .decline(let ticket, let agent): try decline(ticket, by: agent, events: &events)
        case .resolve(let ticket, let agent): try resolve(ticket, by: agent, events: &events)
        case .escalate(let ticket, let agent, let tier): try escalate(ticket, by: agent, toTier: tier, events: &events)
        case .transfer(let ticket, let agent, let target): try transfer(ticket, by: agent, to: target, events: &events)
        case .cancel(let ticket): try cancel(ticket, events: &events)
        case .nodeDown(let node): try nodeDown(node, events: &events)
        case .nodeUp(let node): try nodeUp(node, events: &events)
        case .tick: tick(events: &events)
        }
    }

    /// The earliest time at which a `tick` would change something, or nil when nothing is
    /// scheduled. Drivers use it to sleep exactly as long as needed. Mutating only because it
    /// first drops timers that no longer apply (an accepted offer's expiry, …), so an engine and
    /// its restored copy always agree.
    public mutating func nextDeadline() -> Timestamp? {
        while let timer = timers.min, !isLive(timer) {
            _ = timers.popMin()
            forgetDropped(timer)
        }
        return timers.min.map { Timestamp(milliseconds: $0.at) }
    }
}
