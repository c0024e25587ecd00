import Foundation
import Glibc
import Testing
@testable import SwitchboardBenchKit

/// Each peer adapter against the real server, started by the test on a free loopback port and
/// stopped by its PID: a few dozen lifecycles must all complete with their latencies recorded,
/// so the comparison cannot silently measure an error loop.
@Suite struct PeerAdapterTests {
    static let redis = Executables.onPath("redis-server")
    static let beanstalkd = Executables.onPath("beanstalkd")

    /// 40 tickets from 2 producers to 3 agents, flat out, no warm-up.
    static let plan = LoadPlan(producers: 2, agents: 3, seconds: 30, ticketLimit: 40, drainSeconds: 10, setupSeconds: 10)

    static func runAgainstServer<S: LifecycleSystem>(_ system: S, kind: SystemKind, executable: String, durability: Durability,
                                                     plan: LoadPlan = plan) async throws -> RunFigures {
        let server = try SystemServer.start(kind, executable: executable, durability: durability)
        defer {
            server.stop()
            #expect(server.process.hasExited, "\(kind.rawValue) [pid \(server.process.pid)] still runs after stop()")
            #expect(!FileManager.default.fileExists(atPath: server.directory))
        }
        return await LoadDriver.run(system, host: "127.0.0.1", port: server.port, plan: plan)
    }

    static func expectAllCompleted(_ figures: RunFigures, count: Int) {
        #expect(figures.failure == nil, "\(figures.failure ?? "")")
        #expect(figures.submitted == count)
        #expect(figures.accepted == count)
        #expect(figures.completed == count)
        #expect(figures.taken.count == count)
        #expect(figures.done.count == count)
        #expect((figures.taken.percentileMilliseconds(0.5) ?? 0) > 0)
        #expect((figures.done.percentileMilliseconds(0.99) ?? 0) >= (figures.taken.percentileMilliseconds(0.99) ?? 0))
    }

    @Test(.enabled(if: redis != nil, "redis-server is not on PATH (apt-get install redis-server); the Redis adapter is not tested"))
    func redisLifecyclesThroughRPUSHAndBLMOVEAllComplete() async throws {
        let figures = try await Self.runAgainstServer(RedisSystem(), kind: .redis, executable: Self.redis!, durability: .always)
        Self.expectAllCompleted(figures, count: 40)
    }

    @Test(.enabled(if: beanstalkd != nil, "beanstalkd is not on PATH (apt-get install beanstalkd); the beanstalkd adapter is not tested"))
    func beanstalkdLifecyclesThroughPutReserveDeleteAllComplete() async throws {
        let figures = try await Self.runAgainstServer(BeanstalkdSystem(), kind: .beanstalkd, executable: Self.beanstalkd!,
                                                      durability: .always)
        Self.expectAllCompleted(figures, count: 40)
    }

    @Test(.enabled(if: redis != nil, "redis-server is not on PATH (apt-get install redis-server); the paced run is not tested"))
    func aPacedRunSendsOnScheduleAndCompletesEverything() async throws {
        // 200 tickets/s for 0.5 s: about 100 tickets, each carrying its scheduled time.
        let plan = LoadPlan(producers: 2, agents: 2, seconds: 0.5, rate: 200, drainSeconds: 10, setupSeconds: 10)
        let figures = try await Self.runAgainstServer(RedisSystem(), kind: .redis, executable: Self.redis!, durability: .none, plan: plan)
        #expect(figures.failure == nil, "\(figures.failure ?? "")")
        #expect(figures.submitted == 100, "submitted \(figures.submitted): one ticket due every 5 ms of 500")
        #expect(figures.completed == figures.submitted)
        #expect(figures.taken.count == figures.submitted)
    }
}
