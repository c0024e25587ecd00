/// The systems the comparison knows.
public enum SystemKind: String, CaseIterable, Sendable {
    /// A `switchboard node` process.
    case switchboard
    /// `redis-server`, as a reliable queue.
    case redis
    /// `beanstalkd`, one tube.
    case beanstalkd
    /// `switchboard-bench null-queue`: a server that only moves the bytes, in the protocol of the
    /// Redis adapter (see `NullQueueServer`); runs at `none` only, as the comparison's baseline.
    case nullQueue = "null-queue"

    /// The executable that serves it.
    public var executableName: String {
        switch self {
        case .switchboard: "switchboard"
        case .redis: "redis-server"
        case .beanstalkd: "beanstalkd"
        case .nullQueue: "switchboard-bench"
        }
    }

    /// Whether it runs at a durability level: the null queue persists nothing, so it runs at `none` only.
    public func runs(at durability: Durability) -> Bool {
        self != .nullQueue || durability == .none
    }
}

/// A durability level, compared like for like across the systems.
public enum Durability: String, CaseIterable, Sendable {
    /// Acknowledged once on disk: every write fsynced (with group commit where the system has it).
    case always
    /// Written at once, fsynced about every second (beanstalkd: every 50 ms, its default).
    case relaxed
    /// Nothing persisted (Switchboard still appends its log, without ever fsyncing: the closest it has).
    case none

    /// The server flags this level means for `system` (with `DIR` for its data directory).
    public func flags(for system: SystemKind) -> [String] {
        switch (system, self) {
        case (.switchboard, .always): ["--fsync", "always"]
        case (.switchboard, .relaxed): ["--fsync", "interval:1000"]
        case (.switchboard, .none): ["--fsync", "never"]
        case (.redis, .always): ["--appendonly", "yes", "--appendfsync", "always"]
        case (.redis, .relaxed): ["--appendonly", "yes", "--appendfsync", "everysec"]
        case (.redis, .none): ["--appendonly", "no"]
        case (.beanstalkd, .always): ["-b", "DIR", "-f", "0"]
        case (.beanstalkd, .relaxed): ["-b", "DIR"]
        case (.beanstalkd, .none): []
        case (.nullQueue, _): []
        }
    }

    /// One line on what the level means for each system, for the reports.
    public var meaning: String {
        switch self {
        case .always:
            "Switchboard --fsync always; Redis appendonly yes + appendfsync always; beanstalkd -b DIR -f 0"
        case .relaxed:
            "Switchboard --fsync interval:1000; Redis appendonly yes + appendfsync everysec; beanstalkd -b DIR (fsync at most every 50 ms, its default)"
        case .none:
            "Redis and beanstalkd persist nothing; Switchboard --fsync never still appends its log to the page cache, never fsyncing (it has no log-free mode); "
                + "null-queue: switchboard-bench null-queue, a server that only moves the bytes (RPUSH/BLMOVE/LREM kept in memory, one epoll thread), "
                + "the most this machine's loopback TCP and the load generator allow a single-threaded server"
        }
    }
}
