import CLibSSL
import COpenSSL

#if canImport(Glibc)
    import Glibc
#endif

/// Where `tls://` syslog gets its trust and its identity: the CA that must have signed the collector's
/// certificate, and optionally a client certificate and key (PEM files).
public struct SyslogTLSFiles: Sendable, Equatable {
    public var caFile: String
    public var certFile: String?
    public var keyFile: String?

    public init(caFile: String, certFile: String? = nil, keyFile: String? = nil) {
        self.caFile = caFile
        self.certFile = certFile
        self.keyFile = keyFile
    }
}

/// OpenSSL's client context for RFC 5425 syslog: TLS 1.2 or later, the peer verified against the given
/// CA only (not the system's store), the client certificate loaded and checked against its key. Built
/// once, before any packet is read, so a bad file is a usage error rather than a silent outage.
final class TLSClientContext: @unchecked Sendable {
    let ctx: OpaquePointer

    init(_ files: SyslogTLSFiles) throws(TLSError) {
        // libssl is loaded here, for the first tls:// destination, not at every start (CLibSSL).
        var loadError: UnsafePointer<CChar>?
        guard zonesep_libssl_load(&loadError) == 1 else {
            let reason = loadError.map { String(cString: $0) } ?? "no reason given"
            throw TLSError("cannot load libssl for tls:// (\(reason))")
        }
        guard let c = SSL_CTX_new(TLS_client_method()) else {
            throw TLSError("cannot create a TLS context", queue: true)
        }
        // From here on a throw runs deinit, which frees the context.
        ctx = c
        // SSL_CTX_set_min_proto_version is a macro over SSL_CTX_ctrl.
        guard SSL_CTX_ctrl(ctx, SSL_CTRL_SET_MIN_PROTO_VERSION, Int(TLS1_2_VERSION), nil) == 1 else {
            throw TLSError("cannot require TLS 1.2", queue: true)
        }
        guard SSL_CTX_load_verify_locations(ctx, files.caFile, nil) == 1 else {
            let why = TLSError.queued()
            throw TLSError("--syslog-ca \(files.caFile): cannot load the CA certificates (\(why))")
        }
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nil)
        if let cert = files.certFile, let key = files.keyFile {
            guard SSL_CTX_use_certificate_chain_file(ctx, cert) == 1 else {
                let why = TLSError.queued()
                throw TLSError("--syslog-cert \(cert): cannot load the certificate (\(why))")
            }
            guard SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) == 1 else {
                let why = TLSError.queued()
                throw TLSError("--syslog-key \(key): cannot load the private key (\(why))")
            }
            guard SSL_CTX_check_private_key(ctx) == 1 else {
                throw TLSError("--syslog-key \(key): does not match the certificate \(cert)")
            }
        }
        // Writes may be partial (the sender tracks its offset) and retried from a moved buffer.
        _ = SSL_CTX_ctrl(
            ctx, SSL_CTRL_MODE, Int(SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER), nil)
    }

    deinit { SSL_CTX_free(ctx) }
}

/// One TLS connection over a connected, non-blocking TCP socket, checking that the collector's
/// certificate names `host` (a DNS name, or an IP address against the certificate's IP addresses).
final class TLSSession {
    let ssl: OpaquePointer

    init?(context: TLSClientContext, fd: Int32, host: String) {
        guard let s = SSL_new(context.ctx) else { return nil }
        ssl = s
        SSL_set_fd(ssl, fd)
        if TLSSession.isIPAddress(host) {
            X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host)
        } else {
            SSL_set1_host(ssl, host)
            // SNI (SSL_set_tlsext_host_name is a macro over SSL_ctrl).
            _ = host.withCString {
                SSL_ctrl(
                    ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, Int(TLSEXT_NAMETYPE_host_name),
                    UnsafeMutableRawPointer(mutating: $0))
            }
        }
    }

    deinit { SSL_free(ssl) }

    static func isIPAddress(_ host: String) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 16)
        return inet_pton(AF_INET, host, &buffer) == 1 || inet_pton(AF_INET6, host, &buffer) == 1
    }

    enum Step {
        case done
        case wantRead
        case wantWrite
        case failed(String)
    }

    /// One step of the handshake.
    func handshake() -> Step {
        ERR_clear_error()
        let rc = SSL_connect(ssl)
        if rc == 1 { return .done }
        return step(rc, during: "handshake")
    }

    /// Writes from `bytes`; the number written (> 0), or what to wait for.
    func write(_ bytes: UnsafeRawBufferPointer) -> (Int, Step) {
        ERR_clear_error()
        let n = SSL_write(ssl, bytes.baseAddress, Int32(clamping: bytes.count))
        if n > 0 { return (Int(n), .done) }
        return (0, step(n, during: "write"))
    }

    /// Reads and discards what the collector sent (TLS 1.3 session tickets); true when the collector
    /// closed the connection (close_notify, EOF or an error).
    func peerClosed() -> Bool {
        var scratch = [UInt8](repeating: 0, count: 4096)
        // A few records at most: a collector that keeps talking must not keep the sender reading.
        for _ in 0..<16 {
            ERR_clear_error()
            let n = scratch.withUnsafeMutableBytes { SSL_read(ssl, $0.baseAddress, Int32($0.count)) }
            if n > 0 { continue }
            switch SSL_get_error(ssl, n) {
            case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE: return false
            default: return true
            }
        }
        return false
    }

    /// Bytes handed to the socket so far, records and handshake included: the stream offset the
    /// acknowledgements are compared with.
    var bytesWritten: UInt64 { UInt64(BIO_number_written(SSL_get_wbio(ssl))) }

    /// Sends close_notify (without waiting for the collector's).
    func shutdown() {
        ERR_clear_error()
        _ = SSL_shutdown(ssl)
    }

    func step(_ rc: Int32, during what: String) -> Step {
        let e = SSL_get_error(ssl, rc)
        switch e {
        case SSL_ERROR_WANT_READ: return .wantRead
        case SSL_ERROR_WANT_WRITE: return .wantWrite
        case SSL_ERROR_ZERO_RETURN: return .failed("the collector closed the TLS connection")
        default:
            let verify = SSL_get_verify_result(ssl)
            if verify != X509_V_OK {
                return .failed("certificate not trusted: \(String(cString: X509_verify_cert_error_string(verify)))")
            }
            let queued = TLSError.queued()
            if e == SSL_ERROR_SYSCALL && queued.isEmpty {
                return .failed("TLS \(what): \(errno != 0 ? String(cString: strerror(errno)) : "connection closed")")
            }
            return .failed("TLS \(what) failed: \(queued.isEmpty ? "error \(e)" : queued)")
        }
    }
}

public struct TLSError: Error, Sendable, CustomStringConvertible {
    public var description: String

    init(_ what: String, queue: Bool = false) {
        description = queue ? "\(what): \(TLSError.queued())" : what
    }

    /// OpenSSL's error queue as text (its reason strings), emptied.
    static func queued() -> String {
        var parts: [String] = []
        while true {
            let e = ERR_get_error()
            if e == 0 { break }
            if let r = ERR_reason_error_string(e) {
                parts.append(String(cString: r))
            } else {
                parts.append("error \(e)")
            }
        }
        return parts.joined(separator: "; ")
    }
}
