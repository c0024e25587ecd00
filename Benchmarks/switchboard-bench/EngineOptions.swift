import Foundation

/// The flags of `switchboard-bench engine`.
struct EngineOptions {
    var agents = 10_000
    var tickets = 1_000_000
    var skills = 32
    var profiles = 256
    var seed: UInt64 = 1
    var runs = 5
    /// `--backlog` when given; otherwise half the agents.
    var backlogOverride: Int?
    var customers = 100_000
    var tickMs = 1_000
    var footprintTickets = 200_000
    var json = false
    var quiet = false
    /// Agent counts to sweep, or nil for a single measurement.
    var sweep: [Int]?
    var help = false

    static let defaultSweep = [1_000, 10_000, 100_000]

    static func parse(_ arguments: [String]) throws(UsageError) -> EngineOptions {
        var options = EngineOptions()
        var reader = ArgumentReader(arguments)
        var agentsGiven = false
        while let (flag, inline) = try reader.nextFlag() {
            func value(_ expecting: String) throws(UsageError) -> String {
                try reader.value(of: flag, inline: inline, expecting: expecting)
            }
            func count(_ range: ClosedRange<Int>) throws(UsageError) -> Int {
                try ArgumentValue.count(try value("a whole number from \(range.lowerBound) to \(range.upperBound)"), flag: flag, range: range)
            }
            switch flag {
            case "--agents":
                options.agents = try count(1...2_000_000)
                agentsGiven = true
            case "--tickets": options.tickets = try count(1...100_000_000)
            case "--skills": options.skills = try count(1...1_000)
            case "--profiles": options.profiles = try count(1...100_000)
            case "--seed": options.seed = try ArgumentValue.seed(try value("an unsigned 64-bit integer"), flag: flag)
            case "--runs": options.runs = try count(1...101)
            case "--backlog": options.backlogOverride = try count(0...10_000_000)
            case "--customers": options.customers = try count(1...10_000_000)
            case "--tick-ms": options.tickMs = try count(1...3_600_000)
            case "--footprint-tickets": options.footprintTickets = try count(0...10_000_000)
            case "--sweep":
                try ArgumentReader.noValue(flag, inline: inline)
                options.sweep = options.sweep ?? defaultSweep
            case "--sweep-agents":
                let text = try value("a comma-separated list of agent counts, e.g. 1k,10k,100k")
                options.sweep = try ArgumentValue.counts(text, flag: flag, range: 1...2_000_000)
            default:
                guard try ArgumentReader.outputSwitch(flag, inline: inline, json: &options.json, quiet: &options.quiet, help: &options.help) else {
                    throw UsageError(message: "unknown flag \(flag); see the flags in --help")
                }
            }
        }
        if agentsGiven && options.sweep != nil {
            throw UsageError(message: "--agents cannot be combined with --sweep; choose the agent counts with --sweep-agents")
        }
        return options
    }

    /// Waiting tickets the simulation holds: `--backlog`, or half the agents (the same load
    /// per agent at every floor size: 5,000 at the default 10,000 agents).
    var backlog: Int { backlogOverride ?? agents / 2 }

    /// Every flag spelled out, so a report can be reproduced exactly. For a sweep (or one of
    /// its points, `agents`), the backlog is spelled out only when it was given.
    func equivalentArguments(agents point: Int? = nil) -> [String] {
        var arguments: [String] = []
        let sweeping = sweep != nil
        if let sweep, point == nil {
            arguments += ["--sweep-agents", sweep.map(String.init).joined(separator: ",")]
        } else {
            arguments += ["--agents", String(point ?? agents)]
        }
        arguments += [
            "--tickets", String(tickets), "--skills", String(skills), "--profiles", String(profiles),
            "--seed", String(seed), "--runs", String(runs),
        ]
        if !sweeping || backlogOverride != nil { arguments += ["--backlog", String(backlog)] }
        arguments += [
            "--customers", String(customers), "--tick-ms", String(tickMs),
            "--footprint-tickets", String(footprintTickets),
        ]
        return arguments
    }

