import Foundation
import Glibc
import Synchronization
import SwitchboardBenchKit

/// `switchboard-bench compare`: Switchboard, Redis and beanstalkd side by side (see `CompareOptions.help`).
enum CompareBenchmark {
    static func main(_ arguments: [String]) throws(UsageError) -> Int32 {
        guard let options = try CompareOptions.parse(arguments) else {
            Output.print(CompareOptions.help)
            return 0
        }
        ServerProcess.stopAllOnInterrupt()
        raiseDescriptorLimit()
        var report = CompareReport(command: ([CommandLine.arguments[0], "compare"] + arguments).map(shellQuoted).joined(separator: " "))
        var settings = options.settings
        for system in options.systems {
            guard let executable = locate(system, options: options, report: &report) else { continue }
            settings.systems.append((system, executable))
            report.versions.append((system, system == .nullQueue ? "this switchboard-bench" : Executables.version(of: system, executable: executable)))
        }
        for line in report.skipped { Output.error("switchboard-bench compare: \(line)") }
        guard !settings.systems.isEmpty else {
            Output.error("switchboard-bench compare: none of the systems can run; nothing compared")
            return 1
        }
        let finished = Mutex<CompareReport?>(nil)
        let done = DispatchSemaphore(value: 0)
        let progress = ProgressLine()
        Task.detached { [report] in
            var report = report
            await CompareRunner.run(settings, into: &report) { step, total, label, result in progress.show(step, total, label, result) }
            finished.withLock { $0 = report }
            done.signal()
        }
        done.wait()
        progress.finish()
        report = finished.withLock { $0 }!
        Output.print("switchboard-bench compare: " + report.versions.map { "\($0.0.rawValue) \($0.1)" }.joined(separator: ", "))
        Output.print(report.terminalText)
        var status: Int32 = report.rows.allSatisfy(\.succeeded) ? 0 : 1
        for (path, text) in [(options.jsonPath, report.json), (options.markdownPath, report.markdown), (options.svgPath, report.svg)] {
            guard let path else { continue }
            do {
                try text.write(toFile: path, atomically: true, encoding: .utf8)
            } catch {
                Output.error("switchboard-bench compare: cannot write \(path): \(error.localizedDescription)")
                status = 1
            }
        }
        if status != 0 { Output.error("switchboard-bench compare: some runs FAILED (see the note column)") }
        return status
    }

    /// The executable of `system`, or nil with the reason (and how to install it) in `report.skipped`.
    static func locate(_ system: SystemKind, options: CompareOptions, report: inout CompareReport) -> String? {
        switch system {
        case .switchboard:
            if let path = options.switchboardPath {
                guard FileManager.default.isExecutableFile(atPath: path) else {
                    report.skipped.append("switchboard skipped: --switchboard \(path) is not an executable file")
                    return nil
                }
                return path
            }
            guard let path = Executables.besideThisExecutable("switchboard") else {
                report.skipped.append("switchboard skipped: no switchboard executable next to switchboard-bench; "
                                      + "build both with `swift build -c release`, or give --switchboard PATH")
                return nil
            }
            return path
        case .nullQueue:
            guard options.settings.durabilities.contains(.none) else {
                if options.systemsGiven {
                    report.skipped.append("null-queue skipped: it persists nothing, so it runs at durability none only, which --durability leaves out")
                }
                return nil
            }
            guard let path = Executables.besideThisExecutable("switchboard-bench") else {
                report.skipped.append("null-queue skipped: this process cannot find its own executable (/proc/self/exe) to start null-queue")
                return nil
            }
            return path
        case .redis, .beanstalkd:
            guard let path = Executables.onPath(system.executableName) else {
                report.skipped.append("\(system.rawValue) skipped: \(system.executableName) is not on PATH; "
                                      + "install it (Debian/Ubuntu: apt-get install \(system == .redis ? "redis-server" : "beanstalkd"))")
                return nil
            }
            return path
        }
    }

    /// Raises the soft descriptor limit to the hard one: the floor sweep holds 10,000 agent
    /// connections in this process and as many in the node, which inherits the limit.
    static func raiseDescriptorLimit() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
}

/// The progress line on standard error: rewritten in place on a terminal, one line per
/// finished run otherwise.
final class ProgressLine: Sendable {
    private let isTerminal = isatty(2) == 1

    func show(_ step: Int, _ total: Int, _ label: String, _ result: String?) {
        let counter = "[\(String(repeating: " ", count: String(total).count - String(step).count))\(step)/\(total)]"
        if isTerminal {
            Output.errorRaw("\r\u{1B}[K\(counter) \(label)" + (result.map { ": \($0)" } ?? " …"))
        } else if let result {
            Output.error("\(counter) \(label): \(result)")
        }
    }

    func finish() {
        if isTerminal { Output.errorRaw("\r\u{1B}[K") }
    }
}
