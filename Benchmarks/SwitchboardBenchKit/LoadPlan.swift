/// What one run of the load generator does.
public struct LoadPlan: Sendable, Equatable {
    /// Producer connections.
    public var producers: Int
    /// Working agent connections (each holds one ticket at a time).
    public var agents: Int
    /// Extra logged-in agents that take none of the work (systems with a floor only).
    public var floorAgents: Int
    /// Submits each producer keeps in flight when running flat out.
    public var window: Int
    /// How long producers submit, in seconds, warm-up included.
    public var seconds: Double
    /// The first part of `seconds` whose lifecycles count toward neither throughput nor latency.
    public var warmupSeconds: Double
    /// Tickets per second in total, sent on a fixed schedule whatever the replies (open loop);
    /// 0 runs flat out (each producer sends its next ticket when one is accepted).
    public var rate: Int
    /// Stop submitting after this many tickets (tests), whatever `seconds` says.
    public var ticketLimit: Int?
    /// How long lifecycles submitted before the end may take to complete before the run fails.
    public var drainSeconds: Double
    /// How long connecting and the opening of all connections may take.
    public var setupSeconds: Double

    /// A plan; see the properties.
    public init(producers: Int, agents: Int, floorAgents: Int = 0, window: Int = 1, seconds: Double, warmupSeconds: Double = 0,
                rate: Int = 0, ticketLimit: Int? = nil, drainSeconds: Double = 10, setupSeconds: Double = 60) {
        self.producers = producers
        self.agents = agents
        self.floorAgents = floorAgents
        self.window = window
        self.seconds = seconds
        self.warmupSeconds = warmupSeconds
        self.rate = rate
        self.ticketLimit = ticketLimit
        self.drainSeconds = drainSeconds
        self.setupSeconds = setupSeconds
    }
}

/// What one run measured.
public struct RunFigures: Sendable, Equatable {
    /// Tickets sent.
    public var submitted = 0
    /// Tickets the system accepted (the producer's reply).
    public var accepted = 0
    /// Lifecycles completed (the agent's finish was answered), warm-up and drain included.
    public var completed = 0
    /// Lifecycles completed inside the measurement window (after warm-up, before the end).
    public var completedInWindow = 0
    /// The measurement window's length in seconds.
    public var windowSeconds = 0.0
    /// Submit → taken (offer pushed, job reserved, element moved) of tickets sent after warm-up.
    public var taken = LatencyHistogram()
    /// Submit → finish answered of tickets sent after warm-up.
    public var done = LatencyHistogram()
    /// Why the run is not a figure: an unexpected reply, a closed connection, lifecycles not
    /// completed within the drain deadline. Nil for a good run.
    public var failure: String?

    public init() {}

    /// Completed lifecycles per second in the measurement window.
    public var lifecyclesPerSecond: Double {
        windowSeconds > 0 ? Double(completedInWindow) / windowSeconds : 0
    }
}
