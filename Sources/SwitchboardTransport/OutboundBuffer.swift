/// The bytes of one connection that the kernel did not take yet, oldest first.
///
/// Appends go to the end of one array; writes consume from a head index; the consumed prefix
/// is dropped when the buffer empties (the usual case) or when it is more than half the array.
struct OutboundBuffer {
    private var storage: [UInt8] = []
    private var head = 0

    /// Bytes waiting.
    var count: Int { storage.count - head }
    var isEmpty: Bool { head == storage.count }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        storage.append(contentsOf: bytes)
    }

    /// Calls `body` with the waiting bytes; it returns how many it consumed.
    mutating func consume(_ body: (UnsafeRawBufferPointer) -> Int) {
        let taken = storage.withUnsafeBytes { all in body(UnsafeRawBufferPointer(rebasing: all[head...])) }
        head += taken
        if head == storage.count {
            // Keep a modest allocation for the next burst; give a big one back.
            storage.removeAll(keepingCapacity: storage.capacity <= 256 * 1024)
            head = 0
        } else if head > 64 * 1024 && head > storage.count / 2 {
            storage.removeSubrange(0..<head)
            head = 0
        }
    }

    /// Drops everything (the connection is closing).
    mutating func removeAll() {
        storage = []
        head = 0
    }
}
