import Foundation
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// System tools the live tests drive (iproute2, netcat, ping), found on the usual paths.
enum Tools {
    static func find(_ name: String) -> URL? {
        var dirs = ["/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/sbin", "/usr/local/bin"]
        if let path = ProcessInfo.processInfo.environment["PATH"] {
            dirs += path.split(separator: ":").map(String.init)
        }
        for dir in dirs where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") {
            return URL(fileURLWithPath: "\(dir)/\(name)")
        }
        return nil
    }

    static func require(_ name: String, package: String) throws -> URL {
        guard let url = find(name) else {
            throw HarnessError("\(name) is not installed: apt-get install \(package) (scripts/test installs it)")
        }
        return url
    }

    /// Runs a tool and throws with its stderr unless it exits 0.
    @discardableResult
    static func run(_ tool: URL, _ arguments: [String], timeout: TimeInterval = 20) throws -> ProcessOutcome {
        let outcome = try Harness.run(tool, arguments, timeout: timeout)
        guard outcome.exitedNormally, outcome.status == 0, !outcome.timedOut else {
            throw HarnessError("\(tool.lastPathComponent) \(arguments.joined(separator: " ")): \(outcome.brief)")
        }
        return outcome
    }
}

/// A small switched network built for one test out of Linux network namespaces: a bridge in its own
/// namespace, one namespace per host with a veth into the bridge, and a sensor namespace on a bridge port
/// that sees every frame (the bridge learns nothing — ageing time 0 — so it floods like a hub, which is what
/// a switch's mirror port hands a sensor). Only the addresses given here are used: no traffic leaves.
///
/// Namespaces are named `zsw<pid>-<n>-…` so concurrent runs never collide, and a run that died without its
/// tearDown is cleaned up by the next one.
final class TestNetwork {
    struct Host {
        var name: String
        var namespace: String
        var address: String
    }

    let prefix: String
    let bridgeNamespace: String
    let sensorNamespace: String
    /// The sensor's interface, a bridge port: what `zonesep watch --interface` captures on.
    let sensorInterface = "eth0"
    private(set) var hosts: [String: Host] = [:]
    private var background: [Process] = []
    private var namespaces: [String] = []
    private let ip: URL

    nonisolated(unsafe) private static var counter = 0

    /// Why this machine cannot build the network (not root, no iproute2, namespaces refused), or nil.
    static func skipReason() -> String? {
        if geteuid() != 0 {
            return "creating network namespaces needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN); CI runs as root"
        }
        guard let ip = Tools.find("ip") else { return "iproute2 (`ip`) is not installed; scripts/test installs it" }
        removeLeftovers(ip)
        let probe = "zsw\(getpid())-probe"
        do {
            try Tools.run(ip, ["netns", "add", probe])
        } catch {
            return "this machine refuses to create network namespaces: \(error)"
        }
        defer { _ = try? Tools.run(ip, ["netns", "delete", probe]) }
        do {
            try Tools.run(ip, ["-n", probe, "link", "add", "br0", "type", "bridge"])
            try Tools.run(ip, ["-n", probe, "link", "add", "v0", "type", "veth", "peer", "name", "v1"])
        } catch {
            return "this kernel offers no bridge or veth devices (modules bridge, veth): \(error)"
        }
        return nil
    }

    /// Deletes `zsw<pid>-…` namespaces whose test process no longer exists. A root qdisc on a namespace's
    /// loopback (the syslog buffer test's token bucket) is removed first, which drops what it still holds:
    /// deleting the namespace alone would leave that to drain at the bucket's rate.
    static func removeLeftovers(_ ip: URL) {
        guard let list = try? Tools.run(ip, ["netns", "list"]) else { return }
        let tc = Tools.find("tc")
        for line in list.stdoutLines {
            let name = String(line.split(separator: " ").first ?? "")
            guard name.hasPrefix("zsw"), let pid = Int32(name.dropFirst(3).prefix { $0.isNumber }) else { continue }
            if pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH {
                if let tc { _ = try? Tools.run(tc, ["-n", name, "qdisc", "del", "dev", "lo", "root"]) }
                _ = try? Tools.run(ip, ["netns", "delete", name])
            }
        }
    }

