import Foundation

/// The flags of `switchboard-bench e2e`.
struct E2EOptions: Sendable {
    var producers = 16
    var agents = 16
    var seconds = 5
    /// Tickets per second in total; 0 = as fast as the node takes them.
    var rate = 0
    var fsync = "always"
    var node: String?
    var json = false

    static let help = """
        USAGE: switchboard-bench e2e [--producers P] [--agents C] [--seconds S] [--rate R]
                                     [--fsync always|interval:MS|never] [--node HOST:PORT] [--json]

        End to end over TCP on loopback, with the load generator of `compare`: P intake connections
        submit tickets (one request in flight each, or paced to --rate tickets/s in total on a fixed
        schedule), C agent connections log in (skill "bench", capacity 1 web ticket each) and, for
        every offer pushed to them, send ACCEPT and RESOLVE pipelined in one write. A setup
        connection creates (or updates) the queue "bench" (skill bench, no wrap-up). Without --node
        it starts a node in this process with its log in a temporary directory and the given
        --fsync policy (the node's coordinator and the clients share the machine's cores, as they
        would on one host); with --node it uses that node.

        It reports completed ticket lifecycles per second (submitted, offered, accepted, resolved),
        and submit→offered and submit→resolved latency p50/p99 in milliseconds, measured from just
        before the SUBMIT is written to the push or reply arriving. Lifecycles still open after the
        run get 30 s to complete; if they do not, the run fails. --json prints one JSON object.

          --producers P   intake connections (default 16)
          --agents C      agent connections (default 16)
          --seconds S     how long to submit (default 5); lifecycles still open after it are drained
          --rate R        tickets per second in total, spread over the producers (default 0: flat out)
          --fsync POLICY  the started node's fsync policy (default always)
          --node HOST:PORT  use a running node instead of starting one
          --json          one JSON object with the figures
        """

    static func parse(_ arguments: [String]) throws(UsageError) -> E2EOptions? {
        var options = E2EOptions()
        var reader = ArgumentReader(arguments)
        while let (flag, inline) = try reader.nextFlag() {
            switch flag {
            case "--help":
                return nil
            case "--producers":
                options.producers = try ArgumentValue.count(try reader.value(of: flag, inline: inline, expecting: "1 to 1024"), flag: flag, range: 1...1024)
            case "--agents":
                options.agents = try ArgumentValue.count(try reader.value(of: flag, inline: inline, expecting: "1 to 1024"), flag: flag, range: 1...1024)
            case "--seconds":
                options.seconds = try ArgumentValue.count(try reader.value(of: flag, inline: inline, expecting: "1 to 3600"), flag: flag, range: 1...3600)
            case "--rate":
                options.rate = try ArgumentValue.count(try reader.value(of: flag, inline: inline, expecting: "0 to 10000000"), flag: flag, range: 0...10_000_000)
            case "--fsync":
                options.fsync = try ArgumentValue.fsync(try reader.value(of: flag, inline: inline, expecting: "always, interval:MS or never"), flag: flag)
            case "--node":
                let value = try reader.value(of: flag, inline: inline, expecting: "HOST:PORT")
                guard let colon = value.lastIndex(of: ":"), Int(value[value.index(after: colon)...]) != nil else {
                    throw UsageError(message: "--node takes HOST:PORT, not \"\(value)\"")
                }
                options.node = value
            case "--json":
                try ArgumentReader.noValue(flag, inline: inline)
                options.json = true
            default:
                throw UsageError(message: "unknown flag \(flag); see 'switchboard-bench e2e --help'")
            }
        }
        return options
    }
}
