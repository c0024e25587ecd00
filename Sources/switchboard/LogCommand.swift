import Foundation
import SwitchboardLog

/// `switchboard log verify|dump DIR`: reads a node's log without changing it.
enum LogCommand {
    static let help = """
    USAGE: switchboard log verify DIR
           switchboard log dump DIR [--from INDEX]

    DIR is a node's data directory (or its log directory, DIR/log).
      verify   checks every segment and record (CRC, order, headers); prints the counts and the
               first problem with its file and offset. Exit status 1 when the log is damaged;
               a torn tail (a partial last record, which the node truncates at start) is
               reported but is not damage.
      dump     prints the records as text (index, term, command), from INDEX if given.
    """

    static func run(_ arguments: [String]) throws {
        var options = OptionReader(arguments, command: "log")
        if options.flag("--help") || options.flag("-h") {
            print(help)
            return
        }
        let from = try options.integer("--from", in: 1...Int.max)
        guard let action = options.positional(), action == "verify" || action == "dump" else {
            throw UsageError("log: say 'log verify DIR' or 'log dump DIR'")
        }
        guard let given = options.positional() else { throw UsageError("log \(action): give the data directory") }
        try options.finish()
        var isDirectory: ObjCBool = false
        let nested = (given as NSString).appendingPathComponent("log")
        let directory = FileManager.default.fileExists(atPath: nested, isDirectory: &isDirectory) && isDirectory.boolValue ? nested : given
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw UsageError("log \(action): [\(given)] is not a directory")
        }
        let report: LogInspection.Report
        do {
            report = try LogInspection.verify(directory: directory) { record in
                guard action == "dump", record.index >= UInt64(from ?? 1) else { return }
                print("\(record.index) \(record.term) \(String(decoding: record.payload, as: UTF8.self))")
            }
        } catch {
            throw NodeError(status: 1, message: "cannot read the log in [\(directory)]: \(error)")
        }
        if action == "verify" {
            let range = report.firstIndex.map { "\($0)…\(report.lastIndex ?? $0)" } ?? "none"
            print("\(directory): \(report.segments) segment(s), \(report.records) record(s), indices \(range)")
        }
        if let problem = report.problem {
            if report.isCorrupt {
                throw NodeError(status: 1, message: "\(problem). Restore the directory from a backup, or start the node with --repair to drop this record and everything after it.")
            }
            FileHandle.standardError.write(Data("switchboard: \(problem)\n".utf8))
        }
    }
}
