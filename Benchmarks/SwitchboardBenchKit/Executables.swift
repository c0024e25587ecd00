import Foundation

/// Finding the servers' executables and their versions.
public enum Executables {
    /// The first executable file called `name` in a directory of `PATH`.
    public static func onPath(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// The `switchboard` executable in the directory of the running executable (a build puts
    /// them side by side), or nil.
    public static func besideThisExecutable(_ name: String) -> String? {
        guard let me = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else { return nil }
        let candidate = URL(fileURLWithPath: me).deletingLastPathComponent().appendingPathComponent(name).path
        return FileManager.default.isExecutableFile(atPath: candidate) ? candidate : nil
    }

    /// The version number a server reports (`redis-server --version`, `beanstalkd -v`,
    /// `switchboard --version`): `7.0.15`, or the whole first line when it has no number.
    public static func version(of system: SystemKind, executable: String) -> String {
        let flag = system == .beanstalkd ? "-v" : "--version"
        guard let output = run(executable, [flag]), let firstLine = output.split(separator: "\n").first else { return "unknown" }
        let pattern = system == .redis ? #"(?<=v=)[0-9][0-9.]*"# : #"[0-9]+(\.[0-9]+)+"#
        guard let range = firstLine.range(of: pattern, options: .regularExpression) else { return String(firstLine) }
        return String(firstLine[range])
    }

    /// Runs a command to completion (a few seconds at most) and returns its standard output.
    static func run(_ executable: String, _ arguments: [String]) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
