#!/usr/bin/env python3
"""Writes captures of one TCP connection retransmitting around its handshake and its close, for the
end-to-end tests of "one connection, one alert".

    python3 scripts/make-retransmit-captures.py --out DIR     # one classic pcap per case into DIR
    python3 scripts/make-retransmit-captures.py --list        # prints each file and what it holds

Python 3 standard library only, deterministic (fixed times, no randomness): a rerun is byte-identical.

Every file holds the demonstration town hall's (zones.conf) LGWAN PC 10.20.3.4 talking to the Internet-zone
file share 10.30.7.8 on tcp/445 (a sanitisation-bypass), on VLAN 120, with TCP timestamps as Linux sends
them. What a retransmission must not do is make that one connection two flows, or two alerts.
Tests/ZonesepEndToEndTests/RetransmitReplayTests.swift holds the expected alerts by hand.
"""

from __future__ import annotations

import argparse
import calendar
import os
import struct
from packetkit import addr, csum

JST = 9 * 3600
T0 = (calendar.timegm((2026, 6, 15, 10, 0, 0)) - JST) * 1_000_000  # 2026-06-15 10:00 JST
SECOND = 1_000_000

PC, SHARE = "10.20.3.4", "10.30.7.8"
PC_MAC, SHARE_MAC = "02:00:00:20:03:04", "02:00:00:30:07:08"
CORE_MAC = "02:00:00:00:00:01"  # the demonstration's core switch, a declared router
SPORT, DPORT = 51512, 445
FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


def tcp(src, dst, sport, dport, seq, ack, flags, tsval, tsecr, payload=b"") -> bytes:
    """A TCP segment with checksum; a SYN carries MSS, SACK-permitted, timestamps and window scale (as Linux
    sends it), every other segment NOP NOP and timestamps."""
    if flags & SYN:
        options = struct.pack("!BBHBBBBII", 2, 4, 1460, 4, 2, 8, 10, tsval, tsecr) + struct.pack("!BBBB", 1, 3, 3, 7)
    else:
        options = struct.pack("!BBBBII", 1, 1, 8, 10, tsval, tsecr)
    offset = (20 + len(options)) // 4
    h = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, offset << 4, flags, 64240, 0, 0) + options + payload
    pseudo = addr(src) + addr(dst) + struct.pack("!BBH", 0, 6, len(h))
    c = csum(pseudo + h)
    return h[:16] + struct.pack("!H", c) + h[18:]


def ipv4(src, dst, payload, ident) -> bytes:
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0x4000, 64, 6, 0, addr(src), addr(dst))
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload


def mac(m: str) -> bytes:
    return bytes(int(x, 16) for x in m.split(":"))


class Connection:
    """The one connection, both ends: `out` is the PC's segment to the share, `back` the share's reply."""

    def __init__(self):
        self.ident = 0

    def frame(self, src, dst, src_mac, dst_mac, sport, dport, seq, ack, flags, tsval, tsecr, payload=b""):
        self.ident += 1
        packet = ipv4(src, dst, tcp(src, dst, sport, dport, seq, ack, flags, tsval, tsecr, payload), self.ident)
        return mac(dst_mac) + mac(src_mac) + struct.pack("!HHH", 0x8100, 120, 0x0800) + packet

    def out(self, seq, ack, flags, tsval, tsecr=0, payload=b""):
        return self.frame(PC, SHARE, PC_MAC, SHARE_MAC, SPORT, DPORT, seq, ack, flags, tsval, tsecr, payload)

    def back(self, seq, ack, flags, tsval, tsecr=0, payload=b""):
        # Routed from the Internet zone's VLAN onto the PC's by the core switch, under its own MAC (the
        # demonstration's router): the share itself never sends on VLAN 120.
        return self.frame(SHARE, PC, CORE_MAC, PC_MAC, DPORT, SPORT, seq, ack, flags, tsval, tsecr, payload)


C, S = 1000, 5000  # the two initial sequence numbers


