#!/usr/bin/env python3
"""Writes the demonstration captures of zonesep: one morning at みどり町役場 (zones.conf).

    python3 scripts/make-captures.py            # writes captures/ beside this script's repository
    python3 scripts/make-captures.py --out DIR  # somewhere else
    python3 scripts/make-captures.py --table    # prints the flow table (what each flow should get) and exits

Python 3 standard library only. The output is deterministic: fixed timestamps (2026-06-15, 08:30-09:30 JST),
a fixed random seed, and no wall-clock input, so a rerun is byte-identical.

The sensor writes one file per quarter hour, named by its UTC clock (tcpdump -G with TZ=UTC):

    span-2330.pcap    08:30-09:00 JST  classic pcap, microseconds
    span-0000.pcapng  09:00-09:15 JST  pcapng
    span-0015.pcap    09:15-09:30 JST  classic pcap, snaplen 256 (longer frames are cut: caplen < len)

Their names sort in another order than their times (0000 < 0015 < 2330): a replay of the directory must
order them by their first packet, or the flow that crosses from span-2330 into span-0000 is seen backwards.

Every frame is Ethernet. IPv4 header, TCP, UDP, ICMP and ICMPv6 checksums are correct; application payloads
are real enough (DNS, SMTP, HTTP, TLS records, RDP X.224, SMB2, STUN, NTP, DHCP, syslog...) that tshark
decodes every frame without a malformed-packet report.

The flows, and the verdict zonesep must give each, are in FLOWS below and in captures/README.md, which this
script writes too; the devices that the host rules (dual-homed-host, zone-vlan-mismatch) must flag are in
HOST_FINDINGS. Tests/ZonesepEndToEndTests/DemoReplayTests.swift holds the same expectations by hand.
"""

from __future__ import annotations

import argparse
import calendar
import os
import random
import struct
import sys
from dataclasses import dataclass, field
from packetkit import addr, csum, pseudo

SEED = 20260615

# ---------------------------------------------------------------------------------------------------------
# Time: everything is written in JST (UTC+9) and stored as microseconds since the Unix epoch (UTC).

JST = 9 * 3600


def at(hms: str) -> int:
    """'08:31:05.25' on 2026-06-15 JST -> microseconds since the epoch."""
    h, m, s = hms.split(":")
    sec, _, frac = s.partition(".")
    us = int((frac + "000000")[:6]) if frac else 0
    return (calendar.timegm((2026, 6, 15, int(h), int(m), int(sec))) - JST) * 1_000_000 + us


def ms(x: float) -> int:
    return int(round(x * 1000))


# ---------------------------------------------------------------------------------------------------------
# Checksums and headers.


def l4_checksum(src: bytes, dst: bytes, proto: int, segment: bytes, offset: int, zero_is_ffff=False) -> bytes:
    c = csum(pseudo(src, dst, proto, len(segment)) + segment)
    if zero_is_ffff and c == 0:
        c = 0xFFFF
    return segment[:offset] + struct.pack("!H", c) + segment[offset + 2 :]


TCP, UDP, ICMP, ICMP6 = 6, 17, 1, 58
FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


def tcp_segment(src, dst, sport, dport, seq, ack, flags, payload=b"", window=64240, options=b""):
    off = (20 + len(options)) // 4
    seg = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, off << 4, flags, window, 0, 0)
    seg += options + payload
    return l4_checksum(src, dst, TCP, seg, 16)


def udp_datagram(src, dst, sport, dport, payload):
    seg = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    return l4_checksum(src, dst, UDP, seg, 6, zero_is_ffff=True)


def icmp_message(typ, code, rest: bytes, body: bytes = b"") -> bytes:
    msg = struct.pack("!BBH", typ, code, 0) + rest + body
    return msg[:2] + struct.pack("!H", csum(msg)) + msg[4:]


def icmp6_message(src, dst, typ, code, body: bytes) -> bytes:
    msg = struct.pack("!BBH", typ, code, 0) + body
    return l4_checksum(src, dst, ICMP6, msg, 2)


