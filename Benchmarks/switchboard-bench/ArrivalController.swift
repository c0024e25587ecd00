/// Steers the Poisson arrival rate of the simulation, once per tick.
///
/// Warm-up: arrivals follow the floor's full capacity, raised while fewer than `target`
/// tickets wait and lowered while more do, so the floor fills while the backlog builds.
/// Warm-up ends when at least half the target waits and the number of tickets held by
/// agents has stopped growing (by less than 0.5 % of the floor's slots over two simulated
/// minutes): the floor is as full as this ticket mix lets it be.
///
/// Measured phase: arrivals follow the observed resolve rate (smoothed over a simulated
/// minute) with the same correction, so about `target` tickets keep waiting.
struct ArrivalController {
    private let capacityRate: Double
    private let target: Int
    private let slots: Int
    private let smoothing: Double
    private let window: Int
    /// Tickets held by agents at the last `window + 1` ticks of the warm-up.
    private var heldHistory: [Int] = []
    private var resolveRate: Double

    /// Arrivals per simulated millisecond.
    private(set) var rate: Double

    init(capacityRate: Double, target: Int, slots: Int, tickMs: Int) {
        self.capacityRate = capacityRate
        self.target = target
        self.slots = slots
        smoothing = min(1.0, Double(tickMs) / 60_000)
        window = max(1, 120_000 / tickMs)
        resolveRate = capacityRate
        rate = target > 0 ? 1.5 * capacityRate : capacityRate
    }

    /// With no backlog target there is no warm-up: arrivals follow capacity from the start.
    var needsWarmup: Bool { target > 0 }

    /// Updates the rate at the end of a tick period; returns true when the warm-up is over.
    mutating func tick(resolved: Int, tickMs: Int, waiting: Int, held: Int, measuring: Bool) -> Bool {
        resolveRate += smoothing * (Double(resolved) / Double(tickMs) - resolveRate)
        guard target > 0 else { return false }
        let correction = min(1.5, max(0.5, 1 + 0.5 * Double(target - waiting) / Double(target)))
        if measuring {
            rate = resolveRate * correction
            return false
        }
        rate = capacityRate * correction
        heldHistory.append(held)
        if heldHistory.count > window + 1 { heldHistory.removeFirst() }
        guard heldHistory.count == window + 1, waiting * 2 >= target else { return false }
        return heldHistory[window] - heldHistory[0] <= max(1, slots / 200)
    }
}
