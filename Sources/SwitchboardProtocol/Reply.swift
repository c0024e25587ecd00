/// A node's answer to one request. Answers come in request order, so clients may pipeline.
///
///     OK ticket=42                 success, with fields
///     ERR UNKNOWN_TICKET no ticket [42]
///     TICKET id=42 …               a listing: item lines,
///     END                          closed by END
public enum Reply: Hashable, Sendable {
    /// `OK` and its fields.
    case ok([Line.Field])
    /// `ERR CODE message`.
    case error(code: String, message: String)
    /// Item lines, then `END`.
    case listing([Line])

    /// Appends the reply as it goes on the wire, every line ending in `\n`.
    public func write(to out: inout [UInt8]) {
        var writer = LineWriter()
        write(into: &writer)
        writer.append(to: &out)
    }

    /// Writes the reply, every line ending in `\n`, with `writer`.
    public func write(into writer: inout LineWriter) {
        switch self {
        case .ok(let fields):
            writer.verb("OK")
            for field in fields { writer.field(key: field.key, value: field.value) }
            writer.endLine()
        case .error(let code, let message):
            writer.verb(named: "ERR \(code) \(Reply.singleLine(message))")
            writer.endLine()
        case .listing(let items):
            for item in items {
                item.write(into: &writer)
                writer.endLine()
            }
            writer.verb("END")
            writer.endLine()
        }
    }

    /// The lines this reply is written as, without newlines (what `write(to:)` writes).
    public var lines: [String] {
        var bytes: [UInt8] = []
        write(to: &bytes)
        return bytes.split(separator: 0x0A).map { String(decoding: $0, as: UTF8.self) }
    }

    /// An error reply from a protocol error.
    public static func error(_ error: ProtocolError) -> Reply { .error(code: error.code.rawValue, message: error.message) }

    /// Messages are free text to the end of the line, so newlines inside them become spaces.
    static func singleLine(_ message: String) -> String {
        String(message.map { $0 == "\n" || $0 == "\r" ? " " : $0 })
    }

    /// The value of an `OK` field.
    public func value(_ key: String) -> String? {
        guard case .ok(let fields) = self else { return nil }
        return fields.first { $0.key == key }?.value
    }
}

/// Reads replies line by line on the client side, given whether the request expects a listing.
public struct ReplyAssembler: Sendable {
    private var items: [Line] = []

    /// A fresh assembler.
    public init() {}

    /// Feeds one reply line. Returns the reply once it is complete, nil while a listing goes on.
    public mutating func feed(_ text: String, listing: Bool) throws(ProtocolError) -> Reply? {
        if text.hasPrefix("ERR ") || text == "ERR" {
            let rest = text.dropFirst(4)
            let code = rest.prefix { $0 != " " }
            let message = rest.dropFirst(code.count).drop { $0 == " " }
            items.removeAll()
            return .error(code: String(code), message: String(message))
        }
        guard let line = try LineParser.parse(text) else {
            throw ProtocolError(.badSyntax, "empty reply line")
        }
        if listing {
            if line.verb == "END" && line.fields.isEmpty && line.positional.isEmpty {
                defer { items.removeAll() }
                return .listing(items)
            }
            items.append(line)
            return nil
        }
        guard line.verb == "OK" else {
            throw ProtocolError(.badSyntax, "expected OK or ERR, got [\(line.verb)]")
        }
        return .ok(line.fields)
    }
}
