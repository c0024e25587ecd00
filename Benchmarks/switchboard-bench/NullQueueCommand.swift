import Foundation
import SwitchboardBenchKit

/// `switchboard-bench null-queue`: the comparison's baseline server (see `NullQueueServer`), as a
/// process of its own that `compare` starts like the peers and stops by its PID.
enum NullQueueCommand {
    static let help = """
        USAGE: switchboard-bench null-queue --port PORT

        A queue server that does little but move the bytes, in the Redis protocol the comparison's
        Redis adapter speaks (RPUSH; BLMOVE ... 0, which waits for an element; LREM): one thread,
        epoll, one read per ready socket, a turn's replies sent together, elements kept in memory,
        nothing persisted. A client that sends what is not RESP is disconnected.
        `compare` runs it as the system null-queue, at durability none only: the baseline of what
        this machine's loopback TCP and the load generator allow a single-threaded server.
        Listens on 127.0.0.1 until stopped by a signal.

          --port PORT   the loopback port to listen on (1 to 65535)
        """

    static func main(_ arguments: [String]) throws(UsageError) -> Int32 {
        var reader = ArgumentReader(arguments)
        var port: Int?
        while let (flag, inline) = try reader.nextFlag() {
            switch flag {
            case "--help":
                Output.print(help)
                return 0
            case "--port":
                port = try ArgumentValue.count(try reader.value(of: flag, inline: inline, expecting: "1 to 65535"), flag: flag,
                                               range: 1...65_535)
            default:
                throw UsageError(message: "unknown flag \(flag)")
            }
        }
        guard let port else { throw UsageError(message: "--port is required: the loopback port to listen on") }
        do {
            try NullQueueServer(port: port).run()
        } catch {
            Output.error("switchboard-bench null-queue: \(error)")
            return 1
        }
        return 0
    }
}
