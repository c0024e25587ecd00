import Foundation
import Glibc
import Synchronization
import Testing

/// A process a test starts (with `posix_spawn`): its output goes to files, its standard input
/// optionally comes from a pipe the test writes to. The test waits for it with a deadline,
/// polling `waitpid` between short sleeps so no thread blocks, and ends it by its PID.
final class ChildProcess {
    let pid: pid_t
    let name: String
    let outputPath: String
    let errorPath: String
    private var inputWriter: Int32
    private var status: Int32?

    /// Taken around creating a pipe and spawning, so a pipe is close-on-exec before any child starts.
    private static let spawnLock = Mutex(())

    /// Starts `executable` with `arguments`; output and errors go to files in `scratch`.
    init(_ executable: String, _ arguments: [String], scratch: ScratchDirectory, name: String,
         input: Bool = false, environment: [String: String] = [:]) throws {
        self.name = name
        outputPath = scratch.file("\(name).out")
        errorPath = scratch.file("\(name).err")
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var pipeEnds: [Int32] = [-1, -1]
        if input {
            // Made close-on-exec under the lock every spawn here takes, so no other child inherits it.
            let made = Self.spawnLock.withLock { _ -> Bool in
                guard pipe(&pipeEnds) == 0 else { return false }
                for end in pipeEnds { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
                return true
            }
            guard made else { throw WireError("pipe failed: errno \(errno)") }
            posix_spawn_file_actions_adddup2(&actions, pipeEnds[0], 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)

        // Default signal handling and nothing blocked, whatever the test process does.
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
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var inherited = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SWITCHBOARD_") }
        inherited.merge(environment) { _, new in new }
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = inherited.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var child: pid_t = 0
        let result = Self.spawnLock.withLock { _ in posix_spawn(&child, executable, &actions, &attributes, argv, envp) }
        if input { Glibc.close(pipeEnds[0]) }
        guard result == 0 else {
            if input { Glibc.close(pipeEnds[1]) }
            throw WireError("cannot start \(executable): error \(result)")
        }
        pid = child
        inputWriter = input ? pipeEnds[1] : -1
    }

    deinit {
        kill()
        closeInput()
    }

    /// Writes text to the process's standard input.
    func write(_ text: String) throws {
        guard inputWriter >= 0 else { throw WireError("\(name) has no input pipe") }
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.write(inputWriter, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw WireError("writing to \(name)'s input failed: errno \(errno)")
            }
            offset += written
        }
    }

    /// Closes the process's standard input (it sees end-of-file).
    func closeInput() {
        if inputWriter >= 0 {
            Glibc.close(inputWriter)
            inputWriter = -1
        }
    }

    /// Whether the process has exited (reaps it if so).
    var hasExited: Bool {
        if status != nil { return true }
        var raw: Int32 = 0
        if waitpid(pid, &raw, WNOHANG) == pid {
            status = Self.decode(raw)
            return true
        }
        return false
    }

    /// The exit status (128 + N when killed by signal N), waiting up to `seconds`. A process
    /// still running at the deadline is killed and the wait fails.
    func exitStatus(within seconds: Double = 10) async throws -> Int32 {
        let deadline = ContinuousClock.now.advanced(by: .milliseconds(Int(seconds * 1000)))
        while !hasExited {
            guard ContinuousClock.now < deadline else {
                kill()
                throw WireError("\(name) did not exit within \(seconds) s; killed it. stderr: \(errors)")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        return status!
    }

    /// Sends a signal to the process (if it still runs).
    func signal(_ number: Int32) {
        if !hasExited { Glibc.kill(pid, number) }
    }

    /// Kills the process with SIGKILL and reaps it; nothing if it already exited.
    func kill() {
        guard status == nil else { return }
        Glibc.kill(pid, SIGKILL)
        var raw: Int32 = 0
        while waitpid(pid, &raw, 0) < 0 && errno == EINTR {}
        status = Self.decode(raw)
    }

    /// What it wrote to standard output so far.
    var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }
    /// What it wrote to standard error so far.
    var errors: String { (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "" }

    /// Waits until standard output contains `text`; false at the deadline or if the process exits first.
    func waitForOutput(_ text: String, within seconds: Double = 10) async -> Bool {
        _ = await eventually(within: seconds) { output.contains(text) || hasExited }
        return output.contains(text)
    }

    private static func decode(_ raw: Int32) -> Int32 {
        let signal = raw & 0x7F
        return signal == 0 ? (raw >> 8) & 0xFF : 128 + signal
    }
}

/// The `switchboard` executable built next to the test bundle.
enum SwitchboardBinary {
    static func path() throws -> String {
        var directories: [URL] = [
            Bundle.main.bundleURL,
            Bundle.main.bundleURL.deletingLastPathComponent(),
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
        ]
        if let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            directories.append(URL(fileURLWithPath: executable).deletingLastPathComponent())
        }
        for directory in directories {
            let candidate = directory.appendingPathComponent("switchboard").path
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), !isDirectory.boolValue,
               FileManager.default.isExecutableFile(atPath: candidate) {
                return candidate
            }
        }
        throw WireError("the switchboard executable is not next to the test bundle (looked in "
            + directories.map(\.path).joined(separator: ", ") + "); run `swift build` first")
    }
}

/// A `switchboard node` process on an ephemeral loopback port.
struct NodeProcess {
    let process: ChildProcess
    let port: Int
    var address: String { "127.0.0.1:\(port)" }

    /// Starts the node and waits (with a deadline) for it to write its port file.
    static func start(_ binary: String, scratch: ScratchDirectory, name: String = "node", extra: [String] = []) async throws -> NodeProcess {
        let portFile = scratch.file("\(name).port")
        let process = try ChildProcess(binary, ["node", "--listen", "127.0.0.1:0", "--port-file", portFile,
                                                "--data", scratch.file("\(name)-data")] + extra,
                                       scratch: scratch, name: name)
        var port: Int?
        let ready = await eventually {
            if let text = try? String(contentsOfFile: portFile, encoding: .utf8), let value = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                port = value
                return true
            }
            return process.hasExited
        }
        guard ready, let port else {
            process.kill()
            throw WireError("the node did not write its port file within the deadline; stderr: \(process.errors)")
        }
        return NodeProcess(process: process, port: port)
    }
}
