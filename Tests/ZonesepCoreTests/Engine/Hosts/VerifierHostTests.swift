import XCTest

@testable import ZonesepCore

/// The verifier's side of the host rules: which packets reach the host table, through the fast lane and the
/// general way, and what the flow entries keep of it.
final class VerifierHostTests: XCTestCase {
    typealias F = EngineFrames
    static func p(_ s: String...) -> [IPPrefix] { s.compactMap { IPPrefix($0) } }
    static let policy = Policy(
        PolicyConfig(
            zones: [
                Zone(id: "mynumber", kind: .mynumber, networks: p("10.10.0.0/16", "fd00:10::/48"), vlans: [110]),
                Zone(id: "lgwan", kind: .lgwan, networks: p("10.20.0.0/16"), vlans: [120]),
                Zone(id: "internet", kind: .internet, networks: p("10.30.0.0/16"), vlans: [130]),
            ]))

    final class Sink: EventSink {
        let interests: EventInterests
        var findings: [HostFinding] = []
        /// Every event's kind, whatever was asked for.
        var kinds: [EngineEvent.Kind] = []
        init(interests: EventInterests = [.hostFindings]) { self.interests = interests }
        func consume(_ batch: EventBatch) {
            kinds += batch.events.map(\.kind)
            findings += batch.events.compactMap { batch.hostFinding(of: $0) }
        }
    }

    /// Feeds frames in batches of `batch` (1: through `process(timestamp:)`), the i-th at t0 + i µs, returns
    /// the findings.
    func run(_ frames: [[UInt8]], batch: Int, verifier: Verifier? = nil, sink: Sink = Sink()) -> [HostFinding] {
        let t0: Int64 = 1_800_000_000_000_000
        let timed = frames.enumerated().map { (time: t0 + Int64($0.offset), bytes: $0.element) }
        return run(timed: timed, batch: batch, verifier: verifier, sink: sink)
    }

    /// Feeds frames with their own times (microseconds) in batches of `batch` (1: through
    /// `process(timestamp:)`, the general way for every frame), returns the findings.
    func run(
        timed frames: [(time: Int64, bytes: [UInt8])], batch: Int, verifier: Verifier? = nil, sink: Sink = Sink()
    ) -> [HostFinding] {
        let v = verifier ?? Verifier(policy: Self.policy, flowCapacity: 64, sink: sink)
        if batch == 1 {
            for f in frames {
                _ = f.bytes.withUnsafeBytes {
                    v.process(timestamp: f.time, bytes: $0, wireLength: f.bytes.count, linkType: .ethernet)
                }
            }
            return sink.findings
        }
        v.process(timed: frames, inBatchesOf: batch)
        return sink.findings
    }

    /// A mynumber host on the LGWAN VLAN that announces its address (ARP, or an IPv6 neighbour
    /// advertisement) on that VLAN before its first IP packet: the announcement is not held to the zone's
    /// VLANs, and must not make the IP packet, which is, look like a repeat. Either order, one finding.
    func testTheVLANIsCheckedWhicheverSightingCameFirst() {
        let pc: UInt64 = 0x02_00_00_10_02_02
        let pcText = "02:00:00:10:02:02"
        let tag = [(tpid: UInt16(0x8100), vid: UInt16(120))]
        let arp = Build.ethernet(
            dst: 0xff_ff_ff_ff_ff_ff, src: pc, tags: tag, type: 0x0806,
            Build.arp(operation: 1, senderMAC: pc, senderIP: "10.10.2.2", targetIP: "10.10.2.1"))
        let ip4 = F.tcpFrame("10.10.2.2", 40004, "10.10.1.53", 445, flags: 0x02, vlans: [120], srcMAC: pcText)
        let na = Build.ethernet(
            dst: 0x33_33_00_00_00_01, src: pc, tags: tag, type: 0x86dd,
            Build.ipv6(
                src: "fe80::2", dst: "ff02::1", next: 58,
                Build.neighborAdvertisement(target: "fd00:10::2:2", optionMAC: pc)))
        let ip6 = Build.ethernet(
            src: pc, tags: tag, type: 0x86dd,
            Build.ipv6(src: "fd00:10::2:2", dst: "fd00:10::53", next: 17, Build.udp(src: 40005, dst: 53, [1, 2, 3, 4])))
        for (name, announce, ip, address) in [("ARP", arp, ip4, "10.10.2.2"), ("NA", na, ip6, "fd00:10::2:2")] {
            for batch in [1, 64] {
                for (order, frames) in [("first", [announce, ip]), ("after", [ip, announce])] {
                    let found = run(frames, batch: batch)
                    let what = "\(name) \(order), batch \(batch)"
                    XCTAssertEqual(found.map(\.rule), [.zoneVLANMismatch], what)
                    XCTAssertEqual(found.first?.mac, MACAddress(rawValue: pc), what)
                    XCTAssertEqual(found.first?.address.ip, IPAddress(address), what)
                    XCTAssertEqual(found.first?.address.vlans, [120], what)
                }
            }
        }
    }

