"""Header arithmetic the capture generators in scripts/ share: the Internet checksum, address bytes and the
TCP/UDP pseudo-header. Kept in one place so a fix to one reaches every generated capture."""

from __future__ import annotations

import socket
import struct


def csum(data: bytes) -> int:
    """The Internet checksum (RFC 1071) of `data`, padded to an even length."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def addr(a: str) -> bytes:
    """An IPv4 or IPv6 address in network byte order."""
    return socket.inet_pton(socket.AF_INET6 if ":" in a else socket.AF_INET, a)


def pseudo(src: bytes, dst: bytes, proto: int, length: int) -> bytes:
    """The pseudo-header a TCP or UDP checksum covers (RFC 793 for IPv4, RFC 8200 for IPv6)."""
    if len(src) == 4:
        return src + dst + struct.pack("!BBH", 0, proto, length)
    return src + dst + struct.pack("!I3xB", length, proto)
