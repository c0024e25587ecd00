// Snapshot format, version 1. All integers little-endian; strings are a u32 byte count and
// UTF-8 bytes; lists are a u32 count and their items.
//
//   "SWBSNAP\0"  u16 version
//   policy       i64 affinity, i64 real-time grace, i64 async grace, i64 misses,
//                i64 warning %, i64 cool-down
//   clock        i64 now, u64 next ticket id, u32 next agent order, u64 offer sequence
//   skills       list of names, in the order they were first seen (their ids)
//   queues       list of: name, skills, i64 tier, 4 × i64 SLA, u8 strategy, i64 offer timeout, i64 wrap-up
//   agents       list of: id, name, skills, i64 tier, 4 × i64 capacity, bool+i64 total, bool auto-accept,
//                session, u8 status, bool session lost, i64 lost at, i64 misses, i64 wrap-up end,
//                u32 order, i64 idle since, u64 last offer, list of u32 ticket indices
//   tickets      list of: customer, subject, u32 queue, u8 channel, u8 priority, u8 state,
//                own requirement, requirement, i64 minimum tier, i64 created, i64 deadline,
//                i32 owner, i64 offer expiry, u8 rank, bool warned, bool breached,
//                list of avoided agents (i32 agent, i64 until),
//                list of history (i64 at, u8 kind, i32 agent, i32 detail)
//   affinity     list of: customer, i32 agent, i64 at — sorted by the customer's UTF-8 bytes
//   u64 StateHash of everything above (ByteCodec.swift)
//
// skills (of agents, queues, requirements) are lists of (u32 skill id, u8 level); a requirement
// is skills and i64 tier. Derived state (indexes, heaps, timers, counters) is not stored:
// restoring rebuilds it, so two engines with equal state encode to equal bytes.
//
// To change the format: bump `snapshotVersion`, keep decoding the old version (or refuse it with
// a message saying which build reads it), and add a round-trip test with a stored old snapshot.

extension RoutingEngine {
    static let snapshotMagic: [UInt8] = Array("SWBSNAP".utf8) + [0]
    /// 2: the checksum is StateHash (1 used FNV-1a; no version-1 snapshot is read any more).
    static let snapshotVersion: UInt16 = 2

