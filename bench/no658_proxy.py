#!/usr/bin/env python3
"""A loopback index proxy that hides PEP 658 metadata and counts what clients fetch.

    python3 bench/no658_proxy.py [--port 0] [--upstream URL] [--ignore-range]

Listens on plain HTTP (default 127.0.0.1, a free port) in front of a real Simple API
index and prints `listening http://127.0.0.1:PORT/simple/` as its first line of stdout.

* `GET /simple/<name>/`: the upstream page (JSON asked for with the PEP 691 `Accept`
  header; HTML when that is what upstream answers), with the PEP 658/714 keys removed
  (`core-metadata`, `dist-info-metadata`, `data-dist-info-metadata` in JSON;
  `data-core-metadata`, `data-dist-info-metadata` attributes in HTML) and every file URL
  rewritten to `http://127.0.0.1:PORT/files/<base64url of the upstream URL>/<filename>`,
  so all file traffic comes through here. Served uncompressed, with upstream's content
  type (upstream may gzip towards us; we never gzip towards the client).
* `GET /files/<enc>/<filename>.metadata`: always 404, so a client that probes for
  `.metadata` without it being advertised is counted and refused.
* `GET`/`HEAD /files/<enc>/<filename>`: forwarded upstream with `Range`, answered with
  upstream's status, `Content-Range`, `Content-Length`, `Accept-Ranges`, streamed.
  `--ignore-range` drops `Range`, answers 200 with the whole body and never sends
  `Accept-Ranges` (a server without range support).
* `--cache-pages` keeps every rewritten page in memory, so repeated runs get pages at
  loopback speed (the driver warms it up first); `--delay-ms N` sleeps N ms before
  answering each page or file request, a stand-in for a real network round trip.
* `GET /__stats`: JSON counters since the last reset. `POST /__reset`: answers the
  counters and zeroes them (the driver reads and resets between tool runs).
  `POST /__config?ignore_range=0|1&delay_ms=N` changes those settings at run time (the
  page cache stays warm) and answers the configuration.

Counters: requests by kind (`page`, `head`, `range_get`, `full_get`, `metadata`, `other`),
bytes of body sent to the client for pages and for files, status codes, distinct files,
repeated identical requests, range GETs answered in full (`range_ignored`).

Upstream connections are kept alive and shared by all handler threads (a small pool per
host), so the proxy adds little latency. `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` are
honoured (CONNECT tunnel). When `--upstream` is absent the index is discovered the way
`compare.py` does it (never written down here).

Python 3.11 standard library only. Not part of the test suite or CI.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import html
import http.client
import json
import re
import socket
import ssl
import sys
import threading
import time
import urllib.parse
import urllib.request
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# PEP 691 preference order, as pip and uv send it.
JSON_ACCEPT = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"
JSON_METADATA_KEYS = ("core-metadata", "dist-info-metadata", "data-dist-info-metadata")
HTML_METADATA_ATTR = re.compile(
    r"""\s+data-(?:core|dist-info)-metadata(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?""", re.IGNORECASE
)
ANCHOR = re.compile(r"<a\b[^>]*>", re.IGNORECASE)
HREF = re.compile(r"""(\shref\s*=\s*)(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""", re.IGNORECASE)
BASE = re.compile(r"""<base\b[^>]*\shref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""", re.IGNORECASE)
KINDS = ("page", "head", "range_get", "full_get", "metadata", "other")
CHUNK = 64 * 1024
TIMEOUT = 120


# --------------------------------------------------------------------------- upstream


def encode_url(url: str) -> str:
    return base64.urlsafe_b64encode(url.encode()).decode().rstrip("=")


def decode_url(token: str) -> str:
    return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()


class UpstreamPool:
    """Keep-alive `http.client` connections per (scheme, host, port), shared by threads."""

    RETRYABLE = (
        http.client.RemoteDisconnected,
        http.client.BadStatusLine,
        ConnectionResetError,
        ConnectionAbortedError,
        BrokenPipeError,
        ssl.SSLEOFError,
    )

    def __init__(self, max_idle: int = 32) -> None:
        self.max_idle = max_idle
        self._idle: dict[tuple[str, str, int], list[http.client.HTTPConnection]] = {}
        self._lock = threading.Lock()
        self._ssl = ssl.create_default_context()  # system store; SSL_CERT_FILE is honoured
        self._proxies = urllib.request.getproxies()
        self.opened = 0

    def _new(self, key: tuple[str, str, int]) -> http.client.HTTPConnection:
        scheme, host, port = key
        proxy = self._proxies.get(scheme)
        if proxy and urllib.request.proxy_bypass(host):
            proxy = None
        with self._lock:
            self.opened += 1
        if proxy:
            p = urllib.parse.urlsplit(proxy if "://" in proxy else "http://" + proxy)
            conn = http.client.HTTPConnection(p.hostname, p.port or 80, timeout=TIMEOUT)
            if scheme == "https":
                conn = http.client.HTTPSConnection(p.hostname, p.port or 80, timeout=TIMEOUT, context=self._ssl)
                conn.set_tunnel(host, port)
            return conn
        if scheme == "https":
            return http.client.HTTPSConnection(host, port, timeout=TIMEOUT, context=self._ssl)
        return http.client.HTTPConnection(host, port, timeout=TIMEOUT)

    def _take(self, key: tuple[str, str, int]) -> tuple[http.client.HTTPConnection, bool]:
        with self._lock:
            idle = self._idle.get(key)
            if idle:
                return idle.pop(), True
        return self._new(key), False

    def give_back(self, key: tuple[str, str, int], conn: http.client.HTTPConnection) -> None:
        with self._lock:
            idle = self._idle.setdefault(key, [])
            if len(idle) < self.max_idle:
                idle.append(conn)
                return
        conn.close()

    def request(
        self, method: str, url: str, headers: dict[str, str]
    ) -> tuple[http.client.HTTPResponse, http.client.HTTPConnection, tuple[str, str, int]]:
        """Send one request; the caller reads the body, then `release()`s."""
        parts = urllib.parse.urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url!r}")
        key = (scheme, parts.hostname, parts.port or (443 if scheme == "https" else 80))
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        for attempt in range(2):
            conn, reused = self._take(key)
            try:
                conn.request(method, target, headers=headers)
                return conn.getresponse(), conn, key
            except self.RETRYABLE:
                conn.close()
                if not reused or attempt:
                    raise
            except Exception:
                conn.close()
                raise
        raise AssertionError("unreachable")

    def release(self, response: http.client.HTTPResponse, conn: http.client.HTTPConnection, key) -> None:
        """Return the connection when its response was fully read and it may be reused."""
        if response.isclosed() and not response.will_close:
            self.give_back(key, conn)
        else:
            conn.close()

    def fetch(
        self, method: str, url: str, headers: dict[str, str], redirects: int = 5
    ) -> tuple[http.client.HTTPResponse, http.client.HTTPConnection, tuple[str, str, int], str]:
        """`request()` following redirects; also answers the final URL."""
        for _ in range(redirects + 1):
            response, conn, key = self.request(method, url, headers)
            location = response.getheader("Location")
            if response.status in (301, 302, 303, 307, 308) and location:
                response.read()
                self.release(response, conn, key)
                url = urllib.parse.urljoin(url, location)
                continue
            return response, conn, key, url
        raise OSError(f"too many redirects for {url}")


# --------------------------------------------------------------------------- counters


class Counters:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> dict:
        with getattr(self, "_lock", threading.Lock()):
            before = self.snapshot_unlocked() if hasattr(self, "requests") else None
            self.started = time.time()
            self.requests = {kind: 0 for kind in KINDS}
            self.page_bytes = 0
            self.file_bytes = 0
            self.statuses: dict[str, int] = {}
            self.range_ignored = 0
            self.upstream_errors = 0
            self.files: set[str] = set()
            self.seen: set[tuple[str, str, str]] = set()
            self.repeated = 0
            self.repeated_examples: list[str] = []
            return before

    def snapshot_unlocked(self) -> dict:
        return {
            "seconds": round(time.time() - self.started, 3),
            "requests": dict(self.requests),
            "total_requests": sum(self.requests.values()),
            "page_bytes": self.page_bytes,
            "file_bytes": self.file_bytes,
            "statuses": dict(sorted(self.statuses.items())),
            "range_ignored": self.range_ignored,
            "upstream_errors": self.upstream_errors,
            "distinct_files": len(self.files),
            "repeated_requests": self.repeated,
            "repeated_examples": list(self.repeated_examples),
        }

    def snapshot(self) -> dict:
        with self._lock:
            return self.snapshot_unlocked()

    def request(self, kind: str, method: str, path: str, range_header: str | None) -> None:
        with self._lock:
            self.requests[kind] += 1
            if path.startswith("/files/"):
                self.files.add(path.split("/")[2])
            key = (method, path, range_header or "")
            if key in self.seen:
                self.repeated += 1
                if len(self.repeated_examples) < 10:
                    name = path.rsplit("/", 1)[-1] if path.startswith("/files/") else path
                    self.repeated_examples.append(f"{method} {name} {range_header or ''}".strip())
            else:
                self.seen.add(key)

    def sent(self, kind: str, status: int, nbytes: int) -> None:
        if kind == "control":
            return
        with self._lock:
            self.statuses[str(status)] = self.statuses.get(str(status), 0) + 1
            if kind == "page":
                self.page_bytes += nbytes
            else:
                self.file_bytes += nbytes

    def bump(self, field: str) -> None:
        with self._lock:
            setattr(self, field, getattr(self, field) + 1)


# --------------------------------------------------------------------------- rewriting


class Rewriter:
    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")  # http://127.0.0.1:PORT

    def file_url(self, upstream: str) -> str:
        """The proxy URL for an absolute upstream file URL (any `#fragment` kept at the end)."""
        url, _, fragment = upstream.partition("#")
        filename = urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1] or "file"
        out = f"{self.base}/files/{encode_url(url)}/{filename}"
        return out + ("#" + fragment if fragment else "")

    def json_page(self, body: bytes, page_url: str) -> bytes:
        data = json.loads(body)
        for entry in data.get("files", []):
            for key in JSON_METADATA_KEYS:
                entry.pop(key, None)
            if "url" in entry:
                entry["url"] = self.file_url(urllib.parse.urljoin(page_url, entry["url"]))
        return json.dumps(data).encode()

    def html_page(self, body: bytes, page_url: str, charset: str) -> bytes:
        text = body.decode(charset, errors="surrogateescape")
        base_match = BASE.search(text)
        base = page_url
        if base_match:
            base = urllib.parse.urljoin(page_url, html.unescape(next(g for g in base_match.groups() if g is not None)))

        def anchor(match: re.Match) -> str:
            tag = HTML_METADATA_ATTR.sub("", match.group(0))

            def href(m: re.Match) -> str:
                raw = next(g for g in m.groups()[1:] if g is not None)
                url = self.file_url(urllib.parse.urljoin(base, html.unescape(raw)))
                return f'{m.group(1)}"{html.escape(url, quote=True)}"'

            return HREF.sub(href, tag, count=1)

        return ANCHOR.sub(anchor, text).encode(charset, errors="surrogateescape")


# --------------------------------------------------------------------------- the server


class ProxyServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # clients open dozens of connections at once
    allow_reuse_address = True

    def __init__(
        self, address, upstream: str, ignore_range: bool, log, cache_pages: bool = False, delay_ms: float = 0
    ) -> None:
        super().__init__(address, Handler)
        self.cache_pages = cache_pages
        self.page_cache: dict[tuple[str, str], tuple[int, str, bytes]] = {}
        self.delay = delay_ms / 1000
        host, port = self.server_address[:2]
        self.public = f"http://{host}:{port}"
        self.upstream = upstream.rstrip("/") + "/"
        self.ignore_range = ignore_range
        self.pool = UpstreamPool()
        self.counters = Counters()
        self.rewriter = Rewriter(self.public)
        self.log = log
        self.log_lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive towards the client
    server: ProxyServer

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - base class signature
        pass

    def trace(self, kind: str, status: int, nbytes: int, started: float) -> None:
        if self.server.log is None:
            return
        rng = self.headers.get("Range") or "-"
        line = f"{time.time():.3f} {self.command} {kind} {status} {nbytes} {(time.perf_counter() - started) * 1000:.1f}ms {rng} {self.path}\n"
        with self.server.log_lock:
            self.server.log.write(line)
            self.server.log.flush()

    # -- plumbing

    def send_body(self, status: int, body: bytes, content_type: str, kind: str, extra: dict | None = None) -> int:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
            sent = len(body)
        else:
            sent = 0
        self.server.counters.sent(kind, status, sent)
        return sent

    def not_found(self, kind: str, why: str = "not found") -> int:
        return self.send_body(404, (why + "\n").encode(), "text/plain; charset=utf-8", kind)

    def bad_gateway(self, kind: str, err: Exception) -> int:
        self.server.counters.bump("upstream_errors")
        return self.send_body(502, f"upstream error: {type(err).__name__}: {err}\n".encode(), "text/plain", kind)

    # -- verbs

    def do_GET(self) -> None:
        self.dispatch()

    def do_HEAD(self) -> None:
        self.dispatch()

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        parts = urllib.parse.urlsplit(self.path)
        if parts.path == "/__reset":
            before = self.server.counters.reset()
            self.send_body(200, json.dumps(before, indent=1).encode(), "application/json", "control")
        elif parts.path == "/__config":
            query = urllib.parse.parse_qs(parts.query)
            if "ignore_range" in query:
                self.server.ignore_range = query["ignore_range"][-1] in ("1", "true", "yes")
            if "delay_ms" in query:
                self.server.delay = float(query["delay_ms"][-1]) / 1000
            config = {"ignore_range": self.server.ignore_range, "delay_ms": self.server.delay * 1000,
                      "cache_pages": self.server.cache_pages, "cached_pages": len(self.server.page_cache)}  # fmt: skip
            self.send_body(200, json.dumps(config).encode(), "application/json", "control")
        else:
            self.send_body(404, b"not found\n", "text/plain", "control")

    def dispatch(self) -> None:
        started = time.perf_counter()
        path = urllib.parse.urlsplit(self.path).path
        if path == "/__stats":
            self.send_body(200, json.dumps(self.server.counters.snapshot(), indent=1).encode(), "application/json", "control")
            return
        if self.server.delay and (path.startswith("/simple/") or path.startswith("/files/")):
            time.sleep(self.server.delay)
        if path.startswith("/simple/"):
            kind, status, sent = self.page(path)
        elif path.startswith("/files/"):
            kind, status, sent = self.file(path)
        else:
            self.server.counters.request("other", self.command, path, None)
            kind, status, sent = "other", 404, self.not_found("other")
        self.trace(kind, status, sent, started)

    def page(self, path: str) -> tuple[str, int, int]:
        counters = self.server.counters
        counters.request("page", self.command, path, None)
        name = path[len("/simple/") :].strip("/")
        if not name or "/" in name:
            return "page", 404, self.not_found("page")
        upstream_url = self.server.upstream + name + "/"
        client_accept = self.headers.get("Accept") or ""
        accept = JSON_ACCEPT if (not client_accept or "json" in client_accept) else client_accept
        cached = self.server.page_cache.get((upstream_url, accept)) if self.server.cache_pages else None
        if cached:
            status, content_type, body = cached
            return "page", status, self.send_body(status, body, content_type, "page")
        try:
            response, conn, key, final_url = self.server.pool.fetch(
                "GET", upstream_url, {"Accept": accept, "Accept-Encoding": "gzip"}
            )
            body = response.read()
            self.server.pool.release(response, conn, key)
        except (OSError, http.client.HTTPException, ValueError) as err:
            return "page", 502, self.bad_gateway("page", err)
        encoding = (response.getheader("Content-Encoding") or "").lower()
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        content_type = response.getheader("Content-Type") or "text/html"
        if response.status == 200:
            try:
                if "json" in content_type:
                    body = self.server.rewriter.json_page(body, final_url)
                elif "html" in content_type:
                    charset = "utf-8"
                    match = re.search(r"charset=([\w-]+)", content_type)
                    if match:
                        charset = match.group(1)
                    body = self.server.rewriter.html_page(body, final_url, charset)
            except (ValueError, LookupError) as err:
                return "page", 502, self.bad_gateway("page", err)
        if self.server.cache_pages and response.status in (200, 404):
            self.server.page_cache[(upstream_url, accept)] = (response.status, content_type, body)
        sent = self.send_body(response.status, body, content_type, "page")
        return "page", response.status, sent

    def file(self, path: str) -> tuple[str, int, int]:
        counters = self.server.counters
        parts = path.split("/", 3)  # '', 'files', enc, filename
        range_header = self.headers.get("Range")
        if len(parts) < 4 or not parts[3]:
            counters.request("other", self.command, path, None)
            return "other", 404, self.not_found("other")
        if parts[3].endswith(".metadata"):
            counters.request("metadata", self.command, path, None)
            return "metadata", 404, self.send_body(404, b"", "text/plain", "metadata")
        if self.command == "HEAD":
            kind = "head"
        elif range_header:
            kind = "range_get"
        else:
            kind = "full_get"
        counters.request(kind, self.command, path, range_header)
        try:
            upstream_url = decode_url(parts[2])
        except (ValueError, UnicodeDecodeError):
            return kind, 404, self.not_found(kind, "bad file token")
        ignore = self.server.ignore_range
        headers = {"Accept-Encoding": "identity"}
        if range_header and not ignore:
            headers["Range"] = range_header
            if self.headers.get("If-Range"):
                headers["If-Range"] = self.headers["If-Range"]
        elif range_header and ignore and self.command == "GET":
            counters.bump("range_ignored")
        try:
            response, conn, key, _ = self.server.pool.fetch(self.command, upstream_url, headers)
        except (OSError, http.client.HTTPException, ValueError) as err:
            return kind, 502, self.bad_gateway(kind, err)
        status = response.status
        if ignore and status == 206:  # upstream ignored our missing Range? never; be safe
            status = 200
        self.send_response(status)
        forwarded = ["Content-Type", "Content-Length", "ETag", "Last-Modified"]
        if not ignore:
            forwarded += ["Content-Range", "Accept-Ranges"]
        for header in forwarded:
            value = response.getheader(header)
            if value is not None:
                self.send_header(header, value)
        length = response.getheader("Content-Length")
        chunked = self.command != "HEAD" and length is None
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        sent = 0
        if self.command == "HEAD":
            response.read()
            self.server.pool.release(response, conn, key)
            counters.sent(kind, status, 0)
            return kind, status, 0
        try:
            while True:
                chunk = response.read(CHUNK)
                if not chunk:
                    break
                if chunked:
                    self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                else:
                    self.wfile.write(chunk)
                sent += len(chunk)
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
        except (OSError, http.client.HTTPException):
            # The client went away (or upstream broke) mid-body: this connection is done.
            conn.close()
            self.close_connection = True
            counters.sent(kind, status, sent)
            return kind, status, sent
        self.server.pool.release(response, conn, key)
        counters.sent(kind, status, sent)
        return kind, status, sent


# --------------------------------------------------------------------------- entry points


def discover_upstream() -> tuple[str, str]:
    """The index, found as compare.py finds it (imported lazily: compare.py is a sibling)."""
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent))
    from compare import discover_index

    return discover_index(None)


def serve(host: str, port: int, upstream: str, ignore_range: bool, log=None, **options) -> ProxyServer:
    """Start a proxy in a daemon thread; answer the server (`server.public` is its base URL)."""
    server = ProxyServer((host, port), upstream, ignore_range, log, **options)
    thread = threading.Thread(target=server.serve_forever, name="no658-proxy", daemon=True)
    thread.start()
    return server


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    parser.add_argument("--upstream", help="the real index's Simple API URL (default: discovered through pip)")
    parser.add_argument("--ignore-range", action="store_true", help="answer range requests with the whole file")
    parser.add_argument("--log", help="append one line per request to this file")
    parser.add_argument("--cache-pages", action="store_true", help="keep rewritten pages in memory")
    parser.add_argument("--delay-ms", type=float, default=0, help="sleep before each page/file answer (default 0)")
    args = parser.parse_args()
    upstream = args.upstream or discover_upstream()[0]
    log = open(args.log, "a", buffering=1) if args.log else None
    server = ProxyServer(
        (args.host, args.port), upstream, args.ignore_range, log, cache_pages=args.cache_pages, delay_ms=args.delay_ms
    )
    print(f"listening {server.public}/simple/", flush=True)
    print(
        f"upstream: {'given' if args.upstream else 'discovered'}; ignore-range: {args.ignore_range}; "
        f"cache-pages: {args.cache_pages}; delay: {args.delay_ms} ms",
        file=sys.stderr,
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    socket.setdefaulttimeout(TIMEOUT)
    sys.exit(main())
