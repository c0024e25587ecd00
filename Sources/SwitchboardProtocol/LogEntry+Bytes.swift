import SwitchboardCore

extension LogEntry {
    /// Appends the entry's line (`line.description`, byte for byte) without its newline.
    /// The node writes a record per command this way; building a `Line` first cost more
    /// than the rest of writing the record.
    public func write(to out: inout [UInt8]) {
        var writer = LineWriter(capacity: 384)
        write(into: &writer)
        writer.append(to: &out)
    }

    /// Writes the entry's line without its newline with `w` (a writer kept from line to line).
    public func write(into w: inout LineWriter) {
        let at = time.milliseconds
        switch command {
        case .upsertQueue(let config):
            w.verb("QUEUE")
            w.field("at", at)
            w.field("name", config.name)
            w.field("skills", WireValue.skills(config.defaultSkills))
            w.field("tier", config.minimumTier)
            w.field("sla", WireValue.sla(config.sla))
            w.field("strategy", config.strategy.description)
            w.field("offer-timeout", config.offerTimeoutMs)
            w.field("wrap-up", config.wrapUpMs)
        case .setPolicy(let policy):
            w.verb("POLICY")
            w.field("at", at)
            w.field("affinity-window", policy.affinityWindowMs)
            w.field("real-time-grace", policy.realTimeGraceMs)
            w.field("async-grace", policy.asyncGraceMs)
            w.field("misses-before-away", policy.missesBeforeAway)
            w.field("sla-warning-percent", policy.slaWarningPercent)
            w.field("decline-cooldown", policy.declineCooldownMs)
        case .login(let profile):
            w.verb("LOGIN")
            w.field("at", at)
            w.field("agent", profile.id.name)
            w.field("name", profile.name)
            w.field("skills", WireValue.skills(profile.skills))
            w.field("tier", profile.tier)
            w.field("capacity", profile.capacity.description)
            w.field("auto-accept", profile.autoAccept ? "1" : "0")
            w.field("session", profile.session)
        case .logout(let agent):
            w.verb("LOGOUT")
            w.field("at", at)
            w.field("agent", agent.name)
        case .setStatus(let agent, let status):
            w.verb("SET-STATUS")
            w.field("at", at)
            w.field("agent", agent.name)
            w.field("status", status.description)
        case .submit(let s):
            w.verb("SUBMIT")
            w.field("at", at)
            w.field("customer", s.customer)
            w.field("channel", s.channel.description)
            w.field("queue", s.queue)
            w.field("priority", s.priority.description)
            w.field("skills", s.skills.isEmpty ? "" : WireValue.skills(s.skills))
            w.field("tier", s.minimumTier)
            w.field("subject", s.subject)
        case .accept(let ticket, let agent):
            ticketAndAgent("ACCEPT", ticket, agent, at, &w)
        case .decline(let ticket, let agent):
            ticketAndAgent("DECLINE", ticket, agent, at, &w)
        case .resolve(let ticket, let agent):
            ticketAndAgent("RESOLVE", ticket, agent, at, &w)
        case .escalate(let ticket, let agent, let tier):
            w.verb("ESCALATE")
            w.field("at", at)
            w.field("ticket", ticket.raw)
            w.field("by", agent?.name)
            if let tier { w.field("tier", tier) }
        case .transfer(let ticket, let agent, let target):
            w.verb("TRANSFER")
            w.field("at", at)
            w.field("ticket", ticket.raw)
            w.field("by", agent?.name)
            switch target {
            case .queue(let name): w.field("queue", name)
            case .agent(let id): w.field("to", id.name)
            }
        case .cancel(let ticket):
            w.verb("CANCEL")
            w.field("at", at)
            w.field("ticket", ticket.raw)
        case .nodeDown(let node):
            w.verb("NODE-DOWN")
            w.field("at", at)
            w.field("node", node)
        case .nodeUp(let node):
            w.verb("NODE-UP")
            w.field("at", at)
            w.field("node", node)
        case .tick:
            w.verb("TICK")
            w.field("at", at)
        }
    }

    private func ticketAndAgent(_ verb: String, _ ticket: TicketID, _ agent: AgentID, _ at: Int64, _ w: inout LineWriter) {
        w.verb(named: verb)
        w.field("at", at)
        w.field("ticket", ticket.raw)
        w.field("agent", agent.name)
    }
}
