import SwitchboardCore

/// A command as the log stores it: the time the leader stamped it, and the command itself,
/// written as one protocol line so that `cat` and `grep` show what happened.
///
///     SUBMIT at=1764144000000 customer=acme-42 channel=chat queue=hosting priority=high subject="Site down"
///     LOGIN at=1764144000000 agent=alice name=Alice skills=linux:4 tier=2 capacity=chat:3 auto-accept=0 session=node-1#7
///     TICK at=1764144000050
///
/// Every field is written out in full (no defaults), so a log replays the same way even if a
/// later build changes a default.
public struct LogEntry: Hashable, Sendable {
    /// When the command happens.
    public var time: Timestamp
    /// The command.
    public var command: Command

    /// An entry.
    public init(time: Timestamp, command: Command) {
        self.time = time
        self.command = command
    }

    /// The entry as a protocol line.
    public var line: Line {
        var line: Line
        switch command {
        case .upsertQueue(let config):
            line = Line("QUEUE")
            line.append("name", config.name)
            line.append("skills", WireValue.skills(config.defaultSkills))
            line.append("tier", String(config.minimumTier))
            line.append("sla", WireValue.sla(config.sla))
            line.append("strategy", config.strategy.description)
            line.append("offer-timeout", String(config.offerTimeoutMs))
            line.append("wrap-up", String(config.wrapUpMs))
        case .setPolicy(let policy):
            line = Line("POLICY")
            line.append("affinity-window", String(policy.affinityWindowMs))
            line.append("real-time-grace", String(policy.realTimeGraceMs))
            line.append("async-grace", String(policy.asyncGraceMs))
            line.append("misses-before-away", String(policy.missesBeforeAway))
            line.append("sla-warning-percent", String(policy.slaWarningPercent))
            line.append("decline-cooldown", String(policy.declineCooldownMs))
        case .login(let profile):
            line = Line("LOGIN")
            line.append("agent", profile.id.name)
            line.append("name", profile.name)
            line.append("skills", WireValue.skills(profile.skills))
            line.append("tier", String(profile.tier))
            line.append("capacity", profile.capacity.description)
            line.append("auto-accept", profile.autoAccept ? "1" : "0")
            line.append("session", profile.session)
        case .logout(let agent):
            line = Line("LOGOUT", [], [.init("agent", agent.name)])
        case .setStatus(let agent, let status):
            line = Line("SET-STATUS", [], [.init("agent", agent.name), .init("status", status.description)])
        case .submit(let s):
            line = Line("SUBMIT")
            line.append("customer", s.customer)
            line.append("channel", s.channel.description)
            line.append("queue", s.queue)
            line.append("priority", s.priority.description)
            line.append("skills", WireValue.skills(s.skills))
            line.append("tier", String(s.minimumTier))
            line.append("subject", s.subject)
        case .accept(let ticket, let agent):
            line = Line("ACCEPT", [], [.init("ticket", ticket.description), .init("agent", agent.name)])
        case .decline(let ticket, let agent):
            line = Line("DECLINE", [], [.init("ticket", ticket.description), .init("agent", agent.name)])
        case .resolve(let ticket, let agent):
            line = Line("RESOLVE", [], [.init("ticket", ticket.description), .init("agent", agent.name)])
        case .escalate(let ticket, let agent, let tier):
            line = Line("ESCALATE", [], [.init("ticket", ticket.description)])
            line.append("by", agent?.name)
            line.append("tier", tier.map(String.init))
        case .transfer(let ticket, let agent, let target):
            line = Line("TRANSFER", [], [.init("ticket", ticket.description)])
            line.append("by", agent?.name)
            switch target {
            case .queue(let name): line.append("queue", name)
            case .agent(let id): line.append("to", id.name)
            }
        case .cancel(let ticket):
            line = Line("CANCEL", [], [.init("ticket", ticket.description)])
        case .nodeDown(let node):
            line = Line("NODE-DOWN", [], [.init("node", node)])
        case .nodeUp(let node):
            line = Line("NODE-UP", [], [.init("node", node)])
        case .tick:
            line = Line("TICK")
        }
        line.fields.insert(.init("at", String(time.milliseconds)), at: 0)
        return line
    }
}
