"""``course_utils._isolation`` against the kernel's documented interface, through a fake libc.

The real calls need a user and mount namespace of their own (the sandbox's keeper and the
grader's jail make one, in a child process the unit tests' coverage does not follow), and
done here they would change the test process itself. So ``_libc()`` is replaced by a fake that
records each call, and the calls are checked against the man pages: the arguments of
``prctl(2)``, ``capset(2)``, ``mount(2)``, ``umount2(2)``, in the order ``setup``'s docstring
gives. The numbers themselves are checked against the kernel's headers.
"""

from __future__ import annotations

import ctypes
import os
import re
from pathlib import Path

import pytest

from course_utils import _isolation

HEADERS = ["/usr/include/linux/mount.h", "/usr/include/linux/prctl.h",
           "/usr/include/linux/capability.h", *map(str, Path("/usr/include").glob(
               "*/sys/mount.h")), "/usr/include/sys/mount.h"]


def _header_values():
    """``NAME -> value`` of every ``#define NAME number`` (or ``(1<<k)``) and every enum entry
    ``NAME = number`` in the kernel headers found."""
    values = {}
    for header in HEADERS:
        if not os.path.exists(header):
            continue
        text = Path(header).read_text(errors="replace")
        for name, value in re.findall(r"#define\s+(\w+)\s+\(?\s*(0x[0-9a-fA-F]+|\d+"
                                      r"|1\s*<<\s*\d+)\s*\)?\s", text):
            values.setdefault(name, eval(value))  # only digits, 0x and <<: see the pattern
        for name, value in re.findall(r"^\s*(\w+)\s*=\s*(\d+)\s*,", text, flags=re.M):
            values.setdefault(name, int(value))
    return values


def test_every_kernel_constant_is_the_headers_value():
    # Generated from the module: every upper-case int constant (MS_*, _PR_*, _MNT_*,
    # _LINUX_CAPABILITY_VERSION_3) has the value the kernel's headers define for its name.
    values = _header_values()
    if "MS_RDONLY" not in values or "PR_CAPBSET_DROP" not in values:
        pytest.skip("the kernel headers (linux-libc-dev) are not installed")
    constants = {name: value for name, value in vars(_isolation).items()
                 if re.fullmatch(r"_?[A-Z][A-Z0-9_]+", name) and isinstance(value, int)}
    assert len(constants) >= 16
    for name, value in constants.items():
        assert values[name.removeprefix("_") if name.startswith("_PR_") or name.startswith(
            "_MNT_") else name] == value, name
    locked = {"nosuid": "MS_NOSUID", "nodev": "MS_NODEV", "noexec": "MS_NOEXEC",
              "noatime": "MS_NOATIME", "nodiratime": "MS_NODIRATIME", "relatime": "MS_RELATIME"}
    assert _isolation._LOCKED == {option: values[name] for option, name in locked.items()}


class FakeLibc:
    """Records every call; ``fail`` maps a call's name (and for prctl its option) to the errno
    it fails with, as the kernel does: return -1 and set errno."""

    def __init__(self, fail=None, last_capability=40):
        self.calls, self.fail, self.last_capability = [], dict(fail or {}), last_capability

    def _result(self, key):
        if key in self.fail:
            ctypes.set_errno(self.fail[key])
            return -1
        return 0

    def prctl(self, option, arg2, arg3, arg4, arg5):
        self.calls.append(("prctl", option, arg2, arg3, arg4, arg5))
        if option == 24 and arg2 > self.last_capability:  # PR_CAPBSET_DROP past the last one
            ctypes.set_errno(22)  # EINVAL
            return -1
        return self._result(("prctl", option))

    def capset(self, header, data):
        header, data = header._obj, data  # ctypes.byref(...) and the array itself
        self.calls.append(("capset", header.version, header.pid,
                           [(d.effective, d.permitted, d.inheritable) for d in data]))
        return self._result("capset")

    def mount(self, source, target, fstype, flags, data):
        text = [None if a is None else os.fsdecode(a) for a in (source, target, fstype, data)]
        self.calls.append(("mount", text[0], text[1], text[2], flags, text[3]))
        return self._result("mount")

    def umount2(self, target, flags):
        self.calls.append(("umount2", os.fsdecode(target), flags))
        return self._result("umount2")


@pytest.fixture
def libc(monkeypatch):
    fake = FakeLibc()
    monkeypatch.setattr(_isolation, "_libc", lambda: fake)
    ctypes.set_errno(0)
    return fake


