#!/usr/bin/env python3
"""Writes the benchmark input of scripts/bench-compare: an IMIX capture and a zones.conf of 300 prefixes.

Reproducible (fixed seed, fixed start time): the same arguments give byte-identical files.

The capture (classic pcap, Ethernet, microsecond timestamps) holds PACKETS frames of 20,000 flows (by
default) between the zones of the zones.conf. Frame sizes follow the simple IMIX 7:4:1 of 64, 594 and
1518-byte Ethernet frames on the wire; the 4-byte FCS is not captured, as on any capture, so the records
hold 60, 590 and 1514 bytes (IPv6 frames are at least 74: a 40-byte header and TCP). Packets of the flows
are interleaved at random; each TCP flow starts with a SYN and its SYN-ACK. About 3 % of the flows break
the separation (sanitisation bypass, security-cloud bypass, Mynumber isolation, unzoned host).

Usage: make-imix.py OUTDIR [--packets N] [--flows N] [--seed N] [--min-packets N] [--name FILE]

The churn capture of bench-compare is `--flows 600000 --min-packets 1 --name churn.pcap`: most flows a
lone packet or two, as under a scan or a flood.
"""

import argparse
import os
import random
import struct
import sys

START_SECONDS = 1_795_132_800  # 2026-11-20T00:00:00Z
SPACING_US = 60  # 1M packets span a minute: no flow goes idle


def zones_conf():
    """300 prefixes: Mynumber 50, LGWAN 120 (+ 20 beyond the town hall), Internet-connected 110."""
    mynumber = [f"10.10.{i}.0/24" for i in range(40)] + [f"fd00:10:{i:x}::/48" for i in range(10)]
    lgwan = [f"10.20.{i}.0/24" for i in range(100)] + [f"fd00:20:{i:x}::/48" for i in range(20)]
    lgwan_wan = [f"172.20.{4 * i}.0/22" for i in range(20)]
    internet = [f"10.30.{i}.0/24" for i in range(100)] + [f"fd00:30:{i:x}::/48" for i in range(10)]
    assert len(mynumber) + len(lgwan) + len(lgwan_wan) + len(internet) == 300

    def block(name, kind, label, nets):
        lines = ",\n".join(f'    "{n}"' for n in nets)
        return f'[zones.{name}]\nkind = "{kind}"\nlabel = "{label}"\nnetworks = [\n{lines},\n]\n'

    return (
        "# Benchmark zone map written by scripts/bench/make-imix.py: 300 prefixes in four zones.\n\n"
        '[sensor]\nname = "bench"\n\n'
        + block("mynumber", "mynumber", "マイナンバー利用事務系", mynumber)
        + "\n"
        + block("lgwan", "lgwan", "LGWAN接続系", lgwan)
        + "\n"
        + block("lgwan-wan", "lgwan", "LGWAN(庁外)", lgwan_wan)
        + "\n"
        + block("internet", "internet", "インターネット接続系", internet)
        + """
[[gateways]]
name = "security-cloud"
addresses = ["203.0.113.10", "203.0.113.11", "2001:db8:113::10"]

[[conduits]]
name = "intermediate-server"
from = { addresses = ["10.10.1.5"], mac = "02:00:0a:0a:01:05" }
to = { addresses = ["172.20.9.9"] }
ports = ["tcp/443"]

[[sanitisation]]
name = "mail-text-relay"
method = "mail-text"
from = ["10.30.5.10"]
to = ["10.20.5.10"]
ports = ["tcp/25"]

[[sanitisation]]
name = "virtual-browser"
method = "screen-transfer"
from = ["10.20.0.0/16", "fd00:20::/32"]
to = ["10.30.6.0/28"]
"""
    )


def v4(a, b, c, d):
    return bytes((a, b, c, d))


def v6(*groups):
    return b"".join(struct.pack("!H", g) for g in groups)


def flow_endpoints(rng):
    """(initiator, responder, proto, responder port, violating) for one flow, by the mix of a town hall."""
    r = rng.random()
    if r < 0.03:  # violations
        kind = rng.randrange(4)
        if kind == 0:  # LGWAN PC straight to an Internet-zone file server: sanitisation-bypass
            return v4(10, 20, rng.randrange(100), rng.randrange(1, 250)), v4(10, 30, 7, 8), 6, 445, True
        if kind == 1:  # Internet PC straight out: security-cloud-bypass
            return v4(10, 30, rng.randrange(100), rng.randrange(1, 250)), v4(93, 184, 216, 34), 6, 443, True
        if kind == 2:  # Mynumber terminal to an LGWAN server: mynumber-isolation
            return v4(10, 10, rng.randrange(40), rng.randrange(1, 250)), v4(10, 20, 5, 10), 6, 445, True
        return v4(10, 99, rng.randrange(256), rng.randrange(1, 250)), v4(10, 20, 1, 10), 17, 53, True  # unzoned
    if r < 0.10:  # IPv6 inside the LGWAN zone
        return (
            v6(0xFD00, 0x20, rng.randrange(20), 0, 0, 0, 0, rng.randrange(1, 0xFFFF)),
            v6(0xFD00, 0x20, 1, 0, 0, 0, 0, 0x10),
            6,
            445,
            False,
        )
    if r < 0.45:  # LGWAN PCs to LGWAN servers and the LGWAN beyond
        dst = v4(10, 20, 1, rng.randrange(10, 20)) if rng.random() < 0.7 else v4(172, 20, rng.randrange(80), 9)
        return v4(10, 20, rng.randrange(100), rng.randrange(1, 250)), dst, 6, rng.choice((443, 445, 25, 389)), False
    if r < 0.55:  # screen transfer to the virtual browser (a sanitisation path)
        return v4(10, 20, rng.randrange(100), rng.randrange(1, 250)), v4(10, 30, 6, rng.randrange(1, 15)), 6, 3389, False
    if r < 0.80:  # Internet PCs through the security cloud proxy, and its DNS
        src = v4(10, 30, rng.randrange(100), rng.randrange(1, 250))
        if rng.random() < 0.2:
            return src, v4(203, 0, 113, 11), 17, 53, False
        return src, v4(203, 0, 113, 10), 6, 8080, False
    # Mynumber terminals to their own servers
    return v4(10, 10, rng.randrange(40), rng.randrange(1, 250)), v4(10, 10, 1, rng.randrange(1, 10)), 6, 443, False


