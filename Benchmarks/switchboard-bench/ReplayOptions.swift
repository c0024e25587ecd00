import SwitchboardBenchKit
/// The flags of `switchboard-bench replay`.
struct ReplayOptions {
    var records = 1_000_000
    var agents = 1_000
    var seed: UInt64 = 1
    var runs = 5
    /// Parses of each sample line per run of the parse micro-benchmark; 0 skips it.
    var parseIterations = 1_000_000
    var json = false
    var quiet = false
    var help = false

    static func parse(_ arguments: [String]) throws(UsageError) -> ReplayOptions {
        var options = ReplayOptions()
        var reader = ArgumentReader(arguments)
        while let (flag, inline) = try reader.nextFlag() {
            func count(_ range: ClosedRange<Int>) throws(UsageError) -> Int {
                let expecting = "a whole number from \(range.lowerBound) to \(range.upperBound)"
                return try ArgumentValue.count(try reader.value(of: flag, inline: inline, expecting: expecting), flag: flag, range: range)
            }
            switch flag {
            case "--records": options.records = try count(1_000...100_000_000)
            case "--agents": options.agents = try count(10...100_000)
            case "--seed": options.seed = try ArgumentValue.seed(try reader.value(of: flag, inline: inline, expecting: "an unsigned 64-bit integer"), flag: flag)
            case "--runs": options.runs = try count(1...101)
            case "--parse-iterations": options.parseIterations = try count(0...100_000_000)
            default:
                guard try ArgumentReader.outputSwitch(flag, inline: inline, json: &options.json, quiet: &options.quiet, help: &options.help) else {
                    throw UsageError(message: "unknown flag \(flag); see 'switchboard-bench replay --help'")
                }
            }
        }
        return options
    }

    /// Every flag spelled out, so a report can be reproduced exactly.
    var canonicalFlags: String {
        "--records \(records) --agents \(agents) --seed \(seed) --runs \(runs) --parse-iterations \(parseIterations)"
    }

    static let help = """
        USAGE: switchboard-bench replay [--records N] [--agents A] [--seed S] [--runs R]
                                        [--parse-iterations N] [--json] [--quiet]

        Recovery speed: how fast a node rebuilds its floor from the log at start.

        It first writes a log of N records into a temporary data directory with the real
        LogWriter: the floor's setup (POLICY, QUEUE, LOGIN of A agents without auto-accept), then
        ticket lifecycles made by driving a RoutingEngine — SUBMIT, the offered agent's ACCEPT (or
        now and then DECLINE), RESOLVE after the handling time, agents stepping away and back
        (SET-STATUS), and a TICK every simulated second. Each command is stamped and encoded
        with LogEntry, exactly as the node logs it. There is no snapshot: every record replays.

        Then, R times, it times the node's own recovery (NodeStorage.recover: read every
        segment, check every record's CRC-32C, parse each payload into a command, apply it to a
        fresh engine) and checks that the recovered floor's digest equals the digest of the
        engine that wrote the log; a mismatch fails the run (exit status 1). To split the time,
        each run also times the same log read with the records only checked (read+CRC), and read,
        checked and parsed but not applied (read+CRC+parse); parse and apply are the differences.
        Figures are the medians of the R runs.

        Last, it times the protocol's line parser on two request lines as clients send them (a
        SUBMIT and an ACCEPT): ns per LineParser.parse, and per parse plus Request decoding.

          --records N            log records to write and replay (default 1000000)
          --agents A             agents logged in (default 1000)
          --seed S               workload seed, decimal or 0x hex (default 1)
          --runs R               timed recoveries; medians are quoted (default 5)
          --parse-iterations N   parses of each sample line per run (default 1000000; 0 skips it)
          --json                 print one JSON object instead of the report
          --quiet                no progress lines on stderr
          -h, --help             this help

          Numbers take _ separators and a k (x1000) or m (x1000000) suffix: --records 1m.

        TARGET (issue #4; release build; printed with PASS or MISS, never an exit status)
          recovery replays >= 1,000,000 records/s (1M-record log, no snapshot, median of 5).

        EXAMPLES
          swift build -c release --scratch-path .build-bench --product switchboard-bench
          .build-bench/release/switchboard-bench replay
          .build-bench/release/switchboard-bench replay --records 100k --runs 1 --parse-iterations 0

        """
}
