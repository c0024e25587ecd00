import Foundation
import Glibc
import Synchronization
import SwitchboardClient
import SwitchboardCore
import SwitchboardLog
import SwitchboardProtocol
import Testing

/// Kill-and-restart: a real node process is killed with SIGKILL in the middle of traffic; what
/// it acknowledged must all be there after a restart, and the restarted floor must equal a
/// clean replay of its log. (`Cluster/crash-soak.sh` runs this test many times for a soak.)
@Suite struct CrashTests {
    /// What the clients saw acknowledged before the kill.
    final class Acknowledged: Sendable {
        let submitted = Mutex<[TicketID]>([])
        let resolved = Mutex<[TicketID]>([])
    }

    /// Seeds 1, 2 and 3, or those in `SWITCHBOARD_CRASH_SEEDS` (comma-separated; the soak script sets it).
    static func seeds() -> [UInt64] {
        guard let text = ProcessInfo.processInfo.environment["SWITCHBOARD_CRASH_SEEDS"] else { return [1, 2, 3] }
        return text.split(separator: ",").compactMap { UInt64($0) }
    }

    @Test(arguments: seeds())
    func everythingAcknowledgedBeforeASIGKILLIsThereAfterARestart(seed: UInt64) async throws {
        var random = SplitMix64(seed: seed)
        let binary = try SwitchboardBinary.path()
        let scratch = try ScratchDirectory("switchboard-crash-\(seed)")
        defer { scratch.remove() }
        // Odd seeds snapshot every 100 records, so that kills also land while a snapshot is being
        // written or the log it covers deleted.
        let snapshots = seed % 2 == 1
        let flags = ["--log-level", "warning"] + (snapshots ? ["--snapshot-every", "100"] : [])
        let first = try await NodeProcess.start(binary, scratch: scratch, name: "node", extra: flags)
        defer { first.process.kill() }

        let admin = try await SwitchboardClient.connect(host: "127.0.0.1", port: first.port, token: nil)
        try await admin.upsertQueue(QueueSettings(name: "hosting"))
        let desk = try await SwitchboardClient.connect(host: "127.0.0.1", port: first.port, token: nil)
        try await desk.login(AgentProfile(id: AgentID("alice"), skills: [], capacity: Capacity(web: 1000), autoAccept: true))

        let seen = Acknowledged()
        let resolver = Task {
            for await push in desk.pushes {
                guard case .assigned(let ticket) = push else { continue }
                if (try? await desk.resolve(ticket.id)) != nil { seen.resolved.withLock { $0.append(ticket.id) } }
            }
        }
        var producers: [Task<Void, Never>] = []
        for producer in 0..<3 {
            let client = try await SwitchboardClient.connect(host: "127.0.0.1", port: first.port, token: nil)
            producers.append(Task {
                for n in 0..<2_000 {
                    guard let outcome = try? await client.submit(TicketSubmission(
                        customer: "p\(producer)-\(n)", channel: .web, queue: "hosting", subject: "crash test \(n)"))
                    else { return }
                    seen.submitted.withLock { $0.append(outcome.ticket) }
                }
            })
        }
        // Kill at a seeded moment once traffic is flowing.
        let wanted = 50 + Int(random.next(below: 300))
        let deadline = ContinuousClock.now.advanced(by: .seconds(30))
        while seen.submitted.withLock({ $0.count }) < wanted && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(1))
        }
        first.process.kill()
        for producer in producers { await producer.value }
        resolver.cancel()
        let submitted = seen.submitted.withLock { $0 }
        let resolved = seen.resolved.withLock { $0 }
        #expect(submitted.count >= wanted, "seed \(seed): traffic did not flow before the kill")

        // Same data directory; the old port file must not be mistaken for the new one.
        try FileManager.default.removeItem(atPath: scratch.file("node.port"))
        let second = try await NodeProcess.start(binary, scratch: scratch, name: "node", extra: flags)
        defer { second.process.kill() }
        let check = try await SwitchboardClient.connect(host: "127.0.0.1", port: second.port, token: nil)
        let tickets = Dictionary(uniqueKeysWithValues: try await check.tickets().map { ($0.id, $0) })
        for id in submitted {
            #expect(tickets[id] != nil, "seed \(seed): acknowledged ticket \(id) is missing after the restart")
        }
        for id in resolved {
            #expect(tickets[id]?.state == .resolved, "seed \(seed): acknowledged resolve of \(id) is missing after the restart")
        }
        let digest = try await check.status().digest
        check.close()
        second.process.signal(SIGTERM)
        #expect(try await second.process.exitStatus(within: 10) == 0)

        // A clean replay of the log gives the floor the restarted node had (with snapshots, the
        // log they cover is gone: the checks above are what holds).
        guard !snapshots else { return }
        var replayed = RoutingEngine()
        _ = try LogRecovery.recover(directory: scratch.file("node-data") + "/log") { record in
            let entry = try LogEntry(try #require(try record.line()))
            _ = try? replayed.apply(entry.command, at: entry.time)
        }
        #expect(String(format: "%016llx", replayed.digest) == digest, "seed \(seed)")
    }
}
