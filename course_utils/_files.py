"""How the package opens files: the one place that does it.

Every file ``course_utils`` reads (the data files of :mod:`course_utils.datasets`, the
progress store and the notebooks it lists in :mod:`course_utils.exercises._progress`) is read
with :func:`read_regular_file`, and the progress store's lock is taken with :func:`locked`.
What they guarantee:

- **Nothing blocks on open.** A file is opened with ``O_NONBLOCK`` (a named pipe opens at
  once instead of waiting for a writer) and ``O_NOCTTY`` (a terminal never becomes ours).
- **Only regular files are read, checked after opening.** ``fstat`` on the open descriptor
  says what was opened; checking the path first and opening it afterwards would leave a gap in
  which the file can be swapped for a FIFO or ``/dev/zero``.
- **Bounded reads.** A file larger than the caller's cap is refused, and at most cap + 1
  bytes are ever read, even from a file that grows meanwhile.
- **Depth-safe parsing.** :func:`read_text_file` counts how deep a JSON file nests
  (:func:`json_nesting_depth`, without recursion) before any parser sees it.
- **The tools too.** Every file ``tools/*.py`` reads or writes goes through this module
  (``tests/test_file_access.py`` scans the sources of the package and the tools for any other
  way to open a file).
- **One check of a notebook's JSON.** :func:`parse_notebook` (and :func:`read_notebook`)
  counts the nesting, parses and checks the structure (cells a list of objects, each with a
  ``cell_type`` string and a text ``source``); ``progress()``, ``tools/notebooks.read`` (so
  every tool) and ``tools/grade.py`` use it, and a malformed notebook is a ``ValueError``
  naming the file.
- **A lock never waits for ever.** :func:`locked` retries a non-blocking ``flock`` until its
  time limit, then raises ``TimeoutError``.
- **Writes are whole or not at all.** :func:`write_atomically` takes bytes already encoded
  (an encoding error happens before any file is touched), writes them to a temporary file in
  the target's folder and renames it over the target with ``os.replace``: a reader sees the old
  file or the new one, never a truncated one. A target that exists and is not a regular file
  (a symbolic link, a folder, a FIFO, a device, a socket) is refused, never replaced. Every
  file the package and the tools write goes through it.
- **A folder named by an environment variable** with ``~user`` in it is expanded by
  :func:`folder_from_env`, which raises ``ValueError`` naming the variable when the user does
  not exist (``pathlib`` raises ``RuntimeError``).
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
import time
from pathlib import Path

try:  # not on Windows: there the progress store is written without a lock
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None

__all__ = ["NotARegularFileError", "FileTooLargeError", "check_replaceable", "file_kind",
           "folder_from_env",
           "json_nesting_depth", "parse_notebook", "read_notebook", "read_regular_file",
           "read_text_file", "locked",
           "write_atomically"]

_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(
    os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


class NotARegularFileError(OSError):
    """The path names a folder, a FIFO, a device or a socket: ``kind`` says which."""

    def __init__(self, path, kind: str):
        super().__init__(f"{path} is a {kind}, not a regular file")
        self.kind = kind


class FileTooLargeError(OSError):
    """The file holds more than the caller's cap: ``size`` bytes (at least)."""

    def __init__(self, path, size: int, cap: int):
        super().__init__(f"{path} holds {size:,} bytes, more than {cap:,}")
        self.size = size


def file_kind(mode: int) -> str:
    """What a file is, in words, from its ``st_mode`` ("named pipe (FIFO)", ...)."""
    kinds = [
        (stat.S_ISREG, "regular file"), (stat.S_ISDIR, "folder"),
        (stat.S_ISFIFO, "named pipe (FIFO)"),
        (stat.S_ISCHR, "character device such as /dev/zero"), (stat.S_ISBLK, "block device"),
        (stat.S_ISSOCK, "socket"),
    ]
    return next((kind for test, kind in kinds if test(mode)), "special file")


def _open_regular(path, flags: int, mode: int = 0o600) -> int:
    """Open ``path`` without blocking and return the descriptor of a regular file, or raise."""
    fd = os.open(path, flags, mode)
    try:
        info = os.fstat(fd)  # what was opened, not what the path named a moment before
        if not stat.S_ISREG(info.st_mode):
            raise NotARegularFileError(path, file_kind(info.st_mode))
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_regular_file(path, max_bytes: int, *, follow_symlinks: bool = True) -> bytes:
    """Return the bytes of the regular file ``path``, at most ``max_bytes`` of them.

    Parameters
    ----------
    path : str or os.PathLike
        The file.
    max_bytes : int
        The largest file accepted.
    follow_symlinks : bool, default=True
        When False, a symbolic link as the last part of ``path`` is refused (``OSError``).

    Returns
    -------
    bytes

    Raises
    ------
    NotARegularFileError
        ``path`` is a folder, a FIFO, a device or a socket (checked after opening).
    FileTooLargeError
        The file holds more than ``max_bytes`` bytes.
    OSError
        It cannot be opened or read (missing, no permission...).
    """
    flags = _FLAGS if follow_symlinks else _FLAGS | getattr(os, "O_NOFOLLOW", 0)
    fd = _open_regular(path, flags)
    try:
        size = os.fstat(fd).st_size
        if size > max_bytes:
            raise FileTooLargeError(path, size, max_bytes)
        chunks, remaining = [], max_bytes + 1  # one byte more tells a file that grew
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > max_bytes:
        raise FileTooLargeError(path, len(data), max_bytes)
    return data


