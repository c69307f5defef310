"""GET over HTTP(S) with a total deadline, a size bound and same-origin redirects only.

Standard library only (``http.client``): the consumer sits in Gate's process and must not pull
in an HTTP stack. What it guarantees, whatever the server does:

* **a total deadline** for everything one :class:`Session` fetches — not a per-read timeout a
  server can reset by sending one byte at a time: a watchdog shuts the socket down when the
  deadline passes, which unblocks any read in progress;
* **a size bound** per body: a ``Content-Length`` above it is refused before reading, and a
  body is read in chunks and cut as soon as it passes the bound — a gzip body (every request
  asks for one) as soon as what it inflates to passes it;
* **redirects only within the origin** (same scheme, host and port): never to another host,
  never from https to http, never to another scheme.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import threading
import time
import zlib
from urllib.parse import urljoin, urlsplit

from gate_consumer.errors import CatalogLoadError
from gate_consumer.ids import shown

__all__ = ["MAX_REDIRECTS", "Session", "same_origin"]

MAX_REDIRECTS = 5
_CHUNK = 64 * 1024


def same_origin(url: str, target: str) -> bool:
    """Whether a redirect from ``url`` to ``target`` stays on the same scheme, host and port."""
    a, b = urlsplit(url), urlsplit(target)
    if b.scheme not in ("http", "https"):
        return False
    try:
        return (a.scheme, (a.hostname or "").lower(), a.port) == (b.scheme, (b.hostname or "").lower(), b.port)
    except ValueError:  # a port that is not a number
        return False


class Session:
    """Fetches URLs of one origin until ``deadline`` (a ``time.monotonic()`` instant).

    Use it as a context manager; leaving it closes the connection and the watchdog.
    """

    def __init__(self, deadline: float, user_agent: str):
        self.deadline = deadline
        self.user_agent = user_agent
        self._conn: http.client.HTTPConnection | None = None
        self._origin: tuple[str, str, int | None] | None = None
        self._expired = False
        self._lock = threading.Lock()
        self._watchdog = threading.Timer(max(0.0, deadline - time.monotonic()), self._expire)
        self._watchdog.daemon = True
        self._watchdog.start()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._watchdog.cancel()
        self._drop()

    def _expire(self) -> None:
        with self._lock:
            self._expired = True
            sock = self._conn.sock if self._conn is not None else None
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)  # wakes a read blocked in another thread

    def _remaining(self, url: str) -> float:
        remaining = self.deadline - time.monotonic()
        if self._expired or remaining <= 0:
            raise CatalogLoadError(f"{url}: the load's deadline passed")
        return remaining

    def _connection(self, scheme: str, host: str, port: int | None, url: str) -> http.client.HTTPConnection:
        with self._lock:
            if self._conn is not None and self._origin == (scheme, host, port):
                return self._conn
            if self._conn is not None:
                self._conn.close()
            timeout = self._remaining(url)
            if scheme == "https":
                import ssl  # only for https: its import is a tenth of a cold start

                self._conn = http.client.HTTPSConnection(host, port, timeout=timeout,
                                                         context=ssl.create_default_context())
            else:
                self._conn = http.client.HTTPConnection(host, port, timeout=timeout)
            self._origin = (scheme, host, port)
            return self._conn

    def get(self, url: str, *, max_bytes: int, etag: str | None = None) -> tuple[int, bytes, str | None]:
        """``(status, body, etag)`` of a GET: 200 with the body, or 304 (``etag`` was current).

        Raises :class:`CatalogLoadError` for anything else: another status, a redirect off the
        origin or too many, a body over ``max_bytes``, a network error, the deadline.
        """
        for _ in range(MAX_REDIRECTS + 1):
            status, body, headers = self._once(url, max_bytes, etag)
            if status in (301, 302, 303, 307, 308):
                target = urljoin(url, headers.get("Location", ""))
                if not same_origin(url, target):
                    raise CatalogLoadError(f"{url}: refusing a redirect to another origin ({_short(target)})")
                url = target
                continue
            if status == 304 and etag:
                return 304, b"", etag
            if status != 200:
                raise CatalogLoadError(f"{url} answered HTTP {status}")
            return status, body, headers.get("ETag")
        raise CatalogLoadError(f"{url}: more than {MAX_REDIRECTS} redirects")

    def _once(self, url: str, max_bytes: int, etag: str | None) -> tuple[int, bytes, http.client.HTTPMessage]:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise CatalogLoadError(f"{_short(url)}: only http(s) URLs are loaded")
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        headers = {"User-Agent": self.user_agent, "Accept": "application/json", "Accept-Encoding": "gzip"}
        if etag:
            headers["If-None-Match"] = etag
        for attempt in (1, 2):
            conn = self._connection(parts.scheme, parts.hostname, parts.port, url)
            reused = conn.sock is not None
            try:
                self._remaining(url)
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                body = self._read(response, url, max_bytes) if response.status == 200 else b""
                if response.status != 200:
                    response.read(_CHUNK)  # a short error page; anything longer closes the connection
                    if not response.isclosed():
                        self._drop()
                return response.status, body, response.headers
            except CatalogLoadError:
                self._drop()
                raise
            except (OSError, http.client.HTTPException) as exc:
                self._drop()
                if self._expired:
                    raise CatalogLoadError(f"{url}: the load's deadline passed") from None
                # A kept-alive connection the server closed meanwhile: one retry on a new one.
                if attempt == 1 and reused and isinstance(exc, (http.client.RemoteDisconnected, ConnectionError)):
                    continue
                raise CatalogLoadError(f"{url}: {exc or type(exc).__name__}") from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _read(self, response: http.client.HTTPResponse, url: str, max_bytes: int) -> bytes:
        encoding = (response.getheader("Content-Encoding") or "identity").strip().lower()
        if encoding not in ("identity", "gzip"):
            raise CatalogLoadError(f"{url}: served with Content-Encoding {shown(encoding, 40)}, which was not asked for")
        inflate = zlib.decompressobj(wbits=31) if encoding == "gzip" else None
        # gzip of incompressible bytes is a little larger than they are: the wire may carry that much more
        wire_max = max_bytes if inflate is None else max_bytes + max_bytes // 100 + 1024
        declared = response.getheader("Content-Length")
        if declared is not None and declared.strip().isdigit() and int(declared) > wire_max:
            raise CatalogLoadError(f"{url}: {int(declared):,} bytes, more than the {max_bytes:,} bytes expected")
        chunks, wire, size = [], 0, 0
        while True:
            chunk = response.read(min(_CHUNK, wire_max - wire + 1))
            if not chunk:
                if self._expired:  # the watchdog's shutdown reads as the end of the body
                    raise CatalogLoadError(f"{url}: the load's deadline passed")
                if inflate is not None and not inflate.eof:
                    raise CatalogLoadError(f"{url}: the gzip body ends before its end")
                return b"".join(chunks)
            wire += len(chunk)
            if wire > wire_max:
                raise CatalogLoadError(f"{url}: more than the {max_bytes:,} bytes expected; cut there")
            if inflate is not None:
                try:
                    chunk = inflate.decompress(chunk, max_bytes - size + 1)
                except zlib.error as exc:
                    raise CatalogLoadError(f"{url}: not a gzip body ({exc})") from None
                if inflate.unconsumed_tail:  # it inflates past the bound: a bomb, not a catalog file
                    raise CatalogLoadError(f"{url}: inflates to more than the {max_bytes:,} bytes expected; cut there")
            size += len(chunk)
            if size > max_bytes:
                raise CatalogLoadError(f"{url}: more than the {max_bytes:,} bytes expected; cut there")
            chunks.append(chunk)

    def _drop(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


def _short(url: str) -> str:
    return shown(url, 120)
