import Foundation
import SwitchboardBenchKit

/// The engine benchmark's targets (from the issue). They live in the benchmark's output, not in tests.
enum EngineTargets {
    /// Throughput with `agents` agents, release build, one core.
    static let decisionsPerSecond = 2_000_000.0
    /// p99 per decision with `agents` agents.
    static let p99Nanoseconds: UInt64 = 2_000
    /// The floor size the two figures above are set for.
    static let agents = 10_000
    /// Mean cost of a decision with 100,000 agents over the cost with 1,000.
    static let costRatio = 2.0
    static let ratioAgents = (small: 1_000, large: 100_000)
}

/// Everything one `engine` measurement produced.
struct EngineMeasurement {
    let options: EngineOptions
    let profileTierPairs: Int
    let floorSlots: Int
    /// The queues with their default skills, e.g. "hosting (linux), domains (dns)".
    let queueSummary: String
    let footprint: FootprintResult?
    let clockOverheadNs: UInt64
    let runs: [RunResult]
    /// Index in `runs` of the median run by decisions per second.
    let medianIndex: Int
    let peakResidentBytes: Int
    let invocation: String
    let loadAtStart: Double?
    let loadAtEnd: Double?

    var median: RunResult { runs[medianIndex] }

    /// Whether every run made exactly the same decisions (the workload is deterministic).
    var runsIdentical: Bool {
        runs.allSatisfy { $0.measured.decisions == runs[0].measured.decisions && $0.measured.applies == runs[0].measured.applies }
    }

    static var build: String {
        #if DEBUG
            return "debug (figures are not meaningful; build with -c release)"
        #else
            return "release"
        #endif
    }
}

/// `switchboard-bench engine`.
enum EngineBenchmark {
    static func main(_ arguments: [String]) throws(UsageError) -> Int32 {
        let options = try EngineOptions.parse(arguments)
        if options.help {
            Output.print(EngineOptions.help)
            return 0
        }
        do {
            if let agents = options.sweep {
                let sweep = try EngineSweep.run(options: options, agents: agents, invocation: invocation)
                Output.print(options.json ? sweep.json.serialized : sweep.text)
            } else {
                let measurement = try measure(options, invocation: invocation)
                Output.print(options.json ? EngineReport.json(measurement).serialized : EngineReport.text(measurement))
            }
            return 0
        } catch {
            Output.error("switchboard-bench engine: \(error.message)")
            return 1
        }
    }

    /// The command line as typed, quoted for a shell.
    static var invocation: String { CommandLine.arguments.map(shellQuoted).joined(separator: " ") }

    static func measure(_ options: EngineOptions, invocation: String) throws(BenchFailure) -> EngineMeasurement {
        let progress = Progress(quiet: options.quiet)
        progress.say("engine: \(Format.grouped(options.agents)) agents, \(Format.grouped(options.tickets)) tickets, "
            + "\(options.runs) run(s), seed \(options.seed)")
        let loadAtStart = Probe.loadAverage()
        let model = FloorModel(agents: options.agents, skills: options.skills, profiles: options.profiles, seed: options.seed)
        let clockOverhead = Probe.clockOverheadNanoseconds()

        var footprint: FootprintResult?
        if options.footprintTickets > 0 {
            footprint = try WaitingFootprint.measure(
                model: model, tickets: options.footprintTickets, customers: options.customers, seed: options.seed)
            if let footprint {
                progress.say("  footprint: \(Format.grouped(footprint.bytesPerTicket, decimals: 1)) bytes per waiting ticket")
            }
        }

        let settings = SimulationSettings(
            tickets: options.tickets, backlog: options.backlog, tickMs: options.tickMs,
            customers: options.customers, seed: options.seed)
        var runs: [RunResult] = []
        for run in 1...options.runs {
            let result = try EngineSimulation.run(model: model, settings: settings)
            runs.append(result)
            let m = result.measured
            progress.say("  run \(run)/\(options.runs): \(Format.grouped(m.decisionsPerSecond)) decisions/s, "
                + "p50 \(Format.grouped(m.p50)) ns, p99 \(Format.grouped(m.p99)) ns, "
                + "\(Format.grouped(result.warmupTickets)) warm-up tickets, wall \(Format.grouped(result.wallSeconds, decimals: 1)) s")
        }
        let order = runs.indices.sorted { runs[$0].measured.decisionsPerSecond < runs[$1].measured.decisionsPerSecond }
        return EngineMeasurement(
            options: options, profileTierPairs: model.profileTierPairs, floorSlots: model.floorSlots,
            queueSummary: model.queues.map { "\($0.name) (\($0.defaultSkills.map(\.description).joined(separator: ", ")))" }
                .joined(separator: ", "),
            footprint: footprint, clockOverheadNs: clockOverhead, runs: runs, medianIndex: order[(order.count - 1) / 2],
            peakResidentBytes: Probe.peakResidentBytes(), invocation: invocation,
            loadAtStart: loadAtStart, loadAtEnd: Probe.loadAverage())
    }
}

/// Progress lines on stderr (stdout carries only the report or the JSON).
struct Progress {
    let quiet: Bool

    func say(_ line: String) {
        if !quiet { Output.error(line) }
    }
}
