"""A published catalog served from a local HTTP server, as a consumer meets it: an ETag on the
manifest, files that can be replaced or overridden, gzip when asked for, the pack made of what
is served, a log of what was downloaded."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from gate_consumer.pack import PACK, unpack

SONNET = "anthropic/claude-sonnet-4-5-20250929"


class Site:
    """Serves a v1 folder with an ETag on the manifest; counts what was downloaded."""

    def __init__(self, server: HTTPServer, root: Path):
        self.server, self.root = server, root
        self.overrides: dict[str, Response] = {}
        self.etag = '"one"'
        self.gzip = True  # a host compresses what a client asks it to, as CDNs do
        server.expect_request("/v1/manifest.json").respond_with_handler(self.manifest)
        server.expect_request(f"/v1/{PACK}").respond_with_handler(lambda req: self.encoded(req, self.pack()))
        for path in root.rglob("*.json"):
            rel = path.relative_to(root).as_posix()
            if rel != "manifest.json":
                server.expect_request(f"/v1/{rel}").respond_with_handler(
                    lambda req, rel=rel: self.encoded(req, self.file(rel)))

    @property
    def url(self) -> str:
        return self.server.url_for("/v1/")

    def manifest(self, request: Request) -> Response:
        if "manifest.json" in self.overrides:
            return self.overrides["manifest.json"]
        if request.headers.get("If-None-Match") == self.etag:
            return Response(status=304, headers={"ETag": self.etag})
        return Response((self.root / "manifest.json").read_bytes(), headers={"ETag": self.etag},
                        content_type="application/json")

    def file(self, rel: str) -> Response:
        if rel in self.overrides:
            return self.overrides[rel]
        return Response((self.root / rel).read_bytes(), content_type="application/json")

    def pack(self) -> Response:
        """The published pack, each file in it as this site serves it now (overrides too)."""
        if PACK in self.overrides:
            return self.overrides[PACK]
        if any(self.overrides[rel].is_streamed for rel in self.overrides):
            return Response("no pack of an endless file", status=404)  # the consumer reads each file then
        published = (self.root / PACK).read_bytes()
        try:
            files = unpack(published)
        except ValueError:
            return Response(published)  # a broken pack, published as such
        served = {rel: (self.overrides[rel].get_data() if rel in self.overrides else data) for rel, data in files.items()}
        if served == files:
            return Response(published)
        from gate_consumer.pack import pack

        return Response(pack(served))  # no longer the bytes the manifest lists: the consumer says so

    def encoded(self, request: Request, response: Response) -> Response:
        """``response`` gzip-encoded when the client asks for it (and it is a plain 200)."""
        asked = "gzip" in request.headers.get("Accept-Encoding", "")
        if self.gzip and asked and response.status_code == 200 and not response.is_streamed \
                and "Content-Encoding" not in response.headers:
            body = gzip.compress(response.get_data(), mtime=0)
            return Response(body, headers={"Content-Encoding": "gzip"}, content_type=response.content_type)
        return response

    def downloads(self) -> list[str]:
        return [req.path for req, _ in self.server.log if not req.path.endswith("manifest.json")]


def publish(dist: Path, rel: str, text: str | bytes) -> None:
    """Change a published file and its manifest entry (and so the catalog version): what a host
    serving a bad file with a correct hash does."""
    data = text.encode() if isinstance(text, str) else text
    (dist / rel).write_bytes(data)
    manifest = json.loads((dist / "manifest.json").read_text())
    manifest["files"][rel] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    digest = hashlib.sha256(json.dumps(manifest["files"], sort_keys=True).encode()).hexdigest()
    manifest["catalog_version"] = "2026.08.02-" + digest[:12]
    (dist / "manifest.json").write_text(json.dumps(manifest))
