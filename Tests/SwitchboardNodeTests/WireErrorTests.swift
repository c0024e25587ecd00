import SwitchboardCore
import Testing

/// Bad input over a raw connection: each gets its documented `ERR CODE …`, and the same
/// connection goes on serving.
@Suite struct WireErrorTests {
    /// A request line and the reply it must get.
    struct Case: CustomStringConvertible {
        let line: [UInt8]
        let reply: String
        init(_ line: String, _ reply: String) {
            self.line = Array(line.utf8)
            self.reply = reply
        }
        init(bytes: [UInt8], _ reply: String) {
            self.line = bytes
            self.reply = reply
        }
        var description: String { String(decoding: line, as: UTF8.self) }
    }

    static let knownVerbs = "AUTH PING QUIT QUEUE LOGIN LOGOUT SET-STATUS SUBMIT ACCEPT DECLINE RESOLVE ESCALATE "
        + "TRANSFER CANCEL TICKET TICKETS AGENTS QUEUES STATUS SNAPSHOT"

    static let requestErrors: [Case] = [
        // Unknown verb.
        Case("FROB ticket=1", "ERR UNKNOWN_VERB unknown verb [FROB]; known verbs: \(knownVerbs)"),
        Case("frob", "ERR UNKNOWN_VERB unknown verb [FROB]; known verbs: \(knownVerbs)"),
        // Missing arguments.
        Case("SUBMIT channel=chat queue=hosting", "ERR MISSING_ARGUMENT SUBMIT needs customer="),
        Case("SUBMIT customer=c queue=hosting", "ERR MISSING_ARGUMENT SUBMIT needs channel="),
        Case("SUBMIT customer=c channel=chat", "ERR MISSING_ARGUMENT SUBMIT needs queue="),
        Case("LOGIN agent=a capacity=chat:1", "ERR MISSING_ARGUMENT LOGIN needs skills="),
        Case("LOGIN skills=linux capacity=chat:1", "ERR MISSING_ARGUMENT LOGIN needs agent="),
        Case("LOGIN agent=a skills=linux", "ERR MISSING_ARGUMENT LOGIN needs capacity="),
        Case("QUEUE skills=linux", "ERR MISSING_ARGUMENT QUEUE needs name="),
        Case("TICKET", "ERR MISSING_ARGUMENT TICKET needs id="),
        Case("ACCEPT agent=a", "ERR MISSING_ARGUMENT ACCEPT needs ticket="),
        Case("CANCEL", "ERR MISSING_ARGUMENT CANCEL needs ticket="),
        Case("SET-STATUS agent=a", "ERR MISSING_ARGUMENT SET-STATUS needs status="),
        Case("TRANSFER ticket=1", "ERR MISSING_ARGUMENT TRANSFER needs exactly one of queue=QUEUE or to=AGENT"),
        Case("TRANSFER ticket=1 queue=billing to=bob", "ERR MISSING_ARGUMENT TRANSFER needs exactly one of queue=QUEUE or to=AGENT"),
        Case("RESOLVE ticket=1", "ERR MISSING_ARGUMENT RESOLVE needs agent= (no agent is logged in on this connection)"),
        // Malformed values.
        Case("TICKET id=abc", "ERR BAD_ARGUMENT id=abc must be a ticket number (1 or more)"),
        Case("TICKET id=0", "ERR BAD_ARGUMENT id=0 must be a ticket number (1 or more)"),
        Case("CANCEL ticket=-3", "ERR BAD_ARGUMENT ticket=-3 must be a ticket number (1 or more)"),
        Case("SUBMIT customer=c channel=fax queue=hosting", "ERR BAD_ARGUMENT channel=fax must be chat, email, phone or web"),
        Case("SUBMIT customer=c channel=chat queue=hosting priority=asap", "ERR BAD_ARGUMENT priority=asap must be urgent, high, normal or low"),
        Case("SUBMIT customer=c channel=chat queue=hosting tier=0", "ERR BAD_ARGUMENT tier=0 must be a whole number from 1 to 9"),
        Case("QUEUE name=q tier=10", "ERR BAD_ARGUMENT tier=10 must be a whole number from 1 to 9"),
        Case("QUEUE name=q offer-timeout=soon", "ERR BAD_ARGUMENT offer-timeout=soon must be a duration such as 1500, 30s, 5m, 4h or 1d"),
        Case("QUEUE name=q strategy=random", "ERR BAD_ARGUMENT strategy=random must be least-loaded, longest-idle or round-robin"),
        Case("QUEUE name=q sla=urgent", "ERR BAD_ARGUMENT sla=urgent: [urgent] must be PRIORITY:DURATION, e.g. urgent:5m"),
        Case("LOGIN agent=a skills=linux:7 capacity=chat:1", "ERR BAD_ARGUMENT skills=linux:7: level of [linux] must be 1 to 5"),
        Case("LOGIN agent=a skills=linux capacity=fax:1", "ERR BAD_ARGUMENT capacity=fax:1: [fax] is not chat, email, phone, web or total"),
        Case("LOGIN agent=a skills=linux capacity=chat:1 auto-accept=maybe", "ERR BAD_ARGUMENT auto-accept=maybe must be 1 or 0"),
        Case("TICKETS state=lost", "ERR BAD_ARGUMENT state=lost must be queued, offered, assigned, resolved or cancelled"),
        Case("SET-STATUS status=sleeping agent=a", "ERR BAD_ARGUMENT status=sleeping must be available or away"),
        // Unknown and duplicated arguments.
        Case("PING extra=1", "ERR UNKNOWN_ARGUMENT PING does not take extra="),
        Case("TICKET id=1 colour=blue", "ERR UNKNOWN_ARGUMENT TICKET does not take colour="),
        Case("SUBMIT customer=c channel=chat queue=hosting agent=alice", "ERR UNKNOWN_ARGUMENT SUBMIT does not take agent="),
        Case("TICKET id=1 id=2", "ERR BAD_ARGUMENT id= is given twice"),
        Case("SUBMIT customer=a customer=b channel=chat queue=hosting", "ERR BAD_ARGUMENT customer= is given twice"),
        Case("SUBMIT customer=a channel=chat queue=hosting subject=x subject=y", "ERR BAD_ARGUMENT subject= is given twice"),
        // Broken syntax.
        Case("SUBMIT customer=\"acme channel=chat queue=hosting", "ERR BAD_SYNTAX quoted value starting at column 17 has no closing quote"),
        Case("SUBMIT customer=\"acme\"x channel=chat queue=hosting", "ERR BAD_SYNTAX closing quote at column 22 is followed by [x]; put a space after it"),
        Case("SUBMIT customer=\"a\\qb\" channel=chat queue=hosting", "ERR BAD_SYNTAX unknown escape \\q at column 19; use \\\" \\\\ \\n \\r or \\t"),
        Case("TICKET id=a=b", "ERR BAD_SYNTAX value at column 11 contains \", \\ or =; quote it"),
        Case("PING 1", "ERR BAD_SYNTAX PING takes key=value arguments only; [1] has no key"),
        Case("PI.NG", "ERR BAD_SYNTAX verb [PI.NG] at column 1 must be letters, - and _ only"),
        Case("AUTH", "ERR BAD_SYNTAX AUTH takes exactly one token: AUTH <token>"),
        Case("AUTH one two", "ERR BAD_SYNTAX AUTH takes exactly one token: AUTH <token>"),
        Case("TICKETS " + (1...65).map { "k\($0)=v" }.joined(separator: " "), "ERR BAD_SYNTAX more than 64 arguments on one line"),
        // Bytes that are not text.
        Case(bytes: Array("PING ".utf8) + [0xFF, 0xFE], "ERR BAD_ENCODING line is not valid UTF-8"),
        Case(bytes: Array("SUBMIT customer=".utf8) + [0xC3, 0x28] + Array(" channel=chat queue=hosting".utf8),
             "ERR BAD_ENCODING line is not valid UTF-8"),
        Case(bytes: Array("PI".utf8) + [0] + Array("NG".utf8), "ERR NUL_BYTE line contains a NUL byte at column 3"),
        Case(bytes: Array("SUBMIT customer=\"a".utf8) + [0] + Array("\" channel=chat queue=hosting".utf8),
             "ERR NUL_BYTE line contains a NUL byte at column 19"),
    ]

