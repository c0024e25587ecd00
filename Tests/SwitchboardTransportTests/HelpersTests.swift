import Glibc
import Testing
@testable import SwitchboardTransport

@Suite struct HelpersTests {
    @Test(arguments: [
        (Duration.seconds(10), "10"), (.milliseconds(200), "0.2"), (.milliseconds(1250), "1.25"),
        (.milliseconds(50), "0.05"), (.milliseconds(5), "0.005"), (.zero, "0"),
    ])
    func aTimeoutIsWrittenAsShortSeconds(duration: Duration, text: String) {
        #expect(duration.secondsText == text)
    }

    @Test func ipLiteralsParseAndPrintWithTheirPort() throws {
        #expect(SocketAddress(literal: "127.0.0.1", port: 7070)?.description == "127.0.0.1:7070")
        #expect(SocketAddress(literal: "::1", port: 7070)?.description == "[::1]:7070")
        #expect(SocketAddress(literal: "[::1]", port: 80)?.description == "[::1]:80")
        #expect(SocketAddress(literal: "0.0.0.0", port: 0)?.family == AF_INET)
        #expect(SocketAddress(literal: "::", port: 0)?.family == AF_INET6)
        #expect(SocketAddress(literal: "localhost", port: 1) == nil)
        #expect(SocketAddress(literal: "127.0.0.256", port: 1) == nil)
    }

    @Test func localhostMeansIPv4LoopbackForListeningAndBothForConnecting() throws {
        #expect(try SocketAddress.resolve(host: "localhost", port: 1, forListening: true).map(\.description) == ["127.0.0.1:1"])
        #expect(try SocketAddress.resolve(host: "LOCALHOST", port: 1, forListening: false).map(\.description)
            == ["127.0.0.1:1", "[::1]:1"])
    }

    @Test func anEmptyHostOrANegativePortIsABadAddress() {
        #expect(throws: TransportError.self) { try SocketAddress.resolve(host: "", port: 1, forListening: true) }
        #expect(throws: TransportError.self) { try SocketAddress.resolve(host: "127.0.0.1", port: -1, forListening: true) }
    }

    @Test func theOutboundBufferGivesBackBytesInOrderAcrossPartialConsumes() {
        var buffer = OutboundBuffer()
        let first = Array(0..<200).map { UInt8($0) }
        let second = Array(200..<256).map { UInt8($0) }
        first.withUnsafeBytes { buffer.append($0) }
        var taken: [UInt8] = []
        buffer.consume { bytes in taken.append(contentsOf: bytes.prefix(150)); return 150 }
        second.withUnsafeBytes { buffer.append($0) }
        #expect(buffer.count == 106)
        buffer.consume { bytes in taken.append(contentsOf: bytes); return bytes.count }
        #expect(buffer.isEmpty)
        #expect(taken == first + second)
    }

    @Test func anErrnoIsDescribedByNameAndMeaning() {
        #expect(Errno.describe(ECONNRESET) == "ECONNRESET (Connection reset by peer)")
        #expect(Errno.describe(9999).hasPrefix("errno 9999"))
    }
}
