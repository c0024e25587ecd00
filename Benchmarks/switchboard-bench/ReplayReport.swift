import SwitchboardBenchKit
import SwitchboardCore

/// The `replay` report: aligned text for people, one JSON object for tools.
enum ReplayReport {
    static let splitMethod = "read+crc = a pass that reads the segments and checks every record; parse = a pass that also "
        + "decodes every payload into a command, minus read+crc; apply = a pass applying the parsed commands to a fresh engine; "
        + "recovery reads and parses on one thread while another applies, so it takes about the slower half; "
        + "each the median of the runs"

    // MARK: - Text

    static func text(_ m: ReplayMeasurement) -> String {
        let o = m.options
        let log = m.log
        var out = Format.header(
            "switchboard-bench replay: a node's recovery from its log (NodeStorage.recover)", invocation: m.invocation,
            sameAs: "switchboard-bench replay \(o.canonicalFlags)", loadAtStart: m.loadAtStart, loadAtEnd: m.loadAtEnd)

        out += "LOG\n"
        var workload = TextTable()
        workload.leftAligned = [0, 1]
        workload.add("records", "\(Format.grouped(log.records)) in \(Format.bytes(log.bytes)); "
            + "\(Format.grouped(Double(log.bytes) / Double(log.records), decimals: 1)) bytes per record; no snapshot")
        workload.add("mix", log.mix.map { "\(Format.grouped($0.count)) \($0.verb)" }.joined(separator: ", "))
        workload.add("floor", "\(Format.grouped(o.agents)) agents; at the end \(Format.grouped(log.totals.queued)) waiting, "
            + "\(Format.grouped(log.totals.offered)) offered, \(Format.grouped(log.totals.assigned)) assigned, "
            + "\(Format.grouped(log.totals.resolved)) resolved")
        workload.add("simulated", Format.duration(milliseconds: log.simulatedMs) + "; seed \(o.seed)")
        workload.add("refused", "\(Format.grouped(log.refused)) commands the engine refused while writing (left out)")
        workload.add("written in", Format.grouped(m.buildSeconds, decimals: 1) + " s")
        out += workload.rendered + "\n"

        let pass = m.recordsPerSecond >= ReplayTargets.recordsPerSecond
        out += "RESULT  median of \(m.runs.count) run(s); every run's digest equals the writer's "
            + "(\(String(log.digest, radix: 16)))\n"
        var result = TextTable()
        result.leftAligned = [0, 2]
        result.add("records/s", Format.grouped(m.recordsPerSecond),
                   "target >= \(Format.grouped(Int(ReplayTargets.recordsPerSecond)))", Format.verdict(pass))
        result.add("MB/s", Format.grouped(m.megabytesPerSecond, decimals: 1), "log bytes / recovery time", "")
        result.add("recovery", Format.grouped(Double(m.recoverNs) / 1e6, decimals: 1) + " ms", "", "")
        let split = m.split
        result.add("ns/record read+crc", Format.grouped(split.read, decimals: 1), "", "")
        result.add("ns/record parse", Format.grouped(split.parse, decimals: 1), "", "")
        result.add("ns/record apply", Format.grouped(split.apply, decimals: 1), "", "")
        out += result.rendered + "\n"

        out += "RUNS  ms per pass\n"
        var runs = TextTable()
        runs.add("run", "read+crc", "read+crc+parse", "recovery", "records/s")
        for (index, run) in m.runs.enumerated() {
            runs.add("\(index + 1)", ms(run.readNs), ms(run.parseNs), ms(run.recoverNs),
                     Format.grouped(Double(log.records) / (Double(run.recoverNs) / 1e9)))
        }
        out += runs.rendered + "\n"

        if !m.parse.isEmpty {
            out += "LINE PARSER  ns per request line, median of \(m.runs.count) run(s) of "
                + "\(Format.grouped(o.parseIterations)) parses each\n"
            var parse = TextTable()
            parse.leftAligned = [0, 3]
            parse.add("line", "parse", "parse+Request", "text")
            for sample in m.parse {
                parse.add(sample.name, Format.grouped(sample.parseNs, decimals: 1), Format.grouped(sample.requestNs, decimals: 1),
                          sample.line)
            }
            out += parse.rendered + "\n"
        }

        out += """
            METHOD
              - The log is written once with LogWriter (fsync never) into a temporary data directory and
                read from the page cache by every pass.
              - recovery = NodeStorage.recover, the function a node runs at start (snapshot, then every
                record: read, CRC-32C, LineParser + LogEntry, RoutingEngine.apply), timed around the call.
              - \(splitMethod).

            """
        return out
    }

    private static func ms(_ nanoseconds: UInt64) -> String { Format.grouped(Double(nanoseconds) / 1e6, decimals: 1) }


    // MARK: - JSON

    static func json(_ m: ReplayMeasurement) -> JSONValue {
        let split = m.split
        return .object([
            ("benchmark", .string("replay")),
            ("build", .string(EngineMeasurement.build)),
            ("records", .int(m.log.records)),
            ("bytes", .int(m.log.bytes)),
            ("agents", .int(m.options.agents)),
            ("seed", .uint(m.options.seed)),
            ("runs", .int(m.runs.count)),
            ("records_per_sec", .double(m.recordsPerSecond.rounded())),
            ("mb_per_sec", .double(m.megabytesPerSecond)),
            ("recovery_ms", .double(Double(m.recoverNs) / 1e6)),
            ("read_crc_ns_per_record", .double(split.read)),
            ("parse_ns_per_record", .double(split.parse)),
            ("apply_ns_per_record", .double(split.apply)),
            ("split_method", .string(splitMethod)),
            ("digest", .string(String(m.log.digest, radix: 16))),
            ("digest_matches", .bool(true)),
            ("mix", .object(m.log.mix.map { ($0.verb, .int($0.count)) })),
            ("refused", .int(m.log.refused)),
            ("runs_recovery_ms", .array(m.runs.map { .double(Double($0.recoverNs) / 1e6) })),
            ("runs_read_crc_ms", .array(m.runs.map { .double(Double($0.readNs) / 1e6) })),
            ("runs_read_crc_parse_ms", .array(m.runs.map { .double(Double($0.parseNs) / 1e6) })),
            ("line_parser", .object(m.parse.map { sample in
                (sample.name, .object([("parse_ns", .double(sample.parseNs)), ("parse_request_ns", .double(sample.requestNs)),
                                       ("line", .string(sample.line))]))
            })),
            ("load_average_start", m.loadAtStart.map { .double($0) } ?? .string("unknown")),
            ("load_average_end", m.loadAtEnd.map { .double($0) } ?? .string("unknown")),
            ("target_records_per_sec_min", .double(ReplayTargets.recordsPerSecond)),
            ("target", .string(Format.verdict(m.recordsPerSecond >= ReplayTargets.recordsPerSecond))),
            ("command", .string(m.invocation)),
        ])
    }
}
