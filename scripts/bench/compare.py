#!/usr/bin/env python3
"""Times the commands of scripts/bench-compare: N interleaved rounds (each command once per round, in
the same order), then the median wall time of each and its ratio to the bare libpcap loop.

Usage: compare.py RUNS NAME=COMMAND...   (COMMAND is run by /bin/sh with stdout and stderr to /dev/null)
"""

import statistics
import subprocess
import sys
import time


def main():
    runs = int(sys.argv[1])
    commands = [arg.split("=", 1) for arg in sys.argv[2:]]
    times = {name: [] for name, _ in commands}
    for _ in range(runs):
        for name, command in commands:
            start = time.perf_counter()
            status = subprocess.run(
                command, shell=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600
            ).returncode
            times[name].append(time.perf_counter() - start)
            # zonesep exits 1 when it found violations (the capture holds some on purpose).
            if status not in (0, 1):
                sys.exit(f"{name} failed with status {status}: {command}")
    base = statistics.median(times[commands[0][0]])
    width = max(len(name) for name, _ in commands)
    print(f"{'':{width}}  median s  ratio   (min-max s, {runs} interleaved runs)")
    for name, _ in commands:
        m = statistics.median(times[name])
        print(f"{name:{width}}  {m:8.3f}  {m / base:5.2f}x  ({min(times[name]):.3f}-{max(times[name]):.3f})")


if __name__ == "__main__":
    main()