def read_text_file(path, max_bytes: int, *, max_json_depth: int | None = None,
                   follow_symlinks: bool = True) -> str:
    """Return the UTF-8 text of the regular file ``path`` (read by :func:`read_regular_file`).

    Parameters
    ----------
    path : str or os.PathLike
        The file.
    max_bytes : int
        The largest file accepted.
    max_json_depth : int, optional
        For a JSON file (a notebook, a store): the deepest nesting accepted, counted before
        any parser recurses into it.
    follow_symlinks : bool, default=True
        As in :func:`read_regular_file`.

    Raises
    ------
    NotARegularFileError, FileTooLargeError, OSError
        As :func:`read_regular_file`.
    ValueError
        If the file is not UTF-8, or nests deeper than ``max_json_depth``.
    """
    raw = read_regular_file(path, max_bytes, follow_symlinks=follow_symlinks)
    if max_json_depth is not None and json_nesting_depth(raw) > max_json_depth:
        raise ValueError(f"{path} nests more than {max_json_depth} levels deep")
    return _decode(raw, path)


def _decode(raw: bytes, path) -> str:
    """``raw`` as UTF-8 text, or a ``ValueError`` naming ``path`` and the first bad byte."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(f"{path} is not UTF-8 text (byte {error.start:,}: "
                         f"{error.reason})") from None


def parse_notebook(raw: bytes, path, max_depth: int) -> dict:
    """The notebook in the bytes ``raw`` (read from ``path``), its structure checked.

    The one check of a notebook's JSON, used by :func:`read_notebook` (the progress report)
    and by ``tools/notebooks.py`` (every tool reads notebooks through it) and
    ``tools/grade.py``: the nesting is counted before parsing, and then the notebook must be
    an object whose ``"cells"`` is a list of objects, each with a ``cell_type`` string and a
    ``source`` that is a string or a list of strings. Zero cells is a valid notebook.

    Raises
    ------
    ValueError
        Naming ``path`` and what is wrong (not UTF-8, not JSON, too deep, or which cell).
    """
    if json_nesting_depth(raw) > max_depth:
        raise ValueError(f"{path}: nested deeper than {max_depth} levels, not a notebook")
    text = _decode(raw, path)
    try:
        notebook = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise ValueError(f"{path}: not JSON ({type(error).__name__}: {error})") from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise ValueError(f"{path}: not a notebook (no list of cells)")
    for number, cell in enumerate(notebook["cells"], start=1):
        if not isinstance(cell, dict):
            raise ValueError(f"{path}: cell {number} is not an object")
        if not isinstance(cell.get("cell_type"), str):
            raise ValueError(f"{path}: cell {number} has no cell_type string")
        source = cell.get("source", "")
        if not (isinstance(source, str)
                or isinstance(source, list) and all(isinstance(s, str) for s in source)):
            raise ValueError(f"{path}: the source of cell {number} is not text "
                             "(a string or a list of strings)")
    return notebook


def read_notebook(path, max_bytes: int, max_depth: int) -> dict:
    """The notebook file ``path`` as a dict, read by :func:`read_regular_file`, checked by
    :func:`parse_notebook` (``ValueError`` naming the file when it is malformed)."""
    return parse_notebook(read_regular_file(path, max_bytes), path, max_depth)


def check_replaceable(path) -> None:
    """Raise ``ValueError`` naming ``path`` when something other than a regular file is there.

    A missing ``path`` or a regular file passes. A symbolic link (even to a regular file), a
    folder, a FIFO, a device or a socket is refused: :func:`write_atomically` would replace it
    by a regular file (``/dev/null`` made an ordinary file). ``lstat`` looks at the link
    itself, not at what it points to. Tools call it before long work (grading) too, so that a
    bad output path fails at once.
    """
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISREG(mode):
        kind = "symbolic link" if stat.S_ISLNK(mode) else file_kind(mode)
        raise ValueError(f"{path} is a {kind}, not a regular file: refusing to replace it")


def write_atomically(path, data: bytes, mode: int = 0o644) -> None:
    """Replace the file ``path`` by ``data`` in one step: a temporary file, then ``os.replace``.

    Parameters
    ----------
    path : str or os.PathLike
        The file written; its folder must exist. If something is already at ``path``, it
        must be a regular file: a symbolic link, a folder, a FIFO, a device (``/dev/null``)
        or a socket is refused, never replaced.
    data : bytes
        The whole new content, already encoded.
    mode : int, default=0o644
        The new file's permissions (the progress store passes ``0o600``).

    Raises
    ------
    TypeError
        If ``data`` is not bytes (text must be encoded first, so that an encoding error leaves
        the file as it was).
    ValueError
        Naming ``path``, when it exists and is not a regular file (checked with ``lstat``
        before anything is written).
    OSError
        When the file cannot be written; ``path`` is then unchanged and no temporary file is
        left behind.
    """
    if not isinstance(data, bytes):
        raise TypeError(f"data must be bytes (encode text first), got {type(data).__name__}")
    path = Path(path)
    check_replaceable(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            if hasattr(os, "fchmod"):
                os.fchmod(stream.fileno(), mode)
            stream.write(data)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


@contextlib.contextmanager
def locked(path, seconds: float):
    """Hold an exclusive ``flock`` on the lock file ``path`` (made if missing) for a block.

    Raises ``TimeoutError`` when another process holds it for ``seconds``, and
    ``NotARegularFileError`` when ``path`` is not a regular file (it is not followed if it is a
    symbolic link). Without ``fcntl`` (Windows) the block runs without a lock.
    """
    if fcntl is None:  # pragma: no cover
        yield
        return
    flags = (os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
             | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0))
    fd = _open_regular(path, flags)
    try:
        deadline = time.monotonic() + seconds
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{path} stayed locked for {seconds:g} s") from None
                time.sleep(0.005)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def folder_from_env(variable: str) -> Path | None:
    """The folder the environment variable ``variable`` names, ``~`` expanded; None if unset.

    Raises
    ------
    ValueError
        Naming ``variable``, when its ``~user`` names no user (or no home folder is known).
    """
    value = os.environ.get(variable, "").strip()
    if not value:
        return None
    try:
        return Path(value).expanduser()
    except RuntimeError:  # pathlib's "Could not determine home directory."
        raise ValueError(
            f"{variable}={value!r}: its '~' cannot be expanded (no such user, or no home "
            f"folder); set {variable} to a folder's full path."
        ) from None


def json_nesting_depth(raw: bytes, chunk_bytes: int = 1 << 16) -> int:
    """How deep the arrays and objects of the JSON text ``raw`` nest, in linear time.

    Brackets inside strings do not count: a quote opens or closes a string unless an odd
    number of backslashes precedes it. (On invalid JSON the count can be off after the first
    error, where the parser stops anyway.) Without recursion, so a file of ``"[" * 200_000``
    is refused before ``json.loads`` recurses into it, whatever the recursion limit. The
    progress store and ``tools/notebooks.py`` check it before parsing.

    One pass over ``raw`` in pieces of about ``chunk_bytes`` bytes (numpy within a piece),
    carrying from one piece to the next only whether a string is open and the depth reached:
    the extra memory is a few dozen times ``chunk_bytes``, whatever the size of ``raw``. A
    piece never ends on a backslash (it is stretched past a run of them), so whether the first
    byte of the next piece is escaped needs no carrying.
    """
    import numpy as np  # here: the rest of this module needs only the standard library

    view = memoryview(raw).cast("B")
    depth = deepest = 0
    in_string = False
    start = 0
    while start < len(view):
        end = min(start + chunk_bytes, len(view))
        while end < len(view) and view[end - 1] == ord("\\"):
            end += 1  # never cut a run of backslashes
        text = np.frombuffer(view[start:end], dtype=np.uint8)
        index = np.arange(text.size)
        backslash = text == ord("\\")
        last_other = np.maximum.accumulate(np.where(backslash, -1, index))
        escaped = np.zeros(text.size, dtype=bool)
        escaped[1:] = (index[:-1] - last_other[:-1]) % 2 == 1  # odd run of backslashes before
        quotes = np.cumsum((text == ord('"')) & ~escaped)
        inside = (quotes % 2 == 1) != in_string
        step = (((text == ord("[")) | (text == ord("{"))).astype(np.int64)
                - ((text == ord("]")) | (text == ord("}"))))
        levels = depth + np.cumsum(np.where(inside, 0, step))
        if levels.size:
            deepest = max(deepest, int(levels.max()))
            depth = int(levels[-1])
        in_string = bool(inside[-1]) if text.size else in_string
        start = end
    return deepest
