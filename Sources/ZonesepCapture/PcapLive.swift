import CPcap
import ZonesepCore

#if canImport(Glibc)
    import Glibc
#endif

/// How a live capture is opened.
public struct LiveCaptureOptions: Sendable {
    /// Bytes kept of each frame. Only headers are decoded, and in immediate mode every ring slot is this
    /// big (on an interface with receive offload, libpcap does not shrink it to the MTU): 262144 would leave
    /// a 32 MiB ring 128 slots, and a sensor that drops. 2048 keeps every header, and whole frames of a
    /// 1500-byte MTU.
    public var snapLength: Int = 2048
    /// The kernel ring buffer of this handle in bytes (nil: libpcap's default, 2 MB).
    public var bufferSize: Int? = nil
    /// A mirror port carries other hosts' frames: without promiscuous mode the NIC drops them.
    public var promiscuous = true
    /// Deliver each packet at once instead of when a ring block fills, so an alert is not held back.
    public var immediate = true
    /// A BPF expression (tcpdump syntax); nil captures everything.
    public var filter: String? = nil

    public init() {}
}

/// The kernel's counts for one handle, from `pcap_stats`, widened to 64 bits across libpcap's 32-bit wrap.
public struct KernelStats: Sendable, Equatable {
    /// Packets that passed the filter (on Linux, including those then dropped).
    public var received: UInt64 = 0
    /// Packets the kernel dropped because the ring buffer was full: the sensor fell behind.
    public var dropped: UInt64 = 0
    /// Packets the interface (driver) dropped, where the platform reports it.
    public var interfaceDropped: UInt64 = 0

    public init(received: UInt64 = 0, dropped: UInt64 = 0, interfaceDropped: UInt64 = 0) {
        self.received = received
        self.dropped = dropped
        self.interfaceDropped = interfaceDropped
    }

    public static func + (a: KernelStats, b: KernelStats) -> KernelStats {
        KernelStats(
            received: a.received &+ b.received, dropped: a.dropped &+ b.dropped,
            interfaceDropped: a.interfaceDropped &+ b.interfaceDropped)
    }
}

/// A live capture on a network interface: promiscuous, immediate, non-blocking, with a selectable
/// descriptor so the caller can wait on it together with its own wake-ups (signals, reloads, stop).
///
/// Not thread-safe: one thread owns a handle from open to close. Several handles on one interface can
/// share the packets with `joinFanout(group:)`.
public final class PcapLive {
    public let interface: String
    let handle: OpaquePointer
    /// The link type as libpcap reports it (`pcap_datalink`).
    public let dataLink: Int32
    /// The decoder's link type, or nil when zonesep does not decode this one.
    public let linkType: LinkType?
    /// Becomes readable when packets are waiting (`pcap_get_selectable_fd`).
    public let selectableDescriptor: Int32
    /// The last raw `pcap_stats` values and the 64-bit totals built from them.
    var lastRaw: (UInt32, UInt32, UInt32) = (0, 0, 0)
    var totals = KernelStats()

    /// Opens and activates `interface`, then installs the filter; every failure names what to fix.
    public init(interface: String, options: LiveCaptureOptions) throws(PcapError) {
        self.interface = interface
        var errbuf = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        guard let h = pcap_create(interface, &errbuf) else {
            throw PcapError(call: "pcap_create", source: interface, message: PcapFile.string(errbuf))
        }
        handle = h
        pcap_set_snaplen(h, Int32(clamping: options.snapLength))
        pcap_set_promisc(h, options.promiscuous ? 1 : 0)
        pcap_set_immediate_mode(h, options.immediate ? 1 : 0)
        // Without immediate mode, a short timeout still bounds how long a packet waits in the ring.
        pcap_set_timeout(h, 100)
        pcap_set_tstamp_precision(h, Int32(PCAP_TSTAMP_PRECISION_MICRO))
        if let size = options.bufferSize { pcap_set_buffer_size(h, Int32(clamping: size)) }

        let rc = pcap_activate(h)
        if rc < 0 {
            let error = PcapLive.activationError(rc, interface: interface, detail: String(cString: pcap_geterr(h)))
            pcap_close(h)
            throw error
        }
        dataLink = pcap_datalink(h)
        linkType = LinkType(dlt: dataLink)

        if let expression = options.filter {
            if let error = PcapLive.install(filter: expression, on: h, interface: interface) {
                pcap_close(h)
                throw error
            }
        }
        if pcap_setnonblock(h, 1, &errbuf) != 0 {
            pcap_close(h)
            throw PcapError(call: "pcap_setnonblock", source: interface, message: PcapFile.string(errbuf))
        }
        let fd = pcap_get_selectable_fd(h)
        if fd < 0 {
            pcap_close(h)
            throw PcapError(call: "pcap_get_selectable_fd", source: interface, message: "no selectable descriptor")
        }
        selectableDescriptor = fd
    }

