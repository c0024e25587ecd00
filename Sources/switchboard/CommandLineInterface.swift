import Foundation

/// Dispatches `switchboard <subcommand> …` and turns usage errors into exit status 2.
enum CommandLineInterface {
    static let usage = """
    switchboard — routes the work of a technical-support floor

    USAGE: switchboard <subcommand> [options]

    SUBCOMMANDS:
      node       Run a node
      agent      An interactive desk for one agent: offers arrive, accept and resolve them
      submit     Submit a ticket; prints its id
      ticket     One ticket with its history
      tickets    List tickets (--state, --queue)
      agents     List agents
      queues     List queues
      queue      Create or update a queue (queue create|update NAME …)
      cancel     Cancel a ticket (the customer left)
      status     The node and the floor in one line, with the state digest
      snapshot   Ask the node to write a snapshot now (and drop the log it covers)
      log        Check (log verify DIR) or print (log dump DIR) a node's log, read-only
      demo       Run a simulated support floor through the routing engine and narrate it
      version    Print the version

    GLOBAL OPTIONS (for the commands that talk to a node):
      --node HOST:PORT   the node (default $SWITCHBOARD_NODE, else 127.0.0.1:7400)
      --token TOKEN      the token to authenticate with (default $SWITCHBOARD_TOKEN)
      --json             print JSON for scripts instead of tables

    EXIT STATUS: 0 success, 1 the node refused (its error is shown), 2 usage error,
    3 cannot connect (the message says where it tried).

    Run 'switchboard <subcommand> --help' for a subcommand's options.
    """

    static let version = "0.1.0"

    static func run(_ arguments: [String]) async -> Int32 {
        guard let subcommand = arguments.first else {
            print(usage)
            return 2
        }
        let rest = Array(arguments.dropFirst())
        do {
            switch subcommand {
            case "demo":
                try Demo.run(rest)
            case "node":
                try await NodeCommand.run(rest)
            case "agent":
                try await AgentDesk.run(rest)
            case "log":
                try LogCommand.run(rest)
            case "submit", "ticket", "tickets", "agents", "queues", "queue", "cancel", "status", "snapshot":
                try await AdminCommands.run(subcommand, rest)
            case "version", "--version":
                print("switchboard \(version)")
            case "help", "--help", "-h":
                print(usage)
            default:
                throw UsageError("unknown subcommand [\(subcommand)]; run 'switchboard --help' for the list")
            }
            return 0
        } catch let error as UsageError {
            FileHandle.standardError.write(Data("switchboard: \(error.message)\n".utf8))
            return 2
        } catch let error as NodeError {
            FileHandle.standardError.write(Data("switchboard: \(error.message)\n".utf8))
            return error.status
        } catch {
            FileHandle.standardError.write(Data("switchboard: \(error)\n".utf8))
            return 1
        }
    }
}

/// A mistake in how the command was called; printed and answered with exit status 2.
struct UsageError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

/// Reads `--flag value` options with clear errors for anything unexpected.
struct OptionReader {
    private var remaining: [String]
    private let command: String

    init(_ arguments: [String], command: String) {
        remaining = arguments
        self.command = command
    }

    /// Removes `--name` if present.
    mutating func flag(_ name: String) -> Bool {
        guard let index = remaining.firstIndex(of: name) else { return false }
        remaining.remove(at: index)
        return true
    }

    /// Removes `--name VALUE` if present and returns VALUE.
    mutating func value(_ name: String) throws -> String? {
        guard let index = remaining.firstIndex(of: name) else { return nil }
        guard index + 1 < remaining.count else { throw UsageError("\(command): \(name) needs a value") }
        let value = remaining[index + 1]
        remaining.removeSubrange(index...index + 1)
        return value
    }

    /// Removes `--name N` if present and returns N, checked against a range.
    mutating func integer(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let text = try value(name) else { return nil }
        guard let number = Int(text), range.contains(number) else {
            throw UsageError("\(command): \(name) takes a whole number from \(range.lowerBound) to \(range.upperBound), not [\(text)]")
        }
        return number
    }

    /// Removes and returns the first argument that is not an option.
    mutating func positional() -> String? {
        guard let index = remaining.firstIndex(where: { !$0.hasPrefix("--") }) else { return nil }
        return remaining.remove(at: index)
    }

    /// Fails on anything not consumed.
    func finish() throws {
        if let first = remaining.first { throw UsageError("\(command): unexpected argument [\(first)]; see --help") }
    }
}