    @Test func eachMalformedRequestGetsItsDocumentedErrorAndTheConnectionKeepsServing() async throws {
        try await NodeHarness.with(queues: [QueueConfig(name: "hosting"), QueueConfig(name: "billing")]) { harness in
            let wire = try harness.wire()
            for bad in Self.requestErrors {
                try await wire.send(bytes: bad.line + [UInt8(ascii: "\n")])
                let reply = try await wire.readLine()
                #expect(reply == bad.reply, "request [\(bad)]")
                #expect(try await wire.request("PING") == "OK", "after [\(bad)]")
            }
            // Nothing of it changed the floor.
            expectLine(try await wire.request("STATUS"), "OK <*> agents_online=0 queued=0 <*> tickets=0 <*>")
            wire.close()
        }
    }

    @Test func theEnginesRefusalsComeBackWithTheirDocumentedCodesAndChangeNothing() async throws {
        try await NodeHarness.with(queues: [QueueConfig(name: "hosting"), QueueConfig(name: "billing")]) { harness in
            let alice = try harness.wire()
            let bob = try harness.wire()
            let admin = try harness.wire()
            #expect(try await alice.request("LOGIN agent=alice skills=linux capacity=chat:1") == "OK agent=alice status=available")
            #expect(try await bob.request("LOGIN agent=bob skills=linux capacity=chat:1") == "OK agent=bob status=available")
            let first = try await admin.request("SUBMIT customer=c1 channel=chat queue=hosting")
            expectLine(first, "OK ticket=1 state=offered agent=<*> tier=1")
            let holder = field("agent", in: first) ?? "alice"
            let other = holder == "alice" ? "bob" : "alice"
            #expect(try await admin.request("SUBMIT customer=c2 channel=email queue=hosting") == "OK ticket=2 state=queued tier=1")
            #expect(try await admin.request("SUBMIT customer=c3 channel=phone queue=hosting tier=9") == "OK ticket=3 state=queued tier=9")

            var refusals: [Case] = [
                Case("SUBMIT customer=c channel=chat queue=nowhere", "ERR UNKNOWN_QUEUE no queue named [nowhere]; create it first or check the spelling"),
                Case("TICKETS queue=nowhere", "ERR UNKNOWN_QUEUE no queue named [nowhere]; create it first or check the spelling"),
                Case("TRANSFER ticket=1 queue=nowhere", "ERR UNKNOWN_QUEUE no queue named [nowhere]; create it first or check the spelling"),
                Case("TICKET id=99", "ERR UNKNOWN_TICKET no ticket [99]"),
                Case("CANCEL ticket=99", "ERR UNKNOWN_TICKET no ticket [99]"),
                Case("ACCEPT ticket=99 agent=alice", "ERR UNKNOWN_TICKET no ticket [99]"),
                Case("ACCEPT ticket=1 agent=ghost", "ERR UNKNOWN_AGENT no agent [ghost] has logged in"),
                Case("SET-STATUS status=away agent=ghost", "ERR UNKNOWN_AGENT no agent [ghost] has logged in"),
                Case("ACCEPT ticket=1 agent=\(other)", "ERR NOT_OFFERED ticket [1] is not offered to agent [\(other)]"),
                Case("ACCEPT ticket=2 agent=\(holder)", "ERR NOT_OFFERED ticket [2] is not offered to agent [\(holder)]"),
                Case("DECLINE ticket=1 agent=\(other)", "ERR NOT_OFFERED ticket [1] is not offered to agent [\(other)]"),
                Case("RESOLVE ticket=1 agent=\(holder)", "ERR INVALID_STATE ticket [1] is offered; the command does not apply"),
                Case("QUEUE name=a,b", "ERR BAD_ARGUMENT queue name [a,b] may not contain spaces, control characters or any of = , : \" \\"),
                Case("SUBMIT customer= channel=chat queue=hosting", "ERR BAD_ARGUMENT customer is empty"),
                Case("ESCALATE ticket=2 tier=1", "ERR BAD_ARGUMENT ticket [2] already needs tier 1; escalate to a higher tier"),
                Case("TRANSFER ticket=1 to=\(holder)", "ERR BAD_ARGUMENT ticket [1] is already with agent [\(holder)]"),
            ]
            try await expectRefusals(refusals, on: admin)

            #expect(try await admin.request("ACCEPT ticket=1 agent=\(holder)") == "OK ticket=1 state=assigned agent=\(holder) tier=1")
            refusals = [
                Case("RESOLVE ticket=1 agent=\(other)", "ERR NOT_OWNER ticket [1] is not owned by agent [\(other)]"),
                Case("ESCALATE ticket=1 agent=\(other)", "ERR NOT_OWNER ticket [1] is not owned by agent [\(other)]"),
                Case("LOGOUT agent=\(holder)", "ERR AGENT_BUSY agent [\(holder)] still holds 1 ticket(s); resolve or transfer them first"),
                Case("TRANSFER ticket=2 to=\(other)", "ERR AT_CAPACITY agent [\(other)] has no free email capacity"),
                Case("ESCALATE ticket=3", "ERR TIER_TOO_HIGH tier [10] is above the highest tier allowed (9)"),
            ]
            try await expectRefusals(refusals, on: admin)

            #expect(try await admin.request("LOGOUT agent=\(other)") == "OK agent=\(other) status=offline")
            refusals = [
                Case("SET-STATUS status=away agent=\(other)", "ERR AGENT_OFFLINE agent [\(other)] is offline; log in first"),
                Case("TRANSFER ticket=1 to=\(other)", "ERR AGENT_OFFLINE agent [\(other)] is offline; log in first"),
                Case("LOGOUT agent=\(other)", "ERR AGENT_OFFLINE agent [\(other)] is offline; log in first"),
                Case("RESOLVE ticket=1 agent=\(holder) agent=\(holder)", "ERR BAD_ARGUMENT agent= is given twice"),
            ]
            try await expectRefusals(refusals, on: admin)
            alice.close()
            bob.close()
            admin.close()
        }
    }