def handshake_and_close(c: Connection, t: int):
    """(time, frame) of a handshake, one request and its answer, and a close by FIN from both sides,
    starting at `t`; the last ACK is at t + 1.2 s."""
    return [
        (t, c.out(C, 0, SYN, 100)),
        (t + 1_000, c.back(S, C + 1, SYN | ACK, 900, 100)),
        (t + 2_000, c.out(C + 1, S + 1, ACK, 101, 900)),
        (t + 3_000, c.out(C + 1, S + 1, PSH | ACK, 101, 900, b"\x00" * 40)),
        (t + 4_000, c.back(S + 1, C + 41, PSH | ACK, 901, 101, b"\x00" * 60)),
        (t + SECOND, c.out(C + 41, S + 61, FIN | ACK, 1100, 901)),
        (t + SECOND + 1_000, c.back(S + 61, C + 42, FIN | ACK, 1901, 1100)),
        (t + SECOND + 200_000, c.out(C + 42, S + 62, ACK, 1300, 1901)),
    ]


def syn_retransmitted():
    """The first SYN is lost before the server: the client sends it again a second later with a new TSval,
    and the SYN-ACK answers that one (Suricata's bug 4376). One flow, one alert (initiator syn)."""
    c = Connection()
    return [
        (T0, c.out(C, 0, SYN, 100)),
        (T0 + SECOND, c.out(C, 0, SYN, 1100)),
        (T0 + 3 * SECOND, c.out(C, 0, SYN, 3100)),
        (T0 + 3 * SECOND + 1_000, c.back(S, C + 1, SYN | ACK, 900, 3100)),
        (T0 + 3 * SECOND + 2_000, c.out(C + 1, S + 1, ACK, 3101, 900)),
        (T0 + 3 * SECOND + 3_000, c.out(C + 1, S + 1, PSH | ACK, 3101, 900, b"\x00" * 40)),
    ]


def udp_frame(sport: int) -> bytes:
    """A DNS query from the PC to the LGWAN zone's resolver 10.20.1.53 (allowed: no alert), from `sport`."""
    dns, payload = "10.20.1.53", b"\x12\x34\x01\x00" + bytes(8)
    h = struct.pack("!HHHH", sport, 53, 8 + len(payload), 0) + payload
    c = csum(addr(PC) + addr(dns) + struct.pack("!BBH", 0, 17, len(h)) + h) or 0xFFFF
    datagram = h[:6] + struct.pack("!H", c) + h[8:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(datagram), 7, 0x4000, 64, 17, 0, addr(PC), addr(dns))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:] + datagram
    return mac("02:00:00:20:01:35") + mac(PC_MAC) + struct.pack("!HHH", 0x8100, 120, 0x0800) + ip


def syn_retransmitted_busy():
    """As `syn_retransmitted`, with 100 DNS queries of 100 other flows between each SYN and the next, so the
    retransmissions and the SYN-ACK reach zonesep in other batches of frames than the first SYN. One alert."""
    c = Connection()
    frames = [(T0, c.out(C, 0, SYN, 100))]
    for k in range(1, 3):
        frames += [(T0 + k * SECOND - 200_000 + i * 1_000, udp_frame(40000 + 100 * k + i)) for i in range(100)]
        frames.append((T0 + k * SECOND, c.out(C, 0, SYN, 100 + k * 1000)))
    frames.append((T0 + 2 * SECOND + 1_000, c.back(S, C + 1, SYN | ACK, 900, 2100)))
    frames.append((T0 + 2 * SECOND + 2_000, c.out(C + 1, S + 1, ACK, 2101, 900)))
    return frames


def syn_ack_retransmitted():
    """The SYN-ACK is lost before the client: the client's SYN again, the server's SYN-ACK again, then the
    handshake ends. One flow, one alert (initiator syn)."""
    c = Connection()
    return [
        (T0, c.out(C, 0, SYN, 100)),
        (T0 + 1_000, c.back(S, C + 1, SYN | ACK, 900, 100)),
        (T0 + SECOND, c.out(C, 0, SYN, 1100)),
        (T0 + SECOND + 1_000, c.back(S, C + 1, SYN | ACK, 1900, 1100)),
        (T0 + SECOND + 2_000, c.out(C + 1, S + 1, ACK, 1101, 1900)),
    ]


def late_fin():
    """The connection closes by FIN from both sides; the share's FIN is retransmitted 18 and 29 s later (its
    last ACK never arrived) and the PC answers each with an ACK. The late packets join no new flow: one
    alert, four packets after close."""
    c = Connection()
    frames = handshake_and_close(c, T0)
    for delay in (18, 29):
        t = T0 + delay * SECOND
        frames.append((t, c.back(S + 61, C + 42, FIN | ACK, 1901 + delay * 1000, 1100)))
        frames.append((t + 1_000, c.out(C + 42, S + 62, ACK, 1300 + delay * 1000, 1901 + delay * 1000)))
    return frames


