import Foundation
import Synchronization
import SwitchboardClient
import SwitchboardCore
import SwitchboardNode
import SwitchboardProtocol

/// `switchboard-bench e2e`: ticket lifecycles through a node over TCP (see `E2EOptions.help`).
enum E2EBenchmark {
    struct Figures: Sendable {
        var submitted = 0
        var completed = 0
        var seconds = 0.0
        var offerMs: [Double] = []
        var resolveMs: [Double] = []
        var failure: String?
    }

    /// What the clients record, shared by their tasks.
    final class Tally: Sendable {
        let starts = Mutex<[UInt64]>([])
        let offers = Mutex<[UInt32]>([])
        let resolves = Mutex<[UInt32]>([])
        let completed = Atomic<Int>(0)
        let submitted = Atomic<Int>(0)
        let lastCompletion = Atomic<UInt64>(0)
        let errors = Mutex<[String]>([])
    }

    static func main(_ arguments: [String]) throws(UsageError) -> Int32 {
        guard let options = try E2EOptions.parse(arguments) else {
            Output.print(E2EOptions.help)
            return 0
        }
        let result = Mutex<Figures?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            let figures = await run(options)
            result.withLock { $0 = figures }
            done.signal()
        }
        done.wait()
        let figures = result.withLock { $0 }!
        if let failure = figures.failure {
            Output.error("switchboard-bench e2e: \(failure)")
            return 1
        }
        report(figures, options)
        return figures.completed == figures.submitted ? 0 : 1
    }

    static func run(_ options: E2EOptions) async -> Figures {
        var figures = Figures()
        var started: Node?
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-e2e-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let host: String
        let port: Int
        if let address = options.node {
            let colon = address.lastIndex(of: ":")!
            host = String(address[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            port = Int(address[address.index(after: colon)...])!
        } else {
            var configuration = NodeConfiguration()
            configuration.listen = ListenAddress(host: "127.0.0.1", port: 0)
            configuration.dataDirectory = scratch
            configuration.maximumConnections = options.producers + options.agents + 16
            do {
                configuration.fsync = try NodeConfiguration.parseFsync(options.fsync)
                started = try await Node.start(configuration, log: Log(minimum: .error))
            } catch {
                figures.failure = "cannot start a node: \(error)"
                return figures
            }
            host = "127.0.0.1"
            port = started!.port
        }
        defer { if let started { Task { await started.stop() } } }

        let tally = Tally()
        do {
            let admin = try await SwitchboardClient.connect(host: host, port: port, token: nil)
            try await admin.upsertQueue(QueueSettings(name: "bench", skills: [], offerTimeoutMs: 60_000))
            var agentTasks: [Task<Void, Never>] = []
            for number in 0..<options.agents {
                let desk = try await SwitchboardClient.connect(host: host, port: port, token: nil)
                try await desk.login(AgentProfile(id: AgentID("bench-agent-\(number)"), skills: [], capacity: Capacity(web: 4)))
                agentTasks.append(Task { await work(desk, tally) })
            }
            let producers = try await (0..<options.producers).asyncMap { _ in
                try await SwitchboardClient.connect(host: host, port: port, token: nil)
            }
            let begin = Probe.nanoseconds()
            let end = begin + UInt64(options.seconds) * 1_000_000_000
            await withTaskGroup(of: Void.self) { group in
                for (index, producer) in producers.enumerated() {
                    group.addTask { await submit(producer, index: index, options: options, until: end, tally: tally) }
                }
            }
            figures.submitted = tally.submitted.load(ordering: .relaxed)
            // Drain: wait (up to 30 s) for the lifecycles already submitted.
            let drainDeadline = Probe.nanoseconds() + 30_000_000_000
            while tally.completed.load(ordering: .relaxed) < figures.submitted && Probe.nanoseconds() < drainDeadline {
                try await Task.sleep(for: .milliseconds(5))
            }
            figures.completed = tally.completed.load(ordering: .relaxed)
            figures.seconds = Double(max(tally.lastCompletion.load(ordering: .relaxed), begin + 1) - begin) / 1e9
            figures.offerMs = tally.offers.withLock { $0 }.map { Double($0) / 1000 }
            figures.resolveMs = tally.resolves.withLock { $0 }.map { Double($0) / 1000 }
            for task in agentTasks { task.cancel() }
            if let error = tally.errors.withLock({ $0.first }) { figures.failure = "a client failed: \(error)" }
            admin.close()
            for producer in producers { producer.close() }
        } catch {
            figures.failure = "\(error)"
        }
        return figures
    }

    /// One intake connection: submits until the end, one request in flight, paced if --rate is set.
    static func submit(_ client: SwitchboardClient, index: Int, options: E2EOptions, until end: UInt64, tally: Tally) async {
        let interval: UInt64 = options.rate > 0 ? UInt64(1_000_000_000 * Double(options.producers) / Double(options.rate)) : 0
        var next = Probe.nanoseconds() + UInt64(index) * interval / UInt64(max(options.producers, 1))
        while true {
            let now = Probe.nanoseconds()
            if now >= end { return }
            if interval > 0 && now < next {
                try? await Task.sleep(for: .nanoseconds(Int(next - now)))
                continue
            }
            next += interval
            let sequence = tally.starts.withLock { starts -> Int in
                starts.append(Probe.nanoseconds())
                return starts.count - 1
            }
            do {
                _ = try await client.submit(TicketSubmission(
                    customer: "b\(sequence)", channel: .web, queue: "bench",
                    subject: "Website returns 502 after the PHP upgrade; customer on the line since 09:00, plan hosting-pro"))
                tally.submitted.add(1, ordering: .relaxed)
            } catch {
                tally.errors.withLock { $0.append("submit: \(error)") }
                return
            }
        }
    }

    /// One agent's desk: every offer is accepted and resolved in one pipelined write.
    static func work(_ desk: SwitchboardClient, _ tally: Tally) async {
        await withTaskGroup(of: Void.self) { group in
            for await push in desk.pushes {
                guard case .offer(let ticket, _) = push, let sequence = Int(ticket.customer.dropFirst()) else { continue }
                let offered = Probe.nanoseconds()
                let start = tally.starts.withLock { $0[sequence] }
                tally.offers.withLock { $0.append(UInt32(min((offered - start) / 1000, UInt64(UInt32.max)))) }
                group.addTask {
                    let replies = await desk.pipeline([.accept(ticket.id, agent: nil), .resolve(ticket.id, agent: nil)])
                    guard replies.allSatisfy({ if case .success(.ok) = $0 { true } else { false } }) else {
                        tally.errors.withLock { $0.append("ticket \(ticket.id): \(replies)") }
                        return
                    }
                    let resolved = Probe.nanoseconds()
                    tally.resolves.withLock { $0.append(UInt32(min((resolved - start) / 1000, UInt64(UInt32.max)))) }
                    tally.completed.add(1, ordering: .relaxed)
                    tally.lastCompletion.store(resolved, ordering: .relaxed)
                }
            }
        }
    }

    static func percentile(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * p))]
    }

    static func report(_ figures: Figures, _ options: E2EOptions) {
        let rate = Double(figures.completed) / max(figures.seconds, 1e-9)
        let values: [(String, Double)] = [
            ("offer_p50_ms", percentile(figures.offerMs, 0.5)), ("offer_p99_ms", percentile(figures.offerMs, 0.99)),
            ("resolve_p50_ms", percentile(figures.resolveMs, 0.5)), ("resolve_p99_ms", percentile(figures.resolveMs, 0.99)),
        ]
        if options.json {
            var object = "{\"lifecycles_per_sec\": \(Int(rate)), \"submitted\": \(figures.submitted), \"completed\": \(figures.completed)"
            for (key, value) in values { object += ", \"\(key)\": \(String(format: "%.3f", value))" }
            object += ", \"producers\": \(options.producers), \"agents\": \(options.agents), \"seconds\": \(options.seconds)"
            object += ", \"rate\": \(options.rate), \"fsync\": \"\(options.node == nil ? options.fsync : "node")\", \"node\": \"\(options.node ?? "in-process")\"}"
            Output.print(object)
            return
        }
        let fsync = options.node == nil ? options.fsync : "the node's own"
        let target = options.node == nil && options.fsync == "always" && options.rate == 0 && options.producers >= 16 && options.agents >= 16
            ? (rate >= 20_000 ? "   target >= 20,000 with --fsync always: PASS" : "   target >= 20,000 with --fsync always: MISS") : ""
        Output.print("""
            switchboard-bench e2e: \(options.producers) producers, \(options.agents) agents, \(options.seconds) s, \
            rate \(options.rate == 0 ? "flat out" : "\(options.rate)/s"), fsync \(fsync), node \(options.node ?? "in-process")
              lifecycles/s   \(Int(rate))\(target)
              submitted      \(figures.submitted)
              completed      \(figures.completed)\(figures.completed == figures.submitted ? "" : "   NOT ALL COMPLETED: a failure, not a figure")
              submit→offer   p50 \(String(format: "%.2f", values[0].1)) ms   p99 \(String(format: "%.2f", values[1].1)) ms
              submit→resolve p50 \(String(format: "%.2f", values[2].1)) ms   p99 \(String(format: "%.2f", values[3].1)) ms
            """)
    }
}

extension Range where Bound == Int {
    /// `map` with an async throwing transform, in order.
    func asyncMap<T>(_ transform: (Int) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
