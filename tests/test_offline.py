"""The test run is offline: notebooks executed by nbval cannot reach the network.

the root ``conftest.py`` puts ``tests/offline/`` first on ``PYTHONPATH``; its ``sitecustomize.py``
refuses every non-loopback socket in each Python process the tests start. These tests prove the
guard works where it matters: in a Jupyter kernel started by nbval exactly as for the course
notebooks, a connection to a non-routable address fails at once with the guard's error while the
kernel itself (which talks over loopback) still runs the notebook.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
OFFLINE_DIR = ROOT / "tests" / "offline"
EXTERNAL = ("192.0.2.1", 80)  # TEST-NET-1 (RFC 5737): never routed, so without a guard it hangs

pytestmark = pytest.mark.skipif(
    os.environ.get("COURSE_ALLOW_NETWORK") == "1", reason="guard switched off on purpose"
)

PROBE_CELLS = {
    # (source, the stdout nbval must see)
    "external": (
        "import socket\n"
        f"try:\n    socket.create_connection({EXTERNAL!r}, timeout=60)\n"
        "    print('connected')\n"
        "except OSError as error:\n    print(type(error).__name__)",
        "NetworkBlockedError\n",
    ),
    "dns": (
        "try:\n    socket.getaddrinfo('example.com', 443)\n    print('resolved')\n"
        "except OSError as error:\n    print(type(error).__name__)",
        "NetworkBlockedError\n",
    ),
    "loopback": (
        "server = socket.socket()\nserver.bind(('127.0.0.1', 0))\nserver.listen()\n"
        "client = socket.create_connection(server.getsockname(), timeout=5)\n"
        "client.close(); server.close()\nprint('loopback ok')",
        "loopback ok\n",
    ),
    "course": (
        "from course_utils.datasets import load_adult\nX, y = load_adult()\n"
        "print(f'{X.shape[0]:,} rows')",
        "32,561 rows\n",
    ),
}


def test_guard_is_on_pythonpath():
    assert os.environ["PYTHONPATH"].split(os.pathsep)[0] == str(OFFLINE_DIR)


def test_pytest_process_is_offline():
    with pytest.raises(ConnectionRefusedError, match="network access blocked"):
        socket.create_connection(EXTERNAL, timeout=60)
    with pytest.raises(OSError, match="network access blocked"):
        socket.getaddrinfo("example.com", 443)
    with socket.socket(socket.AF_INET6) as sock, pytest.raises(OSError, match="blocked"):
        sock.connect(("2001:db8::1", 80, 0, 0))  # IPv6 documentation prefix


def test_loopback_and_unix_sockets_still_work(tmp_path):
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        socket.create_connection(server.getsockname(), timeout=5).close()
    assert socket.getaddrinfo("localhost", 80)
    if hasattr(socket, "AF_UNIX"):
        left, right = socket.socketpair()
        left.sendall(b"x")
        assert right.recv(1) == b"x"
        left.close(), right.close()


def test_nbval_kernel_is_offline(tmp_path):
    """nbval (as configured for the course) runs a notebook whose cells probe the network."""
    nb = nbformat.v4.new_notebook()
    for count, (name, (source, stdout)) in enumerate(PROBE_CELLS.items(), start=1):
        cell = nbformat.v4.new_code_cell(source, execution_count=count)
        cell.id = name
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=stdout)]
        nb.cells.append(cell)
    path = tmp_path / "probe.ipynb"
    nbformat.write(nb, path)
    command = [
        sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(tmp_path),
        "-c", os.devnull, "--nbval", "--nbval-current-env", "--nbval-cell-timeout", "60", str(path),
    ]
    # The environment is this process's (PYTHONPATH set by conftest.py), as for the course run.
    run = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"{len(PROBE_CELLS)} passed" in run.stdout