    /// A closed connection's late packet (a straggler: it joins no flow) still shows its sender. Here a
    /// RST from another MAC than the connection's, 20 s after the close, then an Internet-zone datagram
    /// from that MAC: `dual-homed-host`, by the general way and by the batch lanes, whichever comes first.
    func testAStragglersSenderIsSeen() {
        let pc = "02:00:00:20:01:07"
        let server = "02:00:00:20:01:53"
        let other = "02:00:00:20:01:77"
        let t0: Int64 = 1_800_000_000_000_000
        func seg(_ mac: String, _ fromPC: Bool, _ flags: UInt8, vlans: [UInt16] = [120]) -> [UInt8] {
            fromPC
                ? F.tcpFrame("10.20.1.7", 40010, "10.20.1.53", 80, flags: flags, vlans: vlans, srcMAC: mac)
                : F.tcpFrame("10.20.1.53", 80, "10.20.1.7", 40010, flags: flags, vlans: vlans, srcMAC: mac)
        }
        let close = [seg(pc, true, 0x02), seg(server, false, 0x12), seg(pc, true, 0x11), seg(server, false, 0x11)]
        let udp = F.ethernet(
            F.ipv4("10.30.7.7", "10.30.1.53", proto: 17, F.udp(40011, 53)), src: other, vlans: [130])
        // The straggler first, then the datagram; and the other way round.
        for (order, late) in [
            ("straggler first", [seg(other, true, 0x04), udp]), ("datagram first", [udp, seg(other, true, 0x10)]),
        ] {
            let frames =
                close.enumerated().map { (time: t0 + Int64($0.offset) * 1000, bytes: $0.element) }
                + late.enumerated().map { (time: t0 + 20_000_000 + Int64($0.offset) * 1000, bytes: $0.element) }
            for batch in [1, 64] {
                let found = run(timed: frames, batch: batch)
                XCTAssertEqual(found.map(\.rule), [.dualHomedHost], "\(order), batch \(batch)")
                XCTAssertEqual(found.first?.mac, MACAddress(other), "\(order), batch \(batch)")
                XCTAssertEqual(
                    Set(found.first?.addresses.map(\.ip.description) ?? []), ["10.20.1.7", "10.30.7.7"],
                    "\(order), batch \(batch)")
            }
        }
    }

