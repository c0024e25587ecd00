import Foundation
import Glibc
import SwitchboardClient
import SwitchboardCore
import Testing

/// The built `switchboard` executable run as separate processes: a node on an ephemeral
/// loopback port, the admin commands and an agent's desk against it, and the exit statuses.
@Suite struct CommandLineTests {
    /// Runs one CLI command to completion and returns its exit status and output.
    struct Run {
        let status: Int32
        let output: String
        let errors: String
    }

    static func run(_ binary: String, _ arguments: [String], scratch: ScratchDirectory, label: String) async throws -> Run {
        let process = try ChildProcess(binary, arguments, scratch: scratch, name: label)
        let status = try await process.exitStatus(within: 10)
        return Run(status: status, output: process.output, errors: process.errors)
    }

    static func json(_ text: String) -> Any? {
        try? JSONSerialization.jsonObject(with: Data(text.utf8))
    }

    @Test func theAdminCommandsDriveANodeProcessAndSIGTERMStopsItWithStatusZero() async throws {
        let binary = try SwitchboardBinary.path()
        let scratch = try ScratchDirectory("switchboard-cli")
        defer { scratch.remove() }
        let node = try await NodeProcess.start(binary, scratch: scratch, extra: ["--id", "cli-node"])
        defer { node.process.kill() }
        var count = 0
        func cli(_ arguments: String...) async throws -> Run {
            count += 1
            return try await Self.run(binary, arguments + ["--node", node.address], scratch: scratch, label: "cli-\(count)")
        }

        let created = try await cli("queue", "create", "hosting", "--skills", "linux:2", "--sla", "urgent:5m,high:30m")
        #expect(created.status == 0, "\(created.errors)")
        #expect(created.output == "queue hosting created\n")
        let again = try await cli("queue", "create", "hosting")
        #expect(again.status == 1)
        #expect(again.errors.contains("exists"), "\(again.errors)")
        #expect(try await cli("queue", "update", "hosting", "--offer-timeout", "45s").status == 0)

        let submitted = try await cli("submit", "--customer", "acme-42", "--channel", "chat", "--queue", "hosting",
                                      "--priority", "high", "--subject", "Site down since 9:00")
        #expect(submitted.status == 0, "\(submitted.errors)")
        #expect(submitted.output == "1\n")
        let second = try await cli("submit", "--customer", "beta", "--channel", "email", "--queue", "hosting", "--json")
        #expect(second.status == 0, "\(second.errors)")
        let secondObject = Self.json(second.output) as? [String: Any]
        #expect(secondObject?["ticket"] as? Int == 2)
        #expect(secondObject?["state"] as? String == "queued")
        #expect(secondObject?["agent"] is NSNull)

        let tickets = try await cli("tickets", "--json")
        #expect(tickets.status == 0, "\(tickets.errors)")
        let array = Self.json(tickets.output) as? [[String: Any]]
        #expect(array?.count == 2, "tickets --json printed [\(tickets.output)]")
        for ticket in array ?? [] {
            for key in ["id", "state", "queue", "owner", "history"] {
                #expect(ticket[key] != nil, "a ticket in tickets --json lacks \(key)")
            }
            #expect(ticket["queue"] as? String == "hosting")
            #expect(ticket["state"] as? String == "queued")
            #expect(ticket["owner"] is NSNull)
            #expect((ticket["history"] as? [[String: Any]])?.first?["event"] as? String == "created")
        }
        #expect(array?.compactMap { $0["id"] as? Int } == [1, 2])
        let queued = try await cli("tickets", "--state", "queued", "--queue", "hosting", "--json")
        #expect((Self.json(queued.output) as? [Any])?.count == 2)

        let one = try await cli("ticket", "1", "--json")
        #expect(one.status == 0, "\(one.errors)")
        let ticket = Self.json(one.output) as? [String: Any]
        #expect(ticket?["id"] as? Int == 1)
        #expect(ticket?["subject"] as? String == "Site down since 9:00")
        #expect(ticket?["priority"] as? String == "high")
        #expect(ticket?["skills"] as? String == "linux:2")
        if let created = ticket?["created_ms"] as? Int, let deadline = ticket?["deadline_ms"] as? Int {
            #expect(deadline - created == 30 * 60 * 1000)
        } else {
            Issue.record("ticket --json lacks created_ms/deadline_ms: \(one.output)")
        }
        let text = try await cli("ticket", "1")
        #expect(text.status == 0)
        #expect(text.output.contains("Site down since 9:00"))
        #expect(text.output.contains("created"))

        let status = try await cli("status", "--json")
        #expect(status.status == 0, "\(status.errors)")
        let object = Self.json(status.output) as? [String: Any]
        #expect(object?["id"] as? String == "cli-node")
        #expect((object?["uptime_s"] as? Int).map { $0 >= 0 } == true)
        #expect((object?["connections"] as? Int).map { $0 >= 1 } == true)
        #expect(object?["tickets"] as? Int == 2)
        let digest = object?["digest"] as? String ?? ""
        #expect(digest.count == 16 && digest.allSatisfy(\.isHexDigit), "digest [\(digest)]")
        let plain = try await cli("status")
        #expect(plain.output.contains("state digest \(digest)"))

        let agents = try await cli("agents")
        #expect(agents.status == 0)
        #expect(agents.output.hasPrefix("AGENT"))
        let queues = try await cli("queues")
        #expect(queues.status == 0)
        #expect(queues.output.hasPrefix("QUEUE"))
        #expect(queues.output.contains("hosting"))
        let queuesJSON = Self.json(try await cli("queues", "--json").output) as? [[String: Any]]
        #expect(queuesJSON?.first?["offer_timeout_ms"] as? Int == 45_000)
        let cancelled = try await cli("cancel", "2")
        #expect(cancelled.status == 0)
        #expect(cancelled.output == "ticket 2 cancelled\n")

        // Exit statuses: 1 refused, 2 usage error, 3 cannot connect.
        let unknown = try await cli("ticket", "999")
        #expect(unknown.status == 1)
        #expect(unknown.errors.contains("UNKNOWN_TICKET"), "\(unknown.errors)")
        #expect(try await cli("submit", "--customer", "c", "--channel", "chat", "--queue", "nowhere").status == 1)
        let badState = try await cli("tickets", "--state", "lost")
        #expect(badState.status == 2)
        #expect(badState.errors.contains("state=lost"), "\(badState.errors)")
        #expect(try await cli("submit", "--customer", "c", "--queue", "hosting").status == 2)
        #expect(try await cli("ticket").status == 2)
        #expect(try await cli("tickets", "--colour", "blue").status == 2)
        #expect(try await Self.run(binary, ["frobnicate"], scratch: scratch, label: "unknown-subcommand").status == 2)
        #expect(try await Self.run(binary, ["status", "--node", "nonsense"], scratch: scratch, label: "bad-node").status == 2)
        let unreachable = try await Self.run(binary, ["status", "--node", "127.0.0.1:1"], scratch: scratch, label: "unreachable")
        #expect(unreachable.status == 3)
        #expect(unreachable.errors.contains("127.0.0.1:1"), "\(unreachable.errors)")

        node.process.signal(SIGTERM)
        #expect(try await node.process.exitStatus(within: 10) == 0)
        #expect(node.process.errors.contains("stopped"), "node log: \(node.process.errors)")
    }