def ipv4_packet(src, dst, proto, payload, ident, ttl=64, df=True, mf=False, frag_offset=0):
    flags = (0x4000 if df else 0) | (0x2000 if mf else 0) | (frag_offset // 8)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, flags, ttl, proto, 0, src, dst)
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + payload


def ipv6_packet(src, dst, nh, payload, hlim=64):
    return struct.pack("!IHBB16s16s", 6 << 28, len(payload), nh, hlim, src, dst) + payload


def mac(m: str) -> bytes:
    return bytes.fromhex(m.replace(":", ""))


ETH_IPV4, ETH_IPV6, ETH_ARP, ETH_8021Q, ETH_8021AD = 0x0800, 0x86DD, 0x0806, 0x8100, 0x88A8


def ether(dst: str, src: str, ethertype: int, payload: bytes, tags=()) -> bytes:
    """tags: VLAN ids, outermost first; with two, the outer one is an 802.1ad S-tag (QinQ)."""
    f = mac(dst) + mac(src)
    for i, vid in enumerate(tags):
        tpid = ETH_8021AD if (len(tags) == 2 and i == 0) else ETH_8021Q
        f += struct.pack("!HH", tpid, vid)
    f += struct.pack("!H", ethertype) + payload
    return f + b"\0" * max(0, 60 - len(f))  # minimum frame (the capture has no FCS)


# ---------------------------------------------------------------------------------------------------------
# Application payloads.

rng = random.Random(SEED)


def randbytes(n: int) -> bytes:
    return bytes(rng.getrandbits(8) for _ in range(n))


def dns_name(name: str) -> bytes:
    return b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"


def dns_query(qid: int, name: str, qtype=1, flags=0x0100) -> bytes:
    return struct.pack("!HHHHHH", qid, flags, 1, 0, 0, 0) + dns_name(name) + struct.pack("!HH", qtype, 1)


def dns_answer(qid: int, name: str, ip: str, ttl=300) -> bytes:
    rdata = addr(ip)
    qtype = 28 if len(rdata) == 16 else 1
    q = dns_name(name) + struct.pack("!HH", qtype, 1)
    a = b"\xc0\x0c" + struct.pack("!HHIH", qtype, 1, ttl, len(rdata)) + rdata
    return struct.pack("!HHHHHH", qid, 0x8180, 1, 1, 0, 0) + q + a


def tls_records(n: int, chunk=1400) -> bytes:
    """TLS 1.2 application-data records totalling n bytes of ciphertext."""
    out = b""
    while n > 0:
        k = min(n, chunk)
        out += b"\x17\x03\x03" + struct.pack("!H", k) + randbytes(k)
        n -= k
    return out


def http_request(method: str, target: str, host: str, extra="") -> bytes:
    return (f"{method} {target} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: Mozilla/5.0\r\n{extra}\r\n").encode()


def http_response(body_len: int, status="200 OK", ctype="text/html") -> bytes:
    body = (b"<html>" + b"x" * max(0, body_len - 13) + b"</html>")[:body_len] if body_len else b""
    head = f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
    return head + body


# RDP: TPKT + X.224 Connection Request / Confirm with an RDP negotiation asking for TLS.
RDP_X224_CR = bytes.fromhex("03000013" "0ee000000000" "00" "0100080003000000")
RDP_X224_CC = bytes.fromhex("03000013" "0ed000001234" "00" "0200080001000000")


def smb2_negotiate() -> bytes:
    hdr = b"\xfeSMB" + struct.pack("<HHIHHIIQIIQ16s", 64, 0, 0, 0, 31, 0, 0, 0, 0, 0, 0, b"\0" * 16)
    dialects = [0x0202, 0x0210, 0x0300, 0x0302]
    body = struct.pack("<HHHHI16sQ", 36, len(dialects), 1, 0, 0x7F, randbytes(16), 0)
    body += b"".join(struct.pack("<H", d) for d in dialects)
    msg = hdr + body
    return struct.pack("!I", len(msg)) + msg  # NetBIOS session message


def stun_binding_request(tid: bytes) -> bytes:
    return struct.pack("!HHI", 0x0001, 0, 0x2112A442) + tid


def stun_binding_response(tid: bytes, ip: str, port: int) -> bytes:
    xport = port ^ 0x2112
    xaddr = struct.unpack("!I", addr(ip))[0] ^ 0x2112A442
    attr = struct.pack("!HHBBHI", 0x0020, 8, 0, 1, xport, xaddr)
    return struct.pack("!HHI", 0x0101, len(attr), 0x2112A442) + tid + attr


def ntp_packet(mode: int, stratum: int, ts_seconds: int) -> bytes:
    ntp_ts = ts_seconds + 2208988800
    li_vn_mode = (0 << 6) | (4 << 3) | mode
    refid = b"GPS\0" if stratum == 1 else b"\0\0\0\0"
    stamps = struct.pack("!II", ntp_ts, 0x40000000)
    if mode == 3:  # client: only the transmit timestamp
        return struct.pack("!BBbb", li_vn_mode, 0, 6, -20) + b"\0" * 8 + refid + b"\0" * 24 + stamps
    return struct.pack("!BBbb", li_vn_mode, stratum, 6, -23) + struct.pack("!II", 0, 0x10) + refid + stamps * 4


def dhcp_message(op: int, xid: int, chaddr: str, msgtype: int, ciaddr="0.0.0.0", yiaddr="0.0.0.0",
                 siaddr="0.0.0.0", server_id: str | None = None) -> bytes:
    m = struct.pack("!BBBBIHH4s4s4s4s", op, 1, 6, 0, xid, 0, 0x8000, addr(ciaddr), addr(yiaddr), addr(siaddr),
                    addr("0.0.0.0"))
    m += mac(chaddr) + b"\0" * 10 + b"\0" * 64 + b"\0" * 128
    m += b"\x63\x82\x53\x63" + bytes([53, 1, msgtype])
    if server_id:
        m += bytes([54, 4]) + addr(server_id) + bytes([51, 4]) + struct.pack("!I", 86400)
        m += bytes([1, 4]) + addr("255.255.0.0") + bytes([3, 4]) + addr(server_id)
    m += bytes([55, 4, 1, 3, 6, 15, 255])
    return m + b"\0" * max(0, 300 - len(m))


def syslog(pri: int, host: str, msg: str) -> bytes:
    return f"<{pri}>Jun 15 09:06:00 {host} {msg}".encode()


# ---------------------------------------------------------------------------------------------------------
# The demonstration network: みどり町役場 (see zones.conf).

ROUTER = "02:00:00:00:00:01"  # the core L3 switch: every routed frame is to or from it

HOSTS = {
    # マイナンバー利用事務系 (VLAN 110)
    "10.10.1.5": "02:00:0a:0a:01:05",  # 中間サーバー連携端末 (conduit)
    "10.10.1.10": "02:00:0a:0a:01:0a",  # 住民記録システム
    "10.10.1.53": "02:00:0a:0a:01:35",  # 系内 DNS
    "10.10.2.21": "02:00:0a:0a:02:15",  # 住民課 端末
    # LGWAN接続系 (VLAN 120)
    "10.20.0.1": ROUTER,
    "10.20.1.53": "02:00:0a:14:01:35",  # LGWAN系 DNS
    "10.20.3.4": "02:00:0a:14:03:04",  # 職員 端末
    "10.20.3.9": "02:00:0a:14:03:09",  # 職員 端末
    "10.20.5.10": "02:00:0a:14:05:0a",  # LGWAN メールサーバ
    "10.20.7.20": "02:00:0a:14:07:14",  # 無害化ファイル受取サーバ
    "10.20.40.5": "02:00:0a:14:28:05",  # 支所 L2 スイッチ
    # インターネット接続系 (VLAN 130)
    "10.30.1.1": "02:00:0a:1e:01:01",  # プロキシ
    "10.30.1.5": "02:00:0a:1e:01:05",  # ログ収集サーバ
    "10.30.1.53": "02:00:0a:1e:01:35",  # DNS
    "10.30.5.10": "02:00:0a:1e:05:0a",  # メール無害化リレー
    "10.30.6.5": "02:00:0a:1e:06:05",  # 仮想ブラウザ (画面転送)
    "10.30.7.8": "02:00:0a:1e:07:08",  # 共有フォルダ
    "10.30.7.20": "02:00:0a:1e:07:14",  # ファイル無害化装置
    "10.30.8.15": "02:00:0a:1e:08:0f",  # 財政課 インターネット端末
    "10.30.9.10": "02:00:0a:1e:09:0a",  # 保守用 踏み台
    # not in any zone
    "10.99.0.50": "02:00:0a:63:00:32",  # 未登録プリンタ
    "10.99.0.60": "02:00:0a:63:00:3c",  # 私物 NAS
    "192.168.11.2": "02:00:c0:a8:0b:02",  # 持ち込み Wi-Fi ルータ
    "169.254.77.10": "02:00:a9:fe:4d:0a",  # APIPA の機器
    # IPv6 twins
    "fd00:10::1:10": "02:00:0a:0a:01:0a",
    "fd00:10::2:21": "02:00:0a:0a:02:15",
    "fd00:20::3:4": "02:00:0a:14:03:04",
    "fd00:20::5:10": "02:00:0a:14:05:0a",
    "fd00:30::8:15": "02:00:0a:1e:08:0f",
}

CONDUIT_MAC = HOSTS["10.10.1.5"]  # zones.conf: conduit intermediate-server, from.mac
SPOOFED_MAC = "02:00:5e:10:99:05"  # the same IP address on a replaced (unregistered) machine


def same_subnet(a: str, b: str) -> bool:
    if ":" in a or ":" in b:
        return ":" in a and ":" in b and addr(a)[:8] == addr(b)[:8]
    return addr(a)[:3] == addr(b)[:3]


# ---------------------------------------------------------------------------------------------------------
# Frames and flows.


@dataclass
class Frame:
    ts: int  # microseconds since the epoch
    data: bytes


FRAMES: list[Frame] = []
IP_ID: dict[str, int] = {}


def next_id(host: str) -> int:
    IP_ID[host] = (IP_ID.get(host, 0x1000 + len(IP_ID) * 0x0911) + 1) & 0xFFFF
    return IP_ID[host]


def emit(ts: int, data: bytes):
    FRAMES.append(Frame(ts, data))


@dataclass
class Flow:
    """One expected flow: what zonesep must make of it."""

    ref: str
    what: str
    proto: str
    src: str  # initiator ip
    sport: int | None
    dst: str  # responder ip
    dport: int | None
    src_zone: str
    dst_zone: str
    initiator: str  # syn | syn-ack | inferred | first-packet
    vlan: list = field(default_factory=list)
    verdict: str = "allowed"
    why: str = ""
    file: str = ""


FLOWS: list[Flow] = []


def expect(**kw) -> Flow:
    f = Flow(**kw)
    FLOWS.append(f)
    return f


class Conv:
    """A conversation between a client (the initiator) and a server, seen on the client's segment.

    Frames from the client go from its MAC to the router's (or the server's, on the same subnet); frames
    to it come back the other way, so the initiator's MAC is the source of what it sends and the destination
    of what it receives.
    """

    def __init__(self, cli: str, srv: str, vlan=(), cli_mac: str | None = None, srv_side_mac: str | None = None,
                 ttl=64):
        self.cli, self.srv = cli, srv
        self.c, self.s = addr(cli), addr(srv)
        self.v6 = len(self.c) == 16
        self.vlan = tuple(vlan)
        self.cmac = cli_mac or HOSTS.get(cli, ROUTER)
        if srv_side_mac:
            self.smac = srv_side_mac
        else:
            self.smac = HOSTS[srv] if (srv in HOSTS and same_subnet(cli, srv)) else ROUTER
        self.ttl = ttl

    def ip(self, ts: int, from_client: bool, proto: int, l4: bytes):
        src, dst = (self.c, self.s) if from_client else (self.s, self.c)
        if self.v6:
            pkt = ipv6_packet(src, dst, proto, l4, hlim=self.ttl)
            et = ETH_IPV6
        else:
            pkt = ipv4_packet(src, dst, proto, l4, next_id(self.cli if from_client else self.srv), ttl=self.ttl,
                              df=(proto == TCP))
            et = ETH_IPV4
        smac, dmac = (self.cmac, self.smac) if from_client else (self.smac, self.cmac)
        emit(ts, ether(dmac, smac, et, pkt, self.vlan))


class Tcp(Conv):
    def __init__(self, cli, cport, srv, sport, **kw):
        super().__init__(cli, srv, **kw)
        self.cport, self.sport = cport, sport
        self.cseq = rng.getrandbits(32)
        self.sseq = rng.getrandbits(32)
        self.syn_counted = False

    def seg(self, ts, from_client, flags, payload=b"", options=b"", seq=None):
        if from_client:
            s, a = (self.cseq if seq is None else seq), self.sseq
            l4 = tcp_segment(self.c, self.s, self.cport, self.sport, s, a if flags & ACK else 0, flags, payload,
                             options=options)
        else:
            s, a = (self.sseq if seq is None else seq), self.cseq
            l4 = tcp_segment(self.s, self.c, self.sport, self.cport, s, a if flags & ACK else 0, flags, payload,
                             window=65160, options=options)
        self.ip(ts, from_client, TCP, l4)
        if seq is None:
            adv = len(payload) + (1 if flags & (SYN | FIN) else 0)
            if from_client:
                self.cseq += adv
            else:
                self.sseq += adv

    MSS = struct.pack("!BBH", 2, 4, 1460)

    def syn(self, ts):
        self.seg(ts, True, SYN, options=self.MSS)
        self.syn_counted = True

    def synack(self, ts):
        if not self.syn_counted:  # the SYN was not captured, but the server saw it
            self.cseq += 1
            self.syn_counted = True
        self.seg(ts, False, SYN | ACK, options=self.MSS)

    def ack(self, ts, from_client=True):
        self.seg(ts, from_client, ACK)

    def data(self, ts, from_client, payload):
        self.seg(ts, from_client, PSH | ACK, payload)

    def fin(self, ts, from_client):
        self.seg(ts, from_client, FIN | ACK)

    def handshake(self, ts):
        self.syn(ts)
        self.synack(ts + ms(0.6))
        self.ack(ts + ms(0.8))
        return ts + ms(1)

    def close(self, ts, client_first=True):
        self.fin(ts, client_first)
        self.fin(ts + ms(0.5), not client_first)
        self.ack(ts + ms(0.7), client_first)
        return ts + ms(1)

    def exchange(self, ts, request: bytes, response: bytes, rtt=2.0):
        """The client sends a request; the server answers (in 1400-byte segments) and the client ACKs."""
        self.data(ts, True, request)
        t = ts + ms(rtt)
        for i in range(0, len(response), 1400):
            self.data(t, False, response[i : i + 1400])
            t += ms(0.2)
        self.ack(t + ms(0.3), True)
        return t + ms(1)


class Udp(Conv):
    def __init__(self, cli, cport, srv, sport, **kw):
        super().__init__(cli, srv, **kw)
        self.cport, self.sport = cport, sport

    def send(self, ts, from_client, payload):
        if from_client:
            l4 = udp_datagram(self.c, self.s, self.cport, self.sport, payload)
        else:
            l4 = udp_datagram(self.s, self.c, self.sport, self.cport, payload)
        self.ip(ts, from_client, UDP, l4)


class Ping(Conv):
    def __init__(self, cli, srv, ident, **kw):
        super().__init__(cli, srv, **kw)
        self.ident = ident

    def echo(self, ts, request: bool, seq: int, size=56):
        body = struct.pack("!II", 0x68C9A0B0 + seq, 0) + bytes((i & 0xFF) for i in range(size - 8))
        if self.v6:
            src, dst = (self.c, self.s) if request else (self.s, self.c)
            msg = icmp6_message(src, dst, 128 if request else 129, 0, struct.pack("!HH", self.ident, seq) + body)
            self.ip(ts, request, ICMP6, msg)
        else:
            msg = icmp_message(8 if request else 0, 0, struct.pack("!HH", self.ident, seq), body)
            self.ip(ts, request, ICMP, msg)


def fragmented_ipv4(ts, conv: Conv, from_client: bool, proto: int, l4: bytes, mtu=1500, gap=ms(0.05)):
    """An IPv4 datagram split into fragments of at most mtu bytes, first fragment first."""
    src, dst = (conv.c, conv.s) if from_client else (conv.s, conv.c)
    smac, dmac = (conv.cmac, conv.smac) if from_client else (conv.smac, conv.cmac)
    ident = next_id(conv.cli if from_client else conv.srv)
    step = (mtu - 20) // 8 * 8
    for off in range(0, len(l4), step):
        part = l4[off : off + step]
        pkt = ipv4_packet(src, dst, proto, part, ident, ttl=conv.ttl, df=False, mf=off + step < len(l4),
                          frag_offset=off)
        emit(ts, ether(dmac, smac, ETH_IPV4, pkt, conv.vlan))
        ts += gap
    return ts


# ---------------------------------------------------------------------------------------------------------
# The morning. Times are JST. Each block is one flow (or a few of the same kind) with its expected verdict.


def noise():
    """Link-local, broadcast and multicast chatter and same-zone DNS: none of it may raise an alert."""
    # ARP (not IP at all).
    arp = struct.pack("!HHBBH", 1, ETH_IPV4, 6, 4, 1) + mac(HOSTS["10.20.3.4"]) + addr("10.20.3.4")
    arp += b"\0" * 6 + addr("10.20.0.1")
    emit(at("08:30:00.120"), ether("ff:ff:ff:ff:ff:ff", HOSTS["10.20.3.4"], ETH_ARP, arp, (120,)))
    rep = struct.pack("!HHBBH", 1, ETH_IPV4, 6, 4, 2) + mac(ROUTER) + addr("10.20.0.1")
    rep += mac(HOSTS["10.20.3.4"]) + addr("10.20.3.4")
    emit(at("08:30:00.121"), ether(HOSTS["10.20.3.4"], ROUTER, ETH_ARP, rep, (120,)))
    arp2 = struct.pack("!HHBBH", 1, ETH_IPV4, 6, 4, 1) + mac(HOSTS["10.30.8.15"]) + addr("10.30.8.15")
    arp2 += b"\0" * 6 + addr("10.30.0.1")
    emit(at("09:00:10.400"), ether("ff:ff:ff:ff:ff:ff", HOSTS["10.30.8.15"], ETH_ARP, arp2, (130,)))

    # DHCP: a new PC (0.0.0.0 -> 255.255.255.255) and the relay's broadcast offer.
    newpc = "02:00:00:00:dd:01"
    d = Udp("0.0.0.0", 68, "255.255.255.255", 67, cli_mac=newpc, srv_side_mac="ff:ff:ff:ff:ff:ff", vlan=(120,))
    d.send(at("08:30:00.500"), True, dhcp_message(1, 0x3903F326, newpc, 1))
    o = Udp("10.20.0.1", 67, "255.255.255.255", 68, cli_mac=ROUTER, srv_side_mac="ff:ff:ff:ff:ff:ff", vlan=(120,))
    o.send(at("08:30:00.502"), True, dhcp_message(2, 0x3903F326, newpc, 2, yiaddr="10.20.3.77",
                                                  siaddr="10.20.0.1", server_id="10.20.0.1"))
    # A Mynumber-zone PC rebinding by broadcast: broadcast is `local`, not a cross-zone flow.
    r = Udp("10.10.2.21", 68, "255.255.255.255", 67, srv_side_mac="ff:ff:ff:ff:ff:ff", vlan=(110,))
    r.send(at("08:30:03.000"), True, dhcp_message(1, 0x1D2E3F40, HOSTS["10.10.2.21"], 3, ciaddr="10.10.2.21"))

    # mDNS from an LGWAN PC and from a Mynumber PC, SSDP from an Internet-zone PC, LLMNR from an APIPA device.
    m = Udp("10.20.3.4", 5353, "224.0.0.251", 5353, srv_side_mac="01:00:5e:00:00:fb", vlan=(120,), ttl=255)
    m.send(at("08:30:01.000"), True, dns_query(0, "_ipp._tcp.local", qtype=12, flags=0))
    m2 = Udp("10.10.2.21", 5353, "224.0.0.251", 5353, srv_side_mac="01:00:5e:00:00:fb", vlan=(110,), ttl=255)
    m2.send(at("08:30:01.200"), True, dns_query(0, "_printer._tcp.local", qtype=12, flags=0))
    m3 = Udp("10.30.8.15", 50900, "239.255.255.250", 1900, srv_side_mac="01:00:5e:7f:ff:fa", vlan=(130,), ttl=4)
    m3.send(at("08:30:01.500"), True, b"M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n"
                                       b"MAN: \"ssdp:discover\"\r\nMX: 1\r\nST: ssdp:all\r\n\r\n")
    ll = Udp("169.254.77.10", 50355, "224.0.0.252", 5355, srv_side_mac="01:00:5e:00:00:fc", ttl=1)
    ll.send(at("08:30:02.000"), True, dns_query(0x4C1A, "PRINTER01", flags=0))
    m4 = Udp("10.20.3.4", 5353, "224.0.0.251", 5353, srv_side_mac="01:00:5e:00:00:fb", vlan=(120,), ttl=255)
    m4.send(at("09:15:20.000"), True, dns_query(0, "_ipp._tcp.local", qtype=12, flags=0))

    # IPv6 router advertisement and neighbour discovery, all link-local / multicast.
    ll_router, ll_a, ll_b = addr("fe80::1"), addr("fe80::a:a02:15"), addr("fe80::a:a01:a")
    ra = icmp6_message(ll_router, addr("ff02::1"), 134, 0,
                       struct.pack("!BBHII", 64, 0, 1800, 0, 0) + bytes([1, 1]) + mac(ROUTER)
                       + bytes([3, 4, 64, 0xC0]) + struct.pack("!II", 86400, 14400) + b"\0" * 4
                       + addr("fd00:10::"))
    emit(at("08:30:02.300"), ether("33:33:00:00:00:01", ROUTER, ETH_IPV6,
                                   ipv6_packet(ll_router, addr("ff02::1"), ICMP6, ra, hlim=255), (110,)))
    target = addr("fd00:10::1:10")
    sol = addr("ff02::1:ff01:10")
    ns = icmp6_message(ll_a, sol, 135, 0, b"\0" * 4 + target + bytes([1, 1]) + mac(HOSTS["10.10.2.21"]))
    emit(at("08:30:02.600"), ether("33:33:ff:01:00:10", HOSTS["10.10.2.21"], ETH_IPV6,
                                   ipv6_packet(ll_a, sol, ICMP6, ns, hlim=255), (110,)))
    na = icmp6_message(ll_b, ll_a, 136, 0, struct.pack("!I", 0x60000000) + target + bytes([2, 1])
                       + mac(HOSTS["10.10.1.10"]))
    emit(at("08:30:02.601"), ether(HOSTS["10.10.2.21"], HOSTS["10.10.1.10"], ETH_IPV6,
                                   ipv6_packet(ll_b, ll_a, ICMP6, na, hlim=255), (110,)))

    for ref, what, proto, src, dst, zones in [
        ("N1", "ARP who-has 10.20.0.1 and its reply (VLAN 120); ARP from 10.30.8.15", "arp", "10.20.3.4",
         "10.20.0.1", ("-", "-")),
        ("N2", "DHCP discover 0.0.0.0 -> 255.255.255.255, the relay's offer to broadcast", "udp", "0.0.0.0",
         "255.255.255.255", ("local", "local")),
        ("N3", "DHCP request by broadcast from a Mynumber PC", "udp", "10.10.2.21", "255.255.255.255",
         ("mynumber", "local")),
        ("N4", "mDNS from an LGWAN PC (twice) and a Mynumber PC, SSDP from an Internet PC, LLMNR from "
         "169.254.77.10", "udp", "10.10.2.21", "224.0.0.251", ("(any)", "local")),
        ("N5", "IPv6 RA from fe80::1, NS/NA between link-local addresses", "icmpv6", "fe80::a:a02:15",
         "ff02::1:ff01:10", ("local", "local")),
    ]:
        expect(ref=ref, what=what, proto=proto, src=src, sport=None, dst=dst, dport=None, src_zone=zones[0],
               dst_zone=zones[1], initiator="-", verdict="none",
               why="not IP" if proto == "arp" else "multicast, broadcast, link-local: never a cross-zone flow")

    # DNS inside each zone, LGWAN DNS forwarding to the LGWAN, and the Internet zone's DNS to the security cloud.
    dns = [
        ("08:30:05.000", "10.20.3.4", 51053, "10.20.1.53", "portal.lgwan.example", "172.22.10.80", (120,), "N6",
         "lgwan", "lgwan"),
        ("08:30:05.010", "10.20.1.53", 53053, "172.21.0.53", "portal.lgwan.example", "172.22.10.80", (), "N7",
         "lgwan", "lgwan-wan"),
        ("08:30:06.000", "10.30.1.53", 40053, "203.0.113.11", "www.example.com", "198.51.100.99", (), "N8",
         "internet", "external"),
        ("08:30:07.000", "10.10.2.21", 52053, "10.10.1.53", "juki-ap.midori-town.internal", "10.10.1.10", (110,),
         "N9", "mynumber", "mynumber"),
    ]
    for i, (t, c, cp, s, name, ans, vlan, ref, cz, sz) in enumerate(dns):
        u = Udp(c, cp, s, 53, vlan=vlan)
        u.send(at(t), True, dns_query(0x5100 + i, name))
        u.send(at(t) + ms(1.2), False, dns_answer(0x5100 + i, name, ans))
        expect(ref=ref, what=f"DNS {name}", proto="udp", src=c, sport=cp, dst=s, dport=53, src_zone=cz,
               dst_zone=sz, initiator="first-packet", vlan=list(vlan),
               why={"N8": "the security cloud's DNS is a gateway"}.get(ref, "same zone kind"))



def allowed():
    # A1: Mynumber PC to the resident-records server (same zone), VLAN 110.
    t = at("08:31:00.000")
    c = Tcp("10.10.2.21", 50443, "10.10.1.10", 443, vlan=(110,))
    t = c.handshake(t)
    t = c.exchange(t, tls_records(320), tls_records(2900))
    t = c.exchange(t + ms(800), tls_records(180), tls_records(640))
    c.close(t + ms(400))
    expect(ref="A1", what="住民課端末 -> 住民記録システム https", proto="tcp", src="10.10.2.21", sport=50443,
           dst="10.10.1.10", dport=443, src_zone="mynumber", dst_zone="mynumber", initiator="syn", vlan=[110],
           why="same zone")

    # A2: the same over IPv6.
    t = at("08:31:30.000")
    c = Tcp("fd00:10::2:21", 50444, "fd00:10::1:10", 443, vlan=(110,))
    t = c.handshake(t)
    t = c.exchange(t, tls_records(300), tls_records(1800))
    c.close(t + ms(300))
    expect(ref="A2", what="same over IPv6", proto="tcp", src="fd00:10::2:21", sport=50444, dst="fd00:10::1:10",
           dport=443, src_zone="mynumber", dst_zone="mynumber", initiator="syn", vlan=[110], why="same zone")

    # A3: the conduit, from the registered machine (MAC matches).
    t = at("08:32:00.000")
    c = Tcp("10.10.1.5", 51443, "172.20.9.9", 443, vlan=(110,))
    t = c.handshake(t)
    t = c.exchange(t, tls_records(512), tls_records(4000), rtt=12)
    c.close(t + ms(200))
    expect(ref="A3", what="中間サーバー連携 (conduit, registered MAC)", proto="tcp", src="10.10.1.5", sport=51443,
           dst="172.20.9.9", dport=443, src_zone="mynumber", dst_zone="lgwan-wan", initiator="syn", vlan=[110],
           why="conduit intermediate-server: address, port and MAC match")

    # A4: the conduit again, first captured packet a SYN-ACK: the initiator's MAC is that frame's destination.
    t = at("08:40:00.000")
    c = Tcp("10.10.1.5", 51444, "172.20.9.9", 443, vlan=(110,))
    c.synack(t)
    c.ack(t + ms(0.3))
    t = c.exchange(t + ms(1), tls_records(400), tls_records(1200), rtt=12)
    c.close(t + ms(100))
    expect(ref="A4", what="conduit, SYN lost: first packet is the SYN-ACK", proto="tcp", src="10.10.1.5",
           sport=51444, dst="172.20.9.9", dport=443, src_zone="mynumber", dst_zone="lgwan-wan",
           initiator="syn-ack", vlan=[110],
           why="conduit matches; the initiator's MAC is the SYN-ACK's destination MAC, which is registered")

    # A5: screen transfer (virtual browser over RDP), a session that runs across all three files.
    t = at("08:33:00.000")
    c = Tcp("10.20.3.4", 50389, "10.30.6.5", 3389, vlan=(120,))
    t = c.handshake(t)
    c.data(t, True, RDP_X224_CR)
    c.data(t + ms(1.5), False, RDP_X224_CC)
    c.ack(t + ms(1.8))
    t = c.exchange(t + ms(3), tls_records(1200), tls_records(3600))
    k = at("08:33:30.000")
    while k < at("09:29:00.000"):
        c.exchange(k, tls_records(96), tls_records(1300 if (k // 1_000_000) % 120 < 60 else 2600), rtt=1.1)
        k += 60_000_000
    c.close(at("09:29:00.000"))
    expect(ref="A5", what="仮想ブラウザ RDP session 08:33-09:29 (spans all three files; frames cut by snaplen "
           "in span-0015)", proto="tcp", src="10.20.3.4", sport=50389, dst="10.30.6.5", dport=3389,
           src_zone="lgwan", dst_zone="internet", initiator="syn", vlan=[120],
           why="sanitisation path virtual-browser (screen-transfer, default ports)")

    # A6: VMware Blast over UDP (a default screen-transfer port), one datagram in three IPv4 fragments.
    t = at("09:01:00.000")
    u = Udp("10.20.3.4", 51022, "10.30.6.5", 22443)
    big = udp_datagram(u.c, u.s, 51022, 22443, randbytes(2992))
    t = fragmented_ipv4(t, u, True, UDP, big)
    u.send(t + ms(2), False, randbytes(120))
    u.send(t + ms(40), True, randbytes(64))
    expect(ref="A6", what="Blast udp/22443, first datagram in 3 IPv4 fragments", proto="udp", src="10.20.3.4",
           sport=51022, dst="10.30.6.5", dport=22443, src_zone="lgwan", dst_zone="internet",
           initiator="first-packet", why="virtual-browser default ports; the fragments stay in the one flow")

    # A7: mail text conversion: the relay in the Internet zone delivers text-only mail to the LGWAN mail server.
    t = at("08:34:00.000")
    c = Tcp("10.30.5.10", 50025, "10.20.5.10", 25)
    t = c.handshake(t)
    smtp = [
        (False, b"220 mail.midori-town.lg.jp ESMTP\r\n"),
        (True, b"EHLO relay.midori-town.example\r\n"),
        (False, b"250-mail.midori-town.lg.jp\r\n250 8BITMIME\r\n"),
        (True, b"MAIL FROM:<info@example.com>\r\n"),
        (False, b"250 2.1.0 Ok\r\n"),
        (True, b"RCPT TO:<soumu@midori-town.lg.jp>\r\n"),
        (False, b"250 2.1.5 Ok\r\n"),
        (True, b"DATA\r\n"),
        (False, b"354 End data with <CR><LF>.<CR><LF>\r\n"),
        (True, b"Subject: =?UTF-8?B?5Lya6K2w44Gu5qGI5YaF?=\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n"
         + b"(text converted by the sanitiser)\r\n.\r\n"),
        (False, b"250 2.0.0 Ok: queued\r\n"),
        (True, b"QUIT\r\n"),
        (False, b"221 2.0.0 Bye\r\n"),
    ]
    for from_client, line in smtp:
        c.data(t, from_client, line)
        t += ms(3)
    c.close(t, client_first=False)
    expect(ref="A7", what="メール無害化リレー -> LGWAN mail server smtp", proto="tcp", src="10.30.5.10", sport=50025,
           dst="10.20.5.10", dport=25, src_zone="internet", dst_zone="lgwan", initiator="syn",
           why="sanitisation path mail-text-relay, in its direction")

    # A8: the file sanitiser pushes a cleaned file to the LGWAN-side receiving server.
    t = at("08:35:00.000")
    c = Tcp("10.30.7.20", 50443, "10.20.7.20", 443)
    t = c.handshake(t)
    c.data(t, True, tls_records(1400))
    c.data(t + ms(0.1), True, tls_records(1400))
    c.data(t + ms(0.2), True, tls_records(900))
    c.ack(t + ms(2), False)
    c.data(t + ms(5), False, tls_records(200))
    c.close(t + ms(9))
    expect(ref="A8", what="ファイル無害化装置 -> 受取サーバ https", proto="tcp", src="10.30.7.20", sport=50443,
           dst="10.20.7.20", dport=443, src_zone="internet", dst_zone="lgwan", initiator="syn",
           why="sanitisation path file-sanitiser, tcp/443")

    # A9: the Internet-zone proxy to the security cloud's proxy; A13: a PC to its zone's proxy.
    t = at("08:36:00.000")
    p = Tcp("10.30.1.1", 40080, "203.0.113.10", 8080)
    t = p.handshake(t)
    t = p.exchange(t, http_request("CONNECT", "www.example.com:443", "www.example.com:443"),
                   b"HTTP/1.1 200 Connection established\r\n\r\n", rtt=8)
    t = p.exchange(t, tls_records(300), tls_records(2400), rtt=20)
    p.close(t)
    expect(ref="A9", what="プロキシ -> 自治体情報セキュリティクラウド proxy", proto="tcp", src="10.30.1.1",
           sport=40080, dst="203.0.113.10", dport=8080, src_zone="internet", dst_zone="external", initiator="syn",
           why="203.0.113.10 is a gateway")
    t = at("08:36:10.000")
    q = Tcp("10.30.8.15", 50445, "10.30.1.1", 8080, vlan=(130,))
    t = q.handshake(t)
    t = q.exchange(t, http_request("GET", "http://www.example.com/", "www.example.com"), http_response(900))
    q.close(t)
    expect(ref="A13", what="インターネット端末 -> proxy", proto="tcp", src="10.30.8.15", sport=50445,
           dst="10.30.1.1", dport=8080, src_zone="internet", dst_zone="internet", initiator="syn", vlan=[130],
           why="same zone")

    # A9b: IPv6, Internet zone to the security cloud's IPv6 gateway.
    t = at("09:10:00.000")
    c = Tcp("fd00:30::8:15", 50446, "2001:db8:113::10", 443, vlan=(130,))
    t = c.handshake(t)
    t = c.exchange(t, tls_records(400), tls_records(1000), rtt=9)
    c.close(t)
    expect(ref="A9b", what="IPv6 インターネット端末 -> security cloud", proto="tcp", src="fd00:30::8:15",
           sport=50446, dst="2001:db8:113::10", dport=443, src_zone="internet", dst_zone="external",
           initiator="syn", vlan=[130], why="2001:db8:113::10 is a gateway")

    # A10: web conference, allowed by an exception valid until 2027-03-31 (tcp/443 and STUN udp/3478).
    t = at("08:37:00.000")
    c = Tcp("10.30.8.15", 50447, "198.51.100.20", 443, vlan=(130,))
    t = c.handshake(t)
    t = c.exchange(t, tls_records(500), tls_records(2000), rtt=15)
    c.close(t)
    expect(ref="A10", what="Web会議 https", proto="tcp", src="10.30.8.15", sport=50447, dst="198.51.100.20",
           dport=443, src_zone="internet", dst_zone="external", initiator="syn", vlan=[130],
           why="exception web-conference (expires 2027-03-31)")
    tid = randbytes(12)
    u = Udp("10.30.8.15", 50478, "198.51.100.20", 3478, vlan=(130,))
    u.send(at("08:37:01.000"), True, stun_binding_request(tid))
    u.send(at("08:37:01.015"), False, stun_binding_response(tid, "203.0.113.50", 61002))
    expect(ref="A10b", what="Web会議 STUN", proto="udp", src="10.30.8.15", sport=50478, dst="198.51.100.20",
           dport=3478, src_zone="internet", dst_zone="external", initiator="first-packet", vlan=[130],
           why="exception web-conference, udp/3478-3481")

    # A11: vendor remote maintenance, by an exception that expires at the end of today (JST).
    t = at("09:20:00.000")
    c = Tcp("10.30.9.10", 50022, "192.0.2.200", 22)
    t = c.handshake(t)
    c.data(t, False, b"SSH-2.0-OpenSSH_9.6\r\n")
    c.data(t + ms(1), True, b"SSH-2.0-OpenSSH_for_Windows_9.5\r\n")
    c.ack(t + ms(12), False)
    c.close(t + ms(40))
    expect(ref="A11", what="保守業者リモート保守 ssh", proto="tcp", src="10.30.9.10", sport=50022, dst="192.0.2.200",
           dport=22, src_zone="internet", dst_zone="external", initiator="syn",
           why="exception vendor-remote-maintenance, expires = 2026-06-15: valid to 23:59:59 JST that day")

    # A12: LGWAN zone and the LGWAN beyond the town hall: both `lgwan` kind.
    t = at("08:38:00.000")
    c = Tcp("10.20.3.4", 50480, "172.22.10.80", 443, vlan=(120,))
    t = c.handshake(t)
    t = c.exchange(t, tls_records(350), tls_records(5000), rtt=11)
    c.close(t)
    expect(ref="A12", what="職員端末 -> LGWAN ポータル https", proto="tcp", src="10.20.3.4", sport=50480,
           dst="172.22.10.80", dport=443, src_zone="lgwan", dst_zone="lgwan-wan", initiator="syn", vlan=[120],
           why="same zone kind (lgwan)")
    t = at("08:38:40.000")
    c = Tcp("172.22.30.25", 40025, "10.20.5.10", 25, cli_mac=ROUTER, srv_side_mac=HOSTS["10.20.5.10"])
    t = c.handshake(t)
    for from_client, line in [(False, b"220 mail.midori-town.lg.jp ESMTP\r\n"), (True, b"HELO asp.lgwan.example\r\n"),
                              (False, b"250 mail.midori-town.lg.jp\r\n"), (True, b"QUIT\r\n"),
                              (False, b"221 2.0.0 Bye\r\n")]:
        c.data(t, from_client, line)
        t += ms(10)
    c.close(t, client_first=False)
    expect(ref="A12b", what="LGWAN-ASP -> LGWAN mail server smtp", proto="tcp", src="172.22.30.25", sport=40025,
           dst="10.20.5.10", dport=25, src_zone="lgwan-wan", dst_zone="lgwan", initiator="syn",
           why="same zone kind (lgwan)")


def violations():
    V = []

    def alert(**kw):
        V.append(expect(**kw))

    # V1: conduit addresses and port, but from a machine with another MAC.
    t = at("08:41:00.000")
    c = Tcp("10.10.1.5", 51445, "172.20.9.9", 443, vlan=(110,), cli_mac=SPOOFED_MAC)
    t = c.handshake(t)
    t = c.exchange(t, tls_records(512), tls_records(1500), rtt=12)
    c.close(t)
    alert(ref="V1", what=f"conduit from a replaced machine (MAC {SPOOFED_MAC})", proto="tcp", src="10.10.1.5",
          sport=51445, dst="172.20.9.9", dport=443, src_zone="mynumber", dst_zone="lgwan-wan", initiator="syn",
          vlan=[110], verdict="conduit-mac-mismatch", why=f"conduit intermediate-server names mac {CONDUIT_MAC}")

    # V2: Mynumber PC sends syslog to the Internet zone's collector, which answers port unreachable.
    t = at("08:42:00.000")
    u = Udp("10.10.2.21", 50514, "10.30.1.5", 514)
    msg = syslog(134, "JUMIN-PC21", "MsiInstaller: product installed")
    u.send(t, True, msg)
    inner = ipv4_packet(u.c, u.s, UDP, udp_datagram(u.c, u.s, 50514, 514, msg), IP_ID["10.10.2.21"], df=False)
    unreach = icmp_message(3, 3, b"\0\0\0\0", inner[:28])
    u.ip(t + ms(0.4), False, ICMP, unreach)
    u.send(t + ms(5000), True, msg)
    inner = ipv4_packet(u.c, u.s, UDP, udp_datagram(u.c, u.s, 50514, 514, msg), IP_ID["10.10.2.21"], df=False)
    u.ip(t + ms(5000.4), False, ICMP, icmp_message(3, 3, b"\0\0\0\0", inner[:28]))
    alert(ref="V2", what="住民課端末 syslog -> インターネット系ログサーバ; ICMP port unreachable back (x2)",
          proto="udp", src="10.10.2.21", sport=50514, dst="10.30.1.5", dport=514, src_zone="mynumber",
          dst_zone="internet", initiator="first-packet", verdict="mynumber-isolation",
          why="no conduit; the ICMP errors travel with this flow (no alert of their own)")

    # V3: Mynumber PC straight to the security cloud: a gateway is still external for a Mynumber zone.
    t = at("08:43:00.000")
    c = Tcp("10.10.2.21", 50445, "203.0.113.10", 443, vlan=(110,))
    t = c.handshake(t)
    t = c.exchange(t, tls_records(300), tls_records(300), rtt=9)
    c.close(t)
    alert(ref="V3", what="住民課端末 -> security cloud https", proto="tcp", src="10.10.2.21", sport=50445,
          dst="203.0.113.10", dport=443, src_zone="mynumber", dst_zone="external", initiator="syn", vlan=[110],
          verdict="mynumber-isolation", why="gateways do not apply to mynumber zones")

    # V4: Mynumber PC to the virtual browser, caught from the SYN-ACK on.
    t = at("09:02:00.000")
    c = Tcp("10.10.2.21", 50389, "10.30.6.5", 3389)
    c.synack(t)
    c.ack(t + ms(0.2))
    c.data(t + ms(0.5), True, RDP_X224_CR)
    c.data(t + ms(2), False, RDP_X224_CC)
    c.close(t + ms(30))
    alert(ref="V4", what="住民課端末 -> 仮想ブラウザ rdp, first packet SYN-ACK", proto="tcp", src="10.10.2.21",
          sport=50389, dst="10.30.6.5", dport=3389, src_zone="mynumber", dst_zone="internet",
          initiator="syn-ack", verdict="mynumber-isolation",
          why="screen-transfer paths start in lgwan, and mynumber-isolation comes first anyway")

    # V5: Mynumber PC prints on an unregistered printer: mynumber-isolation comes before unzoned-host.
    t = at("09:03:00.000")
    c = Tcp("10.10.2.21", 50910, "10.99.0.50", 9100)
    t = c.handshake(t)
    c.data(t, True, b"\x1b%-12345X@PJL JOB NAME=\"juminhyo\"\r\n@PJL ENTER LANGUAGE=PCL\r\n")
    c.ack(t + ms(1), False)
    c.close(t + ms(20))
    alert(ref="V5", what="住民課端末 -> 未登録プリンタ tcp/9100", proto="tcp", src="10.10.2.21", sport=50910,
          dst="10.99.0.50", dport=9100, src_zone="mynumber", dst_zone="unzoned", initiator="syn",
          verdict="mynumber-isolation", why="rule order: mynumber-isolation before unzoned-host")

    # V6: ping from a Mynumber PC to the intermediate server, the first echo request not captured.
    t = at("09:04:00.000")
    p = Ping("10.10.2.21", "172.20.9.9", 0x0001)
    p.echo(t, False, 1)
    for seq in (2, 3):
        p.echo(t + (seq - 1) * 1_000_000, True, seq)
        p.echo(t + (seq - 1) * 1_000_000 + ms(11), False, seq)
    alert(ref="V6", what="ping 住民課端末 -> 172.20.9.9, first packet an echo reply", proto="icmp",
          src="10.10.2.21", sport=None, dst="172.20.9.9", dport=None, src_zone="mynumber", dst_zone="lgwan-wan",
          initiator="first-packet", verdict="mynumber-isolation",
          why="initiator = receiver of the echo reply; the conduit is tcp/443 from 10.10.1.5 only")

    # V7: ICMPv6 ping from the Mynumber zone to the LGWAN mail server (an IPv6 violation).
    t = at("09:05:00.000")
    p = Ping("fd00:10::2:21", "fd00:20::5:10", 0x0002, vlan=(110,))
    for seq in (1, 2):
        p.echo(t + (seq - 1) * 1_000_000, True, seq)
        p.echo(t + (seq - 1) * 1_000_000 + ms(0.5), False, seq)
    alert(ref="V7", what="ICMPv6 ping mynumber -> lgwan", proto="icmpv6", src="fd00:10::2:21", sport=None,
          dst="fd00:20::5:10", dport=None, src_zone="mynumber", dst_zone="lgwan", initiator="first-packet",
          vlan=[110], verdict="mynumber-isolation", why="no conduit")

    # V8: SMB from an LGWAN PC to a share in the Internet zone (the DESIGN.md example).
    t = at("08:44:00.000")
    c = Tcp("10.20.3.4", 51512, "10.30.7.8", 445, vlan=(120,))
    t = c.handshake(t)
    c.data(t, True, smb2_negotiate())
    c.ack(t + ms(2), False)
    c.seg(t + ms(30), False, RST | ACK)
    alert(ref="V8", what="職員端末 -> インターネット系共有フォルダ SMB", proto="tcp", src="10.20.3.4", sport=51512,
          dst="10.30.7.8", dport=445, src_zone="lgwan", dst_zone="internet", initiator="syn", vlan=[120],
          verdict="sanitisation-bypass", why="no sanitisation path for tcp/445")

    # V9: the mail path used backwards: the LGWAN mail server connects out to the relay.
    t = at("08:45:00.000")
    c = Tcp("10.20.5.10", 50026, "10.30.5.10", 25)
    t = c.handshake(t)
    c.data(t, False, b"220 relay.midori-town.example ESMTP\r\n")
    c.data(t + ms(2), True, b"EHLO mail.midori-town.lg.jp\r\n")
    c.data(t + ms(4), False, b"250 relay.midori-town.example\r\n")
    c.data(t + ms(6), True, b"QUIT\r\n")
    c.data(t + ms(8), False, b"221 Bye\r\n")
    c.close(t + ms(10), client_first=False)
    alert(ref="V9", what="LGWAN mail server -> メール無害化リレー smtp (wrong direction)", proto="tcp",
          src="10.20.5.10", sport=50026, dst="10.30.5.10", dport=25, src_zone="lgwan", dst_zone="internet",
          initiator="syn", verdict="sanitisation-bypass",
          why="mail-text-relay runs from 10.30.5.10 to 10.20.5.10, not the other way")

    # V10: a branch office switch, over the wide-area Ethernet (QinQ), logs to the Internet zone's collector.
    t = at("09:06:00.000")
    u = Udp("10.20.40.5", 51514, "10.30.1.5", 514, vlan=(1000, 120))
    u.send(t, True, syslog(189, "shisho-sw01", "%LINK-3-UPDOWN: Interface Gi1/0/7, changed state to up"))
    alert(ref="V10", what="支所スイッチ syslog over QinQ (S-tag 1000, C-tag 120), one frame", proto="udp",
          src="10.20.40.5", sport=51514, dst="10.30.1.5", dport=514, src_zone="lgwan", dst_zone="internet",
          initiator="first-packet", vlan=[1000, 120], verdict="sanitisation-bypass", why="no path for udp/514")

    # V11: a big ping from an LGWAN PC to the Internet zone, request and reply each in two IPv4 fragments.
    t = at("09:07:00.000")
    p = Ping("10.20.3.9", "10.30.7.8", 0x0003)
    body = bytes((i & 0xFF) for i in range(2000))
    req = icmp_message(8, 0, struct.pack("!HH", 0x0003, 1), body)
    rep = icmp_message(0, 0, struct.pack("!HH", 0x0003, 1), body)
    t = fragmented_ipv4(t, p, True, ICMP, req)
    fragmented_ipv4(t + ms(0.6), p, False, ICMP, rep)
    alert(ref="V11", what="ping -s 2000 lgwan -> internet, fragmented both ways", proto="icmp", src="10.20.3.9",
          sport=None, dst="10.30.7.8", dport=None, src_zone="lgwan", dst_zone="internet", initiator="first-packet",
          verdict="sanitisation-bypass", why="no path allows icmp; fragments are the same flow")

    # V12: LGWAN PC to a public address, the connection running from span-2330 into span-0000.
    t = at("08:59:50.000")
    c = Tcp("10.20.3.9", 52443, "192.0.2.10", 443)
    t = c.handshake(t)
    c.exchange(at("08:59:58.000"), tls_records(517), tls_records(2800), rtt=14)
    c.exchange(at("09:00:03.000"), tls_records(90), tls_records(700), rtt=14)
    c.close(at("09:00:05.000"))
    alert(ref="V12", what="職員端末 -> 192.0.2.10 https, 08:59:50-09:00:05 across two files", proto="tcp",
          src="10.20.3.9", sport=52443, dst="192.0.2.10", dport=443, src_zone="lgwan", dst_zone="external",
          initiator="syn", verdict="lgwan-external", why="LGWAN zone to the Internet; one flow, one alert")

    # V13: LGWAN PC to the security cloud's proxy: gateways are for Internet zones only.
    t = at("09:08:00.000")
    c = Tcp("10.20.3.4", 50808, "203.0.113.11", 8080)
    t = c.handshake(t)
    t = c.exchange(t, http_request("CONNECT", "www.example.com:443", "www.example.com:443"),
                   b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n", rtt=8)
    c.close(t)
    alert(ref="V13", what="職員端末 -> security cloud proxy", proto="tcp", src="10.20.3.4", sport=50808,
          dst="203.0.113.11", dport=8080, src_zone="lgwan", dst_zone="external", initiator="syn",
          verdict="lgwan-external", why="a gateway does not excuse an lgwan zone")

    # V14: the same over IPv6, VLAN 120.
    t = at("09:09:00.000")
    c = Tcp("fd00:20::3:4", 50600, "2001:db8:cafe::10", 443, vlan=(120,))
    t = c.handshake(t)
    t = c.exchange(t, tls_records(517), tls_records(1400), rtt=30)
    c.close(t)
    alert(ref="V14", what="IPv6 職員端末 -> 2001:db8:cafe::10 https", proto="tcp", src="fd00:20::3:4",
          sport=50600, dst="2001:db8:cafe::10", dport=443, src_zone="lgwan", dst_zone="external", initiator="syn",
          vlan=[120], verdict="lgwan-external", why="LGWAN zone to the Internet, over IPv6")

    # V15: direct e-Tax access, whose exception expired at the end of 2026-06-14 JST (15:00 UTC that day).
    t = at("08:46:00.000")
    c = Tcp("10.30.8.15", 50481, "192.0.2.80", 443, vlan=(130,))
    t = c.handshake(t)
    t = c.exchange(t, tls_records(517), tls_records(2600), rtt=10)
    c.close(t)
    alert(ref="V15", what="財政課端末 -> 192.0.2.80 https (exception etax-direct expired 2026-06-14)", proto="tcp",
          src="10.30.8.15", sport=50481, dst="192.0.2.80", dport=443, src_zone="internet", dst_zone="external",
          initiator="syn", vlan=[130], verdict="security-cloud-bypass",
          why="expired: 08:46 JST on 06-15 is after the end of 06-14 JST (though 06-14 still, in UTC)")

    # V16: HTTP to a non-gateway address; closed with FIN, a late retransmitted FIN, then the same ports reused.
    t = at("08:47:00.000")
    c = Tcp("10.30.8.15", 50080, "203.0.113.200", 80, vlan=(130,))
    t = c.handshake(t)
    t = c.exchange(t, http_request("GET", "/", "www.example.net"), http_response(1800), rtt=6)
    c.fin(t, True)
    c.fin(t + ms(6), False)
    c.ack(t + ms(6.3), True)
    c.seg(t + ms(3000), False, FIN | ACK, seq=c.sseq - 1)  # late: inside the 10 s linger
    c.ack(t + ms(3000.2), True)
    c2 = Tcp("10.30.8.15", 50080, "203.0.113.200", 80, vlan=(130,))
    t = c2.handshake(at("08:47:45.000"))
    t = c2.exchange(t, http_request("GET", "/favicon.ico", "www.example.net"), http_response(0, "404 Not Found"),
                    rtt=6)
    c2.close(t)
    for n, when in ((1, "08:47:00"), (2, "08:47:45")):
        alert(ref=f"V16.{n}", what=f"財政課端末 -> 203.0.113.200 http, connection {n} of 2 on the same ports "
              f"({when})", proto="tcp", src="10.30.8.15", sport=50080, dst="203.0.113.200", dport=80,
              src_zone="internet", dst_zone="external", initiator="syn", vlan=[130],
              verdict="security-cloud-bypass",
              why="not a gateway; the second SYN comes 45 s after the FIN, so it starts a second flow")

    # V17: NTP to a public server, the first captured packet being the server's reply (from port 123).
    t = at("09:15:00.000")
    u = Udp("10.30.8.15", 50123, "203.0.113.200", 123, vlan=(130,))
    u.send(t, False, ntp_packet(4, 2, t // 1_000_000))
    u.send(t + ms(16000), True, ntp_packet(3, 0, t // 1_000_000 + 16))
    u.send(t + ms(16012), False, ntp_packet(4, 2, t // 1_000_000 + 16))
    alert(ref="V17", what="財政課端末 ntp -> 203.0.113.200, first packet the reply", proto="udp", src="10.30.8.15",
          sport=50123, dst="203.0.113.200", dport=123, src_zone="internet", dst_zone="external",
          initiator="inferred", vlan=[130], verdict="security-cloud-bypass",
          why="first packet from port 123 (well-known) to 50123 (dynamic): 123 is the responder")

    # V18: the web-conference peer, but on a port the exception does not name.
    t = at("09:16:00.000")
    c = Tcp("10.30.8.15", 50482, "198.51.100.20", 8080, vlan=(130,))
    t = c.handshake(t)
    t = c.exchange(t, http_request("GET", "/status", "198.51.100.20:8080"), http_response(300), rtt=15)
    c.close(t)
    alert(ref="V18", what="財政課端末 -> 198.51.100.20:8080 (exception names tcp/443, udp/3478-3481)",
          proto="tcp", src="10.30.8.15", sport=50482, dst="198.51.100.20", dport=8080, src_zone="internet",
          dst_zone="external", initiator="syn", vlan=[130], verdict="security-cloud-bypass",
          why="exception web-conference does not cover tcp/8080")

    # V19: a Wi-Fi router plugged into the LGWAN floor asks the LGWAN DNS, twice 5 minutes apart (same ports).
    for n, when in ((1, "08:50:00.000"), (2, "08:55:00.000")):
        t = at(when)
        u = Udp("192.168.11.2", 49500, "10.20.1.53", 53)
        u.send(t, True, dns_query(0x7700 + n, "time.example.jp"))
        u.send(t + ms(0.9), False, dns_answer(0x7700 + n, "time.example.jp", "203.0.113.123"))
        alert(ref=f"V19.{n}", what=f"持ち込みルータ -> LGWAN DNS, query {n} of 2 ({when[:5]})", proto="udp",
              src="192.168.11.2", sport=49500, dst="10.20.1.53", dport=53, src_zone="unzoned", dst_zone="lgwan",
              initiator="first-packet", verdict="unzoned-host",
              why="192.168.11.2 is internal but in no zone; UDP idle 120 s, so 300 s later is a new flow")

    # V20: a private NAS, caught mid-stream: its HTTP response is the first packet seen.
    t = at("09:17:00.000")
    c = Tcp("10.20.3.4", 50880, "10.99.0.60", 80)
    c.syn_counted = True
    resp = http_response(3000)
    c.data(t, False, resp[:1400])
    c.data(t + ms(0.2), False, resp[1400:2800])
    c.ack(t + ms(0.5), True)
    c.data(t + ms(0.7), False, resp[2800:])
    c.ack(t + ms(1), True)
    c.close(t + ms(50))
    alert(ref="V20", what="職員端末 <- 私物NAS http, caught mid-stream (first packet from port 80)", proto="tcp",
          src="10.20.3.4", sport=50880, dst="10.99.0.60", dport=80, src_zone="lgwan", dst_zone="unzoned",
          initiator="inferred", verdict="unzoned-host", why="80 (well-known) ranks before 50880: it is the responder")
    return V


# ---------------------------------------------------------------------------------------------------------
# Devices: the host rules (dual-homed-host, zone-vlan-mismatch). They judge the device behind the addresses, so
# every flow below is allowed on its own (same zone) and only the host rules can see what is wrong.


@dataclass
class HostFinding:
    """One expected host alert: the MAC, the address (with its zone and VLANs) that completed the finding, at
    which packet, and every address the MAC was seen with by then (first seen first)."""

    ref: str
    what: str
    rule: str
    severity: str
    mac: str
    when: str  # JST time of the packet that completed the finding
    ip: str
    zone: str
    vlan: list
    addresses: list  # [(ip, zone, [vlan ids])]
    why: str


HOST_FINDINGS: list[HostFinding] = []
# Devices that must raise no host alert, and why (for the README's table).
HOST_QUIET: list[tuple[str, str, str]] = []

TWO_NIC_MAC = "02:00:0a:14:03:21"  # 職員の私物 PC, two network cards (LGWAN and Internet VLANs)
BRIDGE_MAC = "02:00:0a:0a:02:1f"  # 住民課の端末に USB LAN アダプタ: Mynumber and LGWAN at once
ROGUE_AP_MAC = "02:00:c0:a8:0b:63"  # 持ち込み無線ルータ (bridge mode) on two VLANs
MOVED_PC_MAC = "02:00:0a:1e:08:28"  # インターネット系端末 plugged into an LGWAN information outlet
BRANCH_PC_MAC = "02:00:0a:14:28:15"  # 支所の端末 on the branch switch's Internet VLAN


def arp_frame(ts, op: int, smac: str, sip: str, tmac: str, tip: str, dst: str, vlan=()):
    body = struct.pack("!HHBBH", 1, ETH_IPV4, 6, 4, op) + mac(smac) + addr(sip) + mac(tmac) + addr(tip)
    emit(ts, ether(dst, smac, ETH_ARP, body, vlan))


def hosts():
    def finding(**kw):
        HOST_FINDINGS.append(HostFinding(**kw))

    # H1: a PC with two network cards, one on the LGWAN VLAN and one on the Internet VLAN. Each card talks only
    # inside its own zone (both flows allowed): only the MAC behind both addresses shows the breach.
    t = at("08:48:00.000")
    u = Udp("10.20.3.33", 51033, "10.20.1.53", 53, vlan=(120,), cli_mac=TWO_NIC_MAC)
    u.send(t, True, dns_query(0x6101, "portal.lgwan.example"))
    u.send(t + ms(1.1), False, dns_answer(0x6101, "portal.lgwan.example", "172.22.10.80"))
    expect(ref="H1a", what="二枚NICのPC: LGWAN側 DNS", proto="udp", src="10.20.3.33", sport=51033, dst="10.20.1.53",
           dport=53, src_zone="lgwan", dst_zone="lgwan", initiator="first-packet", vlan=[120],
           why="same zone (the device is H1's)")
    t = at("08:52:10.000")
    c = Tcp("10.30.3.33", 50833, "10.30.1.1", 8080, vlan=(130,), cli_mac=TWO_NIC_MAC)
    t = c.handshake(t)
    t = c.exchange(t, http_request("GET", "http://www.example.com/", "www.example.com"), http_response(700))
    c.close(t)
    expect(ref="H1b", what="二枚NICのPC: インターネット側 proxy", proto="tcp", src="10.30.3.33", sport=50833,
           dst="10.30.1.1", dport=8080, src_zone="internet", dst_zone="internet", initiator="syn", vlan=[130],
           why="same zone (the device is H1's)")
    finding(ref="H1", what="二枚NICのPC (LGWAN + インターネット)", rule="dual-homed-host", severity="high",
            mac=TWO_NIC_MAC, when="08:52:10.000", ip="10.30.3.33", zone="internet", vlan=[130],
            addresses=[("10.20.3.33", "lgwan", [120]), ("10.30.3.33", "internet", [130])],
            why="one MAC is the source of packets from an lgwan and an internet address")

    # H2: a Mynumber-zone PC with a USB network adapter on the LGWAN: first an unsolicited IPv6 neighbour
    # advertisement and HTTPS to the resident-records server (Mynumber side), then DNS on the LGWAN side.
    t = at("09:11:00.000")
    me, allnodes = addr("fd00:10::2:31"), addr("ff02::1")
    na = icmp6_message(me, allnodes, 136, 0, struct.pack("!I", 0x20000000) + me + bytes([2, 1]) + mac(BRIDGE_MAC))
    emit(t, ether("33:33:00:00:00:01", BRIDGE_MAC, ETH_IPV6, ipv6_packet(me, allnodes, ICMP6, na, hlim=255), (110,)))
    t = at("09:11:05.000")
    c = Tcp("10.10.2.31", 50431, "10.10.1.10", 443, vlan=(110,), cli_mac=BRIDGE_MAC)
    t = c.handshake(t)
    t = c.exchange(t, tls_records(300), tls_records(900))
    c.close(t)
    expect(ref="H2a", what="USB LAN アダプタの端末: マイナンバー側 https", proto="tcp", src="10.10.2.31", sport=50431,
           dst="10.10.1.10", dport=443, src_zone="mynumber", dst_zone="mynumber", initiator="syn", vlan=[110],
           why="same zone (the device is H2's)")
    t = at("09:11:40.000")
    u = Udp("10.20.3.31", 51031, "10.20.1.53", 53, vlan=(120,), cli_mac=BRIDGE_MAC)
    u.send(t, True, dns_query(0x6102, "portal.lgwan.example"))
    u.send(t + ms(1.3), False, dns_answer(0x6102, "portal.lgwan.example", "172.22.10.80"))
    expect(ref="H2b", what="USB LAN アダプタの端末: LGWAN側 DNS", proto="udp", src="10.20.3.31", sport=51031,
           dst="10.20.1.53", dport=53, src_zone="lgwan", dst_zone="lgwan", initiator="first-packet", vlan=[120],
           why="same zone (the device is H2's)")
    finding(ref="H2", what="USB LAN アダプタでマイナンバー系とLGWAN系をまたぐ端末", rule="dual-homed-host",
            severity="critical", mac=BRIDGE_MAC, when="09:11:40.000", ip="10.20.3.31", zone="lgwan", vlan=[120],
            addresses=[("fd00:10::2:31", "mynumber", [110]), ("10.10.2.31", "mynumber", [110]),
                       ("10.20.3.31", "lgwan", [120])],
            why="one of the zones is mynumber: critical (the IPv6 address came from a neighbour advertisement)")

    # H3: a Wi-Fi router in bridge mode plugged into both floors' outlets: no IP packet of its own, only ARP: a
    # gratuitous ARP for an LGWAN address, then the reply to an Internet-zone PC's request for another address.
    arp_frame(at("09:12:00.000"), 1, ROGUE_AP_MAC, "10.20.3.50", "00:00:00:00:00:00", "10.20.3.50",
              "ff:ff:ff:ff:ff:ff", (120,))
    arp_frame(at("09:12:20.000"), 1, HOSTS["10.30.8.15"], "10.30.8.15", "00:00:00:00:00:00", "10.30.3.50",
              "ff:ff:ff:ff:ff:ff", (130,))
    arp_frame(at("09:12:20.001"), 2, ROGUE_AP_MAC, "10.30.3.50", HOSTS["10.30.8.15"], "10.30.8.15",
              HOSTS["10.30.8.15"], (130,))
    finding(ref="H3", what="持ち込み無線ルータ: ARP で二つの系のアドレスを名乗る", rule="dual-homed-host",
            severity="high", mac=ROGUE_AP_MAC, when="09:12:20.001", ip="10.30.3.50", zone="internet", vlan=[130],
            addresses=[("10.20.3.50", "lgwan", [120]), ("10.30.3.50", "internet", [130])],
            why="gratuitous ARP for 10.20.3.50, then an ARP reply for 10.30.3.50, from one MAC")

    # H4: an Internet-zone PC plugged into an LGWAN outlet (VLAN 120): its DNS query and the retry (one flow,
    # one alert per address and VLAN). Moved to an access port the mirror delivers untagged: not checked.
    t = at("09:13:00.000")
    u = Udp("10.30.8.40", 55053, "10.30.1.53", 53, vlan=(120,), cli_mac=MOVED_PC_MAC)
    u.send(t, True, dns_query(0x6103, "www.example.com"))
    u.send(t + ms(1000), True, dns_query(0x6103, "www.example.com"))
    expect(ref="H4a", what="インターネット系端末が LGWAN の VLAN 120 で DNS (再送1回)", proto="udp", src="10.30.8.40",
           sport=55053, dst="10.30.1.53", dport=53, src_zone="internet", dst_zone="internet",
           initiator="first-packet", vlan=[120], why="same zone (the host is H4's)")
    finding(ref="H4", what="インターネット系端末が LGWAN の VLAN に接続", rule="zone-vlan-mismatch", severity="high",
            mac=MOVED_PC_MAC, when="09:13:00.000", ip="10.30.8.40", zone="internet", vlan=[120],
            addresses=[("10.30.8.40", "internet", [120])],
            why="internet declares vlans [130]; the retry on the same VLAN raises nothing more")
    t = at("09:21:00.000")
    c = Tcp("10.30.8.40", 50840, "10.30.1.1", 8080, cli_mac=MOVED_PC_MAC)
    t = c.handshake(t)
    t = c.exchange(t, http_request("GET", "http://www.example.com/", "www.example.com"), http_response(500))
    c.close(t)
    expect(ref="H4b", what="同じ端末, 正しいポートから (タグなし)", proto="tcp", src="10.30.8.40", sport=50840,
           dst="10.30.1.1", dport=8080, src_zone="internet", dst_zone="internet", initiator="syn",
           why="same zone; untagged frames are not checked against vlans")
    HOST_QUIET.append(("U1", "10.30.8.40 untagged (H4b); 10.10.2.21 untagged in V2, V4-V6 and on VLAN 110 elsewhere",
                       "untagged frames are not checked against vlans (a mirror that strips tags cannot show them)"))

    # H5: a branch-office PC on the branch switch's Internet VLAN: QinQ, S-tag 1000, C-tag 130. The innermost
    # tag is the one checked (V10's frame, C-tag 120, is in the LGWAN's VLAN).
    t = at("09:14:00.000")
    u = Udp("10.20.40.21", 51021, "10.20.1.53", 53, vlan=(1000, 130), cli_mac=BRANCH_PC_MAC)
    u.send(t, True, dns_query(0x6104, "portal.lgwan.example"))
    expect(ref="H5a", what="支所の端末が支所スイッチのインターネット VLAN から DNS (QinQ 1000/130)", proto="udp",
           src="10.20.40.21", sport=51021, dst="10.20.1.53", dport=53, src_zone="lgwan", dst_zone="lgwan",
           initiator="first-packet", vlan=[1000, 130], why="same zone (the host is H5's)")
    finding(ref="H5", what="支所の LGWAN 端末がインターネット VLAN 130 に (QinQ)", rule="zone-vlan-mismatch",
            severity="high", mac=BRANCH_PC_MAC, when="09:14:00.000", ip="10.20.40.21", zone="lgwan",
            vlan=[1000, 130], addresses=[("10.20.40.21", "lgwan", [1000, 130])],
            why="lgwan declares vlans [120]; the innermost tag, 130, is checked")
    HOST_QUIET.append(("R1", f"the core switch {ROUTER}: the source of every routed packet (mynumber, lgwan, "
                       "lgwan-wan, internet, external addresses), ARP and DHCP for 10.20.0.1",
                       "declared under [[routers]]: exempt from both host rules"))
    HOST_QUIET.append(("Q1", "支所スイッチ 10.20.40.5 over QinQ 1000/120 (V10)",
                       "the innermost VLAN, 120, is lgwan's"))


# ---------------------------------------------------------------------------------------------------------
# Files.

FILES = [
    # name, first instant, snaplen, format
    ("span-2330.pcap", at("08:30:00"), 262144, "pcap"),
    ("span-0000.pcapng", at("09:00:00"), 262144, "pcapng"),
    ("span-0015.pcap", at("09:15:00"), 256, "pcap"),
]


def file_of(ts: int) -> int:
    i = 0
    for k, (_, start, _, _) in enumerate(FILES):
        if ts >= start:
            i = k
    return i


def write_pcap(path, frames, snaplen):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, 1))
        for fr in frames:
            cap = fr.data[:snaplen]
            f.write(struct.pack("<IIII", fr.ts // 1_000_000, fr.ts % 1_000_000, len(cap), len(fr.data)))
            f.write(cap)


def pad4(b: bytes) -> bytes:
    return b + b"\0" * (-len(b) % 4)


def option(code: int, value: bytes) -> bytes:
    return struct.pack("<HH", code, len(value)) + pad4(value)


def block(btype: int, body: bytes) -> bytes:
    n = 12 + len(body)
    return struct.pack("<II", btype, n) + body + struct.pack("<I", n)


def write_pcapng(path, frames, snaplen):
    with open(path, "wb") as f:
        shb = struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)
        shb += option(3, b"Linux") + option(4, b"zonesep scripts/make-captures.py") + option(0, b"")
        f.write(block(0x0A0D0D0A, shb))
        idb = struct.pack("<HHI", 1, 0, snaplen)
        idb += option(2, b"ens2f1") + option(3, "コアスイッチ ミラーポート".encode()) + option(9, b"\x06")
        idb += option(0, b"")
        f.write(block(0x00000001, idb))
        for fr in frames:
            cap = fr.data[:snaplen]
            epb = struct.pack("<IIIII", 0, fr.ts >> 32, fr.ts & 0xFFFFFFFF, len(cap), len(fr.data)) + pad4(cap)
            f.write(block(0x00000006, epb))


def build():
    noise()
    allowed()
    violations()
    hosts()  # last: the frames made before keep their random bytes
    FRAMES.sort(key=lambda fr: fr.ts)  # stable: equal stamps keep the order they were made in
    stamps = [fr.ts for fr in FRAMES]
    assert len(set(stamps)) == len(stamps), "two frames share a timestamp: make the order explicit"
    per_file = [[] for _ in FILES]
    for fr in FRAMES:
        per_file[file_of(fr.ts)].append(fr)
    return per_file


def endpoint(ip: str, port: int | None) -> str:
    if port is None:
        return ip
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def table() -> str:
    rows = ["| ref | flow | proto | initiator → responder | zones | vlan | initiator | verdict | why |",
            "|---|---|---|---|---|---|---|---|---|"]
    for f in FLOWS:
        ends = f"{endpoint(f.src, f.sport)} → {endpoint(f.dst, f.dport)}"
        vl = ",".join(map(str, f.vlan)) or "-"
        verdict = f"**{f.verdict}**" if f.verdict not in ("allowed", "none") else f.verdict
        rows.append(f"| {f.ref} | {f.what} | {f.proto} | {ends} | {f.src_zone} → {f.dst_zone} | {vl} | "
                    f"{f.initiator} | {verdict} | {f.why} |")
    return "\n".join(rows) + "\n"


def host_table() -> str:
    rows = ["| ref | device | MAC | rule | severity | completed by (JST) | addresses (zone, vlan) | why |",
            "|---|---|---|---|---|---|---|---|"]
    for h in HOST_FINDINGS:
        addrs = "; ".join(f"{ip} ({zone}, {','.join(map(str, vlan)) or '-'})" for ip, zone, vlan in h.addresses)
        ends = f"{h.when} {h.ip} ({h.zone}, vlan {','.join(map(str, h.vlan)) or '-'})"
        rows.append(f"| {h.ref} | {h.what} | {h.mac} | **{h.rule}** | {h.severity} | {ends} | {addrs} | {h.why} |")
    for ref, what, why in HOST_QUIET:
        rows.append(f"| {ref} | {what} | | none | | | | {why} |")
    return "\n".join(rows) + "\n"


README = """# Demonstration captures

Generated by `python3 scripts/make-captures.py` (deterministic; rerun it after changing it and commit the
result). One morning, 2026-06-15 08:30-09:30 JST, on the core switch mirror port of みどり町役場, whose zones
are declared in `zones.conf` at the repository root.

| file | JST | format | frames |
|---|---|---|---|
{files}
The file names are the sensor's UTC clock (tcpdump -G), so they do not sort in time order: a replay of this
directory must read them by their first packet's time. `span-0015.pcap` was taken with a snaplen of 256:
longer frames are cut (caplen < len), and the summary's bytes count `len`.

Expected: {alerts} alerts ({by_rule}), exit status 1: {flow_alerts} for flows and {host_alerts} for devices (the
host rules; `zones.conf` declares each zone's VLANs and the core switch under `[[routers]]`).
`Tests/ZonesepEndToEndTests/DemoReplayTests.swift` checks exactly these, and `MatrixVersusTcpdumpTests.swift`
checks the zone matrix against tcpdump.

## Flows

{table}
## Devices (host rules)

One alert per finding for the whole run, raised at the packet that completed it (JST), with every address the MAC
was seen with by then (first seen first). The flows of these devices are in the table above (H1a-H5a): each is
allowed on its own.

{hosts}"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--out", default=os.path.join(repo, "captures"), help="output directory (default: captures/)")
    ap.add_argument("--table", action="store_true", help="print the flow table and exit")
    args = ap.parse_args()

    per_file = build()
    if args.table:
        sys.stdout.write(table() + "\n" + host_table())
        return
    os.makedirs(args.out, exist_ok=True)
    lines = []
    for (name, start, snaplen, kind), frames in zip(FILES, per_file):
        path = os.path.join(args.out, name)
        (write_pcapng if kind == "pcapng" else write_pcap)(path, frames, snaplen)
        t0 = frames[0].ts // 1_000_000 + JST
        t1 = frames[-1].ts // 1_000_000 + JST
        span = "%02d:%02d:%02d-%02d:%02d:%02d" % (t0 // 3600 % 24, t0 // 60 % 60, t0 % 60,
                                                  t1 // 3600 % 24, t1 // 60 % 60, t1 % 60)
        fmt = kind + (f", snaplen {snaplen}" if snaplen < 65535 else "")
        lines.append(f"| `{name}` | {span} | {fmt} | {len(frames)} |")
        print(f"{path}: {len(frames)} frames, {os.path.getsize(path)} bytes")
    counts: dict[str, int] = {}
    for f in FLOWS:
        if f.verdict not in ("allowed", "none"):
            counts[f.verdict] = counts.get(f.verdict, 0) + 1
    flow_alerts = sum(counts.values())
    for h in HOST_FINDINGS:
        counts[h.rule] = counts.get(h.rule, 0) + 1
    by_rule = ", ".join(f"{k} {v}" for k, v in counts.items())
    with open(os.path.join(args.out, "README.md"), "w", encoding="utf-8") as f:
        f.write(README.format(files="\n".join(lines) + "\n", alerts=sum(counts.values()), by_rule=by_rule,
                              flow_alerts=flow_alerts, host_alerts=len(HOST_FINDINGS), table=table(),
                              hosts=host_table()))


if __name__ == "__main__":
    main()
