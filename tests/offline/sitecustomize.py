"""Block network access in every Python process started by the test run (loopback allowed).

``tests/conftest.py`` puts this folder first on ``PYTHONPATH``, so every Python started by the
tests imports this module at start-up (``site`` imports ``sitecustomize`` automatically): in
particular the Jupyter kernels in which nbval executes each notebook. A notebook that tries to
reach the network then fails at once with :class:`NetworkBlockedError`, and the nbval run is the
proof that the course runs offline.

What is blocked: Python-level sockets to any address that is not loopback (``connect``,
``connect_ex``, ``sendto``, ``socket.create_connection``) and name resolution of any host other
than ``localhost`` or a loopback address (``getaddrinfo``, ``gethostbyname``...). Unix sockets
and loopback stay open: the kernel talks to nbval over ZeroMQ on 127.0.0.1 (ZeroMQ uses its own
C sockets, which this module does not touch, so the kernel works as usual).

What is not blocked: programs that are not Python (``curl`` in a subprocess) and C libraries
opening their own sockets. The course uses neither; a machine without a network would catch them.
"""

from __future__ import annotations

import ipaddress
import socket

_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", ""}


class NetworkBlockedError(ConnectionRefusedError):
    """A network access that the offline guard refused (an ``OSError``, as offline would be)."""


def is_local(host) -> bool:
    """True for loopback, unspecified (``0.0.0.0``, ``::``) or ``localhost`` hosts, or no host."""
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    host = str(host).split("%", 1)[0]  # drop an IPv6 zone ("fe80::1%eth0")
    if host.lower() in _LOCAL_NAMES:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False  # a host name other than localhost: resolving it needs the network
    return address.is_loopback or address.is_unspecified


def _check(address, what: str) -> None:
    # AF_INET/AF_INET6 addresses are tuples (host, port, ...); AF_UNIX ones are paths (local).
    if isinstance(address, tuple) and address and not is_local(address[0]):
        raise NetworkBlockedError(
            f"network access blocked ({what} {address!r}): the course must run offline "
            "(guard: tests/offline/sitecustomize.py)"
        )


def install() -> None:
    """Patch the ``socket`` module in this process (idempotent)."""
    if getattr(socket, "_course_offline", False):
        return
    sock = socket.socket
    connect, connect_ex, sendto = sock.connect, sock.connect_ex, sock.sendto
    getaddrinfo, create_connection = socket.getaddrinfo, socket.create_connection
    resolvers = {name: getattr(socket, name) for name in
                 ("gethostbyname", "gethostbyname_ex", "gethostbyaddr")}

    def guarded_connect(self, address):
        _check(address, "connect to")
        return connect(self, address)

    def guarded_connect_ex(self, address):
        _check(address, "connect to")
        return connect_ex(self, address)

    def guarded_sendto(self, data, *args):
        _check(args[-1] if args else None, "send to")
        return sendto(self, data, *args)

    def guarded_getaddrinfo(host, *args, **kwargs):
        _check((host,), "resolve")
        return getaddrinfo(host, *args, **kwargs)

    def guarded_create_connection(address, *args, **kwargs):
        _check(address, "connect to")
        return create_connection(address, *args, **kwargs)

    def guard_resolver(name, resolve):
        def guarded(host, *args, **kwargs):
            _check((host,), "resolve")
            return resolve(host, *args, **kwargs)

        guarded.__name__ = name
        return guarded

    sock.connect, sock.connect_ex, sock.sendto = guarded_connect, guarded_connect_ex, guarded_sendto
    socket.getaddrinfo, socket.create_connection = guarded_getaddrinfo, guarded_create_connection
    for name, resolve in resolvers.items():
        setattr(socket, name, guard_resolver(name, resolve))
    socket._course_offline = True


install()
