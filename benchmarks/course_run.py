"""Run every learner and solution notebook on a fresh kernel: wall time and peak memory.

Run from the repository root:  python benchmarks/course_run.py  [--json results.json] [PATH ...]

Each notebook is read, executed in memory on a fresh ``python3`` kernel of the running Python
(as ``tools/notebooks.py execute`` does, cwd = the notebook's folder) and thrown away: nothing is
written back to the repository. Per notebook it reports

* ``start``: seconds to start the kernel and get its first reply,
* ``run``: seconds to execute all cells,
* ``wall``: start + run, what a learner waits for after "Restart kernel and run all",
* ``slowest``: the slowest cell (its index in the notebook) and its seconds,
* ``peak MB``: the kernel process's peak resident memory (``VmHWM`` in ``/proc/<pid>/status``,
  read just before the kernel is shut down; Linux only).

Targets (issue 6, on a 2-core machine): every notebook under 10 s of wall time (notebook 05
under 15 s), all of them together under 90 s, no kernel above 500 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from notebooks import CELL_TIMEOUT, _current_env_kernel_manager  # noqa: E402

WALL_TARGET_S = 10.0
WALL_TARGET_S_05 = 15.0  # notebooks 05 and 07 (issue 15)
TOTAL_TARGET_S = 90.0
PEAK_TARGET_MB = 500.0


def notebook_paths() -> list[Path]:
    """Every learner notebook, then every solution notebook, in course order."""
    return sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted(
        (ROOT / "notebooks" / "solutions").glob("*.ipynb"))


def peak_rss_mb(pid: int) -> float:
    """Peak resident set size (VmHWM) of process ``pid`` in MB, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024  # kB
    raise RuntimeError(f"no VmHWM for pid {pid}")


def run_notebook(path: Path) -> dict:
    """Execute a copy of the notebook at ``path``; return its timings and peak memory."""
    nb = nbformat.read(path, as_version=4)
    km = _current_env_kernel_manager()
    client = NotebookClient(nb, km=km, timeout=CELL_TIMEOUT,
                            record_timing=False, store_widget_state=True,
                            resources={"metadata": {"path": str(path.parent)}})
    error = None
    start = time.perf_counter()
    with client.setup_kernel(cwd=str(path.parent)):
        client.wait_for_reply(client.kc.kernel_info())
        started = time.perf_counter()
        cell_s = []
        try:
            for index, cell in enumerate(nb.cells):
                cell_start = time.perf_counter()
                client.execute_cell(cell, index)
                cell_s.append(time.perf_counter() - cell_start)
        except Exception as exc:  # report and go on with the next notebook
            error = f"{type(exc).__name__}: {str(exc).strip().splitlines()[-1][:120]}"
        finished = time.perf_counter()
        peak = peak_rss_mb(client.km.provisioner.pid)
    km.shutdown_kernel(now=True)  # nbclient leaves a kernel it did not create running
    target = WALL_TARGET_S_05 if path.name.startswith(("05", "07")) else WALL_TARGET_S
    wall = finished - start
    return {"notebook": str(path.relative_to(ROOT)), "start_s": started - start,
            "run_s": finished - started, "wall_s": wall, "peak_mb": peak,
            "cell_s": cell_s, "slowest_cell": max(range(len(cell_s)), key=cell_s.__getitem__),
            "slowest_cell_s": max(cell_s),
            "wall_target_s": target, "ok": error is None and wall < target
            and peak < PEAK_TARGET_MB, "error": error}


def machine() -> dict:
    """Where the numbers come from: cores, CPU model, load average."""
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return {"nproc": os.cpu_count(), "cpu": cpu, "python": platform.python_version(),
            "load_average": os.getloadavg()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, help="notebooks (default: all)")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument("--cells", type=float, metavar="SECONDS",
                        help="also list every cell that took longer than SECONDS")
    args = parser.parse_args(argv)
    paths = [p.resolve() for p in args.paths] or notebook_paths()

    info = machine()
    print(f"{info['nproc']} cores, {info['cpu']}, Python {info['python']}, load average "
          + " ".join(f"{x:.2f}" for x in info["load_average"]))
    print(f"{'notebook':<52} {'start s':>7} {'run s':>7} {'wall s':>7} {'slowest':>12} "
          f"{'peak MB':>8}  target")
    rows = []
    for path in paths:
        row = run_notebook(path)
        rows.append(row)
        verdict = "ok" if row["ok"] else "MISSED"
        print(f"{row['notebook']:<52} {row['start_s']:7.2f} {row['run_s']:7.2f} "
              f"{row['wall_s']:7.2f} {'[' + str(row['slowest_cell']) + '] ':>6}"
              f"{row['slowest_cell_s']:4.1f} s {row['peak_mb']:8.0f}  {verdict} "
              f"(< {row['wall_target_s']:.0f} s, < {PEAK_TARGET_MB:.0f} MB)"
              f"{'  ' + row['error'] if row['error'] else ''}", flush=True)
        for index, seconds in enumerate(row["cell_s"]):
            if args.cells is not None and seconds > args.cells:
                print(f"    cell [{index}] {seconds:5.2f} s")
    total = sum(row["wall_s"] for row in rows)
    peak = max(row["peak_mb"] for row in rows)
    total_ok = total < TOTAL_TARGET_S
    print(f"{'total (' + str(len(rows)) + ' notebooks)':<52} {'':>7} {'':>7} {total:7.2f} "
          f"{'':>12} "
          f"{peak:8.0f}  {'ok' if total_ok else 'MISSED'} (< {TOTAL_TARGET_S:.0f} s)")
    load_after = os.getloadavg()
    print("load average after: " + " ".join(f"{x:.2f}" for x in load_after))
    all_ok = total_ok and all(row["ok"] for row in rows)
    if args.json:
        args.json.write_text(json.dumps(
            {"machine": info, "load_average_after": load_after, "notebooks": rows,
             "total_wall_s": total, "max_peak_mb": peak, "all_targets_met": all_ok},
            indent=2) + "\n")
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
