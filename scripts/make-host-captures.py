#!/usr/bin/env python3
"""Writes captures of devices standing in two tiers and hosts on the wrong VLAN, for the host rules
(dual-homed-host, zone-vlan-mismatch), with the zones.conf they are judged by.

    python3 scripts/make-host-captures.py --out DIR     # one classic pcap per case, and DIR/zones-hosts.conf
    python3 scripts/make-host-captures.py --list        # prints each file and what it holds

Python 3 standard library only, deterministic (fixed times, no randomness): a rerun is byte-identical. The
headers come from scripts/make-tunnel-captures.py. VLANs as in the demonstration: 110 mynumber, 120 LGWAN,
130 Internet zone; the core switch (02:00:00:ff:00:01) routes between them. The expected findings are
written by hand in Tests/ZonesepRuntimeTests/HostRulesCaptureTests.swift. Frames are 1 ms apart, except
after a `Pause` in a case's list (a connection that must leave the flow table before its straggler comes).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import struct

_spec = importlib.util.spec_from_file_location(
    "tunnel_captures", os.path.join(os.path.dirname(os.path.abspath(__file__)), "make-tunnel-captures.py")
)
tc = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tc)

ether, ipv4, ipv6, tcp, udp, mac, addr = tc.ether, tc.ipv4, tc.ipv6, tc.tcp, tc.udp, tc.mac, tc.addr
EN10MB = tc.EN10MB
Q = 0x8100
CORE = "02:00:00:ff:00:01"  # the core switch, declared as a router
DNS_MAC = "02:00:00:20:01:35"

ZONES_CONF = """\
# The zones of scripts/make-host-captures.py's captures: the demonstration's tiers with their VLANs.
[sensor]
name = "host-rules-test"

[zones.mynumber]
kind = "mynumber"
networks = ["10.10.0.0/16", "fd00:10::/48"]
vlans = [110]

[zones.lgwan]
kind = "lgwan"
networks = ["10.20.0.0/16", "fd00:20::/48"]
vlans = [120, 121]

[zones.lgwan-wan]
kind = "lgwan"
networks = ["172.20.0.0/14"]

[zones.internet]
kind = "internet"
networks = ["10.30.0.0/16", "fd00:30::/48"]
vlans = [130]

[[routers]]
name = "core-switch"
macs = ["02:00:00:ff:00:01"]
"""


class Pause:
    """Not a frame: the frames after it come `seconds` later than they would have."""

    def __init__(self, seconds):
        self.seconds = seconds


def tagged(dst, src, payload, vlan=None, ethertype=0x0800):
    return ether(dst, src, ethertype, payload, tags=((Q, vlan),) if vlan is not None else ())


def syn(src, dst, sport, dport, ident=1):
    return ipv4(src, dst, 6, tcp(src, dst, sport, dport, 1000, 0, 0x02), ident)


def dgram(src, dst, sport, dport, ident=1):
    return ipv4(src, dst, 17, udp(src, dst, sport, dport, b"\x00" * 8), ident)


def arp(op, sender_mac, sender_ip, target_mac, target_ip):
    return struct.pack("!HHBBH", 1, 0x0800, 6, 4, op) + mac(sender_mac) + addr(sender_ip) + mac(target_mac) + addr(target_ip)


def icmp6(src, dst, body):
    h = bytes(body)
    c = tc.csum(tc.pseudo(addr(src), addr(dst), 58, len(h)) + h)
    return h[:2] + struct.pack("!H", c) + h[4:]


def neighbor_advertisement(src_mac, target, vlan):
    body = bytes([136, 0, 0, 0, 0x60, 0, 0, 0]) + addr(target) + bytes([2, 1]) + mac(src_mac)
    packet = ipv6("fe80::66", "ff02::1", 58, icmp6("fe80::66", "ff02::1", body))
    return tagged("33:33:00:00:00:01", src_mac, packet, vlan, ethertype=0x86DD)


def dual_homed():
    """A PC with two network cards: its MAC sends from an LGWAN and an Internet-zone address."""
    pc = "02:00:00:20:03:04"
    return ("host-dual-homed.pcap", "one MAC from 10.20.3.4 (VLAN 120) and 10.30.3.4 (VLAN 130)", [
        tagged(DNS_MAC, pc, dgram("10.20.3.4", "10.20.1.53", 53001, 53), 120),
        tagged(pc, DNS_MAC, dgram("10.20.1.53", "10.20.3.4", 53, 53001), 120),
        tagged("02:00:00:30:07:08", pc, syn("10.30.3.4", "10.30.7.8", 51000, 443), 130),
        tagged("02:00:00:30:07:08", pc, syn("10.30.3.4", "10.30.7.8", 51001, 443), 130),
    ])


def mynumber_bridge():
    """A device bridging the mynumber zone and the LGWAN zone: critical."""
    m = "02:00:00:10:00:99"
    return ("host-mynumber-bridge.pcap", "one MAC from 10.10.2.9 (VLAN 110) and 10.20.2.9 (VLAN 120)", [
        tagged("02:00:00:10:00:01", m, syn("10.10.2.9", "10.10.0.1", 40000, 445), 110),
        tagged("02:00:00:20:00:01", m, syn("10.20.2.9", "10.20.0.1", 40001, 445), 120),
    ])


def routed():
    """The core switch forwards every zone's packets under its own MAC, each on its zone's VLAN, and the
    proxy's answers from the outside: with the switch declared a router, nothing."""
    return ("host-router.pcap", "the core switch's MAC as source for every tier and an external address", [
        tagged("02:00:00:10:00:05", CORE, syn("10.20.3.4", "10.10.0.5", 40010, 443), 110),
        tagged("02:00:00:20:03:04", CORE, syn("10.10.0.5", "10.20.3.4", 40011, 443), 120),
        tagged("02:00:00:30:07:08", CORE, syn("10.20.3.4", "10.30.7.8", 40012, 443), 130),
        tagged("02:00:00:30:07:08", CORE, syn("203.0.113.10", "10.30.7.8", 8080, 40013), 130),
    ])