def checksum(header):
    s = sum(struct.unpack(f"!{len(header) // 2}H", header))
    s = (s & 0xFFFF) + (s >> 16)
    s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


class Flow:
    def __init__(self, rng, serial):
        self.a, self.b, self.proto, dport, self.violating = flow_endpoints(rng)
        self.sport = 49152 + (serial * 7 + rng.randrange(7)) % 16000
        self.dport = dport
        self.mac_a = bytes((2, 0)) + self.a[-4:]
        self.mac_b = bytes((2, 0)) + self.b[-4:]
        self.six = len(self.a) == 16
        self.sent = 0
        self.cache = {}

    def frame(self, from_a, size, flags):
        key = (from_a, size, flags)
        f = self.cache.get(key)
        if f is not None:
            return f
        src, dst = (self.a, self.b) if from_a else (self.b, self.a)
        sport, dport = (self.sport, self.dport) if from_a else (self.dport, self.sport)
        smac, dmac = (self.mac_a, self.mac_b) if from_a else (self.mac_b, self.mac_a)
        transport_len = 20 if self.proto == 6 else 8
        ip_len = 40 if self.six else 20
        size = max(size, 14 + ip_len + transport_len)
        payload = size - 14 - ip_len - transport_len
        # A minimum-size TCP frame carries no data: the 6 bytes after its headers are Ethernet padding.
        pad = payload if size == 60 and self.proto == 6 else 0
        payload -= pad
        if self.proto == 6:
            l4 = struct.pack("!HHIIBBHHH", sport, dport, 1000, 2000 if flags & 0x10 else 0, 0x50, flags, 65535, 0, 0)
        else:
            l4 = struct.pack("!HHHH", sport, dport, 8 + payload, 0)
        if self.six:
            eth = dmac + smac + b"\x86\xdd"
            ip = struct.pack("!IHBB", 0x60000000, transport_len + payload, self.proto, 64) + src + dst
        else:
            eth = dmac + smac + b"\x08\x00"
            hdr = struct.pack("!BBHHHBBH", 0x45, 0, 20 + transport_len + payload, 0, 0x4000, 64, self.proto, 0)
            hdr += src + dst
            ip = hdr[:10] + struct.pack("!H", checksum(hdr)) + hdr[12:]
        f = eth + ip + l4 + bytes(payload + pad)
        self.cache[key] = f
        return f


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--packets", type=int, default=1_000_000)
    ap.add_argument("--flows", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=20261120)
    ap.add_argument("--min-packets", type=int, default=3, help="packets of the smallest flow (1: a scan's lone SYNs)")
    ap.add_argument("--name", default="imix.pcap", help="the capture's file name in OUTDIR")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    os.makedirs(args.outdir, exist_ok=True)
    with open(os.path.join(args.outdir, "zones.conf"), "w", encoding="utf-8") as f:
        f.write(zones_conf())

    flows = [Flow(rng, i) for i in range(args.flows)]
    # Packets per flow: at least --min-packets, the rest spread with a long tail (a few flows carry much of
    # the traffic).
    weights = [rng.paretovariate(1.2) for _ in flows]
    total_w = sum(weights)
    spare = args.packets - args.min_packets * len(flows)
    if spare < 0:
        sys.exit(f"{args.flows} flows of at least {args.min_packets} packets do not fit in {args.packets} packets")
    counts = [args.min_packets + int(spare * w / total_w) for w in weights]
    for i in range(args.packets - sum(counts)):
        counts[i % len(counts)] += 1
    order = [i for i, n in enumerate(counts) for _ in range(n)]
    rng.shuffle(order)

    sizes = (60, 590, 1514)
    size_weights = (7, 4, 1)
    path = os.path.join(args.outdir, args.name)
    with open(path, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        chunk = bytearray()
        t = START_SECONDS * 1_000_000
        for fi in order:
            fl = flows[fi]
            n = fl.sent
            fl.sent += 1
            if fl.proto == 6 and n == 0:
                frame = fl.frame(True, 60, 0x02)  # SYN
            elif fl.proto == 6 and n == 1:
                frame = fl.frame(False, 60, 0x12)  # SYN-ACK
            else:
                size = rng.choices(sizes, size_weights)[0]
                from_a = n == 0 or rng.random() < 0.5
                frame = fl.frame(from_a, size, 0x10 if size == 60 else 0x18) if fl.proto == 6 else fl.frame(from_a, size, 0)
            t += rng.randrange(1, 2 * SPACING_US)
            chunk += struct.pack("<IIII", t // 1_000_000, t % 1_000_000, len(frame), len(frame))
            chunk += frame
            if len(chunk) > 1 << 22:
                out.write(chunk)
                chunk = bytearray()
        out.write(chunk)
    violating = sum(1 for f in flows if f.violating)
    print(f"{path}: {args.packets} packets, {len(flows)} flows ({violating} violating)")


if __name__ == "__main__":
    main()