    deinit { pcap_close(handle) }

    /// libpcap's name for the link type (`EN10MB`, `LINUX_SLL2`, ...), or its number.
    public var dataLinkName: String { ZonesepCapture.dataLinkName(dataLink) }

    /// What one non-blocking read produced.
    public enum ReadResult {
        case frame(CapturedFrame)
        /// Nothing waiting: poll `selectableDescriptor` before reading again.
        case empty
        /// The capture failed (the interface went away): nothing more will come from this handle.
        case error(PcapError)
    }

    /// Reads the next waiting frame without blocking.
    public func next() -> ReadResult {
        switch PcapNext.read(handle, source: interface) {
        case .frame(let f): return .frame(f)
        case .nothing: return .empty
        case .error(let e): return .error(e)
        }
    }

    /// The kernel's counts since the handle was opened, less the copies `joinFanout` discarded. libpcap's are
    /// 32-bit and wrap; they are widened here from the difference to the previous call, so call this at least
    /// every few minutes.
    public func stats() -> KernelStats? {
        var s = pcap_stat()
        guard pcap_stats(handle, &s) == 0 else { return nil }
        totals.received &+= UInt64(s.ps_recv &- lastRaw.0)
        totals.dropped &+= UInt64(s.ps_drop &- lastRaw.1)
        totals.interfaceDropped &+= UInt64(s.ps_ifdrop &- lastRaw.2)
        lastRaw = (s.ps_recv, s.ps_drop, s.ps_ifdrop)
        var counted = totals
        counted.received &-= min(discarded, counted.received)
        return counted
    }

    /// Frames a fanout member read and threw away at its join (`joinFanout`): copies another member judged,
    /// left out of `received` so that it counts what this handle judged plus what the kernel dropped.
    private var discarded: UInt64 = 0

    /// At the stop: the socket takes no more frames (a filter that keeps none replaces the capture's), so
    /// once the ring is read empty, `stats()` counts exactly what was read plus what the kernel dropped.
    /// A frame the filter refuses is not counted as received. False when the kernel refuses the filter.
    public func stopIntake() -> Bool {
        var rejectAll = [bpf_insn(code: UInt16(BPF_RET | BPF_K), jt: 0, jf: 0, k: 0)]
        return rejectAll.withUnsafeMutableBufferPointer { b in
            var program = SocketProgram(length: 1, instructions: b.baseAddress)
            return setsockopt(
                pcap_fileno(handle), SOL_SOCKET, SO_ATTACH_FILTER, &program,
                socklen_t(MemoryLayout<SocketProgram>.size)) == 0
        }
    }

    // MARK: - Fanout

    // From <linux/if_packet.h> and <linux/socket.h>; stable kernel ABI, defined here so the CPcap shim stays
    // one line.
    static let solPacket: Int32 = 263  // SOL_PACKET
    static let packetFanout: Int32 = 18  // PACKET_FANOUT
    static let fanoutCBPF: UInt32 = 6  // PACKET_FANOUT_CBPF: by a classic BPF program's result
    static let packetFanoutData: Int32 = 22  // PACKET_FANOUT_DATA: the program

    /// `struct sock_fprog`: the program's length and its instructions.
    struct SocketProgram {
        var length: UInt16
        var instructions: UnsafeMutablePointer<bpf_insn>?
    }

