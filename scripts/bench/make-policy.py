#!/usr/bin/env python3
"""Writes a prefecture-sized zones.conf: the benchmark zone map of make-imix.py and N exceptions.

Each exception opens an Internet-connected (or, one in five, an LGWAN) prefix towards a few external
addresses on a few ports, as a prefecture's list of approved exceptions does; 10,000 of them make a
file of about 1.8 MB. The same arguments give a byte-identical file (fixed seed).

Usage: make-policy.py OUT [--exceptions N] [--seed N]
"""

import argparse
import importlib.util
import os
import random


def load_make_imix():
    here = os.path.dirname(os.path.abspath(__file__))
    spec = importlib.util.spec_from_file_location("make_imix", os.path.join(here, "make-imix.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def exception(rng, i):
    if i % 5 == 4:
        source = f'"10.20.{rng.randrange(100)}.{rng.randrange(256)}"'
    elif i % 2:
        source = f'"10.30.{rng.randrange(100)}.0/24"'
    else:
        source = f'"10.30.{rng.randrange(100)}.{rng.randrange(256)}", "fd00:30:{rng.randrange(10):x}::/64"'
    targets = []
    for _ in range(1 + rng.randrange(3)):
        a, b = rng.randrange(256), rng.randrange(256)
        targets.append(f'"198.{18 + (a & 1)}.{b}.{rng.randrange(256)}"' if rng.randrange(4) else f'"198.18.{b}.0/28"')
    ports = rng.choice(
        ['"tcp/443"', '"tcp/443", "udp/3478-3481"', '"tcp/80", "tcp/443"', '"tcp/8443"', '"udp/123"', '"any"']
    )
    expires = rng.choice(["2027-03-31", "2026-12-31", "2027-09-30T23:59:59+09:00"])
    return (
        f"[[exceptions]]\n"
        f'name = "exception-{i:05d}"\n'
        f"from = [{source}]\n"
        f"to = [{', '.join(targets)}]\n"
        f"ports = [{ports}]\n"
        f'approved = "CISO No.{i:05d}"\n'
        f"expires = {expires}\n"
    )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--exceptions", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=20261205)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    text = load_make_imix().zones_conf()
    text += "\n"
    parts = [text] + [exception(rng, i) + "\n" for i in range(args.exceptions)]
    with open(args.out, "w", encoding="utf-8") as f:
        f.write("".join(parts))


if __name__ == "__main__":
    main()
