import SwitchboardProtocol

/// The payloads of a batch of records, back to back in one buffer: a batch of commands is
/// written into it without an array per command, and reused from batch to batch.
public struct LogPayloads: Sendable {
    /// Every payload's bytes, one after another.
    public private(set) var bytes: [UInt8] = []
    /// Where each payload ends in `bytes`.
    private var ends: [Int] = []

    /// No payloads.
    public init() {}

    /// The given payloads, in order.
    public init(_ payloads: [[UInt8]]) {
        for payload in payloads { append(payload) }
    }

    /// The number of payloads.
    public var count: Int { ends.count }
    /// Whether there is no payload.
    public var isEmpty: Bool { ends.isEmpty }

    /// Adds a payload.
    public mutating func append(_ payload: [UInt8]) {
        bytes.append(contentsOf: payload)
        ends.append(bytes.count)
    }

    /// Adds the payload a writer holds.
    public mutating func append(_ writer: borrowing LineWriter) {
        writer.append(to: &bytes)
        ends.append(bytes.count)
    }

    /// Forgets the payloads, keeping the storage.
    public mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
    }

    /// Calls `body` with each payload's bytes, in order.
    func forEach(_ body: (Int, UnsafeBufferPointer<UInt8>) throws(LogWriterError) -> Void) throws(LogWriterError) {
        try bytes.withUnsafeBufferPointer { all throws(LogWriterError) in
            var start = 0
            for (position, end) in ends.enumerated() {
                try body(position, UnsafeBufferPointer(rebasing: all[start..<end]))
                start = end
            }
        }
    }
}