def arp_two_tiers():
    """ARP from one MAC for two tiers: a gratuitous ARP for an LGWAN address, a reply for an Internet one."""
    m = "02:00:00:77:00:01"
    return ("host-arp.pcap", "gratuitous ARP for 10.20.7.1 and a reply for 10.30.7.1 from one MAC", [
        tagged("ff:ff:ff:ff:ff:ff", m, arp(1, m, "10.20.7.1", "00:00:00:00:00:00", "10.20.7.1"), 120, 0x0806),
        tagged("02:00:00:30:00:01", m, arp(2, m, "10.30.7.1", "02:00:00:30:00:01", "10.30.0.1"), 130, 0x0806),
    ])


def nd_two_tiers():
    """IPv6 neighbour advertisements from one MAC for an LGWAN and an Internet-zone address."""
    m = "02:00:00:66:00:01"
    return ("host-nd.pcap", "neighbour advertisements for fd00:20::66 and fd00:30::66 from one MAC", [
        neighbor_advertisement(m, "fd00:20::66", 120),
        neighbor_advertisement(m, "fd00:30::66", 130),
    ])


def wrong_vlan():
    """An LGWAN host on the Internet zone's VLAN (one-way syslog, three times), then on its own VLAN."""
    h = "02:00:00:20:08:08"
    return ("host-wrong-vlan.pcap", "10.20.8.8 on VLAN 130 (three datagrams), then on VLAN 120", [
        tagged("02:00:00:20:01:60", h, dgram("10.20.8.8", "10.20.1.60", 514, 514, i), 130) for i in (1, 2, 3)
    ] + [tagged("02:00:00:20:01:60", h, dgram("10.20.8.8", "10.20.1.60", 515, 514, 4), 120)])


def mynumber_pc_on_lgwan_vlan(resolution_first):
    """A mynumber PC plugged into the LGWAN VLAN: it ARPs for its gateway, as every IPv4 host does before
    it sends, and sends a DNS query. The ARP does not vouch for the VLAN: either order is one finding."""
    pc = "02:00:00:10:02:02"
    frames = [
        tagged("ff:ff:ff:ff:ff:ff", pc, arp(1, pc, "10.10.2.2", "00:00:00:00:00:00", "10.10.2.1"), 120, 0x0806),
        tagged(DNS_MAC, pc, dgram("10.10.2.2", "10.10.1.53", 53010, 53), 120),
    ]
    if resolution_first:
        return ("host-arp-then-ip.pcap", "10.10.2.2 (mynumber) ARPs on VLAN 120, then a datagram on VLAN 120", frames)
    return ("host-ip-then-arp.pcap", "10.10.2.2 (mynumber): a datagram on VLAN 120, then ARP on VLAN 120", frames[::-1])


