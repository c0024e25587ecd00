import SwitchboardCore
import SwitchboardNode
import Testing

/// A node with tokens: authentication first, then each role only its verbs.
@Suite struct AuthAndRoleTests {
    static let adminToken = "admin-token-0001"
    static let agentToken = "agent-token-0002"
    static let intakeToken = "intake-token-0003"
    static let tokens: [(String, Role)] = [(adminToken, .admin), (agentToken, .agent), (intakeToken, .intake)]
    static let queues = [QueueConfig(name: "hosting")]

    @Test func aRequestBeforeAuthGetsAuthRequiredAndTheConnectionKeepsServing() async throws {
        try await NodeHarness.with(tokens: Self.tokens, queues: Self.queues) { harness in
            let wire = try harness.wire()
            for line in ["PING", "STATUS", "QUEUES", "SUBMIT customer=c channel=chat queue=hosting", "LOGIN agent=a skills=x capacity=chat:1"] {
                #expect(try await wire.request(line) == "ERR AUTH_REQUIRED send AUTH <token> first", "\(line)")
            }
            #expect(try await wire.request("AUTH \(Self.intakeToken)") == "OK role=intake")
            #expect(try await wire.request("PING") == "OK")
            // A bad line before AUTH is still answered with its own error.
            let other = try harness.wire()
            #expect(try await other.request("FROB").hasPrefix("ERR UNKNOWN_VERB "))
            #expect(try await other.request("AUTH \(Self.adminToken)") == "OK role=admin")
            other.close()
            wire.close()
        }
    }

    @Test func eachTokenAuthenticatesAsItsRole() async throws {
        try await NodeHarness.with(tokens: Self.tokens, queues: Self.queues) { harness in
            for (token, role) in Self.tokens {
                let wire = try harness.wire()
                #expect(try await wire.request("AUTH \(token)") == "OK role=\(role.rawValue)")
                wire.close()
            }
        }
    }

    @Test func aBadTokenGetsBadTokenAndTheThirdClosesTheConnection() async throws {
        try await NodeHarness.with(tokens: Self.tokens, queues: Self.queues) { harness in
            let wire = try harness.wire()
            #expect(try await wire.request("AUTH not-a-token") == "ERR BAD_TOKEN token not recognised")
            #expect(try await wire.request("PING") == "ERR AUTH_REQUIRED send AUTH <token> first")
            // A prefix of a real token is not the token.
            #expect(try await wire.request("AUTH \(Self.adminToken.dropLast())") == "ERR BAD_TOKEN token not recognised")
            #expect(try await wire.request("PING") == "ERR AUTH_REQUIRED send AUTH <token> first")
            #expect(try await wire.request("AUTH \(Self.adminToken)x") == "ERR BAD_TOKEN token not recognised")
            #expect(try await wire.closesWithoutMoreLines())
            wire.close()
            // A good token after one bad one still works.
            let retry = try harness.wire()
            #expect(try await retry.request("AUTH wrong-guess-1") == "ERR BAD_TOKEN token not recognised")
            #expect(try await retry.request("AUTH \(Self.agentToken)") == "OK role=agent")
            #expect(try await retry.request("PING") == "OK")
            retry.close()
        }
    }

    /// "Three bad tokens close the connection" bounds guessing: it must hold however the
    /// guesses arrive, including many pipelined in one write.
    @Test func tokenGuessesPipelinedInOneWriteStopAtTheThirdBadToken() async throws {
        try await NodeHarness.with(tokens: Self.tokens, queues: Self.queues) { harness in
            let wire = try harness.wire()
            let guesses = (1...20).map { "AUTH guess-number-\($0)\n" }.joined()
            try await wire.send(bytes: Array((guesses + "AUTH \(Self.adminToken)\nQUEUE name=guessed\n").utf8))
            var replies: [String] = []
            while let line = try await wire.readLineOrEOF() { replies.append(line) }
            #expect(replies.prefix(3).allSatisfy { $0 == "ERR BAD_TOKEN token not recognised" })
            #expect(replies.count == 3, "the node answered \(replies.count) lines before closing; the last: \(replies.suffix(2))")
            let admin = try harness.wire()
            #expect(try await admin.request("AUTH \(Self.adminToken)") == "OK role=admin")
            let queues = try await admin.listing("QUEUES")
            #expect(!queues.contains { $0.contains("guessed") }, "a guessed token's QUEUE was carried out")
            admin.close()
            wire.close()
        }
    }

