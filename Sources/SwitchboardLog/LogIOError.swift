import Glibc

/// A failed system call on a log file: which call, which file, which errno.
public struct LogIOError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The call that failed, e.g. `fdatasync`.
    public var operation: String
    /// The file (or directory) it was called on.
    public var path: String
    /// The errno it returned.
    public var errno: Int32

    /// Makes an error from an operation, a path and an errno.
    public init(operation: String, path: String, errno: Int32) {
        self.operation = operation
        self.path = path
        self.errno = errno
    }

    public var description: String {
        "\(operation) failed on [\(path)]: errno [\(errno)] \(String(cString: strerror(errno)))"
    }
}