    /// What the batch loop predicts a new flow's first frame will tell the host table (`Verifier.newSender`,
    /// whose seen-cache slot and host-index slot it asks for ahead) is what that frame does tell it: the
    /// source MAC of the innermost Ethernet header, the source address (either side of the flow key), and
    /// the flow's VLANs without the virtual-network flag. (Only frames the batch's first pass reads as
    /// common, plain or in one tunnel, reach it: a double-tagged frame goes the general way.)
    func testNewSenderIsWhatTheHostTableHears() throws {
        let frames: [(String, [UInt8])] = [
            (
                "source is side A",
                F.tcpFrame("10.20.3.4", 5000, "10.30.9.9", 445, flags: 0x02, srcMAC: "02:00:00:00:01:01")
            ),
            (
                "source is side B",
                F.tcpFrame("10.30.9.9", 445, "10.20.3.4", 5000, flags: 0x12, srcMAC: "02:00:00:00:01:02")
            ),
            (
                "a VLAN tag",
                F.tcpFrame(
                    "10.20.3.5", 5000, "10.20.9.9", 80, flags: 0x02, vlans: [120], srcMAC: "02:00:00:00:01:03",
                    dstMAC: "02:00:00:00:01:99")
            ),
            (
                "inside VXLAN",
                F.vxlan(
                    F.tcpFrame("10.30.3.6", 5000, "10.20.9.9", 80, flags: 0x02, srcMAC: "02:00:00:00:01:04"), vni: 42)
            ),
            (
                "inside ERSPAN, tagged",
                F.erspanII(
                    F.tcpFrame(
                        "10.20.3.7", 6000, "10.20.3.1", 22, flags: 0x02, vlans: [120], srcMAC: "02:00:00:00:01:05"))
            ),
        ]
        for (name, frame) in frames {
            let sender: (mac: UInt64, address: IPAddress, vlans: UInt32) = try frame.withUnsafeBytes { b in
                var f = CommonFrame()
                var ethernetAt = 0
                if CommonFrameDecoder.read(b, tunnelPorts: .standard, into: &f) != .common {
                    XCTAssertTrue(
                        CommonTunnelDecoder.decode(b, tunnelPorts: .standard, into: &f, innerEthernet: &ethernetAt),
                        name)
                }
                let (key, fromA) = FlowKey.canonical(
                    src: f.src, srcPort: f.srcPort, dst: f.dst, dstPort: f.dstPort, proto: f.proto, vlans: f.vlans,
                    vni: f.vni)
                return Verifier.newSender(
                    key: key, fromA: fromA, frame: try XCTUnwrap(b.baseAddress), ethernetAt: ethernetAt)
            }
            let v = Verifier(policy: Self.policy, flowCapacity: 64)
            _ = run([frame], batch: 64, verifier: v)
            XCTAssertEqual(v.activeFlows, 1, name)
            XCTAssertTrue(
                v.seenCacheHolds(mac: sender.mac, address: sender.address, vlans: sender.vlans),
                "\(name): the observation made is the one predicted")
            let held = v.hostTable.addresses(of: MACAddress(rawValue: sender.mac))
            XCTAssertEqual(held.map(\.ip), [sender.address], name)
            XCTAssertEqual(
                held.map { UInt32($0.vlanCount) << 24 | UInt32($0.vlanOuter) << 12 | UInt32($0.vlanInner) },
                [sender.vlans], name)
        }
    }

    /// A flow of a known MAC, then the same flow's packets from another MAC that also sends from the
    /// Internet zone: the second MAC is found though its LGWAN packets took the fast lane of a known flow.
    func testAnotherMACOnAKnownFlowIsSeen() {
        let x = "02:00:00:00:00:0a"
        let y = "02:00:00:00:00:0b"
        var frames: [[UInt8]] = []
        for _ in 0..<3 {
            frames.append(F.tcpFrame("10.20.3.4", 5000, "10.20.9.9", 445, flags: 0x10, vlans: [120], srcMAC: x))
        }
        frames.append(F.tcpFrame("10.20.3.4", 5000, "10.20.9.9", 445, flags: 0x10, vlans: [120], srcMAC: y))
        frames.append(F.tcpFrame("10.30.3.4", 5001, "10.30.9.9", 445, flags: 0x02, vlans: [130], srcMAC: y))
        for batch in [1, 2, 64] {
            let found = run(frames, batch: batch)
            XCTAssertEqual(found.map(\.rule), [.dualHomedHost], "batch \(batch)")
            XCTAssertEqual(found.first?.mac, MACAddress(y), "batch \(batch)")
            XCTAssertEqual(found.first?.addresses.map(\.ip.description), ["10.20.3.4", "10.30.3.4"])
        }
    }

    /// Both sides of a flow are sources: the responder's address is recorded from its own packets.
    func testTheResponderSideIsSeenToo() {
        let pc = "02:00:00:00:00:0c"
        let frames = [
            F.tcpFrame("10.30.3.4", 5000, "10.20.9.9", 445, flags: 0x02, srcMAC: "02:00:00:00:00:0d", dstMAC: pc),
            F.tcpFrame("10.20.9.9", 445, "10.30.3.4", 5000, flags: 0x12, srcMAC: pc, dstMAC: "02:00:00:00:00:0d"),
            F.tcpFrame("10.20.9.9", 445, "10.30.3.4", 5000, flags: 0x10, srcMAC: pc, dstMAC: "02:00:00:00:00:0d"),
            F.udpFrame("10.30.7.7", 53, "10.30.3.4", 53),  // 02:00:00:00:00:01: one tier only
        ]
        let pcFrame = F.tcpFrame("10.30.8.8", 6000, "10.30.9.9", 80, flags: 0x02, srcMAC: pc)
        for batch in [1, 64] {
            let found = run(frames + [pcFrame], batch: batch)
            XCTAssertEqual(found.map(\.mac), [MACAddress(pc)!], "batch \(batch)")
        }
    }

