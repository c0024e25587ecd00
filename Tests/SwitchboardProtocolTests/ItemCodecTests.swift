import SwitchboardCore
import Testing
@testable import SwitchboardProtocol

@Suite struct ItemCodecTests {
    /// A small floor with a ticket in every interesting state, to list.
    static func floor() throws -> RoutingEngine {
        var engine = RoutingEngine()
        let t = Timestamp(milliseconds: 1_764_144_000_000)
        _ = try engine.apply(.upsertQueue(QueueConfig(name: "hosting", defaultSkills: [SkillLevel("linux", level: 2)], wrapUpMs: 0)), at: t)
        _ = try engine.apply(.login(AgentProfile(id: AgentID("alice"), name: "Alice Smith", skills: [SkillLevel("linux", level: 3)],
                                                 tier: 2, capacity: Capacity(chat: 1, email: 2, total: 2))), at: t)
        _ = try engine.apply(.submit(TicketSubmission(customer: "acme 1", channel: .chat, priority: .high, queue: "hosting",
                                                      subject: "Site \"down\"")), at: t)
        _ = try engine.apply(.accept(TicketID(1), by: AgentID("alice")), at: t.adding(milliseconds: 500))
        _ = try engine.apply(.submit(TicketSubmission(customer: "b", channel: .phone, queue: "hosting")), at: t.adding(milliseconds: 900))
        _ = try engine.apply(.escalate(TicketID(2), by: nil, toTier: 3), at: t.adding(milliseconds: 1000))
        return engine
    }

    @Test func ticketsWithTheirHistorySurviveListingAndReading() throws {
        let engine = try Self.floor()
        let tickets = engine.tickets()
        let lines = tickets.flatMap(WireItems.lines).map(\.description)
        let parsed = try lines.map { try #require(try LineParser.parse($0)) }
        #expect(try WireItems.tickets(parsed) == tickets)
    }

    @Test func agentsSurviveListingAndReading() throws {
        let agents = try Self.floor().agentList()
        let parsed = try agents.map { try #require(try LineParser.parse(WireItems.line($0).description)) }
        #expect(try WireItems.agents(parsed) == agents)
    }

    @Test func queuesSurviveListingAndReading() throws {
        let queues = try Self.floor().queueList()
        let parsed = try queues.map { try #require(try LineParser.parse(WireItems.line($0).description)) }
        #expect(try WireItems.queues(parsed) == queues)
    }
}
