import Glibc

/// Clocks and memory figures from the operating system.
enum Probe {
    /// CLOCK_MONOTONIC in nanoseconds (a vDSO call, no system call).
    @inline(__always) static func nanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    /// The median cost of one back-to-back pair of clock reads: what every timed `apply`
    /// carries on top of the engine's own work (it is not subtracted).
    static func clockOverheadNanoseconds() -> UInt64 {
        var samples: [UInt64] = []
        samples.reserveCapacity(10_001)
        for _ in 0..<10_001 {
            let a = nanoseconds()
            let b = nanoseconds()
            samples.append(b &- a)
        }
        samples.sort()
        return samples[samples.count / 2]
    }

    /// Peak resident set size of this process so far (getrusage ru_maxrss), in bytes.
    static func peakResidentBytes() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss * 1024
    }

    /// Involuntary context switches of this process so far (getrusage ru_nivcsw).
    static func involuntaryContextSwitches() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_nivcsw
    }

    /// The 1-minute load average (first field of /proc/loadavg), or nil when unreadable.
    static func loadAverage() -> Double? {
        let fd = open("/proc/loadavg", O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 128)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0, let field = buffer[0..<count].split(separator: UInt8(ascii: " ")).first else { return nil }
        return Double(String(decoding: field, as: UTF8.self))
    }

    /// Online processors.
    static var processors: Int { sysconf(Int32(_SC_NPROCESSORS_ONLN)) }

    /// Current resident set size (second field of /proc/self/statm), in bytes.
    static func residentBytes() -> Int {
        let fd = open("/proc/self/statm", O_RDONLY)
        guard fd >= 0 else { return 0 }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 256)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return 0 }
        let fields = buffer[0..<count].split(separator: UInt8(ascii: " "))
        guard fields.count >= 2 else { return 0 }
        var pages = 0
        for byte in fields[1] where byte >= 48 && byte <= 57 { pages = pages * 10 + Int(byte - 48) }
        return pages * sysconf(Int32(_SC_PAGESIZE))
    }
}

/// The kinds of timed command.
enum TimedKind: Int, CaseIterable {
    case submit = 0, resolve, tick

    var name: String {
        switch self {
        case .submit: "submit"
        case .resolve: "resolve"
        case .tick: "tick"
        }
    }
}

/// Collects the timing of every `apply` of one phase.
struct PhaseRecorder {
    var applies = [Int](repeating: 0, count: 3)
    var nanoseconds = [UInt64](repeating: 0, count: 3)
    var decisions = [UInt64](repeating: 0, count: 3)
    /// Per kind: the latency of each apply, in ns.
    var applyLatency: [[UInt32]] = [[], [], []]
    /// One entry per decision: its apply's latency divided by the decisions that apply made.
    var perDecision: [UInt32] = []
    /// Per kind: tickets the engine gave to an agent during those applies.
    var assignments = [UInt64](repeating: 0, count: 3)
    var appliesWithoutDecision = 0

    init(expectedApplies: Int = 0) {
        applyLatency[0].reserveCapacity(expectedApplies / 2)
        applyLatency[1].reserveCapacity(expectedApplies / 2)
        perDecision.reserveCapacity(expectedApplies + expectedApplies / 2)
    }

    @inline(__always) mutating func record(_ kind: TimedKind, nanoseconds ns: UInt64, decisions made: UInt64) {
        let k = kind.rawValue
        applies[k] += 1
        nanoseconds[k] &+= ns
        decisions[k] &+= made
        let clipped = UInt32(min(ns, UInt64(UInt32.max)))
        applyLatency[k].append(clipped)
        if made == 0 {
            appliesWithoutDecision += 1
        } else {
            let share = UInt32(min((ns + made / 2) / made, UInt64(UInt32.max)))
            for _ in 0..<made { perDecision.append(share) }
        }
    }

    /// Sorts the samples and reduces them to figures; the samples are dropped.
    mutating func summarise() -> PhaseSummary {
        perDecision.sort()
        var kinds: [KindSummary] = []
        for kind in TimedKind.allCases {
            applyLatency[kind.rawValue].sort()
            let latency = applyLatency[kind.rawValue]
            kinds.append(KindSummary(
                kind: kind, applies: applies[kind.rawValue], decisions: decisions[kind.rawValue],
                assignments: assignments[kind.rawValue], nanoseconds: nanoseconds[kind.rawValue],
                p50: Percentile.of(latency, 0.50), p99: Percentile.of(latency, 0.99),
                p999: Percentile.of(latency, 0.999), max: latency.last.map(UInt64.init) ?? 0))
        }
        let summary = PhaseSummary(
            applies: applies.reduce(0, +), decisions: decisions.reduce(0, +), nanoseconds: nanoseconds.reduce(0, +),
            assignments: assignments.reduce(0, +), appliesWithoutDecision: appliesWithoutDecision,
            p50: Percentile.of(perDecision, 0.50), p99: Percentile.of(perDecision, 0.99),
            p999: Percentile.of(perDecision, 0.999), max: perDecision.last.map(UInt64.init) ?? 0,
            byKind: kinds)
        perDecision = []
        applyLatency = [[], [], []]
        return summary
    }
}

enum Percentile {
    /// Nearest-rank percentile of sorted samples (0 when there are none).
    static func of(_ sorted: [UInt32], _ fraction: Double) -> UInt64 {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((fraction * Double(sorted.count)).rounded(.up))
        return UInt64(sorted[min(max(rank, 1), sorted.count) - 1])
    }
}

/// Figures for one kind of command within a phase; latencies are per apply.
struct KindSummary {
    let kind: TimedKind
    let applies: Int
    let decisions: UInt64
    let assignments: UInt64
    let nanoseconds: UInt64
    let p50: UInt64
    let p99: UInt64
    let p999: UInt64
    let max: UInt64

    var meanNanoseconds: Double { applies == 0 ? 0 : Double(nanoseconds) / Double(applies) }
}

/// Figures for one phase of a run; latencies are per decision.
struct PhaseSummary {
    let applies: Int
    let decisions: UInt64
    let nanoseconds: UInt64
    let assignments: UInt64
    let appliesWithoutDecision: Int
    let p50: UInt64
    let p99: UInt64
    let p999: UInt64
    let max: UInt64
    let byKind: [KindSummary]

    var seconds: Double { Double(nanoseconds) / 1e9 }
    var decisionsPerSecond: Double { nanoseconds == 0 ? 0 : Double(decisions) / seconds }
    var assignmentsPerSecond: Double { nanoseconds == 0 ? 0 : Double(assignments) / seconds }
    var meanNanosecondsPerDecision: Double { decisions == 0 ? 0 : Double(nanoseconds) / Double(decisions) }
}
