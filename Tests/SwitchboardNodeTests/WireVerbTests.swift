import SwitchboardCore
import Testing

/// Every verb of PROTOCOL.md sent as a raw line to an in-process node, each answered with its
/// documented reply.
@Suite struct WireVerbTests {
    static let plainQueues = [QueueConfig(name: "hosting"), QueueConfig(name: "billing")]

    @Test func authOnANodeWithoutTokensAnswersRoleAdminAndPingAnswersOK() async throws {
        try await NodeHarness.with { harness in
            let wire = try harness.wire()
            #expect(try await wire.request("AUTH anything-at-all") == "OK role=admin")
            #expect(try await wire.request("PING") == "OK")
            wire.close()
        }
    }

    @Test func verbsAreCaseInsensitiveBlankLinesAreIgnoredAndCRLFEndingsAccepted() async throws {
        try await NodeHarness.with { harness in
            let wire = try harness.wire()
            try await wire.send(bytes: Array("\n   \n\r\nping\r\nPiNg\nSTATUS\r\n".utf8))
            #expect(try await wire.readLine() == "OK")
            #expect(try await wire.readLine() == "OK")
            expectLine(try await wire.readLine(), "OK id=node-1 uptime_s=<n> connections=1 <*>")
            wire.close()
        }
    }

    @Test func statusIsComputedOffTheLoopYetRepliesKeepRequestOrder() async throws {
        try await NodeHarness.with(queues: Self.plainQueues) { harness in
            let wire = try harness.wire()
            // One write: what follows STATUS must wait for its answer, QUIT included.
            try await wire.send(bytes: Array("PING\nSTATUS\nSUBMIT customer=c channel=web queue=hosting\nSTATUS\nPING\nQUIT\n".utf8))
            #expect(try await wire.readLine() == "OK")
            let first = try await wire.readLine()
            expectLine(first, "OK id=node-1 uptime_s=<n> connections=1 agents_online=0 queued=0 <*> tickets=0 <*>")
            expectLine(try await wire.readLine(), "OK ticket=1 state=queued tier=1")
            let second = try await wire.readLine()
            expectLine(second, "OK id=node-1 uptime_s=<n> connections=1 agents_online=0 queued=1 <*> tickets=1 <*>")
            #expect(field("digest", in: first) != field("digest", in: second))
            #expect(try await wire.readLine() == "OK")
            #expect(try await wire.readLine() == "OK")
            #expect(try await wire.closesWithoutMoreLines())
            wire.close()
        }
    }

    @Test func quitAnswersOKAndThenTheNodeClosesTheConnection() async throws {
        try await NodeHarness.with { harness in
            let wire = try harness.wire()
            #expect(try await wire.request("QUIT") == "OK")
            #expect(try await wire.closesWithoutMoreLines())
            // The node goes on serving others.
            let other = try harness.wire()
            #expect(try await other.request("PING") == "OK")
            other.close()
            wire.close()
        }
    }