    @Test func anAgentDeskDrivenThroughItsStandardInputAcceptsAndResolvesItsOffer() async throws {
        let binary = try SwitchboardBinary.path()
        let scratch = try ScratchDirectory("switchboard-desk")
        defer { scratch.remove() }
        let node = try await NodeProcess.start(binary, scratch: scratch)
        defer { node.process.kill() }
        let admin = try await SwitchboardClient.connect(host: "127.0.0.1", port: node.port, token: nil)
        defer { admin.close() }
        try await admin.upsertQueue(.init(name: "hosting", skills: [SkillLevel("linux", level: 2)]))

        let desk = try ChildProcess(binary, ["agent", "--id", "alice", "--skills", "linux:3", "--capacity", "chat:2",
                                             "--node", node.address], scratch: scratch, name: "desk", input: true)
        defer { desk.kill() }
        #expect(await desk.waitForOutput("logged in as alice"), "desk: \(desk.output) \(desk.errors)")
        let submitted = try await admin.submit(TicketSubmission(customer: "acme-42", channel: .chat, priority: .high,
                                                                queue: "hosting", subject: "Site down"))
        #expect(submitted.state == .offered)
        #expect(await desk.waitForOutput("OFFER ticket \(submitted.ticket)"), "desk: \(desk.output)")
        try desk.write("accept \(submitted.ticket)\n")
        #expect(await desk.waitForOutput("ticket \(submitted.ticket) is yours"), "desk: \(desk.output)")
        try desk.write("list\n")
        #expect(await desk.waitForOutput("\(submitted.ticket) assigned"), "desk: \(desk.output)")
        try desk.write("resolve \(submitted.ticket)\n")
        #expect(await desk.waitForOutput("ticket \(submitted.ticket) resolved"), "desk: \(desk.output)")
        try desk.write("quit\n")
        #expect(try await desk.exitStatus(within: 10) == 0)
        #expect(desk.output.contains("logged out"))

        let ticket = try await admin.ticket(submitted.ticket)
        #expect(ticket.state == .resolved)
        #expect(ticket.history.map(\.event) == ["created", "offered", "assigned", "resolved"])
        #expect(try await admin.agents().first { $0.id == AgentID("alice") }?.status == .offline)

        // End of input leaves without logging out: the session is lost, the agent not logged out.
        let bobDesk = try ChildProcess(binary, ["agent", "--id", "bob", "--skills", "linux", "--capacity", "email:1",
                                                "--node", node.address], scratch: scratch, name: "bob-desk", input: true)
        defer { bobDesk.kill() }
        #expect(await bobDesk.waitForOutput("logged in as bob"), "desk: \(bobDesk.output) \(bobDesk.errors)")
        bobDesk.closeInput()
        #expect(try await bobDesk.exitStatus(within: 10) == 0)
        let lost = await eventually {
            (try? await admin.agents().first { $0.id == AgentID("bob") }).map { $0?.sessionLost == true && $0?.status != .offline } == true
        }
        let bob = try await admin.agents().first { $0.id == AgentID("bob") }
        #expect(lost, "bob after his desk's input ended: \(String(describing: bob))")

        node.process.signal(SIGTERM)
        #expect(try await node.process.exitStatus(within: 10) == 0)
    }