def test_drop_privileges_drops_the_bounding_set_then_every_capability(libc):
    # prctl(PR_CAPBSET_DROP = 24, cap, 0, 0, 0) for cap = 0, 1, ... until EINVAL (past the last
    # capability the kernel knows: 40 here), capset(2) with version 3 (0x20080522), pid 0 (this
    # process) and two all-zero data structs (capabilities 0-31 and 32-63), then
    # prctl(PR_SET_NO_NEW_PRIVS = 38, 1, 0, 0, 0).
    assert _isolation.drop_privileges() is True
    drops = [("prctl", 24, cap, 0, 0, 0) for cap in range(64)]
    assert libc.calls == [*drops, ("capset", 0x20080522, 0, [(0, 0, 0)] * 2),
                          ("prctl", 38, 1, 0, 0, 0)]


@pytest.mark.parametrize("fail, calls", [
    ({("prctl", 24): 1}, 1),  # EPERM on the first drop: not allowed, stop there
    ({"capset": 1}, 65),
    ({("prctl", 38): 22}, 66),
])
def test_drop_privileges_says_false_when_a_step_is_refused(monkeypatch, fail, calls):
    fake = FakeLibc(fail)
    monkeypatch.setattr(_isolation, "_libc", lambda: fake)
    ctypes.set_errno(0)
    assert _isolation.drop_privileges() is False
    assert len(fake.calls) == calls


def test_drop_privileges_ignores_only_einval_past_the_last_capability(monkeypatch):
    # EINVAL (22) for a capability past the last one is expected; a drop that succeeds after
    # another call left errno at 22 is a success too (errno is read only after a failure).
    fake = FakeLibc(last_capability=63)
    monkeypatch.setattr(_isolation, "_libc", lambda: fake)
    ctypes.set_errno(1)  # a stale EPERM from an earlier call
    assert _isolation.drop_privileges() is True
    fake = FakeLibc({("prctl", 24): 23}, last_capability=63)  # ENFILE: not EINVAL
    monkeypatch.setattr(_isolation, "_libc", lambda: fake)
    assert _isolation.drop_privileges() is False


def test_mount_and_unmount_pass_their_arguments_and_raise_the_errno(monkeypatch, libc):
    _isolation.mount("tmpfs", "/x", "tmpfs", 6, "size=1m")
    _isolation.mount(None, "/y", None, 1)
    _isolation._unmount("/z")
    assert libc.calls == [("mount", "tmpfs", "/x", "tmpfs", 6, "size=1m"),
                          ("mount", None, "/y", None, 1, None), ("umount2", "/z", 2)]
    libc.fail = {"mount": 13, "umount2": 16}  # EACCES, EBUSY
    with pytest.raises(OSError) as error:
        _isolation.mount(None, "/y", None, 1)
    assert error.value.errno == 13 and "mount /y" in str(error.value)
    with pytest.raises(OSError) as error:
        _isolation._unmount("/z")
    assert error.value.errno == 16 and "umount /z" in str(error.value)


def test_inside_is_the_folder_or_below_it():
    assert _isolation.inside("/a/b", "/a/b")
    assert _isolation.inside("/a/b/c", "/a/b")
    assert _isolation.inside("/a/b/c", "/a/b/")
    assert not _isolation.inside("/a/bc", "/a/b")
    assert not _isolation.inside("/a", "/a/b")


def test_mounts_reads_every_mount_point_and_its_options():
    # The same mount points as /proc/self/mounts (another file, the same octal escapes), each
    # with its per-mount options, which say rw or ro.
    found = _isolation.mounts()
    with open("/proc/self/mounts", encoding="utf-8") as stream:
        points = [line.split()[1].encode().decode("unicode_escape") for line in stream]
    assert sorted(point for point, _ in found) == sorted(points)
    assert "/" in points and "/proc" in points
    assert all(("rw" in options) != ("ro" in options) for _, options in found)


def _setup_plan(libc, monkeypatch, tmp_path, *, writable, writable_hidden, table):
    """Run setup() against the fake libc with a fake mount table, in tmp_path."""
    python = tmp_path / "python"
    hidden, other = tmp_path / "hidden", tmp_path / "other"
    shown, outside = hidden / "shown", tmp_path / "outside"
    for folder in (python, hidden, other, shown, outside, python / "lib"):
        folder.mkdir(parents=True, exist_ok=True)
    monkeypatch.setattr(_isolation, "python_folders", lambda: [str(python)])
    monkeypatch.setattr(_isolation, "mounts", lambda: table)
    hide = [str(hidden), str(hidden / "shown" / "deeper"), str(python / "lib"),
            str(tmp_path / "missing")]
    problems = _isolation.setup(writable, hide, [str(shown), str(outside)],
                                writable_hidden=writable_hidden)
    return problems, {name: str(path) for name, path in
                      dict(python=python, hidden=hidden, shown=shown, other=other).items()}


