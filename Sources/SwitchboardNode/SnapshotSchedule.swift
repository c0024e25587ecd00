/// When a node takes its next automatic snapshot: once `every` records were logged since the
/// last one, and once the log written since then is at least as large as that snapshot.
///
/// Why the second condition: a snapshot costs in proportion to the floor (it encodes, writes
/// and, on the loop, copies on write what it shares), and the floor keeps growing (closed
/// tickets and customers are kept). With a fixed record count alone, a large floor would be
/// rewritten whole for every few megabytes of log: write amplification and pauses that grow
/// with the floor. Waiting for as many log bytes as the last snapshot holds keeps the snapshot
/// work per logged byte bounded (at most about one byte written per byte logged), and a
/// restart still replays no more log than about one snapshot's worth. Redis rewrites its
/// append-only file on the same kind of rule (when it has grown by the size of the last rewrite).
struct SnapshotSchedule {
    /// Records to log between snapshots, at least.
    let every: UInt64
    /// Payload bytes handed to the log since the node started.
    private(set) var loggedBytes = 0
    /// `loggedBytes` when the newest snapshot written began: what it covers.
    private(set) var coveredBytes = 0
    /// The size of the newest snapshot written (0 before the first: the record count alone decides).
    private(set) var lastSnapshotBytes = 0

    init(every: Int) {
        self.every = UInt64(every)
    }

    /// Notes payload bytes handed to the log.
    mutating func logged(bytes: Int) {
        loggedBytes += bytes
    }

    /// Whether a snapshot is due with `records` logged since the last one.
    func isDue(recordsSince records: UInt64) -> Bool {
        records >= every && loggedBytes - coveredBytes >= lastSnapshotBytes
    }

    /// A snapshot begins; pass the mark to `written` when it is on disk.
    func began() -> Int { loggedBytes }

    /// The snapshot begun at `mark` was written, `bytes` long. An older one finishing after a
    /// newer one (a background snapshot overtaken by an on-demand `SNAPSHOT`) changes nothing.
    mutating func written(bytes: Int, mark: Int) {
        guard mark >= coveredBytes else { return }
        coveredBytes = mark
        lastSnapshotBytes = bytes
    }
}
