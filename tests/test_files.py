"""course_utils/_files.py: the one way the package opens files (issue 22, item 1)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from course_utils import _files, datasets
from course_utils._files import FileTooLargeError, NotARegularFileError, read_regular_file

ROOT = Path(__file__).resolve().parents[1]
posix_only = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes")


@posix_only
@pytest.mark.parametrize("make", ["fifo", "folder", "device"])
def test_only_a_regular_file_is_read_and_nothing_blocks(tmp_path, make):
    path = tmp_path / "file"
    if make == "fifo":
        os.mkfifo(path)
    elif make == "folder":
        path.mkdir()
    else:
        path.symlink_to("/dev/zero")
    started = time.monotonic()
    with pytest.raises(NotARegularFileError) as info:
        read_regular_file(path, 100)
    assert time.monotonic() - started < 1
    assert info.value.kind.split()[0] in ("named", "folder", "character")


def test_size_cap_and_symlinks(tmp_path):
    path = tmp_path / "file"
    path.write_bytes(b"x" * 101)
    with pytest.raises(FileTooLargeError):
        read_regular_file(path, 100)
    assert read_regular_file(path, 101) == b"x" * 101
    link = tmp_path / "link"
    link.symlink_to(path)
    assert read_regular_file(link, 101) == b"x" * 101
    with pytest.raises(OSError):
        read_regular_file(link, 101, follow_symlinks=False)


@posix_only
def test_a_data_file_swapped_for_a_fifo_just_before_opening_cannot_block(tmp_path):
    """What is checked is what was opened: the file is swapped at the last moment."""
    shutil.copyfile(datasets.data_dir() / datasets.ADULT_FILE, tmp_path / datasets.ADULT_FILE)
    code = (
        "import os\n"
        "from course_utils import _files, datasets\n"
        "real_open = os.open\n"
        "def swapping_open(path, *args):\n"
        "    os.unlink(path)\n"
        "    os.mkfifo(path)  # swapped after any check of the path, before the open\n"
        "    return real_open(path, *args)\n"
        "_files.os.open = swapping_open\n"
        "try:\n"
        "    datasets.load_adult()\n"
        "except datasets.DataFileError as error:\n"
        "    print(error)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=30, check=False,
                          env={**os.environ, "COURSE_DATA_DIR": str(tmp_path)})
    assert "named pipe (FIFO), not a regular file" in done.stdout, done.stderr


def test_a_lock_is_exclusive_and_gives_up_in_time(tmp_path):
    pytest.importorskip("fcntl")
    lock = tmp_path / "lock"
    with _files.locked(lock, 1.0):
        started = time.monotonic()
        code = ("import sys\nfrom course_utils import _files\n"
                "try:\n    with _files.locked(sys.argv[1], 0.3): print('got it')\n"
                "except TimeoutError: print('timed out')\n")
        done = subprocess.run([sys.executable, "-c", code, str(lock)], cwd=ROOT, text=True,
                              capture_output=True, timeout=30, check=False)
        assert done.stdout.strip() == "timed out", done.stderr
        assert time.monotonic() - started < 10
    with _files.locked(lock, 0.1):  # released on leaving the block
        pass
    os.unlink(lock)
    os.mkfifo(lock)
    with pytest.raises(NotARegularFileError):
        with _files.locked(lock, 0.1):
            pass


def test_installed_data_copy_still_loads(tmp_path, monkeypatch):
    shutil.copyfile(datasets.data_dir() / datasets.ADULT_FILE, tmp_path / datasets.ADULT_FILE)
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    X, y = datasets.load_adult()
    assert X.shape == (32_561, 14)


def test_write_atomically_replaces_the_file_whole_and_refuses_text(tmp_path):
    path = tmp_path / "file.txt"
    path.write_bytes(b"old")
    _files.write_atomically(path, b"new")
    assert path.read_bytes() == b"new"
    assert (path.stat().st_mode & 0o777) == 0o644
    with pytest.raises(TypeError, match="bytes"):
        _files.write_atomically(path, "text")  # text must be encoded first
    assert path.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file.txt"]  # no temporary left


def test_write_atomically_leaves_the_old_file_when_the_write_fails(tmp_path, monkeypatch):
    path = tmp_path / "file.txt"
    path.write_bytes(b"old")

    def failing_replace(source, target):
        raise OSError("disk full")

    monkeypatch.setattr(_files.os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        _files.write_atomically(path, b"new")
    assert path.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file.txt"]


# ------------------------------------------------------------ writers x non-regular targets

def _special_target(tmp_path: Path, kind: str) -> Path:
    """A path holding something other than a regular file (never a real device)."""
    path = tmp_path / f"target-{kind}"
    if kind == "folder":
        path.mkdir()
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "symlink-to-device":
        path.symlink_to("/dev/null")  # lstat sees the link; /dev/null is never written
    elif kind == "symlink-to-file":
        (tmp_path / "real.txt").write_bytes(b"real")
        path.symlink_to(tmp_path / "real.txt")
    elif kind == "dangling-symlink":
        path.symlink_to(tmp_path / "missing")
    elif kind == "socket":
        import socket
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(path))
        server.close()
    elif kind == "char-device":
        if os.geteuid() != 0:
            pytest.skip("making a device node needs root")
        import stat
        os.mknod(path, 0o600 | stat.S_IFCHR, os.makedev(1, 3))  # the null device's numbers
    return path


SPECIAL_TARGETS = ["folder", "fifo", "symlink-to-device", "symlink-to-file", "dangling-symlink",
                   "socket", "char-device"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX file kinds")
@pytest.mark.parametrize("kind", SPECIAL_TARGETS)
def test_write_atomically_refuses_a_target_that_is_not_a_regular_file(tmp_path, kind):
    path = _special_target(tmp_path, kind)
    before = os.lstat(path)
    with pytest.raises(ValueError, match=f"{path.name} is a .*not a regular file"):
        _files.write_atomically(path, b"new")
    after = os.lstat(path)
    assert (after.st_mode, after.st_ino) == (before.st_mode, before.st_ino)  # untouched
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]  # nothing left
    if kind == "symlink-to-file":
        assert (tmp_path / "real.txt").read_bytes() == b"real"


def test_write_atomically_still_creates_and_replaces_regular_files(tmp_path):
    _files.write_atomically(tmp_path / "new.txt", b"a")
    _files.write_atomically(tmp_path / "new.txt", b"b")
    assert (tmp_path / "new.txt").read_bytes() == b"b"


# ------------------------------------------------------------ json_nesting_depth

def _random_json(rng, level=0):
    pick = rng.random()
    if level > 6 or pick < 0.3:
        return rng.choice(['a"b', '[\\"{', "\\\\", "]]}}", 'x\\\\"y[', 1, None, 2.5, '\\\\\\"]',
                           "\\", '"', "[{"])
    if pick < 0.65:
        return [_random_json(rng, level + 1) for _ in range(rng.randint(0, 3))]
    return {rng.choice(["k", "[", '"{', "\\"]): _random_json(rng, level + 1)
            for _ in range(rng.randint(0, 3))}


def _depth_of(value) -> int:
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return 1 + max((_depth_of(item) for item in value), default=0)
    return 0


def test_json_nesting_depth_matches_the_parsed_structure():
    # Strings full of brackets, quotes and backslashes; pieces as small as one byte, so that
    # every cut (inside a string, after a backslash, between brackets) is crossed.
    import json
    import random

    rng = random.Random(22)
    for _ in range(600):
        value = _random_json(rng)
        raw = json.dumps(value, ensure_ascii=rng.random() < 0.5).encode("utf-8")
        assert json.loads(raw) == value
        for chunk in (1, 2, 3, 5, 1 << 16):
            assert _files.json_nesting_depth(raw, chunk) == _depth_of(value), (raw, chunk)
    assert _files.json_nesting_depth(b"") == 0
    assert _files.json_nesting_depth(b"[" * 200_000) == 200_000


def test_json_nesting_depth_memory_stays_a_small_multiple_of_its_piece():
    import tracemalloc

    raw = b'{"a": [' + b'"x\\\\\\" [ {", ' * 400_000 + b"1]}"  # about 5 MB of bracketed strings
    tracemalloc.start()
    try:
        assert _files.json_nesting_depth(raw) == 2
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2 * len(raw), f"peak {peak:,} bytes for {len(raw):,} of input"
