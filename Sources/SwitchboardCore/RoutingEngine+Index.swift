// MARK: - Interning skills, requirements and groups

extension RoutingEngine {
    mutating func internSkill(_ name: String) -> Int {
        if let id = skillIndex[name] { return id }
        let id = skillNames.count
        skillNames.append(name)
        skillIndex[name] = id
        return id
    }

    /// Skills as a sorted, de-duplicated packed list (the higher level wins on repeats).
    mutating func packSkills(_ skills: [SkillLevel]) -> [UInt32] {
        if skills.count == 1 { return [RequirementKey.pack(skill: internSkill(skills[0].skill), level: skills[0].level)] }
        var packed: [UInt32] = []
        packed.reserveCapacity(skills.count)
        for skill in skills { packed.append(RequirementKey.pack(skill: internSkill(skill.skill), level: skill.level)) }
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
        packed.map { SkillLevel(skillNames[RequirementKey.skill($0)], level: RequirementKey.level($0)) }
    }

    mutating func internRequirement(_ key: RequirementKey) -> Int32 {
        if let id = requirementIndex[key] { return id }
        let id = Int32(requirements.count)
        requirements.append(key)
        requirementIndex[key] = id
        var eligible = Bitset()
        for group in groups.indices where groups[group].satisfies(key) {
            eligible.insert(group)
            requirementsForGroup[group].insert(Int(id))
        }
        groupsForRequirement.append(eligible)
        for channel in 0..<4 { _ = channel; ticketHeaps.append(IndexedHeap()) }
        return id
    }

    /// The requirement that combines two interned ones (a queue's and a ticket's own).
    mutating func mergeRequirements(_ a: Int32, _ b: Int32) -> Int32 {
        let cacheKey = UInt64(UInt32(a)) << 32 | UInt64(UInt32(b))
        if let id = mergedRequirements[cacheKey] { return id }
        let id = internRequirement(requirements[Int(a)].merged(with: requirements[Int(b)]))
        mergedRequirements[cacheKey] = id
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
        var eligible = Bitset()
        for requirement in requirements.indices where group.satisfies(requirements[requirement]) {
            eligible.insert(requirement)
            groupsForRequirement[requirement].insert(Int(id))
        }
        requirementsForGroup.append(eligible)
        for _ in 0..<12 { agentHeaps.append(IndexedHeap()) }
        readyCount.append(contentsOf: [0, 0, 0, 0])
        return id
    }
}

// MARK: - Keeping agents in their group's heaps

extension RoutingEngine {
    /// Puts the agent in, moves it within, or takes it out of its group's heaps so they
    /// reflect its current status, load and keys. Call after any change to those.
    mutating func reindexAgent(_ index: Int32) {
        let agent = agents[Int(index)].routing
        let group = Int(agent.group)
        var mask = agent.readyMask
        for channel in 0..<4 {
            let ready = agent.isReady(on: channel)
            let bit: UInt8 = 1 << UInt8(channel)
            let wasReady = mask & bit != 0
            guard ready || wasReady else { continue }
            for strategy in 0..<3 where activeStrategies[strategy] {
                let heap = (group * 3 + strategy) * 4 + channel
                let table = strategy * 4 + channel
                if !ready {
                    agentHeaps[heap].remove(index, positions: &agentPositions[table])
                } else if wasReady {
                    agentHeaps[heap].update(index, key: agent.key(strategy: strategy), positions: &agentPositions[table])
                } else {
                    agentHeaps[heap].insert(index, key: agent.key(strategy: strategy), positions: &agentPositions[table])
                }
            }
            guard ready != wasReady else { continue }
            let slot = group * 4 + channel
            if ready {
                mask |= bit
                readyCount[slot] += 1
                if readyCount[slot] == 1 { readyGroups[channel].insert(group) }
            } else {
                mask &= ~bit
                readyCount[slot] -= 1
                if readyCount[slot] == 0 { readyGroups[channel].remove(group) }
            }
        }
        agents[Int(index)].routing.readyMask = mask
    }

    /// Takes the agent out of every heap (before its group changes or it logs out).
    mutating func unindexAgent(_ index: Int32) {
        let saved = agents[Int(index)].routing.status
        agents[Int(index)].routing.status = .offline
        reindexAgent(index)
        agents[Int(index)].routing.status = saved
    }

    /// Starts maintaining the heaps of a strategy a queue has just started to use.
    mutating func activateStrategy(_ strategy: RoutingStrategy) {
        let s = Int(strategy.rawValue)
        guard !activeStrategies[s] else { return }
        activeStrategies[s] = true
        for index in agents.indices where agents[index].routing.readyMask != 0 {
            let agent = agents[index].routing
            for channel in 0..<4 where agent.readyMask & (1 << UInt8(channel)) != 0 {
                agentHeaps[(Int(agent.group) * 3 + s) * 4 + channel].insert(
                    Int32(index), key: agent.key(strategy: s), positions: &agentPositions[s * 4 + channel])
            }
        }
    }
}

// MARK: - Keeping waiting tickets in their requirement's heaps

extension RoutingEngine {
    @inline(__always) func ticketKey(_ index: Int) -> TicketKey {
        let ticket = tickets[index]
        return TicketKey(rank: ticket.rank, deadline: ticket.deadline, id: UInt64(index + 1))
    }

    mutating func enqueueWaiting(_ index: Int) {
        let ticket = tickets[index]
        let channel = ticket.channel.index
        let slot = Int(ticket.requirement) * 4 + channel
        ticketHeaps[slot].insert(Int32(index), key: ticketKey(index), positions: &ticketPositions)
        if ticketHeaps[slot].count == 1 { waitingRequirements[channel].insert(Int(ticket.requirement)) }
    }

    mutating func dequeueWaiting(_ index: Int) {
        guard ticketPositions[index] >= 0 else { return }
        let ticket = tickets[index]
        let channel = ticket.channel.index
        let slot = Int(ticket.requirement) * 4 + channel
        ticketHeaps[slot].remove(Int32(index), positions: &ticketPositions)
        if ticketHeaps[slot].isEmpty { waitingRequirements[channel].remove(Int(ticket.requirement)) }
    }
}
