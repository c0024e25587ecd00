import Foundation

/// A subcommand of `switchboard-bench`.
struct BenchSubcommand: Sendable {
    let name: String
    let summary: String
    let help: @Sendable () -> String
    /// Runs with the arguments after the subcommand name; returns the exit status.
    let run: @Sendable ([String]) throws(UsageError) -> Int32
}

/// The subcommand dispatcher: `switchboard-bench <subcommand> [flags]`.
enum BenchCommandLine {
    static let subcommands: [BenchSubcommand] = [
        BenchSubcommand(
            name: "engine", summary: "the routing engine's hot path in process (RoutingEngine.apply)",
            help: { EngineOptions.help }, run: { arguments throws(UsageError) in try EngineBenchmark.main(arguments) }),
        BenchSubcommand(
            name: "e2e", summary: "ticket lifecycles through a node over TCP: intake and agent connections",
            help: { E2EOptions.help }, run: { arguments throws(UsageError) in try E2EBenchmark.main(arguments) }),
        BenchSubcommand(
            name: "snapshot", summary: "how long an automatic snapshot of a full floor holds up a loaded node",
            help: { SnapshotPauseBenchmark.Options.help }, run: { arguments throws(UsageError) in try SnapshotPauseBenchmark.main(arguments) }),
        BenchSubcommand(
            name: "replay", summary: "a node's recovery: log records read, checked, parsed and applied per second",
            help: { ReplayOptions.help }, run: { arguments throws(UsageError) in try ReplayBenchmark.main(arguments) }),
        BenchSubcommand(
            name: "compare", summary: "Switchboard side by side with Redis and beanstalkd: the same load, each in its own protocol",
            help: { CompareOptions.help }, run: { arguments throws(UsageError) in try CompareBenchmark.main(arguments) }),
        BenchSubcommand(
            name: "null-queue", summary: "the comparison's baseline: a server that only moves the bytes (compare starts it)",
            help: { NullQueueCommand.help }, run: { arguments throws(UsageError) in try NullQueueCommand.main(arguments) }),
    ]

    static var usage: String {
        var text = """
            USAGE: switchboard-bench <subcommand> [flags]
                   switchboard-bench <subcommand> --help
                   switchboard-bench help [subcommand]

            Switchboard's benchmarks. Build them in release mode with a scratch path of your own:
              swift build -c release --scratch-path .build-bench --product switchboard-bench
            (compare also needs the switchboard executable beside it: swift build -c release builds both)

            SUBCOMMANDS

            """
        let width = subcommands.map(\.name.count).max() ?? 0
        for subcommand in subcommands {
            text += "  " + subcommand.name.padding(toLength: width + 3, withPad: " ", startingAt: 0) + subcommand.summary + "\n"
        }
        text += "\nExit status: 0 done (whether or not targets were met), 1 the benchmark failed, 2 usage error.\n"
        return text
    }

    static func run(_ arguments: [String]) -> Int32 {
        guard let first = arguments.first else {
            Output.error(usage)
            return 2
        }
        switch first {
        case "-h", "--help":
            Output.print(usage)
            return 0
        case "help":
            guard arguments.count > 1 else {
                Output.print(usage)
                return 0
            }
            guard let subcommand = subcommands.first(where: { $0.name == arguments[1] }) else {
                return usageError("no subcommand \"\(arguments[1])\"; subcommands: \(names)", context: nil)
            }
            Output.print(subcommand.help())
            return 0
        default:
            guard let subcommand = subcommands.first(where: { $0.name == first }) else {
                let hint = first.hasPrefix("-") ? "put the subcommand first" : "subcommands: \(names)"
                return usageError("unknown subcommand \"\(first)\"; \(hint)", context: nil)
            }
            do {
                return try subcommand.run(Array(arguments.dropFirst()))
            } catch {
                return usageError(error.message, context: subcommand.name)
            }
        }
    }

    private static var names: String { subcommands.map(\.name).joined(separator: ", ") }

    private static func usageError(_ message: String, context: String?) -> Int32 {
        let prefix = context.map { "switchboard-bench \($0)" } ?? "switchboard-bench"
        Output.error("\(prefix): \(message)\nRun '\(prefix) --help' for usage.\n")
        return 2
    }
}

/// Writing to the standard streams (FileHandle: the C globals are not concurrency-safe in Swift 6).
enum Output {
    static func print(_ text: String) {
        FileHandle.standardOutput.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
    }

    static func error(_ text: String) {
        FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
    }

    /// Writes to standard error as is, without adding a newline (a progress line).
    static func errorRaw(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