    /// Builds the bridge, the sensor port and one host per (name, IPv4 address); all hosts share 10.0.0.0/8.
    init(hosts specs: [(name: String, address: String)]) throws {
        ip = try Tools.require("ip", package: "iproute2")
        TestNetwork.counter += 1
        prefix = "zsw\(getpid())-\(TestNetwork.counter)"
        bridgeNamespace = "\(prefix)-br"
        sensorNamespace = "\(prefix)-sensor"
        do {
            try addNamespace(bridgeNamespace)
            try ipRun([
                "-n", bridgeNamespace, "link", "add", "br0", "type", "bridge", "ageing_time", "0", "stp_state", "0",
            ])
            try ipRun(["-n", bridgeNamespace, "link", "set", "br0", "up"])
            try plug(sensorNamespace, port: "psensor")
            for (i, spec) in specs.enumerated() {
                let ns = "\(prefix)-\(spec.name)"
                try plug(ns, port: "p\(i)")
                try ipRun(["-n", ns, "addr", "add", "\(spec.address)/8", "dev", "eth0"])
                hosts[spec.name] = Host(name: spec.name, namespace: ns, address: spec.address)
            }
        } catch {
            tearDown()
            throw error
        }
    }

    private func ipRun(_ arguments: [String]) throws { try Tools.run(ip, arguments) }

    private func addNamespace(_ ns: String) throws {
        try ipRun(["netns", "add", ns])
        namespaces.append(ns)
        try ipRun(["-n", ns, "link", "set", "lo", "up"])
    }

    /// A namespace whose eth0 is wired to a new port of the bridge.
    private func plug(_ ns: String, port: String) throws {
        try addNamespace(ns)
        try ipRun(["-n", bridgeNamespace, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns])
        try ipRun(["-n", bridgeNamespace, "link", "set", port, "master", "br0", "up"])
        try ipRun(["-n", ns, "link", "set", "eth0", "up"])
    }

    /// Takes the bridge away as a switch reset or a re-plugged vNIC would: the sensor's port goes with it,
    /// and so does the sensor's interface (the other end of its veth).
    func deleteBridge() throws {
        try ipRun(["-n", bridgeNamespace, "link", "delete", "psensor"])
        try ipRun(["-n", bridgeNamespace, "link", "delete", "br0"])
    }

    /// Builds the bridge again with every host's port, and a new sensor interface under the same name.
    func recreateBridge() throws {
        try ipRun([
            "-n", bridgeNamespace, "link", "add", "br0", "type", "bridge", "ageing_time", "0", "stp_state", "0",
        ])
        try ipRun(["-n", bridgeNamespace, "link", "set", "br0", "up"])
        for i in 0..<hosts.count {
            try ipRun(["-n", bridgeNamespace, "link", "set", "p\(i)", "master", "br0", "up"])
        }
        try ipRun([
            "-n", bridgeNamespace, "link", "add", "psensor", "type", "veth", "peer", "name", sensorInterface, "netns",
            sensorNamespace,
        ])
        try ipRun(["-n", bridgeNamespace, "link", "set", "psensor", "master", "br0", "up"])
        try ipRun(["-n", sensorNamespace, "link", "set", sensorInterface, "up"])
    }

    func host(_ name: String) -> Host {
        guard let h = hosts[name] else { preconditionFailure("no host \(name) in the test network") }
        return h
    }

    /// The argument vector that runs `command` inside `namespace`.
    func inNamespace(_ namespace: String, _ command: [String]) -> (URL, [String]) {
        (ip, ["netns", "exec", namespace] + command)
    }

    /// Runs a command inside a host's namespace to its end.
    func run(on host: String, _ command: [String], timeout: TimeInterval = 20) throws -> ProcessOutcome {
        let (tool, args) = inNamespace(self.host(host).namespace, command)
        return try Harness.run(tool, args, timeout: timeout)
    }

