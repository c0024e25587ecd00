import SwitchboardCore
import Testing
@testable import SwitchboardProtocol

@Suite struct LogEntryTests {
    static let commands: [Command] = [
        .upsertQueue(QueueConfig(name: "hosting", defaultSkills: [SkillLevel("linux", level: 2)], minimumTier: 2,
                                 sla: SLATargets(urgent: 1, high: 2_000, normal: 3_600_000, low: 86_400_000),
                                 strategy: .roundRobin, offerTimeoutMs: 15_000, wrapUpMs: 0)),
        .setPolicy(FloorPolicy(affinityWindowMs: 5, realTimeGraceMs: 6, asyncGraceMs: 7, missesBeforeAway: 8,
                               slaWarningPercent: 90, declineCooldownMs: 10)),
        .login(AgentProfile(id: AgentID("alice"), name: "Alice \"Al\" Smith", skills: [SkillLevel("linux", level: 4), SkillLevel("dns")],
                            tier: 3, capacity: Capacity(chat: 3, email: 5, total: 6), autoAccept: true, session: "node-1#7")),
        .login(AgentProfile(id: AgentID("bob"), skills: [], capacity: Capacity(), session: "")),
        .logout(AgentID("alice")),
        .setStatus(AgentID("alice"), .away),
        .submit(TicketSubmission(customer: "acme 42", channel: .phone, priority: .urgent, queue: "hosting",
                                 skills: [SkillLevel("mysql", level: 3)], minimumTier: 2, subject: "line one\nline two")),
        .submit(TicketSubmission(customer: "c", channel: .web, queue: "q")),
        .accept(TicketID(1), by: AgentID("alice")),
        .decline(TicketID(2), by: AgentID("bob")),
        .resolve(TicketID(3), by: AgentID("alice")),
        .escalate(TicketID(4), by: nil, toTier: nil),
        .escalate(TicketID(4), by: AgentID("alice"), toTier: 5),
        .transfer(TicketID(5), by: nil, to: .queue("billing")),
        .transfer(TicketID(5), by: AgentID("bob"), to: .agent(AgentID("carol"))),
        .cancel(TicketID(6)),
        .nodeDown("node-1#7"),
        .nodeUp("node-1"),
        .tick,
    ]

    @Test(arguments: commands)
    func everyCommandSurvivesTheLogLineAndBack(command: Command) throws {
        let entry = LogEntry(time: Timestamp(milliseconds: 1_764_144_000_123), command: command)
        let text = entry.line.description
        #expect(!text.contains("\n"))
        let line = try #require(try LineParser.parse(text))
        #expect(try LogEntry(line) == entry, "line: \(text)")
    }

    @Test func replayingTheLinesOfAFloorGivesTheSameDigest() throws {
        var original = RoutingEngine()
        var lines: [String] = []
        for (step, command) in Self.commands.enumerated() {
            let entry = LogEntry(time: Timestamp(milliseconds: Int64(step) * 1000), command: command)
            lines.append(entry.line.description)
            _ = try? original.apply(command, at: entry.time)
        }
        var replayed = RoutingEngine()
        for text in lines {
            let entry = try LogEntry(try #require(try LineParser.parse(text)))
            _ = try? replayed.apply(entry.command, at: entry.time)
        }
        #expect(replayed.digest == original.digest)
    }

    @Test(arguments: ["TICK", "TICK at=-1", "FLY at=1", "ACCEPT at=1 ticket=1", "TRANSFER at=1 ticket=1", "TICK at=1 extra=2"])
    func aBrokenEntryIsRefused(text: String) throws {
        let line = try #require(try LineParser.parse(text))
        #expect(throws: ProtocolError.self) { try LogEntry(line) }
    }
}
