import Testing
@testable import SwitchboardCore

@Test func aTicketGoesToTheOnlyEligibleAgentAndIsResolved() throws {
    var engine = RoutingEngine()
    let t0 = Timestamp(milliseconds: 1000)
    _ = try engine.apply(.upsertQueue(QueueConfig(name: "hosting", defaultSkills: [SkillLevel("linux")])), at: t0)
    _ = try engine.apply(.login(AgentProfile(id: AgentID("alice"), skills: [SkillLevel("linux", level: 3)], capacity: Capacity(chat: 2))), at: t0)
    let events = try engine.apply(.submit(TicketSubmission(customer: "c1", channel: .chat, queue: "hosting")), at: t0)
    #expect(events.contains(.ticketOffered(TicketID(1), AgentID("alice"), expiresAt: Timestamp(milliseconds: 31000))))
    _ = try engine.apply(.accept(TicketID(1), by: AgentID("alice")), at: t0)
    _ = try engine.apply(.resolve(TicketID(1), by: AgentID("alice")), at: t0)
    #expect(engine.ticket(TicketID(1))?.state == .resolved)
    let restored = try RoutingEngine(snapshot: engine.snapshot())
    #expect(restored.digest == engine.digest)
}
