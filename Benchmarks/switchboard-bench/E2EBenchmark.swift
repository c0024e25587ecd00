import Foundation
import Synchronization
import SwitchboardBenchKit
import SwitchboardNode

/// `switchboard-bench e2e`: ticket lifecycles through a node over TCP (see `E2EOptions.help`),
/// driven by the same load generator and Switchboard adapter as `compare`.
enum E2EBenchmark {
    static func main(_ arguments: [String]) throws(UsageError) -> Int32 {
        guard let options = try E2EOptions.parse(arguments) else {
            Output.print(E2EOptions.help)
            return 0
        }
        let result = Mutex<RunFigures?>(nil)
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
        return 0
    }

    static func run(_ options: E2EOptions) async -> RunFigures {
        let plan = LoadPlan(producers: options.producers, agents: options.agents, seconds: Double(options.seconds), rate: options.rate,
                            drainSeconds: 30)
        if let address = options.node {
            let colon = address.lastIndex(of: ":")!
            let host = String(address[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            return await LoadDriver.run(SwitchboardSystem(), host: host, port: Int(address[address.index(after: colon)...])!, plan: plan)
        }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-e2e-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        var configuration = NodeConfiguration()
        configuration.listen = ListenAddress(host: "127.0.0.1", port: 0)
        configuration.dataDirectory = scratch
        configuration.maximumConnections = options.producers + options.agents + 16
        let node: Node
        do {
            configuration.fsync = try NodeConfiguration.parseFsync(options.fsync)
            node = try await Node.start(configuration, log: Log(minimum: .error))
        } catch {
            var figures = RunFigures()
            figures.failure = "cannot start a node: \(error)"
            return figures
        }
        let figures = await LoadDriver.run(SwitchboardSystem(), host: "127.0.0.1", port: node.port, plan: plan)
        await node.stop()
        return figures
    }

    static func report(_ figures: RunFigures, _ options: E2EOptions) {
        let rate = figures.lifecyclesPerSecond
        let values: [(String, Double)] = [
            ("offer_p50_ms", figures.taken.percentileMilliseconds(0.5) ?? 0), ("offer_p99_ms", figures.taken.percentileMilliseconds(0.99) ?? 0),
            ("resolve_p50_ms", figures.done.percentileMilliseconds(0.5) ?? 0), ("resolve_p99_ms", figures.done.percentileMilliseconds(0.99) ?? 0),
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
              completed      \(figures.completed)
              submit→offer   p50 \(String(format: "%.2f", values[0].1)) ms   p99 \(String(format: "%.2f", values[1].1)) ms
              submit→resolve p50 \(String(format: "%.2f", values[2].1)) ms   p99 \(String(format: "%.2f", values[3].1)) ms
            """)
    }
}
