import Foundation

/// What `switchboard-bench compare` runs.
public struct CompareSettings: Sendable {
    /// The systems in the order they run, with the executable of each.
    public var systems: [(SystemKind, String)] = []
    /// The durability levels, in the order run.
    public var durabilities: [Durability] = Durability.allCases
    /// Producers (and as many agents) of the throughput sweep.
    public var connections = [1, 4, 16, 64]
    /// Agents logged in in all for Switchboard's floor sweep; empty: no floor sweep.
    public var floorSizes = [100, 1_000, 10_000]
    /// Connections of the latency runs, the floor sweep and the targets.
    public var targetConnections = 16
    /// Whether to run the fixed-load latency runs.
    public var latencyRuns = true
    /// The latency runs' offered load; nil: half of Redis's `always` flat-out figure at `targetConnections`.
    public var rate: Int?
    /// Seconds of submitting per run, warm-up included.
    public var seconds = 3.0
    /// The first part of each run left out of the figures.
    public var warmupSeconds = 0.5
    /// How long a run's open lifecycles may take after it before the run fails.
    public var drainSeconds = 10.0
    /// Submits in flight per producer when flat out.
    public var window = 1

    /// The default comparison, with no systems yet.
    public init() {}
}

/// Runs the comparison: every run against a fresh server of its system started for it.
public enum CompareRunner {
    /// Runs everything `settings` asks for, calling `progress` before and after each run.
    public static func run(_ settings: CompareSettings, into report: inout CompareReport,
                           progress: @Sendable (_ step: Int, _ total: Int, _ label: String, _ result: String?) -> Void) async {
        report.targetConnections = settings.targetConnections
        report.seconds = settings.seconds
        report.warmupSeconds = settings.warmupSeconds
        let hasSwitchboard = settings.systems.contains { $0.0 == .switchboard }
        let floorSizes = hasSwitchboard ? settings.floorSizes : []
        let pairs = settings.durabilities.reduce(0) { count, durability in
            count + settings.systems.filter { $0.0.runs(at: durability) }.count
        }
        let total = pairs * (settings.connections.count + (settings.latencyRuns ? 1 : 0)) + floorSizes.count
        var step = 0

        for durability in settings.durabilities {
            for (system, executable) in settings.systems where system.runs(at: durability) {
                for connections in settings.connections {
                    step += 1
                    let row = await runOne(system, executable, durability, .throughput, connections: connections, floor: connections,
                                           rate: 0, settings, step: step, total: total, progress: progress)
                    report.rows.append(row)
                }
            }
        }
        if settings.latencyRuns {
            let (rate, source) = latencyRate(settings, report)
            report.latencyRate = rate
            report.latencyRateSource = source
            for durability in settings.durabilities {
                for (system, executable) in settings.systems where system.runs(at: durability) {
                    step += 1
                    let row = await runOne(system, executable, durability, .latency, connections: settings.targetConnections,
                                           floor: settings.targetConnections, rate: rate, settings, step: step, total: total,
                                           progress: progress)
                    report.rows.append(row)
                }
            }
        }
        if let (_, executable) = settings.systems.first(where: { $0.0 == .switchboard }), let durability = settings.durabilities.first {
            for floor in floorSizes {
                step += 1
                let row = await runOne(.switchboard, executable, durability, .throughput, connections: settings.targetConnections,
                                       floor: max(floor, settings.targetConnections), rate: 0, settings, step: step, total: total,
                                       progress: progress)
                report.rows.append(row)
            }
        }
        report.loadAverage = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))
            .map { $0.split(separator: " ").prefix(3).joined(separator: " ") }
    }

    /// The latency runs' rate: the one asked for, else half of Redis `always` flat out at the
    /// target connections, else half of the slowest flat-out figure there.
    static func latencyRate(_ settings: CompareSettings, _ report: CompareReport) -> (Int, String) {
        let c = settings.targetConnections
        if let rate = settings.rate { return (rate, "--rate") }
        if let redis = report.row(.redis, .always, .throughput, connections: c)?.lifecyclesPerSecond, redis >= 2 {
            return (Int(redis / 2), "half of redis always \(c)+\(c) flat out (\(Format.grouped(redis))/s)")
        }
        let measured = report.rows.filter { $0.kind == .throughput && $0.producers == c }.compactMap(\.lifecyclesPerSecond)
        if let slowest = measured.min(), slowest >= 2 {
            return (Int(slowest / 2), "half of the slowest \(c)+\(c) flat-out figure (\(Format.grouped(slowest))/s): redis always did not run")
        }
        return (1_000, "1,000/s: no flat-out figure at \(c)+\(c) to derive it from (give --rate)")
    }

    private static func runOne(_ system: SystemKind, _ executable: String, _ durability: Durability, _ kind: RunKind,
                               connections: Int, floor: Int, rate: Int, _ settings: CompareSettings, step: Int, total: Int,
                               progress: @Sendable (Int, Int, String, String?) -> Void) async -> CompareRow {
        var label = "\(system.rawValue) \(durability.rawValue) \(connections)+\(connections) "
            + (kind == .latency ? "at \(Format.grouped(rate))/s" : "flat out")
        if floor > connections { label += ", \(Format.grouped(floor)) agents logged in" }
        progress(step, total, label, nil)
        let plan = LoadPlan(producers: connections, agents: connections, floorAgents: floor - connections, window: settings.window,
                            seconds: settings.seconds, warmupSeconds: settings.warmupSeconds, rate: rate,
                            drainSeconds: settings.drainSeconds)
        var figures: RunFigures
        do {
            let server = try SystemServer.start(system, executable: executable, durability: durability,
                                                maximumConnections: floor + 2 * connections + 16)
            switch system {
            case .switchboard: figures = await LoadDriver.run(SwitchboardSystem(), host: "127.0.0.1", port: server.port, plan: plan)
            case .redis: figures = await LoadDriver.run(RedisSystem(), host: "127.0.0.1", port: server.port, plan: plan)
            case .beanstalkd: figures = await LoadDriver.run(BeanstalkdSystem(), host: "127.0.0.1", port: server.port, plan: plan)
            case .nullQueue: figures = await LoadDriver.run(RedisSystem(name: "null-queue"), host: "127.0.0.1", port: server.port, plan: plan)
            }
            server.stop()
        } catch {
            figures = RunFigures()
            figures.failure = error.description
        }
        let row = CompareRow(system: system, durability: durability, kind: kind, producers: connections, agents: connections,
                             loggedInAgents: floor, offeredRate: rate, figures: figures)
        progress(step, total, label, row.lifecyclesPerSecond.map { "\(Format.grouped($0))/s" } ?? "FAILED")
        return row
    }
}
