#!/usr/bin/env python3
"""Times the commands of scripts/bench-compare: N interleaved rounds (each command once per round, in
the same order), then the median wall time of each and its ratio to the bare libpcap loop.

A run still going after TIMEOUT seconds is killed and counted as hung; the median is then over the runs
that finished, and the line says how many hung.

Usage: compare.py RUNS TIMEOUT NAME=COMMAND...   (run by /bin/sh, stdout and stderr to /dev/null)
"""

import os
import signal
import statistics
import subprocess
import sys
import threading
import time


def main():
    runs = int(sys.argv[1])
    timeout = float(sys.argv[2])
    commands = [arg.split("=", 1) for arg in sys.argv[3:]]
    times = {name: [] for name, _ in commands}
    hung = {name: 0 for name, _ in commands}
    for _ in range(runs):
        for name, command in commands:
            start = time.perf_counter()
            proc = subprocess.Popen(
                command, shell=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
            )
            # A blocking wait: Popen.wait(timeout=) polls with sleeps of up to 50 ms, which rounded every
            # time up to the next poll. The timeout is a timer that kills the process group instead.
            killed = threading.Event()

            def kill(pid=proc.pid):
                killed.set()
                os.killpg(pid, signal.SIGKILL)

            timer = threading.Timer(timeout, kill)
            timer.start()
            _, raw = os.waitpid(proc.pid, 0)
            elapsed = time.perf_counter() - start
            timer.cancel()
            proc.returncode = os.waitstatus_to_exitcode(raw)
            if killed.is_set():
                hung[name] += 1
                continue
            status = proc.returncode
            times[name].append(elapsed)
            # zonesep exits 1 when it found violations (the capture holds some on purpose).
            if status not in (0, 1):
                sys.exit(f"{name} failed with status {status}: {command}")
    base = statistics.median(times[commands[0][0]])
    width = max(len(name) for name, _ in commands)
    print(f"{'':{width}}  median s  ratio   (min-max s, {runs} interleaved runs)")
    for name, _ in commands:
        note = f"; {hung[name]} of {runs} runs hung, killed after {timeout:.0f} s" if hung[name] else ""
        if not times[name]:
            print(f"{name:{width}}       n/a    n/a   (every run hung, killed after {timeout:.0f} s)")
            continue
        m = statistics.median(times[name])
        print(f"{name:{width}}  {m:8.3f}  {m / base:5.2f}x  ({min(times[name]):.3f}-{max(times[name]):.3f}{note})")


if __name__ == "__main__":
    main()
