/// The ticket every system carries: a subject and its metadata, about 200 bytes, the same
/// bytes for all three systems (Switchboard gets them as the fields of `SUBMIT`; beanstalkd
/// and Redis as the job body / list element).
///
/// The moment the producer sent it is written into the ticket (`customer=t<16 digits>`), so
/// whoever takes the ticket computes submit→taken without any state shared between the
/// producer and the agent: the agent reads the time back from the bytes it was given.
public enum TicketPayload {
    /// The queue (Switchboard), tube (beanstalkd) or list (Redis) of the benchmark.
    public static let queue = "bench"
    static let marker = Array("customer=t".utf8)
    static let timeDigits = 16
    private static let rest = Array(
        (" channel=web queue=\(queue) priority=normal subject=\"Website returns 502 after the PHP upgrade; "
            + "customer on the line since 09:00, plan hosting-pro, region eu-west, via web form\"").utf8)

    /// The payload's length in bytes (the same for every ticket).
    public static let byteCount = marker.count + timeDigits + rest.count

    /// Appends the ticket's bytes with `sentAt` (monotonic nanoseconds) written into it.
    @inline(__always)
    public static func append(sentAt: UInt64, into bytes: inout [UInt8]) {
        bytes.append(contentsOf: marker)
        appendDigits(sentAt, width: timeDigits, into: &bytes)
        bytes.append(contentsOf: rest)
    }

    /// Appends `header`, the ticket sent at `sentAt`, then `terminator`: how every system's
    /// producer frames a ticket (a command line, or a length line and the body).
    @inline(__always)
    public static func append(header: [UInt8], sentAt: UInt64, terminator: [UInt8], into bytes: inout [UInt8]) {
        bytes.append(contentsOf: header)
        append(sentAt: sentAt, into: &bytes)
        bytes.append(contentsOf: terminator)
    }

    static let crlf: [UInt8] = [13, 10]

    /// The send time written in a ticket found anywhere in `line`, or nil if none is there.
    public static func sentAt(in line: UnsafeBufferPointer<UInt8>) -> UInt64? {
        guard let start = LineBytes.find(marker, in: line) else { return nil }
        return LineBytes.integer(in: line, from: start + marker.count)
    }

    /// Appends `value` in decimal, left-padded with zeros to `width` digits.
    @inline(__always)
    static func appendDigits(_ value: UInt64, width: Int, into bytes: inout [UInt8]) {
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48)
        var remaining = value
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[19 - count] = UInt8(48 + remaining % 10)
                remaining /= 10
                count += 1
            } while remaining > 0
            let shown = max(count, min(width, 20))
            bytes.append(contentsOf: buffer[(20 - shown)...])
        }
    }

    /// Appends `value` in decimal.
    @inline(__always)
    static func appendDecimal(_ value: Int, into bytes: inout [UInt8]) {
        appendDigits(UInt64(value), width: 1, into: &bytes)
    }
}

/// Small scans over a line's bytes, with no allocation: the adapters parse every reply with them.
enum LineBytes {
    /// Whether `line` starts with `prefix`.
    @inline(__always)
    static func hasPrefix(_ line: UnsafeBufferPointer<UInt8>, _ prefix: [UInt8]) -> Bool {
        guard line.count >= prefix.count else { return false }
        for index in prefix.indices where line[index] != prefix[index] { return false }
        return true
    }

    /// The position of the first occurrence of `needle` in `line`.
    static func find(_ needle: [UInt8], in line: UnsafeBufferPointer<UInt8>, from start: Int = 0) -> Int? {
        guard let first = needle.first, line.count >= needle.count else { return nil }
        var position = start
        while position + needle.count <= line.count {
            if line[position] == first {
                var matched = 1
                while matched < needle.count && line[position + matched] == needle[matched] { matched += 1 }
                if matched == needle.count { return position }
            }
            position += 1
        }
        return nil
    }

    /// The unsigned decimal number starting at `start`, or nil when no digit is there.
    static func integer(in line: UnsafeBufferPointer<UInt8>, from start: Int) -> UInt64? {
        var position = start
        var value: UInt64 = 0
        while position < line.count, line[position] >= 48, line[position] <= 57 {
            value = value &* 10 &+ UInt64(line[position] - 48)
            position += 1
        }
        return position > start ? value : nil
    }

    /// The number right after `key` (e.g. `ticket=`) anywhere in the line.
    static func integer(after key: [UInt8], in line: UnsafeBufferPointer<UInt8>) -> UInt64? {
        guard let found = find(key, in: line) else { return nil }
        return integer(in: line, from: found + key.count)
    }

    /// The line as text, for error messages (cut to 200 bytes).
    static func text(_ line: UnsafeBufferPointer<UInt8>) -> String {
        String(decoding: line.prefix(200), as: UTF8.self)
    }
}