    /// PROTOCOL.md's engine table: `BAD_STATUS` — "the status cannot be set directly; use
    /// `available` or `away`". `wrap-up` and `offline` are statuses an agent can be in but
    /// cannot set.
    @Test func settingAStatusThatCannotBeSetDirectlyIsRefusedWithBadStatus() async throws {
        try await NodeHarness.with { harness in
            let desk = try harness.wire()
            #expect(try await desk.request("LOGIN agent=alice skills=linux capacity=chat:1") == "OK agent=alice status=available")
            for status in ["wrap-up", "offline"] {
                let reply = try await desk.request("SET-STATUS status=\(status)")
                #expect(reply.hasPrefix("ERR BAD_STATUS "), "SET-STATUS status=\(status) answered [\(reply)]")
                #expect(try await desk.request("PING") == "OK")
            }
            desk.close()
        }
    }

    private func expectRefusals(_ refusals: [Case], on wire: WireConnection,
                                sourceLocation: SourceLocation = #_sourceLocation) async throws {
        for refusal in refusals {
            let before = try await wire.request("STATUS")
            try await wire.send(bytes: refusal.line + [UInt8(ascii: "\n")])
            let reply = try await wire.readReply()
            #expect(reply == refusal.reply, "request [\(refusal)]", sourceLocation: sourceLocation)
            #expect(try await wire.request("PING") == "OK", "after [\(refusal)]", sourceLocation: sourceLocation)
            let after = try await wire.request("STATUS")
            #expect(field("digest", in: after) == field("digest", in: before), "[\(refusal)] changed the floor",
                    sourceLocation: sourceLocation)
        }
    }

    // MARK: - Framing and limits

    @Test func anOversizeLineGetsLineTooLongAndTheNextLineOnTheSameConnectionIsServed() async throws {
        try await NodeHarness.with(configure: { $0.maximumLineBytes = 1024 }) { harness in
            let wire = try harness.wire()
            // In one write: the long line, then a good one.
            try await wire.send(bytes: Array(("PING " + String(repeating: "x", count: 2000) + "\nPING\n").utf8))
            let reply = try await wire.readLine()
            #expect(reply.hasPrefix("ERR LINE_TOO_LONG "), "\(reply)")
            #expect(reply.contains("over the limit of 1024 bytes"), "\(reply)")
            #expect(try await wire.readLine() == "OK")
            // Spread over several writes, the long line's tail discarded up to its newline.
            try await wire.send(bytes: Array(("SUBMIT customer=c channel=chat queue=hosting subject=" + String(repeating: "y", count: 700)).utf8))
            try await wire.send(bytes: Array(String(repeating: "z", count: 700).utf8))
            try await wire.send(bytes: Array((String(repeating: "z", count: 3000) + "\n").utf8))
            expectLine(try await wire.readLine(), "ERR LINE_TOO_LONG line is over the limit of 1024 bytes")
            #expect(try await wire.request("PING") == "OK")
            expectLine(try await wire.request("STATUS"), "OK <*> tickets=0 <*>")
            wire.close()
        }
    }

    @Test func aLineOfExactlyTheLimitIsAcceptedAndOneByteMoreIsNot() async throws {
        try await NodeHarness.with(configure: { $0.maximumLineBytes = 1024 }) { harness in
            let wire = try harness.wire()
            let head = "SUBMIT customer=c channel=chat queue=hosting subject="
            let exact = head + String(repeating: "s", count: 1024 - head.utf8.count)
            #expect(exact.utf8.count == 1024)
            #expect(try await wire.request(exact) == "OK ticket=1 state=queued tier=1")
            // A `\r` before the `\n` does not count against the limit.
            try await wire.send(bytes: Array((exact + "\r\n").utf8))
            #expect(try await wire.readLine() == "OK ticket=2 state=queued tier=1")
            expectLine(try await wire.request(exact + "s"), "ERR LINE_TOO_LONG <*>")
            #expect(try await wire.request("PING") == "OK")
            wire.close()
        }
    }

    @Test func aThousandPipelinedRequestsInOneWriteGetAThousandRepliesInOrder() async throws {
        try await NodeHarness.with { harness in
            let wire = try harness.wire()
            var batch = ""
            for index in 0..<1000 {
                batch += index % 2 == 0 ? "PING\n" : "TICKET id=\(index)\n"
            }
            try await wire.send(bytes: Array(batch.utf8))
            var wrong: [String] = []
            for index in 0..<1000 {
                let expected = index % 2 == 0 ? "OK" : "ERR UNKNOWN_TICKET no ticket [\(index)]"
                let reply = try await wire.readLine()
                if reply != expected { wrong.append("#\(index): [\(reply)] instead of [\(expected)]") }
            }
            #expect(wrong.isEmpty, "\(wrong.prefix(5))")
            #expect(try await wire.request("PING") == "OK")
            wire.close()
        }
    }

    @Test(arguments: ["GET / HTTP/1.1", "POST /tickets HTTP/1.1", "Host: 127.0.0.1:7400"])
    func anHTTPLookingLineGetsHTTPNotSupportedAndTheConnectionIsClosed(_ line: String) async throws {
        try await NodeHarness.with { harness in
            let wire = try harness.wire()
            try await wire.send(bytes: Array((line + "\r\n").utf8))
            #expect(try await wire.readLine()
                == "ERR HTTP_NOT_SUPPORTED this port speaks the Switchboard line protocol, not HTTP; see PROTOCOL.md")
            #expect(try await wire.closesWithoutMoreLines())
            wire.close()
            // The node itself is fine.
            let other = try harness.wire()
            #expect(try await other.request("PING") == "OK")
            other.close()
        }
    }

    @Test func aWholeHTTPRequestInOneWriteGetsHTTPNotSupportedAndEndOfFile() async throws {
        try await NodeHarness.with { harness in
            let wire = try harness.wire()
            try await wire.send(bytes: Array("GET /metrics HTTP/1.1\r\nHost: localhost\r\nAccept: */*\r\n\r\n".utf8))
            #expect(try await wire.readLine()
                == "ERR HTTP_NOT_SUPPORTED this port speaks the Switchboard line protocol, not HTTP; see PROTOCOL.md")
            var after: [String] = []
            while let line = try await wire.readLineOrEOF() { after.append(line) }
            #expect(after.allSatisfy { $0.hasPrefix("ERR ") }, "after the HTTP refusal: \(after)")
            wire.close()
        }
    }

    /// PROTOCOL.md, QUIT: "OK. Then the node closes the connection." A request pipelined
    /// behind QUIT must not be carried out.
    @Test func nothingPipelinedAfterQuitIsCarriedOut() async throws {
        try await NodeHarness.with(queues: [QueueConfig(name: "hosting")]) { harness in
            let wire = try harness.wire()
            try await wire.send(bytes: Array("QUIT\nSUBMIT customer=after-quit channel=chat queue=hosting\nQUEUE name=after-quit\n".utf8))
            #expect(try await wire.readLine() == "OK")
            var after: [String] = []
            while let line = try await wire.readLineOrEOF() { after.append(line) }
            #expect(after.isEmpty, "replies after QUIT's OK: \(after)")
            let observer = try harness.wire()
            let status = try await observer.request("STATUS")
            #expect(field("tickets", in: status) == "0", "a SUBMIT sent after QUIT was carried out: \(status)")
            #expect(try await observer.listing("QUEUES").count == 1, "a QUEUE sent after QUIT was carried out")
            observer.close()
            wire.close()
        }
    }

    /// The HTTP refusal is there so that a web page cannot drive a node on the same machine
    /// (a browser's POST to http://127.0.0.1:PORT/ carries protocol lines in its body). Lines
    /// that arrive behind the HTTP line must not be carried out.
    @Test func nothingSentBehindAnHTTPLineIsCarriedOut() async throws {
        try await NodeHarness.with(queues: [QueueConfig(name: "hosting")]) { harness in
            let wire = try harness.wire()
            let body = "QUEUE name=from-a-web-page\nSUBMIT customer=web-page channel=web queue=hosting\n"
            try await wire.send(bytes: Array(("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
                + "Content-Length: \(body.utf8.count)\r\n\r\n" + body).utf8))
            expectLine(try await wire.readLine(), "ERR HTTP_NOT_SUPPORTED <*>")
            var after: [String] = []
            while let line = try await wire.readLineOrEOF() { after.append(line) }
            #expect(!after.contains { $0.hasPrefix("OK") }, "requests behind the HTTP line were answered: \(after)")
            let observer = try harness.wire()
            let queues = try await observer.listing("QUEUES")
            #expect(!queues.contains { $0.contains("from-a-web-page") }, "the POST body created a queue: \(queues)")
            #expect(field("tickets", in: try await observer.request("STATUS")) == "0", "the POST body submitted a ticket")
            observer.close()
            wire.close()
        }
    }

    @Test func aConnectionOverTheLimitGetsUnavailableAndIsClosed() async throws {
        try await NodeHarness.with(configure: { $0.maximumConnections = 1 }) { harness in
            let first = try harness.wire()
            #expect(try await first.request("PING") == "OK")
            let second = try harness.wire()
            #expect(try await second.readLine() == "ERR UNAVAILABLE too many connections (limit 1)")
            #expect(try await second.closesWithoutMoreLines())
            #expect(try await first.request("PING") == "OK")
            second.close()
            first.close()
            // Once the first is gone, a new connection is served.
            let served = await eventually {
                guard let third = try? harness.wire() else { return false }
                defer { third.close() }
                return (try? await third.request("PING")) == "OK"
            }
            #expect(served)
        }
    }
}
