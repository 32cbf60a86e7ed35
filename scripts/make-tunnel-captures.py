#!/usr/bin/env python3
"""Writes captures of the demonstration town hall (zones.conf) as a mirror port hands them over wrapped:
each encapsulation zonesep opens, carrying known violations, for the end-to-end tests.

    python3 scripts/make-tunnel-captures.py --out DIR     # one classic pcap per case into DIR
    python3 scripts/make-tunnel-captures.py --list        # prints each file and what it holds

Python 3 standard library only, deterministic (fixed times, no randomness): a rerun is byte-identical.

Every file but the special ones holds the same two flows, wrapped its own way:

    10.20.3.4:51512 -> 10.30.7.8:445 tcp   LGWAN PC to an Internet-zone file share: sanitisation-bypass
    10.20.3.4:53001 -> 10.20.1.53:53 udp   DNS inside the LGWAN zone: allowed, no alert

The tunnels' outer addresses (192.168.255.x) lie in the internal space but in no zone: were zonesep to
judge the tunnel instead of what it carries, it would raise unzoned-host alerts, which the tests would see.
Tests/ZonesepEndToEndTests/TunnelReplayTests.swift holds the expected alerts by hand.
"""

from __future__ import annotations

import argparse
import calendar
import os
import socket
import struct
from packetkit import addr, csum, pseudo

JST = 9 * 3600
T0 = (calendar.timegm((2026, 6, 15, 10, 0, 0)) - JST) * 1_000_000  # 2026-06-15 10:00 JST

OUTER_A = "192.168.255.1"  # the core switch's mirror session source
OUTER_B = "192.168.255.2"  # the sensor
SRV6_A, SRV6_B = "fd00:ff::1", "fd00:ff::2"  # two SRv6 provider edges carrying a layer-2 segment
OUTER_C = "192.168.255.3"  # a second switch mirroring the same traffic
OUTER6_A, OUTER6_B = "fd00:ff::1", "fd00:ff::2"  # the same session over IPv6 (internal, in no zone)
SWITCH_MAC = "02:00:00:ff:00:01"
SENSOR_MAC = "02:00:00:ff:00:02"
PC_MAC = "02:00:00:20:03:04"
SHARE_MAC = "02:00:00:30:07:08"
DNS_MAC = "02:00:00:20:01:35"
CORE_MAC = "02:00:00:00:00:01"  # the demonstration's core switch (zones.conf [[routers]])


# ---------------------------------------------------------------------------------------------------------
# Headers, with correct checksums.


def tcp(src, dst, sport, dport, seq, ack, flags, payload=b"") -> bytes:
    h = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 64240, 0, 0) + payload
    c = csum(pseudo(addr(src), addr(dst), 6, len(h)) + h)
    return h[:16] + struct.pack("!H", c) + h[18:]


def udp(src, dst, sport, dport, payload) -> bytes:
    h = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    c = csum(pseudo(addr(src), addr(dst), 17, len(h)) + h) or 0xFFFF
    return h[:6] + struct.pack("!H", c) + h[8:]


def ipv4(src, dst, proto, payload, ident=1) -> bytes:
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0x4000, 64, proto, 0, addr(src), addr(dst))
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload


def ipv6(src, dst, nh, payload) -> bytes:
    return struct.pack("!IHBB", 0x60000000, len(payload), nh, 64) + addr(src) + addr(dst) + payload