    /// Joins this handle's socket to a Linux PACKET_FANOUT group shared by `FanoutProgram` (built for the
    /// UDP tunnels on `tunnelPorts`): the kernel then hands each flow's packets, both directions, whatever
    /// tunnels brought them, and the ICMP errors about it, to one member of the group. Every member must use
    /// the same group; each installs the same program (the group keeps one).
    ///
    /// Packets queued before the join were seen by every member; `discardBacklog` drops them from this one
    /// (all but one member should, so no flow is judged twice).
    public func joinFanout(group: UInt16, discardBacklog: Bool, tunnelPorts: TunnelPorts) throws(PcapError) {
        // No PACKET_FANOUT_FLAG_DEFRAG: the kernel would drop fragments that never make a whole datagram
        // (a lost or overlapping one) and hand over the datagram it built instead of the frames on the wire;
        // the program sends every fragment of a flow to one member without it.
        var value: UInt32 = UInt32(group) | (PcapLive.fanoutCBPF << 16)
        let fd = pcap_fileno(handle)
        var rc = setsockopt(fd, PcapLive.solPacket, PcapLive.packetFanout, &value, socklen_t(MemoryLayout<UInt32>.size))
        // The kernel stamps frames by this clock as they arrive: those stamped before now came before the join.
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let joinedAt = Int64(now.tv_sec) * 1_000_000 + Int64(now.tv_nsec) / 1000
        var call = "setsockopt(PACKET_FANOUT)"
        if rc == 0 {
            rc = installFanoutProgram(tunnelPorts)
            call = "setsockopt(PACKET_FANOUT_DATA)"
        }
        if rc != 0 {
            let code = errno
            var message = "cannot join packet fanout group \(group): \(String(cString: strerror(code)))"
            if code == EPERM || code == EACCES {
                message += "; \(PcapLive.capabilityAdvice)"
            }
            throw PcapError(
                call: call, source: interface, message: message,
                kind: code == EPERM || code == EACCES ? .permissionDenied : .other)
        }
        fanoutPorts = tunnelPorts
        guard discardBacklog else { return }
        // Only the copies: under load the ring fills on while it is read, and what came after the join is
        // this member's own share. The first of it is kept for the owner to judge (`takeFirstShared`).
        var n: UInt64 = 0
        reading: while n < 1 << 20 {
            guard case .frame(let f) = next() else { break reading }
            if f.timestampMicros >= joinedAt {
                firstShared = (f.timestampMicros, Array(f.bytes), f.wireLength)
                break reading
            }
            n += 1
        }
        discarded &+= n
    }

    /// The frame that ended the discarding of `joinFanout`, the first of this member's share.
    private var firstShared: (timestampMicros: Int64, bytes: [UInt8], wireLength: Int)?

    /// Hands the frame that ended `joinFanout`'s discarding (if one did) to `judge`, once: the owner calls
    /// it before reading, so that frame is judged first, as it came.
    public func takeFirstShared(_ judge: (CapturedFrame) -> Void) {
        guard let f = firstShared else { return }
        firstShared = nil
        f.bytes.withUnsafeBytes {
            judge(CapturedFrame(timestampMicros: f.timestampMicros, bytes: $0, wireLength: f.wireLength))
        }
    }

    /// The tunnel ports of the fanout program this handle installed; nil when it is in no fanout group.
    public private(set) var fanoutPorts: TunnelPorts?

    /// After a reload that changed `vxlan_ports` or `geneve_ports`: replaces the group's program (one for
    /// the whole group, whichever member sets it) so that frames to the new ports are shared by their
    /// inner hosts as the verifier now opens them. Nothing for a handle in no group; false when the kernel
    /// refuses (the old program stays).
    public func updateFanoutProgram(tunnelPorts: TunnelPorts) -> Bool {
        guard let old = fanoutPorts else { return true }
        if old == tunnelPorts { return true }
        guard installFanoutProgram(tunnelPorts) == 0 else { return false }
        fanoutPorts = tunnelPorts
        return true
    }