    /// Starts a long-running command (a listener) in a host's namespace; it is killed in `tearDown`.
    func spawn(on host: String, _ command: [String]) throws {
        let (tool, args) = inNamespace(self.host(host).namespace, command)
        let p = Process()
        p.executableURL = tool
        p.arguments = args
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        background.append(p)
    }

    /// Starts `nc -lk` on a host's address and port and waits until it listens (so the first connection is
    /// a complete handshake rather than a reset).
    func listenTCP(on host: String, port: Int) throws {
        let h = self.host(host)
        try spawn(on: host, ["nc", "-l", "-k", h.address, "\(port)"])
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            let ss = try run(on: host, ["ss", "-ltnH", "sport = :\(port)"])
            if !ss.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return }
            usleep(20_000)
        }
        throw HarnessError("nc did not start listening on \(h.address):\(port) in \(h.namespace)")
    }

    /// One TCP connection (handshake and close) from a host to an address and port.
    func connectTCP(from host: String, to address: String, port: Int) throws {
        let o = try run(on: host, ["nc", "-z", "-w", "2", address, "\(port)"])
        guard o.exitedNormally && o.status == 0 else {
            throw HarnessError("nc -z \(address) \(port) from \(host) failed: \(o.brief)")
        }
    }

    /// One UDP datagram, through bash's /dev/udp (no listener needed: the port-unreachable reply joins the flow).
    func sendUDP(from host: String, to address: String, port: Int) throws {
        let o = try run(on: host, ["bash", "-c", "echo zonesep-test > /dev/udp/\(address)/\(port)"])
        guard o.exitedNormally && o.status == 0 else { throw HarnessError("UDP send from \(host) failed: \(o.brief)") }
    }

    /// `count` echo requests; each ping run is one ICMP flow (its own identifier).
    func ping(from host: String, to address: String, count: Int = 2) throws {
        let o = try run(on: host, ["ping", "-n", "-q", "-c", "\(count)", "-i", "0.2", "-W", "2", address])
        guard o.exitedNormally && o.status == 0 else {
            throw HarnessError("ping \(address) from \(host) failed: \(o.brief)")
        }
    }

    /// Kills what was spawned and deletes every namespace (which removes the veths and the bridge).
    func tearDown() {
        for p in background where p.isRunning {
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
        }
        background.removeAll()
        for ns in namespaces.reversed() { _ = try? Tools.run(ip, ["netns", "delete", ns]) }
        namespaces.removeAll()
    }

    deinit { tearDown() }
}

/// `zonesep watch` running in the background, with its stdout and stderr in files and a pid to signal.
final class LiveDaemon {
    let process = Process()
    let stdoutURL: URL
    let stderrURL: URL
    private let exited = DispatchSemaphore(value: 0)
    private var outcome: ProcessOutcome?
    private let out: FileHandle
    private let err: FileHandle

    /// `name` names its output files in `scratch` (`watch.stdout`, `watch.stderr`).
    init(_ executable: URL, _ arguments: [String], scratch: URL, name: String = "watch") throws {
        stdoutURL = scratch.appendingPathComponent("\(name).stdout")
        stderrURL = scratch.appendingPathComponent("\(name).stderr")
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        out = try FileHandle(forWritingTo: stdoutURL)
        err = try FileHandle(forWritingTo: stderrURL)
        process.executableURL = executable
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        let exited = self.exited
        process.terminationHandler = { _ in exited.signal() }
        try process.run()
    }

    func signal(_ s: Int32) { kill(process.processIdentifier, s) }

