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