def test_setup_makes_every_mount_read_only_and_covers_the_hidden_folders(libc, monkeypatch,
                                                                       tmp_path):
    # As setup's docstring says, in order: "/" made private (recursively), so nothing reaches
    # the real system; every mount (deepest first) remounted read-only, keeping the options the
    # system locked, except /proc and /dev/null; each hidden folder covered by a tmpfs (not one
    # inside Python's folders, not one inside another hidden folder, not a missing one); a
    # visible folder inside a hidden one put back by a bind mount of it, then made read-only;
    # with writable_hidden=False, each tmpfs made read-only.
    table = [("/", {"rw", "relatime"}), ("/proc", {"rw", "nosuid"}), ("/dev/null", {"rw"}),
             ("/data", {"rw", "nosuid", "nodev", "noexec", "noatime", "nodiratime"})]
    problems, path = _setup_plan(libc, monkeypatch, tmp_path, writable=None,
                                 writable_hidden=False, table=table)
    assert problems == []
    remount_ro = 32 | 4096 | 1
    mounts = [call[1:] for call in libc.calls]
    assert mounts[0] == (None, "/", None, 16384 | (1 << 18), None)
    assert mounts[1] == (None, "/data", None, remount_ro | 2 | 4 | 8 | 1024 | 2048, None)
    assert mounts[2] == (None, "/", None, remount_ro | (1 << 21), None)
    assert mounts[3] == ("tmpfs", path["hidden"], "tmpfs", 2 | 4, "size=64m")
    assert mounts[4][1:] == (path["shown"], None, 4096 | 16384, None)
    assert re.fullmatch(r"/proc/self/fd/\d+", mounts[4][0])
    assert mounts[5] == (None, path["shown"], None, remount_ro | 2 | 4, None)
    assert mounts[6] == (None, path["hidden"], None, 32 | 1 | 2 | 4, "size=64m")
    assert len(mounts) == 7


def test_setup_keeps_the_writable_folder_writable(libc, monkeypatch, tmp_path):
    writable = tmp_path / "hidden" / "work"
    writable.mkdir(parents=True)
    table = [("/", {"rw"}), (str(writable), {"rw"})]
    problems, path = _setup_plan(libc, monkeypatch, tmp_path, writable=str(writable),
                                 writable_hidden=True, table=table)
    assert problems == []
    mounts = [call[1:] for call in libc.calls]
    assert mounts[1] == (str(writable), str(writable), None, 4096, None)  # its own mount
    assert (None, str(writable), None, 32 | 4096 | 1, None) not in mounts  # not made read-only
    assert mounts[-1][1:] == (str(writable), None, 4096, None)  # put back over the tmpfs
    assert re.fullmatch(r"/proc/self/fd/\d+", mounts[-1][0])
    assert not any(call[4] & 1 and call[1] == path["hidden"] for call in libc.calls)
    # a visible folder inside a hidden one is still put back (it is not inside the writable
    # folder, which comes back whole with what is in it)
    assert (None, path["shown"], None, 32 | 4096 | 1 | 2 | 4, None) in mounts


def test_setup_reports_what_it_could_not_do(libc, monkeypatch, tmp_path):
    # A mount that cannot be made read-only is reported, the others still are; a folder that
    # cannot be shown inside a hidden one (its mount point cannot be made) uncovers that
    # hidden folder (unmounted), and says so.
    real_makedirs = os.makedirs

    def makedirs(path, exist_ok=False):
        if str(path).endswith("shown"):
            raise OSError(75, "Value too large for defined data type")  # EOVERFLOW
        return real_makedirs(path, exist_ok=exist_ok)

    monkeypatch.setattr(os, "makedirs", makedirs)
    libc.fail = {}
    original_mount = libc.mount

    def mount(source, target, fstype, flags, data):
        result = original_mount(source, target, fstype, flags, data)
        if os.fsdecode(target) == "/locked" and flags & 32:
            ctypes.set_errno(1)
            return -1
        return result

    libc.mount = mount
    table = [("/", {"rw"}), ("/locked", {"rw"})]
    problems, path = _setup_plan(libc, monkeypatch, tmp_path, writable=None,
                                 writable_hidden=False, table=table)
    assert problems[0] == f"/locked stays writable (mount /locked: {os.strerror(1)})"
    assert problems[1].startswith(f"{path['hidden']} stays visible, read-only ({path['shown']} "
                                  "could not be shown inside it")
    assert len(problems) == 2
    assert ("umount2", path["hidden"], 2) in libc.calls
    # the uncovered folder is not made read-only as a tmpfs any more
    assert not any(call[0] == "mount" and call[2] == path["hidden"] and call[5] == "size=64m"
                   and call[4] & 32 for call in libc.calls)
