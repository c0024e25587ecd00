import Foundation
import Glibc

/// A server of one system started for one run, on a free loopback port with its data in a
/// fresh temporary directory; `stop()` ends it by PID and removes the directory.
public struct SystemServer: Sendable {
    /// Which system it serves.
    public let system: SystemKind
    /// The durability it was started with.
    public let durability: Durability
    /// The process, stopped by its PID.
    public let process: ServerProcess
    /// The loopback port it listens on.
    public let port: Int
    /// The temporary directory holding its data and log.
    public let directory: String

    /// Starts `system` from `executable` at `durability` and waits (up to `readySeconds`) until
    /// it accepts connections.
    ///
    /// - Parameter maximumConnections: Switchboard's connection limit (`--max-connections`);
    ///   the peers' defaults (Redis 10,000, beanstalkd unlimited) are enough.
    /// - Throws: `ServerError` with the server's last output when it fails to start or to listen.
    public static func start(_ system: SystemKind, executable: String, durability: Durability, maximumConnections: Int = 1024,
                             readySeconds: Double = 15) throws(ServerError) -> SystemServer {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-compare-\(UUID().uuidString)").path
        do {
            try FileManager.default.createDirectory(atPath: directory + "/data", withIntermediateDirectories: true)
        } catch {
            throw ServerError("cannot create a temporary directory for \(system.rawValue) at \(directory): \(error)")
        }
        let portFile = directory + "/port"
        let port = system == .switchboard ? 0 : try freeLoopbackPort()
        let arguments = launchArguments(system, durability: durability, port: port, dataDirectory: directory + "/data",
                                        portFile: portFile, maximumConnections: maximumConnections)
        let process: ServerProcess
        do {
            process = try ServerProcess(executable: executable, arguments: arguments, logPath: directory + "/server.log")
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
        let deadline = Monotonic.nanoseconds() + UInt64(readySeconds * 1e9)
        var listening: Int?
        while listening == nil && !process.hasExited && Monotonic.nanoseconds() < deadline {
            if system == .switchboard {
                listening = (try? String(contentsOfFile: portFile, encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            } else if acceptsConnections(port: port) {
                listening = port
            }
            if listening == nil { usleep(5_000) }
        }
        guard let listening else {
            let exited = process.hasExited
            process.stop()
            let tail = process.logTail
            try? FileManager.default.removeItem(atPath: directory)
            throw ServerError("\(system.rawValue) (\(executable) \(arguments.joined(separator: " "))) "
                              + (exited ? "exited at start" : "did not listen within \(Int(readySeconds)) s") + "; its output: \(tail)")
        }
        return SystemServer(system: system, durability: durability, process: process, port: listening, directory: directory)
    }

    /// Stops the server by its PID and removes its directory.
    public func stop() {
        process.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Records between a Switchboard node's automatic snapshots in the comparison: about
    /// 64 MiB of this workload's log (136 bytes a record, measured), the size at which Redis
    /// first rewrites its append-only file (`auto-aof-rewrite-min-size`, whose default the
    /// runs keep; its RDB snapshots are off, `--save ''`). At the node's own default (a
    /// snapshot every 100,000 records, about 13 MiB here) the node wrote a snapshot of the
    /// whole floor every second or so of a flat-out run, work the peers were not asked to do.
    public static let switchboardSnapshotRecords = 490_000

    /// The command line of a server (the data directory and port as given).
    static func launchArguments(_ system: SystemKind, durability: Durability, port: Int, dataDirectory: String, portFile: String,
                                maximumConnections: Int) -> [String] {
        let flags = durability.flags(for: system).map { $0 == "DIR" ? dataDirectory : $0 }
        switch system {
        case .switchboard:
            return ["node", "--listen", "127.0.0.1:0", "--port-file", portFile, "--data", dataDirectory,
                    "--max-connections", String(maximumConnections), "--log-level", "error",
                    "--snapshot-every", String(switchboardSnapshotRecords)] + flags
        case .redis:
            return ["--port", String(port), "--bind", "127.0.0.1", "--dir", dataDirectory, "--save", "", "--daemonize", "no",
                    "--protected-mode", "no", "--logfile", ""] + flags
        case .beanstalkd:
            return ["-l", "127.0.0.1", "-p", String(port)] + flags
        case .nullQueue:
            return ["null-queue", "--port", String(port)]
        }
    }

    /// How the server is started, with placeholders, for the reports.
    public static func commandLine(_ system: SystemKind, durability: Durability) -> String {
        let arguments = launchArguments(system, durability: durability, port: 0, dataDirectory: "DIR", portFile: "DIR/port",
                                        maximumConnections: 0)
            .map { $0.isEmpty ? "''" : $0 }
            .joined(separator: " ")
            .replacingOccurrences(of: "--port 0", with: "--port PORT")
            .replacingOccurrences(of: "-p 0", with: "-p PORT")
            .replacingOccurrences(of: "--max-connections 0", with: "--max-connections N")
        return "\(system.executableName) \(arguments)"
    }

    // MARK: - Ports

    /// A port the kernel just handed out on 127.0.0.1 and that is free again (the small race
    /// with another process taking it shows up as a server that does not start).
    static func freeLoopbackPort() throws(ServerError) -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ServerError("cannot create a socket to find a free port: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var address = loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw ServerError("cannot bind 127.0.0.1 port 0: \(String(cString: strerror(errno)))") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Whether something accepts a TCP connection on 127.0.0.1:`port` (connects and closes at once).
    static func acceptsConnections(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = loopback(port: port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return address
    }
}
