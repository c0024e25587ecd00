import Foundation
import SwitchboardBenchKit

/// The flags of `switchboard-bench compare`.
struct CompareOptions: Sendable {
    var systems = SystemKind.allCases
    /// Whether `--systems` named them (else a system that cannot run is left out without a word).
    var systemsGiven = false
    var settings = CompareSettings()
    var switchboardPath: String?
    var jsonPath: String?
    var markdownPath: String?
    var svgPath: String?

    static let help = """
        USAGE: switchboard-bench compare [--systems LIST] [--durability LIST] [--connections LIST] [--floor LIST]
                                         [--at C] [--seconds S] [--warmup S] [--rate R] [--no-latency] [--quick]
                                         [--window W] [--drain S] [--switchboard PATH]
                                         [--json FILE] [--markdown FILE] [--svg FILE]

        Switchboard side by side with Redis and beanstalkd: the same load generator (one epoll
        thread, plus a pacing thread at a fixed rate), the same ~\(TicketPayload.byteCount)-byte ticket, each
        system in its own protocol. Every run starts a fresh server on a free loopback port with
        its data in a new temporary directory and stops it by PID afterwards:
          switchboard  `switchboard node` from next to this executable (build both: swift build -c release)
          redis        redis-server on PATH; RPUSH → BLMOVE to a per-agent processing list → LREM
          beanstalkd   beanstalkd on PATH; put → reserve → delete, tube "bench"
          null-queue   switchboard-bench null-queue, the baseline: Redis's commands served by a loop
                       that only moves the bytes (in memory, one epoll thread); durability none only
        Switchboard: SUBMIT → OFFER pushed → ACCEPT+RESOLVE in one write; agents capacity 1, no wrap-up.
        A producer keeps --window submits in flight; an agent holds one ticket and pipelines
        "finish it + take the next". A missing peer is skipped with how to install it.

        Runs, each against a fresh server: flat out for every system × durability × connection
        count; then at a fixed offered load (latency: submit→taken p50/p99/p999) at --at
        connections, by default half of Redis's `always` flat-out figure; then Switchboard flat out
        at --at connections and the first --durability level with --floor agents logged in (the
        extra ones with a skill the tickets do not need: in the engine's index, taking no work). A run whose lifecycles do not all
        complete within --drain seconds of its end is reported as FAILED, not as a figure.

          --systems LIST      switchboard,redis,beanstalkd,null-queue (default: all four; null-queue,
                              the baseline, runs at durability none only)
          --durability LIST   always,relaxed,none (default: all three)
                                always:  switchboard --fsync always, redis appendfsync always, beanstalkd -b DIR -f 0
                                relaxed: switchboard --fsync interval:1000, redis appendfsync everysec, beanstalkd -b DIR
                                none:    no persistence (switchboard --fsync never: log written, never fsynced)
          --connections LIST  producers (and as many agents) of the flat-out sweep (default 1,4,16,64)
          --floor LIST        agents logged in for switchboard's floor sweep, or none (default 100,1000,10000)
          --at C              connections of the latency runs, the floor sweep and the targets (default 16)
          --seconds S         seconds of submitting per run, warm-up included (default 3)
          --warmup S          first seconds of each run left out of the figures (default 0.5)
          --rate R            tickets/s of the latency runs (default: half of redis always at --at)
          --no-latency        skip the fixed-load runs
          --quick             --seconds 1 --warmup 0.2 --connections 1,16 --floor 100,1000 (about a minute)
          --window W          submits in flight per producer, flat out (default 1)
          --drain S           how long open lifecycles may take after a run (default 10)
          --switchboard PATH  the switchboard executable (default: next to this one)
          --json FILE         every figure as JSON (a "rows" array, one object per run)
          --markdown FILE     the table with the command, versions and server command lines
          --svg FILE          a chart: lifecycles/s against connections per system and durability

        Exit status: 0 all runs measured, 1 a run failed or nothing could run, 2 usage error.
        """

