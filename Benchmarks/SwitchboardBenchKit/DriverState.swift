import Synchronization
import SwitchboardTransport

/// What the orchestrating task, the pacer thread and the event-loop thread share: counters
/// they poll or bump with single atomic operations, and the first failure.
final class DriverCounters: Sendable {
    /// Tickets sent by producers (counted before the write, so `accepted` never passes it).
    let sent = Atomic<Int>(0)
    let accepted = Atomic<Int>(0)
    let finished = Atomic<Int>(0)
    /// Connections whose opening is done.
    let ready = Atomic<Int>(0)
    /// Set by the pacer when it has sent every ticket due before the end (at once when flat out).
    let pacerDone = Atomic<Bool>(false)
    let failed = Atomic<Bool>(false)
    private let firstFailure = Mutex<String?>(nil)

    /// Records a failure; the first one is the one reported.
    func fail(_ text: String) {
        firstFailure.withLock { if $0 == nil { $0 = text } }
        failed.store(true, ordering: .releasing)
    }

    var failure: String? { firstFailure.withLock { $0 } }
}

/// The driver's per-connection state, owned by whoever holds the `Mutex` it lives in: the
/// event-loop thread for one whole batch at a time, the orchestrator while it sets up and
/// reads the results. One lock per batch, none per request.
struct DriverState<System: LifecycleSystem> {
    enum Role: String { case setup, producer, agent, floor = "floor agent" }

    struct Slot {
        var session: System.Session
        let role: Role
        let index: Int
        let connection: Connection
        /// Send times of the tickets this agent has asked to finish, oldest first.
        var finishing = FinishQueue()
    }

    let system: System
    var slots: [Slot] = []
    var slotByConnection: [UInt64: Int] = [:]
    var taken = LatencyHistogram()
    var done = LatencyHistogram()
    /// Tickets sent from here on are measured; finishes from here on are counted.
    var measureFrom: UInt64 = .max
    /// Producers running flat out send while the clock is before this; finishes after it are
    /// outside the window.
    var submitUntil: UInt64 = 0
    var ticketLimit = Int.max
    var flatOut = true
    var completedInWindow = 0
    /// Set before the driver closes its connections, whose closing is then no failure.
    var closing = false
    /// Reused for every write.
    var scratch: [UInt8] = []

    init(system: System) {
        self.system = system
        scratch.reserveCapacity(4096)
    }

    mutating func add(_ session: System.Session, role: Role, index: Int, connection: Connection) {
        slotByConnection[connection.id] = slots.count
        slots.append(Slot(session: session, role: role, index: index, connection: connection))
    }

    // MARK: - Event loop

    /// Handles everything one loop iteration read. The clock is read once per batch: every
    /// line of it arrived in the same `epoll_wait`.
    mutating func handle(_ batch: InboundBatch, counters: DriverCounters) {
        let now = Monotonic.nanoseconds()
        var lastConnection = UInt64.max
        var slot = -1
        batch.forEachItem { item, bytes in
            if item.connection.id != lastConnection {
                guard let found = slotByConnection[item.connection.id] else { return }
                lastConnection = item.connection.id
                slot = found
            }
            switch item.event {
            case .line:
                let line = bytes.last == 13 ? UnsafeBufferPointer(rebasing: bytes.dropLast()) : bytes
                let event = slots[slot].session.read(line)
                act(on: event, slot: slot, now: now, counters: counters)
            case .oversizedLine:
                counters.fail("\(describe(slot)) got a line over \(item.connection.options.maximumLineBytes) bytes")
            case .closed(let reason):
                if !closing { counters.fail("\(system.name) closed \(describe(slot))'s connection (\(reason))") }
            case .opened:
                break
            }
        }
    }

    private mutating func act(on event: SessionEvent, slot: Int, now: UInt64, counters: DriverCounters) {
        switch event {
        case .none:
            break
        case .ready:
            counters.ready.add(1, ordering: .relaxed)
            if slots[slot].role == .agent { sendFinishAndTakeNext(slot, counters: counters) }
        case .accepted:
            counters.accepted.add(1, ordering: .relaxed)
            if flatOut && now < submitUntil { submit(slot, count: 1, counters: counters) }
        case .taken(let sentAt):
            guard slots[slot].role == .agent else {
                counters.fail("\(describe(slot)) was given a ticket")
                return
            }
            if sentAt >= measureFrom { taken.record(nanoseconds: now > sentAt ? now - sentAt : 0) }
            slots[slot].finishing.push(sentAt)
            sendFinishAndTakeNext(slot, counters: counters)
        case .finished:
            guard let sentAt = slots[slot].finishing.pop() else {
                counters.fail("\(describe(slot)) finished a ticket it was not given")
                return
            }
            if sentAt >= measureFrom { done.record(nanoseconds: now > sentAt ? now - sentAt : 0) }
            if now >= measureFrom && now <= submitUntil { completedInWindow += 1 }
            counters.finished.add(1, ordering: .relaxed)
        case .failed(let text):
            counters.fail("\(describe(slot)): \(text)")
        }
    }

    // MARK: - Sending

    /// Sends `count` new tickets on a producer's connection in one write (fewer if the limit is near).
    mutating func submit(_ slot: Int, count: Int, counters: DriverCounters) {
        scratch.removeAll(keepingCapacity: true)
        for _ in 0..<count {
            guard counters.sent.load(ordering: .relaxed) < ticketLimit else { break }
            system.appendSubmit(sentAt: Monotonic.nanoseconds(), into: &scratch)
            counters.sent.add(1, ordering: .relaxed)
        }
        send(slot, counters: counters)
    }

    mutating func sendFinishAndTakeNext(_ slot: Int, counters: DriverCounters) {
        scratch.removeAll(keepingCapacity: true)
        slots[slot].session.appendFinishAndTakeNext(into: &scratch)
        send(slot, counters: counters)
    }

    /// Sends the opening of every connection; those that wait for no reply count as ready.
    mutating func sendOpenings(counters: DriverCounters) {
        for slot in slots.indices {
            scratch.removeAll(keepingCapacity: true)
            let waits = slots[slot].session.appendOpening(into: &scratch)
            send(slot, counters: counters)
            if !waits {
                counters.ready.add(1, ordering: .relaxed)
                if slots[slot].role == .agent { sendFinishAndTakeNext(slot, counters: counters) }
            }
        }
    }

    private mutating func send(_ slot: Int, counters: DriverCounters) {
        guard !scratch.isEmpty else { return }
        if !slots[slot].connection.send(scratch) && !closing {
            counters.fail("cannot write to \(describe(slot))'s connection: it is closed")
        }
    }

    func describe(_ slot: Int) -> String {
        "\(system.name) \(slots[slot].role.rawValue) \(slots[slot].index)"
    }
}

/// A FIFO of send times that stays allocated between uses (an agent has one or two entries).
struct FinishQueue {
    private var values: [UInt64] = []
    private var head = 0

    mutating func push(_ value: UInt64) { values.append(value) }

    mutating func pop() -> UInt64? {
        guard head < values.count else { return nil }
        let value = values[head]
        head += 1
        if head == values.count {
            values.removeAll(keepingCapacity: true)
            head = 0
        }
        return value
    }
}
