import Foundation
import SwitchboardBenchKit

/// `engine --sweep`: the same workload at several floor sizes, each measured in a process of
/// its own (so peak RSS and the allocator's state belong to that size alone), then the curve
/// and the cost ratio between the largest and the smallest floor.
struct EngineSweep {
    struct Point {
        let agents: Int
        let decisionsPerSecond: Double
        let meanNs: Double
        let p50: Int
        let p99: Int
        let p999: Int
        let peakResidentBytes: Int
        let finalBacklog: Int
        let backlogTarget: Int
        let heldShare: Double
        let warmupTickets: Int
        let bytesPerWaitingTicket: Double?
        /// The child's JSON object, verbatim.
        let raw: String
    }

    let options: EngineOptions
    let points: [Point]
    let invocation: String

    static func run(options: EngineOptions, agents: [Int], invocation: String) throws(BenchFailure) -> EngineSweep {
        let progress = Progress(quiet: options.quiet)
        var points: [Point] = []
        for count in agents {
            progress.say("sweep: \(Format.grouped(count)) agents (a child process)")
            var arguments = ["engine"] + options.equivalentArguments(agents: count) + ["--json"]
            if options.quiet { arguments.append("--quiet") }
            points.append(try measure(arguments: arguments, agents: count))
        }
        return EngineSweep(options: options, points: points, invocation: invocation)
    }

    private static func measure(arguments: [String], agents: Int) throws(BenchFailure) -> Point {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.standardError
        do {
            try process.run()
        } catch {
            throw BenchFailure(message: "could not start the child benchmark for \(agents) agents: \(error)")
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BenchFailure(message: "the child benchmark for \(agents) agents exited with status \(process.terminationStatus)")
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw BenchFailure(message: "the child benchmark for \(agents) agents printed no JSON object")
        }
        func number(_ key: String) throws(BenchFailure) -> Double {
            guard let value = object[key] as? NSNumber else {
                throw BenchFailure(message: "the child benchmark's JSON lacks \"\(key)\"")
            }
            return value.doubleValue
        }
        return Point(
            agents: agents, decisionsPerSecond: try number("decisions_per_sec"), meanNs: try number("mean_ns_per_decision"),
            p50: Int(try number("p50_ns")), p99: Int(try number("p99_ns")), p999: Int(try number("p999_ns")),
            peakResidentBytes: Int(try number("peak_rss_bytes")), finalBacklog: Int(try number("final_backlog")),
            backlogTarget: Int(try number("backlog_target")),
            heldShare: try number("held_at_end") / max(1, try number("floor_slots")),
            warmupTickets: Int(try number("warmup_tickets")),
            bytesPerWaitingTicket: (object["bytes_per_waiting_ticket"] as? NSNumber)?.doubleValue, raw: text)
    }

    private var smallest: Point? { points.min { $0.agents < $1.agents } }
    private var largest: Point? { points.max { $0.agents < $1.agents } }

    /// Mean cost per decision of the largest floor over the smallest.
    var costRatio: Double? {
        guard let small = smallest, let large = largest, small.agents != large.agents, small.meanNs > 0 else { return nil }
        return large.meanNs / small.meanNs
    }

    private var ratioIsTheTarget: Bool {
        smallest?.agents == EngineTargets.ratioAgents.small && largest?.agents == EngineTargets.ratioAgents.large
    }

    private var atTarget: Point? { points.first { $0.agents == EngineTargets.agents } }

