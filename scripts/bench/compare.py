#!/usr/bin/env python3
"""Times the commands of scripts/bench-compare: N interleaved rounds (each command once per round, in
the same order), then the median wall time of each and its ratio to the bare libpcap loop.

A run still going after TIMEOUT seconds is killed and counted as hung; the median is then over the runs
that finished, and the line says how many hung.

Beside the wall time, the CPU time (user + system, from wait4) of each run: on a machine other jobs keep
busy, a run waits for a core for much of its wall time, and the CPU time says what the run itself cost.

A NAME may end in @BASE to take its ratio to the command named BASE instead of the first (the pcapng
rows: zonesep on the pcapng file against the bare loop on that same file).

Usage: compare.py RUNS TIMEOUT NAME[@BASE]=COMMAND...   (run by /bin/sh, stdout and stderr to /dev/null)
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
    bases = {}
    for c in commands:
        name, _, base = c[0].partition("@")
        c[0] = name
        bases[name] = base or commands[0][0].partition("@")[0]
    for name, base in bases.items():
        if base not in bases:
            sys.exit(f"{name}: no command named {base} to compare with")
    times = {name: [] for name, _ in commands}
    cpu = {name: [] for name, _ in commands}
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
            _, raw, usage = os.wait4(proc.pid, 0)
            elapsed = time.perf_counter() - start
            timer.cancel()
            proc.returncode = os.waitstatus_to_exitcode(raw)
            if killed.is_set():
                hung[name] += 1
                continue
            status = proc.returncode
            times[name].append(elapsed)
            cpu[name].append(usage.ru_utime + usage.ru_stime)
            # zonesep exits 1 when it found violations (the capture holds some on purpose).
            if status not in (0, 1):
                sys.exit(f"{name} failed with status {status}: {command}")
    width = max(len(name) for name, _ in commands)
    print(f"{'':{width}}  median s  ratio   cpu s  ratio   (min-max wall s, {runs} interleaved runs)")
    for name, _ in commands:
        note = f"; {hung[name]} of {runs} runs hung, killed after {timeout:.0f} s" if hung[name] else ""
        if not times[name]:
            print(f"{name:{width}}       n/a    n/a     n/a    n/a   (every run hung, killed after {timeout:.0f} s)")
            continue
        m = statistics.median(times[name])
        c = statistics.median(cpu[name])
        if not times[bases[name]]:
            print(f"{name:{width}}  {m:8.3f}    n/a   {c:5.3f}    n/a   ({bases[name]} hung every run)")
            continue
        base = statistics.median(times[bases[name]])
        base_cpu = statistics.median(cpu[bases[name]])
        against = "" if bases[name] == commands[0][0] else f"; ratios to {bases[name]}"
        print(
            f"{name:{width}}  {m:8.3f}  {m / base:5.2f}x  {c:5.3f}  {c / base_cpu:5.2f}x"
            f"  ({min(times[name]):.3f}-{max(times[name]):.3f}{note}{against})"
        )


if __name__ == "__main__":
    main()
