import SwitchboardCore
import Testing
@testable import SwitchboardProtocol

@Suite struct RequestCodecTests {
    static let everyVerb: [Request] = [
        .auth(token: "s3cret"),
        .ping,
        .quit,
        .queue(QueueSettings(name: "hosting")),
        .queue(QueueSettings(
            name: "hosting", skills: [SkillLevel("linux", level: 2)], tier: 2,
            sla: SLATargets(urgent: 300_000, high: 1_800_000, normal: 14_400_000, low: 86_400_000),
            strategy: .roundRobin, offerTimeoutMs: 20_000, wrapUpMs: 1_500)),
        .login(AgentProfile(id: AgentID("alice"), name: "Alice Smith", skills: [SkillLevel("linux", level: 4), SkillLevel("dns")],
                            tier: 2, capacity: Capacity(chat: 3, email: 5, total: 6), autoAccept: true)),
        .login(AgentProfile(id: AgentID("bob"), skills: [], capacity: Capacity(phone: 1))),
        .logout(agent: nil),
        .logout(agent: AgentID("alice")),
        .setStatus(.away, agent: nil),
        .setStatus(.available, agent: AgentID("bob")),
        .submit(TicketSubmission(customer: "acme 42", channel: .chat, priority: .urgent, queue: "hosting",
                                 skills: [SkillLevel("mysql", level: 3)], minimumTier: 2, subject: "Site \"down\"\nsince 9:00")),
        .submit(TicketSubmission(customer: "c", channel: .web, queue: "billing")),
        .accept(TicketID(1), agent: nil),
        .accept(TicketID(7), agent: AgentID("alice")),
        .decline(TicketID(2), agent: nil),
        .resolve(TicketID(3), agent: AgentID("bob")),
        .escalate(TicketID(4), tier: nil, agent: nil),
        .escalate(TicketID(4), tier: 3, agent: AgentID("alice")),
        .transfer(TicketID(5), to: .queue("billing"), agent: nil),
        .transfer(TicketID(5), to: .agent(AgentID("carol")), agent: AgentID("alice")),
        .cancel(TicketID(6)),
        .ticket(TicketID(6)),
        .tickets(state: nil, queue: nil),
        .tickets(state: .queued, queue: "hosting"),
        .agents,
        .queues,
        .status,
        .snapshot,
    ]

    @Test(arguments: everyVerb)
    func everyRequestSurvivesPrintingAndParsing(request: Request) throws {
        let text = request.line.description
        let parsed = try #require(try LineParser.parse(text))
        #expect(try Request(parsed) == request, "line: \(text)")
    }

    @Test func everyVerbIsCoveredByTheRoundTripTable() {
        #expect(Set(Self.everyVerb.map(\.verb)) == Set(Request.verbs))
    }