    /// The mark kept in the flow entry's MAC fields never shows in alerts.
    func testAlertsKeepTheirMACs() throws {
        let v = Verifier(policy: Self.policy, flowCapacity: 64)
        let frame = F.tcpFrame("10.20.3.4", 5000, "10.30.9.9", 445, flags: 0x02, srcMAC: "02:00:00:00:00:0a")
        let alert = try XCTUnwrap(
            frame.withUnsafeBytes { v.process(timestamp: 1, bytes: $0, wireLength: frame.count, linkType: .ethernet) })
        XCTAssertEqual(alert.srcMAC, MACAddress("02:00:00:00:00:0a"))
        let e = try XCTUnwrap((0..<v.flows.capacity).lazy.map { v.flows[$0] }.first { $0.serial == alert.flowSerial })
        XCTAssertEqual(e.macA & FlowEntry.hostSeen | e.macB & FlowEntry.hostSeen, FlowEntry.hostSeen)
        XCTAssertEqual(Alert(flow: e)?.srcMAC, MACAddress("02:00:00:00:00:0a"))
    }

    /// ICMP errors: the flow is the quoted packet's, but the error's own sender is a source too.
    func testICMPErrorSenderIsSeen() {
        let r = "02:00:00:00:00:0e"
        let quoted = F.ipv4("10.20.3.4", "10.30.9.9", proto: 17, F.udp(5000, 53))
        let frames = [
            F.ethernet(F.ipv4("10.20.0.1", "10.20.3.4", proto: 1, F.icmpError(quoting: quoted)), src: r),
            F.ethernet(F.ipv4("10.30.0.1", "10.30.3.4", proto: 1, F.icmpError(quoting: quoted)), src: r),
        ]
        XCTAssertEqual(run(frames, batch: 64).map(\.mac), [MACAddress(r)!])
    }

    /// A priority tag (VLAN id 0, 802.1p only, as IP phones send) puts the frame in no VLAN: not checked
    /// against the zone's `vlans`, like an untagged frame; a real tag of another zone's VLAN still is.
    func testPriorityTaggedFramesAreNotChecked() {
        let frames = [
            F.tcpFrame("10.20.3.4", 5000, "10.20.9.9", 445, flags: 0x02, vlans: [0]),
            F.tcpFrame("10.20.3.5", 5000, "10.20.9.9", 445, flags: 0x02, vlans: [0, 0]),
            F.tcpFrame("10.20.3.6", 5000, "10.20.9.9", 445, flags: 0x02, vlans: [130]),
        ]
        let findings = run(frames, batch: 64)
        XCTAssertEqual(findings.map(\.rule), [.zoneVLANMismatch])
        XCTAssertEqual(findings.first?.address.ip, IPAddress("10.20.3.6"))
    }

    /// No host findings asked for (a sink that wants only flow starts): counted all the same, no event.
    func testCountedWithoutInterest() {
        let sink = Sink(interests: [.flowStarts])
        let v = Verifier(policy: Self.policy, flowCapacity: 64, sink: sink)
        let frames = [
            F.tcpFrame("10.20.3.4", 5000, "10.20.9.9", 445, flags: 0x02, vlans: [130]),
            F.tcpFrame("10.10.3.4", 5000, "10.10.9.9", 445, flags: 0x02, vlans: [110]),
        ]
        XCTAssertEqual(run(frames, batch: 64, verifier: v, sink: sink), [])
        XCTAssertEqual(sink.kinds, [.flowStarted, .flowStarted], "the sink hears what it asked for, and only that")
        XCTAssertEqual(v.counters.count(.zoneVLANMismatch), 1)
        XCTAssertEqual(v.counters.count(.dualHomedHost), 1)
        XCTAssertEqual(v.counters.hostFindings, 2)
    }
}
