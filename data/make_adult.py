"""Rebuild ``data/adult.csv.gz`` from the UCI Adult training file shipped in mglearn 0.2.0.

The UCI Adult census training file (32,561 rows, CC BY 4.0, Becker & Kohavi 1996) ships,
byte-identical, inside the PyPI wheel ``mglearn==0.2.0`` at ``mglearn/data/adult.data``.
This script takes it from there (so it needs PyPI once, never the UCI site), checks its
sha256, adds a header row, replaces the ", " separator by "," and writes a gzip file that is
byte-reproducible (mtime 0, fixed file name in the header, level 9).

Usage, from the repository root::

    python data/make_adult.py                    # pip download mglearn==0.2.0 --no-deps
    python data/make_adult.py --wheel PATH.whl   # use a wheel you already have

Values are kept exactly as in the source, including the "?" that marks a missing value.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

WHEEL_SPEC = "mglearn==0.2.0"
MEMBER = "mglearn/data/adult.data"
SOURCE_SHA256 = "5b00264637dbfec36bdeaab5676b0b309ff9eb788d63554ca0a249491c86603d"
# The sha256 of the file this script writes; course_utils.datasets pins the same value.
OUTPUT_SHA256 = "a95c05f31b1a290ea33d55b0630fbfdef5f0d593e65377d7b61d5a9adcfb1e30"
N_ROWS = 32_561
COLUMNS = [
    "age", "workclass", "fnlwgt", "education", "education-num", "marital-status",
    "occupation", "relationship", "race", "sex", "capital-gain", "capital-loss",
    "hours-per-week", "native-country", "income",
]


def download_wheel(directory: Path) -> Path:
    """Download the mglearn wheel (no dependencies) into ``directory`` and return its path."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", WHEEL_SPEC, "--no-deps",
         "--only-binary=:all:", "--dest", str(directory)],
        check=True,
    )
    (wheel,) = directory.glob("mglearn-0.2.0-*.whl")
    return wheel


def read_source(wheel: Path) -> bytes:
    """Return ``adult.data`` from the wheel, after checking its sha256."""
    with zipfile.ZipFile(wheel) as archive:
        raw = archive.read(MEMBER)
    found = hashlib.sha256(raw).hexdigest()
    if found != SOURCE_SHA256:
        sys.exit(f"{wheel}:{MEMBER} has sha256 {found}, expected {SOURCE_SHA256}; refusing.")
    return raw


def to_csv(raw: bytes) -> bytes:
    """Turn the headerless ", "-separated source into a CSV with a header row."""
    rows = [line.split(", ") for line in raw.decode("ascii").splitlines() if line]
    # The plain "," join below is safe only if no value holds a comma or a quote.
    assert len(rows) == N_ROWS and all(len(r) == len(COLUMNS) for r in rows)
    assert not any("," in v or '"' in v for r in rows for v in r)
    lines = [",".join(COLUMNS)] + [",".join(r) for r in rows]
    return ("\n".join(lines) + "\n").encode("ascii")


def gzip_reproducible(data: bytes) -> bytes:
    """Gzip ``data`` so that the same input always gives the same bytes (mtime 0, fixed name)."""
    buffer = io.BytesIO()
    with gzip.GzipFile("adult.csv", "wb", compresslevel=9, fileobj=buffer, mtime=0) as f:
        f.write(data)
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, help="local mglearn-0.2.0 wheel")
    parser.add_argument(
        "--output", type=Path, default=Path(__file__).resolve().parent / "adult.csv.gz"
    )
    args = parser.parse_args(argv)

    if args.wheel is not None:
        raw = read_source(args.wheel)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            raw = read_source(download_wheel(Path(tmp)))
    print(f"source  {MEMBER}: {len(raw):,} bytes, sha256 {SOURCE_SHA256} (verified)")

    compressed = gzip_reproducible(to_csv(raw))
    args.output.write_bytes(compressed)
    digest = hashlib.sha256(compressed).hexdigest()
    print(f"output  {args.output}: {N_ROWS:,} rows, {len(compressed):,} bytes, sha256 {digest}")
    if digest != OUTPUT_SHA256:
        # Same content, other bytes: a different zlib build (e.g. zlib-ng) compresses differently.
        print(f"warning: expected sha256 {OUTPUT_SHA256}; course_utils.datasets will refuse "
              "this file. Restore the committed one with: git checkout data/adult.csv.gz")


if __name__ == "__main__":
    main()