    @Test(arguments: [
        ("FLY ticket=1", ProtocolError.Code.unknownVerb),
        ("SUBMIT channel=chat queue=q", .missingArgument),
        ("SUBMIT customer=c channel=fax queue=q", .badArgument),
        ("SUBMIT customer=c channel=chat queue=q priority=asap", .badArgument),
        ("SUBMIT customer=c channel=chat queue=q tier=0", .badArgument),
        ("SUBMIT customer=c channel=chat queue=q tier=two", .badArgument),
        ("SUBMIT customer=c channel=chat queue=q skills=linux:9", .badArgument),
        ("SUBMIT customer=c channel=chat queue=q skills=:3", .badArgument),
        ("SUBMIT customer=c channel=chat queue=q colour=red", .unknownArgument),
        ("SUBMIT customer=c customer=d channel=chat queue=q", .badArgument),
        ("SUBMIT stray customer=c channel=chat queue=q", .badSyntax),
        ("ACCEPT", .missingArgument),
        ("ACCEPT ticket=0", .badArgument),
        ("ACCEPT ticket=-3", .badArgument),
        ("ACCEPT ticket=abc", .badArgument),
        ("LOGIN agent=a skills=linux capacity=fax:3", .badArgument),
        ("LOGIN agent=a skills=linux capacity=chat:x", .badArgument),
        ("LOGIN agent=a skills=linux capacity=chat:3 auto-accept=maybe", .badArgument),
        ("LOGIN agent=a capacity=chat:3", .missingArgument),
        ("SET-STATUS status=sleeping", .badArgument),
        ("TRANSFER ticket=1", .missingArgument),
        ("TRANSFER ticket=1 queue=a to=b", .missingArgument),
        ("QUEUE name=q sla=urgent:soon", .badArgument),
        ("QUEUE name=q sla=asap:5m", .badArgument),
        ("QUEUE name=q strategy=random", .badArgument),
        ("QUEUE name=q offer-timeout=-5", .badArgument),
        ("AUTH", .badSyntax),
        ("AUTH a b", .badSyntax),
        ("TICKETS state=lost", .badArgument),
    ])
    func aBadRequestIsRefusedWithTheRightCode(text: String, code: ProtocolError.Code) throws {
        let line = try #require(try LineParser.parse(text))
        #expect {
            _ = try Request(line)
        } throws: { error in
            (error as? ProtocolError)?.code == code
        }
    }

    @Test func verbsAreCaseInsensitive() throws {
        let line = try #require(try LineParser.parse("ping"))
        #expect(try Request(line) == .ping)
    }

    @Test(arguments: [("1500", Int64(1500)), ("1500ms", 1500), ("30s", 30_000), ("5m", 300_000), ("4h", 14_400_000), ("1d", 86_400_000)])
    func durationsAcceptUnits(text: String, ms: Int64) throws {
        #expect(try WireValue.duration(text, "d") == ms)
    }

    @Test(arguments: [Int64(0), 1, 999, 1000, 60_000, 90_000, 3_600_000, 86_400_000, 123_456])
    func durationsPrintExactly(ms: Int64) throws {
        #expect(try WireValue.duration(WireValue.duration(ms), "d") == ms)
    }
}

@Suite struct ReplyAndPushTests {
    @Test func repliesPrintAsDocumented() {
        #expect(Reply.ok([.init("ticket", "42"), .init("state", "queued")]).lines == ["OK ticket=42 state=queued"])
        #expect(Reply.error(code: "UNKNOWN_TICKET", message: "no ticket [9]").lines == ["ERR UNKNOWN_TICKET no ticket [9]"])
        #expect(Reply.error(code: "X", message: "two\nlines").lines == ["ERR X two lines"])
        #expect(Reply.listing([Line("AGENT", [], [.init("id", "a")])]).lines == ["AGENT id=a", "END"])
    }

    @Test func theAssemblerReadsOkErrorsAndListings() throws {
        var assembler = ReplyAssembler()
        #expect(try assembler.feed("OK ticket=1", listing: false) == .ok([.init("ticket", "1")]))
        #expect(try assembler.feed("ERR NOT_OWNER ticket [1] is not owned by agent [b]", listing: false)
            == .error(code: "NOT_OWNER", message: "ticket [1] is not owned by agent [b]"))
        #expect(try assembler.feed("QUEUE name=a", listing: true) == nil)
        #expect(try assembler.feed("QUEUE name=b", listing: true) == nil)
        #expect(try assembler.feed("END", listing: true)
            == .listing([Line("QUEUE", [], [.init("name", "a")]), Line("QUEUE", [], [.init("name", "b")])]))
        #expect(try assembler.feed("ERR FORBIDDEN no", listing: true) == .error(code: "FORBIDDEN", message: "no"))
    }

    static let pushes: [Push] = [
        .offer(TicketSummary(id: TicketID(4), queue: "hosting", channel: .chat, priority: .high, customer: "acme", subject: "Site down"),
               expiresAt: Timestamp(milliseconds: 1_764_144_030_000)),
        .assigned(TicketSummary(id: TicketID(4), queue: "hosting", channel: .email, priority: .low, customer: "a b", subject: "")),
        .revoked(TicketID(9), reason: "expired"),
        .status(AgentID("alice"), .away),
    ]

    @Test(arguments: pushes)
    func pushesStartWithTheMarkerAndRoundTrip(push: Push) throws {
        #expect(push.text.hasPrefix("* "))
        #expect(try Push(push.text) == push)
    }
}
