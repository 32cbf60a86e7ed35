#if canImport(Glibc)
    import Glibc
#endif

/// One open connection to the `/metrics` endpoint, on a non-blocking socket: the request read so far, then
/// the answer still to send, and the moment it is dropped whatever its state. Kept apart so the server's
/// poll loop can move many connections along at once, each as far as its socket lets it.
struct MetricsConnection {
    let fd: Int32
    /// The request line and headers read so far (until the blank line that ends them).
    private(set) var request: [UInt8] = []
    /// The answer, once the request is complete; empty while reading.
    private(set) var answer: [UInt8] = []
    private var sent = 0
    /// Monotonic milliseconds after which the connection is closed, answered or not.
    private(set) var deadline: Int64

    init(fd: Int32, deadline: Int64) {
        self.fd = fd
        self.deadline = deadline
    }

    var isAnswering: Bool { !answer.isEmpty }

    /// The poll events this connection waits for.
    var events: Int16 { Int16(isAnswering ? POLLOUT : POLLIN) }

    enum Step {
        /// Waiting for more bytes, or for room to send.
        case open
        /// The request line and headers are complete: the caller gives the answer with `answer(_:deadline:)`.
        case requestComplete
        /// Answered, closed by the client, failed or too large: close it.
        case done
    }

    /// Reads what the socket holds now.
    mutating func receive(into buffer: inout [UInt8], maxRequest: Int) -> Step {
        while true {
            let got = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if got < 0 {
                if errno == EINTR { continue }
                return errno == EAGAIN || errno == EWOULDBLOCK ? .open : .done
            }
            if got == 0 { return .done }
            let searchFrom = max(0, request.count - 3)
            request.append(contentsOf: buffer[0..<got])
            if Self.headerEnd(request, from: searchFrom) { return .requestComplete }
            if request.count >= maxRequest { return .done }
        }
    }

    /// Sets the answer to send, with the deadline for sending it, and sends what the socket takes now.
    mutating func answer(_ bytes: [UInt8], deadline: Int64) -> Step {
        answer = bytes
        sent = 0
        self.deadline = deadline
        return send()
    }

    /// Sends what the socket takes now; `.done` once all of it is sent or the client is gone.
    mutating func send() -> Step {
        while sent < answer.count {
            let n = answer.withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL))
            }
            if n < 0 {
                if errno == EINTR { continue }
                return errno == EAGAIN || errno == EWOULDBLOCK ? .open : .done
            }
            sent += n
        }
        return .done
    }

    /// Whether the blank line ending the headers is in `data`, looking from `start` on.
    static func headerEnd(_ data: [UInt8], from start: Int = 0) -> Bool {
        guard data.count >= 4 else { return false }
        for i in start...(data.count - 4)
        where data[i] == 13 && data[i + 1] == 10 && data[i + 2] == 13 && data[i + 3] == 10 {
            return true
        }
        return false
    }
}
