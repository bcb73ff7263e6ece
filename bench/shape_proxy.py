#!/usr/bin/env python3
"""A loopback HTTP CONNECT proxy that makes the network slow: round-trip time, a bandwidth cap, jitter.

    python3 bench/shape_proxy.py [--port 0] [--delay-ms 75] [--rate-mbit 20] [--jitter-ms 30]
    python3 bench/shape_proxy.py --ceiling          # the relay's own throughput, shaping off

Point a client at it with `HTTPS_PROXY=http://127.0.0.1:PORT` (uv, and tailwheel through
reqwest's system-proxy support). Every `CONNECT host:port` is answered by opening a TCP
connection to that host; the bytes of the tunnel are passed on untouched but late:

* **Latency.** Every chunk read from one side is delivered to the other `delay` ms (±`jitter`,
  uniform, drawn per chunk) after the link finished sending it, each way. The link is a delay
  line, not a stop-and-wait: chunks in flight overlap, as on a real long path, and the order
  of one tunnel's chunks is kept (a chunk is never delivered before the one read before it).
  Opening a tunnel costs one round trip (`2 × delay`), like the TCP handshake to a far host.
* **Bandwidth.** One *global* link per direction carries `rate` Mbit/s: every chunk of every
  tunnel queues for it first-come first-served, and its serialization time is `bytes / rate`.
  Global, not per connection, because that is what a slow link is: opening more connections
  does not make a corporate proxy, a far mirror or a CI runner's uplink faster, it only
  divides it, and a resolver that spends the link on guesses delays the answers it waits for.
* **Window.** A tunnel reads from its source only while fewer than `window` bytes of it are
  queued or in flight (TCP's flow control); without it one big download would fill the link's
  queue and every other tunnel's chunks would wait behind all of it.

Chunks are read at most `chunk` bytes at a time (16 KiB: 6.5 ms of link time at 20 Mbit/s,
small enough that tunnels interleave finely). The relay itself, a Python asyncio process,
tops out far above the default cap: `--ceiling` measures it on loopback with the shaping off
(bench/README.md gives the figure). It counts nothing but tunnels (no bytes: time runs and
byte-counting runs are kept apart, see `count_proxy.py`).

Control endpoints (origin-form requests on the same port): `GET /__stats` answers the
number of tunnels opened (`connects`) and failed (`errors`) and the settings, so a driver can
check that a tool went through it. Python 3.11 standard library only. Not part of the test
suite or CI.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import time
from collections import deque
from dataclasses import asdict, dataclass

from count_proxy import HEAD_LIMIT, answer, close, open_cached  # the same folder: one copy of these helpers


@dataclass
class Shape:
    """What the proxy does to every tunnel; all zero means a plain relay."""

    delay_ms: float = 75.0
    rate_mbit: float = 20.0
    jitter_ms: float = 30.0
    window: int = 256 * 1024
    chunk: int = 16 * 1024

    def one_way(self, rng: random.Random) -> float:
        """One chunk's one-way delay in seconds: `delay ± jitter`, never negative."""
        jitter = rng.uniform(-self.jitter_ms, self.jitter_ms) if self.jitter_ms else 0.0
        return max(0.0, self.delay_ms + jitter) / 1000.0


class Link:
    """One direction of the shared link: a first-come first-served queue at `rate` bytes/s."""

    def __init__(self, rate_mbit: float) -> None:
        self.bytes_per_second = rate_mbit * 1e6 / 8 if rate_mbit > 0 else 0.0
        self.free_at = 0.0

    def send(self, size: int, now: float) -> float:
        """Book `size` bytes on the link; the time (loop clock) at which the last byte has left."""
        if not self.bytes_per_second:
            return now
        start = max(now, self.free_at)
        self.free_at = start + size / self.bytes_per_second
        return self.free_at


