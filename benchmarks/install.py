"""Time and size of a fresh virtual environment made from requirements.txt.

Run from the repository root:  python benchmarks/install.py  [--no-cache] [--json results.json]

It creates ``python -m venv`` in a temporary folder, runs ``pip install -r requirements.txt``
there (which downloads from the package registry unless pip's cache has the files: this is a
benchmark, never a test), measures the wall time of each step and the size of the venv on disk
(``du``), then deletes the folder. ``--no-cache`` passes ``--no-cache-dir`` to pip, so every
wheel is downloaded, as on a first install; without it pip's cache (``pip cache dir``) is used
and the time is mostly unpacking and installing. The output says which was measured.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed(command: list[str], cwd: Path) -> float:
    """Run ``command`` (output hidden unless it fails) and return its wall time in seconds."""
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-3000:] + done.stderr[-3000:])
        raise SystemExit(f"failed: {' '.join(command)}")
    return time.perf_counter() - start


def du_mb(path: Path) -> float:
    """Disk usage of ``path`` in MB, as ``du -sk`` counts it."""
    out = subprocess.run(["du", "-sk", str(path)], capture_output=True, text=True, check=True)
    return int(out.stdout.split()[0]) / 1024


def pip_cache_mb() -> float | None:
    """Size of pip's cache folder in MB (None when pip has no cache)."""
    done = subprocess.run([sys.executable, "-m", "pip", "cache", "dir"], capture_output=True,
                          text=True)
    cache = Path(done.stdout.strip())
    return du_mb(cache) if done.returncode == 0 and cache.is_dir() else None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-cache", action="store_true",
                        help="pip --no-cache-dir: download every wheel (a first install)")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args(argv)

    cache_before = pip_cache_mb()
    with tempfile.TemporaryDirectory(prefix="course-venv-") as tmp:
        venv = Path(tmp) / "venv"
        python = venv / "bin" / "python"
        t_venv = timed([sys.executable, "-m", "venv", str(venv)], ROOT)
        pip = [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
        if args.no_cache:
            pip.append("--no-cache-dir")
        # requirements.txt ends with "-e .": run from the repository root
        t_pip = timed([*pip, "-r", "requirements.txt"], ROOT)
        size = du_mb(venv)
        t_import = timed([str(python), "-c", "import course_utils, sklearn, matplotlib, "
                          "pandas, nbclient, ipywidgets"], ROOT)
    result = {
        "python": sys.version.split()[0],
        "pip_cache": "disabled (--no-cache-dir)" if args.no_cache else
        (f"used, {cache_before:.0f} MB before the run" if cache_before is not None
         else "used (empty)"),
        "load_average": os.getloadavg(),
        "venv_s": t_venv, "pip_install_s": t_pip, "total_s": t_venv + t_pip,
        "venv_mb": size, "first_import_s": t_import,
    }
    minutes, seconds = divmod(result["total_s"], 60)
    print(f"Python {result['python']}, pip cache: {result['pip_cache']}, load average "
          + " ".join(f"{x:.2f}" for x in result["load_average"]))
    print(f"python -m venv          {t_venv:7.1f} s")
    print(f"pip install -r requirements.txt {t_pip:7.1f} s")
    print(f"total                   {int(minutes)} min {seconds:.0f} s, venv on disk {size:.0f} MB")
    print(f"first import of the course's packages {t_import:.1f} s")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