    var stderrText: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }
    var stdoutText: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }

    /// Waits until stderr holds `text` `count` times; throws (with stderr) when the daemon exits or time runs out.
    func waitForStderr(_ text: String, count: Int = 1, timeout: TimeInterval = 10) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if stderrText.components(separatedBy: text).count - 1 >= count { return }
            if !process.isRunning { break }
            usleep(10_000)
        }
        throw HarnessError(
            "zonesep watch did not write \"\(text)\" (×\(count)) on stderr; running: \(process.isRunning); stderr:\n\(stderrText)"
        )
    }

    /// Waits for the daemon to exit (SIGKILL at the deadline) and returns what it left.
    func waitForExit(timeout: TimeInterval) -> ProcessOutcome {
        if let outcome { return outcome }
        var timedOut = false
        if exited.wait(timeout: .now() + timeout) == .timedOut {
            timedOut = true
            kill(process.processIdentifier, SIGKILL)
            exited.wait()
        }
        try? out.close()
        try? err.close()
        let o = ProcessOutcome(
            status: process.terminationStatus, exitedNormally: process.terminationReason == .exit, timedOut: timedOut,
            stdout: (try? Data(contentsOf: stdoutURL)) ?? Data(), stderr: (try? Data(contentsOf: stderrURL)) ?? Data())
        outcome = o
        return o
    }

    /// For tearDown: ends a daemon a failed test left running.
    func killIfRunning() {
        if process.isRunning { signal(SIGKILL) }
        _ = waitForExit(timeout: 5)
    }
}

/// The records of a JSON Lines alerts file, read while the daemon appends to it.
struct EventFile {
    let url: URL

    /// Complete lines only (a line still being written has no newline yet).
    func records() -> [[String: Any]] {
        guard let data = try? Data(contentsOf: url) else { return [] }
        let text = String(decoding: data, as: UTF8.self)
        guard let lastNewline = text.lastIndex(of: "\n") else { return [] }
        return text[..<lastNewline].split(separator: "\n").compactMap(JSONLines.object)
    }

    func alerts() -> [[String: Any]] { records().filter { $0["event_type"] as? String == "alert" } }

    /// Waits for an alert matching `predicate`; returns it with the wall-clock time it was first seen.
    func waitForAlert(timeout: TimeInterval = 5, _ predicate: ([String: Any]) -> Bool) -> ([String: Any], Date)? {
        let deadline = Date().addingTimeInterval(timeout)
        repeat {
            if let a = alerts().first(where: predicate) { return (a, Date()) }
            usleep(2_000)
        } while Date() < deadline
        return nil
    }

    /// An RFC 3339 UTC timestamp with microseconds (as zonesep writes it) as seconds since the epoch.
    static func seconds(_ timestamp: String) -> Double? {
        let parts = timestamp.dropLast().split(separator: ".")
        guard timestamp.hasSuffix("Z"), parts.count == 2, let micros = Double("0." + parts[1]) else { return nil }
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        guard let whole = f.date(from: parts[0] + "Z") else { return nil }
        return whole.timeIntervalSince1970 + micros
    }
}

/// Watches a file from a thread of its own and notes the wall-clock time each complete line first appeared,
/// so a test can tell how long after a packet its alert was written even while it is still sending traffic.
final class FileTail: @unchecked Sendable {
    let url: URL
    private let lock = NSLock()
    private var seen: [(Substring, Date)] = []
    private var stopped = false
    private var thread: Thread?

    init(_ url: URL) {
        self.url = url
        let t = Thread { [self] in self.loop() }
        thread = t
        t.start()
    }

    private func loop() {
        var consumed = 0
        while !lock.withLock({ stopped }) {
            if let data = try? Data(contentsOf: url), data.count > consumed {
                let now = Date()
                let fresh = data[consumed...]
                if let lastNewline = fresh.lastIndex(of: 0x0a) {
                    let complete = String(decoding: data[consumed...lastNewline], as: UTF8.self)
                    let lines = complete.split(separator: "\n").map { ($0, now) }
                    lock.withLock { seen += lines }
                    consumed = lastNewline + 1
                }
            }
            usleep(1_000)
        }
    }

    /// Every complete line so far with when it was first seen.
    func lines() -> [(Substring, Date)] { lock.withLock { seen } }

    /// Waits for a JSON record matching `predicate`; returns it with when its line appeared in the file.
    func waitForRecord(timeout: TimeInterval, _ predicate: ([String: Any]) -> Bool) -> ([String: Any], Date)? {
        let deadline = Date().addingTimeInterval(timeout)
        repeat {
            for (line, seenAt) in lines() {
                if let record = JSONLines.object(line), predicate(record) { return (record, seenAt) }
            }
            usleep(2_000)
        } while Date() < deadline
        return nil
    }

    func stop() { lock.withLock { stopped = true } }
}