def late_rst():
    """The PC resets the connection; the RST is sent again 20 s later, and the share, which never saw the
    first, sends a data segment 25 s later that the PC resets once more. One alert, three packets after close."""
    c = Connection()
    frames = handshake_and_close(c, T0)[:5]
    frames.append((T0 + SECOND, c.out(C + 41, S + 61, RST | ACK, 1100, 901)))
    frames.append((T0 + 20 * SECOND, c.out(C + 41, S + 61, RST | ACK, 21100, 901)))
    frames.append((T0 + 25 * SECOND, c.back(S + 61, C + 41, PSH | ACK, 25901, 1100, b"\x00" * 10)))
    frames.append((T0 + 25 * SECOND + 1_000, c.out(C + 41, 0, RST, 25100, 0)))
    return frames


def reused_and_forgotten():
    """What must still be a new flow: the same ports opened again by a SYN 30 s after the close (a new
    connection: a second alert, initiator syn), and, after that one closed too, an ACK 10 minutes later,
    long after the closed connection is forgotten (a third flow: the capture began mid-connection as far
    as zonesep can tell; initiator inferred from the ports)."""
    c = Connection()
    frames = handshake_and_close(c, T0) + handshake_and_close(c, T0 + 30 * SECOND)
    frames.append((T0 + 630 * SECOND, c.out(C + 42, S + 62, ACK, 631300, 1901)))
    return frames


def syn_after_rst():
    """The share refuses the connection with a RST; the PC sends the same SYN (the same initial sequence
    number) again 0.5 s and 1.5 s later, each refused too, as Windows does before it reports "connection
    refused". One connect(): one flow of 3 + 3 packets, one alert (initiator syn)."""
    c = Connection()
    frames = []
    for t in (T0, T0 + SECOND // 2, T0 + 3 * SECOND // 2):
        frames.append((t, c.out(C, 0, SYN, 100)))
        frames.append((t + 1_000, c.back(0, C + 1, RST | ACK, 900, 100)))
    return frames


def new_syn_after_rst():
    """As `syn_after_rst`, but the SYN 0.5 s after the RST has another initial sequence number: a new
    connection on the same ports (a second flow, a second alert)."""
    c = Connection()
    return [
        (T0, c.out(C, 0, SYN, 100)),
        (T0 + 1_000, c.back(0, C + 1, RST | ACK, 900, 100)),
        (T0 + SECOND // 2, c.out(C + 100_000, 0, SYN, 600)),
        (T0 + SECOND // 2 + 1_000, c.back(0, C + 100_001, RST | ACK, 1400, 600)),
    ]


CASES = [
    ("retransmit-syn.pcap", "the SYN sent three times before the SYN-ACK", syn_retransmitted),
    ("retransmit-syn-busy.pcap", "the SYN sent three times, 100 other flows between each", syn_retransmitted_busy),
    ("retransmit-syn-ack.pcap", "SYN and SYN-ACK both sent twice", syn_ack_retransmitted),
    ("retransmit-late-fin.pcap", "FIN retransmitted 18 and 29 s after the close, each ACKed", late_fin),
    ("retransmit-late-rst.pcap", "RST sent again 20 s later, and data answered by a RST at 25 s", late_rst),
    ("retransmit-syn-after-rst.pcap", "the same SYN refused by a RST three times", syn_after_rst),
    ("retransmit-new-syn-after-rst.pcap", "a SYN refused, then a SYN of another ISN", new_syn_after_rst),
    ("retransmit-reused.pcap", "the ports reused by a SYN 30 s after the close; an ACK 10 min later", reused_and_forgotten),
]


def write_pcap(path: str, frames) -> None:
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for t, frame in frames:
            f.write(struct.pack("<IIII", t // SECOND, t % SECOND, len(frame), len(frame)))
            f.write(frame)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="directory to write the captures into")
    parser.add_argument("--list", action="store_true", help="print each file and what it holds")
    args = parser.parse_args()
    if args.list or not args.out:
        for name, description, build in CASES:
            print(f"{name:34} {len(build()):3} frames  {description}")
        return
    os.makedirs(args.out, exist_ok=True)
    for name, _, build in CASES:
        write_pcap(os.path.join(args.out, name), build())


if __name__ == "__main__":
    main()