    static var help: String {
        let shares = FloorModel.channelShares
        let total = shares.reduce(0, +)
        let channelMix = zip(["chat", "email", "phone", "web"], shares)
            .map { "\($0) \(Int(($1 / total * 100).rounded())) %" }.joined(separator: ", ")
        let handle = zip(["chat", "email", "phone", "web"], FloorModel.meanHandleMinutes)
            .map { "\($0) \(Int($1))" }.joined(separator: ", ")
        let c = FloorModel.capacity
        return """
            USAGE: switchboard-bench engine [flags]

            Measures the routing engine's hot path in process: RoutingEngine.apply(_:at:into:)
            for every submit, resolve and tick of a simulated support floor. Only the time inside
            apply is measured (CLOCK_MONOTONIC read just before and after each call); generating
            the workload and handling the events are not.

            WORKLOAD (a discrete-event simulation on a simulated millisecond clock, seeded by --seed)
              Queues   hosting (skill linux), domains (dns), mail (mail), billing (billing), each
                       with its own SLA targets; least-loaded routing.
              Agents   hired into roles: each draws its skill profile from a catalogue of --profiles
                       random profiles (the role's team skill plus up to 3 more: 1-4 skills, levels
                       1-5) and a tier 1-3 (60/30/10 %). Capacity chat \(c[0]), email \(c[1]), phone \(c[2]),
                       web \(c[3]); auto-accept, so every offer is an assignment at once.
              Tickets  each drawn from a random agent's role, so someone can always take it: the
                       role's queue, 1-2 of the role's skills at minimum level 1-3 (never above that
                       agent's level), tier 1 (85 %), 2 (12 %) or 3 (3 %) capped at that agent's tier.
                       Channels in proportion to the floor's throughput per channel (\(channelMix)),
                       priorities urgent 5 %, high 20 %, normal 60 %, low 15 %, customers drawn from
                       --customers (a returning customer may go to its last agent: affinity).
              Handling agents resolve a held ticket after a random time: a quarter of the mean plus
                       an exponential part; mean minutes \(handle).
              Arrivals a Poisson process, steered at every tick so that about --backlog tickets wait.
                       Warm-up: arrivals follow the floor's capacity until the backlog is built and
                       the tickets held by agents stop growing (the floor is as full as the mix
                       allows); it is timed but reported apart. Then --tickets more submits, arrivals
                       following the observed resolve rate. A tick command every --tick-ms ms.

            FIGURES
              decisions/s       engine decisions (the RoutingEngine.decisions counter) / time inside apply
              ns/decision       per decision: the apply's latency / the decisions that apply made, counted
                                once per decision (applies that made none count in the time only)
              commands applied  timed submit, resolve and tick commands
              peak RSS          getrusage ru_maxrss of the whole process, in bytes
              bytes/waiting     RSS growth / N after submitting N tickets to an engine with no agent
                                logged in (--footprint-tickets)

            FLAGS
              --agents N             agents on the floor (default 10000)
              --tickets N            tickets submitted in the measured phase (default 1000000)
              --skills N             distinct skills (default 32)
              --profiles P           skill profiles in the hiring catalogue (default 256)
              --seed S               workload seed, decimal or 0x hex (default 1)
              --runs R               runs of the same workload; the median run by decisions/s is
                                     quoted (default 5)
              --backlog B            waiting tickets to hold (default: half the agents, 5000 at 10000
                                     agents, the same load per agent at every size; 0 = no warm-up,
                                     arrivals at the floor's capacity)
              --customers N          distinct customers (default 100000)
              --tick-ms MS           simulated milliseconds between tick commands (default 1000)
              --footprint-tickets N  tickets for the bytes-per-waiting-ticket phase (default 200000;
                                     0 skips it)
              --sweep                measure 1000, 10000 and 100000 agents, each in a process of its
                                     own, and print the curve and the 100k/1k cost ratio (minutes:
                                     100000 agents need about 4 million warm-up tickets per run)
              --sweep-agents LIST    the agent counts for the sweep, e.g. 1k,10k,100k (implies --sweep)
              --json                 print one JSON object instead of the report
              --quiet                no progress lines on stderr
              -h, --help             this help

              Numbers take _ separators and a k (x1000) or m (x1000000) suffix: --agents 100k.

            TARGETS (release build, one core; printed with PASS or MISS, never an exit status)
              >= 2,000,000 decisions/s and p99 < 2,000 ns per decision with 10,000 agents;
              a decision with 100,000 agents costs at most 2x one with 1,000 (mean ns, --sweep).

            EXAMPLES
              swift build -c release --scratch-path .build-bench --product switchboard-bench
              .build-bench/release/switchboard-bench engine
              .build-bench/release/switchboard-bench engine --agents 1k --tickets 200k --runs 3
              .build-bench/release/switchboard-bench engine --sweep
              .build-bench/release/switchboard-bench engine --sweep --json

            INSTRUCTIONS PER DECISION (reproducible, unlike wall-clock time)
              valgrind --tool=callgrind --toggle-collect='*RoutingEngineV5apply_2at4into*' \\
                --dump-before='*measuredPhaseBegins*' .build-bench/release/switchboard-bench engine \\
                --agents 10k --tickets 100k --runs 1 --footprint-tickets 0
              The second dump (callgrind.out.PID.2) counts the measured applies only: divide its
              total by the measured decisions in the report.

            """
    }
}