    static func parse(_ arguments: [String]) throws(UsageError) -> CompareOptions? {
        var options = CompareOptions()
        var reader = ArgumentReader(arguments)
        var quick = false
        var explicit: Set<String> = []
        while let (flag, inline) = try reader.nextFlag() {
            explicit.insert(flag)
            switch flag {
            case "--help":
                return nil
            case "--systems":
                options.systems = try names(try reader.value(of: flag, inline: inline, expecting: "switchboard,redis,beanstalkd,null-queue"), flag: flag)
                options.systemsGiven = true
            case "--durability":
                options.settings.durabilities = try names(try reader.value(of: flag, inline: inline, expecting: "always,relaxed,none"), flag: flag)
            case "--connections":
                options.settings.connections = try ArgumentValue.counts(
                    try reader.value(of: flag, inline: inline, expecting: "e.g. 1,4,16,64"), flag: flag, range: 1...1000)
            case "--floor":
                let value = try reader.value(of: flag, inline: inline, expecting: "e.g. 100,1000,10000 or none")
                options.settings.floorSizes = value == "none" ? [] : try ArgumentValue.counts(value, flag: flag, range: 1...100_000)
            case "--at":
                options.settings.targetConnections = try ArgumentValue.count(
                    try reader.value(of: flag, inline: inline, expecting: "1 to 1000"), flag: flag, range: 1...1000)
            case "--seconds":
                options.settings.seconds = try seconds(try reader.value(of: flag, inline: inline, expecting: "seconds, e.g. 3 or 0.5"), flag: flag)
            case "--warmup":
                options.settings.warmupSeconds = try seconds(try reader.value(of: flag, inline: inline, expecting: "seconds, e.g. 0.5"), flag: flag,
                                                             allowZero: true)
            case "--drain":
                options.settings.drainSeconds = try seconds(try reader.value(of: flag, inline: inline, expecting: "seconds, e.g. 10"), flag: flag)
            case "--rate":
                options.settings.rate = try ArgumentValue.count(
                    try reader.value(of: flag, inline: inline, expecting: "1 to 10000000"), flag: flag, range: 1...10_000_000)
            case "--window":
                options.settings.window = try ArgumentValue.count(try reader.value(of: flag, inline: inline, expecting: "1 to 1000"), flag: flag,
                                                                  range: 1...1000)
            case "--no-latency":
                try ArgumentReader.noValue(flag, inline: inline)
                options.settings.latencyRuns = false
            case "--quick":
                try ArgumentReader.noValue(flag, inline: inline)
                quick = true
            case "--switchboard":
                options.switchboardPath = try reader.value(of: flag, inline: inline, expecting: "the switchboard executable's path")
            case "--json":
                options.jsonPath = try reader.value(of: flag, inline: inline, expecting: "a file to write")
            case "--markdown":
                options.markdownPath = try reader.value(of: flag, inline: inline, expecting: "a file to write")
            case "--svg":
                options.svgPath = try reader.value(of: flag, inline: inline, expecting: "a file to write")
            default:
                throw UsageError(message: "unknown flag \(flag); see 'switchboard-bench compare --help'")
            }
        }
        if quick {
            // Quick sets what was not given explicitly.
            if !explicit.contains("--seconds") { options.settings.seconds = 1 }
            if !explicit.contains("--warmup") { options.settings.warmupSeconds = 0.2 }
            if !explicit.contains("--connections") { options.settings.connections = [1, 16] }
            if !explicit.contains("--floor") { options.settings.floorSizes = [100, 1_000] }
        }
        guard options.settings.warmupSeconds < options.settings.seconds else {
            throw UsageError(message: "--warmup (\(options.settings.warmupSeconds) s) must be shorter than --seconds (\(options.settings.seconds) s)")
        }
        return options
    }

    /// A comma-separated list of names of `T`'s cases, each at most once.
    private static func names<T: RawRepresentable & CaseIterable>(_ text: String, flag: String) throws(UsageError) -> [T] where T.RawValue == String {
        var values: [T] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard let value = T(rawValue: String(part)) else {
                throw UsageError(message: "\(flag) takes a comma-separated list of \(T.allCases.map(\.rawValue).joined(separator: ", ")); "
                                 + "\"\(part)\" is none of them")
            }
            guard !values.contains(where: { $0.rawValue == value.rawValue }) else {
                throw UsageError(message: "\(flag) names \"\(part)\" twice")
            }
            values.append(value)
        }
        return values
    }

    private static func seconds(_ text: String, flag: String, allowZero: Bool = false) throws(UsageError) -> Double {
        guard let value = Double(text), value.isFinite, allowZero ? value >= 0 : value > 0, value <= 3600 else {
            throw UsageError(message: "\(flag) expects seconds from \(allowZero ? "0" : "more than 0") to 3600 (e.g. 2 or 0.5), got \"\(text)\"")
        }
        return value
    }
}
