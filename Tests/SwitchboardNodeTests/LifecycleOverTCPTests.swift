import SwitchboardClient
import SwitchboardCore
import SwitchboardProtocol
import Testing

@Suite struct LifecycleOverTCPTests {
    @Test func aTicketIsOfferedAcceptedAndResolvedThroughTheClientLibrary() async throws {
        let harness = try await NodeHarness.start()
        let intake = try await harness.client()
        let desk = try await harness.client()
        let inbox = PushInbox(desk)
        #expect(try await desk.login(AgentProfile(id: AgentID("alice"), skills: [SkillLevel("linux", level: 3)],
                                                  capacity: Capacity(chat: 2))) == .available)
        let submitted = try await intake.submit(TicketSubmission(customer: "acme", channel: .chat, priority: .high,
                                                                 queue: "hosting", subject: "Site down"))
        #expect(submitted.state == .offered)
        #expect(submitted.agent == AgentID("alice"))
        guard case .offer(let summary, _) = try await inbox.next() else {
            Issue.record("expected an offer push")
            return
        }
        #expect(summary.id == submitted.ticket)
        #expect(summary.subject == "Site down")
        #expect(try await desk.accept(submitted.ticket).state == .assigned)
        #expect(try await desk.resolve(submitted.ticket).state == .resolved)
        let ticket = try await intake.ticket(submitted.ticket)
        #expect(ticket.state == .resolved)
        #expect(ticket.history.map(\.event) == ["created", "offered", "assigned", "resolved"])
        let status = try await intake.status()
        #expect(status.resolved == 1)
        #expect(status.digest.count == 16)
        intake.close()
        desk.close()
        await harness.stop()
    }

    @Test func anEngineRefusalComesBackAsATypedError() async throws {
        let harness = try await NodeHarness.start()
        let client = try await harness.client()
        await #expect {
            try await client.resolve(TicketID(99), agent: AgentID("nobody"))
        } throws: { error in
            guard case .refused(let refusal) = error as? ClientError else { return false }
            return refusal.code.rawValue == "UNKNOWN_TICKET"
        }
        try await client.ping()
        client.close()
        await harness.stop()
    }
}
