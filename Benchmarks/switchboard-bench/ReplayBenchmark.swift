import Foundation
import SwitchboardBenchKit
import SwitchboardCore
import SwitchboardLog
import SwitchboardNode
import SwitchboardProtocol

/// The recovery benchmark's target (issue #4). It lives in the benchmark's output, not in tests.
enum ReplayTargets {
    static let recordsPerSecond = 1_000_000.0
}

/// The times of one run's three passes over the same log, in nanoseconds.
struct ReplayRun {
    /// Segments read and every record's CRC checked.
    let readNs: UInt64
    /// As `readNs`, and every payload parsed into a command.
    let parseNs: UInt64
    /// The parsed commands applied to a fresh engine on one thread, nothing else.
    let applyNs: UInt64
    /// The node's recovery: read, check, parse and apply to a fresh engine.
    let recoverNs: UInt64
}

/// Everything one `replay` measurement produced.
struct ReplayMeasurement {
    let options: ReplayOptions
    let log: BuiltLog
    let buildSeconds: Double
    let runs: [ReplayRun]
    let parse: [LineParseResult]
    let invocation: String
    let loadAtStart: Double?
    let loadAtEnd: Double?

    static func median(_ values: [UInt64]) -> UInt64 { values.sorted()[(values.count - 1) / 2] }

    var readNs: UInt64 { Self.median(runs.map(\.readNs)) }
    var parseNs: UInt64 { Self.median(runs.map(\.parseNs)) }
    var recoverNs: UInt64 { Self.median(runs.map(\.recoverNs)) }
    var applyNs: UInt64 { Self.median(runs.map(\.applyNs)) }

    var recordsPerSecond: Double { Double(log.records) / (Double(recoverNs) / 1e9) }
    var megabytesPerSecond: Double { Double(log.bytes) / 1e6 / (Double(recoverNs) / 1e9) }

    /// Per record, in ns: reading and checking; parsing (the parse pass minus the read pass);
    /// applying (its own pass over the parsed commands). Recovery runs reading and parsing on
    /// one thread and applying on another, so it takes about the slower of the two halves.
    var split: (read: Double, parse: Double, apply: Double) {
        let records = Double(log.records)
        return (Double(readNs) / records, (Double(parseNs) - Double(readNs)) / records, Double(applyNs) / records)
    }
}

/// `switchboard-bench replay`.
enum ReplayBenchmark {
    static func main(_ arguments: [String]) throws(UsageError) -> Int32 {
        let options = try ReplayOptions.parse(arguments)
        if options.help {
            Output.print(ReplayOptions.help)
            return 0
        }
        do {
            let measurement = try measure(options)
            Output.print(options.json ? ReplayReport.json(measurement).serialized : ReplayReport.text(measurement))
            return 0
        } catch {
            Output.error("switchboard-bench replay: \(error)")
            return 1
        }
    }

    static func measure(_ options: ReplayOptions) throws -> ReplayMeasurement {
        let progress = Progress(quiet: options.quiet)
        let loadAtStart = Probe.loadAverage()
        let dataDirectory = FileManager.default.temporaryDirectory
            .appendingPathComponent("switchboard-replay-\(UUID().uuidString)").path
        let logDirectory = NodeStorage.logDirectory(dataDirectory)
        try FileManager.default.createDirectory(atPath: logDirectory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dataDirectory) }

        progress.say("replay: writing \(Format.grouped(options.records)) records, \(Format.grouped(options.agents)) agents, "
            + "seed \(options.seed) into \(dataDirectory)")
        let buildStart = Probe.nanoseconds()
        let log = try ReplayLogBuilder.build(
            records: options.records, agents: options.agents, seed: options.seed, logDirectory: logDirectory)
        let buildSeconds = Double(Probe.nanoseconds() - buildStart) / 1e9
        progress.say("  written: \(Format.bytes(log.bytes)) in \(Format.grouped(buildSeconds, decimals: 1)) s")

        var runs: [ReplayRun] = []
        for run in 1...options.runs {
            let result = try time(dataDirectory: dataDirectory, log: log)
            runs.append(result)
            progress.say("  run \(run)/\(options.runs): recovery \(Format.grouped(Double(result.recoverNs) / 1e6, decimals: 1)) ms "
                + "(\(Format.grouped(Double(log.records) / (Double(result.recoverNs) / 1e9))) records/s), "
                + "read+crc \(Format.grouped(Double(result.readNs) / 1e6, decimals: 1)) ms, "
                + "read+crc+parse \(Format.grouped(Double(result.parseNs) / 1e6, decimals: 1)) ms")
        }
        let parse = LineParseBenchmark.run(iterations: options.parseIterations, runs: options.runs)
        return ReplayMeasurement(
            options: options, log: log, buildSeconds: buildSeconds, runs: runs, parse: parse,
            invocation: EngineBenchmark.invocation, loadAtStart: loadAtStart, loadAtEnd: Probe.loadAverage())
    }

    /// One run: the read pass, the parse pass, then the node's recovery, whose digest must be
    /// the digest of the engine that wrote the log.
    private static func time(dataDirectory: String, log: BuiltLog) throws -> ReplayRun {
        let logDirectory = NodeStorage.logDirectory(dataDirectory)
        var seen: UInt64 = 0

        var start = Probe.nanoseconds()
        _ = try LogRecovery.recoverInPlace(directory: logDirectory) { record in seen &+= record.index }
        let readNs = Probe.nanoseconds() - start

        var entries: [LogEntry] = []
        entries.reserveCapacity(log.records)
        start = Probe.nanoseconds()
        _ = try LogRecovery.recoverInPlace(directory: logDirectory) { record in
            if let entry = try record.entry() { entries.append(entry) }
        }
        let parseNs = Probe.nanoseconds() - start
        seen &+= UInt64(entries.count)

        var engine = RoutingEngine()
        var events: [Event] = []
        start = Probe.nanoseconds()
        for entry in entries {
            try? engine.apply(entry.command, at: entry.time, into: &events)
            events.removeAll(keepingCapacity: true)
        }
        let applyNs = Probe.nanoseconds() - start
        entries = []

        start = Probe.nanoseconds()
        let recovered = try NodeStorage.recover(dataDirectory: dataDirectory, repair: false, log: Log(minimum: .warning))
        let recoverNs = Probe.nanoseconds() - start

        guard recovered.replayedRecords == log.records else {
            throw BenchFailure(message: "recovery replayed \(recovered.replayedRecords) records; the log holds \(log.records)")
        }
        guard recovered.engine.digest == log.digest else {
            throw BenchFailure(message: "the recovered floor's digest \(String(recovered.engine.digest, radix: 16)) differs from "
                + "the digest \(String(log.digest, radix: 16)) of the engine that wrote the log: the replay is wrong")
        }
        // Keeps the passes' visitors from being optimised away.
        guard seen != 0 else { throw BenchFailure(message: "the passes over the log saw no record") }
        guard engine.digest == log.digest else {
            throw BenchFailure(message: "applying the parsed commands gave digest \(String(engine.digest, radix: 16)), not \(String(log.digest, radix: 16))")
        }
        return ReplayRun(readNs: readNs, parseNs: parseNs, applyNs: applyNs, recoverNs: recoverNs)
    }
}
