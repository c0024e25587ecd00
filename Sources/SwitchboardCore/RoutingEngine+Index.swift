// MARK: - Interning skills, requirements and groups

extension RoutingEngine {
    /// Skills as a sorted, de-duplicated packed list (the higher level wins on repeats).
    mutating func packSkills(_ skills: [SkillLevel]) -> [UInt32] {
        var packed: [UInt32] = []
        packed.reserveCapacity(skills.count)
        for skill in skills {
            packed.append(RequirementKey.pack(skill: Int(skillNames.intern(skill.skill)), level: skill.level))
        }
        packed.sort()
        var result: [UInt32] = []
        result.reserveCapacity(packed.count)
        for value in packed {
            if let last = result.last, RequirementKey.skill(last) == RequirementKey.skill(value) {
                result[result.count - 1] = value  // sorted: same skill, higher level comes later
            } else {
                result.append(value)
            }
        }
        return result
    }

    func unpackSkills(_ packed: [UInt32]) -> [SkillLevel] {
        packed.map { SkillLevel(skillNames[Int32(RequirementKey.skill($0))], level: RequirementKey.level($0)) }
    }

    /// The id of a ticket's own requirement for these skills and tier. Up to four skills are
    /// packed into one 64-bit word and looked up without allocating: this runs on every submit.
    mutating func internOwnRequirement(skills: [SkillLevel], tier: Int) -> Int32 {
        guard skills.count <= 4 else { return internOwnRequirement(RequirementKey(skills: packSkills(skills), tier: tier)) }
        var packed: SIMD4<UInt32> = .zero
        for (position, skill) in skills.enumerated() {
            packed[position] = RequirementKey.pack(skill: Int(skillNames.intern(skill.skill)), level: skill.level)
        }
        return internOwnRequirement(packed: packed, count: skills.count, tier: tier)
    }

    /// The own and routing requirements of a submit naming up to four known skills, already
    /// packed (in their submitted order), on a queue whose requirement is `base`.
    @inline(__always) mutating func submittedRequirements(packed: SIMD4<UInt32>, count: Int, tier: Int, base: Int32) -> SubmittedRequirements {
        // Unused lanes are zero, and each lane fits 16 bits (else the general path decides).
        guard all(packed .< 1 << 16) else {
            let own = internOwnRequirement(packed: packed, count: count, tier: tier)
            return SubmittedRequirements(own: own, routing: mergeRequirements(base, own: own))
        }
        let word = UInt64(packed[0]) | UInt64(packed[1]) << 16 | UInt64(packed[2]) << 32 | UInt64(packed[3]) << 48
        let shape = UInt64(UInt32(bitPattern: base)) << 32 | UInt64(tier) << 8 | UInt64(count)
        if let found = submittedRequirements.find(word, shape) { return found }
        let own = internOwnRequirement(packed: packed, count: count, tier: tier)
        let found = SubmittedRequirements(own: own, routing: mergeRequirements(base, own: own))
        submittedRequirements.insert(word, shape, found)
        return found
    }

    /// The same, from up to four skills already interned and packed (in any order, repeats allowed).
    mutating func internOwnRequirement(packed input: SIMD4<UInt32>, count total: Int, tier: Int) -> Int32 {
        var packed: SIMD4<UInt32> = .zero
        var count = 0
        for position in 0..<total {
            let value = input[position]
            guard value < 1 << 16 else {
                return internOwnRequirement(RequirementKey(skills: (0..<total).map { input[$0] }, tier: tier).normalised())
            }
            // Insert in order; the same skill keeps its higher level.
            if let same = (0..<count).first(where: { RequirementKey.skill(packed[$0]) == RequirementKey.skill(value) }) {
                packed[same] = Swift.max(packed[same], value)
                continue
            }
            var slot = count
            while slot > 0 && packed[slot - 1] > value {
                packed[slot] = packed[slot - 1]
                slot -= 1
            }
            packed[slot] = value
            count += 1
        }
        var word: UInt64 = 0
        for index in 0..<count { word |= UInt64(packed[index]) << (16 * UInt64(index)) }
        let shape = UInt64(tier) << 8 | UInt64(count)
        if let id = compactOwnRequirements.find(word, shape) { return id }
        let id = internOwnRequirement(RequirementKey(skills: (0..<count).map { packed[$0] }, tier: tier))
        compactOwnRequirements.insert(word, shape, id)
        return id
    }

    mutating func internOwnRequirement(_ key: RequirementKey) -> Int32 {
        if let id = ownRequirementIndex[key] { return id }
        let id = Int32(ownRequirements.count)
        ownRequirements.append(key)
        ownRequirementIndex[key] = id
        return id
    }

    mutating func internRequirement(_ key: RequirementKey) -> Int32 {
        if let id = requirementIndex[key] { return id }
        let id = Int32(requirements.count)
        requirements.append(key)
        requirementIndex[key] = id
        var eligible = GrowingBitset()
        for group in groups.indices where groups[group].satisfies(key) {
            eligible.insert(group)
            requirementsForGroup[group].insert(Int(id))
        }
        groupsForRequirement.append(eligible)
        for _ in 0..<4 {
            ticketHeaps.append(IndexedHeap())
            ticketTops.append(Self.emptyTicketTop)
        }
        return id
    }