    @Test func aNodeThatWouldListenBeyondLoopbackWithoutTokensExitsWithStatusTwo() async throws {
        let binary = try SwitchboardBinary.path()
        let scratch = try ScratchDirectory("switchboard-open")
        defer { scratch.remove() }
        let open = try await Self.run(binary, ["node", "--listen", "0.0.0.0:0", "--port-file", scratch.file("port"),
                                               "--data", scratch.file("data")], scratch: scratch, label: "open-node")
        #expect(open.status == 2)
        #expect(open.errors.contains("tokens"), "stderr: \(open.errors)")
        #expect(!FileManager.default.fileExists(atPath: scratch.file("port")))
        let short = try await Self.run(binary, ["node", "--listen", "127.0.0.1:0", "--token", "admin:short"],
                                       scratch: scratch, label: "short-token")
        #expect(short.status == 2)
        #expect(short.errors.contains("at least 8 characters"), "stderr: \(short.errors)")
        let badRole = try await Self.run(binary, ["node", "--listen", "127.0.0.1:0", "--token", "root:long-enough-token"],
                                         scratch: scratch, label: "bad-role")
        #expect(badRole.status == 2)
    }

    @Test func aNodeWithTokensAndAConfigFileServesTheCLIOnlyWithAToken() async throws {
        let binary = try SwitchboardBinary.path()
        let scratch = try ScratchDirectory("switchboard-tokens")
        defer { scratch.remove() }
        let config = try scratch.write("node.json", """
            {"id": "configured", "queues": [{"name": "billing", "skills": "billing:2", "offer_timeout": "20s"}],
             "tokens": [{"role": "admin", "token": "admin-token-0001"}, {"role": "intake", "token": "intake-token-002"}]}
            """)
        let node = try await NodeProcess.start(binary, scratch: scratch, extra: ["--config", config])
        defer { node.process.kill() }
        var count = 0
        func cli(_ arguments: String...) async throws -> Run {
            count += 1
            return try await Self.run(binary, arguments + ["--node", node.address], scratch: scratch, label: "cli-\(count)")
        }
        let anonymous = try await cli("status")
        #expect(anonymous.status == 1)
        #expect(anonymous.errors.contains("AUTH_REQUIRED"), "\(anonymous.errors)")
        let wrong = try await cli("status", "--token", "not-the-token")
        #expect(wrong.status == 1)
        #expect(wrong.errors.contains("BAD_TOKEN"), "\(wrong.errors)")
        let status = try await cli("status", "--json", "--token", "admin-token-0001")
        #expect(status.status == 0, "\(status.errors)")
        #expect((Self.json(status.output) as? [String: Any])?["id"] as? String == "configured")
        let queues = Self.json(try await cli("queues", "--json", "--token", "intake-token-002").output) as? [[String: Any]]
        #expect(queues?.map { $0["name"] as? String } == ["billing"])
        #expect(queues?.first?["offer_timeout_ms"] as? Int == 20_000)
        let forbidden = try await cli("queue", "create", "hosting", "--token", "intake-token-002")
        #expect(forbidden.status == 1)
        #expect(forbidden.errors.contains("FORBIDDEN"), "\(forbidden.errors)")
        #expect(try await cli("submit", "--customer", "c", "--channel", "web", "--queue", "billing",
                              "--token", "intake-token-002").output == "1\n")

        node.process.signal(SIGINT)
        #expect(try await node.process.exitStatus(within: 10) == 0)
        #expect(node.process.errors.contains("stopped"))
        #expect(!node.process.errors.contains("admin-token-0001"), "the node logged a token")
        #expect(!node.process.errors.contains("not-the-token"), "the node logged a bad token")
    }

    @Test func aBrokenConfigFileStopsTheNodeWithStatusTwoAndAMessageNamingTheFile() async throws {
        let binary = try SwitchboardBinary.path()
        let scratch = try ScratchDirectory("switchboard-badconfig")
        defer { scratch.remove() }
        let config = try scratch.write("broken.json", #"{"queues": [{"name": "q", "tier": "two"}]}"#)
        let run = try await Self.run(binary, ["node", "--config", config, "--listen", "127.0.0.1:0"], scratch: scratch, label: "broken")
        #expect(run.status == 2)
        #expect(run.errors.contains(config) && run.errors.contains("tier"), "stderr: \(run.errors)")
    }
}
