import Foundation

extension CompareReport {
    /// The table's header and one row of cells per run.
    var cells: (header: [String], rows: [[String]]) {
        let header = ["system", "durability", "run", "producers+agents", "agents logged in", "lifecycles/s",
                      "taken p50 ms", "taken p99 ms", "taken p999 ms", "done p99 ms", "note"]
        let body = rows.map { row -> [String] in
            let taken = row.figures.taken
            let figure = { (value: Double?) in row.succeeded ? Self.milliseconds(value) : "-" }
            return [
                row.system.rawValue, row.durability.rawValue,
                row.kind == .latency ? "at \(Format.grouped(row.offeredRate))/s" : "flat out",
                "\(row.producers)+\(row.agents)", Format.grouped(row.loggedInAgents),
                row.lifecyclesPerSecond.map { Format.grouped($0) } ?? "FAILED",
                figure(taken.percentileMilliseconds(0.5)), figure(taken.percentileMilliseconds(0.99)),
                figure(taken.percentileMilliseconds(0.999)), figure(row.figures.done.percentileMilliseconds(0.99)),
                row.note,
            ]
        }
        return (header, body)
    }

    /// The aligned table for the terminal, the targets, and what the levels mean.
    public var terminalText: String {
        var table = TextTable()
        table.leftAligned = [0, 1, 2, 10]
        table.add(cells.header)
        for row in cells.rows { table.add(row) }
        var text = table.rendered
        text += "\n" + notes.map { "  " + $0 }.joined(separator: "\n") + "\n"
        let checks = targets
        if !checks.isEmpty {
            text += "\n  targets (issue #5, \(targetConnections)+\(targetConnections) connections):\n"
            for check in checks { text += "    \(Format.verdict(check.met))  \(check.name): \(check.measured)\n" }
        }
        return text
    }

    /// Lines explaining the figures: the workload, the latency rate, the durability levels, what was skipped.
    var notes: [String] {
        var lines = [
            "lifecycles/s: completed lifecycles (submit, taken, finished) per second over \(Format.grouped(seconds - warmupSeconds, decimals: 1)) s "
                + "after a \(Format.grouped(warmupSeconds, decimals: 1)) s warm-up; taken = submit→offer pushed (switchboard) or "
                + "reserve/BLMOVE answered (peers); done = submit→finish answered. One \(TicketPayload.byteCount)-byte ticket per submit, "
                + "one submit in flight per producer, agents pipeline finish + take next. Flat out, producers outrun agents, "
                + "so taken includes the wait behind the backlog they build: read latency from the fixed-load runs.",
        ]
        if let latencyRate { lines.append("latency runs: \(Format.grouped(latencyRate))/s offered on a fixed schedule, \(latencyRateSource).") }
        for durability in Durability.allCases where rows.contains(where: { $0.durability == durability }) {
            lines.append("\(durability.rawValue): \(durability.meaning).")
        }
        if let loadAverage { lines.append("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, shared; load average \(loadAverage) at the end.") }
        lines += skipped
        return lines
    }

    /// The Markdown report: the command, the versions, the levels, the table and the targets.
    public var markdown: String {
        let formatter = ISO8601DateFormatter()
        var text = "# Switchboard, Redis and beanstalkd side by side\n\n"
        text += "Run \(formatter.string(from: date)) on \(ProcessInfo.processInfo.activeProcessorCount) cores "
            + "(load generator and server on the same machine, loopback TCP).\n\n"
        text += "```sh\n\(command)\n```\n\n"
        text += "| system | version |\n| --- | --- |\n"
        for (system, version) in versions { text += "| \(system.rawValue) | \(version) |\n" }
        text += "\nServers, started fresh for every run (DIR a new temporary directory):\n\n"
        for durability in Durability.allCases where rows.contains(where: { $0.durability == durability }) {
            for system in SystemKind.allCases where system.runs(at: durability) && rows.contains(where: { $0.system == system }) {
                text += "- `\(durability.rawValue)`: `\(SystemServer.commandLine(system, durability: durability))`\n"
            }
        }
        text += "\n" + notes.map { "- \($0)\n" }.joined() + "\n"
        let (header, body) = cells
        text += "| " + header.joined(separator: " | ") + " |\n"
        text += "| " + header.indices.map { [0, 1, 2, 10].contains($0) ? "---" : "---:" }.joined(separator: " | ") + " |\n"
        for row in body { text += "| " + row.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |\n" }
        let checks = targets
        if !checks.isEmpty {
            text += "\nTargets (\(targetConnections)+\(targetConnections) connections):\n\n"
            for check in checks { text += "- **\(Format.verdict(check.met))** \(check.name): \(check.measured)\n" }
        }
        return text
    }
}