    /// The routing requirement that combines a routing requirement (a queue's) with a ticket's own.
    mutating func mergeRequirements(_ base: Int32, own: Int32) -> Int32 {
        if let id = mergedRequirements.find(UInt64(UInt32(base)), UInt64(UInt32(own))) { return id }
        let id = internRequirement(requirements[Int(base)].merged(with: ownRequirements[Int(own)]))
        mergedRequirements.insert(UInt64(UInt32(base)), UInt64(UInt32(own)), id)
        return id
    }

    mutating func internGroup(skills: [UInt32], tier: Int) -> Int32 {
        let key = RequirementKey(skills: skills, tier: tier)
        if let id = groupIndex[key] { return id }
        let id = Int32(groups.count)
        var levels = [UInt8](repeating: 0, count: (skills.map { RequirementKey.skill($0) }.max() ?? -1) + 1)
        for packed in skills { levels[RequirementKey.skill(packed)] = UInt8(RequirementKey.level(packed)) }
        let group = AgentGroup(skills: skills, tier: tier, levels: levels)
        groups.append(group)
        groupIndex[key] = id
        var eligible = GrowingBitset()
        for requirement in requirements.indices where group.satisfies(requirements[requirement]) {
            eligible.insert(requirement)
            groupsForRequirement[requirement].insert(Int(id))
        }
        requirementsForGroup.append(eligible)
        for table in 0..<12 { agentHeaps.append(IndexedHeap(stride: 16, offset: table)) }
        groupTops.reserve(groups: groups.count)
        return id
    }

    static var emptyTop: IndexedHeap<AgentKey>.Entry { GroupTops.empty }
    static let emptyTicketTop = IndexedHeap<TicketKey>.Entry(key: TicketKey(rank: .max, deadline: .max, id: .max), handle: -1)
}

// MARK: - Keeping agents in their group's heaps

extension RoutingEngine {
    /// Adds a new agent's records, with its (empty) places in the heaps.
    mutating func appendAgent(_ record: AgentRecord, _ hot: AgentHot) {
        agents.append(record)
        agentsHot.append(hot)
        agentReadyMasks.append(0)  // in no ready heap until `reindexAgent`
        agentHeapPositions.append(contentsOf: repeatElement(-1, count: Self.agentHeapSlots))
    }

    /// Slots per agent in `agentHeapPositions`: one per strategy and channel (12), rounded up.
    static var agentHeapSlots: Int { 16 }

    /// Puts the agent in, moves it within, or takes it out of its group's heaps so they
    /// reflect its current status, load and keys. Call after any change to those.
    mutating func reindexAgent(_ index: Int32) {
        reindexAgentInPlace(index)
    }

    /// `reindexAgent`, inlined where it runs once a ticket (`offer`, `fill`); the other callers
    /// share one copy.
    @inline(__always) mutating func reindexAgentInPlace(_ index: Int32) {
        let a = Int(index)
        let routing = agentsHot[a].routing
        let wasReady = agentReadyMasks[a]
        let ready = routing.readyChannels
        // A busy agent that stays busy (most calls on a full floor) touches no heap.
        guard wasReady | ready != 0 else { return }
        let group = Int(routing.group)
        let strategies = activeStrategyMask
        let channels = wasReady | ready
        agentHeapPositions.withUnsafeMutableBufferPointer { positionBuffer in
            var positions = HeapPositions(base: positionBuffer.baseAddress!)
            agentHeaps.withUnsafeMutableBufferPointer { heaps in
                for strategy in 0..<3 where strategies & (1 << strategy) != 0 {
                    let key = routing.key(strategy: strategy)
                    var remaining = channels
                    while remaining != 0 {
                        let channel = remaining.trailingZeroBitCount
                        remaining &= remaining - 1
                        let bit: UInt8 = 1 << UInt8(channel)
                        let heap = group &* 12 &+ strategy &* 4 &+ channel
                        if ready & bit == 0 {
                            heaps[heap].remove(index, positions: &positions)
                        } else if wasReady & bit != 0 {
                            heaps[heap].update(index, key: key, positions: &positions)
                        } else {
                            heaps[heap].insert(index, key: key, positions: &positions)
                        }
                    }
                }
            }
        }
        // The heaps' new tops, once the heaps are released: tables `strategy * 4 + channel`.
        var tables = 0
        for strategy in 0..<3 where strategies & (1 << strategy) != 0 { tables |= Int(channels) << (strategy * 4) }
        agentHeaps.withUnsafeBufferPointer { heaps in
            groupTops.set(group: group, tables: tables) { table in heaps[group &* 12 &+ table].top ?? Self.emptyTop }
        }
        if wasReady != ready { agentReadyMasks[a] = ready }
    }

    /// Takes the agent out of every heap (before its group changes or it logs out).
    mutating func unindexAgent(_ index: Int32) {
        let saved = agentsHot[Int(index)].routing.status
        agentsHot[Int(index)].routing.status = .offline
        reindexAgent(index)
        agentsHot[Int(index)].routing.status = saved
    }

