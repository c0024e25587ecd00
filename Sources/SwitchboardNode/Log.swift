import Foundation

/// One line per notable event on standard error: level first, then the message, with values
/// in `[brackets]`. Never log tokens or ticket text (subjects, customer names).
public struct Log: Sendable {
    /// How much to say.
    public enum Level: Int, Sendable, Comparable, CustomStringConvertible {
        case debug = 0, info, warning, error

        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue < rhs.rawValue }

        public var description: String {
            switch self {
            case .debug: "debug"
            case .info: "info"
            case .warning: "warning"
            case .error: "error"
            }
        }
    }

    /// Messages below this level are dropped.
    public var minimum: Level
    private let sink: @Sendable (String) -> Void

    /// A log writing to standard error.
    public init(minimum: Level = .info) {
        self.minimum = minimum
        self.sink = { line in FileHandle.standardError.write(Data(line.utf8)) }
    }

    /// A log writing to a custom sink (tests).
    public init(minimum: Level = .info, sink: @escaping @Sendable (String) -> Void) {
        self.minimum = minimum
        self.sink = sink
    }

    /// Writes one line if `level` is at or above the minimum.
    public func write(_ level: Level, _ message: @autoclosure () -> String) {
        guard level >= minimum else { return }
        let stamp = Date().formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true))
        sink("\(level) \(stamp) \(message())\n")
    }

    public func debug(_ message: @autoclosure () -> String) { write(.debug, message()) }
    public func info(_ message: @autoclosure () -> String) { write(.info, message()) }
    public func warning(_ message: @autoclosure () -> String) { write(.warning, message()) }
    public func error(_ message: @autoclosure () -> String) { write(.error, message()) }
}
