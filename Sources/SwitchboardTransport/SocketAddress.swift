import Glibc

/// An IPv4 or IPv6 address and port, convertible to and from `sockaddr`.
struct SocketAddress: Hashable, Sendable, CustomStringConvertible {
    /// `AF_INET` or `AF_INET6`.
    let family: Int32
    /// 4 bytes (IPv4) or 16 bytes (IPv6), network order.
    let address: [UInt8]
    let port: UInt16
    /// The IPv6 scope (interface) id; 0 for IPv4.
    let scopeID: UInt32

    // MARK: - Building

    /// Parses an IP literal (`127.0.0.1`, `::1`, `[::1]`); nil when it is not one.
    init?(literal host: String, port: UInt16) {
        var text = host
        if text.hasPrefix("[") && text.hasSuffix("]") { text = String(text.dropFirst().dropLast()) }
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            self.init(family: AF_INET, address: withUnsafeBytes(of: &v4) { Array($0) }, port: port, scopeID: 0)
            return
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            self.init(family: AF_INET6, address: withUnsafeBytes(of: &v6) { Array($0) }, port: port, scopeID: 0)
            return
        }
        return nil
    }

    init(family: Int32, address: [UInt8], port: UInt16, scopeID: UInt32) {
        self.family = family
        self.address = address
        self.port = port
        self.scopeID = scopeID
    }

    /// Reads a `sockaddr_in` or `sockaddr_in6`; nil for other families.
    init?(_ pointer: UnsafeRawPointer, length: socklen_t) {
        let family = Int32(pointer.load(as: sockaddr.self).sa_family)
        if family == AF_INET && Int(length) >= MemoryLayout<sockaddr_in>.size {
            var v4 = pointer.loadUnaligned(as: sockaddr_in.self)
            self.init(family: AF_INET, address: withUnsafeBytes(of: &v4.sin_addr) { Array($0) },
                      port: UInt16(bigEndian: v4.sin_port), scopeID: 0)
        } else if family == AF_INET6 && Int(length) >= MemoryLayout<sockaddr_in6>.size {
            var v6 = pointer.loadUnaligned(as: sockaddr_in6.self)
            self.init(family: AF_INET6, address: withUnsafeBytes(of: &v6.sin6_addr) { Array($0) },
                      port: UInt16(bigEndian: v6.sin6_port), scopeID: v6.sin6_scope_id)
        } else {
            return nil
        }
    }

    /// The address as a `sockaddr` for `bind` and `connect`.
    func withSockAddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        if family == AF_INET {
            var v4 = sockaddr_in()
            v4.sin_family = sa_family_t(AF_INET)
            v4.sin_port = port.bigEndian
            withUnsafeMutableBytes(of: &v4.sin_addr) { $0.copyBytes(from: address) }
            return withUnsafePointer(to: &v4) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        var v6 = sockaddr_in6()
        v6.sin6_family = sa_family_t(AF_INET6)
        v6.sin6_port = port.bigEndian
        v6.sin6_scope_id = scopeID
        withUnsafeMutableBytes(of: &v6.sin6_addr) { $0.copyBytes(from: address) }
        return withUnsafePointer(to: &v6) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
        }
    }

    /// The address of a socket's own end (`getsockname`).
    static func local(of fd: Int32) -> SocketAddress? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        return withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } == 0
                ? SocketAddress(UnsafeRawPointer(pointer), length: length) : nil
        }
    }

    // MARK: - Text

    /// The address without the port: `127.0.0.1`, `::1`.
    var hostText: String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let ok = address.withUnsafeBytes { bytes in
            inet_ntop(family, bytes.baseAddress, &buffer, socklen_t(buffer.count)) != nil
        }
        guard ok else { return "?" }
        let text = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return scopeID != 0 ? "\(text)%\(scopeID)" : text
    }

    /// `127.0.0.1:7070` or `[::1]:7070`.
    var description: String {
        family == AF_INET6 ? "[\(hostText)]:\(port)" : "\(hostText):\(port)"
    }

    // MARK: - Resolving

    /// The addresses for a host and port.
    ///
    /// An IP literal is parsed without a lookup. `localhost` means the loopback interface
    /// without a lookup: `127.0.0.1` for listening, and `127.0.0.1` then `::1` for connecting.
    /// Any other name goes through `getaddrinfo` (which may block; a node listens on a literal).
    static func resolve(host: String, port: Int, forListening: Bool) throws(TransportError) -> [SocketAddress] {
        guard (0...65_535).contains(port) else {
            throw TransportError(.badAddress, "port \(port) is out of range; use 0 to 65535 (0 picks a free port)")
        }
        let port = UInt16(port)
        if let literal = SocketAddress(literal: host, port: port) { return [literal] }
        if host.lowercased() == "localhost" {
            let v4 = SocketAddress(literal: "127.0.0.1", port: port)!
            return forListening ? [v4] : [v4, SocketAddress(literal: "::1", port: port)!]
        }
        guard !host.isEmpty else {
            throw TransportError(.badAddress, "the host is empty; give an IP address, 'localhost' or a host name")
        }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_ADDRCONFIG
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        guard status == 0 else {
            let reason = gai_strerror(status).map { String(cString: $0) } ?? "error \(status)"
            throw TransportError(.badAddress, "cannot resolve host [\(host)]: \(reason)")
        }
        defer { freeaddrinfo(list) }
        var found: [SocketAddress] = []
        var entry = list
        while let info = entry {
            if let address = info.pointee.ai_addr,
               let parsed = SocketAddress(UnsafeRawPointer(address), length: info.pointee.ai_addrlen) {
                let withPort = SocketAddress(family: parsed.family, address: parsed.address, port: port, scopeID: parsed.scopeID)
                if !found.contains(withPort) { found.append(withPort) }
            }
            entry = info.pointee.ai_next
        }
        guard !found.isEmpty else {
            throw TransportError(.badAddress, "host [\(host)] has no IPv4 or IPv6 address")
        }
        return found
    }
}
