"""Fetching a source's listing over HTTP: timeouts, retries, ``Retry-After``, pagination.

The contract:

* Each request has a connect and a read timeout (:class:`FetchPolicy`).
* ``429`` and ``5xx`` answers and transport errors (refused connection, timeout, a body cut
  off mid-transfer) are retried with exponential backoff. A ``Retry-After`` header (seconds
  or an HTTP date) is honoured up to ``max_wait``; a server asking for longer fails the source
  rather than stalling the whole run.
* Any other ``4xx`` fails at once (retrying a ``401`` cannot help); the message names the
  source, the URL and the status, and never a key: keys travel in headers only, and URLs are
  shown with secret-looking query parameters redacted.
* Redirects are followed only within the source URL's own scheme, host and port (at most
  five): a key sent in ``x-api-key`` or ``x-goog-api-key`` never reaches another host.
* Paginated sources (an adapter with ``next_page(data)``) are followed page by page up to
  ``max_pages``; a listing cut short is marked incomplete, so nothing is retired on its account.
* A source published as several files is fetched file by file: ``<url><part>.json`` for each of
  an adapter's ``PARTS``, or the files an index names (an adapter with ``follow(index)``), on the
  index's own host; any file that fails fails the source.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

import httpx

from gate_consumer.instants import utc_now
from refresher.sources.adapter import SourceAdapter
from refresher.sources.base import SourceError

#: what a resolver says when a name does not resolve (glibc, musl, macOS, Windows)
_NO_SUCH_HOST = re.compile(r"Name or service not known|nodename nor servname|No address associated|"
                           r"Temporary failure in name resolution|getaddrinfo failed|Name does not resolve", re.I)

__all__ = ["USER_AGENT", "FetchPolicy", "Fetched", "Fetcher", "redact_url", "retry_after_seconds"]

USER_AGENT = "fusionaize-metadata-refresher/0.1 (+https://github.com/fusionAIze/metadata)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_REDIRECTS = 5
_SECRET_PARAMS = frozenset({"key", "api_key", "apikey", "token", "access_token", "secret"})


@dataclass(frozen=True)
class FetchPolicy:
    timeout: float = 30.0
    connect_timeout: float = 10.0
    attempts: int = 4  # the first try and three retries
    backoff: float = 1.0  # seconds before the first retry, doubled after each
    max_wait: float = 60.0  # the longest Retry-After this run honours
    max_pages: int = 100
    max_bytes: int = 64 * 2**20  # one response
    max_total_bytes: int = 256 * 2**20  # every page of one source together


@dataclass(frozen=True)
class Fetched:
    bodies: tuple[bytes, ...]  # one per page
    url: str  # redacted, for messages
    complete: bool = True
    parts: tuple[str, ...] = ()  # the name of each body, for a source of several files


def redact_url(url: httpx.URL | str) -> str:
    """The URL with the values of secret-looking query parameters replaced by ``***``."""
    parsed = httpx.URL(str(url))
    if not any(k.lower() in _SECRET_PARAMS for k in parsed.params):
        return str(parsed)
    params = [(k, "***" if k.lower() in _SECRET_PARAMS else v) for k, v in parsed.params.multi_items()]
    return str(parsed.copy_with(params=params))


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delta-seconds or HTTP date); None if absent
    or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or utc_now())).total_seconds())


class Fetcher:
    """GETs listings with one shared client. ``sleep`` is injectable so tests need not wait."""

    def __init__(
        self,
        client: httpx.Client | None = None,
        policy: FetchPolicy = FetchPolicy(),
        *,
        sleep: Callable[[float], None] = time.sleep,
        say: Callable[[str], None] = print,
    ):
        self.policy = policy
        # Redirects are followed by hand (_get_once), only within the URL's own origin: httpx
        # strips only Authorization across origins, so x-api-key and x-goog-api-key would leak.
        self.client = client or httpx.Client(
            timeout=httpx.Timeout(policy.timeout, connect=policy.connect_timeout), follow_redirects=False
        )
        self.sleep = sleep
        self.say = say

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def listing(self, adapter: SourceAdapter, url: str, key: str | None, *, parts: tuple[str, ...] | None = None) -> Fetched:
        """Every page of one source's listing (for a source of several files: ``parts``, else
        every one of its ``parts``). Raises :class:`SourceError`."""
        source = adapter.id
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        if key:
            headers |= adapter.auth_headers(key)
        parts = parts if parts is not None else adapter.parts
        if parts is not None:
            return self._parts(source, url, parts, headers)
        if adapter.follow is not None:
            return self._index(adapter, url, headers)
        next_page = adapter.next_page
        params: dict[str, str] = dict(adapter.first_page)
        bodies: list[bytes] = []
        while True:
            body = self._within_total(source, url, bodies, self.get(source, url, params, headers))
            try:
                following = next_page(json.loads(body)) if next_page is not None else None
            except ValueError:
                following = None  # the adapter's parser will say what is wrong with this page
            if following is None:
                return Fetched(tuple(bodies), redact_url(url))
            if len(bodies) >= self.policy.max_pages:
                self.say(f"{source}: stopped after {len(bodies)} pages; the listing is incomplete")
                return Fetched(tuple(bodies), redact_url(url), complete=False)
            params = following
            self.say(f"{source}: page {len(bodies) + 1}")

    def _within_total(self, source: str, url: str, bodies: list[bytes], body: bytes,
                      what: Callable[[int], str] = "{} pages".format) -> bytes:
        """Add ``body`` to a source's ``bodies``, or raise :class:`SourceError` once they hold more
        than ``max_total_bytes`` together; ``what`` names that many bodies in the message."""
        bodies.append(body)
        if sum(map(len, bodies)) > self.policy.max_total_bytes:
            raise SourceError(f"{source}: {redact_url(url)}: {what(len(bodies))} hold more than "
                              f"{self.policy.max_total_bytes:,} bytes together; refusing the listing")
        return body

    def _parts(self, source: str, url: str, parts: tuple[str, ...], headers: dict[str, str]) -> Fetched:
        base = url if url.endswith("/") else url + "/"
        bodies: list[bytes] = []
        for index, part in enumerate(parts, 1):
            self._within_total(source, url, bodies, self.get(source, f"{base}{part}.json", {}, headers), "{} files".format)
            if index % 10 == 0 and index < len(parts):
                self.say(f"{source}: {index} of {len(parts)} files")
        return Fetched(tuple(bodies), redact_url(base), parts=parts)

    def _index(self, adapter: SourceAdapter, url: str, headers: dict[str, str]) -> Fetched:
        """An index and the files it points to (``adapter.follow(index)``: ``(part, path)``
        pairs), every file on the index's own host."""
        source = adapter.id
        index = self.get(source, url, {}, headers)
        try:
            files = adapter.follow(json.loads(index))
        except ValueError:
            return Fetched((index,), redact_url(url), parts=(adapter.index,))  # the parser says what is wrong
        origin = httpx.URL(url)
        bodies = [index]
        for i, (_, path) in enumerate(files, 1):
            file = self.get(source, str(origin.copy_with(raw_path=path.encode())), {}, headers)
            self._within_total(source, url, bodies, file, lambda n: f"the index and {n - 1} files")
            self.say(f"{source}: {i} of {len(files)} files")
        return Fetched(tuple(bodies), redact_url(url), parts=(adapter.index, *(name for name, _ in files)))

    def get(self, source: str, url: str, params: dict[str, str], headers: dict[str, str]) -> bytes:
        """One GET with retries; the body, or :class:`SourceError` naming source, URL and cause."""
        shown = redact_url(httpx.URL(url, params=params) if params else url)
        delay = self.policy.backoff
        for attempt in range(1, self.policy.attempts + 1):
            try:
                status, body, retry_after = self._get_once(url, params, headers)
            except _TooLarge:
                raise SourceError(f"{source}: {shown}: the response is larger than {self.policy.max_bytes:,} bytes") from None
            except _Refused as exc:
                raise SourceError(f"{source}: {shown}: {exc}") from None
            except httpx.TransportError as exc:
                if isinstance(exc, httpx.ConnectError) and _NO_SUCH_HOST.search(str(exc)):
                    # a name that does not resolve will not in a few seconds either (offline, a typo)
                    raise SourceError(f"{source}: {shown}: the host name does not resolve ({exc}); offline?") from None
                problem, where, wait = type(exc).__name__ + (f" ({exc})" if str(exc) else ""), ": ", delay
            else:
                if status < 400:
                    return body
                if status not in RETRY_STATUSES:
                    raise SourceError(f"{source}: {shown} answered HTTP {status}{_hint(status)}")
                problem, where = f"HTTP {status}", " answered "
                wait = retry_after if retry_after is not None else delay
                if wait > self.policy.max_wait:
                    raise SourceError(
                        f"{source}: {shown} answered HTTP {status} and asks to retry after {wait:g} s, "
                        f"longer than the {self.policy.max_wait:g} s this run waits"
                    )
            if attempt == self.policy.attempts:
                raise SourceError(f"{source}: {shown}{where}{problem}, {attempt} attempts")
            self.say(f"{source}: {problem}; retrying in {wait:g} s (attempt {attempt + 1} of {self.policy.attempts})")
            self.sleep(wait)
            delay *= 2
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def _get_once(self, url: str, params: dict[str, str], headers: dict[str, str]) -> tuple[int, bytes, float | None]:
        origin = httpx.URL(url)
        request_url: httpx.URL = httpx.URL(url, params=params) if params else origin
        for _ in range(MAX_REDIRECTS + 1):
            with self.client.stream("GET", request_url, headers=headers, follow_redirects=False) as response:
                if not response.is_redirect:
                    return self._read(response)
                target = response.next_request.url if response.next_request is not None else None
            if target is None or (target.scheme, target.host, target.port) != (origin.scheme, origin.host, origin.port):
                raise _Refused(f"refusing a redirect to {redact_url(target) if target else 'nowhere'}: "
                               "only redirects within the source's own host are followed (its key stays home)")
            request_url = target
        raise _Refused(f"more than {MAX_REDIRECTS} redirects")

    def _read(self, response: httpx.Response) -> tuple[int, bytes, float | None]:
        if response.status_code >= 400:
            response.read()
            return response.status_code, b"", retry_after_seconds(response.headers.get("Retry-After"))
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > self.policy.max_bytes:
                raise _TooLarge
            chunks.append(chunk)
        return response.status_code, b"".join(chunks), None


class _TooLarge(Exception):
    pass


class _Refused(Exception):
    """A redirect this fetcher does not follow; the message says why."""


def _hint(status: int) -> str:
    if status in (401, 403):
        return " (is the API key valid and allowed to list models?)"
    if status == 404:
        return " (is the source URL right?)"
    return ""
