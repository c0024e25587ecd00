import Foundation
import Synchronization
import SwitchboardClient
import SwitchboardCore
import SwitchboardNode
import SwitchboardProtocol

/// `switchboard-bench snapshot`: how long an automatic snapshot holds up a loaded node.
enum SnapshotPauseBenchmark {
    struct Options: Sendable {
        var waiting = 100_000
        var fsync = "never"
        var json = false

        static let help = """
            USAGE: switchboard-bench snapshot [--waiting N] [--fsync always|interval:MS|never] [--json]

            Starts a node in this process, fills its queue with N waiting tickets (default 100,000;
            no agent can take them), then keeps a producer submitting and a prober sending PING
            every millisecond while the node's automatic snapshot of that floor is written. Reports:
              - the node's own figure (STATUS snapshot_pause_ms): the longest batch it applied while
                the snapshot was written, which is where copying its tables on write lands;
              - PING round trips seen by the prober during the snapshot (max, p99) and before it
                (one PING per millisecond until the snapshot's file appears);
              - for comparison, the pause of encoding the same floor on the node's loop, as an
                on-demand SNAPSHOT does (its reply's pause_ms).
            Target (issue 4): a snapshot of 100,000 waiting tickets pauses the hot path < 50 ms.

              --waiting N     waiting tickets on the floor when the snapshot is taken (default 100000)
              --fsync POLICY  the node's fsync policy while filling (default never: filling is not measured)
              --json          one JSON object
            """

        static func parse(_ arguments: [String]) throws(UsageError) -> Options? {
            var options = Options()
            var reader = ArgumentReader(arguments)
            while let (flag, inline) = try reader.nextFlag() {
                switch flag {
                case "--help": return nil
                case "--waiting":
                    options.waiting = try ArgumentValue.count(try reader.value(of: flag, inline: inline, expecting: "1 to 10000000"),
                                                              flag: flag, range: 1...10_000_000)
                case "--fsync":
                    options.fsync = try ArgumentValue.fsync(try reader.value(of: flag, inline: inline, expecting: "always, interval:MS or never"), flag: flag)
                case "--json":
                    try ArgumentReader.noValue(flag, inline: inline)
                    options.json = true
                default:
                    throw UsageError(message: "unknown flag \(flag); see 'switchboard-bench snapshot --help'")
                }
            }
            return options
        }
    }

    struct Figures: Sendable {
        var nodePauseMs = 0.0
        var pingDuringMaxMs = 0.0
        var pingDuringP99Ms = 0.0
        var pingDuringCount = 0
        var pingBeforeMaxMs = 0.0
        var synchronousPauseMs = 0.0
        var snapshotIndex: UInt64 = 0
    }