    private func installFanoutProgram(_ tunnelPorts: TunnelPorts) -> Int32 {
        var code = FanoutProgram.instructions(for: tunnelPorts).map {
            bpf_insn(code: $0.code, jt: $0.jt, jf: $0.jf, k: $0.k)
        }
        return code.withUnsafeMutableBufferPointer { b in
            var program = SocketProgram(length: UInt16(b.count), instructions: b.baseAddress)
            return setsockopt(
                pcap_fileno(handle), PcapLive.solPacket, PcapLive.packetFanoutData, &program,
                socklen_t(MemoryLayout<SocketProgram>.size))
        }
    }

    // MARK: - Errors

    /// The capability to name when the kernel refuses a capture. CAP_NET_RAW opens the packet socket;
    /// promiscuous mode and PACKET_FANOUT are then options on that socket and need nothing more.
    public static let capabilityAdvice =
        "capturing needs CAP_NET_RAW: run as root, or grant it "
        + "(setcap cap_net_raw+ep on the binary, or AmbientCapabilities=CAP_NET_RAW as scripts/zonesep.service does)"

    static func activationError(_ rc: Int32, interface: String, detail: String) -> PcapError {
        let detail = detail.isEmpty ? "" : " (libpcap: \(detail))"
        switch rc {
        case PCAP_ERROR_NO_SUCH_DEVICE:
            let names = interfaceNames()
            let known = names.isEmpty ? "" : "; interfaces here: \(names.joined(separator: ", "))"
            return PcapError(
                call: "pcap_activate", source: interface,
                message: "no such interface \"\(interface)\"\(known)\(detail)", kind: .noSuchInterface)
        case PCAP_ERROR_PERM_DENIED, PCAP_ERROR_PROMISC_PERM_DENIED:
            let what = rc == PCAP_ERROR_PROMISC_PERM_DENIED ? "promiscuous mode" : "a capture"
            return PcapError(
                call: "pcap_activate", source: interface,
                message: "permission denied opening \(what): \(capabilityAdvice)\(detail)", kind: .permissionDenied)
        case PCAP_ERROR_IFACE_NOT_UP:
            return PcapError(
                call: "pcap_activate", source: interface,
                message: "interface is down: bring it up (ip link set \(interface) up)\(detail)", kind: .interfaceDown)
        default:
            return PcapError(
                call: "pcap_activate", source: interface,
                message: "cannot start a capture (error \(rc))\(detail)")
        }
    }

    /// Compiles and installs `expression`; nil when it is in place.
    static func install(filter expression: String, on h: OpaquePointer, interface: String) -> PcapError? {
        var program = bpf_program()
        if pcap_compile(h, &program, expression, 1, PCAP_NETMASK_UNKNOWN) != 0 {
            return PcapError(
                call: "pcap_compile", source: interface,
                message: "BPF expression \"\(expression)\" does not compile: \(String(cString: pcap_geterr(h)))",
                kind: .filter)
        }
        defer { pcap_freecode(&program) }
        if pcap_setfilter(h, &program) != 0 {
            return PcapError(
                call: "pcap_setfilter", source: interface,
                message: "BPF expression \"\(expression)\" cannot be installed: \(String(cString: pcap_geterr(h)))",
                kind: .filter)
        }
        return nil
    }

    /// The names of the capture devices libpcap knows (for telling a typo from a missing NIC).
    public static func interfaceNames() -> [String] {
        var errbuf = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        var list: UnsafeMutablePointer<pcap_if_t>? = nil
        guard pcap_findalldevs(&list, &errbuf) == 0, let first = list else { return [] }
        defer { pcap_freealldevs(first) }
        var names: [String] = []
        var cursor: UnsafeMutablePointer<pcap_if_t>? = first
        while let d = cursor {
            if let n = d.pointee.name {
                let name = String(cString: n)
                // libpcap's pseudo-devices are not interfaces an operator would mean.
                if !["any", "nflog", "nfqueue", "dbus-system", "dbus-session"].contains(name)
                    && !name.hasPrefix("bluetooth")
                {
                    names.append(name)
                }
            }
            cursor = d.pointee.next
        }
        return names
    }
}
