import SwitchboardBenchKit

extension Format {
    /// Processors and load average, which say how much the figures may be disturbed.
    static func machine(loadAtStart: Double?, loadAtEnd: Double?) -> String {
        let load = { (value: Double?) in value.map { grouped($0, decimals: 2) } ?? "?" }
        return "\(Probe.processors) processors; load average \(load(loadAtStart)) at start, \(load(loadAtEnd)) at end"
    }
}
