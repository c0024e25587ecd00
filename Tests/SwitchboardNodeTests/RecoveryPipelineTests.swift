import Foundation
import SwitchboardCore
import SwitchboardLog
import SwitchboardNode
import SwitchboardProtocol
import Testing

/// Recovery reads and parses on one thread and applies on another (in chunks); the floor it
/// rebuilds must be exactly the one the commands built, across many chunks.
@Suite struct RecoveryPipelineTests {
    @Test func aLogOfManyChunksRecoversToTheDigestOfTheEngineThatWroteIt() throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-pipeline-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: data) }
        let logDirectory = NodeStorage.logDirectory(data)
        try FileManager.default.createDirectory(atPath: logDirectory, withIntermediateDirectories: true)
        let writer = try LogWriter(directory: logDirectory, nextIndex: 1, options: LogWriterOptions(fsync: .never))
        var engine = RoutingEngine()
        var events: [Event] = []
        var time = Timestamp(milliseconds: 1_764_144_000_000)
        var commands: [Command] = [
            .upsertQueue(QueueConfig(name: "hosting")),
            .login(AgentProfile(id: AgentID("alice"), skills: [], capacity: Capacity(email: 5), autoAccept: true, session: "n#1")),
        ]
        for n in 0..<10_000 {
            commands.append(.submit(TicketSubmission(customer: "c\(n % 700)", channel: .email, queue: "hosting", subject: "ticket \(n)")))
            if n % 3 == 0 { commands.append(.resolve(TicketID(UInt64(n / 3 + 1)), by: AgentID("alice"))) }
        }
        for command in commands {
            time = Timestamp(milliseconds: time.milliseconds + 7)
            var payload: [UInt8] = []
            LogEntry(time: time, command: command).write(to: &payload)
            _ = try writer.appendNow(term: 1, payloads: [payload])
            try? engine.apply(command, at: time, into: &events)
            events.removeAll()
        }
        try writer.close()

        let recovered = try NodeStorage.recover(dataDirectory: data, repair: false, log: Log(minimum: .error))
        #expect(recovered.replayedRecords == commands.count)
        #expect(recovered.appliedIndex == UInt64(commands.count))
        #expect(recovered.engine.digest == engine.digest)
    }
}
