// MARK: - Time passing

extension RoutingEngine {
    /// Fires every timer due by now, in (time, kind, target) order. A timer whose condition no
    /// longer holds (the offer was accepted, the ticket was answered, …) is dropped.
    mutating func tick(events: inout [Event]) {
        while let timer = timers.min, timer.at <= now {
            _ = timers.popMin()
            fire(timer, events: &events)
        }
    }

    private mutating func fire(_ timer: Timer, events: inout [Event]) {
        let target = Int(timer.target)
        switch timer.kind {
        case .offerExpiry:
            guard tickets[target].state == .offered, tickets[target].offerExpiresAt == timer.at else { return }
            let agent = tickets[target].owner
            let id = TicketID(UInt64(target + 1))
            events.append(.offerExpired(id, agents[Int(agent)].id))
            record(target, .expired, agent: agent)
            turnAway(target, from: agent, since: timer.at, reason: .expired, events: &events)
            agents[Int(agent)].consecutiveMisses = Swift.min(agents[Int(agent)].consecutiveMisses + 1, Int(Int32.max))
            if agents[Int(agent)].consecutiveMisses >= policy.missesBeforeAway
                && agentsHot[Int(agent)].routing.status == .available {
                changeStatus(agent, to: .away, events: &events)
            } else {
                fill(agent, events: &events)
            }

        case .slaWarning, .slaBreach:
            // A timer left from before the deadline moved is not the ticket's pending one.
            guard isCurrentSLATimer(timer) else { return }
            tickets[target].slaTimerPending = false
            guard tickets[target].isWaiting else { return }
            let id = TicketID(UInt64(target + 1))
            if timer.kind == .slaWarning {
                tickets[target].slaWarned = true
                record(target, .slaWarning, agent: -1)
                events.append(.slaWarning(id))
            } else {
                tickets[target].slaBreached = true
                queues[Int(tickets[target].queue)].breachedOpen += 1
                record(target, .slaBreached, agent: -1)
                events.append(.slaBreached(id))
            }
            scheduleSLATimer(target)

        case .cooldownEnd:
            let key = Int32(target)
            guard let list = exclusions[key], list.contains(where: { $0.until == timer.at }) else { return }
            let remaining = list.filter { $0.until > now }
            exclusions[key] = remaining.isEmpty ? nil : remaining
            setAvoiding(target, !remaining.isEmpty)
            // The agent it stopped avoiding may be free now; the ticket may go to it.
            if tickets[target].state == .queued { reroute(target, events: &events) }

        case .wrapUpEnd:
            guard agentsHot[target].routing.status == .wrapUp, agents[target].wrapUpEndsAt == timer.at else { return }
            changeStatus(timer.target, to: .available, events: &events)

        case .realTimeGraceEnd:
            guard agentsHot[target].routing.sessionLost, agents[target].lostAt + policy.realTimeGraceMs == timer.at else { return }
            for ticket in agentsHot[target].tickets where tickets[Int(ticket)].channel.isRealTime {
                requeue(Int(ticket), reason: .sessionLost, front: true, events: &events)
            }

        case .asyncGraceEnd:
            guard agentsHot[target].routing.sessionLost, agents[target].lostAt + policy.asyncGraceMs == timer.at else { return }
            for ticket in agentsHot[target].tickets {
                let realTime = tickets[Int(ticket)].channel.isRealTime
                requeue(Int(ticket), reason: .sessionLost, front: realTime, events: &events)
            }
            takeOffline(timer.target, events: &events)
        }
    }

    /// Whether firing the timer would do anything; the guards of `fire` without the effects.
    @inline(__always) func isLive(_ timer: Timer) -> Bool {
        let target = Int(timer.target)
        switch timer.kind {
        case .offerExpiry:
            return tickets[target].state == .offered && tickets[target].offerExpiresAt == timer.at
        case .slaWarning, .slaBreach:
            return tickets[target].isWaiting && isCurrentSLATimer(timer)
        case .cooldownEnd:
            return exclusions[timer.target]?.contains { $0.until == timer.at } ?? false
        case .wrapUpEnd:
            return agentsHot[target].routing.status == .wrapUp && agents[target].wrapUpEndsAt == timer.at
        case .realTimeGraceEnd:
            return agentsHot[target].routing.sessionLost && agents[target].lostAt + policy.realTimeGraceMs == timer.at
                && agentsHot[target].tickets.contains { tickets[Int($0)].channel.isRealTime }
        case .asyncGraceEnd:
            return agentsHot[target].routing.sessionLost && agents[target].lostAt + policy.asyncGraceMs == timer.at
        }
    }

    /// Whether the timer is the ticket's next SLA check (the warning at its time, or the breach
    /// at the deadline once warned), as opposed to one left from before its deadline moved.
    @inline(__always) func isCurrentSLATimer(_ timer: Timer) -> Bool {
        let target = Int(timer.target)
        if timer.kind == .slaWarning { return !tickets[target].slaWarned && timer.at == warningTime(target) }
        return tickets[target].slaWarned && !tickets[target].slaBreached && timer.at == tickets[target].deadline
    }

    /// When a waiting ticket's SLA warning is due.
    @inline(__always) func warningTime(_ index: Int) -> Int64 {
        Self.warningTime(of: tickets[index], percent: policy.slaWarningPercent)
    }

    @inline(__always) static func warningTime(of ticket: TicketRecord, percent: Int) -> Int64 {
        ticket.createdAt + (ticket.deadline - ticket.createdAt) * Int64(percent) / 100
    }

    /// Schedules the next SLA check of a waiting ticket (the warning, or the breach once
    /// warned), unless one is pending or both have fired. One pending SLA timer per ticket at most.
    mutating func scheduleSLATimer(_ index: Int) {
        // The record is read once (see `setState`).
        let ticket = tickets[index]
        guard !ticket.slaTimerPending, !ticket.slaBreached else { return }
        let at = ticket.slaWarned ? ticket.deadline : Self.warningTime(of: ticket, percent: policy.slaWarningPercent)
        timers.insert(Timer(at: at, kind: ticket.slaWarned ? .slaBreach : .slaWarning, target: Int32(index)))
        tickets[index].slaTimerPending = true
    }

    mutating func scheduleGraceTimers(_ agent: Int32) {
        let lostAt = agents[Int(agent)].lostAt
        timers.insert(Timer(at: lostAt + policy.realTimeGraceMs, kind: .realTimeGraceEnd, target: agent))
        timers.insert(Timer(at: lostAt + policy.asyncGraceMs, kind: .asyncGraceEnd, target: agent))
    }

    /// Recreates every timer from the state. Timers are derived: a restored snapshot and a
    /// policy change both start from here.
    mutating func rebuildTimers() {
        timers.removeAll()
        for index in tickets.indices {
            tickets[index].slaTimerPending = false
            guard !tickets[index].state.isClosed else { continue }
            if tickets[index].state == .offered {
                timers.insert(Timer(at: tickets[index].offerExpiresAt, kind: .offerExpiry, target: Int32(index)))
            }
            if tickets[index].isWaiting { scheduleSLATimer(index) }
            for exclusion in exclusions[Int32(index)] ?? [] {
                timers.insert(Timer(at: exclusion.until, kind: .cooldownEnd, target: Int32(index)))
            }
        }
        for index in agents.indices {
            if agentsHot[index].routing.status == .wrapUp {
                timers.insert(Timer(at: agents[index].wrapUpEndsAt, kind: .wrapUpEnd, target: Int32(index)))
            }
            if agentsHot[index].routing.sessionLost { scheduleGraceTimers(Int32(index)) }
        }
        resetTimerCompactionThreshold()
    }
}