def mynumber_pc6_on_lgwan_vlan():
    """The IPv6 form: the PC's neighbour advertisement for its address, then its traffic, on VLAN 120."""
    pc = "02:00:00:10:02:06"
    src, dst = "fd00:10::2:6", "fd00:10::53"
    return ("host-na-then-ip.pcap", "fd00:10::2:6 (mynumber) advertised, then a datagram, on VLAN 120", [
        neighbor_advertisement(pc, src, 120),
        tagged(DNS_MAC, pc, ipv6(src, dst, 17, udp(src, dst, 53011, 53, b"\x00" * 8)), 120, 0x86DD),
    ])


def straggler():
    """A closed connection's late RST, 20 s on (its flow has left the table: the RST joins no flow), from a
    MAC that then sends from an Internet-zone address: the straggler's source is seen all the same."""
    pc, server, other = "02:00:00:20:01:07", "02:00:00:20:01:53", "02:00:00:20:01:77"
    c, s = "10.20.1.7", "10.20.1.53"

    def seg(src_mac, dst_mac, src, dst, sport, dport, flags):
        return tagged(dst_mac, src_mac, ipv4(src, dst, 6, tcp(src, dst, sport, dport, 1000, 0, flags)), 120)

    return ("host-straggler.pcap", "a closed connection of 10.20.1.7, its RST 20 s later from another MAC, "
            "then that MAC from 10.30.7.7", [
        seg(pc, server, c, s, 40010, 80, 0x02),
        seg(server, pc, s, c, 80, 40010, 0x12),
        seg(pc, server, c, s, 40010, 80, 0x11),
        seg(server, pc, s, c, 80, 40010, 0x11),
        seg(pc, server, c, s, 40010, 80, 0x10),
        Pause(20),
        seg(other, server, c, s, 40010, 80, 0x04),
        tagged("02:00:00:30:01:53", other, dgram("10.30.7.7", "10.30.1.53", 40011, 53), 130),
    ])


def untagged():
    """A mirror that strips tags: an LGWAN and an Internet-zone host, untagged, each with its own MAC."""
    return ("host-untagged.pcap", "untagged frames of two hosts in two zones", [
        tagged("02:00:00:20:01:35", "02:00:00:20:09:01", dgram("10.20.9.1", "10.20.1.53", 53002, 53)),
        tagged("02:00:00:30:09:02", "02:00:00:30:09:01", dgram("10.30.9.1", "10.30.9.2", 53003, 53)),
    ])


def native_vlan():
    """A trunk mirror whose native VLAN carries the LGWAN zone untagged: the mynumber and Internet zones'
    flows are tagged, LGWAN's are not, nor an IP phone's priority tag (VLAN 0, alone or under an S-tag), so
    zone-vlan-mismatch cannot judge those hosts. Untagged lgwan-wan traffic (no `vlans`) is not its concern."""
    def qinq(dst, src, payload, c_tag):
        return ether(dst, src, 0x0800, payload, tags=((0x88A8, 1000), (Q, c_tag)))

    return ("host-native-vlan.pcap", "tagged mynumber and internet flows; untagged LGWAN flows (native VLAN), "
            "priority-tagged internet ones", [
        tagged("02:00:00:10:01:53", "02:00:00:10:02:21", dgram("10.10.2.21", "10.10.1.53", 53020, 53), 110),
        tagged("02:00:00:10:02:21", "02:00:00:10:01:53", dgram("10.10.1.53", "10.10.2.21", 53, 53020), 110),
        tagged("02:00:00:30:01:01", "02:00:00:30:08:15", syn("10.30.8.15", "10.30.1.1", 50000, 8080), 130),
        tagged(DNS_MAC, "02:00:00:20:03:04", dgram("10.20.3.4", "10.20.1.53", 53021, 53)),
        tagged("02:00:00:20:03:04", DNS_MAC, dgram("10.20.1.53", "10.20.3.4", 53, 53021)),
        tagged("02:00:00:20:ff:01", "02:00:00:20:03:05", syn("10.20.3.5", "172.20.1.1", 50001, 443)),
        tagged("02:00:00:20:ff:03", "02:00:00:20:ff:02", syn("172.20.2.2", "172.20.2.3", 50002, 443)),
        tagged("02:00:00:30:01:01", "02:00:00:30:08:16", syn("10.30.8.16", "10.30.1.1", 50003, 8080), 0),
        qinq("02:00:00:30:01:02", "02:00:00:30:08:17", syn("10.30.8.17", "10.30.1.2", 50004, 8080), 0),
        qinq("02:00:00:30:01:02", "02:00:00:30:08:18", syn("10.30.8.18", "10.30.1.2", 50005, 8080), 130),
        tagged("02:00:00:30:06:05", "02:00:00:20:03:06", syn("10.20.3.6", "10.30.6.5", 50006, 3389)),
    ])