    @Test func queueCreatesAQueueAndAnUpdateChangesOnlyTheSettingsGiven() async throws {
        try await NodeHarness.with(queues: []) { harness in
            let wire = try harness.wire()
            #expect(try await wire.request("QUEUE name=fresh") == "OK queue=fresh")
            #expect(try await wire.listing("QUEUES") == [
                "QUEUE name=fresh strategy=least-loaded skills=\"\" tier=1 sla=urgent:5m,high:30m,normal:4h,low:1d "
                    + "offer-timeout=30s wrap-up=0 waiting=0 offered=0 assigned=0 resolved=0 cancelled=0 breached=0",
            ])
            #expect(try await wire.request(
                "QUEUE name=billing skills=billing:2,dns tier=2 sla=urgent:1m strategy=round-robin offer-timeout=10s wrap-up=5s")
                == "OK queue=billing")
            #expect(try await wire.request("QUEUE name=billing tier=3") == "OK queue=billing")
            let queues = try await wire.listing("QUEUES")
            #expect(queues.count == 2)
            #expect(queues.last == "QUEUE name=billing strategy=round-robin skills=billing:2,dns tier=3 "
                + "sla=urgent:1m,high:30m,normal:4h,low:1d offer-timeout=10s wrap-up=5s "
                + "waiting=0 offered=0 assigned=0 resolved=0 cancelled=0 breached=0")
            wire.close()
        }
    }

    @Test func loginSubmitOfferAcceptResolveAndTheQueriesAnswerAsDocumented() async throws {
        try await NodeHarness.with(queues: [QueueConfig(name: "hosting", defaultSkills: [SkillLevel("linux", level: 2)])]) { harness in
            let desk = try harness.wire()
            let intake = try harness.wire()
            #expect(try await desk.request("LOGIN agent=alice skills=linux:4,dns:2 capacity=chat:3,email:5 name=Alice tier=2")
                == "OK agent=alice status=available")
            #expect(try await intake.request(
                "SUBMIT customer=acme-42 channel=chat queue=hosting priority=high subject=\"Site down since 9:00\"")
                == "OK ticket=1 state=offered agent=alice tier=1")
            let offer = try await desk.readLine()
            expectLine(offer, "* OFFER ticket=1 queue=hosting channel=chat priority=high customer=acme-42 "
                + "subject=\"Site down since 9:00\" expires=<n>")
            #expect(try await desk.request("ACCEPT ticket=1") == "OK ticket=1 state=assigned agent=alice tier=1")

            let ticket = try await intake.listing("TICKET id=1")
            #expect(ticket.count == 4)
            expectLine(ticket[0], "TICKET id=1 state=assigned queue=hosting channel=chat priority=high customer=acme-42 "
                + "owner=alice tier=1 skills=linux:2 created=<n> deadline=<n> warned=0 breached=0 subject=\"Site down since 9:00\"")
            expectLine(ticket[1], "HISTORY at=<n> event=created detail=hosting")
            expectLine(ticket[2], "HISTORY at=<n> event=offered agent=alice")
            expectLine(ticket[3], "HISTORY at=<n> event=assigned agent=alice")
            if let created = field("created", in: ticket[0]).flatMap(Int64.init),
               let deadline = field("deadline", in: ticket[0]).flatMap(Int64.init) {
                #expect(deadline - created == 30 * 60 * 1000, "a high ticket's deadline is the queue's 30 m target")
            }

            let agents = try await intake.listing("AGENTS")
            #expect(agents.count == 1)
            expectLine(agents[0], "AGENT id=alice name=Alice status=available session-lost=0 session=node-1#<n> tier=2 "
                + "skills=linux:4,dns:2 capacity=chat:3,email:5 auto-accept=0 load=chat:1,email:0,phone:0,web:0 tickets=1 misses=0")
            expectLine(try await intake.request("STATUS"),
                       "OK id=node-1 uptime_s=<n> connections=2 agents_online=1 queued=0 offered=0 assigned=1 resolved=0 "
                       + "cancelled=0 breached=0 tickets=1 digest=<hex16> applied=<n> snapshot=0 snapshot_pause_ms=0.00 log_records=<n> log_syncs=<n>")

            #expect(try await desk.request("RESOLVE ticket=1") == "OK ticket=1 state=resolved tier=1")
            let history = try await intake.listing("TICKET id=1")
            #expect(history.dropFirst().compactMap { field("event", in: $0) } == ["created", "offered", "assigned", "resolved"])
            // "owner is absent while nobody holds the ticket".
            expectLine(history[0], "TICKET id=1 state=resolved <*>")
            #expect(field("owner", in: history[0]) == nil)
            #expect(history.last.flatMap { field("agent", in: $0) } == "alice")

            // Quoted values with escapes travel both ways.
            let quoted = try await intake.request(
                "SUBMIT customer=\"Zoë \\\"Z\\\" Quinn\" channel=email queue=hosting subject=\"a\\tb \\\\ c=d\"")
            #expect(quoted == "OK ticket=2 state=offered agent=alice tier=1")
            expectLine(try await desk.readLine(), "* OFFER ticket=2 queue=hosting channel=email priority=normal "
                + "customer=\"Zoë \\\"Z\\\" Quinn\" subject=\"a\\tb \\\\ c=d\" expires=<n>")
            // A control character in a subject is a value the engine refuses.
            let newline = try await intake.request("SUBMIT customer=c channel=email queue=hosting subject=\"two\\nlines\"")
            #expect(newline == "ERR BAD_ARGUMENT subject contains a control character")
            let all = try await intake.listing("TICKETS")
            #expect(all.filter { $0.hasPrefix("TICKET ") }.count == 2)
            let resolved = try await intake.listing("TICKETS state=resolved queue=hosting")
            #expect(resolved.filter { $0.hasPrefix("TICKET ") }.compactMap { field("id", in: $0) } == ["1"])
            #expect(try await intake.listing("TICKETS state=cancelled").isEmpty)
            expectLine(try await intake.request("STATUS"),
                       "OK id=node-1 uptime_s=<n> connections=2 agents_online=1 queued=0 offered=1 assigned=0 resolved=1 "
                       + "cancelled=0 breached=0 tickets=2 digest=<hex16> applied=<n> snapshot=0 snapshot_pause_ms=0.00 log_records=<n> log_syncs=<n>")
            desk.close()
            intake.close()
        }
    }

    @Test func declineAnswersWhereTheTicketWentNext() async throws {
        try await NodeHarness.with(queues: Self.plainQueues) { harness in
            let alice = try harness.wire()
            let bob = try harness.wire()
            let admin = try harness.wire()
            #expect(try await alice.request("LOGIN agent=alice skills=linux capacity=chat:1") == "OK agent=alice status=available")
            #expect(try await admin.request("SUBMIT customer=c1 channel=chat queue=hosting")
                == "OK ticket=1 state=offered agent=alice tier=1")
            // Alone on the floor, the decliner leaves the ticket waiting.
            #expect(try await alice.request("DECLINE ticket=1") == "OK ticket=1 state=queued tier=1")
            #expect(try await bob.request("LOGIN agent=bob skills=linux capacity=chat:1") == "OK agent=bob status=available")
            expectLine(try await admin.listing("TICKET id=1")[0], "TICKET id=1 state=offered <*> owner=bob <*>")
            // With someone else free, the reply names the next agent.
            #expect(try await admin.request("SUBMIT customer=c2 channel=chat queue=hosting")
                == "OK ticket=2 state=offered agent=alice tier=1")
            #expect(try await bob.request("DECLINE ticket=1") == "OK ticket=1 state=queued tier=1")
            #expect(try await alice.request("DECLINE ticket=2") == "OK ticket=2 state=offered agent=bob tier=1")
            alice.close()
            bob.close()
            admin.close()
        }
    }

    @Test func setStatusAndLogoutAnswerTheAgentsNewStatus() async throws {
        try await NodeHarness.with(queues: Self.plainQueues) { harness in
            let desk = try harness.wire()
            #expect(try await desk.request("LOGIN agent=alice skills=linux capacity=chat:1") == "OK agent=alice status=available")
            #expect(try await desk.request("SET-STATUS status=away") == "OK agent=alice status=away")
            #expect(try await desk.request("SET-STATUS status=available agent=alice") == "OK agent=alice status=available")
            #expect(try await desk.request("LOGOUT") == "OK agent=alice status=offline")
            let admin = try harness.wire()
            expectLine(try await admin.listing("AGENTS")[0], "AGENT id=alice <*> status=offline session-lost=0 <*>")
            #expect(try await admin.request("LOGIN agent=bob skills=linux capacity=chat:1") == "OK agent=bob status=available")
            #expect(try await desk.request("LOGOUT agent=bob") == "OK agent=bob status=offline")
            desk.close()
            admin.close()
        }
    }

    @Test func escalateRaisesTheTierAndRoutesTheTicketAgain() async throws {
        try await NodeHarness.with(queues: Self.plainQueues) { harness in
            let alice = try harness.wire()
            let senior = try harness.wire()
            #expect(try await alice.request("LOGIN agent=alice skills=linux capacity=chat:2 tier=1") == "OK agent=alice status=available")
            #expect(try await alice.request("SUBMIT customer=c channel=chat queue=hosting") == "OK ticket=1 state=offered agent=alice tier=1")
            #expect(try await alice.request("ACCEPT ticket=1") == "OK ticket=1 state=assigned agent=alice tier=1")
            // One above the higher of the ticket's tier and its owner's; nobody at tier 2 yet.
            #expect(try await alice.request("ESCALATE ticket=1") == "OK ticket=1 state=queued tier=2")
            #expect(try await senior.request("LOGIN agent=erin skills=linux capacity=chat:2 tier=3") == "OK agent=erin status=available")
            #expect(try await senior.request("ACCEPT ticket=1") == "OK ticket=1 state=assigned agent=erin tier=2")
            #expect(try await senior.request("ESCALATE ticket=1 tier=5") == "OK ticket=1 state=queued tier=5")
            alice.close()
            senior.close()
        }
    }

    @Test func transferToAQueueAndToAnAgentAnswerAsDocumented() async throws {
        try await NodeHarness.with(queues: Self.plainQueues) { harness in
            let alice = try harness.wire()
            let bob = try harness.wire()
            #expect(try await alice.request("LOGIN agent=alice skills=linux capacity=chat:2") == "OK agent=alice status=available")
            #expect(try await alice.request("SUBMIT customer=c channel=chat queue=hosting") == "OK ticket=1 state=offered agent=alice tier=1")
            #expect(try await alice.request("ACCEPT ticket=1") == "OK ticket=1 state=assigned agent=alice tier=1")
            #expect(try await bob.request("LOGIN agent=bob skills=billing capacity=chat:1") == "OK agent=bob status=available")
            #expect(try await alice.request("TRANSFER ticket=1 to=bob") == "OK ticket=1 state=assigned agent=bob tier=1")
            #expect(try await bob.request("SET-STATUS status=away") == "OK agent=bob status=away")
            #expect(try await bob.request("TRANSFER ticket=1 queue=billing") == "OK ticket=1 state=offered agent=alice tier=1")
            expectLine(try await bob.listing("TICKET id=1")[0], "TICKET id=1 state=offered queue=billing <*>")
            alice.close()
            bob.close()
        }
    }

    @Test func cancelAnswersCancelledForAQueuedOrAnOfferedTicket() async throws {
        try await NodeHarness.with(queues: Self.plainQueues) { harness in
            let admin = try harness.wire()
            #expect(try await admin.request("SUBMIT customer=c channel=web queue=hosting priority=low") == "OK ticket=1 state=queued tier=1")
            #expect(try await admin.request("CANCEL ticket=1") == "OK ticket=1 state=cancelled tier=1")
            #expect(try await admin.request("LOGIN agent=alice skills=linux capacity=web:1") == "OK agent=alice status=available")
            #expect(try await admin.request("SUBMIT customer=c channel=web queue=hosting") == "OK ticket=2 state=offered agent=alice tier=1")
            #expect(try await admin.request("CANCEL ticket=2") == "OK ticket=2 state=cancelled tier=1")
            expectLine(try await admin.request("STATUS"), "OK <*> queued=0 offered=0 assigned=0 resolved=0 cancelled=2 breached=0 tickets=2 <*>")
            admin.close()
        }
    }

    /// PROTOCOL.md, LOGIN: "Waiting tickets it can take are offered at once, as pushes."
    @Test func loginPushesOffersForTicketsAlreadyWaiting() async throws {
        try await NodeHarness.with(queues: Self.plainQueues) { harness in
            let intake = try harness.wire()
            #expect(try await intake.request("SUBMIT customer=c channel=chat queue=hosting subject=waiting")
                == "OK ticket=1 state=queued tier=1")
            let desk = try harness.wire()
            #expect(try await desk.request("LOGIN agent=alice skills=linux capacity=chat:1") == "OK agent=alice status=available")
            expectLine(try await intake.listing("TICKET id=1")[0], "TICKET id=1 state=offered <*> owner=alice <*>")
            let push = try? await desk.readLine(within: 10)
            #expect(push.map { wireLine($0, matches: "* OFFER ticket=1 queue=hosting <*>") } == true,
                    "the ticket is offered to alice but her connection got [\(push ?? "nothing")]")
            desk.close()
            intake.close()
        }
    }
}
