"""Time and memory of one notebook run, the kernel and every process it starts included.

    python benchmarks/notebook_memory.py notebooks/solutions/08_past_one_machine.ipynb

Runs ``python tools/notebooks.py execute PATH`` (which executes the notebook in place on a fresh
kernel) and samples, every 0.2 s, the RSS and PSS of every descendant of that command (the kernel,
and Dask's scheduler-side threads and worker processes when a notebook starts a cluster); the tool
process itself is reported apart. Prints the wall time, the peak of the summed RSS and PSS, and
the peak per process. PSS (proportional set size, Linux only) shares each page among the processes
that map it, so the PSS of several processes adds up; their RSS does not. Give the load average
(``uptime``) with any number this prints: on a loaded machine the times are noisy.
"""

from __future__ import annotations

import subprocess
import sys
import time

import psutil

MiB = 2**20


def sample(root: psutil.Process) -> dict[int, tuple[str, int, int]]:
    out = {}
    for p in root.children(recursive=True):
        try:
            info = p.memory_full_info()
            cmd = " ".join(p.cmdline())[-60:]
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        out[p.pid] = (cmd, info.rss, getattr(info, "pss", info.rss))
    return out


def main(path: str) -> int:
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "tools/notebooks.py", "execute", path])
    root = psutil.Process(proc.pid)
    peak_rss = peak_pss = peak_n = 0
    per_process: dict[int, tuple[str, int, int]] = {}
    while proc.poll() is None:
        now = sample(root)
        peak_rss = max(peak_rss, sum(r for _, r, _ in now.values()))
        peak_pss = max(peak_pss, sum(s for _, _, s in now.values()))
        peak_n = max(peak_n, len(now))
        for pid, (cmd, rss, pss) in now.items():
            _, r0, s0 = per_process.get(pid, (cmd, 0, 0))
            per_process[pid] = (cmd, max(r0, rss), max(s0, pss))
        time.sleep(0.2)
    wall = time.perf_counter() - start
    print(f"{path}: exit {proc.returncode}, wall {wall:.1f} s (tool start-up included); "
          f"descendants' peak: RSS {peak_rss / MiB:.0f} MiB, PSS {peak_pss / MiB:.0f} MiB, "
          f"{peak_n} processes at most")
    for pid, (cmd, rss, pss) in sorted(per_process.items()):
        print(f"  pid {pid:>7}: peak RSS {rss / MiB:6.0f} MiB, PSS {pss / MiB:6.0f} MiB  ...{cmd}")
    print(f"load average: {' '.join(f'{x:.2f}' for x in psutil.getloadavg())}")
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else
                  "notebooks/solutions/08_past_one_machine.ipynb"))
