import Foundation
import SwitchboardBenchKit

/// The `engine` report: aligned text for people, one JSON object for tools.
enum EngineReport {
    static let latencyMethod = "per decision: each apply's latency divided by the decisions that apply made, "
        + "counted once per decision; applies that made no decision count in the time, not in the percentiles"
    static let throughputMethod = "engine decisions (RoutingEngine.decisions) / total time inside timed apply calls "
        + "(submit, resolve, tick), clock_gettime(CLOCK_MONOTONIC) around each call"

    // MARK: - Text

    static func text(_ m: EngineMeasurement) -> String {
        let o = m.options
        let run = m.median
        let r = run.measured
        var out = Format.header(
            "switchboard-bench engine: RoutingEngine.apply(_:at:into:) on a simulated support floor", invocation: m.invocation,
            sameAs: "switchboard-bench engine \(o.equivalentArguments().joined(separator: " "))",
            loadAtStart: m.loadAtStart, loadAtEnd: m.loadAtEnd)

        out += "WORKLOAD\n"
        var workload = TextTable()
        workload.leftAligned = [0, 1]
        workload.add("agents", "\(Format.grouped(o.agents)) in \(Format.grouped(m.profileTierPairs)) profile x tier pairs "
            + "(a catalogue of \(Format.grouped(o.profiles)) random skill profiles over \(o.skills) skills, "
            + "1-4 skills at levels 1-5 each; tiers 1-3)")
        workload.add("queues", "\(m.queueSummary); least-loaded, SLA targets per queue and priority")
        let c = FloorModel.capacity
        workload.add("capacity", "chat \(c[0]), email \(c[1]), phone \(c[2]), web \(c[3]) per agent "
            + "(\(Format.grouped(m.floorSlots)) slots); auto-accept")
        workload.add("tickets", "\(Format.grouped(run.measuredTickets)) measured, after \(Format.grouped(run.warmupTickets)) "
            + "warm-up tickets; 1-2 skills at level 1-3, drawn from the roles on the floor")
        workload.add("backlog", "target \(Format.grouped(o.backlog)) waiting; measured phase mean "
            + "\(Format.grouped(run.backlog.mean)), range \(Format.grouped(run.backlog.samples == 0 ? 0 : run.backlog.minimum))"
            + "-\(Format.grouped(run.backlog.maximum)) (at ticks); final \(Format.grouped(run.finalBacklog))")
        let slots = Double(max(m.floorSlots, 1))
        workload.add("floor", "tickets held by agents: \(Format.grouped(run.heldAtWarmupEnd)) "
            + "(\(Format.grouped(Double(run.heldAtWarmupEnd) / slots * 100, decimals: 1)) % of slots) at warm-up end, "
            + "\(Format.grouped(run.heldAtEnd)) (\(Format.grouped(Double(run.heldAtEnd) / slots * 100, decimals: 1)) %) at the end")
        workload.add("simulated", "warm-up \(Format.duration(milliseconds: run.warmupEndMs)), measured "
            + "\(Format.duration(milliseconds: run.simulatedMs - run.warmupEndMs)); a tick every \(Format.grouped(o.tickMs)) ms")
        workload.add("customers", "\(Format.grouped(o.customers)); seed \(o.seed)")
        out += workload.rendered + "\n"

        let atTarget = o.agents == EngineTargets.agents
        let scope = atTarget ? "" : " (set for \(Format.grouped(EngineTargets.agents)) agents)"
        out += "RESULT  median of \(m.runs.count) run(s) by decisions/s: run \(m.medianIndex + 1); time inside apply only\n"
        var result = TextTable()
        result.leftAligned = [0, 2]
        let throughputPass = r.decisionsPerSecond >= EngineTargets.decisionsPerSecond
        let p99Pass = r.p99 < EngineTargets.p99Nanoseconds
        result.add("decisions/s", Format.grouped(r.decisionsPerSecond),
                   "target >= \(Format.grouped(Int(EngineTargets.decisionsPerSecond)))\(scope)", Format.verdict(throughputPass))
        result.add("ns/decision p50", Format.grouped(r.p50), "", "")
        result.add("ns/decision p99", Format.grouped(r.p99),
                   "target < \(Format.grouped(EngineTargets.p99Nanoseconds))\(scope)", Format.verdict(p99Pass))
        result.add("ns/decision p999", Format.grouped(r.p999), "", "")
        result.add("ns/decision max", Format.grouped(r.max), "", "")
        result.add("ns/decision mean", Format.grouped(r.meanNanosecondsPerDecision, decimals: 1), "", "")
        result.add("decisions", Format.grouped(r.decisions),
                   "\(Format.grouped(Double(r.decisions) / Double(max(r.assignments, 1)), decimals: 2)) per assignment", "")
        result.add("assignments/s", Format.grouped(r.assignmentsPerSecond), "tickets given to an agent", "")
        let kinds = r.byKind.map { "\(Format.grouped($0.applies)) \($0.kind.name)" }.joined(separator: ", ")
        result.add("commands applied", Format.grouped(r.applies), kinds, "")
        result.add("time inside apply", Format.grouped(r.seconds, decimals: 3) + " s",
                   "clock pair overhead \(m.clockOverheadNs) ns per apply, included", "")
        result.add("peak RSS", Format.grouped(m.peakResidentBytes) + " bytes",
                   "\(Format.grouped(Double(m.peakResidentBytes) / 1_048_576)) MiB, whole process (getrusage ru_maxrss)", "")
        if let footprint = m.footprint {
            result.add("bytes/waiting ticket", Format.grouped(footprint.bytesPerTicket, decimals: 1),
                       "RSS growth / N, N = \(Format.grouped(footprint.tickets)) submits, no agent logged in", "")
            result.add("snapshot encode", Format.grouped(Double(footprint.snapshotNanoseconds) / 1e6, decimals: 1) + " ms",
                       "snapshot() with those \(Format.grouped(footprint.tickets)) tickets waiting, \(Format.grouped(footprint.snapshotBytes)) bytes", "")
        }
        out += result.rendered + "\n"

        out += "PER COMMAND  measured phase, latency per apply in ns\n"
        var perKind = TextTable()
        perKind.add("command", "applies", "decisions", "assignments", "mean", "p50", "p99", "p999", "max")
        for kind in r.byKind where kind.applies > 0 {
            perKind.add(kind.kind.name, Format.grouped(kind.applies), Format.grouped(kind.decisions), Format.grouped(kind.assignments),
                        Format.grouped(kind.meanNanoseconds), Format.grouped(kind.p50), Format.grouped(kind.p99),
                        Format.grouped(kind.p999), Format.grouped(kind.max))
        }
        out += perKind.rendered
        out += "  applies without a decision: \(Format.grouped(r.appliesWithoutDecision))\n\n"

        out += "RUNS  measured phase of every run\n"
        var runs = TextTable()
        runs.add("run", "decisions/s", "p50 ns", "p99 ns", "p999 ns", "preempted", "wall s", "")
        for (index, each) in m.runs.enumerated() {
            runs.add("\(index + 1)", Format.grouped(each.measured.decisionsPerSecond), Format.grouped(each.measured.p50),
                     Format.grouped(each.measured.p99), Format.grouped(each.measured.p999),
                     Format.grouped(each.involuntarySwitches), Format.grouped(each.wallSeconds, decimals: 1),
                     index == m.medianIndex ? "median" : "")
        }
        out += runs.rendered
        out += m.runsIdentical
            ? "  every run applied the same commands and made the same decisions (deterministic workload)\n\n"
            : "  NOTE: runs differ in decisions or commands; the workload should be deterministic\n\n"

        let w = run.warmup
        if w.applies == 0 {
            out += "WARM-UP  none (--backlog 0: measured from an empty floor)\n\n"
        } else {
            out += "WARM-UP  filling the floor and building the backlog (timed, not in the figures above)\n"
            var warm = TextTable()
            warm.add("tickets", "\(Format.grouped(run.warmupTickets)) over \(Format.duration(milliseconds: run.warmupEndMs)) simulated")
            warm.add("decisions/s", Format.grouped(w.decisionsPerSecond))
            warm.add("ns/decision p50 / p99 / p999", "\(Format.grouped(w.p50)) / \(Format.grouped(w.p99)) / \(Format.grouped(w.p999))")
            warm.add("commands applied", Format.grouped(w.applies))
            out += warm.rendered + "\n"
        }

        out += """
            METHOD
              - Every submit, resolve and tick is one call of apply(_:at:into:) with a reused events array
                (removeAll(keepingCapacity:)), timed with clock_gettime(CLOCK_MONOTONIC) just around the
                call. Generating tickets (in chunks of \(TicketGenerator.chunkSize)), reading the events and the
                simulation's own bookkeeping happen outside the timed calls. Queue setup and logins are not timed.
              - decisions/s = RoutingEngine.decisions made inside the timed calls / total time inside them.
              - ns/decision = \(latencyMethod).
              - preempted = involuntary context switches of the process during the run (getrusage
                ru_nivcsw): the machine's other load; a preempted apply shows in the tail.
              - peak RSS is the whole process: the engine plus the benchmark's bookkeeping (latency samples,
                pending resolves, generated tickets).
              - bytes/waiting ticket = \(FootprintResult.method).

            """
        return out
    }

