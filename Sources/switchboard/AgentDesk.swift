import Foundation
import SwitchboardClient
import SwitchboardCore
import SwitchboardProtocol

/// `switchboard agent`: an interactive desk for one agent. Offers and assignments appear as
/// they arrive; the agent types commands at the prompt.
enum AgentDesk {
    static let help = """
    USAGE: switchboard agent --id ID --skills SKILLS --capacity CAPACITY [--name NAME] [--tier N]
                             [--auto-accept] [--node HOST:PORT] [--token TOKEN]

    Logs the agent in and shows its offers and tickets as they arrive. At the prompt:
      accept ID            take an offered ticket
      decline ID           pass an offer to the next agent
      resolve ID           close a ticket you hold
      escalate ID [TIER]   send a ticket up a tier (default: one above yours)
      transfer ID queue Q  move a ticket to another queue
      transfer ID agent A  hand a ticket to another agent
      away | available     stop or start taking offers
      list                 your offers and tickets
      quit                 log out (refused while you hold tickets) and leave
    End of input (Ctrl-D) leaves without logging out: the floor's grace period then applies.

    Example: switchboard agent --id alice --skills linux:4,dns:2 --capacity chat:3,email:5 --tier 2
    """

    static func run(_ arguments: [String]) async throws {
        var options = OptionReader(arguments, command: "agent")
        if options.flag("--help") || options.flag("-h") {
            print(help)
            return
        }
        let node = try NodeOptions(&options)
        guard let id = try options.value("--id") else { throw UsageError("agent: --id is required (the agent's login name)") }
        guard let skillsText = try options.value("--skills") else { throw UsageError("agent: --skills is required, e.g. linux:4,dns:2") }
        guard let capacityText = try options.value("--capacity") else { throw UsageError("agent: --capacity is required, e.g. chat:3,email:5") }
        let name = try options.value("--name")
        let tier = try options.integer("--tier", in: 1...RoutingEngine.maximumTier) ?? 1
        let autoAccept = options.flag("--auto-accept")
        try options.finish()
        let skills = try parsingWire { () throws(ProtocolError) in try WireValue.skills(skillsText) }
        let capacity = try parsingWire { () throws(ProtocolError) in try WireValue.capacity(capacityText) }
        let profile = AgentProfile(id: AgentID(id), name: name, skills: skills, tier: tier, capacity: capacity, autoAccept: autoAccept)

        let client = try await node.connect()
        let status = try await calling(node) { () throws(ClientError) in try await client.login(profile) }
        let desk = Desk(client: client, agent: profile.id, node: node)
        desk.announce("logged in as \(profile.id) (\(status)) at \(node.address); type 'help' for commands")
        let pushes = Task { await desk.showPushes() }
        for await line in StandardInput.lines() {
            if await desk.handle(line) == .leave { break }
            desk.prompt()
        }
        pushes.cancel()
        client.close()
    }
}

/// The desk's state: which tickets are on offer or held, for `list`.
final class Desk: Sendable {
    enum Outcome { case stay, leave }

    let client: SwitchboardClient
    let agent: AgentID
    let node: NodeOptions

    init(client: SwitchboardClient, agent: AgentID, node: NodeOptions) {
        self.client = client
        self.agent = agent
        self.node = node
    }

    /// Prints a line in answer to a typed command (the prompt follows when the command ends).
    func say(_ text: String) {
        FileHandle.standardOutput.write(Data("\(text)\n".utf8))
    }

    /// Prints a line that arrived on its own (a push), over the waiting prompt, then the prompt again.
    func announce(_ text: String) {
        FileHandle.standardOutput.write(Data("\r\(text)\n".utf8))
        prompt()
    }

    func prompt() {
        FileHandle.standardOutput.write(Data("\(agent)> ".utf8))
    }

    func showPushes() async {
        for await push in client.pushes {
            switch push {
            case .offer(let t, let expiresAt):
                let seconds = max(0, (expiresAt.milliseconds - Int64(Date().timeIntervalSince1970 * 1000)) / 1000)
                announce("OFFER ticket \(t.id) [\(t.queue) \(t.channel) \(t.priority)] \(t.customer): \(t.subject) — accept or decline within \(seconds) s")
            case .assigned(let t):
                announce("ASSIGNED ticket \(t.id) [\(t.queue) \(t.channel) \(t.priority)] \(t.customer): \(t.subject)")
            case .revoked(let id, let reason):
                announce("ticket \(id) taken back (\(reason))")
            case .status(_, let status):
                announce("you are now \(status)")
            }
        }
        announce("the connection to the node closed")
    }

    /// Runs one typed command.
    func handle(_ line: String) async -> Outcome {
        let words = line.split(separator: " ").map(String.init)
        guard let verb = words.first?.lowercased() else { return .stay }
        func ticket(_ index: Int) -> TicketID? {
            guard index < words.count, let raw = UInt64(words[index]), raw > 0 else { return nil }
            return TicketID(raw)
        }
        do throws(ClientError) {
            switch verb {
            case "accept":
                guard let id = ticket(1) else { return usage("accept ID") }
                let outcome = try await client.accept(id)
                say("ticket \(outcome.ticket) is yours")
            case "decline":
                guard let id = ticket(1) else { return usage("decline ID") }
                try await client.decline(id)
                say("ticket \(id) declined")
            case "resolve":
                guard let id = ticket(1) else { return usage("resolve ID") }
                try await client.resolve(id)
                say("ticket \(id) resolved")
            case "escalate":
                guard let id = ticket(1) else { return usage("escalate ID [TIER]") }
                let tier = words.count > 2 ? Int(words[2]) : nil
                let outcome = try await client.escalate(id, toTier: tier)
                say("ticket \(id) escalated to tier \(outcome.tier)")
            case "transfer":
                guard let id = ticket(1), words.count == 4, words[2] == "queue" || words[2] == "agent" else {
                    return usage("transfer ID queue QUEUE | transfer ID agent AGENT")
                }
                let target: TransferTarget = words[2] == "queue" ? .queue(words[3]) : .agent(AgentID(words[3]))
                try await client.transfer(id, to: target)
                say("ticket \(id) transferred to \(words[2]) \(words[3])")
            case "away", "available":
                try await client.setStatus(verb == "away" ? .away : .available)
                say("you are now \(verb)")
            case "list":
                let info = try await client.agents().first { $0.id == agent }
                let mine = try await client.tickets().filter { $0.owner == agent && ($0.state == .offered || $0.state == .assigned) }
                say("status \(info?.status.description ?? "?"); \(mine.isEmpty ? "no tickets" : "\(mine.count) ticket(s):")")
                for t in mine { say("  \(t.id) \(t.state) [\(t.queue) \(t.channel) \(t.priority)] \(t.customer): \(t.subject)") }
            case "help", "?":
                say(AgentDesk.help)
            case "quit", "exit", "logout":
                try await client.logout()
                say("logged out")
                return .leave
            default:
                say("unknown command [\(verb)]; type 'help'")
            }
        } catch {
            say(NodeError(error, node: node.address).message)
        }
        return .stay
    }

    private func usage(_ form: String) -> Outcome {
        say("usage: \(form)")
        return .stay
    }
}

/// Standard input as an asynchronous sequence of lines, read on a thread of its own so that
/// waiting for the keyboard blocks nothing else.
enum StandardInput {
    static func lines() -> AsyncStream<String> {
        AsyncStream { continuation in
            Thread.detachNewThread {
                while let line = readLine() { continuation.yield(line) }
                continuation.finish()
            }
        }
    }
}
