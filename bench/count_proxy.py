#!/usr/bin/env python3
"""A loopback HTTP CONNECT proxy that counts the bytes each measured run moves.

    python3 bench/count_proxy.py [--port 0]            # serve; first stdout line: `listening http://127.0.0.1:PORT`
    python3 bench/count_proxy.py -- CMD ARGS...         # run CMD through a fresh proxy, print its counts

Point a client at it with `HTTPS_PROXY=http://127.0.0.1:PORT` (uv, tailwheel through
reqwest's system-proxy support, pip). Every `CONNECT host:port` is answered by opening a
plain TCP connection to that host and passing bytes both ways untouched, so what is counted
is the TLS stream on the wire (records, handshakes, HTTP/2 framing, any compression), the
same measure for every client. The proxy's own `CONNECT`/`200` exchange is not counted.
Requests that are not `CONNECT` (plain-HTTP proxying) are refused with 501 and counted as
`refused`, so a client that bypasses the tunnel shows up.

Runs are told apart by *generation*: every tunnel counts towards the generation that was
current when its `CONNECT` arrived, so a connection left over from an earlier run never
pollutes a later one. Control endpoints (origin-form requests on the same port, never
counted):

* `POST /__reset`: starts a new generation; answers `{"gen": N}`.
* `GET /__stats?gen=N&wait=S`: the counters of generation N (default: the current one),
  after waiting up to S seconds for its tunnels to close (a run's last bytes are counted
  once its process has exited and the tunnels are torn down).

Counters per generation: `up` (client to server bytes), `down` (server to client bytes),
`connects`, `hosts` (distinct `host:port` targets, only their number is reported),
`open` (tunnels still open), `errors` (upstream connections that failed), `refused`.

Host names are resolved by the proxy, once per `host:port` for its lifetime (the clients
resolve nothing while they use it). Python 3.11 standard library only. Not part of the test suite or CI.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field

CHUNK = 256 * 1024
HEAD_LIMIT = 64 * 1024


@dataclass
class Counters:
    up: int = 0
    down: int = 0
    connects: int = 0
    open: int = 0
    errors: int = 0
    refused: int = 0
    targets: set[str] = field(default_factory=set)
    closed: asyncio.Event | None = None

    def as_dict(self, gen: int) -> dict[str, int]:
        return {
            "gen": gen,
            "up": self.up,
            "down": self.down,
            "total": self.up + self.down,
            "connects": self.connects,
            "hosts": len(self.targets),
            "open": self.open,
            "errors": self.errors,
            "refused": self.refused,
        }


class CountProxy:
    def __init__(self) -> None:
        self.gen = 0
        self.gens: dict[int, Counters] = {0: Counters()}
        self.server: asyncio.AbstractServer | None = None
        self.dns: dict[tuple[str, int], asyncio.Future] = {}

    def counters(self, gen: int) -> Counters:
        if gen not in self.gens:
            self.gens[gen] = Counters()
        c = self.gens[gen]
        if c.closed is None:
            c.closed = asyncio.Event()
            if c.open == 0:
                c.closed.set()
        return c

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        self.server = await asyncio.start_server(self.handle, host, port, limit=HEAD_LIMIT)
        return self.server.sockets[0].getsockname()[1]

    # ------------------------------------------------------------------ connections

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            writer.close()
            return
        request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
        parts = request_line.split(" ")
        if len(parts) != 3:
            await answer(writer, 400, {"error": "bad request line"})
            return
        method, target, _version = parts
        if method == "CONNECT":
            try:
                await self.tunnel(reader, writer, target)
            except asyncio.CancelledError:
                writer.close()  # shutting down (one-shot mode) while a tunnel was opening
        elif target.startswith("/__"):
            await self.control(writer, method, target)
        else:
            self.counters(self.gen).refused += 1
            await answer(writer, 501, {"error": "only CONNECT is proxied"})

    async def tunnel(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, target: str) -> None:
        gen = self.gen
        c = self.counters(gen)
        c.connects += 1
        c.targets.add(target)
        c.open += 1
        c.closed.clear()
        try:
            host, _, port = target.rpartition(":")
            try:
                up_reader, up_writer = await self.connect(host.strip("[]"), int(port))
            except (OSError, ValueError) as err:
                c.errors += 1
                writer.write(f"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nX-Error: {type(err).__name__}\r\n\r\n".encode())
                await close(writer)
                return
            writer.write(b"HTTP/1.1 200 Connection Established\r\n\r\n")
            try:
                await writer.drain()
                # Either side closing ends the tunnel: TLS needs no half-close, and waiting for
                # a server to time out an idle connection would keep the run "open".
                pipes = [
                    asyncio.ensure_future(self.pipe(reader, up_writer, c, "up")),
                    asyncio.ensure_future(self.pipe(up_reader, writer, c, "down")),
                ]
                _done, pending = await asyncio.wait(pipes, return_when=asyncio.FIRST_COMPLETED)
                for task in pending:
                    task.cancel()
                await asyncio.gather(*pending, return_exceptions=True)
            finally:
                await close(up_writer)
                await close(writer)
        finally:
            c.open -= 1
            if c.open == 0:
                c.closed.set()

    async def connect(self, host: str, port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await open_cached(self.dns, host, port, CHUNK)

    @staticmethod
    async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter, c: Counters, direction: str) -> None:
        try:
            while True:
                data = await src.read(CHUNK)
                if not data:
                    break
                if direction == "up":
                    c.up += len(data)
                else:
                    c.down += len(data)
                dst.write(data)
                await dst.drain()
        except (ConnectionError, OSError):
            pass  # one side went away: the caller tears both down

    # ------------------------------------------------------------------ control

    async def control(self, writer: asyncio.StreamWriter, method: str, target: str) -> None:
        url = urllib.parse.urlsplit(target)
        query = dict(urllib.parse.parse_qsl(url.query))
        if url.path == "/__reset" and method == "POST":
            self.gen += 1
            self.counters(self.gen)
            # Forget generations nobody can ask about any more (keep the last few).
            for old in [g for g in self.gens if g < self.gen - 8]:
                del self.gens[old]
            await answer(writer, 200, {"gen": self.gen})
        elif url.path == "/__stats" and method == "GET":
            gen = int(query.get("gen", self.gen))
            c = self.counters(gen)
            wait = float(query.get("wait", 0))
            if wait > 0 and c.open:
                try:
                    await asyncio.wait_for(c.closed.wait(), wait)
                except asyncio.TimeoutError:
                    pass
            await answer(writer, 200, c.as_dict(gen))
        else:
            await answer(writer, 404, {"error": f"unknown control {method} {url.path}"})


async def open_cached(
    dns: dict, host: str, port: int, limit: int
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Open a TCP connection, resolving each `host:port` once per proxy lifetime (`dns` holds
    the lookups; shared with `shape_proxy.py`).

    Without the cache every tunnel costs a `getaddrinfo` in asyncio's small thread pool, and
    a client that opens many parallel connections (uv: dozens to the file host) queues behind
    them; the clients themselves cache their lookups when they connect directly.
    """
    key = (host, port)
    pending = dns.get(key)
    if pending is None:
        loop = asyncio.get_running_loop()
        pending = dns[key] = asyncio.ensure_future(loop.getaddrinfo(host, port, type=socket.SOCK_STREAM))
    try:
        infos = await asyncio.shield(pending)
    except OSError:
        if dns.get(key) is pending:
            del dns[key]
        raise
    last: OSError | None = None
    for family, _type, _proto, _name, address in infos:
        try:
            return await asyncio.open_connection(address[0], address[1], family=family, limit=limit)
        except OSError as err:
            last = err
    raise last or OSError(f"no address for {host}")