    var text: String {
        var out = "switchboard-bench engine --sweep: cost of a routing decision as the floor grows\n"
        out += "command    \(invocation)\n"
        out += "same as    switchboard-bench engine \(options.equivalentArguments().joined(separator: " "))\n"
        out += "build      \(EngineMeasurement.build)\n"
        let load = Probe.loadAverage().map { Format.grouped($0, decimals: 2) } ?? "?"
        out += "machine    \(Probe.processors) processors; load average \(load) at the end\n"
        out += "each size  a process of its own: switchboard-bench engine --agents N ... --json; median of "
            + "\(options.runs) run(s) by decisions/s\n\n"
        var table = TextTable()
        table.add("agents", "decisions/s", "mean ns", "p50 ns", "p99 ns", "p999 ns", "peak RSS MiB", "bytes/waiting",
                  "backlog (target)", "slots held", "warm-up tickets")
        for point in points {
            table.add(Format.grouped(point.agents), Format.grouped(point.decisionsPerSecond),
                      Format.grouped(point.meanNs, decimals: 1), Format.grouped(point.p50), Format.grouped(point.p99),
                      Format.grouped(point.p999), Format.grouped(Double(point.peakResidentBytes) / 1_048_576),
                      point.bytesPerWaitingTicket.map { Format.grouped($0, decimals: 1) } ?? "-",
                      "\(Format.grouped(point.finalBacklog)) (\(Format.grouped(point.backlogTarget)))",
                      Format.grouped(point.heldShare * 100, decimals: 1) + " %", Format.grouped(point.warmupTickets))
        }
        out += table.rendered + "\n"
        var verdicts = TextTable()
        verdicts.leftAligned = [0, 2]
        if let ratio = costRatio, let small = smallest, let large = largest {
            let label = "cost ratio \(Format.grouped(large.agents)) / \(Format.grouped(small.agents)) agents"
            let target = "target <= \(Format.grouped(EngineTargets.costRatio, decimals: 1))"
                + (ratioIsTheTarget ? "" : " (set for 100,000 / 1,000)")
            verdicts.add(label, Format.grouped(ratio, decimals: 2) + " x", target, Format.verdict(ratio <= EngineTargets.costRatio))
            verdicts.add("  p50 ratio", Format.grouped(Double(large.p50) / Double(max(small.p50, 1)), decimals: 2) + " x", "", "")
            verdicts.add("  p99 ratio", Format.grouped(Double(large.p99) / Double(max(small.p99, 1)), decimals: 2) + " x", "", "")
        }
        if let point = atTarget {
            verdicts.add("decisions/s at \(Format.grouped(point.agents))", Format.grouped(point.decisionsPerSecond),
                         "target >= \(Format.grouped(Int(EngineTargets.decisionsPerSecond)))",
                         Format.verdict(point.decisionsPerSecond >= EngineTargets.decisionsPerSecond))
            verdicts.add("p99 ns/decision at \(Format.grouped(point.agents))", Format.grouped(point.p99),
                         "target < \(Format.grouped(EngineTargets.p99Nanoseconds))",
                         Format.verdict(UInt64(point.p99) < EngineTargets.p99Nanoseconds))
        }
        out += verdicts.rendered
        out += "\n  mean ns = time inside apply / decisions. p50-p999 per decision: each apply's latency divided by\n"
        out += "  the decisions it made, counted once per decision. Slots held: share of the floor's capacity in use.\n"
        out += "  Run one size alone for its full report: switchboard-bench engine --agents N.\n"
        return out
    }

    var json: JSONValue {
        var members: [(String, JSONValue)] = [
            ("benchmark", .string("engine-sweep")),
            ("build", .string(EngineMeasurement.build)),
            ("agents", .array(points.map { .int($0.agents) })),
            ("points", .array(points.map { .raw($0.raw) })),
        ]
        if let ratio = costRatio, let small = smallest, let large = largest {
            members.append(("cost_ratio", .double(ratio)))
            members.append(("cost_ratio_agents", .array([.int(large.agents), .int(small.agents)])))
            members.append(("cost_ratio_target_max", .double(EngineTargets.costRatio)))
            members.append(("cost_ratio_verdict", .string(Format.verdict(ratio <= EngineTargets.costRatio))))
        }
        members.append(("command", .string(invocation)))
        return .object(members)
    }
}
