import Foundation
import SwitchboardNode

/// A mistake on the command line: reported with a pointer to `--help`, exit status 2.
struct UsageError: Error {
    let message: String
}

/// Walks an argument list of `--flag`, `--flag value` and `--flag=value`.
struct ArgumentReader {
    private let arguments: [String]
    private var index = 0

    init(_ arguments: [String]) { self.arguments = arguments }

    /// The next flag and its inline value (`--flag=value`), or nil at the end.
    mutating func nextFlag() throws(UsageError) -> (name: String, inline: String?)? {
        guard index < arguments.count else { return nil }
        let argument = arguments[index]
        index += 1
        if argument == "-h" { return ("--help", nil) }
        guard argument.hasPrefix("--"), argument.count > 2 else {
            throw UsageError(message: "unexpected argument \"\(argument)\"; flags start with --")
        }
        if let equals = argument.firstIndex(of: "=") {
            return (String(argument[..<equals]), String(argument[argument.index(after: equals)...]))
        }
        return (argument, nil)
    }

    /// The value of `flag`: inline, or the next argument.
    mutating func value(of flag: String, inline: String?, expecting: String) throws(UsageError) -> String {
        if let inline { return inline }
        guard index < arguments.count, !arguments[index].hasPrefix("--") else {
            throw UsageError(message: "\(flag) needs a value: \(expecting)")
        }
        index += 1
        return arguments[index - 1]
    }

    /// Sets `--json`, `--quiet` or `--help`, the switches the benchmarks share; false for any other flag.
    static func outputSwitch(_ flag: String, inline: String?, json: inout Bool, quiet: inout Bool, help: inout Bool) throws(UsageError) -> Bool {
        switch flag {
        case "--json": json = true
        case "--quiet": quiet = true
        case "--help": help = true
        default: return false
        }
        try noValue(flag, inline: inline)
        return true
    }

    /// Refuses a value given to a flag that takes none.
    static func noValue(_ flag: String, inline: String?) throws(UsageError) {
        if let inline { throw UsageError(message: "\(flag) takes no value, got \"\(inline)\"") }
    }
}

/// Parses flag values, naming the flag and what it expects when they are wrong.
enum ArgumentValue {
    /// A whole number in `range`, with optional `_` separators and a `k` (×1,000) or `m` (×1,000,000) suffix.
    static func count(_ text: String, flag: String, range: ClosedRange<Int>) throws(UsageError) -> Int {
        let example = range.upperBound >= 10_000 ? " (e.g. 10000, 10_000 or 10k)" : ""
        let expecting = "a whole number from \(range.lowerBound) to \(range.upperBound)\(example)"
        var digits = text.lowercased().replacingOccurrences(of: "_", with: "")
        var multiplier = 1
        if digits.hasSuffix("k") {
            multiplier = 1_000
            digits.removeLast()
        } else if digits.hasSuffix("m") {
            multiplier = 1_000_000
            digits.removeLast()
        }
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber),
              let value = Int(digits) else {
            throw UsageError(message: "\(flag) expects \(expecting), got \"\(text)\"")
        }
        let (product, overflow) = value.multipliedReportingOverflow(by: multiplier)
        guard !overflow, range.contains(product) else {
            throw UsageError(message: "\(flag) expects \(expecting), got \(text)")
        }
        return product
    }

    /// A 64-bit seed: decimal, or hexadecimal with 0x.
    static func seed(_ text: String, flag: String) throws(UsageError) -> UInt64 {
        let parsed = text.lowercased().hasPrefix("0x")
            ? UInt64(text.dropFirst(2), radix: 16)
            : UInt64(text.replacingOccurrences(of: "_", with: ""))
        guard let parsed else {
            throw UsageError(message: "\(flag) expects an unsigned 64-bit integer, decimal or 0x hex, got \"\(text)\"")
        }
        return parsed
    }

    /// A comma-separated list of whole numbers, each in `range`.
    static func counts(_ text: String, flag: String, range: ClosedRange<Int>) throws(UsageError) -> [Int] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        guard !parts.isEmpty, parts.allSatisfy({ !$0.isEmpty }) else {
            throw UsageError(message: "\(flag) expects a comma-separated list of whole numbers (e.g. 1k,10k,100k), got \"\(text)\"")
        }
        var values: [Int] = []
        for part in parts { values.append(try count(String(part), flag: flag, range: range)) }
        return values
    }
}

/// Quotes an argument for a shell when it needs it, so a printed command can be pasted back.
func shellQuoted(_ argument: String) -> String {
    let safe = argument.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_./=,:@%+".contains($0)) }
    if safe && !argument.isEmpty { return argument }
    return "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'"
}

extension ArgumentValue {
    /// A node's fsync policy as `--fsync` gives it, checked by the node's own parser.
    static func fsync(_ text: String, flag: String) throws(UsageError) -> String {
        do {
            _ = try NodeConfiguration.parseFsync(text)
        } catch {
            throw UsageError(message: "\(flag) takes always, interval:MS (MS from 1 to 60000) or never, not \"\(text)\"")
        }
        return text
    }
}
