import Foundation
import SwitchboardClient
import SwitchboardCore
import SwitchboardNode
import SwitchboardProtocol
import Testing

/// Pushes to an agent's connection and the life of its session, through `SwitchboardClient`.
@Suite struct PushAndSessionTests {
    static let linux = [SkillLevel("linux", level: 3)]

    static func profile(_ id: String, chat: Int = 2, email: Int = 0, autoAccept: Bool = false, tier: Int = 1) -> AgentProfile {
        AgentProfile(id: AgentID(id), skills: linux, tier: tier, capacity: Capacity(chat: chat, email: email), autoAccept: autoAccept)
    }

    static func chat(_ customer: String, queue: String = "hosting", subject: String = "") -> TicketSubmission {
        TicketSubmission(customer: customer, channel: .chat, queue: queue, subject: subject)
    }

    /// A node with an agent's desk logged in (its pushes collected in `inbox`) and a second,
    /// admin connection; both are closed afterwards, whatever the body does.
    static func withDesk(_ profile: AgentProfile, queues: [QueueConfig] = [QueueConfig(name: "hosting", defaultSkills: [SkillLevel("linux")])],
                         _ body: (_ desk: SwitchboardClient, _ other: SwitchboardClient, _ inbox: PushInbox) async throws -> Void) async throws {
        try await NodeHarness.with(queues: queues) { harness in
            let desk = try await harness.client()
            let other = try await harness.client()
            defer {
                desk.close()
                other.close()
            }
            let inbox = PushInbox(desk)
            try await desk.login(profile)
            try await body(desk, other, inbox)
        }
    }

