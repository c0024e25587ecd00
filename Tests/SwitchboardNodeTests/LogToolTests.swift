import Foundation
import Glibc
import Testing

@Suite struct LogToolTests {
    @Test func logVerifyAndDumpReadANodesLogAndVerifyFindsAFlippedByte() async throws {
        let binary = try SwitchboardBinary.path()
        let scratch = try ScratchDirectory("switchboard-logtool")
        defer { scratch.remove() }
        let node = try await NodeProcess.start(binary, scratch: scratch)
        defer { node.process.kill() }
        var count = 0
        func cli(_ arguments: String...) async throws -> CommandLineTests.Run {
            count += 1
            return try await CommandLineTests.run(binary, arguments, scratch: scratch, label: "log-\(count)")
        }
        #expect(try await cli("queue", "create", "hosting", "--node", node.address).status == 0)
        for n in 1...5 {
            let submitted = try await cli("submit", "--customer", "c\(n)", "--channel", "web", "--queue", "hosting", "--node", node.address)
            #expect(submitted.status == 0, "\(submitted.errors)")
        }
        node.process.signal(SIGTERM)
        #expect(try await node.process.exitStatus(within: 10) == 0)

        let data = scratch.file("node-data")
        let verified = try await cli("log", "verify", data)
        #expect(verified.status == 0, "\(verified.errors)")
        #expect(verified.output.contains("6 record(s), indices 1…6"), "\(verified.output)")
        let dumped = try await cli("log", "dump", data, "--from", "3")
        #expect(dumped.status == 0)
        #expect(dumped.output.split(separator: "\n").map { $0.split(separator: " ").first } == ["3", "4", "5", "6"], "\(dumped.output)")
        #expect(dumped.output.contains("SUBMIT at="))

        let segment = try #require(try FileManager.default.contentsOfDirectory(atPath: data + "/log").sorted().first)
        let path = data + "/log/" + segment
        var bytes = [UInt8](try #require(FileManager.default.contents(atPath: path)))
        let third = bytes.indices.filter { bytes[$0] == 0x0A }[2] + 1  // the start of record 3
        bytes[third + 20] ^= 0x04
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        let damaged = try await cli("log", "verify", data)
        #expect(damaged.status == 1)
        #expect(damaged.errors.contains("damaged record 3") && damaged.errors.contains(segment) && damaged.errors.contains("offset \(third)"),
                "\(damaged.errors)")
        #expect(try await cli("log", "verify", scratch.file("nowhere")).status == 2)
    }
}
