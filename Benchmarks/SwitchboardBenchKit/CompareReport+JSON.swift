import Foundation

extension CompareReport {
    /// Every figure as JSON: the run's settings, the versions, and a `rows` array with one
    /// object per run (`lifecycles_per_sec` and the latencies are null for a failed run).
    public var json: String {
        let rowValues = rows.map { row -> JSONValue in
            let ok = row.succeeded
            func latency(_ histogram: LatencyHistogram, _ p: Double) -> JSONValue {
                guard ok, let value = histogram.percentileMilliseconds(p) else { return .raw("null") }
                return .double(value)
            }
            return .object([
                ("system", .string(row.system.rawValue)),
                ("durability", .string(row.durability.rawValue)),
                ("kind", .string(row.kind.rawValue)),
                ("producers", .int(row.producers)),
                ("agents", .int(row.agents)),
                ("agents_logged_in", .int(row.loggedInAgents)),
                ("offered_rate", .int(row.offeredRate)),
                ("submitted", .int(row.figures.submitted)),
                ("completed", .int(row.figures.completed)),
                ("window_seconds", .double(row.figures.windowSeconds)),
                ("lifecycles_per_sec", ok ? .double(row.figures.lifecyclesPerSecond.rounded()) : .raw("null")),
                ("taken_p50_ms", latency(row.figures.taken, 0.5)),
                ("taken_p99_ms", latency(row.figures.taken, 0.99)),
                ("taken_p999_ms", latency(row.figures.taken, 0.999)),
                ("done_p50_ms", latency(row.figures.done, 0.5)),
                ("done_p99_ms", latency(row.figures.done, 0.99)),
                ("failure", row.figures.failure.map(JSONValue.string) ?? .raw("null")),
                ("note", .string(row.note)),
            ])
        }
        let object: JSONValue = .object([
            ("command", .string(command)),
            ("date", .string(ISO8601DateFormatter().string(from: date))),
            ("cores", .int(ProcessInfo.processInfo.activeProcessorCount)),
            ("versions", .object(versions.map { ($0.0.rawValue, JSONValue.string($0.1)) })),
            ("durability", .object(Durability.allCases.map { ($0.rawValue, JSONValue.string($0.meaning)) })),
            ("seconds", .double(seconds)),
            ("warmup_seconds", .double(warmupSeconds)),
            ("payload_bytes", .int(TicketPayload.byteCount)),
            ("latency_rate", latencyRate.map(JSONValue.int) ?? .raw("null")),
            ("latency_rate_source", .string(latencyRateSource)),
            ("skipped", .array(skipped.map(JSONValue.string))),
            ("rows", .array(rowValues)),
            ("targets", .array(targets.map { .object([("target", .string($0.name)), ("measured", .string($0.measured)), ("met", .bool($0.met))]) })),
        ])
        return object.serialized + "\n"
    }
}