    // MARK: - JSON

    static func json(_ m: EngineMeasurement) -> JSONValue {
        let o = m.options
        let run = m.median
        let r = run.measured
        var members: [(String, JSONValue)] = [
            ("benchmark", .string("engine")),
            ("build", .string(EngineMeasurement.build)),
            ("agents", .int(o.agents)),
            ("tickets", .int(run.measuredTickets)),
            ("warmup_tickets", .int(run.warmupTickets)),
            ("skills", .int(o.skills)),
            ("profiles", .int(o.profiles)),
            ("profile_tier_pairs", .int(m.profileTierPairs)),
            ("seed", .uint(o.seed)),
            ("runs", .int(m.runs.count)),
            ("median_run", .int(m.medianIndex + 1)),
            ("decisions_per_sec", .double(r.decisionsPerSecond.rounded())),
            ("p50_ns", .uint(r.p50)),
            ("p99_ns", .uint(r.p99)),
            ("p999_ns", .uint(r.p999)),
            ("max_ns", .uint(r.max)),
            ("mean_ns_per_decision", .double(r.meanNanosecondsPerDecision)),
            ("latency_method", .string(latencyMethod)),
            ("throughput_method", .string(throughputMethod)),
            ("decisions", .uint(r.decisions)),
            ("assignments", .uint(r.assignments)),
            ("assignments_per_sec", .double(r.assignmentsPerSecond.rounded())),
            ("commands_applied", .int(r.applies)),
            ("applies_without_decision", .int(r.appliesWithoutDecision)),
            ("engine_seconds", .double(r.seconds)),
            ("clock_overhead_ns", .uint(m.clockOverheadNs)),
            ("peak_rss_bytes", .int(m.peakResidentBytes)),
        ]
        if let footprint = m.footprint {
            members.append(("bytes_per_waiting_ticket", .double(footprint.bytesPerTicket)))
            members.append(("bytes_per_waiting_ticket_method", .string(FootprintResult.method)))
            members.append(("snapshot_ms_all_waiting", .double(Double(footprint.snapshotNanoseconds) / 1e6)))
            members.append(("snapshot_bytes_all_waiting", .int(footprint.snapshotBytes)))
            members.append(("footprint_tickets", .int(footprint.tickets)))
        }
        members += [
            ("backlog_target", .int(o.backlog)),
            ("final_backlog", .int(run.finalBacklog)),
            ("backlog_mean", .double(run.backlog.mean)),
            ("backlog_min", .int(run.backlog.samples == 0 ? 0 : run.backlog.minimum)),
            ("backlog_max", .int(run.backlog.maximum)),
            ("held_at_warmup_end", .int(run.heldAtWarmupEnd)),
            ("held_at_end", .int(run.heldAtEnd)),
            ("floor_slots", .int(m.floorSlots)),
            ("simulated_ms", .int(Int(run.simulatedMs))),
            ("warmup_simulated_ms", .int(Int(run.warmupEndMs))),
            ("by_command", .object(r.byKind.map { kind in
                (kind.kind.name, .object([
                    ("applies", .int(kind.applies)), ("decisions", .uint(kind.decisions)),
                    ("assignments", .uint(kind.assignments)),
                    ("mean_ns", .double(kind.meanNanoseconds)), ("p50_ns", .uint(kind.p50)),
                    ("p99_ns", .uint(kind.p99)), ("p999_ns", .uint(kind.p999)), ("max_ns", .uint(kind.max)),
                ]))
            })),
            ("warmup", .object([
                ("decisions_per_sec", .double(run.warmup.decisionsPerSecond.rounded())),
                ("p50_ns", .uint(run.warmup.p50)), ("p99_ns", .uint(run.warmup.p99)), ("p999_ns", .uint(run.warmup.p999)),
                ("commands_applied", .int(run.warmup.applies)), ("decisions", .uint(run.warmup.decisions)),
            ])),
            ("runs_decisions_per_sec", .array(m.runs.map { .double($0.measured.decisionsPerSecond.rounded()) })),
            ("runs_p99_ns", .array(m.runs.map { .uint($0.measured.p99) })),
            ("runs_involuntary_context_switches", .array(m.runs.map { .int($0.involuntarySwitches) })),
            ("load_average_start", m.loadAtStart.map { .double($0) } ?? .string("unknown")),
            ("load_average_end", m.loadAtEnd.map { .double($0) } ?? .string("unknown")),
            ("runs_identical", .bool(m.runsIdentical)),
            ("targets", .object([
                ("applies_at_agents", .int(EngineTargets.agents)),
                ("decisions_per_sec_min", .double(EngineTargets.decisionsPerSecond)),
                ("p99_ns_max_exclusive", .uint(EngineTargets.p99Nanoseconds)),
                ("decisions_per_sec", .string(Format.verdict(r.decisionsPerSecond >= EngineTargets.decisionsPerSecond))),
                ("p99", .string(Format.verdict(r.p99 < EngineTargets.p99Nanoseconds))),
            ])),
            ("command", .string(m.invocation)),
            ("equivalent_arguments", .string(o.equivalentArguments().joined(separator: " "))),
        ]
        return .object(members)
    }
}
