import Foundation
import Testing
import SwitchboardTransport
@testable import SwitchboardBenchKit

/// Runs that must be reported as failures, not figures, against a fake Switchboard that
/// answers in scripted ways.
@Suite struct RunFailureTests {
    /// A loopback server answering each line with `reply(line)` (nil: no answer).
    static func withFakeServer<T>(_ reply: @escaping @Sendable (String) -> String?, _ body: (Int) async throws -> T) async throws -> T {
        let loop = try EventLoop(name: "fake-server")
        try loop.start()
        defer { loop.stop() }
        let handler = InboundHandler { batch in
            batch.forEachItem { item, _ in
                guard item.event == .line, let answer = reply(batch.text(of: item)) else { return }
                item.connection.sendLines([answer])
            }
        }
        // No authentication deadline: on a loaded machine the driver may take longer than the
        // default 10 s to send its first lines, and the fake server must not close on it then.
        let listener = try TCPListener(host: "127.0.0.1", port: 0, options: ListenerOptions(authenticationTimeout: .zero),
                                       on: loop, handler: handler)
        defer { listener.close() }
        return try await body(listener.port)
    }

    static let plan = LoadPlan(producers: 1, agents: 1, seconds: 30, ticketLimit: 5, drainSeconds: 0.3, setupSeconds: 5)

    @Test func lifecyclesThatNeverCompleteMakeTheRunAFailure() async throws {
        // Every request is answered, but no offer is ever pushed: nothing completes.
        let figures = try await Self.withFakeServer({ line in
            if line.hasPrefix("SUBMIT") { return "OK ticket=1 state=queued tier=1" }
            if line.hasPrefix("LOGIN") { return "OK agent=a status=available" }
            return "OK queue=bench"
        }) { port in
            await LoadDriver.run(SwitchboardSystem(), host: "127.0.0.1", port: port, plan: Self.plan)
        }
        #expect(figures.submitted == 5)
        #expect(figures.completed == 0)
        let failure = try #require(figures.failure)
        #expect(failure.contains("5 of 5 lifecycles"), "\(failure)")
        #expect(failure.contains("a failure, not a figure"))
    }

    @Test func anUnexpectedReplyFailsTheRunNamingTheReply() async throws {
        let figures = try await Self.withFakeServer({ line in
            if line.hasPrefix("SUBMIT") { return "ERR UNKNOWN_QUEUE no queue [bench]" }
            if line.hasPrefix("LOGIN") { return "OK agent=a status=available" }
            return "OK queue=bench"
        }) { port in
            await LoadDriver.run(SwitchboardSystem(), host: "127.0.0.1", port: port, plan: Self.plan)
        }
        let failure = try #require(figures.failure)
        #expect(failure.contains("switchboard producer 0"), "\(failure)")
        #expect(failure.contains("ERR UNKNOWN_QUEUE"), "\(failure)")
    }

    @Test func aServerThatIsNotListeningFailsTheRunWithTheAddress() async throws {
        let port = try SystemServer.freeLoopbackPort()
        let figures = await LoadDriver.run(RedisSystem(), host: "127.0.0.1", port: port, plan: Self.plan)
        let failure = try #require(figures.failure)
        #expect(failure.contains("redis") && failure.contains("\(port)"), "\(failure)")
    }
}
