import SwitchboardBenchKit

extension Format {
    /// The lines a report starts with: what ran, how to run it again, the build, and the
    /// processors and load average, which say how much the figures may be disturbed.
    static func header(_ title: String, invocation: String, sameAs: String, loadAtStart: Double?, loadAtEnd: Double?) -> String {
        let load = { (value: Double?) in value.map { grouped($0, decimals: 2) } ?? "?" }
        return "\(title)\ncommand    \(invocation)\nsame as    \(sameAs)\nbuild      \(EngineMeasurement.build)\n"
            + "machine    \(Probe.processors) processors; load average \(load(loadAtStart)) at start, \(load(loadAtEnd)) at end\n\n"
    }
}