    @Test func theIntakeRoleMayNotUseAdminOrAgentVerbs() async throws {
        try await NodeHarness.with(tokens: Self.tokens, queues: Self.queues) { harness in
            let wire = try harness.wire()
            #expect(try await wire.request("AUTH \(Self.intakeToken)") == "OK role=intake")
            let forbidden = [
                ("QUEUE name=new", "QUEUE"), ("LOGIN agent=a skills=linux capacity=chat:1", "LOGIN"), ("LOGOUT agent=a", "LOGOUT"),
                ("SET-STATUS status=away agent=a", "SET-STATUS"), ("ACCEPT ticket=1 agent=a", "ACCEPT"),
                ("DECLINE ticket=1 agent=a", "DECLINE"), ("RESOLVE ticket=1 agent=a", "RESOLVE"), ("ESCALATE ticket=1", "ESCALATE"),
                ("TRANSFER ticket=1 queue=hosting", "TRANSFER"), ("SNAPSHOT", "SNAPSHOT"),
            ]
            for (line, verb) in forbidden {
                #expect(try await wire.request(line) == "ERR FORBIDDEN role intake may not use \(verb)")
                #expect(try await wire.request("PING") == "OK")
            }
            #expect(try await wire.request("SUBMIT customer=c channel=chat queue=hosting") == "OK ticket=1 state=queued tier=1")
            #expect(try await wire.request("CANCEL ticket=1") == "OK ticket=1 state=cancelled tier=1")
            try await expectQueriesAllowed(on: wire)
            wire.close()
        }
    }

    @Test func theAgentRoleMayNotUseAdminOrIntakeVerbs() async throws {
        try await NodeHarness.with(tokens: Self.tokens, queues: Self.queues) { harness in
            let wire = try harness.wire()
            #expect(try await wire.request("AUTH \(Self.agentToken)") == "OK role=agent")
            for (line, verb) in [("QUEUE name=new", "QUEUE"), ("SUBMIT customer=c channel=chat queue=hosting", "SUBMIT"), ("CANCEL ticket=1", "CANCEL")] {
                #expect(try await wire.request(line) == "ERR FORBIDDEN role agent may not use \(verb)")
                #expect(try await wire.request("PING") == "OK")
            }
            #expect(try await wire.request("LOGIN agent=alice skills=linux capacity=chat:1") == "OK agent=alice status=available")
            #expect(try await wire.request("SET-STATUS status=away") == "OK agent=alice status=away")
            #expect(try await wire.request("LOGOUT") == "OK agent=alice status=offline")
            try await expectQueriesAllowed(on: wire)
            wire.close()
        }
    }

    @Test func theAdminRoleMayUseEveryVerb() async throws {
        try await NodeHarness.with(tokens: Self.tokens, queues: Self.queues) { harness in
            let wire = try harness.wire()
            #expect(try await wire.request("AUTH \(Self.adminToken)") == "OK role=admin")
            #expect(try await wire.request("QUEUE name=billing") == "OK queue=billing")
            #expect(try await wire.request("LOGIN agent=alice skills=linux capacity=chat:1") == "OK agent=alice status=available")
            #expect(try await wire.request("SUBMIT customer=c channel=chat queue=hosting") == "OK ticket=1 state=offered agent=alice tier=1")
            #expect(try await wire.request("ACCEPT ticket=1 agent=alice") == "OK ticket=1 state=assigned agent=alice tier=1")
            #expect(try await wire.request("TRANSFER ticket=1 queue=billing") == "OK ticket=1 state=offered agent=alice tier=1")
            #expect(try await wire.request("CANCEL ticket=1") == "OK ticket=1 state=cancelled tier=1")
            #expect(try await wire.request("LOGOUT agent=alice") == "OK agent=alice status=offline")
            try await expectQueriesAllowed(on: wire)
            wire.close()
        }
    }