    /// The whole state as bytes. Equal states give equal bytes.
    public func snapshot() -> [UInt8] {
        var out = ByteWriter()
        out.bytes.reserveCapacity(64 + tickets.count * 100 + history.count * 17)
        out.bytes.append(contentsOf: Self.snapshotMagic)
        out.u8(UInt8(Self.snapshotVersion & 0xFF))
        out.u8(UInt8(Self.snapshotVersion >> 8))
        out.i64(policy.affinityWindowMs)
        out.i64(policy.realTimeGraceMs)
        out.i64(policy.asyncGraceMs)
        out.int(policy.missesBeforeAway)
        out.int(policy.slaWarningPercent)
        out.i64(policy.declineCooldownMs)
        out.i64(now)
        out.u64(nextTicketID)
        out.u32(nextAgentOrder)
        out.u64(offerSequence)
        out.u32(UInt32(skillNames.count))
        for name in skillNames.names { out.string(name) }

        out.u32(UInt32(queues.count))
        for queue in queues {
            let config = queue.config
            out.string(config.name)
            writeSkills(config.defaultSkills, &out)
            out.int(config.minimumTier)
            for priority in Priority.allCases { out.i64(config.sla[priority]) }
            out.u8(config.strategy.rawValue)
            out.i64(config.offerTimeoutMs)
            out.i64(config.wrapUpMs)
        }

        out.u32(UInt32(agents.count))
        for (agent, hot) in zip(agents, agentsHot) {
            out.string(agent.id.name)
            out.string(agent.name)
            writeSkills(agent.skills, &out)
            out.int(agent.tier)
            for channel in Channel.allCases { out.int(agent.capacity[channel]) }
            out.bool(agent.capacity.total != nil)
            out.int(agent.capacity.total ?? 0)
            out.bool(hot.routing.autoAccept)
            out.string(agent.session)
            out.u8(hot.routing.status.rawValue)
            out.bool(hot.routing.sessionLost)
            out.i64(agent.lostAt)
            out.int(agent.consecutiveMisses)
            out.i64(agent.wrapUpEndsAt)
            out.u32(hot.routing.order)
            out.i64(hot.routing.idleSince)
            out.u64(hot.routing.lastOfferSeq)
            out.u32(UInt32(hot.tickets.count))
            for ticket in hot.tickets { out.u32(UInt32(ticket)) }
        }

        out.u32(UInt32(tickets.count))
        for index in tickets.indices {
            let ticket = tickets[index]
            customers.withBytes(of: ticket.customer) { out.string(utf8: $0) }
            out.string(ticketSubjects[index])
            out.u32(UInt32(ticket.queue))
            out.u8(ticket.channel.rawValue)
            out.u8(ticket.priority.rawValue)
            out.u8(ticket.state.rawValue)
            writeRequirement(ownRequirements[Int(ticket.ownRequirement)], &out)
            writeRequirement(requirements[Int(ticket.requirement)], &out)
            out.int(Int(ticket.minimumTier))
            out.i64(ticket.createdAt)
            out.i64(ticket.deadline)
            out.i32(ticket.owner)
            out.i64(ticket.offerExpiresAt)
            out.u8(ticket.rank)
            out.bool(ticket.slaWarned)
            out.bool(ticket.slaBreached)
            let excluded = exclusions[Int32(index)] ?? []
            out.u32(UInt32(excluded.count))
            for exclusion in excluded {
                out.i32(exclusion.agent)
                out.i64(exclusion.until)
            }
            // The history is linked newest first: count it, then write it oldest first.
            var count: UInt32 = 0
            var cursor = ticket.historyTail
            while cursor >= 0 {
                count += 1
                cursor = history[Int(cursor)].previous
            }
            out.u32(count)
            let start = out.bytes.count
            out.bytes.append(contentsOf: repeatElement(0, count: Int(count) * 17))
            out.bytes.withUnsafeMutableBytes { buffer in
                var slot = Int(count) - 1
                var cursor = ticket.historyTail
                while cursor >= 0 {
                    let step = history[Int(cursor)]
                    let offset = start + slot * 17
                    buffer.storeBytes(of: step.at.littleEndian, toByteOffset: offset, as: Int64.self)
                    buffer[offset + 8] = step.kind.rawValue
                    buffer.storeBytes(of: step.agent.littleEndian, toByteOffset: offset + 9, as: Int32.self)
                    buffer.storeBytes(of: step.detail.littleEndian, toByteOffset: offset + 13, as: Int32.self)
                    slot -= 1
                    cursor = step.previous
                }
            }
        }

        // Sorted by their names' bytes compared in place: a `String` per customer and a
        // comparison through `String.UTF8View` were most of the encoding's time with many
        // customers.
        let customers = self.customers
        let resolved = (0..<Int32(customers.count)).filter { customers[payload: $0].agent >= 0 }
            .sorted { a, b in customers.withBytes(of: a) { x in customers.withBytes(of: b) { y in Self.bytesPrecede(x, y) } } }
        out.u32(UInt32(resolved.count))
        for customer in resolved {
            customers.withBytes(of: customer) { out.string(utf8: $0) }
            out.i32(customers[payload: customer].agent)
            out.i64(customers[payload: customer].at)
        }

        var hash = StateHash()
        hash.combine(out.bytes)
        out.u64(hash.value)
        return out.bytes
    }

    /// Whether `x` sorts before `y` byte by byte, a shorter prefix first: the order of
    /// `x.lexicographicallyPrecedes(y)`, compared eight bytes at a time.
    static func bytesPrecede(_ x: UnsafeBufferPointer<UInt8>, _ y: UnsafeBufferPointer<UInt8>) -> Bool {
        let common = Swift.min(x.count, y.count)
        var position = 0
        while position + 8 <= common {
            let left = UnsafeRawPointer(x.baseAddress! + position).loadUnaligned(as: UInt64.self).bigEndian
            let right = UnsafeRawPointer(y.baseAddress! + position).loadUnaligned(as: UInt64.self).bigEndian
            if left != right { return left < right }
            position += 8
        }
        while position < common {
            if x[position] != y[position] { return x[position] < y[position] }
            position += 1
        }
        return x.count < y.count
    }

    /// A stable 64-bit digest of the whole state: equal on every node that applied the same log.
    public var digest: UInt64 {
        let bytes = snapshot()
        return bytes.suffix(8).reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }

    private func writeSkills(_ skills: [SkillLevel], _ out: inout ByteWriter) {
        out.u32(UInt32(skills.count))
        for skill in skills {
            out.u32(UInt32(skillNames.find(skill.skill)!))
            out.u8(UInt8(skill.level))
        }
    }

    private func writeRequirement(_ requirement: RequirementKey, _ out: inout ByteWriter) {
        out.u32(UInt32(requirement.skills.count))
        for packed in requirement.skills {
            out.u32(UInt32(RequirementKey.skill(packed)))
            out.u8(UInt8(RequirementKey.level(packed)))
        }
        out.int(requirement.tier)
    }
}