class ShapeProxy:
    def __init__(self, shape: Shape, seed: int | None = None) -> None:
        self.shape = shape
        self.rng = random.Random(seed)
        self.links = {"up": Link(shape.rate_mbit), "down": Link(shape.rate_mbit)}
        self.server: asyncio.AbstractServer | None = None
        self.dns: dict[tuple[str, int], asyncio.Future] = {}
        self.connects = 0
        self.errors = 0
        self.open = 0

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        self.server = await asyncio.start_server(self.handle, host, port, limit=HEAD_LIMIT)
        return self.server.sockets[0].getsockname()[1]

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            writer.close()
            return
        parts = head.split(b"\r\n", 1)[0].decode("latin-1").split(" ")
        if len(parts) != 3:
            await answer(writer, 400, {"error": "bad request line"})
            return
        method, target, _version = parts
        if method == "CONNECT":
            try:
                await self.tunnel(reader, writer, target)
            except asyncio.CancelledError:
                writer.close()
        elif target.startswith("/__stats"):
            await answer(
                writer,
                200,
                {"connects": self.connects, "errors": self.errors, "open": self.open, **asdict(self.shape)},
            )
        else:
            await answer(writer, 501, {"error": "only CONNECT is proxied"})

    async def tunnel(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, target: str) -> None:
        self.connects += 1
        self.open += 1
        try:
            host, _, port = target.rpartition(":")
            handshake = asyncio.ensure_future(
                asyncio.sleep(self.shape.one_way(self.rng) + self.shape.one_way(self.rng))
            )
            try:
                up_reader, up_writer = await self.connect(host.strip("[]"), int(port))
            except (OSError, ValueError) as err:
                handshake.cancel()
                self.errors += 1
                writer.write(f"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nX-Error: {type(err).__name__}\r\n\r\n".encode())
                await close(writer)
                return
            await handshake  # the round trip of the TCP handshake to the far host
            writer.write(b"HTTP/1.1 200 Connection Established\r\n\r\n")
            try:
                await writer.drain()
                pipes = [
                    asyncio.ensure_future(self.pipe(reader, up_writer, self.links["up"])),
                    asyncio.ensure_future(self.pipe(up_reader, writer, self.links["down"])),
                ]
                # Either side closing ends the tunnel (after what it sent has been delivered).
                _done, pending = await asyncio.wait(pipes, return_when=asyncio.FIRST_COMPLETED)
                for task in pending:
                    task.cancel()
                await asyncio.gather(*pending, return_exceptions=True)
            finally:
                await close(up_writer)
                await close(writer)
        finally:
            self.open -= 1

    async def connect(self, host: str, port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """A TCP connection, resolving each `host:port` once per proxy lifetime."""
        return await open_cached(self.dns, host, port, self.shape.chunk * 4)

    async def pipe(self, src: asyncio.StreamReader, dst: asyncio.StreamWriter, link: Link) -> None:
        """Copy `src` to `dst` through `link`: serialization on the shared link, then the delay line."""
        shape = self.shape
        plain = not (shape.delay_ms or shape.jitter_ms or shape.rate_mbit)
        loop = asyncio.get_running_loop()
        queue: deque[tuple[float, bytes]] = deque()
        queued = 0
        wake = asyncio.Event()  # something was queued, or the source ended
        room = asyncio.Event()  # the window has room again
        room.set()
        ended = False
        broken = False  # the destination went away: stop reading the source

        async def deliver() -> None:
            nonlocal queued, broken
            try:
                while True:
                    while not queue:
                        if ended:
                            return
                        wake.clear()
                        await wake.wait()
                    due, data = queue[0]
                    wait = due - loop.time()
                    if wait > 0:
                        await asyncio.sleep(wait)
                    queue.popleft()
                    dst.write(data)
                    await dst.drain()
                    queued -= len(data)
                    if queued < shape.window:
                        room.set()
            except (ConnectionError, OSError):
                broken = True
                room.set()

        sender = asyncio.ensure_future(deliver()) if not plain else None
        last_due = 0.0
        try:
            while True:
                if not plain:
                    await room.wait()
                    if broken:
                        break
                data = await src.read(shape.chunk)
                if not data:
                    break
                if plain:
                    dst.write(data)
                    await dst.drain()
                    continue
                sent = link.send(len(data), loop.time())
                # Keep the tunnel's order: jitter never lets a chunk overtake the one before it.
                last_due = max(last_due, sent + shape.one_way(self.rng))
                queue.append((last_due, data))
                queued += len(data)
                if queued >= shape.window:
                    room.clear()
                wake.set()
            ended = True
            wake.set()
            if sender is not None:
                await sender
        except (ConnectionError, OSError):
            pass  # one side went away: the caller tears both down
        finally:
            if sender is not None and not sender.done():
                sender.cancel()
                await asyncio.gather(sender, return_exceptions=True)


# --------------------------------------------------------------------------- driver side


def shape_args(shape: Shape) -> list[str]:
    return [
        "--delay-ms", str(shape.delay_ms),
        "--rate-mbit", str(shape.rate_mbit),
        "--jitter-ms", str(shape.jitter_ms),
        "--window", str(shape.window),
        "--chunk", str(shape.chunk),
    ]  # fmt: skip


class ShapeProcess:
    """The shaping proxy as a child process of a driver (`compare.py --network shaped`)."""

    def __init__(self, shape: Shape) -> None:
        self.shape = shape
        self.proc = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--port", "0", *shape_args(shape)],
            stdout=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        line = self.proc.stdout.readline().strip()
        if not line.startswith("listening "):
            self.proc.kill()
            raise RuntimeError(f"shape_proxy did not start: {line!r}")
        self.port = int(line.rsplit(":", 1)[1])

    def stats(self) -> dict:
        import http.client

        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request("GET", "/__stats")
            return json.loads(conn.getresponse().read())
        finally:
            conn.close()

    def env(self, env: dict[str, str]) -> dict[str, str]:
        env = {k: v for k, v in env.items() if k.lower() not in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")}
        env["HTTPS_PROXY"] = env["https_proxy"] = f"http://127.0.0.1:{self.port}"
        return env

    def describe(self) -> str:
        s = self.shape
        return (
            f"{s.delay_ms:g} ms each way ±{s.jitter_ms:g} ms per chunk, {s.rate_mbit:g} Mbit/s per direction "
            f"shared by all tunnels, {s.window // 1024} KiB window per tunnel, {s.chunk // 1024} KiB chunks"
        )

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


# --------------------------------------------------------------------------- the relay's ceiling


async def ceiling(shape: Shape, megabytes: int, streams: int) -> None:
    """Throughput of the relay with `shape` on loopback: `streams` tunnels each pulling `megabytes`."""
    block = os.urandom(256 * 1024)
    size = megabytes * 1024 * 1024

    async def source(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sent = 0
        try:
            while sent < size:
                writer.write(block)
                await writer.drain()
                sent += len(block)
        finally:
            await close(writer)

    server = await asyncio.start_server(source, "127.0.0.1", 0)
    source_port = server.sockets[0].getsockname()[1]
    relay = ShapeProcess(shape)
    try:

        async def pull() -> int:
            reader, writer = await asyncio.open_connection("127.0.0.1", relay.port, limit=1024 * 1024)
            writer.write(f"CONNECT 127.0.0.1:{source_port} HTTP/1.1\r\n\r\n".encode())
            await reader.readuntil(b"\r\n\r\n")
            got = 0
            while True:
                data = await reader.read(1024 * 1024)
                if not data:
                    break
                got += len(data)
            writer.close()
            return got

        start = time.perf_counter()
        got = sum(await asyncio.gather(*(pull() for _ in range(streams))))
        seconds = time.perf_counter() - start
    finally:
        relay.close()
        server.close()
    print(
        f"{streams} tunnel(s) x {megabytes} MiB through the relay ({'shaping off' if not (shape.delay_ms or shape.rate_mbit or shape.jitter_ms) else 'shaped'}): "
        f"{got / 1e6:.0f} MB in {seconds:.2f} s = {got * 8 / seconds / 1e6:.0f} Mbit/s"
    )


# --------------------------------------------------------------------------- main


async def serve(shape: Shape, port: int, seed: int | None) -> None:
    proxy = ShapeProxy(shape, seed)
    bound = await proxy.start(port=port)
    print(f"listening http://127.0.0.1:{bound}", flush=True)
    async with proxy.server:
        await proxy.server.serve_forever()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--delay-ms", type=float, default=75.0, help="one-way delay per chunk (default: %(default)s)")
    parser.add_argument("--rate-mbit", type=float, default=20.0, help="link rate per direction, all tunnels (default: %(default)s; 0: no cap)")
    parser.add_argument("--jitter-ms", type=float, default=30.0, help="± uniform jitter per chunk (default: %(default)s)")
    parser.add_argument("--window", type=int, default=256 * 1024, help="bytes one tunnel may have queued (default: %(default)s)")
    parser.add_argument("--chunk", type=int, default=16 * 1024, help="read size (default: %(default)s)")
    parser.add_argument("--seed", type=int, help="seed of the jitter (default: random)")
    parser.add_argument(
        "--ceiling",
        action="store_true",
        help="measure the relay's own throughput on loopback with the given shaping (pass --delay-ms 0 "
        "--rate-mbit 0 --jitter-ms 0 for the bare relay) and exit",
    )
    parser.add_argument("--ceiling-mb", type=int, default=200, help="MiB per tunnel for --ceiling (default: %(default)s)")
    parser.add_argument("--ceiling-streams", type=int, nargs="+", default=[1, 8], help="tunnel counts for --ceiling")
    args = parser.parse_args()
    shape = Shape(args.delay_ms, args.rate_mbit, args.jitter_ms, args.window, args.chunk)
    try:
        if args.ceiling:
            for streams in args.ceiling_streams:
                asyncio.run(ceiling(shape, max(1, args.ceiling_mb // streams), streams))
            return 0
        asyncio.run(serve(shape, args.port, args.seed))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