def pppoe_dialout(zone_ip, peer, vlan, name):
    """A zone PC that dials its own PPPoE session to the Internet (a FLET'S line plugged into the office
    LAN): a connection from its zone address on its VLAN, then one over PPPoE (session 0x1234) from the
    address its ISP gave it, which the access concentrator answers. A PPPoE frame's Ethernet source is the
    PC's own MAC, as tshark's eth.src shows: dual-homed-host."""
    pc, bras = "02:00:00:00:0a:01", "02:00:00:99:00:01"
    isp, web = "198.51.100.77", "203.0.113.80"
    synack = ipv4(web, isp, 6, tcp(web, isp, 443, 50000, 5000, 1001, 0x12), 3)
    return (name, f"one MAC from {zone_ip} (VLAN {vlan}), then from {isp} over PPPoE", [
        tagged("02:00:00:00:0a:09", pc, syn(zone_ip, peer, 40000, 445), vlan),
        tagged(bras, pc, tc.pppoe(0x1234, 0x0021, syn(isp, web, 50000, 443, 2)), vlan, ethertype=0x8864),
        tagged(pc, bras, tc.pppoe(0x1234, 0x0021, synack), vlan, ethertype=0x8864),
    ])


def tunnel_vlan():
    """ERSPAN II from the switch (outer frame on VLAN 999) carrying an LGWAN host's frame on VLAN 130: the
    inner VLAN is the host's."""
    h = "02:00:00:20:08:09"
    inner = tagged("02:00:00:20:01:60", h, dgram("10.20.8.9", "10.20.1.60", 514, 514), 130)
    outer = ipv4(tc.OUTER_A, tc.OUTER_B, 47, tc.erspan_ii(100, inner))
    return ("host-tunnel-vlan.pcap", "ERSPAN II, outer VLAN 999, inner 10.20.8.9 on VLAN 130", [
        tagged(tc.SENSOR_MAC, tc.SWITCH_MAC, outer, 999)
    ])


CASES = [
    dual_homed(), mynumber_bridge(), routed(), arp_two_tiers(), nd_two_tiers(), wrong_vlan(), untagged(), tunnel_vlan(),
    mynumber_pc_on_lgwan_vlan(True), mynumber_pc_on_lgwan_vlan(False), mynumber_pc6_on_lgwan_vlan(), straggler(),
    native_vlan(),
    pppoe_dialout("10.20.1.5", "10.20.9.9", 120, "host-pppoe-dialout.pcap"),
    pppoe_dialout("10.10.1.5", "10.10.9.9", 110, "host-pppoe-dialout-mynumber.pcap"),
]


def write_pcap(path, frames):
    """Classic pcap, microseconds: frame i at T0 + i ms, plus every `Pause` before it."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, EN10MB))
        t, i = tc.T0, 0
        for frame in frames:
            if isinstance(frame, Pause):
                t += frame.seconds * 1_000_000
                continue
            at = t + i * 1000
            f.write(struct.pack("<IIII", at // 1_000_000, at % 1_000_000, len(frame), len(frame)))
            f.write(frame)
            i += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="directory to write the captures and zones-hosts.conf into")
    parser.add_argument("--list", action="store_true", help="print each file and what it holds")
    args = parser.parse_args()
    if args.list or not args.out:
        for name, description, frames in CASES:
            count = sum(1 for f in frames if not isinstance(f, Pause))
            print(f"{name:28} {count:2} frames  {description}")
        return
    os.makedirs(args.out, exist_ok=True)
    for name, _, frames in CASES:
        write_pcap(os.path.join(args.out, name), frames)
    with open(os.path.join(args.out, "zones-hosts.conf"), "w") as f:
        f.write(ZONES_CONF)


if __name__ == "__main__":
    main()