    @Test func anAgentConnectionMayNotActForAnotherAgent() async throws {
        try await NodeHarness.with(tokens: Self.tokens, queues: Self.queues) { harness in
            let admin = try harness.wire()
            let alice = try harness.wire()
            let bob = try harness.wire()
            #expect(try await admin.request("AUTH \(Self.adminToken)") == "OK role=admin")
            #expect(try await alice.request("AUTH \(Self.agentToken)") == "OK role=agent")
            #expect(try await bob.request("AUTH \(Self.agentToken)") == "OK role=agent")
            #expect(try await alice.request("LOGIN agent=alice skills=linux capacity=chat:1") == "OK agent=alice status=available")
            #expect(try await bob.request("LOGIN agent=bob skills=linux capacity=chat:1") == "OK agent=bob status=available")
            let submitted = try await admin.request("SUBMIT customer=c channel=chat queue=hosting")
            let holder = field("agent", in: submitted) ?? "alice"
            let (holderWire, otherWire, other) = holder == "alice" ? (alice, bob, "bob") : (bob, alice, "alice")
            let forbidden = "ERR FORBIDDEN an agent connection acts only for the agent logged in on it"
            for line in ["ACCEPT ticket=1 agent=\(holder)", "DECLINE ticket=1 agent=\(holder)", "RESOLVE ticket=1 agent=\(holder)",
                         "SET-STATUS status=away agent=\(holder)", "LOGOUT agent=\(holder)", "ESCALATE ticket=1 agent=\(holder)",
                         "TRANSFER ticket=1 to=\(other) agent=\(holder)"] {
                #expect(try await otherWire.request(line) == forbidden, "\(line)")
                #expect(try await otherWire.request("PING") == "OK")
            }
            let relogin = try await otherWire.request("LOGIN agent=\(holder) skills=linux capacity=chat:1")
            #expect(relogin.hasPrefix("ERR FORBIDDEN "), "\(relogin)")
            // None of it touched the holder's offer; the holder itself may act.
            expectLine(try await admin.listing("TICKET id=1")[0], "TICKET id=1 state=offered <*> owner=\(holder) <*>")
            #expect(try await holderWire.request("ACCEPT ticket=1") == "OK ticket=1 state=assigned agent=\(holder) tier=1")
            // An agent connection with nobody logged in may not name an agent either.
            let fresh = try harness.wire()
            #expect(try await fresh.request("AUTH \(Self.agentToken)") == "OK role=agent")
            #expect(try await fresh.request("RESOLVE ticket=1 agent=\(holder)") == forbidden)
            let anonymous = try await fresh.request("RESOLVE ticket=1")
            #expect(anonymous.hasPrefix("ERR "), "\(anonymous)")
            #expect(try await fresh.request("PING") == "OK")
            for wire in [admin, alice, bob, fresh] { wire.close() }
        }
    }

