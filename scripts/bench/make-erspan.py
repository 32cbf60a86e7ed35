#!/usr/bin/env python3
"""Writes the ERSPAN capture of scripts/bench-compare: every frame of a classic pcap (Ethernet) as a core
switch's remote mirror delivers it to a sensor.

Each frame gets an 802.1Q tag (VLAN 100 by default, as a trunk port's frames carry one; --vlan 0 for
none) and is wrapped in ERSPAN type II (version 1, session 7, the same VLAN in its header) in GRE with
the sequence bit and a sequence number counting from 0, in IPv4 (protocol 47, don't fragment, header
checksum) from the switch 192.0.2.1 to the sensor 192.0.2.100, in Ethernet. Timestamps are kept; every
record grows by 54 bytes (50 without the tag), captured length and wire length alike.

Deterministic: the same input gives a byte-identical output.

Usage: make-erspan.py IN.pcap OUT.pcap [--vlan N]
"""

import argparse
import os
import struct
import sys

SWITCH = bytes([192, 0, 2, 1])
SENSOR = bytes([192, 0, 2, 100])
SWITCH_MAC = bytes([0x02, 0, 192, 0, 2, 1])
SENSOR_MAC = bytes([0x02, 0, 192, 0, 2, 100])
SESSION = 7


def checksum(header):
    s = sum(struct.unpack(f"!{len(header) // 2}H", header))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def wrap(frame, sequence, vlan):
    """The frame, tagged when `vlan`, in ERSPAN II / GRE / IPv4 / Ethernet."""
    inner = frame[:12] + struct.pack("!HH", 0x8100, vlan) + frame[12:] if vlan else frame
    erspan = struct.pack("!II", 1 << 28 | (vlan & 0xFFF) << 16 | SESSION, 0)
    gre = struct.pack("!HHI", 0x1000, 0x88BE, sequence & 0xFFFFFFFF)
    total = 20 + len(gre) + len(erspan) + len(inner)
    header = struct.pack("!BBHHHBBH", 0x45, 0, total, sequence & 0xFFFF, 0x4000, 64, 47, 0) + SWITCH + SENSOR
    ip = header[:10] + struct.pack("!H", checksum(header)) + header[12:]
    return SENSOR_MAC + SWITCH_MAC + b"\x08\x00" + ip + gre + erspan + inner


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--vlan", type=int, default=100, help="VLAN id of the tag put on each mirrored frame (0: none)")
    args = ap.parse_args()
    if not 0 <= args.vlan <= 4095:
        sys.exit(f"make-erspan.py: --vlan {args.vlan}: a VLAN id is 0-4095")

    with open(args.input, "rb") as f:
        data = f.read()
    if len(data) < 24:
        sys.exit(f"make-erspan.py: {args.input}: too short for a pcap header")
    magic, _, _, _, _, snaplen, linktype = struct.unpack("<IHHiIII", data[:24])
    if magic != 0xA1B2C3D4 or linktype != 1:
        sys.exit(f"make-erspan.py: {args.input}: not a little-endian microsecond pcap of Ethernet frames")

    grow = 54 if args.vlan else 50
    tmp = args.output + ".tmp"
    with open(tmp, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, max(snaplen, 65535), 1))
        at = 24
        sequence = 0
        chunk = []
        while at + 16 <= len(data):
            sec, usec, caplen, wirelen = struct.unpack_from("<IIII", data, at)
            frame = data[at + 16 : at + 16 + caplen]
            if len(frame) != caplen:
                sys.exit(f"make-erspan.py: {args.input}: record {sequence + 1} at byte {at} is cut short")
            at += 16 + caplen
            if caplen < 14:
                sys.exit(f"make-erspan.py: {args.input}: record {sequence + 1} holds no Ethernet header")
            wrapped = wrap(frame, sequence, args.vlan)
            chunk.append(struct.pack("<IIII", sec, usec, len(wrapped), wirelen + grow) + wrapped)
            sequence += 1
            if len(chunk) == 65536:
                out.write(b"".join(chunk))
                chunk = []
        out.write(b"".join(chunk))
    os.replace(tmp, args.output)
    print(f"make-erspan.py: {args.output}: {sequence} frames in ERSPAN II (VLAN {args.vlan})", file=sys.stderr)


if __name__ == "__main__":
    main()