    @Test func aLoggedInAgentIsOfferedANewTicketWithItsSummaryAndExpiry() async throws {
        try await Self.withDesk(Self.profile("alice"), queues: [QueueConfig(name: "hosting", offerTimeoutMs: 45_000)]) { desk, intake, inbox in
            let before = wallClockMilliseconds()
            let outcome = try await intake.submit(TicketSubmission(customer: "acme", channel: .chat, priority: .urgent,
                                                                   queue: "hosting", subject: "Mail \"bounces\""))
            #expect(outcome.state == .offered)
            let push = try await inbox.next()
            guard case .offer(let summary, let expires) = push else {
                Issue.record("expected OFFER, got \(push)")
                return
            }
            #expect(summary == TicketSummary(id: outcome.ticket, queue: "hosting", channel: .chat, priority: .urgent,
                                             customer: "acme", subject: "Mail \"bounces\""))
            #expect(expires.milliseconds >= before + 45_000 && expires.milliseconds <= wallClockMilliseconds() + 45_000)
        }
    }

    @Test func anAutoAcceptingAgentIsPushedAssignedWithoutAnOffer() async throws {
        try await Self.withDesk(Self.profile("alice", autoAccept: true)) { desk, intake, inbox in
            let outcome = try await intake.submit(Self.chat("acme", subject: "auto"))
            #expect(outcome.state == .assigned)
            #expect(outcome.agent == AgentID("alice"))
            let push = try await inbox.next()
            #expect(push == .assigned(TicketSummary(id: outcome.ticket, queue: "hosting", channel: .chat, priority: .normal,
                                                    customer: "acme", subject: "auto")))
        }
    }

    @Test func aTransferToAnAgentPushesAssignedToItAndRevokedToTheFormerHolder() async throws {
        try await NodeHarness.with { harness in
            let alice = try await harness.client()
            let bob = try await harness.client()
            let admin = try await harness.client()
            let aliceInbox = PushInbox(alice)
            let bobInbox = PushInbox(bob)
            try await alice.login(Self.profile("alice"))
            let ticket = try await admin.submit(Self.chat("acme")).ticket
            guard case .offer = try await aliceInbox.next() else { Issue.record("expected alice's offer"); return }
            try await alice.accept(ticket)
            try await bob.login(Self.profile("bob"))
            let moved = try await admin.transfer(ticket, to: .agent(AgentID("bob")))
            #expect(moved.state == .assigned && moved.agent == AgentID("bob"))
            guard case .assigned(let summary) = try await bobInbox.next() else { Issue.record("expected ASSIGNED for bob"); return }
            #expect(summary.id == ticket)
            #expect(try await aliceInbox.next() == .revoked(ticket, reason: "transferred"))
            for client in [alice, bob, admin] { client.close() }
        }
    }

    @Test func cancellingAnOfferedTicketPushesRevokedCancelled() async throws {
        try await Self.withDesk(Self.profile("alice")) { desk, intake, inbox in
            let ticket = try await intake.submit(Self.chat("acme")).ticket
            guard case .offer = try await inbox.next() else { Issue.record("expected an offer"); return }
            #expect(try await intake.cancel(ticket).state == .cancelled)
            #expect(try await inbox.next() == .revoked(ticket, reason: "cancelled"))
        }
    }

    @Test func anAdminEscalationPushesRevokedEscalatedToTheHolder() async throws {
        try await Self.withDesk(Self.profile("alice", tier: 1)) { desk, admin, inbox in
            let ticket = try await admin.submit(Self.chat("acme")).ticket
            guard case .offer = try await inbox.next() else { Issue.record("expected an offer"); return }
            try await desk.accept(ticket)
            let escalated = try await admin.escalate(ticket)
            #expect(escalated.tier == 2)
            #expect(escalated.state == .queued)
            #expect(try await inbox.next() == .revoked(ticket, reason: "escalated"))
        }
    }

    @Test func anOfferNotAcceptedInTimeIsRevokedAsExpired() async throws {
        try await Self.withDesk(Self.profile("alice"), queues: [QueueConfig(name: "hosting", offerTimeoutMs: 150)]) { desk, intake, inbox in
            let ticket = try await intake.submit(Self.chat("acme")).ticket
            guard case .offer = try await inbox.next() else { Issue.record("expected an offer"); return }
            #expect(try await inbox.next(within: 10) == .revoked(ticket, reason: "expired"))
            let info = try await intake.ticket(ticket)
            #expect(info.state == .queued)
            #expect(info.history.map(\.event).contains("expired"))
            await #expect(throws: ClientError.self) { try await desk.accept(ticket) }
        }
    }

    @Test func threeMissedOffersSetTheAgentAwayWithAStatusPush() async throws {
        try await Self.withDesk(Self.profile("alice", chat: 3), queues: [QueueConfig(name: "hosting", offerTimeoutMs: 150)]) { desk, intake, inbox in
            var tickets: [TicketID] = []
            for index in 1...3 { tickets.append(try await intake.submit(Self.chat("c\(index)")).ticket) }
            var offers: [TicketID] = []
            var revoked: [TicketID] = []
            var status: AgentStatus?
            while status == nil {
                switch try await inbox.next(within: 10) {
                case .offer(let summary, _): offers.append(summary.id)
                case .revoked(let id, let reason):
                    #expect(reason == "expired")
                    revoked.append(id)
                case .status(let agent, let new):
                    #expect(agent == AgentID("alice"))
                    status = new
                case .assigned(let summary): Issue.record("unexpected ASSIGNED \(summary.id)")
                }
            }
            #expect(status == .away)
            #expect(offers.sorted() == tickets)
            #expect(revoked.sorted() == tickets)
            let agent = try await intake.agents().first { $0.id == AgentID("alice") }
            #expect(agent?.status == .away)
            #expect(agent?.consecutiveMisses == 3)
        }
    }

    @Test func closingAnAgentsConnectionLosesItsSessionAndItsOffersGoBackAtOnce() async throws {
        // Long grace periods: only the offer may move, not the assigned ticket.
        try await NodeHarness.with { harness in
            let admin = try await harness.client()
            let alice = try await harness.client()
            let aliceInbox = PushInbox(alice)
            try await alice.login(Self.profile("alice", chat: 2))
            let held = try await admin.submit(Self.chat("held")).ticket
            guard case .offer = try await aliceInbox.next() else { Issue.record("expected an offer"); return }
            try await alice.accept(held)
            let offered = try await admin.submit(Self.chat("offered")).ticket
            guard case .offer = try await aliceInbox.next() else { Issue.record("expected a second offer"); return }
            let bob = try await harness.client()
            let bobInbox = PushInbox(bob)
            try await bob.login(Self.profile("bob", chat: 1))

            alice.close()
            // The offer goes to bob, who is free, as soon as the node sees the connection close.
            guard case .offer(let summary, _) = try await bobInbox.next(within: 10) else {
                Issue.record("expected alice's offer to move to bob")
                return
            }
            #expect(summary.id == offered)
            let agents = try await admin.agents()
            let lost = agents.first { $0.id == AgentID("alice") }
            #expect(lost?.sessionLost == true)
            #expect(lost?.tickets == [held])
            #expect(try await admin.ticket(held).owner == AgentID("alice"))
            #expect(try await admin.ticket(held).state == .assigned)

            // Logging in again from a new connection restores the session, tickets and all.
            let again = try await harness.client()
            #expect(try await again.login(Self.profile("alice", chat: 2)) == .available)
            let restored = try await admin.agents().first { $0.id == AgentID("alice") }
            #expect(restored?.sessionLost == false)
            #expect(restored?.tickets == [held])
            #expect(try await again.resolve(held).state == .resolved)
            for client in [admin, bob, again] { client.close() }
        }
    }

    @Test func aSessionLostPastTheRealTimeGracePeriodReturnsItsChatTicketsToTheQueue() async throws {
        try await NodeHarness.with(configure: { $0.policy.realTimeGraceMs = 200 }) { harness in
            let admin = try await harness.client()
            let alice = try await harness.client()
            try await alice.login(Self.profile("alice", chat: 1))
            let ticket = try await admin.submit(Self.chat("acme")).ticket
            try await alice.accept(ticket)
            alice.close()
            let requeued = try await eventually {
                let info = try await admin.ticket(ticket)
                return info.state == .queued && info.owner == nil
            }
            #expect(requeued)
            #expect(try await admin.ticket(ticket).history.contains { $0.event == "requeued" })
            admin.close()
        }
    }

    @Test func loggingInFromASecondConnectionMovesThePushesThere() async throws {
        try await NodeHarness.with { harness in
            let admin = try await harness.client()
            let first = try await harness.client()
            let second = try await harness.client()
            let secondInbox = PushInbox(second)
            try await first.login(Self.profile("alice"))
            try await second.login(Self.profile("alice"))
            // The first connection closing now is not alice's session closing.
            first.close()
            let ticket = try await admin.submit(Self.chat("acme")).ticket
            guard case .offer(let summary, _) = try await secondInbox.next() else { Issue.record("expected an offer"); return }
            #expect(summary.id == ticket)
            #expect(try await admin.agents().first { $0.id == AgentID("alice") }?.sessionLost == false)
            admin.close()
            second.close()
        }
    }

    /// PROTOCOL.md: `ASSIGNED` — "the ticket is the agent's (after accept, with auto-accept, or
    /// by transfer)". When an admin accepts for the agent, the agent's desk has no other way to learn it.
    @Test func anAdminAcceptingForAnAgentPushesAssignedToTheAgentsDesk() async throws {
        try await Self.withDesk(Self.profile("alice")) { desk, admin, inbox in
            let ticket = try await admin.submit(Self.chat("acme")).ticket
            guard case .offer = try await inbox.next() else { Issue.record("expected an offer"); return }
            #expect(try await admin.accept(ticket, agent: AgentID("alice")).state == .assigned)
            let push = try? await inbox.next(within: 10)
            guard case .assigned(let summary)? = push else {
                Issue.record("alice's desk got \(push.map { "\($0)" } ?? "no push") after an admin accepted ticket \(ticket) for her")
                return
            }
            #expect(summary.id == ticket)
        }
    }

    /// PROTOCOL.md: `STATUS` — "the agent's status changed without its asking".
    @Test func anAdminSettingAnAgentAwayPushesStatusToTheAgentsDesk() async throws {
        try await Self.withDesk(Self.profile("alice")) { desk, admin, inbox in
            try await admin.setStatus(.away, agent: AgentID("alice"))
            let push = try? await inbox.next(within: 10)
            #expect(push == .status(AgentID("alice"), .away),
                    "alice's desk got \(push.map { "\($0)" } ?? "no push") after an admin set her away")
        }
    }

    /// PROTOCOL.md: LOGOUT — "Its offers return to the queue"; `REVOKED` — "an offer or ticket
    /// was taken away" (reason `released`). An admin logging an agent out from its own
    /// connection leaves the agent's desk nothing else to learn it from.
    @Test func anAdminLoggingAnAgentOutPushesRevokedReleasedForItsOffers() async throws {
        try await Self.withDesk(Self.profile("alice")) { desk, admin, inbox in
            let ticket = try await admin.submit(Self.chat("acme")).ticket
            guard case .offer = try await inbox.next() else { Issue.record("expected an offer"); return }
            try await admin.logout(agent: AgentID("alice"))
            #expect(try await admin.ticket(ticket).state == .queued)
            let push = try? await inbox.next(within: 10)
            #expect(push == .revoked(ticket, reason: "released"),
                    "alice's desk got \(push.map { "\($0)" } ?? "no push") after an admin logged her out")
        }
    }

    @Test func aNodeWithoutTokensTreatsEveryConnectionAsAdmin() async throws {
        try await NodeHarness.with(queues: []) { harness in
            let client = try await harness.client()
            let reply = try await client.call(.auth(token: "whatever"))
            #expect(reply.value("role") == "admin")
            let fresh = try await harness.client()
            // No AUTH at all: admin, intake and agent verbs all work.
            try await fresh.upsertQueue(QueueSettings(name: "hosting"))
            try await fresh.login(Self.profile("alice"))
            let outcome = try await fresh.submit(Self.chat("acme"))
            #expect(outcome.state == .offered)
            try await fresh.accept(outcome.ticket)
            #expect(try await fresh.resolve(outcome.ticket).state == .resolved)
            try await fresh.logout()
            #expect(try await fresh.status().resolved == 1)
            client.close()
            fresh.close()
        }
    }

    @Test func theClientReportsRefusalsAndABadTokenAsTypedErrors() async throws {
        try await NodeHarness.with(tokens: [("admin-token-0001", .admin), ("intake-token-003", .intake)]) { harness in
            await #expect {
                _ = try await harness.client(token: "wrong-token")
            } throws: { error in
                guard case .refused(let refusal) = error as? ClientError else { return false }
                return refusal.code == .protocolError(.badToken)
            }
            let intake = try await harness.client(token: "intake-token-003")
            await #expect {
                try await intake.upsertQueue(QueueSettings(name: "billing"))
            } throws: { error in
                guard case .refused(let refusal) = error as? ClientError else { return false }
                return refusal.code == .protocolError(.forbidden) && refusal.message == "role intake may not use QUEUE"
            }
            await #expect {
                _ = try await intake.submit(Self.chat("acme", queue: "nowhere"))
            } throws: { error in
                guard case .refused(let refusal) = error as? ClientError else { return false }
                return refusal.matches(.unknownQueue("nowhere"))
            }
            try await intake.ping()
            intake.close()
            await #expect {
                try await SwitchboardClient.connect(host: "127.0.0.1", port: 1, token: nil, timeout: .seconds(5))
            } throws: { error in
                guard case .cannotConnect = error as? ClientError else { return false }
                return true
            }
        }
    }
}

/// Wall-clock milliseconds, as the node stamps commands.
func wallClockMilliseconds() -> Int64 {
    Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
}
