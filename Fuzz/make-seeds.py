#!/usr/bin/env python3
"""Seed corpora for the fuzz targets, made from the repository's captures and configuration.

usage: Fuzz/make-seeds.py OUTDIR   (run from the repository's top; writes OUTDIR/<target>/...)

packet:   frames of every classic pcap capture whose link type zonesep decodes, 16 frames a seed, in
          fuzz-packet's format (byte 0 the link type's index, then gap u8 | length u16 LE | bytes)
pcap:     the classic pcap captures, whole up to 64 KiB (larger ones cut there: a truncated file is
          an input too)
pcapng:   the pcapng captures, the same way
config:   zones.conf
savedrun: Fuzz/seeds/savedrun/* (a saved run of the demonstration)
flowexport: the datagrams of the real exporters' fixtures (Tests/ZonesepFlowExportTests/Fixtures), 8 to a
          seed, in fuzz-flowexport's format (exporter u8 | length u16 LE | bytes)
"""
import os
import shutil
import struct
import sys

# fuzz-packet's list: DLT -> index.
LINK_INDEX = {1: 0, 101: 1, 113: 2, 276: 3, 0: 4, 108: 5, 9: 6, 50: 7, 104: 8, 228: 9, 229: 10}
PCAP_MAGICS = {b"\xd4\xc3\xb2\xa1": "<", b"\xa1\xb2\xc3\xd4": ">", b"\x4d\x3c\xb2\xa1": "<", b"\xa1\xb2\x3c\x4d": ">"}
LIMIT = 64 << 10


def captures():
    for top in ("captures", "Tests/Corpus/tcpdump"):
        for name in sorted(os.listdir(top)):
            path = os.path.join(top, name)
            if os.path.isfile(path) and name.endswith((".pcap", ".pcapng", ".cap")):
                yield path


def records(data, order):
    """(seconds, bytes) of each whole record of a classic pcap file."""
    at = 24
    while at + 16 <= len(data):
        sec, _, caplen, _ = struct.unpack(order + "IIII", data[at:at + 16])
        if at + 16 + caplen > len(data):
            return
        yield sec, data[at + 16:at + 16 + caplen]
        at += 16 + caplen


def packet_seeds(data, order):
    dlt = struct.unpack(order + "I", data[20:24])[0] & 0xFFFF
    if dlt not in LINK_INDEX:
        return []
    seeds, current, last = [], bytearray([LINK_INDEX[dlt]]), None
    for count, (sec, frame) in enumerate(records(data, order)):
        gap = 0 if last is None else max(0, min(255, sec - last))
        last = sec
        frame = frame[:4096]
        current += struct.pack("<BH", gap, len(frame)) + frame
        if count % 16 == 15:
            seeds.append(bytes(current))
            current = bytearray([LINK_INDEX[dlt]])
        if len(seeds) >= 8:
            break
    if len(current) > 1:
        seeds.append(bytes(current))
    return seeds


def flowexport_seeds(data, order):
    """The UDP payloads of a loopback capture (Ethernet / IPv4 / UDP), 8 datagrams to a seed."""
    seeds, current, count = [], bytearray(), 0
    for _, frame in records(data, order):
        if len(frame) < 42 or frame[12:14] != b"\x08\x00" or frame[23] != 17:
            continue
        udp = 14 + (frame[14] & 0x0F) * 4
        payload = frame[udp + 8 :]
        current += bytes([0]) + struct.pack("<H", len(payload)) + payload
        count += 1
        if count == 8:
            seeds.append(bytes(current))
            current, count = bytearray(), 0
    if current:
        seeds.append(bytes(current))
    return seeds


def main():
    out = sys.argv[1]
    for target in ("packet", "pcap", "pcapng", "config", "savedrun", "flowexport"):
        os.makedirs(os.path.join(out, target), exist_ok=True)
    for path in captures():
        with open(path, "rb") as f:
            data = f.read()
        base = path.replace("/", "_")
        order = PCAP_MAGICS.get(data[:4])
        if order:
            with open(os.path.join(out, "pcap", base), "wb") as f:
                f.write(data[:LIMIT])
            for i, seed in enumerate(packet_seeds(data, order)):
                with open(os.path.join(out, "packet", f"{base}.{i}"), "wb") as f:
                    f.write(seed)
        elif data[:4] == b"\x0a\x0d\x0d\x0a":
            with open(os.path.join(out, "pcapng", base), "wb") as f:
                f.write(data[:LIMIT])
    fixtures = "Tests/ZonesepFlowExportTests/Fixtures"
    for name in sorted(os.listdir(fixtures)):
        with open(os.path.join(fixtures, name), "rb") as f:
            data = f.read()
        order = PCAP_MAGICS.get(data[:4])
        if order:
            for i, seed in enumerate(flowexport_seeds(data, order)):
                with open(os.path.join(out, "flowexport", f"{name}.{i}"), "wb") as f:
                    f.write(seed)
    shutil.copy("zones.conf", os.path.join(out, "config", "zones.conf"))
    seeds = "Fuzz/seeds/savedrun"
    for name in sorted(os.listdir(seeds)):
        shutil.copy(os.path.join(seeds, name), os.path.join(out, "savedrun", name))


main()