    static func main(_ arguments: [String]) throws(UsageError) -> Int32 {
        guard let options = try Options.parse(arguments) else {
            Output.print(Options.help)
            return 0
        }
        let result = Mutex<Result<Figures, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            do {
                let figures = try await run(options)
                result.withLock { $0 = .success(figures) }
            } catch {
                result.withLock { $0 = .failure(error) }
            }
            done.signal()
        }
        done.wait()
        switch result.withLock({ $0 })! {
        case .failure(let error):
            Output.error("switchboard-bench snapshot: \(error)")
            return 1
        case .success(let figures):
            report(figures, options)
            return 0
        }
    }

    static func run(_ options: Options) async throws -> Figures {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-snapshot-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        var configuration = NodeConfiguration()
        configuration.listen = ListenAddress(host: "127.0.0.1", port: 0)
        configuration.dataDirectory = scratch
        configuration.fsync = try NodeConfiguration.parseFsync(options.fsync)
        // The one automatic snapshot comes once the floor is full and the probes run.
        configuration.snapshotEvery = options.waiting + 2_000
        let node = try await Node.start(configuration, log: Log(minimum: .error))
        let admin = try await SwitchboardClient.connect(host: "127.0.0.1", port: node.port, token: nil)
        try await admin.upsertQueue(QueueSettings(name: "waiting", skills: [SkillLevel("nobody-has-this")]))
        var submitted = 0
        while submitted < options.waiting {
            let count = min(1_000, options.waiting - submitted)
            let requests = (0..<count).map { n in
                Request.submit(TicketSubmission(customer: "w\(submitted + n)", channel: .email, queue: "waiting",
                                                subject: "Mailbox over quota since the migration; customer asks for a larger plan"))
            }
            for reply in await admin.pipeline(requests) {
                guard case .success = reply else { throw BenchFailure(message: "filling the floor failed: \(reply)") }
            }
            submitted += count
        }

        let prober = try await SwitchboardClient.connect(host: "127.0.0.1", port: node.port, token: nil)
        var before: [Double] = []
        for _ in 0..<200 { before.append(try await timed { try await prober.ping() }) }

        // Keep the node busy until its snapshot is on disk, probing all the while.
        let producing = Task {
            var n = 0
            while !Task.isCancelled {
                _ = try? await admin.submit(TicketSubmission(customer: "p\(n)", channel: .email, queue: "waiting", subject: "probe load"))
                n += 1
            }
        }
        // The snapshot's file says when it is done. STATUS would be the wrong probe: its state
        // digest hashes the whole floor on the node's loop, a pause of its own.
        var during: [Double] = []
        let snapshots = scratch + "/snapshots"
        let deadline = ContinuousClock.now.advanced(by: .seconds(120))
        func written() -> Bool {
            ((try? FileManager.default.contentsOfDirectory(atPath: snapshots)) ?? []).contains { $0.hasSuffix(".snap") }
        }
        while !written() && ContinuousClock.now < deadline {
            during.append(try await timed { try await prober.ping() })
            try await Task.sleep(for: .milliseconds(1))
        }
        // A few more probes: the node notes the snapshot done just after the file is renamed.
        for _ in 0..<20 { during.append(try await timed { try await prober.ping() }) }
        producing.cancel()
        // The file is renamed before the node notes the snapshot done (after dropping the log it
        // covers, at idle priority): until then STATUS still shows none, and no pause.
        var status = try await prober.status()
        while status.snapshotIndex == 0 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
            status = try await prober.status()
        }
        guard status.snapshotIndex > 0 else { throw BenchFailure(message: "no automatic snapshot within 120 s") }
        let synchronous = try await admin.snapshot()
        admin.close()
        prober.close()
        await node.stop()
        let sorted = during.sorted()
        return Figures(
            nodePauseMs: status.snapshotPauseMs, pingDuringMaxMs: sorted.last ?? 0,
            pingDuringP99Ms: sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * 0.99))],
            pingDuringCount: sorted.count, pingBeforeMaxMs: before.max() ?? 0,
            synchronousPauseMs: synchronous.pauseMs, snapshotIndex: status.snapshotIndex)
    }

    private static func timed(_ body: () async throws -> Void) async throws -> Double {
        let start = ContinuousClock.now
        try await body()
        return milliseconds(ContinuousClock.now - start)
    }

    private static func milliseconds(_ elapsed: Duration) -> Double {
        Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
    }

    static func report(_ figures: Figures, _ options: Options) {
        let pass = max(figures.nodePauseMs, figures.pingDuringMaxMs) < 50
        if options.json {
            Output.print("""
                {"waiting": \(options.waiting), "snapshot_index": \(figures.snapshotIndex), \
                "node_pause_ms": \(String(format: "%.3f", figures.nodePauseMs)), \
                "ping_during_max_ms": \(String(format: "%.3f", figures.pingDuringMaxMs)), \
                "ping_during_p99_ms": \(String(format: "%.3f", figures.pingDuringP99Ms)), "pings_during": \(figures.pingDuringCount), \
                "ping_before_max_ms": \(String(format: "%.3f", figures.pingBeforeMaxMs)), \
                "synchronous_encode_ms": \(String(format: "%.3f", figures.synchronousPauseMs))}
                """)
            return
        }
        Output.print("""
            switchboard-bench snapshot: \(options.waiting) waiting tickets, automatic snapshot at log index \(figures.snapshotIndex)
              node: longest batch while the snapshot was written   \(String(format: "%7.2f", figures.nodePauseMs)) ms
              PING round trip during the snapshot (\(figures.pingDuringCount) probes)   max \(String(format: "%7.2f", figures.pingDuringMaxMs)) ms   p99 \(String(format: "%.2f", figures.pingDuringP99Ms)) ms
              PING round trip before it (200 probes)          max \(String(format: "%7.2f", figures.pingBeforeMaxMs)) ms
              encoding the same floor on the loop (on-demand SNAPSHOT) would pause \(String(format: "%.2f", figures.synchronousPauseMs)) ms
              target < 50 ms: \(pass ? "PASS" : "MISS")
            """)
    }
}
