import Foundation
import Glibc
import Testing

/// A raw loopback TCP connection for wire-level tests: send bytes or lines, read lines with a
/// deadline, see end-of-file. Non-blocking, and it waits with `Task.sleep` between reads, so a
/// test waiting for a reply never holds a thread the node under test needs.
///
/// Used by one task at a time (not `Sendable`).
final class WireConnection {
    private var fd: Int32
    private var buffer: [UInt8] = []
    /// Whether the peer closed (end-of-file or reset) and everything before it was read.
    private(set) var closedByPeer = false

    /// `SOCK_CLOEXEC` and `O_NONBLOCK` as Linux defines them (Glibc does not export them to Swift).
    private static let closeOnExec: Int32 = 0o2_000_000
    private static let nonBlocking: Int32 = 0o4_000

    /// Connects to 127.0.0.1:`port`.
    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Self.closeOnExec, 0)
        guard fd >= 0 else { throw WireError("socket() failed: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            let code = errno
            Glibc.close(fd)
            fd = -1
            throw WireError("connect to 127.0.0.1:\(port) failed: errno \(code)")
        }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | Self.nonBlocking)
    }

    deinit { close() }

    /// Closes the socket (idempotent).
    func close() {
        if fd >= 0 {
            Glibc.close(fd)
            fd = -1
        }
    }

    /// Sends `line` and a `\n`.
    func send(_ line: String, within seconds: Double = 10) async throws {
        try await send(bytes: Array((line + "\n").utf8), within: seconds)
    }

    /// Sends bytes exactly as given (all of them, however many writes it takes).
    func send(bytes: [UInt8], within seconds: Double = 10) async throws {
        let deadline = ContinuousClock.now.advanced(by: .milliseconds(Int(seconds * 1000)))
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in
                Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
            }
            if written > 0 {
                offset += written
                continue
            }
            let code = errno
            guard written < 0, code == EAGAIN || code == EWOULDBLOCK || code == EINTR else {
                throw WireError("send failed: errno \(code)")
            }
            guard ContinuousClock.now < deadline else { throw WireError("send did not finish within \(seconds) s") }
            try await Task.sleep(for: .milliseconds(1))
        }
    }

    /// The next line (without `\n`), waiting up to `seconds`; nil if the peer closed first.
    func readLineOrEOF(within seconds: Double = 10) async throws -> String? {
        let deadline = ContinuousClock.now.advanced(by: .milliseconds(Int(seconds * 1000)))
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                return line
            }
            if closedByPeer { return nil }
            if try receiveSome() { continue }
            guard ContinuousClock.now < deadline else {
                throw WireError("no complete line within \(seconds) s; have [\(String(decoding: buffer, as: UTF8.self))]")
            }
            try await Task.sleep(for: .milliseconds(1))
        }
    }

    /// The next line; fails the wait if the peer closes first.
    func readLine(within seconds: Double = 10) async throws -> String {
        guard let line = try await readLineOrEOF(within: seconds) else {
            throw WireError("the node closed the connection instead of answering")
        }
        return line
    }

    /// The next line that is not a push (`* …`), collecting the pushes skipped on the way.
    func readReply(within seconds: Double = 10, pushes: inout [String]) async throws -> String {
        while true {
            let line = try await readLine(within: seconds)
            if line.hasPrefix("* ") { pushes.append(line) } else { return line }
        }
    }

    /// The next line that is not a push; pushes on the way are dropped.
    func readReply(within seconds: Double = 10) async throws -> String {
        var ignored: [String] = []
        return try await readReply(within: seconds, pushes: &ignored)
    }

    /// Sends a request and returns its one-line reply (pushes on the way are dropped).
    func request(_ line: String) async throws -> String {
        try await send(line)
        return try await readReply()
    }

    /// Sends a request and returns the item lines of its listing, without `END`.
    func listing(_ line: String) async throws -> [String] {
        try await send(line)
        var items: [String] = []
        while true {
            let item = try await readReply()
            if item == "END" { return items }
            if item.hasPrefix("ERR ") { throw WireError("\(line) answered \(item)") }
            items.append(item)
        }
    }

    /// Whether the peer closes the connection within `seconds` with no more lines first.
    func closesWithoutMoreLines(within seconds: Double = 10) async throws -> Bool {
        try await readLineOrEOF(within: seconds) == nil
    }

    /// Reads what is available; true if something new arrived (data or end-of-file).
    private func receiveSome() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let count = chunk.withUnsafeMutableBytes { raw in recv(fd, raw.baseAddress, raw.count, Int32(MSG_DONTWAIT)) }
        if count > 0 {
            buffer.append(contentsOf: chunk[..<count])
            return true
        }
        if count == 0 {
            closedByPeer = true
            return true
        }
        let code = errno
        if code == EAGAIN || code == EWOULDBLOCK || code == EINTR { return false }
        if code == ECONNRESET || code == EPIPE {
            closedByPeer = true
            return true
        }
        throw WireError("recv failed: errno \(code)")
    }
}

struct WireError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

// MARK: - Matching reply lines

/// Whether `line` matches `pattern`, where the pattern is literal text except for the
/// placeholders `<n>` (a whole number), `<hex16>` (16 hex digits) and `<*>` (anything).
func wireLine(_ line: String, matches pattern: String) -> Bool {
    var regex = ""
    var rest = Substring(pattern)
    let placeholders = [("<n>", "[0-9]+"), ("<hex16>", "[0-9a-f]{16}"), ("<*>", ".*")]
    while !rest.isEmpty {
        if let (placeholder, replacement) = placeholders.first(where: { rest.hasPrefix($0.0) }) {
            regex += replacement
            rest = rest.dropFirst(placeholder.count)
        } else {
            regex += NSRegularExpression.escapedPattern(for: String(rest.first!))
            rest = rest.dropFirst()
        }
    }
    guard let expression = try? NSRegularExpression(pattern: "^" + regex + "$") else { return false }
    return expression.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)) != nil
}

/// Records an issue unless `line` matches `pattern` (see `wireLine(_:matches:)`).
func expectLine(_ line: String, _ pattern: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(wireLine(line, matches: pattern), "[\(line)] does not match [\(pattern)]", sourceLocation: sourceLocation)
}

/// The value of `key=` in a line (parsed the simple way: bare values only).
func field(_ key: String, in line: String) -> String? {
    for part in line.split(separator: " ") where part.hasPrefix(key + "=") {
        return String(part.dropFirst(key.count + 1))
    }
    return nil
}

/// Waits until `condition` holds, checking every few milliseconds, for up to `seconds`.
func eventually(within seconds: Double = 10, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now.advanced(by: .milliseconds(Int(seconds * 1000)))
    while true {
        if try await condition() { return true }
        guard ContinuousClock.now < deadline else { return false }
        try? await Task.sleep(for: .milliseconds(5))
    }
}