    @Test func aConnectionThatNeverAuthenticatesIsClosedAfterTheAuthTimeout() async throws {
        try await NodeHarness.with(tokens: Self.tokens, queues: Self.queues, configure: { $0.authTimeoutMs = 300 }) { harness in
            // A connection that authenticates in time (on a loaded machine the first try may be
            // too slow for 300 ms; then it is closed like any other, and the test tries again).
            var good: WireConnection?
            let authenticated = await eventually {
                guard let wire = try? harness.wire() else { return false }
                guard (try? await wire.request("AUTH \(Self.intakeToken)")) == "OK role=intake" else { return false }
                good = wire
                return true
            }
            #expect(authenticated)
            let silent = try harness.wire()
            let failed = try harness.wire()
            try await failed.send("AUTH bad-token-here")
            let line = try await silent.readLine(within: 10)
            #expect(line == "ERR AUTH_REQUIRED no AUTH within 0.3 s")
            #expect(try await silent.closesWithoutMoreLines())
            // One bad token does not stop the clock: it is closed too, after its BAD_TOKEN (if
            // that came in time).
            var replies: [String] = []
            while let reply = try await failed.readLineOrEOF() { replies.append(reply) }
            #expect(replies.last == "ERR AUTH_REQUIRED no AUTH within 0.3 s", "\(replies)")
            #expect(replies.dropLast().allSatisfy { $0 == "ERR BAD_TOKEN token not recognised" }, "\(replies)")
            // The authenticated connection outlives the timeout.
            if let good {
                #expect(try await good.request("PING") == "OK")
                good.close()
            }
            silent.close()
            failed.close()
        }
    }

    private func expectQueriesAllowed(on wire: WireConnection, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        #expect(try await wire.request("PING") == "OK", sourceLocation: sourceLocation)
        expectLine(try await wire.request("STATUS"), "OK id=node-1 <*>", sourceLocation: sourceLocation)
        _ = try await wire.listing("TICKETS")
        _ = try await wire.listing("AGENTS")
        #expect(try await wire.listing("QUEUES").count >= 1, sourceLocation: sourceLocation)
        let ticket = try await wire.request("TICKET id=999")
        #expect(ticket == "ERR UNKNOWN_TICKET no ticket [999]", sourceLocation: sourceLocation)
    }
}

/// What `NodeConfiguration.validate()` refuses before a node starts.
@Suite struct ConfigurationValidationTests {
    @Test(arguments: ["0.0.0.0", "192.168.1.10", "::", "10.0.0.1"])
    func aNonLoopbackListenAddressWithoutTokensIsRefusedWithAMessageThatSaysSo(_ host: String) throws {
        var configuration = NodeConfiguration()
        configuration.listen = ListenAddress(host: host, port: 7400)
        #expect {
            try configuration.validate()
        } throws: { error in
            guard let error = error as? ConfigurationError else { return false }
            return error.message.contains("needs tokens") && error.message.contains(host)
        }
        configuration.tokens = [(token: "long-enough-token", role: .admin)]
        try configuration.validate()
    }

    @Test(arguments: ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
    func aLoopbackListenAddressNeedsNoTokens(_ host: String) throws {
        var configuration = NodeConfiguration()
        configuration.listen = ListenAddress(host: host, port: 0)
        try configuration.validate()
    }

    /// A host *name* that merely starts with `127.` is not a loopback address: it resolves to
    /// whatever DNS says.
    @Test func aHostNameThatStartsWith127IsNotTreatedAsLoopback() throws {
        var configuration = NodeConfiguration()
        configuration.listen = ListenAddress(host: "127.attacker.example", port: 7400)
        #expect(throws: ConfigurationError.self) { try configuration.validate() }
    }

    @Test func aTokenShorterThanEightCharactersIsRefused() throws {
        var configuration = NodeConfiguration()
        configuration.tokens = [(token: "long-enough", role: .admin), (token: "short7c", role: .agent)]
        #expect {
            try configuration.validate()
        } throws: { error in
            guard let error = error as? ConfigurationError else { return false }
            return error.message.contains("token #2") && error.message.contains("at least 8 characters")
        }
        configuration.tokens = [(token: "exactly8", role: .agent)]
        try configuration.validate()
        configuration.tokens = [(token: "has a space", role: .agent)]
        #expect(throws: ConfigurationError.self) { try configuration.validate() }
    }

    @Test func aNodeWillNotStartWithAConfigurationValidateRefuses() async throws {
        var configuration = NodeConfiguration()
        configuration.listen = ListenAddress(host: "0.0.0.0", port: 0)
        await #expect(throws: ConfigurationError.self) {
            let node = try await Node.start(configuration, log: Log(minimum: .error))
            await node.stop()
        }
    }
}