    /// Starts maintaining the heaps of a strategy a queue has just started to use.
    mutating func activateStrategy(_ strategy: RoutingStrategy) {
        let s = Int(strategy.rawValue)
        guard activeStrategyMask & (1 << s) == 0 else { return }
        activeStrategyMask |= 1 << s
        for index in agents.indices where agentReadyMasks[index] != 0 {
            let agent = agentsHot[index].routing
            for channel in 0..<4 where agentReadyMasks[index] & (1 << UInt8(channel)) != 0 {
                let heap = Int(agent.group) * 12 + s * 4 + channel
                agentHeaps[heap].insert(Int32(index), key: agent.key(strategy: s), positions: &agentHeapPositions)
                groupTops.set(agentHeaps[heap].top ?? Self.emptyTop, group: Int(agent.group), table: s * 4 + channel)
            }
        }
    }
}

// MARK: - Keeping waiting tickets in their requirement's heaps

extension RoutingEngine {
    @inline(__always) func ticketKey(_ index: Int) -> TicketKey {
        Self.ticketKey(of: tickets[index], index: index)
    }

    @inline(__always) static func ticketKey(of ticket: TicketRecord, index: Int) -> TicketKey {
        TicketKey(rank: ticket.rank, deadline: ticket.deadline, id: UInt64(index + 1))
    }

    mutating func enqueueWaiting(_ index: Int) {
        // The record is read once (see `setState`).
        let ticket = tickets[index]
        let channel = ticket.channel.index
        let requirement = Int(ticket.requirement)
        let heap = requirement * 4 + channel
        let slot = waitingSlots.take(for: index)
        tickets[index].waitingSlot = slot
        let key = Self.ticketKey(of: ticket, index: index)
        waitingSlots.positions.withUnsafeMutableBufferPointer { buffer in
            var positions = HeapPositions(base: buffer.baseAddress!)
            ticketHeaps[heap].insert(slot, key: key, positions: &positions)
        }
        ticketTops[heap] = ticketHeaps[heap].top ?? Self.emptyTicketTop
        if ticketHeaps[heap].count == 1 { waitingRequirements[channel].insert(requirement) }
        if ticket.hasExclusions { waitingAvoiders += 1 }
        if !ticket.slaTimerPending { scheduleSLATimer(index) }
    }

    mutating func dequeueWaiting(_ index: Int) {
        // The record is read once (see `setState`).
        let ticket = tickets[index]
        let slot = ticket.waitingSlot
        guard slot >= 0 else { return }
        let channel = ticket.channel.index
        let requirement = Int(ticket.requirement)
        let heap = requirement * 4 + channel
        waitingSlots.positions.withUnsafeMutableBufferPointer { buffer in
            var positions = HeapPositions(base: buffer.baseAddress!)
            ticketHeaps[heap].remove(slot, positions: &positions)
        }
        waitingSlots.release(slot)
        tickets[index].waitingSlot = -1
        if ticket.hasExclusions { waitingAvoiders -= 1 }
        ticketTops[heap] = ticketHeaps[heap].top ?? Self.emptyTicketTop
        if ticketHeaps[heap].isEmpty { waitingRequirements[channel].remove(requirement) }
    }
}

// MARK: - Knowing where no ticket waits for a group

extension RoutingEngine {
    /// Sets whether a ticket avoids some agents, keeping `waitingAvoiders` in step.
    mutating func setAvoiding(_ index: Int, _ avoiding: Bool) {
        guard tickets[index].hasExclusions != avoiding else { return }
        if tickets[index].waitingSlot >= 0 { waitingAvoiders += avoiding ? 1 : -1 }
        tickets[index].hasExclusions = avoiding
    }

    /// Those of `channels` on which no waiting ticket can be for the agent's group, known
    /// without a search: someone of the group is in its ready heap there (the agent itself,
    /// by `agentReadyMasks`, or the group's top). A ticket is queued only when no group able to
    /// serve it has anyone ready on its channel (unless it avoids that agent: hence nothing
    /// while any waiting ticket avoids someone), and an agent enters a ready heap only to be
    /// filled before the command ends. So this holds at the end of every command, and in a
    /// command for as long as no agent has entered a heap and no ticket has been queued: the
    /// caller must know that. `pickAgent` uses the same fact the other way round: while a
    /// ticket waits on a channel, no group able to serve its requirement has anyone ready there.
    @inline(__always) func settledChannels(of agent: Int32, group: Int32, among channels: UInt8) -> UInt8 {
        guard waitingAvoiders == 0 else { return 0 }
        var settled = channels & agentReadyMasks[Int(agent)]
        var unknown = channels & ~settled
        // Every active strategy's heaps hold the same agents; the first one's tops tell.
        let first = activeStrategyMask.trailingZeroBitCount &* 4
        while unknown != 0 {
            let channel = unknown.trailingZeroBitCount
            unknown &= unknown &- 1
            if groupTops[group: Int(group), table: first &+ channel].handle >= 0 { settled |= 1 << UInt8(channel) }
        }
        return settled
    }
}
