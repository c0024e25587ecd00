import Foundation
import Glibc
import Synchronization

/// A server the benchmark started (`posix_spawn`), with its output in a log file. It is
/// stopped by its PID: SIGTERM, then SIGKILL if it has not exited by the deadline. Every
/// running one is listed in `ServerProcess.running`, so an interrupted benchmark stops them too
/// (`stopAllOnInterrupt`).
public final class ServerProcess: Sendable {
    /// The process id.
    public let pid: pid_t
    /// What was started, for messages: `redis-server`.
    public let name: String
    /// Where its standard output and error go.
    public let logPath: String
    private let exitStatus = Mutex<Int32?>(nil)

    /// PIDs of the servers started and not yet reaped.
    static let running = Mutex<Set<pid_t>>([])

    /// Starts `executable` with `arguments`, its output appended to `logPath`.
    ///
    /// - Throws: `ServerError` naming the executable and the reason when it cannot start.
    public init(executable: String, arguments: [String], logPath: String) throws(ServerError) {
        name = (executable as NSString).lastPathComponent
        self.logPath = logPath
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // A server in its own process group: a Ctrl-C in the terminal reaches the benchmark,
        // which then stops its servers itself, in order.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGPIPE, SIGHUP] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var child: pid_t = 0
        let result = Self.running.withLock { running -> Int32 in
            let result = posix_spawn(&child, executable, &actions, &attributes, argv, environ)
            if result == 0 { running.insert(child) }
            return result
        }
        guard result == 0 else {
            throw ServerError("cannot start \(executable): \(String(cString: strerror(result)))")
        }
        pid = child
    }

    deinit { stop(graceSeconds: 0) }

    /// Whether the process has exited (reaping it if so).
    public var hasExited: Bool {
        exitStatus.withLock { status in
            if status != nil { return true }
            var raw: Int32 = 0
            guard waitpid(pid, &raw, WNOHANG) == pid else { return false }
            status = raw
            Self.running.withLock { _ = $0.remove(pid) }
            return true
        }
    }

    /// Stops the process: SIGTERM, then SIGKILL after `graceSeconds`, and reaps it. Calling it
    /// again is harmless.
    public func stop(graceSeconds: Double = 5) {
        guard !hasExited else { return }
        kill(pid, SIGTERM)
        let deadline = Monotonic.nanoseconds() + UInt64(graceSeconds * 1e9)
        while !hasExited && Monotonic.nanoseconds() < deadline { usleep(2_000) }
        if !hasExited {
            kill(pid, SIGKILL)
            while !hasExited { usleep(1_000) }
        }
    }

    /// The last lines of the process's output, for error messages.
    public var logTail: String {
        guard let text = try? String(contentsOfFile: logPath, encoding: .utf8) else { return "(no output)" }
        let lines = text.split(separator: "\n").suffix(5)
        return lines.isEmpty ? "(no output)" : lines.joined(separator: " | ")
    }

    /// Sends SIGTERM to every running server when the benchmark gets SIGINT or SIGTERM, waits
    /// for them briefly, then exits with 130. Call it once, early.
    public static func stopAllOnInterrupt() {
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                let pids = running.withLock { $0 }
                for pid in pids { kill(pid, SIGTERM) }
                let deadline = Monotonic.nanoseconds() + 3_000_000_000
                for pid in pids {
                    var raw: Int32 = 0
                    while waitpid(pid, &raw, WNOHANG) == 0 && Monotonic.nanoseconds() < deadline { usleep(2_000) }
                    kill(pid, SIGKILL)
                }
                FileHandle.standardError.write(Data("\nswitchboard-bench: interrupted; stopped \(pids.count) server(s)\n".utf8))
                exit(130)
            }
            source.resume()
            // Kept for the life of the process: released, the source would stop watching.
            _ = Unmanaged.passRetained(source as AnyObject)
        }
    }
}

/// A server could not be started or did not become ready; the text says which and why.
public struct ServerError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, with what to do where there is something to do.
    public let description: String

    init(_ description: String) { self.description = description }
}
