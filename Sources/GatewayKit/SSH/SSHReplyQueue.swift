/// Keeps replies to a client's channel requests in the order the requests came.
///
/// SSH answers `want-reply` requests strictly in order. Some the gateway answers itself (an
/// environment variable it does not pass on, a denied command), others the upstream server
/// answers later; a reply of its own must wait behind any the server still owes.
struct SSHReplyQueue: Sendable, Equatable {
    private enum Entry: Equatable {
        case upstream
        case local(Bool)
    }

    private var entries: [Entry] = []

    /// A request went upstream with `want-reply`: the server's answer comes in its turn.
    mutating func forwarded() {
        entries.append(.upstream)
    }

    /// The gateway answers a request itself; returns the replies to send now, in order.
    mutating func answer(_ success: Bool) -> [Bool] {
        entries.append(.local(success))
        return drain()
    }

    /// The server answered; returns the replies to send now, in order (empty when the
    /// server answered a request the gateway did not forward with `want-reply`).
    mutating func upstreamAnswered(_ success: Bool) -> [Bool] {
        guard let index = entries.firstIndex(of: .upstream) else { return [] }
        entries[index] = .local(success)
        return drain()
    }

    var isEmpty: Bool { entries.isEmpty }

    private mutating func drain() -> [Bool] {
        var ready: [Bool] = []
        while case .local(let success)? = entries.first {
            ready.append(success)
            entries.removeFirst()
        }
        return ready
    }
}
