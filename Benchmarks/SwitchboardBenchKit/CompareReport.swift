import Foundation

/// Flat out (throughput) or at a fixed offered load (latency).
public enum RunKind: String, Sendable {
    /// Flat out: each producer sends its next ticket when one is accepted.
    case throughput
    /// A fixed offered rate on a schedule, whatever the replies.
    case latency
}

/// One run of the comparison: what ran and what it measured.
public struct CompareRow: Sendable {
    /// The system run.
    public var system: SystemKind
    /// Its durability level.
    public var durability: Durability
    /// Flat out or at a fixed load.
    public var kind: RunKind
    /// Producer connections.
    public var producers: Int
    /// Working agent connections.
    public var agents: Int
    /// Agents logged in in all: the working ones plus those that take no work (Switchboard's floor sweep).
    public var loggedInAgents: Int
    /// Tickets per second offered (latency runs); 0 flat out.
    public var offeredRate: Int
    /// What the run measured.
    public var figures: RunFigures

    /// A row; see the properties.
    public init(system: SystemKind, durability: Durability, kind: RunKind, producers: Int, agents: Int, loggedInAgents: Int,
                offeredRate: Int, figures: RunFigures) {
        self.system = system
        self.durability = durability
        self.kind = kind
        self.producers = producers
        self.agents = agents
        self.loggedInAgents = loggedInAgents
        self.offeredRate = offeredRate
        self.figures = figures
    }

    /// Whether this row is a figure (all its lifecycles completed, nothing unexpected).
    public var succeeded: Bool { figures.failure == nil }
    /// Lifecycles per second, nil for a failed run.
    public var lifecyclesPerSecond: Double? { succeeded ? figures.lifecyclesPerSecond : nil }
    /// The failure, or for a latency run that completed less than 95 % of its offered load,
    /// that it fell behind (its latencies then include a growing backlog); else empty.
    public var note: String {
        if let failure = figures.failure { return failure }
        if kind == .latency && figures.lifecyclesPerSecond < 0.95 * Double(offeredRate) {
            return "fell behind the offered load: \(Format.grouped(figures.lifecyclesPerSecond))/s of \(Format.grouped(offeredRate))/s completed in the window"
        }
        return ""
    }

    /// A row of the floor sweep (more agents logged in than working).
    public var isFloorRun: Bool { loggedInAgents > agents }
}

/// Everything one `compare` run produced, for the table, JSON, Markdown and SVG writers.
public struct CompareReport: Sendable {
    /// One row per run, in the order run.
    public var rows: [CompareRow] = []
    /// The command line that produced it.
    public var command: String
    /// Each system's version as it reports it, in the order run.
    public var versions: [(SystemKind, String)] = []
    /// Systems not compared and why (not installed, with how to install).
    public var skipped: [String] = []
    /// The offered load of the latency runs and where it came from.
    public var latencyRate: Int?
    /// How `latencyRate` was chosen, in words.
    public var latencyRateSource = ""
    /// The connections (producers = agents) at which the targets are checked.
    public var targetConnections = 16
    /// Seconds of submitting per run, warm-up included.
    public var seconds = 0.0
    /// The part of each run left out of the figures.
    public var warmupSeconds = 0.0
    /// When the comparison ran.
    public var date = Date()
    /// `/proc/loadavg`'s first three figures when the runs ended: how busy the machine was.
    public var loadAverage: String?

    /// An empty report for `command`.
    public init(command: String) { self.command = command }

    /// The row for a configuration, if it ran.
    public func row(_ system: SystemKind, _ durability: Durability, _ kind: RunKind, connections: Int) -> CompareRow? {
        rows.first {
            $0.system == system && $0.durability == durability && $0.kind == kind && $0.producers == connections && !$0.isFloorRun
        }
    }

    /// The targets, each checked where both sides ran and succeeded.
    public var targets: [TargetCheck] {
        var checks: [TargetCheck] = []
        let c = targetConnections
        func rate(_ system: SystemKind, _ durability: Durability) -> Double? {
            row(system, durability, .throughput, connections: c)?.lifecyclesPerSecond
        }
        for durability in Durability.allCases {
            guard let ours = rate(.switchboard, durability) else { continue }
            var peers: [(SystemKind, Double)] = [(.redis, 1.5), (.beanstalkd, 5.0)]
            if durability != .always {
                // At the weaker levels the target is the faster peer, whichever it is.
                let faster = [SystemKind.redis, .beanstalkd].max { (rate($0, durability) ?? 0) < (rate($1, durability) ?? 0) }!
                peers = [(faster, 1.0)]
            }
            for (peer, factor) in peers {
                guard let theirs = rate(peer, durability), theirs > 0 else { continue }
                checks.append(TargetCheck(
                    name: "\(durability.rawValue), \(c)+\(c): switchboard ≥ \(Format.grouped(factor, decimals: 1))× \(peer.rawValue)"
                        + (durability == .always ? "" : " (the faster peer)"),
                    measured: "\(Format.grouped(ours)) vs \(Format.grouped(theirs)) lifecycles/s = \(Format.grouped(ours / theirs, decimals: 2))×",
                    met: ours >= factor * theirs))
            }
        }
        for durability in Durability.allCases {
            guard let ours = row(.switchboard, durability, .latency, connections: c), ours.succeeded,
                  let theirs = row(.redis, durability, .latency, connections: c), theirs.succeeded,
                  let ourP99 = ours.figures.taken.percentileMilliseconds(0.99),
                  let theirP99 = theirs.figures.taken.percentileMilliseconds(0.99) else { continue }
            checks.append(TargetCheck(
                name: "\(durability.rawValue), \(Format.grouped(ours.offeredRate))/s: switchboard submit→taken p99 ≤ redis",
                measured: "\(Self.milliseconds(ourP99)) vs \(Self.milliseconds(theirP99)) ms",
                met: ourP99 <= theirP99))
        }
        return checks
    }

    /// Milliseconds with three significant decimals at most.
    static func milliseconds(_ value: Double?) -> String {
        guard let value else { return "-" }
        return value < 1 ? String(format: "%.3f", value) : value < 10 ? String(format: "%.2f", value) : String(format: "%.1f", value)
    }
}

/// One target of the issue, checked.
public struct TargetCheck: Sendable {
    /// The target in words: `always, 16+16: switchboard ≥ 1.5× redis`.
    public let name: String
    /// The figures compared and their ratio.
    public let measured: String
    /// Whether the target is met.
    public let met: Bool
}
