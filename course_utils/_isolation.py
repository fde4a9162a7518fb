"""Cutting a process off from the files it must not see: one mechanism, used twice.

Two places run a learner's code and use it: ``tools/jail.py`` (the grader: a learner's
whole notebook, started through ``unshare``) and :mod:`course_utils.exercises._sandbox` (the
*keeper* process that runs a learner's function for ``check()`` in a live kernel). Both are
already in a new user namespace and a new **mount namespace** (a private copy of the mount
table, owned by that user namespace) when they call :func:`setup`, which

* makes every mount **read-only** (except ``writable``, if given), keeping the options the
  system locked (``nosuid``, ``nodev``...);
* covers each ``hidden`` folder with an empty private ``tmpfs`` (read-only unless
  ``writable_hidden``), so nothing in it can be read or written;
* puts back, read-only, the ``visible`` folders and the folders Python itself needs
  (``sys.prefix``, the site-packages) that lie inside a hidden folder; a hidden folder that
  lies inside Python's own folders stays visible (read-only). Where a folder cannot be put
  back (a process whose user id has no number in its namespace cannot make the mount point:
  a process without ``CAP_SETFCAP`` cannot map root, e.g. inside the grader's jail), the
  folder around it stays visible, read-only, and :func:`setup` says so.

The process that runs the learner's code must then hold **no capability** (:func:`drop_privileges`):
without ``CAP_SYS_ADMIN`` it cannot unmount or remount anything, and a user namespace it
makes for itself inherits these mounts *locked* (the kernel forbids undoing them there).
The **network** is cut by the caller's new network namespace (only a loopback that is down).
"""

from __future__ import annotations

import ctypes
import os
import sys

# mount(2) flags (linux/mount.h)
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_NOATIME, MS_NODIRATIME, MS_BIND = 32, 1024, 2048, 4096
MS_REC, MS_PRIVATE, MS_RELATIME, MS_STRICTATIME = 16384, 1 << 18, 1 << 21, 1 << 24
_LOCKED = {"nosuid": MS_NOSUID, "nodev": MS_NODEV, "noexec": MS_NOEXEC, "noatime": MS_NOATIME,
           "nodiratime": MS_NODIRATIME, "relatime": MS_RELATIME}
HIDE_SIZE = "size=64m"  # the tmpfs over a hidden folder, when it is writable: not much

_PR_CAPBSET_DROP, _PR_SET_NO_NEW_PRIVS = 24, 38
_MNT_DETACH = 2
_LINUX_CAPABILITY_VERSION_3 = 0x20080522


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def mount(source: str | None, target: str, fstype: str | None, flags: int,
          data: str | None = None) -> None:
    """``mount(2)``, raising ``OSError`` on failure."""
    def b(text):
        return None if text is None else os.fsencode(text)

    if _libc().mount(b(source), b(target), b(fstype), flags, b(data)) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"mount {target}: {os.strerror(errno)}")


def mounts() -> list[tuple[str, set[str]]]:
    """Mount points (deepest last) and their per-mount options, from /proc/self/mountinfo."""
    found = []
    with open("/proc/self/mountinfo", encoding="utf-8") as stream:
        for line in stream:
            fields = line.split()
            point = fields[4].encode().decode("unicode_escape")  # "\040" is a space
            found.append((point, set(fields[5].split(","))))
    return found


def inside(path: str, folder: str) -> bool:
    """True when ``path`` is ``folder`` or lies in it (both absolute, normalised)."""
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def python_folders() -> list[str]:
    """Folders every Python process needs to see: Python itself and its installed packages."""
    import site

    folders = [sys.prefix, sys.base_prefix, *site.getsitepackages()]
    return [os.path.realpath(p) for p in folders if os.path.isdir(p)]


def setup(writable: str | None, hidden: list[str], visible: list[str] = (), *,
          writable_hidden: bool = True) -> list[str]:
    """Make every mount read-only but ``writable``; cover ``hidden``; keep ``visible`` readable.

    Must run in a mount namespace of its own (see the module docstring). Paths are absolute
    and resolved. Returns what could not be made read-only.
    """
    problems = []
    mount(None, "/", None, MS_REC | MS_PRIVATE)  # nothing done here reaches the real system
    own = None
    if writable is not None:
        mount(writable, writable, None, MS_BIND)  # its own mount: stays writable
        own = os.open(writable, os.O_RDONLY | os.O_DIRECTORY)
    needed = python_folders()
    shown = {path: os.open(path, os.O_RDONLY | os.O_DIRECTORY)
             for path in dict.fromkeys([*visible, *needed]) if os.path.isdir(path)}
    for point, options in reversed(mounts()):
        if point == writable or inside(point, "/proc") or point in ("/dev/null",):
            continue
        flags = MS_REMOUNT | MS_BIND | MS_RDONLY
        flags |= sum(bit for name, bit in _LOCKED.items() if name in options)
        try:
            mount(None, point, None, flags)
        except OSError as exc:
            problems.append(f"{point} stays writable ({exc.strerror})")
    covered = []
    for folder in hidden:
        if not os.path.isdir(folder) or any(inside(folder, p) for p in needed):
            continue  # inside Python's own folders: stays visible, read-only
        if any(inside(folder, other) and folder != other for other in hidden):
            continue  # the tmpfs over the folder around it hides it already
        mount("tmpfs", folder, "tmpfs", MS_NOSUID | MS_NODEV, HIDE_SIZE)
        covered.append(folder)
    for path, fd in shown.items():  # put back, read-only, what a hidden folder covered
        if (writable is None or not inside(path, writable)) and any(
                inside(path, f) for f in covered):
            try:
                os.makedirs(path, exist_ok=True)  # its mount point, on the tmpfs
            except OSError as exc:  # our user id has no number in this namespace (EOVERFLOW)
                for folder in [f for f in covered if inside(path, f)]:
                    _unmount(folder)
                    covered.remove(folder)
                    problems.append(f"{folder} stays visible, read-only ({path} could not be "
                                    f"shown inside it: {exc.strerror})")
                os.close(fd)
                continue
            mount(f"/proc/self/fd/{fd}", path, None, MS_BIND | MS_REC)
            mount(None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
        os.close(fd)
    if writable is not None:
        os.makedirs(writable, exist_ok=True)  # again, if a hidden folder covered it
        mount(f"/proc/self/fd/{own}", writable, None, MS_BIND)
        os.close(own)
    if not writable_hidden:
        for folder in covered:
            mount(None, folder, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, HIDE_SIZE)
    return problems


def _unmount(folder: str) -> None:
    """Detach the mounts on ``folder`` (the tmpfs that hid it, and what was shown inside)."""
    if _libc().umount2(os.fsencode(folder), _MNT_DETACH) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"umount {folder}: {os.strerror(errno)}")


def drop_privileges() -> bool:
    """Drop every capability (and the bounding set) of this process; set ``no_new_privs``.

    Afterwards nothing :func:`setup` did can be undone by this process or its children, even
    by one that runs a program as root of its user namespace. Returns False if one step was
    refused (then the caller must not run the untrusted code).
    """
    libc = _libc()
    for cap in range(64):  # the bounding set: no capability is regained by exec
        if libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 and ctypes.get_errno() != 22:
            return False  # EINVAL: past the last capability this kernel knows

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                    ("inheritable", ctypes.c_uint32)]

    nothing = (Data * 2)()  # all zero: no capability at all
    if libc.capset(ctypes.byref(Header(_LINUX_CAPABILITY_VERSION_3, 0)), nothing) != 0:
        return False
    return libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0
