#!/usr/bin/env python3
"""Wheel tail geometry: how large should the first range request for a wheel's METADATA be?

1. Collect wheel URLs: `tailwheel resolve SET -o SET.pylock.toml` for every corpus set
   (except `unsat.in`) on the real index, reading `packages[].wheels[].url`; if fewer than
   `--min-wheels` (60) distinct wheels come out, or with `--famous`, a few well-known large
   wheels are added (newest cp311/py3 manylinux x86_64 or pure wheel before
   `--exclude-newer`, picked from the index's JSON pages).
2. Measure every wheel with range requests only: the last 64 KiB -> end-of-central-directory
   record (zip64 too) -> central directory (fetched when outside) -> the
   `*.dist-info/METADATA` entry -> its local header (30 bytes + name + extra) and data,
   inflated to check that it is METADATA. Recorded: size, CD+EOCD bytes (size - CD
   offset), METADATA offset from the end (size - local header offset), METADATA
   compressed size, the gap between METADATA and the CD, zip64.
3. Simulate, for a first tail of N in {8, 16, 32, 48, 64, 96, 128, 256} KiB and for
   size rules (N from the `size` the index lists for the file), two fetchers:
   * **ideal** (a lower bound): 1 round trip when METADATA + CD + EOCD lie in the last N
     bytes, else 2, the second fetching exactly what is missing (the part of the CD before
     the tail, METADATA's local header and data; one multi-range request, or a fetcher that
     guessed right), +1 when a zip64 record is needed and lies outside the tail;
   * **tailwheel**: a step-by-step replay of `crates/tw-metadata/src/zip_tail.rs`
     (`read_metadata` answering `Step::Need(range)` for the zip64 record, then the whole
     central directory, then `[local header, data end + 256 slack)`), on the measured
     geometry, with the fall-back to the whole wheel after four extra fetches.
   Per N: mean round trips, mean bytes, p50/p90 bytes, share done in one trip.
4. Cross-checks: the replay (at `--current-tail`, 64 KiB, and with the size/8 rule), summed
   over one wheel per project of each set's lock, next to what tailwheel's own `--stats`
   reported for that set; `--rust-check` also runs tailwheel's own reader
   (`crates/tw-metadata/examples/wheel_geometry.rs`) on every wheel and compares geometry and
   request counts; when `lazy_wheel.py` left its `lazy-wheel.json` (`--uv-from`), the
   predicted tailwheel/uv byte and request ratios per set and N.

The geometry is measured here in Python; `--rust-check` confirms it with tailwheel's own
reader. The replay mirrors `zip_tail.rs` as of commit a13e58a (keep it in step).

Writes `bench/results/wheel-tails.md` (per-wheel table + the summary per N).
Python 3.11 standard library only. Not part of the test suite or CI.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import statistics
import struct
import sys
import tempfile
import tomllib
import urllib.parse
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from compare import (  # noqa: E402 - after the path set-up
    BENCH,
    DEFAULT_CORPUS,
    DEFAULT_TAILWHEEL,
    UNSAT,
    build_note,
    discover_index,
    normalize,
    redact,
    run,
    tail,
    version_of,
)
from no658_proxy import JSON_ACCEPT, UpstreamPool  # noqa: E402

KIB = 1024
TAILS_KIB = (8, 16, 32, 48, 64, 96, 128, 256)
FIRST_FETCH = 64 * KIB
FAMOUS = ("torch", "tensorflow", "jaxlib", "pyarrow", "opencv-python", "transformers", "django", "awscli")
STATS_META = re.compile(r"stats: metadata via ([\w-]+): (.*)")
STATS_FIELD = re.compile(r"(\d+) ([a-z ]+?)(?:,|$)")


def size_rules() -> dict[str, callable]:
    clamp = lambda v, lo, hi: max(lo, min(hi, v))  # noqa: E731
    return {
        "size/8 in [16K,128K]": lambda size: clamp(size // 8, 16 * KIB, 128 * KIB),
        "size/16 in [32K,128K]": lambda size: clamp(size // 16, 32 * KIB, 128 * KIB),
    }


# --------------------------------------------------------------------------- collecting wheels


@dataclass
class Wheel:
    url: str
    filename: str
    project: str
    sets: list[str] = field(default_factory=list)
    listed_size: int | None = None


def collect_from_corpus(args, sets: list[Path], work: Path) -> tuple[dict[str, Wheel], dict[str, dict]]:
    """Wheels of every set's pylock.toml, and tailwheel's `--stats` per set."""
    wheels: dict[str, Wheel] = {}
    set_stats: dict[str, dict] = {}
    for requirements in sets:
        with tempfile.TemporaryDirectory(prefix="tw-tails-") as tmp:
            out = Path(tmp) / f"{requirements.stem}.pylock.toml"
            cmd = [args.tailwheel, "resolve", str(requirements), "--python-version", args.python_version,
                   "--python-platform", args.python_platform, "--exclude-newer", args.exclude_newer,
                   "--no-progress", "--stats", "-o", str(out)]  # fmt: skip
            if "--cache-dir" in run([args.tailwheel, "resolve", "--help"], 60).stdout:
                cmd += ["--cache-dir", str(Path(tmp) / "cache")]  # cold, so --stats counts every fetch
            r = run(cmd, args.timeout)
            (work / f"{requirements.stem}.stderr").write_text(r.stderr)
            if r.returncode != 0 or not out.exists():
                print(f"  {requirements.name}: tailwheel failed (exit {r.returncode})\n{tail(r.stderr, 8)}")
                continue
            lock = tomllib.loads(out.read_text())
            (work / out.name).write_text(out.read_text())
        strategies = {
            m.group(1): {key.strip(): int(value) for value, key in STATS_FIELD.findall(m.group(2))}
            for m in STATS_META.finditer(r.stderr)
        }
        count = 0
        for package in lock.get("packages", []):
            for wheel in package.get("wheels", []):
                url = wheel.get("url")
                if not url:
                    continue
                entry = wheels.setdefault(
                    url,
                    Wheel(url, wheel.get("name") or url.rsplit("/", 1)[-1], package["name"], [], wheel.get("size")),
                )
                entry.sets.append(requirements.stem)
                count += 1
        set_stats[requirements.stem] = {"wheels": count, "strategies": strategies, "pins": len(lock["packages"])}
        print(f"  {requirements.name}: {count} wheels; tailwheel --stats: {strategies}")
    return wheels, set_stats


def wheel_fits(filename: str, python: str) -> bool:
    """A cpXY / py3 / abi3 wheel for manylinux x86_64 or any platform (no `packaging` here)."""
    parts = filename[:-4].split("-")
    if len(parts) < 5:
        return False
    pys, abis, plats = parts[-3].split("."), parts[-2].split("."), parts[-1].split(".")
    cp = "cp" + python.replace(".", "")
    minor = int(python.split(".")[1])
    py_ok = cp in pys or any(p in ("py3", "py2.py3") for p in pys) or (
        "abi3" in abis and any(p.startswith("cp3") and p[3:].isdigit() and int(p[3:]) <= minor for p in pys)
    )
    plat_ok = plats == ["any"] or any("manylinux" in p and p.endswith("x86_64") for p in plats)
    return py_ok and plat_ok


def famous_wheels(index: str, args, pool: UpstreamPool) -> list[Wheel]:
    found = []
    for project in FAMOUS:
        url = index.rstrip("/") + f"/{project}/"
        try:
            response, conn, key, _ = pool.fetch("GET", url, {"Accept": JSON_ACCEPT})
            body = response.read()
            pool.release(response, conn, key)
            files = json.loads(body)["files"] if response.status == 200 else []
        except (OSError, ValueError, KeyError) as err:
            print(f"  {project}: cannot read its page ({err})")
            continue
        fitting = [
            f for f in files
            if f["filename"].endswith(".whl") and not f.get("yanked") and f.get("upload-time", "") <= args.exclude_newer
            and wheel_fits(f["filename"], args.python_version)
            and not re.search(r"(a|b|rc|dev)\d*$", f["filename"].split("-")[1])  # no pre-releases
        ]  # fmt: skip
        if not fitting:
            continue
        newest = max(fitting, key=lambda f: f.get("upload-time", ""))
        found.append(Wheel(urllib.parse.urljoin(url, newest["url"]), newest["filename"], project, ["famous"],
                           newest.get("size")))  # fmt: skip
    return found


# --------------------------------------------------------------------------- measuring


class RangeFile:
    """Byte ranges of one remote file, fetched with range requests and remembered."""

    def __init__(self, pool: UpstreamPool, url: str) -> None:
        self.pool = pool
        self.url = url
        self.size: int | None = None
        self.segments: list[tuple[int, bytes]] = []
        self.requests = 0
        self.bytes = 0
        self.ranges_honoured = True

    def _get(self, header: str) -> None:
        response, conn, key, _ = self.pool.fetch("GET", self.url, {"Range": header, "Accept-Encoding": "identity"})
        body = response.read()
        self.pool.release(response, conn, key)
        self.requests += 1
        self.bytes += len(body)
        if response.status == 206:
            match = re.match(r"bytes (\d+)-(\d+)/(\d+)", response.getheader("Content-Range") or "")
            if not match:
                raise OSError("206 without a usable Content-Range")
            first, _, total = map(int, match.groups())
            self.size = total
            self.segments.append((first, body))
        elif response.status == 200:
            self.ranges_honoured = False
            self.size = len(body)
            self.segments.append((0, body))
        else:
            raise OSError(f"HTTP {response.status} for a range request")

    def suffix(self, n: int) -> None:
        self._get(f"bytes=-{n}")

    def read(self, start: int, end: int) -> bytes:
        """Bytes `[start, end)`, fetching exactly that range when no segment holds it."""
        for first, data in self.segments:
            if first <= start and end <= first + len(data):
                return data[start - first : end - first]
        self._get(f"bytes={start}-{end - 1}")
        first, data = self.segments[-1]
        if not (first <= start and end <= first + len(data)):
            raise OSError(f"short answer for bytes {start}-{end - 1}")
        return data[start - first : end - first]


@dataclass
class Geometry:
    project: str
    filename: str
    sets: list[str]
    size: int = 0
    entries: int = 0
    cd_offset: int = 0
    cd_size: int = 0
    eocd_offset: int = 0
    comment_len: int = 0
    zip64_record: int | None = None  # offset of the zip64 EOCD record, when present
    zip64_needed: bool = False  # the classic EOCD's size or offset is saturated
    metadata_name: str = ""
    metadata_entries: int = 0
    local_offset: int = 0
    name_len: int = 0
    cd_extra_len: int = 0
    local_extra_len: int = 0
    compressed: int = 0
    uncompressed: int = 0
    method: int = 0
    requests: int = 0
    bytes_fetched: int = 0
    ranges_honoured: bool = True
    error: str | None = None

    @property
    def cd_eocd(self) -> int:
        return self.size - self.cd_offset

    @property
    def metadata_from_end(self) -> int:
        return self.size - self.local_offset

    @property
    def data_start(self) -> int:
        return self.local_offset + 30 + self.name_len + self.local_extra_len

    @property
    def gap(self) -> int:
        return self.cd_offset - (self.data_start + self.compressed)


def u16(b: bytes, at: int) -> int:
    return struct.unpack_from("<H", b, at)[0]


def u32(b: bytes, at: int) -> int:
    return struct.unpack_from("<I", b, at)[0]


def u64(b: bytes, at: int) -> int:
    return struct.unpack_from("<Q", b, at)[0]


def stem_matches(stem: str, project: str, filename: str) -> bool:
    name, _, version = stem.rpartition("-")
    wheel_version = filename.split("-")[1] if filename.count("-") >= 4 else ""
    return normalize(name) == normalize(project) and (not wheel_version or version == wheel_version)


def measure(pool: UpstreamPool, wheel: Wheel) -> Geometry:
    g = Geometry(wheel.project, wheel.filename, sorted(set(wheel.sets)))
    f = RangeFile(pool, wheel.url)
    try:
        f.suffix(FIRST_FETCH)
        g.size = f.size
        first, tail_data = f.segments[0]
        pos = tail_data.rfind(b"PK\x05\x06", 0, len(tail_data) - 18)
        if pos < 0 and first > 0:
            f.read(max(0, g.size - 22 - 65535), g.size)
            first, tail_data = f.segments[-1]
            pos = tail_data.rfind(b"PK\x05\x06", 0, len(tail_data) - 18)
        if pos < 0:
            raise ValueError("no end-of-central-directory record")
        g.eocd_offset = first + pos
        eocd = tail_data[pos : pos + 22]
        g.entries, g.cd_size, g.cd_offset, g.comment_len = u16(eocd, 10), u32(eocd, 12), u32(eocd, 16), u16(eocd, 20)
        g.zip64_needed = g.cd_size == 0xFFFFFFFF or g.cd_offset == 0xFFFFFFFF or g.entries == 0xFFFF
        if g.eocd_offset >= 20:
            locator = f.read(g.eocd_offset - 20, g.eocd_offset)
            if u32(locator, 0) == 0x07064B50:
                g.zip64_record = u64(locator, 8)
        if g.zip64_needed:
            if g.zip64_record is None:
                raise ValueError("zip64 locator missing")
            record = f.read(g.zip64_record, g.zip64_record + 56)
            if u32(record, 0) != 0x06064B50:
                raise ValueError("bad zip64 end-of-central-directory record")
            g.entries, g.cd_size, g.cd_offset = u64(record, 32), u64(record, 40), u64(record, 48)
        cd = f.read(g.cd_offset, g.cd_offset + g.cd_size)
        candidates = []
        at, count = 0, 0
        while at + 46 <= len(cd) and u32(cd, at) == 0x02014B50:
            method, csize, usize = u16(cd, at + 10), u32(cd, at + 20), u32(cd, at + 24)
            nlen, xlen, clen, lho = u16(cd, at + 28), u16(cd, at + 30), u16(cd, at + 32), u32(cd, at + 42)
            name = cd[at + 46 : at + 46 + nlen].decode("utf-8", "replace")
            extra = cd[at + 46 + nlen : at + 46 + nlen + xlen]
            x = 0
            while x + 4 <= len(extra):  # zip64 extended information
                tag, length = u16(extra, x), u16(extra, x + 2)
                if tag == 1:
                    v = x + 4
                    if usize == 0xFFFFFFFF:
                        usize, v = u64(extra, v), v + 8
                    if csize == 0xFFFFFFFF:
                        csize, v = u64(extra, v), v + 8
                    if lho == 0xFFFFFFFF:
                        lho = u64(extra, v)
                x += 4 + length
            parts = name.split("/")
            if len(parts) == 2 and parts[1] == "METADATA" and parts[0].endswith(".dist-info"):
                candidates.append((name, method, csize, usize, nlen, xlen, lho))
            count += 1
            at += 46 + nlen + xlen + clen
        if not g.zip64_needed:
            g.entries = count
        g.metadata_entries = len(candidates)
        matching = [c for c in candidates if stem_matches(c[0].split("/")[0][: -len(".dist-info")], wheel.project,
                                                          wheel.filename)]  # fmt: skip
        chosen = (matching or candidates or [None])[0]
        if chosen is None:
            raise ValueError("no .dist-info/METADATA entry")
        g.metadata_name, g.method, g.compressed, g.uncompressed, g.name_len, g.cd_extra_len, g.local_offset = chosen
        header = f.read(g.local_offset, g.local_offset + 30)
        if u32(header, 0) != 0x04034B50:
            raise ValueError("bad local file header")
        g.local_extra_len = u16(header, 28)
        if u16(header, 26) != g.name_len:
            raise ValueError("local header name length differs from the central directory's")
        data = f.read(g.data_start, g.data_start + g.compressed)
        text = zlib.decompress(data, -15) if g.method == 8 else data
        if g.method not in (0, 8) or b"Metadata-Version" not in text[:4096]:
            raise ValueError(f"METADATA does not look like core metadata (method {g.method})")
    except (OSError, ValueError, struct.error, zlib.error) as err:
        g.error = f"{type(err).__name__}: {err}"
    g.requests, g.bytes_fetched, g.ranges_honoured = f.requests, f.bytes, f.ranges_honoured
    return g


# --------------------------------------------------------------------------- simulating


def simulate_ideal(g: Geometry, n: int) -> tuple[int, int]:
    """Round trips and bytes if the second fetch is exactly what is missing (a lower bound)."""
    tail_start = max(0, g.size - n)
    trips, nbytes = 1, g.size - tail_start
    if g.zip64_needed and g.zip64_record is not None and g.zip64_record < tail_start:
        trips += 1  # the CD's place is only known after reading the zip64 record
        nbytes += 56
    missing = 0
    if g.cd_offset < tail_start:
        missing += tail_start - g.cd_offset
    metadata_end = g.data_start + g.compressed
    if g.local_offset < tail_start:
        missing += min(metadata_end, tail_start) - g.local_offset
    if missing:
        trips += 1
    return trips, nbytes + missing


# `zip_tail.rs`: with the central directory outside the window, fetch it together with a guess
# of what precedes it (RECORD: ~100 bytes per entry, plus 16 KiB for METADATA and WHEEL),
# at most 1 MiB in front of it. Before commit a13e58a the fetch started at the directory.
RECORD_LINE = 100
METADATA_GUESS = 16 * KIB
MAX_GUESS = 1024 * KIB


def simulate_tailwheel(g: Geometry, n: int, guess: bool = True) -> tuple[int, int, str]:
    """Replay `zip_tail.rs::read_metadata` and `fetch.rs::wheel_tail` on the geometry.

    Answers (round trips, bytes, outcome): outcome is `ok`, `whole` (fell back to the whole
    wheel after four extra fetches) or `error: ...` (tailwheel would report an archive error).
    `guess=False` replays the logic before a13e58a (the directory fetch starts at the directory).
    """
    size = g.size
    tail_start = max(0, size - n)
    segments = [(tail_start, size)]
    trips, nbytes = 1, size - tail_start

    def have(start: int, end: int) -> bool:  # one segment must hold the whole range (Window::slice)
        return any(a <= start and end <= b for a, b in segments)

    def step() -> tuple[int, int] | None:
        # find_directory: the EOCD is searched in the first (tail) segment only.
        if g.eocd_offset < tail_start:
            raise ValueError("no end-of-central-directory record in the tail")
        if g.zip64_needed:
            if g.eocd_offset - 20 < tail_start:
                raise ValueError("zip64 locator outside the tail")
            rec = g.zip64_record or 0
            if not have(rec, rec + 56):
                return rec, rec + 56
        cd_end = g.cd_offset + g.cd_size
        if not have(g.cd_offset, cd_end):
            before = min(g.entries * RECORD_LINE + METADATA_GUESS, MAX_GUESS) if guess else 0
            return max(0, g.cd_offset - before), max(tail_start, cd_end)
        if not have(g.local_offset, g.local_offset + 30):
            end = g.local_offset + 30 + g.name_len + g.cd_extra_len + 256 + g.compressed
            return g.local_offset, min(end, size)
        if not have(g.data_start, g.data_start + g.compressed):
            return g.local_offset, min(g.data_start + g.compressed, size)
        return None

    try:
        for _ in range(4):
            need = step()
            if need is None:
                return trips, nbytes, "ok"
            start, end = need
            last = min(max(end - 1, start), size - 1)  # `Inclusive(start, end - 1)`, clipped by the server
            trips += 1
            nbytes += last - start + 1
            segments.append((start, last + 1))
    except ValueError as err:
        return trips, nbytes, f"error: {err}"
    return trips + 1, nbytes + size, "whole"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p * len(ordered)) - 1)]


@dataclass
class Row:
    label: str
    within: int
    n: int
    ideal_trips: list[int]
    ideal_bytes: list[int]
    tw_trips: list[int]
    tw_bytes: list[int]
    tw_outcomes: list[str]
    old_trips: list[int]
    old_bytes: list[int]


def summarize(geometries: list[Geometry]) -> list[Row]:
    rows = []
    rules: list[tuple[str, callable]] = [(f"{k} KiB", (lambda size, k=k: k * KIB)) for k in TAILS_KIB]
    rules += list(size_rules().items())
    for label, rule in rules:
        ideal = [simulate_ideal(g, rule(g.size)) for g in geometries]
        tw = [simulate_tailwheel(g, rule(g.size)) for g in geometries]
        old = [simulate_tailwheel(g, rule(g.size), guess=False) for g in geometries]
        within = sum(min(g.local_offset, g.cd_offset) >= max(0, g.size - rule(g.size)) for g in geometries)
        rows.append(
            Row(label, within, len(geometries), [t for t, _ in ideal], [b for _, b in ideal],
                [t for t, _, _ in tw], [b for _, b, _ in tw], [o for _, _, o in tw],
                [t for t, _, _ in old], [b for _, b, _ in old])  # fmt: skip
        )
    return rows


# --------------------------------------------------------------------------- reporting


def human(nbytes: float) -> str:
    if nbytes >= 1024 * 1024:
        return f"{nbytes / 1024 / 1024:.1f} MiB"
    return f"{nbytes / 1024:.0f} KiB" if nbytes >= 10 * 1024 else f"{nbytes / 1024:.1f} KiB"


def kib(nbytes: float) -> str:
    return f"{nbytes / 1024:.1f}"


def summary_table(rows: list[Row]) -> str:
    out = [
        "| first tail N | 1 trip (METADATA+CD+EOCD ⊆ N) | ideal: mean trips | ideal: mean KiB | tailwheel: mean trips "
        "| tailwheel: max trips | tailwheel: mean KiB | tailwheel: p50 KiB | tailwheel: p90 KiB | tailwheel: total MiB "
        "| tailwheel: not ok |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        bad = sum(o != "ok" for o in r.tw_outcomes)
        out.append(
            f"| {r.label} | {r.within}/{r.n} ({100 * r.within / r.n:.0f}%) | {statistics.mean(r.ideal_trips):.2f} "
            f"| {kib(statistics.mean(r.ideal_bytes))} | {statistics.mean(r.tw_trips):.2f} | {max(r.tw_trips)} "
            f"| {kib(statistics.mean(r.tw_bytes))} | {kib(percentile(r.tw_bytes, 0.5))} "
            f"| {kib(percentile(r.tw_bytes, 0.9))} | {sum(r.tw_bytes) / 1024 / 1024:.2f} | {bad} |"
        )
    return "\n".join(out)


def old_table(rows: list[Row]) -> str:
    out = [
        "| first tail N | with the guess: mean trips | mean KiB | without (directory only): mean trips | mean KiB "
        "| p90 KiB | max trips |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        out.append(
            f"| {r.label} | {statistics.mean(r.tw_trips):.2f} | {kib(statistics.mean(r.tw_bytes))} "
            f"| {statistics.mean(r.old_trips):.2f} | {kib(statistics.mean(r.old_bytes))} "
            f"| {kib(percentile(r.old_bytes, 0.9))} | {max(r.old_trips)} |"
        )
    return "\n".join(out)


def trips_table(rows: list[Row]) -> str:
    most = max(max(r.tw_trips) for r in rows)
    out = [
        "| first tail N | " + " | ".join(f"{t} trip{'s' if t > 1 else ''}" for t in range(1, most + 1)) + " |",
        "| --- | " + " | ".join("---:" for _ in range(most)) + " |",
    ]
    for r in rows:
        out.append(f"| {r.label} | " + " | ".join(str(r.tw_trips.count(t)) for t in range(1, most + 1)) + " |")
    return "\n".join(out)


def wheel_table(geometries: list[Geometry], current: int) -> str:
    out = [
        f"| project | wheel | size | entries | CD+EOCD KiB | METADATA from end KiB | METADATA csize KiB | gap MD→CD KiB "
        f"| zip64 | tailwheel @{current // KIB} KiB: trips / KiB | sets |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | :---: | ---: | --- |",
    ]
    for g in sorted(geometries, key=lambda g: g.size):
        trips, nbytes, outcome = simulate_tailwheel(g, current)
        zip64 = "needed" if g.zip64_needed else ("record" if g.zip64_record is not None else "")
        short = g.filename if len(g.filename) <= 60 else g.filename[:57] + "..."
        out.append(
            f"| {g.project} | {short} | {human(g.size)} | {g.entries} | {kib(g.cd_eocd)} | {kib(g.metadata_from_end)} "
            f"| {kib(g.compressed)} | {kib(g.gap)} | {zip64} | {trips} / {kib(nbytes)}{'' if outcome == 'ok' else ' ' + outcome} "
            f"| {', '.join(g.sets)} |"
        )
    return "\n".join(out)


def crosscheck_table(geometries: list[Geometry], set_stats: dict[str, dict], current: int) -> str:
    out = [
        f"| set | pins | locked wheels | replay @{current // KIB} KiB: requests / bytes | replay size/8 rule "
        "| tailwheel --stats per strategy |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for name, stats in sorted(set_stats.items()):
        mine = [g for g in geometries if name in g.sets]
        seen, one = set(), []  # tailwheel reads one wheel per project
        for g in mine:
            if g.project not in seen:
                seen.add(g.project)
                one.append(g)
        mine = one
        sims = [simulate_tailwheel(g, current) for g in mine]
        rule = size_rules()["size/8 in [16K,128K]"]
        ruled = [simulate_tailwheel(g, rule(g.size)) for g in mine]
        strategies = "; ".join(
            f"{k}: " + ", ".join(f"{n} {what}" for what, n in v.items()) for k, v in sorted(stats["strategies"].items())
        )
        out.append(
            f"| {name} | {stats['pins']} | {stats['wheels']} | {sum(t for t, _, _ in sims)} / {sum(b for _, b, _ in sims)} "
            f"| {sum(t for t, _, _ in ruled)} / {sum(b for _, b, _ in ruled)} | {strategies or '—'} |"
        )
    return "\n".join(out)


def rust_geometry(args, geometries: list[Geometry], urls: dict[str, str]) -> tuple[list[str], str]:
    """Run tailwheel's own reader (`crates/tw-metadata/examples/wheel_geometry.rs`, 64 KiB tail)
    on the same wheels; compare its geometry with ours and its request count with the replay."""
    repo = BENCH.parent
    build = run(["cargo", "build", "--release", "-p", "tw-metadata", "--example", "wheel_geometry"], 1800, cwd=repo)
    binary = repo / "target" / "release" / "examples" / "wheel_geometry"
    if build.returncode != 0 or not binary.exists():
        return [f"- could not build the `wheel_geometry` example: {tail(build.stderr, 3)}"], "not built"
    stdin = "\n".join(urls[g.filename] for g in geometries) + "\n"
    proc = __import__("subprocess").run([str(binary)], input=stdin, capture_output=True, text=True, timeout=1800)
    theirs = {}
    for line in proc.stdout.splitlines():
        fields = line.split("\t")
        if len(fields) >= 8:
            theirs[fields[0]] = [int(x) for x in fields[1:8]]
    lines, same_geometry, same_trips = [], 0, 0
    for g in geometries:
        got = theirs.get(urls[g.filename])
        if got is None:
            lines.append(f"- `{g.filename}`: no answer from `wheel_geometry`")
            continue
        total, cd_offset, cd_size, entries, md_offset, md_compressed, requests = got
        ours = [g.size, g.cd_offset, g.cd_size, g.entries, g.local_offset, g.compressed]
        if ours == [total, cd_offset, cd_size, entries, md_offset, md_compressed]:
            same_geometry += 1
        else:
            lines.append(f"- `{g.filename}`: geometry differs: ours {ours}, tailwheel's {got[:6]}")
        replay = simulate_tailwheel(g, FIRST_FETCH)[0]
        if replay == requests:
            same_trips += 1
        else:
            lines.append(f"- `{g.filename}`: replay says {replay} requests at 64 KiB, tailwheel's reader took {requests}")
    for err in proc.stderr.splitlines()[:10]:
        lines.append(f"- `wheel_geometry`: {err}")
    verdict = (
        f"{same_geometry}/{len(geometries)} wheels with identical geometry; the replay's request count at 64 KiB "
        f"equals the reader's for {same_trips}/{len(geometries)}"
    )
    return lines, verdict


def prediction_table(geometries: list[Geometry], baseline: dict, current_rules) -> str:
    """Predicted tailwheel/uv ratios per set and N: file bytes and requests (pages + replayed trips).

    One wheel per project (the first the lock lists), as tailwheel reads one; uv's medians and
    the page requests come from `lazy_wheel.py`'s JSON.
    """
    out = [
        "| set | uv file kB | uv requests | " + " | ".join(label for label, _ in current_rules) + " |",
        "| --- | ---: | ---: | " + " | ".join("---:" for _ in current_rules) + " |",
    ]
    for name, tools in sorted(baseline.items()):
        uv = tools.get("uv") or {}
        pages = (tools.get("tailwheel") or {}).get("page_requests") or uv.get("page_requests") or 0
        if not uv.get("file_bytes") or not uv.get("requests"):
            continue
        seen, mine = set(), []
        for g in geometries:
            if name in g.sets and g.project not in seen:
                seen.add(g.project)
                mine.append(g)
        cells = []
        for _, rule in current_rules:
            sims = [simulate_tailwheel(g, rule(g.size)) for g in mine]
            nbytes, trips = sum(b for _, b, _ in sims), sum(t for t, _, _ in sims)
            cells.append(f"{nbytes / uv['file_bytes']:.2f} / {(trips + pages) / uv['requests']:.2f}")
        out.append(f"| {name} | {uv['file_bytes'] / 1e3:.0f} | {uv['requests']:.0f} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    parser.add_argument("--sets", nargs="*", help="only these sets (file stems)")
    parser.add_argument("--tailwheel", default=str(DEFAULT_TAILWHEEL))
    parser.add_argument("--index-url", help="index for the famous wheels' pages (default: discovered through pip)")
    parser.add_argument("--python-version", default="3.11")
    parser.add_argument("--python-platform", default="x86_64-manylinux_2_28")
    parser.add_argument("--exclude-newer", default="2026-10-01T00:00:00Z")
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--min-wheels", type=int, default=60, help="add famous wheels below this many (default: 60)")
    parser.add_argument("--famous", action="store_true", help="always add the famous large wheels")
    parser.add_argument("--current-tail", type=int, default=64, help="tailwheel's first tail in KiB (default: 64)")
    parser.add_argument("--jobs", type=int, default=8, help="wheels measured at once (default: 8)")
    parser.add_argument("--work-dir", default=str(Path(tempfile.gettempdir()) / "tailwheel-bench-tails"))
    parser.add_argument("--results", default=str(BENCH / "results" / "wheel-tails.md"))
    parser.add_argument("--json", help="also dump the raw geometry here")
    parser.add_argument(
        "--uv-from",
        default=str(Path(tempfile.gettempdir()) / "tailwheel-bench-lazy" / "lazy-wheel.json"),
        help="uv's medians per set written by lazy_wheel.py, for predicted ratios (default: %(default)s, if present)",
    )
    parser.add_argument(
        "--rust-check",
        action="store_true",
        help="also build and run tailwheel's own reader (`cargo build --release -p tw-metadata --example "
        "wheel_geometry`) on the same wheels and compare",
    )
    args = parser.parse_args()

    if not Path(args.tailwheel).exists():
        sys.exit(f"{args.tailwheel} does not exist: run `cargo build --release` first")
    sets = [s for s in sorted(Path(args.corpus).glob("*.in")) if s.name != UNSAT]
    if args.sets:
        sets = [s for s in sets if s.stem in set(args.sets) or s.name in set(args.sets)]
    work = Path(args.work_dir)
    work.mkdir(parents=True, exist_ok=True)
    index, origin = discover_index(args.index_url)
    tw_version = version_of([args.tailwheel, "--version"])
    print(f"tailwheel: {tw_version} ({build_note(args.tailwheel)}); index: from {origin}")
    print("collecting wheels from the corpus locks:")
    wheels, set_stats = collect_from_corpus(args, sets, work)
    pool = UpstreamPool()
    if args.famous or len(wheels) < args.min_wheels:
        print(f"{len(wheels)} wheels; adding famous large ones: {', '.join(FAMOUS)}")
        for wheel in famous_wheels(index, args, pool):
            if wheel.url not in wheels:
                wheels[wheel.url] = wheel
    print(f"measuring {len(wheels)} wheels with range requests ...")
    with ThreadPoolExecutor(max_workers=args.jobs) as executor:
        geometries = list(executor.map(lambda w: measure(pool, w), wheels.values()))
    failed = [g for g in geometries if g.error]
    good = [g for g in geometries if not g.error]
    for g in failed:
        print(f"  {g.filename}: {g.error}")
    if not good:
        sys.exit("no wheel could be measured")
    if args.json:
        Path(args.json).write_text(json.dumps([asdict(g) for g in geometries], indent=1))
    rows = summarize(good)
    rust_lines, rust_verdict = [], None
    if args.rust_check:
        print("running tailwheel's wheel_geometry example on the same wheels ...")
        rust_lines, rust_verdict = rust_geometry(args, good, {w.filename: w.url for w in wheels.values()})
        print(f"  {rust_verdict}")
    current = args.current_tail * KIB
    no_ranges = [g.filename for g in geometries if not g.ranges_honoured]
    measurement_requests = sum(g.requests for g in geometries)
    measurement_bytes = sum(g.bytes_fetched for g in geometries)

    date = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    cd_inside = {k: sum(g.cd_eocd <= k * KIB for g in good) for k in TAILS_KIB}
    md = [
        "# Wheel tail geometry: the first range request for METADATA",
        "",
        f"- date: {date}; tailwheel: {tw_version} ({build_note(args.tailwheel)})",
        f"- wheels: {len(good)} measured ({len(failed)} failed) — every wheel in the `pylock.toml` of "
        f"{', '.join(s.stem for s in sets)} (`--python-version {args.python_version} --python-platform "
        f"{args.python_platform} --exclude-newer {args.exclude_newer}`, index from {origin})"
        + ("; plus famous large wheels marked `famous`" if any("famous" in g.sets for g in good) else ""),
        f"- measured with range requests only ({measurement_requests} requests, {measurement_bytes / 1e6:.1f} MB), "
        "in Python (tailwheel has no geometry dump yet); METADATA inflated and checked for every wheel"
        + (f"; server ignored ranges for: {', '.join(no_ranges)}" if no_ranges else ""),
        "- **ideal** (a lower bound) = 1 round trip when METADATA + CD + EOCD lie in the last N bytes, else 2, the second "
        "fetching exactly what is missing: the CD part before the tail and METADATA's local header + data (+1 trip if a "
        "needed zip64 record lies outside the tail); bytes = N + that",
        "- **tailwheel** = replay of `zip_tail.rs` `read_metadata` (as of a13e58a) on the measured geometry: tail N; "
        "if the central directory is not in one fetched segment, `[CD offset − min(entries × 100 + 16 KiB, 1 MiB), "
        "CD end)` (the CD plus a guess of RECORD + METADATA before it; the part of the CD already in the tail is "
        "fetched again); then, if METADATA is still missing, `[local header, data end + 256)`",
        "- size rules pick N from the file size the JSON index lists (PEP 700 `size`), so they cost no extra request",
        "",
        "## Summary per first-tail size N",
        "",
        summary_table(rows),
        "",
        f"CD + EOCD alone within N: " + ", ".join(f"{k} KiB {v}/{len(good)}" for k, v in cd_inside.items()),
        "",
        "### The guess before the central directory (a13e58a) against the directory-only fetch before it",
        "",
        old_table(rows),
        "",
        "### tailwheel replay: wheels by round trips",
        "",
        trips_table(rows),
        "",
        "## Cross-check against tailwheel's own `--stats` (its cold runs that wrote the locks)",
        "",
        "The replay takes one wheel per project (the first the lock lists); tailwheel's counters also include "
        "candidates it read and dropped, `.metadata` probes and sdists.",
        "",
        crosscheck_table(good, set_stats, current),
        "",
        "## Per wheel",
        "",
        "`METADATA from end` = size − local header offset: the tail that holds METADATA, CD and EOCD. "
        "`gap MD→CD` = bytes between the end of METADATA and the CD (mostly RECORD and other dist-info files).",
        "",
        wheel_table(good, current),
        "",
    ]
    if Path(args.uv_from).exists():
        baseline = json.loads(Path(args.uv_from).read_text())
        rules = [(f"{k} KiB", (lambda size, k=k: k * KIB)) for k in (16, 24, 32, 48, 64)] + list(size_rules().items())
        md[md.index("## Per wheel"):md.index("## Per wheel")] = [
            "## Predicted tailwheel / uv ratios per set (file bytes / requests)",
            "",
            "The replay (one wheel per project, the first the lock lists) against uv's medians from "
            "`lazy_wheel.py` (its `lazy-wheel.json`); requests add the index pages tailwheel fetched. "
            "Requirement there: bytes ≤ 2, requests ≤ 0.75.",
            "",
            prediction_table(good, baseline, rules),
            "",
        ]
    if rust_verdict:
        md[md.index("## Per wheel"):md.index("## Per wheel")] = [
            "## Cross-check with tailwheel's own reader (`crates/tw-metadata/examples/wheel_geometry.rs`)",
            "",
            f"{rust_verdict}.",
            "",
            *rust_lines,
            "",
        ]
    if failed:
        md += ["## Not measured", "", *[f"- `{g.filename}`: {g.error}" for g in failed], ""]
    text = redact("\n".join(md), index)
    print("\n" + text)
    path = Path(args.results)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    print(f"written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