async def answer(writer: asyncio.StreamWriter, status: int, body: dict) -> None:
    """Answer a control or refused request with a small JSON body and close (shared with
    `shape_proxy.py`)."""
    data = json.dumps(body).encode()
    writer.write(
        f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {len(data)}\r\n"
        "Connection: close\r\n\r\n".encode()
        + data
    )
    await close(writer)


async def close(writer: asyncio.StreamWriter) -> None:
    try:
        await writer.drain()
    except (ConnectionError, OSError):
        pass
    writer.close()
    try:
        await writer.wait_closed()
    except (ConnectionError, OSError):
        pass


# --------------------------------------------------------------------------- client side


def proxy_env(env: dict[str, str], port: int) -> dict[str, str]:
    """`env` with every proxy variable pointing HTTPS at the counting proxy."""
    env = {k: v for k, v in env.items() if k.lower() not in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")}
    url = f"http://127.0.0.1:{port}"
    env["HTTPS_PROXY"] = env["https_proxy"] = url
    return env


class ProxyProcess:
    """The proxy as a child process of a driver, with the control calls."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--port", "0"],
            stdout=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        line = self.proc.stdout.readline().strip()
        if not line.startswith("listening "):
            self.proc.kill()
            raise RuntimeError(f"count_proxy did not start: {line!r}")
        self.port = int(line.rsplit(":", 1)[1])

    def _call(self, method: str, path: str) -> dict:
        import http.client

        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(method, path)
            return json.loads(conn.getresponse().read())
        finally:
            conn.close()

    def reset(self) -> int:
        return self._call("POST", "/__reset")["gen"]

    def stats(self, gen: int, wait: float = 3.0) -> dict:
        return self._call("GET", f"/__stats?gen={gen}&wait={wait}")

    def env(self, env: dict[str, str]) -> dict[str, str]:
        return proxy_env(env, self.port)

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


# --------------------------------------------------------------------------- main


async def serve(port: int) -> None:
    proxy = CountProxy()
    bound = await proxy.start(port=port)
    print(f"listening http://127.0.0.1:{bound}", flush=True)
    async with proxy.server:
        await proxy.server.serve_forever()


async def run_one(cmd: list[str]) -> int:
    proxy = CountProxy()
    port = await proxy.start()
    env = proxy_env(dict(os.environ), port)
    start = time.perf_counter()
    child = await asyncio.create_subprocess_exec(*cmd, env=env)
    code = await child.wait()
    seconds = time.perf_counter() - start
    c = proxy.counters(0)
    if c.open:
        try:
            await asyncio.wait_for(c.closed.wait(), 3)
        except asyncio.TimeoutError:
            pass
    stats = c.as_dict(0) | {"exit": code, "seconds": round(seconds, 3)}
    print(json.dumps(stats), file=sys.stderr)
    return code


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument("cmd", nargs=argparse.REMAINDER, help="after `--`: a command to run through the proxy")
    args = parser.parse_args()
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    try:
        if cmd:
            return asyncio.run(run_one(cmd))
        asyncio.run(serve(args.port))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