def ipv4_fragments(src, dst, proto, payload, ident, mtu=1500) -> list:
    """The datagram as a router fragments it for `mtu`: pieces of a multiple of 8 bytes, MF on all but the last."""
    size = (mtu - 20) // 8 * 8
    out = []
    for at in range(0, len(payload), size):
        piece = payload[at : at + size]
        more = 0x2000 if at + size < len(payload) else 0
        fields = (0x45, 0, 20 + len(piece), ident, more | at // 8, 64, proto, 0, addr(src), addr(dst))
        h = struct.pack("!BBHHHBBH4s4s", *fields)
        out.append(h[:10] + struct.pack("!H", csum(h)) + h[12:] + piece)
    return out


def ipv6_fragments(src, dst, nh, payload, ident, mtu=1500) -> list:
    """The datagram fragmented at its source for `mtu` (RFC 8200): a fragment header before each piece."""
    size = (mtu - 40 - 8) // 8 * 8
    out = []
    for at in range(0, len(payload), size):
        piece = payload[at : at + size]
        more = 1 if at + size < len(payload) else 0
        out.append(ipv6(src, dst, 44, struct.pack("!BBHI", nh, 0, at | more, ident) + piece))
    return out


def mac(m: str) -> bytes:
    return bytes(int(x, 16) for x in m.split(":"))


def ether(dst: str, src: str, ethertype: int, payload: bytes, tags=()) -> bytes:
    out = mac(dst) + mac(src)
    for tpid, vid in tags:
        out += struct.pack("!HH", tpid, vid)
    return out + struct.pack("!H", ethertype) + payload


def gre(proto: int, payload: bytes, key=None, seq=None) -> bytes:
    flags = (0x2000 if key is not None else 0) | (0x1000 if seq is not None else 0)
    out = struct.pack("!HH", flags, proto)
    if key is not None:
        out += struct.pack("!I", key)
    if seq is not None:
        out += struct.pack("!I", seq)
    return out + payload


def erspan_ii(session: int, frame: bytes, seq=1, vlan=120, en=3) -> bytes:
    """En 3: the frame keeps its tag; En 2: the switch took it off and put it in the VLAN field."""
    header = struct.pack("!II", 1 << 28 | vlan << 16 | en << 11 | session, 0)
    return gre(0x88BE, header + frame, seq=seq)


def erspan_iii(session: int, frame: bytes, seq=1) -> bytes:
    header = struct.pack("!III", 2 << 28 | session, 0x12345678, 1)  # FT 0 (Ethernet), O: a platform subheader
    return gre(0x22EB, header + struct.pack("!II", 3 << 26, 0) + frame, seq=seq)


def etherip(frame: bytes) -> bytes:
    """EtherIP (RFC 3378, IP protocol 97): version 3, then the bridged frame."""
    return struct.pack("!H", 3 << 12) + frame


def srh(nh: int, segments) -> bytes:
    """An IPv6 Segment Routing Header (RFC 8754, routing type 4), segments left 0, before next header `nh`."""
    return struct.pack("!BBBBBBH", nh, 2 * len(segments), 4, 0, len(segments) - 1, 0, 0) + b"".join(
        addr(s) for s in segments
    )


def l2tpv3(session: int, frame: bytes) -> bytes:
    """L2TPv3 over IP (RFC 3931, IP protocol 115): the session id, no cookie, then the frame."""
    return struct.pack("!I", session) + frame


def ah(next_header: int, payload: bytes, spi=0x1001, seq=1) -> bytes:
    """An IP Authentication Header (RFC 4302) with a 96-bit ICV (zeros: nothing checks it)."""
    return struct.pack("!BBHII", next_header, 4, 0, spi, seq) + bytes(12) + payload


def ah_transport(packet: bytes) -> bytes:
    """An IPv4 packet (no options) with an Authentication Header between its header and its payload."""
    ident = struct.unpack("!H", packet[4:6])[0]
    src, dst = socket.inet_ntoa(packet[12:16]), socket.inet_ntoa(packet[16:20])
    return ipv4(src, dst, 51, ah(packet[9], packet[20:]), ident)


def vxlan(vni: int, frame: bytes) -> bytes:
    return struct.pack("!II", 0x08000000, vni << 8) + frame


def geneve(vni: int, frame: bytes) -> bytes:
    option = struct.pack("!HBB", 0x0102, 0x80, 1) + b"\x00\x00\x00\x07"  # class 0x0102, type 0x80, 4 bytes
    return struct.pack("!BBHI", len(option) // 4, 0, 0x6558, vni << 8) + option + frame


def mpls(labels, payload: bytes) -> bytes:
    out = b""
    for i, label in enumerate(labels):
        out += struct.pack("!I", label << 12 | (0x100 if i == len(labels) - 1 else 0) | 64)
    return out + payload


def pppoe(session: int, proto: int, payload: bytes) -> bytes:
    return struct.pack("!BBHHH", 0x11, 0, session, len(payload) + 2, proto) + payload


def outer4(proto: int, payload: bytes, src=OUTER_A, dst=OUTER_B) -> bytes:
    return ether(SENSOR_MAC, SWITCH_MAC, 0x0800, ipv4(src, dst, proto, payload))


def outer6(nh: int, payload: bytes, src=SRV6_A, dst=SRV6_B) -> bytes:
    return ether(SENSOR_MAC, SWITCH_MAC, 0x86DD, ipv6(src, dst, nh, payload))


def outer_udp(dport: int, payload: bytes, sport=49152, src=OUTER_A, dst=OUTER_B) -> bytes:
    return outer4(17, udp(src, dst, sport, dport, payload), src=src, dst=dst)


# ---------------------------------------------------------------------------------------------------------
# The two flows, as IP packets and as the host's own Ethernet frames (VLAN 120).

PC, SHARE, DNS = "10.20.3.4", "10.30.7.8", "10.20.1.53"


def flow_packets(src=PC, dst=SHARE, sport=51512, dport=445):
    """(direction, IP packet) of a TCP handshake from src to dst, then a DNS query and answer."""
    return [
        ("out", ipv4(src, dst, 6, tcp(src, dst, sport, dport, 1000, 0, 0x02), 1)),
        ("in", ipv4(dst, src, 6, tcp(dst, src, dport, sport, 5000, 1001, 0x12), 2)),
        ("out", ipv4(src, dst, 6, tcp(src, dst, sport, dport, 1001, 5001, 0x10), 3)),
        ("dns", ipv4(PC, DNS, 17, udp(PC, DNS, 53001, 53, b"\x12\x34\x01\x00" + bytes(8)), 4)),
        ("dns-back", ipv4(DNS, PC, 17, udp(DNS, PC, 53, 53001, b"\x12\x34\x81\x80" + bytes(8)), 5)),
    ]


def host_frame(direction: str, packet: bytes, tags=((0x8100, 120),), pc_mac=PC_MAC) -> bytes:
    # The share's answers reach the PC's VLAN routed by the core switch, under its MAC (a declared router):
    # the share itself is on the Internet zone's VLAN, not on 120.
    ends = {"out": (SHARE_MAC, pc_mac), "in": (pc_mac, CORE_MAC), "dns": (DNS_MAC, pc_mac), "dns-back": (pc_mac, DNS_MAC)}
    dst, src = ends[direction]
    return ether(dst, src, 0x0800, packet, tags=tags)


def v6_packets():
    a, b = "fd00:20::3:4", "fd00:30::7:8"
    return [
        ("out", ipv6(a, b, 6, tcp(a, b, 51512, 445, 1000, 0, 0x02))),
        ("in", ipv6(b, a, 6, tcp(b, a, 445, 51512, 5000, 1001, 0x12))),
        ("out", ipv6(a, b, 6, tcp(a, b, 51512, 445, 1001, 5001, 0x10))),
    ]


# ---------------------------------------------------------------------------------------------------------
# One file per encapsulation: (file name, link type, description, frames).

EN10MB, PPP, C_HDLC = 1, 9, 104


def wrapped(name, description, wrap, link=EN10MB, packets=None):
    return (name, link, description, [wrap(d, p) for d, p in (packets or flow_packets())])


CASES = [
    wrapped(
        "tunnel-vlan3.pcap", "three VLAN tags (300, 20, 120)",
        lambda d, p: host_frame(d, p, tags=((0x88A8, 300), (0x9100, 20), (0x8100, 120))),
    ),
    wrapped(
        "tunnel-etag.pcap", "802.1BR E-tag, then VLAN 120",
        lambda d, p: host_frame(d, b"", tags=())[:12]
        + struct.pack("!H", 0x893F) + bytes([0x20, 0x05, 0, 0x2A, 0, 0]) + struct.pack("!HHH", 0x8100, 120, 0x0800) + p,
    ),
    wrapped(
        "tunnel-vntag.pcap", "Cisco VN-tag, then VLAN 120",
        lambda d, p: host_frame(d, b"", tags=())[:12]
        + struct.pack("!HI", 0x8926, 0x80110022) + struct.pack("!HHH", 0x8100, 120, 0x0800) + p,
    ),
    wrapped(
        "tunnel-mpls.pcap", "MPLS labels 100 and 2001 on a carrier VLAN 999",
        lambda d, p: ether(SENSOR_MAC, SWITCH_MAC, 0x8847, mpls([100, 2001], p), tags=((0x8100, 999),)),
    ),
    wrapped(
        "tunnel-mpls-pw.pcap", "MPLS labels 100 and 3001, control word, Ethernet pseudowire with VLAN 120",
        lambda d, p: ether(SENSOR_MAC, SWITCH_MAC, 0x8847, mpls([100, 3001], b"\0\0\0\0" + host_frame(d, p))),
    ),
    wrapped(
        "tunnel-pppoe.pcap", "PPPoE session 0x1234 on VLAN 35 between the PC and the core switch (its concentrator)",
        lambda d, p: ether(
            *((PC_MAC, CORE_MAC) if d in ("in", "dns-back") else (CORE_MAC, PC_MAC)), 0x8864,
            pppoe(0x1234, 0x0021, p), tags=((0x8100, 35),),
        ),
    ),
    wrapped("tunnel-gre.pcap", "GRE carrying IPv4", lambda d, p: outer4(47, gre(0x0800, p))),
    wrapped(
        "tunnel-nvgre.pcap", "GRE key 4096, transparent Ethernet with VLAN 120",
        lambda d, p: outer4(47, gre(0x6558, host_frame(d, p), key=4096)),
    ),
    wrapped("tunnel-erspan-i.pcap", "ERSPAN type I", lambda d, p: outer4(47, gre(0x88BE, host_frame(d, p)))),
    wrapped(
        "tunnel-erspan-ii.pcap", "ERSPAN type II session 100, VLAN 120 inside",
        lambda d, p: outer4(47, erspan_ii(100, host_frame(d, p))),
    ),
    wrapped(
        "tunnel-erspan-iii.pcap", "ERSPAN type III session 200 with the platform subheader",
        lambda d, p: outer4(47, erspan_iii(200, host_frame(d, p))),
    ),
    wrapped("tunnel-vxlan.pcap", "VXLAN VNI 5001", lambda d, p: outer_udp(4789, vxlan(5001, host_frame(d, p)))),
    wrapped(
        "tunnel-geneve.pcap", "Geneve VNI 6001 with an option", lambda d, p: outer_udp(6081, geneve(6001, host_frame(d, p)))
    ),
    wrapped("tunnel-ipip.pcap", "IPv4 in IPv4", lambda d, p: outer4(4, p)),
    wrapped(
        "tunnel-6in4.pcap", "IPv6 in IPv4 (the flow over IPv6)", lambda d, p: outer4(41, p), packets=v6_packets()
    ),
    wrapped(
        "tunnel-etherip.pcap", "EtherIP (IP protocol 97) between two sites, VLAN 120 inside",
        lambda d, p: outer4(97, etherip(host_frame(d, p))),
    ),
    wrapped(
        "tunnel-srv6-l2.pcap", "SRv6 layer 2 (IP protocol 143 after a Segment Routing Header), VLAN 120 inside",
        lambda d, p: outer6(43, srh(143, [SRV6_B]) + host_frame(d, p)),
    ),
    wrapped("tunnel-mpls-in-ip.pcap", "MPLS label 2002 in IP (protocol 137)", lambda d, p: outer4(137, mpls([2002], p))),
    wrapped("tunnel-mpls-in-udp.pcap", "MPLS label 2003 in UDP to 6635", lambda d, p: outer_udp(6635, mpls([2003], p))),
    wrapped(
        "tunnel-ah.pcap", "the hosts' own packets signed with AH (IPv4 transport mode), VLAN 120",
        lambda d, p: host_frame(d, ah_transport(p)),
    ),
    wrapped("tunnel-ah-tunnel.pcap", "AH tunnel mode over IPv4 (next header 4)", lambda d, p: outer4(51, ah(4, p))),
    wrapped(
        "tunnel-erspan-ii-en2.pcap", "ERSPAN II session 100, En 2: VLAN 120 in the header, the frame untagged",
        lambda d, p: outer4(47, erspan_ii(100, host_frame(d, p, tags=()), vlan=120, en=2)),
    ),
    wrapped("tunnel-ppp.pcap", "link type PPP", lambda d, p: b"\xff\x03\x00\x21" + p, link=PPP),
    wrapped("tunnel-chdlc.pcap", "link type Cisco HDLC", lambda d, p: b"\x0f\x00\x08\x00" + p, link=C_HDLC),
    wrapped(
        "tunnel-erspan-vxlan.pcap", "VXLAN VNI 5001 between two hypervisors, mirrored by ERSPAN II session 100",
        lambda d, p: outer4(
            47, erspan_ii(100, outer_udp(4789, vxlan(5001, host_frame(d, p)), src="10.20.0.11", dst="10.20.0.12"))
        ),
    ),
]


def tenants():
    """Two tenants' VXLAN segments reuse one address pair: two flows, two alerts (VNI 100 and 200)."""
    frames = []
    for vni in (100, 200):
        frames += [outer_udp(4789, vxlan(vni, host_frame(d, p))) for d, p in flow_packets()[:3]]
    return ("tunnel-vxlan-tenants.pcap", EN10MB, "VXLAN VNI 100 and 200, the same inner addresses", frames)


def two_sessions():
    """One connection mirrored by two switches (ERSPAN II sessions 1 and 2): one flow, one alert."""
    frames = []
    for d, p in flow_packets()[:3]:
        frames.append(outer4(47, erspan_ii(1, host_frame(d, p))))
        frames.append(outer4(47, erspan_iii(2, host_frame(d, p)), src=OUTER_C))
    return ("tunnel-erspan-two-sessions.pcap", EN10MB, "one connection through ERSPAN sessions 1 and 2", frames)


def conduit_mac():
    """The conduit intermediate-server (10.10.1.5, MAC 02:00:0a:0a:01:05 -> 172.20.9.9 tcp/443) seen through
    ERSPAN: from its own MAC (allowed), then from another (conduit-mac-mismatch). The mirror's outer MACs
    are the switch's and must not count."""
    frames = []
    for pc_mac, sport in (("02:00:0a:0a:01:05", 40001), ("02:00:5e:10:99:05", 40002)):
        for d, p in flow_packets(src="10.10.1.5", dst="172.20.9.9", sport=sport, dport=443)[:3]:
            frames.append(outer4(47, erspan_ii(7, host_frame(d, p, tags=((0x8100, 110),), pc_mac=pc_mac))))
    return ("tunnel-conduit-mac.pcap", EN10MB, "a conduit through ERSPAN, its own MAC then another", frames)


def coverage_mix():
    """Ten frames: what can be judged, what holds no IP, and what cannot be verified (by reason).

    1-3  a TCP handshake inside the LGWAN zone, plain            judged (no alert: same zone)
    4    ARP                                                      no IP
    5-6  PPTP's enhanced GRE (protocol 0x880b) inside the LGWAN   not verified: GRE protocol 0x880b
         zone (judged as the GRE packet it is; same zone)
    7    NSH (EtherType 0x894f)                                   not verified: EtherType 0x894f
    8    VXLAN cut after 4 bytes of its header                    malformed: vxlan-truncated
    9    IP in IP nine deep                                       malformed: encapsulation-too-deep
    10   VXLAN VNI 9 carrying ARP                                 no IP
    """
    a, b = "10.20.3.4", "10.20.9.9"
    frames = [
        ether("02:00:00:20:09:09", PC_MAC, 0x0800, ipv4(a, b, 6, tcp(a, b, 50000, 8080, 1, 0, 0x02))),
        ether(PC_MAC, "02:00:00:20:09:09", 0x0800, ipv4(b, a, 6, tcp(b, a, 8080, 50000, 9, 2, 0x12))),
        ether("02:00:00:20:09:09", PC_MAC, 0x0800, ipv4(a, b, 6, tcp(a, b, 50000, 8080, 2, 10, 0x10))),
        ether("ff:ff:ff:ff:ff:ff", PC_MAC, 0x0806, bytes.fromhex("0001080006040001") + mac(PC_MAC) + addr(a) + bytes(6) + addr(b)),
    ]
    pptp = struct.pack("!HHHHI", 0x3001, 0x880B, 4, 7, 1) + b"\xff\x03\x00\x21"
    frames += [ether("02:00:00:20:09:09", PC_MAC, 0x0800, ipv4(a, b, 47, pptp, 10 + i)) for i in range(2)]
    frames.append(ether(SENSOR_MAC, SWITCH_MAC, 0x894F, bytes.fromhex("0006010300000000") + ipv4(a, b, 17, b"")))
    frames.append(outer_udp(4789, b"\x08\x00\x00\x00"))
    deep = ipv4(a, b, 6, tcp(a, b, 1, 2, 0, 0, 0x02))
    for _ in range(9):
        deep = ipv4(OUTER_A, OUTER_B, 4, deep)
    frames.append(ether(SENSOR_MAC, SWITCH_MAC, 0x0800, deep))
    arp = ether("ff:ff:ff:ff:ff:ff", PC_MAC, 0x0806, bytes.fromhex("0001080006040001") + mac(PC_MAC) + addr(a) + bytes(6) + addr(b))
    frames.append(outer_udp(4789, vxlan(9, arp)))
    return ("tunnel-coverage-mix.pcap", EN10MB, "judged, no-IP and unverifiable frames mixed", frames)


def pseudowires():
    """Ethernet pseudowires without a control word (RFC 4448 makes it optional), whose frames start with
    nibble 0 as a control word does: the demonstration's 02:... MACs with VLAN 120 (label 3002), and vendor
    MACs (Intel 00:1b:21) untagged (label 3003). Then the conduit terminal's own MAC on VLAN 110 (label
    3004): allowed, no conduit-mac-mismatch."""
    TERMINAL = "02:00:0a:0a:01:05"  # the conduit's registered MAC
    tagged = [
        ether(SENSOR_MAC, SWITCH_MAC, 0x8847, mpls([100, 3002], host_frame(d, p))) for d, p in flow_packets()
    ]
    def vendor(frame):  # the same frame between Intel NICs: 02:00:00:xx:xx:xx -> 00:1b:21:xx:xx:xx
        return b"\x00\x1b\x21" + frame[3:6] + b"\x00\x1b\x21" + frame[9:]

    untagged = [
        ether(SENSOR_MAC, SWITCH_MAC, 0x8847, mpls([100, 3003], vendor(host_frame(d, p, tags=()))))
        for d, p in flow_packets()
    ]
    conduit = [
        ether(SENSOR_MAC, SWITCH_MAC, 0x8847, mpls([100, 3004], host_frame(d, p, tags=((0x8100, 110),), pc_mac=TERMINAL)))
        for d, p in flow_packets(src="10.10.1.5", dst="172.20.9.9", sport=40001, dport=443)[:3]
    ]
    return [
        ("tunnel-mpls-pw-nocw.pcap", EN10MB, "MPLS labels 100, 3002: Ethernet pseudowire, no control word", tagged),
        ("tunnel-mpls-pw-nocw-vendor.pcap", EN10MB, "the same untagged, Intel MACs 00:1b:21:..., label 3003", untagged),
        ("tunnel-mpls-pw-nocw-conduit.pcap", EN10MB, "the conduit terminal, pseudowire without control word", conduit),
    ]


def data_segments(count=2):
    """(direction, IP packet): full-size TCP segments of the LGWAN PC's connection to the share, after its
    handshake (1518-byte frames with VLAN 120)."""
    return [
        ("out", ipv4(PC, SHARE, 6, tcp(PC, SHARE, 51512, 445, 1001 + i * 1460, 5001, 0x18, b"AB"[i : i + 1] * 1460), 10 + i))
        for i in range(count)
    ]


def fragmented_mirror():
    """ERSPAN II of full-size frames: the outer datagram (1534 bytes) is fragmented at MTU 1500, over IPv4
    (ids 200...) and over IPv6 (fd00:ff::1 -> fd00:ff::2, a fragment header). The later fragments hold the
    rest of the mirrored frame: they count with its flow, not as fragments without their first."""
    v4, v6 = [], []
    for i, (d, p) in enumerate(flow_packets() + data_segments()):
        inner = erspan_ii(100, host_frame(d, p), seq=i)
        v4 += [ether(SENSOR_MAC, SWITCH_MAC, 0x0800, f) for f in ipv4_fragments(OUTER_A, OUTER_B, 47, inner, 200 + i)]
        v6 += [ether(SENSOR_MAC, SWITCH_MAC, 0x86DD, f) for f in ipv6_fragments(OUTER6_A, OUTER6_B, 47, inner, 300 + i)]
    return [
        ("tunnel-erspan-fragmented.pcap", EN10MB, "ERSPAN II, outer IPv4 fragmented at MTU 1500", v4),
        ("tunnel-erspan-fragmented-v6.pcap", EN10MB, "ERSPAN II over IPv6, outer datagram fragmented", v6),
    ]


def fragmented_unjudged_mirror():
    """ERSPAN II of full-size frames that cannot be judged, the outer IPv4 datagram fragmented at MTU 1500
    (ids 400...): a long LLC frame (no IP), NSH (EtherType 0x894f, not verified), and an IPv4 packet from the
    PC to the share whose total length is shorter than its header (malformed, its addresses read). Each
    later fragment counts as its first fragment's frame did, so the summary's totals still add up."""
    bad = bytearray(ipv4(PC, SHARE, 17, udp(PC, SHARE, 40000, 9999, bytes(1472))))
    bad[2:4] = struct.pack("!H", 10)
    frames = [
        ether(SHARE_MAC, PC_MAC, 1500, bytes([0xF0, 0xF0, 0x03]) + bytes(1497)),
        ether(SHARE_MAC, PC_MAC, 0x894F, bytes(1500)),
        ether(SHARE_MAC, PC_MAC, 0x0800, bytes(bad), tags=((0x8100, 120),)),
    ]
    out = []
    for i, frame in enumerate(frames):
        inner = erspan_ii(100, frame, seq=i)
        out += [ether(SENSOR_MAC, SWITCH_MAC, 0x0800, f) for f in ipv4_fragments(OUTER_A, OUTER_B, 47, inner, 400 + i)]
    return ("tunnel-erspan-fragmented-unjudged.pcap", EN10MB, "ERSPAN II fragmented: no IP, NSH, malformed", out)


def tenant_fragments():
    """Two VXLAN tenants reuse addresses and the IP id: VNI 10 carries a whole fragmented UDP datagram
    (10.20.3.4:40000 -> 10.30.7.8:9999, id 777), VNI 20 only its later fragments (the first was lost). VNI
    20's fragments must not take VNI 10's ports: they are fragments without their first."""
    datagram = udp(PC, SHARE, 40000, 9999, bytes(3000))
    pieces = ipv4_fragments(PC, SHARE, 17, datagram, 777, mtu=1420)
    frames = []
    for vni, kept in ((10, pieces), (20, pieces[1:])):
        frames += [outer_udp(4789, vxlan(vni, ether(SHARE_MAC, PC_MAC, 0x0800, f, tags=((0x8100, 120),)))) for f in kept]
    return ("tunnel-vxlan-tenant-fragments.pcap", EN10MB, "VNI 10 a whole fragmented datagram, VNI 20 its tails", frames)


def erspan_vlan_mismatch():
    """The LGWAN PC's DNS query mirrored by ERSPAN II with En 2 and VLAN 110 (the Mynumber zone's) in the
    header, the frame untagged: the PC is on VLAN 110, which its zone does not list (zone-vlan-mismatch)."""
    d, p = flow_packets()[3]
    frames = [outer4(47, erspan_ii(100, host_frame(d, p, tags=()), vlan=110, en=2))]
    return ("tunnel-erspan-ii-en2-vlan110.pcap", EN10MB, "ERSPAN II En 2, VLAN 110: the LGWAN PC's DNS query", frames)


def l2tpv3_over_ip():
    """L2TPv3 over IP (protocol 115, session 0x1001) between two LGWAN routers, carrying the two flows: not
    opened (its cookie and sublayer are per session), so the outer flow is judged and counted as unopened."""
    frames = [
        outer4(115, l2tpv3(0x1001, host_frame(d, p)), src="10.20.0.11", dst="10.20.0.12") for d, p in flow_packets()
    ]
    return ("tunnel-l2tpv3-ip.pcap", EN10MB, "L2TPv3 over IP between two LGWAN routers (not opened)", frames)


# ---------------------------------------------------------------------------------------------------------
# Tunnels zonesep does not open, between two LGWAN routers (so the outer flow is allowed): each is judged as
# its outer flow and counted in coverage.unopened_tunnels (UnopenedTunnelReplayTests). Encrypted payloads
# are stand-ins: fixed bytes, not real ciphertext.

ROUTER_A, ROUTER_B = "10.20.0.11", "10.20.0.12"
ROUTER6_A, ROUTER6_B = "fd00:20::11", "fd00:20::12"


def ciphertext(seed: int, n: int) -> bytes:
    return bytes((seed * 31 + i * 7) & 0xFF for i in range(n))


def esp(spi: int, seq: int, n=48) -> bytes:
    """An ESP packet (RFC 4303): SPI, sequence number, then what only the endpoints can read."""
    return struct.pack("!II", spi, seq) + ciphertext(spi + seq, n)


def router_udp(sport: int, dport: int, payload: bytes, back=False) -> bytes:
    """UDP between the two routers, A to B (B to A when `back`)."""
    src, dst = (ROUTER_B, ROUTER_A) if back else (ROUTER_A, ROUTER_B)
    return outer4(17, udp(src, dst, sport, dport, payload), src=src, dst=dst)


def unopened_esp():
    """ESP over IPv4 both ways (SPIs 0x1001 and 0x2002: one flow), over IPv6, and after an AH header between
    two other routers (AH signs, ESP encrypts): three esp flows."""
    frames = [
        outer4(50, esp(0x2002 if d in ("in", "dns-back") else 0x1001, i + 1),
               src=ROUTER_B if d in ("in", "dns-back") else ROUTER_A,
               dst=ROUTER_A if d in ("in", "dns-back") else ROUTER_B)
        for i, (d, _) in enumerate(flow_packets())
    ]
    frames += [
        ether(SENSOR_MAC, SWITCH_MAC, 0x86DD, ipv6(ROUTER6_A, ROUTER6_B, 50, esp(0x3003, n))) for n in (1, 2)
    ]
    frames += [outer4(51, ah(50, esp(0x4004, n)), src="10.20.0.13", dst="10.20.0.14") for n in (1, 2)]
    return ("tunnel-esp.pcap", EN10MB, "IPsec ESP over IPv4 (both ways), IPv6 and after AH (not opened)", frames)


def unopened_nat_t():
    """IPsec behind NAT (RFC 3948) on udp/4500: a NAT keepalive, IKE after the non-ESP marker, then ESP in
    UDP both ways, all one flow; and IKE from a NAT's port 40500, a second flow."""
    ike = bytes(4) + ciphertext(1, 8) + bytes(8) + bytes([0, 0x20, 0x23, 0x08]) + struct.pack("!II", 1, 28)
    frames = [
        router_udp(4500, 4500, b"\xff"),
        router_udp(4500, 4500, ike),
        router_udp(4500, 4500, ike, back=True),
        router_udp(4500, 4500, esp(0x5005, 1)),
        router_udp(4500, 4500, esp(0x6006, 1), back=True),
        router_udp(40500, 4500, ike),
    ]
    return ("tunnel-ipsec-nat-t.pcap", EN10MB, "IPsec NAT-T on udp/4500: keepalive, IKE, ESP in UDP (not opened)",
            frames)


def unopened_wireguard():
    """WireGuard's handshake (initiation 148 bytes, response 92) and a transport data message: one flow."""
    frames = [
        router_udp(40001, 51820, bytes([1, 0, 0, 0]) + ciphertext(1, 144)),
        router_udp(51820, 40001, bytes([2, 0, 0, 0]) + ciphertext(2, 88), back=True),
        router_udp(40001, 51820, bytes([4, 0, 0, 0]) + ciphertext(3, 60)),
    ]
    return ("tunnel-wireguard.pcap", EN10MB, "WireGuard on udp/51820 (not opened)", frames)


def unopened_openvpn():
    """OpenVPN over UDP: the client's and the server's hard resets (opcodes 7 and 8), then a data packet."""
    frames = [
        router_udp(40002, 1194, bytes([7 << 3]) + ciphertext(4, 8) + bytes(5)),
        router_udp(1194, 40002, bytes([8 << 3]) + ciphertext(5, 8) + bytes([1]) + bytes(4) + ciphertext(4, 8) + bytes(4),
                   back=True),
        router_udp(40002, 1194, bytes([9 << 3, 0, 0, 1]) + ciphertext(6, 40)),
    ]
    return ("tunnel-openvpn.pcap", EN10MB, "OpenVPN on udp/1194 (not opened)", frames)


def unopened_gre_udp():
    """GRE in UDP (RFC 8086) to 4754 each way carrying the two flows: not opened, two outer flows."""
    frames = [
        router_udp(49152, 4754, gre(0x0800, p), back=d in ("in", "dns-back")) for d, p in flow_packets()
    ]
    return ("tunnel-gre-udp.pcap", EN10MB, "GRE in UDP (udp/4754) between two LGWAN routers (not opened)", frames)


def unopened_lisp():
    """LISP data plane (RFC 9300) to 4341 each way, nonce and instance id set, carrying the two flows: not
    opened, two outer flows."""
    header = bytes([0x88, 0x12, 0x34, 0x56, 0, 0, 0x10, 0])
    frames = [
        router_udp(49152, 4341, header + p, back=d in ("in", "dns-back")) for d, p in flow_packets()
    ]
    return ("tunnel-lisp.pcap", EN10MB, "LISP data (udp/4341) between two LGWAN routers (not opened)", frames)


def routers_overlay():
    """VXLAN (4789, VNI 5001) and Geneve (6081, VNI 6001) each way between two LGWAN routers: opened with the
    default ports; with `vxlan_ports = [8472]` and `geneve_ports = []`, two outer flows of each, counted."""
    def wrap(port, header):
        return [
            router_udp(49152, port, header + host_frame(d, p), back=d in ("in", "dns-back")) for d, p in flow_packets()
        ]
    return [
        ("tunnel-vxlan-routers.pcap", EN10MB, "VXLAN VNI 5001 between two LGWAN routers", wrap(4789, vxlan(5001, b""))),
        ("tunnel-geneve-routers.pcap", EN10MB, "Geneve VNI 6001 between two LGWAN routers", wrap(6081, geneve(6001, b""))),
    ]


def write_pcap(path: str, link: int, frames) -> None:
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, link))
        for i, frame in enumerate(frames):
            t = T0 + i * 1000
            f.write(struct.pack("<IIII", t // 1_000_000, t % 1_000_000, len(frame), len(frame)))
            f.write(frame)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="directory to write the captures into")
    parser.add_argument("--list", action="store_true", help="print each file and what it holds")
    args = parser.parse_args()
    cases = CASES + [tenants(), two_sessions(), conduit_mac(), coverage_mix(), tenant_fragments(), fragmented_unjudged_mirror()]
    cases += pseudowires() + fragmented_mirror() + [erspan_vlan_mismatch(), l2tpv3_over_ip()]
    cases += [unopened_esp(), unopened_nat_t(), unopened_wireguard(), unopened_openvpn(), unopened_gre_udp()]
    cases += [unopened_lisp()] + routers_overlay()
    if args.list or not args.out:
        for name, link, description, frames in cases:
            print(f"{name:34} link {link:3}  {len(frames):2} frames  {description}")
        return
    os.makedirs(args.out, exist_ok=True)
    for name, link, _, frames in cases:
        write_pcap(os.path.join(args.out, name), link, frames)


if __name__ == "__main__":
    main()
