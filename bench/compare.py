#!/usr/bin/env python3
"""Compare tailwheel with `uv pip compile`: time, bytes and memory, cold and warm.

    bench/compare --rounds 3                    # corpus + bench/sets, cold and warm
    bench/compare --rounds 1 --sets fastapi flask-mixed --results-dir /tmp/r

For every `*.in` requirements set (the shared corpus, `../shared/corpus`, and the larger
sets in `bench/sets/`), N rounds; in each round the tool that goes first alternates:

* **cold**: each tool resolves with a fresh, empty `--cache-dir`;
* **warm**: each tool resolves again on the cache its cold run just filled;

timed runs never go through the byte-counting proxy (a relay written in Python caps
throughput and would time itself): with `--network quick` (the default) they reach the index
directly, with `--network shaped` through `shape_proxy.py` (round-trip time, a bandwidth cap
and jitter; see its docstring). Bytes come from separate, untimed runs: after the timed rounds
of a set, each tool resolves it once more cold (and warm on that cache) through
`count_proxy.py` (a loopback CONNECT proxy given as `HTTPS_PROXY`), which counts the bytes it
tunnels in each direction. The peak RSS of the child comes from `os.wait4`. Per set and mode
the medians of the timed runs are tabled (time, RSS, ratios tailwheel/uv) next to the bytes
of the counting run, with a geometric-mean line per mode.

Also, as before:

* compare the two pin sets (`name==version`), and warm pins with cold ones;
* validity check: `uv pip compile SET -c TAILWHEEL_OUTPUT` must reproduce exactly
  tailwheel's pins;
* `unsat.in` must make tailwheel exit 1 with a report naming `requests` and `urllib3`;
* `pip-compile` (pip-tools) resolves one set cold per round, as a second anchor.

The markdown is printed and written to `bench/results/compare-DATE.md` and
`bench/results/latest.md`. Python 3.11 standard library only. Not part of the test
suite or CI.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus"
DEFAULT_EXTRA_SETS = BENCH / "sets"
REALWORLD = BENCH / "sets" / "realworld"
DEFAULT_TAILWHEEL = REPO / "target" / "release" / "tailwheel"
DEFAULT_VENV = Path("/tmp/bench-venv")
UNSAT = "unsat.in"
TOOLS = ("uv", "tailwheel")
MODES = ("cold", "warm")

# Issue 8's targets, printed next to the measured values (never asserted: the exit code only
# reflects validity and the unsat check).
TARGETS = {
    "cold": {"time": 0.8, "bytes": 1.0},
    "warm": {"time": 0.3},
    "worst": 1.2,
    "rss": 1.0,
}

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*===?\s*([^\s;\\#]+)")
# `stats: 863 requests, 56665988 bytes (54.0 MiB), 5.370s` (the size in words is optional).
STATS = re.compile(r"stats: (\d+) requests, (\d+) bytes(?: \([^)]*\))?, ([0-9.]+)s")
# Not printed by every tailwheel: read when present (issue 15 asks for decisions per set).
TW_DECISIONS = re.compile(r"(\d+) decisions")
# `stats: fetches: … speculative: N used, M unused, …`
TW_SPECULATIVE = re.compile(r"speculative: (\d+) used, (\d+) unused")
# uv's `-v` log (counting runs only): one `Selecting:` line per decision, and a summary line.
UV_SELECTING = re.compile(r"^\S*\s*DEBUG Selecting: ", re.M)
UV_TRIED = re.compile(r"Tried (\d+) versions")
# uv's requests: its auth middleware logs one TRACE line per HTTP request it sends (pages,
# `HEAD`s, range reads, metadata files, retries included). Checked against hyper's own count
# (one HTTP/2 request HEADERS frame each, `h2=debug`): 3 = 3 for `six==1.16.0` (a page, a
# `HEAD`, one range read), 1356 = 1356 for sentry-2022-base (see bench/README.md).
UV_REQUEST = re.compile(r"TRACE Handling request for `", re.M)
UV_LOG_FILTER = "uv_resolver=debug,uv_auth=trace"
NETWORKS = ("quick", "shaped")

sys.path.insert(0, str(BENCH))
from count_proxy import ProxyProcess  # noqa: E402 - after the path set-up
from shape_proxy import Shape, ShapeProcess  # noqa: E402

# --------------------------------------------------------------------------- helpers


def normalize(name: str) -> str:
    """PEP 503 name normalization."""
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_pins(text: str) -> dict[str, str]:
    """`name==version` pins of a requirements.txt (comments, options, hashes skipped)."""
    pins: dict[str, str] = {}
    logical = ""
    for raw in text.splitlines():
        if raw.rstrip().endswith("\\"):
            logical += raw.rstrip()[:-1] + " "
            continue
        line = (logical + raw).strip()
        logical = ""
        if not line or line.startswith("#") or line.startswith("-"):
            continue
        match = PIN.match(line)
        if match:
            # A universal lock may pin one name at several versions (under disjoint markers).
            name, version = normalize(match.group(1)), match.group(2)
            known = set(pins[name].split(" | ")) if name in pins else set()
            pins[name] = " | ".join(sorted(known | {version}))
    return pins


def diff_pins(left: dict[str, str], right: dict[str, str], left_name: str, right_name: str) -> list[str]:
    """Human-readable differences between two pin sets."""
    lines = []
    for name in sorted(set(left) | set(right)):
        a, b = left.get(name), right.get(name)
        if a == b:
            continue
        if a is None:
            lines.append(f"{name}: only {right_name} ({b})")
        elif b is None:
            lines.append(f"{name}: only {left_name} ({a})")
        else:
            lines.append(f"{name}: {left_name} {a} vs {right_name} {b}")
    return lines


def find_uv(explicit: str | None) -> str:
    if explicit:
        return explicit
    venv_uv = DEFAULT_VENV / "bin" / "uv"
    if venv_uv.exists():
        return str(venv_uv)
    found = shutil.which("uv")
    if not found:
        sys.exit("uv not found: pass --uv, or `pip install uv` (see bench/README.md)")
    return found


def find_pip_compile(explicit: str | None) -> str | None:
    if explicit:
        return explicit
    venv_pc = DEFAULT_VENV / "bin" / "pip-compile"
    if venv_pc.exists():
        return str(venv_pc)
    return shutil.which("pip-compile")


def discover_index(explicit: str | None) -> tuple[str, str]:
    """The index both tools should use, and where it came from.

    Same precedence as tailwheel: PIP_INDEX_URL, UV_INDEX_URL, pip's config,
    then pip's built-in default (asked of pip, never written down here).
    """
    if explicit:
        return explicit, "--index-url"
    for var in ("PIP_INDEX_URL", "UV_INDEX_URL"):
        if os.environ.get(var):
            return os.environ[var], var
    python = shutil.which("python3") or sys.executable
    config = subprocess.run(
        [python, "-m", "pip", "config", "get", "global.index-url"],
        capture_output=True,
        text=True,
    )
    if config.returncode == 0 and config.stdout.strip():
        return config.stdout.strip(), "pip config"
    default = subprocess.run(
        [python, "-c", "from pip._internal.models.index import PyPI; print(PyPI.simple_url)"],
        capture_output=True,
        text=True,
    )
    if default.returncode != 0 or not default.stdout.strip():
        sys.exit(f"cannot discover the index from {python}'s pip: {default.stderr.strip()}")
    return default.stdout.strip(), "pip's default"


@dataclass
class Run:
    seconds: float
    returncode: int
    stdout: str
    stderr: str
    # Filled by `run_measured` only.
    rss_kb: int | None = None
    up: int | None = None
    down: int | None = None
    connects: int | None = None
    refused: int | None = None

    @property
    def total(self) -> int | None:
        return None if self.up is None or self.down is None else self.up + self.down


def run(cmd: list[str], timeout: float, cwd: Path | None = None, env: dict[str, str] | None = None) -> Run:
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=cwd, env=env)
    except subprocess.TimeoutExpired as err:
        return Run(time.perf_counter() - start, -1, "", f"timed out after {timeout}s: {err}")
    return Run(time.perf_counter() - start, proc.returncode, proc.stdout, proc.stderr)


def run_measured(
    cmd: list[str],
    timeout: float,
    env: dict[str, str],
    proxy: ProxyProcess | None,
    cwd: Path | None = None,
) -> Run:
    """Run `cmd` with wall time, peak RSS (`os.wait4`) and, through `proxy`, bytes moved.

    The child's output goes to temporary files (no pipe to drain while it runs). Peak RSS is
    the largest of the child and of any descendant it waited for (Linux `wait4` semantics),
    so tailwheel's `python3` start-up or uv's helpers are included when they were bigger.
    """
    gen = proxy.reset() if proxy else None
    child_env = proxy.env(env) if proxy else env
    timed_out = threading.Event()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=child_env, cwd=cwd)

        def kill() -> None:
            timed_out.set()
            proc.kill()

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _pid, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors="replace")
        stderr = err.read().decode(errors="replace")
    if timed_out.is_set():
        stderr += f"\ntimed out after {timeout}s"
    result = Run(seconds, -1 if timed_out.is_set() else proc.returncode, stdout, stderr, rss_kb=usage.ru_maxrss)
    if proxy:
        counts = proxy.stats(gen, wait=3.0)
        result.up, result.down = counts["up"], counts["down"]
        result.connects, result.refused = counts["connects"], counts["refused"]
    return result


def tail(text: str, lines: int = 25) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def first_error(stderr: str, width: int = 300) -> str:
    """The start of a failed run's error: its first line that is not a warning or a `--stats`
    line, cut at `width`."""
    for line in stderr.splitlines():
        line = line.strip()
        if line and not line.startswith(("WARN", "warning:", "stats:")):
            # Reports start with a header line ("error: no solution found:"): keep the next one too.
            if line.rstrip(":").endswith(("no solution found", "No solution found when resolving dependencies")):
                continue
            # Any URL (a file's host is not the index's, so `redact` would miss it) is named `<url>`.
            line = re.sub(r"https?://[^\s`'\")]+", "<url>", line)
            return line if len(line) <= width else line[:width] + " …"
    return "(no message)"


# --------------------------------------------------------------------------- the benchmark


@dataclass
class Sample:
    """One measured run."""

    round: int
    first: bool  # this tool went first in its round
    seconds: float
    total: int | None  # bytes through the proxy, both directions
    down: int | None  # bytes through the proxy towards the tool
    rss_kb: int
    connects: int | None = None
    tw_requests: int | None = None  # tailwheel's own `--stats` counters
    tw_bytes: int | None = None
    tw_decisions: int | None = None
    tw_speculative_used: int | None = None  # `--stats`: speculative fetches the solver used
    tw_speculative_unused: int | None = None  # and those it never asked for


@dataclass
class Count:
    """One untimed run through the counting proxy: what a tool moved (never how long it took)."""

    total: int
    down: int
    connects: int
    tw_requests: int | None = None
    tw_decisions: int | None = None
    uv_selections: int | None = None  # `Selecting:` lines of `uv -v`
    uv_tried: int | None = None  # uv's "Tried N versions"


@dataclass
class SetResult:
    name: str
    origin: str = "corpus"  # or "bench/sets"
    samples: dict[str, list[Sample]] = field(default_factory=dict)  # key "mode/tool"
    counts: dict[str, Count] = field(default_factory=dict)  # key "mode/tool": the untimed counting run
    pins: dict[str, dict[str, str]] = field(default_factory=dict)  # key "mode/tool", first success
    pin_drift: list[str] = field(default_factory=list)  # pins that changed between runs of one tool
    errors: list[str] = field(default_factory=list)
    entry: str = ""  # the entry file, relative to the repository (realworld sets)
    # Failed cold runs: tool -> (seconds, first lines of the error without WARN lines).
    failures: dict[str, tuple[float, str]] = field(default_factory=dict)
    # The untimed uv log run (cold): requests sent and `Selecting:` lines (decisions).
    uv_log_requests: int | None = None
    uv_log_decisions: int | None = None
    valid: str = "n/a"
    valid_diff: list[str] = field(default_factory=list)
    valid_error: str | None = None

    def of(self, mode: str, tool: str) -> list[Sample]:
        return self.samples.get(f"{mode}/{tool}", [])

    @property
    def uv_pins(self) -> dict[str, str] | None:
        return self.pins.get("cold/uv")

    @property
    def tw_pins(self) -> dict[str, str] | None:
        return self.pins.get("cold/tailwheel")

    @property
    def uv_times(self) -> list[float]:
        return [s.seconds for s in self.of("cold", "uv")]

    @property
    def tw_times(self) -> list[float]:
        return [s.seconds for s in self.of("cold", "tailwheel")]

    @property
    def match(self) -> str:
        if self.uv_pins is None or self.tw_pins is None:
            return "n/a"
        return "yes" if self.uv_pins == self.tw_pins else "no"

    @property
    def diff(self) -> list[str]:
        if self.uv_pins is None or self.tw_pins is None:
            return []
        return diff_pins(self.uv_pins, self.tw_pins, "uv", "tailwheel")

    def warm_same(self) -> str:
        """Whether each tool's warm pins equal its cold pins."""
        verdicts = []
        for tool in TOOLS:
            cold, warm = self.pins.get(f"cold/{tool}"), self.pins.get(f"warm/{tool}")
            if cold is None or warm is None:
                continue
            verdicts.append(cold == warm)
        if not verdicts:
            return "n/a"
        return "yes" if all(verdicts) else "no"


class Bench:
    def __init__(self, args: argparse.Namespace, uv: str, index: str) -> None:
        self.args = args
        self.uv = uv
        self.index = index
        self.work = Path(args.work_dir)
        self.proxy: ProxyProcess | None = None  # counts bytes in separate, untimed runs
        self.shaper: ShapeProcess | None = None  # `--network shaped`: every timed run goes through it
        self.pip_compile: str | None = None
        self.env = dict(os.environ)
        # Neither tool should pick up a stray cache or setting from the caller.
        for key in list(self.env):
            if key in ("UV_CACHE_DIR", "UV_NO_CACHE", "UV_OFFLINE", "PIP_TOOLS_CACHE_DIR", "PIP_CACHE_DIR"):
                del self.env[key]
            elif key.startswith("TAILWHEEL_") or key.lower() in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
                del self.env[key]
        self.env["UV_PYTHON_DOWNLOADS"] = "never"
        # Set names by entry file, for sets whose file names say nothing (`--realworld`).
        self.names: dict[Path, str] = {}
        # `--python` resolves for a real interpreter (which tailwheel needs to build an sdist);
        # otherwise the cross target, for which tailwheel refuses builds.
        if args.python:
            self.target = ["--python", args.python, "--exclude-newer", args.exclude_newer]
        elif args.universal:
            # One lock for every platform, from --python-version up (issue 17).
            self.target = ["--universal", "--python-version", args.python_version, "--exclude-newer", args.exclude_newer]
        else:
            self.target = [
                "--python-version",
                args.python_version,
                "--python-platform",
                args.python_platform,
                "--exclude-newer",
                args.exclude_newer,
            ]

    # ------------------------------------------------------------------ command lines

    @staticmethod
    def set_flags(requirements: Path) -> list[str]:
        """Per-set flags given to both tools: every optional dependency of a pyproject.toml."""
        return ["--all-extras"] if requirements.name == "pyproject.toml" else []

    def uv_cmd(self, requirements: Path, output: Path, cache: Path, extra: list[str] = ()) -> list[str]:
        return [
            self.uv, "pip", "compile", str(requirements), *self.set_flags(requirements), *extra, *self.target,
            "--index-url", self.index,
            "--no-header", "--no-annotate",
            "--cache-dir", str(cache),
            "-o", str(output),
        ]  # fmt: skip

    def tailwheel_cmd(self, requirements: Path, output: Path, cache: Path) -> list[str]:
        cmd = [
            self.args.tailwheel, "resolve", str(requirements), *self.set_flags(requirements), *self.target,
            "--no-header", "--no-annotate", "--no-progress", "--stats",
            "--cache-dir", str(cache), "-o", str(output),
        ]  # fmt: skip
        if getattr(self.args, "tailwheel_index", True):
            cmd += ["--index-url", self.index]
        return cmd

    def pip_compile_cmd(self, requirements: Path, output: Path, cache: Path) -> list[str]:
        cmd = [
            self.pip_compile, str(requirements),
            "--index-url", self.index,
            "--no-header", "--no-annotate", "--no-emit-index-url", "--no-emit-find-links",
            "--cache-dir", str(cache / "pip-tools"),
            "-o", str(output),
        ]  # fmt: skip
        if getattr(self.args, "pip_compile_cutoff", False):
            cmd += ["--uploaded-prior-to", self.args.exclude_newer]
        return cmd

    def uv_compile(self, requirements: Path, output: Path, cache: Path, extra: list[str] = ()) -> Run:
        return run(self.uv_cmd(requirements, output, cache, list(extra)), self.args.timeout, env=self.env)

    def tailwheel(self, requirements: Path, output: Path, cache: Path) -> Run:
        return run(self.tailwheel_cmd(requirements, output, cache), self.args.timeout, env=self.env)

    # ------------------------------------------------------------------ one measured run

    def measure(
        self, result: SetResult, tool: str, mode: str, rnd: int, first: bool, requirements: Path, cache: Path, tmp: Path
    ) -> bool:
        # A fresh output path every run: tailwheel and pip-compile keep the pins of an existing output.
        out = tmp / f"{tool}-{mode}.txt"
        env = self.env
        if tool == "uv":
            cmd = self.uv_cmd(requirements, out, cache)
        elif tool == "tailwheel":
            cmd = self.tailwheel_cmd(requirements, out, cache)
        else:
            cmd = self.pip_compile_cmd(requirements, out, cache)
            env = dict(self.env, PIP_CACHE_DIR=str(cache / "pip"))
        before = self.shaper.stats()["connects"] if self.shaper else 0
        timed_env = self.shaper.env(env) if self.shaper else env
        r = run_measured(cmd, self.args.timeout, timed_env, None, cwd=tmp)
        keep = self.work / result.name
        suffix = "" if mode == "cold" else "-warm"
        (keep / f"{tool}{suffix}.stderr").write_text(r.stderr)
        label = f"{mode:4} {tool:11}"
        if r.returncode != 0 or not out.exists():
            result.errors.append(f"{mode} {tool} round {rnd + 1}: exit {r.returncode}: {tail(r.stderr, 3)}")
            if mode == "cold":
                result.failures.setdefault(tool, (r.seconds, first_error(r.stderr)))
            print(f"    {label} FAILED ({r.seconds:.2f}s, exit {r.returncode})\n{indent(tail(r.stderr))}")
            return False
        shutil.copy(out, keep / f"{tool}{suffix}.txt")
        pins = parse_pins(out.read_text())
        key = f"{mode}/{tool}"
        reference = result.pins.get(f"cold/{tool}")
        if reference is not None and pins != reference:
            drift = diff_pins(reference, pins, "cold round 1", f"{mode} round {rnd + 1}")
            result.pin_drift.append(f"{tool} {mode} round {rnd + 1}: " + "; ".join(drift))
            print(f"    WARNING: {tool}'s {mode} pins differ from its first cold run:\n{indent(chr(10).join(drift))}")
        result.pins.setdefault(key, pins)
        tunnels = self.shaper.stats()["connects"] - before if self.shaper else None
        sample = Sample(rnd, first, r.seconds, None, None, r.rss_kb or 0, tunnels)
        stats = STATS.search(r.stderr) if tool == "tailwheel" else None
        if stats:
            sample.tw_requests, sample.tw_bytes = int(stats.group(1)), int(stats.group(2))
            decisions = TW_DECISIONS.search(r.stderr)
            sample.tw_decisions = int(decisions.group(1)) if decisions else None
            speculative = TW_SPECULATIVE.search(r.stderr)
            if speculative:
                sample.tw_speculative_used = int(speculative.group(1))
                sample.tw_speculative_unused = int(speculative.group(2))
        result.samples.setdefault(key, []).append(sample)
        through = f"  {tunnels} shaped tunnels" if tunnels is not None else ""
        extra = f"  [--stats: {stats.group(1)} requests, {int(stats.group(2)) / 1e6:.2f} MB]" if stats else ""
        print(f"    {label} {r.seconds:7.2f}s{through}  RSS {r.rss_kb / 1024:6.1f} MB  {len(pins)} pins{extra}")
        if self.shaper and mode == "cold" and not tunnels:
            print(f"    WARNING: {tool} opened no tunnel through the shaping proxy on a cold run: it ignores HTTPS_PROXY?")
        return True

    def count(self, result: SetResult, tool: str, mode: str, requirements: Path, cache: Path, tmp: Path) -> None:
        """One untimed run through the counting proxy: bytes (and uv's `-v` decisions), never a time."""
        out = tmp / f"{tool}-{mode}-count.txt"
        env = self.env
        if tool == "uv":
            cmd = self.uv_cmd(requirements, out, cache, ["-v"])
        elif tool == "tailwheel":
            cmd = self.tailwheel_cmd(requirements, out, cache)
        else:
            cmd = self.pip_compile_cmd(requirements, out, cache)
            env = dict(self.env, PIP_CACHE_DIR=str(cache / "pip"))
        r = run_measured(cmd, self.args.timeout, env, self.proxy, cwd=tmp)
        label = f"{mode:4} {tool:11}"
        if r.returncode != 0 or not out.exists():
            result.errors.append(f"counting run, {mode} {tool}: exit {r.returncode}: {tail(r.stderr, 3)}")
            print(f"    {label} counting run FAILED (exit {r.returncode})\n{indent(tail(r.stderr))}")
            return
        pins = parse_pins(out.read_text())
        reference = result.pins.get(f"cold/{tool}")
        if reference is not None and pins != reference:
            drift = diff_pins(reference, pins, "cold round 1", f"{mode} counting run")
            result.pin_drift.append(f"{tool} {mode} counting run: " + "; ".join(drift))
        c = Count(r.total or 0, r.down or 0, r.connects or 0)
        stats = STATS.search(r.stderr) if tool == "tailwheel" else None
        if stats:
            c.tw_requests = int(stats.group(1))
            decisions = TW_DECISIONS.search(r.stderr)
            c.tw_decisions = int(decisions.group(1)) if decisions else None
        if tool == "uv":
            c.uv_selections = len(UV_SELECTING.findall(r.stderr))
            tried = UV_TRIED.search(r.stderr)
            c.uv_tried = int(tried.group(1)) if tried else None
        result.counts[f"{mode}/{tool}"] = c
        extra = f", {c.tw_requests} requests" if c.tw_requests is not None else ""
        if c.uv_selections is not None:
            extra += f", {c.uv_selections} decisions (`Selecting:`)"
        print(f"    {label} counted: {c.total / 1e6:8.2f} MB ({c.down / 1e6:.2f} down, {c.connects} tunnels){extra}")
        if r.refused:
            print(f"    WARNING: {r.refused} non-CONNECT request(s) reached the proxy during this run")
        if mode == "cold" and not r.connects:
            print(f"    WARNING: {tool} opened no tunnel through HTTPS_PROXY on a cold run: it ignores the proxy?")

    def uv_log_run(self, result: SetResult, requirements: Path, tmp: Path) -> None:
        """One untimed cold uv run with its request and decision logs on (they slow it): the
        *requests* and *decisions* uv does not report otherwise. Never timed, never proxied."""
        out = tmp / "uv-log.txt"
        env = dict(self.env, RUST_LOG=UV_LOG_FILTER)
        r = run(self.uv_cmd(requirements, out, tmp / "uv-log-cache"), self.args.timeout, env=env)
        if r.returncode != 0 or not out.exists():
            result.errors.append(f"uv log run: exit {r.returncode}: {tail(r.stderr, 3)}")
            print(f"    uv log run FAILED (exit {r.returncode})")
            return
        pins = parse_pins(out.read_text())
        reference = result.pins.get("cold/uv")
        if reference is not None and pins != reference:
            drift = diff_pins(reference, pins, "cold round 1", "log run")
            result.pin_drift.append("uv log run: " + "; ".join(drift))
        result.uv_log_requests = len(UV_REQUEST.findall(r.stderr))
        result.uv_log_decisions = len(UV_SELECTING.findall(r.stderr))
        print(
            f"    cold uv          log run (untimed, RUST_LOG={UV_LOG_FILTER}): "
            f"{result.uv_log_requests} requests, {result.uv_log_decisions} decisions (`Selecting:`)"
        )

    # ------------------------------------------------------------------ checks

    def validity(self, result: SetResult, requirements: Path, cache: Path) -> None:
        """`uv pip compile SET -c OUR_OUTPUT` must reproduce exactly our pins."""
        keep = self.work / result.name
        ours = keep / "tailwheel.txt"
        if result.tw_pins is None or not ours.exists():
            result.valid = "FAIL"
            result.valid_error = "tailwheel produced no output"
            return
        out = keep / "uv-constrained.txt"
        r = self.uv_compile(requirements, out, cache, extra=["-c", str(ours)])
        (keep / "uv-constrained.stderr").write_text(r.stderr)
        if r.returncode != 0:
            result.valid = "FAIL"
            result.valid_error = f"uv rejected tailwheel's pins (exit {r.returncode}): {tail(r.stderr)}"
            return
        pins = parse_pins(out.read_text())
        result.valid_diff = diff_pins(result.tw_pins, pins, "tailwheel", "uv -c")
        result.valid = "PASS" if not result.valid_diff else "FAIL"

    def bench_set(self, requirements: Path, position: int, validity_cache: Path, origin: str) -> SetResult:
        name = self.names.get(requirements, requirements.stem)
        result = SetResult(name, origin)
        if requirements.is_relative_to(REPO):
            result.entry = str(requirements.relative_to(REPO))
        keep = self.work / name
        keep.mkdir(parents=True, exist_ok=True)
        with_pip_compile = self.pip_compile is not None and name == self.args.pip_compile_set
        print(f"\n== {name}: {requirements.name} ({origin})")
        for rnd in range(self.args.rounds):
            # Alternate per round, and per set so that one round still alternates across sets.
            uv_first = (rnd + position) % 2 == 0
            order = ("uv", "tailwheel") if uv_first else ("tailwheel", "uv")
            print(f"  round {rnd + 1}/{self.args.rounds}: {order[0]} first")
            with tempfile.TemporaryDirectory(prefix="tw-bench-round-") as tmp_name:
                tmp = Path(tmp_name)
                caches = {tool: tmp / f"{tool}-cache" for tool in (*TOOLS, "pip-compile")}
                cold_ok = {}
                for tool in order:
                    cold_ok[tool] = self.measure(result, tool, "cold", rnd, tool == order[0], requirements, caches[tool], tmp)
                if "warm" in self.args.modes:
                    for tool in order:
                        if cold_ok[tool]:
                            self.measure(result, tool, "warm", rnd, tool == order[0], requirements, caches[tool], tmp)
                if with_pip_compile:
                    self.measure(result, "pip-compile", "cold", rnd, False, requirements, caches["pip-compile"], tmp)
        if self.proxy:
            # Bytes: one more cold run per tool (and warm on its cache), through the counting proxy, untimed.
            order = ("uv", "tailwheel") if position % 2 == 0 else ("tailwheel", "uv")
            tools = (*order, "pip-compile") if with_pip_compile else order
            print(f"  counting run (untimed, through count_proxy.py): {order[0]} first")
            with tempfile.TemporaryDirectory(prefix="tw-bench-count-") as tmp_name:
                tmp = Path(tmp_name)
                for tool in tools:
                    self.count(result, tool, "cold", requirements, tmp / f"{tool}-cache", tmp)
                if "warm" in self.args.modes:
                    for tool in order:
                        if f"cold/{tool}" in result.counts:
                            self.count(result, tool, "warm", requirements, tmp / f"{tool}-cache", tmp)
        if not self.args.no_uv_log and not self.args.realworld and "cold" in self.args.modes:
            with tempfile.TemporaryDirectory(prefix="tw-bench-uvlog-") as tmp_name:
                self.uv_log_run(result, requirements, Path(tmp_name))
        if not self.args.no_validity:
            self.validity(result, requirements, validity_cache)
        print(f"  match with uv: {result.match}; warm pins = cold pins: {result.warm_same()}")
        for line in result.diff:
            print(f"    {line}")
        print(f"  validity (uv pip compile -c tailwheel's output): {result.valid}")
        if result.valid_error:
            print(indent(result.valid_error))
        for line in result.valid_diff:
            print(f"    {line}")
        return result

    def unsat(self, requirements: Path) -> tuple[str, str]:
        """tailwheel must exit 1 naming both `requests` and `urllib3`."""
        print(f"\n== {requirements.name} (must fail)")
        keep = self.work / requirements.stem
        keep.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="tw-bench-unsat-") as tmp:
            r = self.tailwheel(requirements, Path(tmp) / "out.txt", Path(tmp) / "cache")
            wrote = (Path(tmp) / "out.txt").exists()
        (keep / "tailwheel.stderr").write_text(r.stderr)
        report = r.stderr
        problems = []
        if r.returncode != 1:
            problems.append(f"exit code {r.returncode}, expected 1")
        for word in ("requests", "urllib3"):
            if word not in report:
                problems.append(f"report does not name `{word}`")
        if wrote:
            problems.append("an output file was written")
        verdict = "PASS" if not problems else "FAIL: " + "; ".join(problems)
        print(f"  tailwheel exit {r.returncode} in {r.seconds:.2f}s; report:")
        print(indent(report.strip() or "(empty stderr)"))
        print(f"  unsat check: {verdict}")
        return verdict, report.strip()


# --------------------------------------------------------------------------- report


def redact(text: str, index: str) -> str:
    """Keep the index's address out of what is written down: name it `<index>`."""
    host = urllib.parse.urlsplit(index).hostname
    text = text.replace(index.rstrip("/"), "<index>")
    return text.replace(host, "<index-host>") if host else text


def indent(text: str, prefix: str = "      ") -> str:
    return "\n".join(prefix + line for line in text.splitlines())


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def fmt_seconds(value: float | None) -> str:
    return f"{value:.2f}" if value is not None else "—"


def fmt_mb(value: float | None) -> str:
    return f"{value / 1e6:.2f}" if value is not None else "—"


def fmt_ratio(num: float | None, den: float | None) -> str:
    if num is None or den is None:
        return "—"
    if den == 0:
        return "—" if num == 0 else "∞"
    return f"{num / den:.2f}"


def geomean(values: list[float]) -> float | None:
    if not values:
        return None
    if any(v == 0 for v in values):
        return 0.0
    return math.exp(sum(math.log(v) for v in values) / len(values))


@dataclass
class Medians:
    seconds: float | None
    total: float | None
    down: float | None
    rss_kb: float | None


def medians(samples: list[Sample]) -> Medians:
    def med(values: list) -> float | None:
        values = [v for v in values if v is not None]
        return statistics.median(values) if values else None

    return Medians(
        med([s.seconds for s in samples]),
        med([s.total for s in samples]),
        med([s.down for s in samples]),
        med([s.rss_kb for s in samples]),
    )


def label(r: SetResult) -> str:
    return r.name if r.origin == "corpus" else f"{r.name} †"


def realworld_table(results: list[SetResult]) -> str:
    """One row per realworld set: what each tool did (cold, first round), the pins, tailwheel's failure."""
    rows = [
        "| set | uv | tw | uv s | tw s | pins uv / tw | equal | uv -c ours | tailwheel's error (first line) |",
        "| --- | :---: | :---: | ---: | ---: | ---: | :---: | :---: | --- |",
    ]

    def seconds(r: SetResult, tool: str) -> str:
        done = r.of("cold", tool)
        if done:
            return f"{done[0].seconds:.2f}"
        return f"{r.failures[tool][0]:.2f}" if tool in r.failures else "—"

    for r in results:
        uv_ok, tw_ok = r.uv_pins is not None, r.tw_pins is not None
        pins = f"{len(r.uv_pins) if uv_ok else '—'} / {len(r.tw_pins) if tw_ok else '—'}"
        error = r.failures.get("tailwheel", (0.0, ""))[1].replace("|", "\\|")
        rows.append(
            f"| {r.name} | {'ok' if uv_ok else 'FAIL'} | {'ok' if tw_ok else 'FAIL'} | {seconds(r, 'uv')} "
            f"| {seconds(r, 'tailwheel')} | {pins} | {r.match} | {r.valid if tw_ok else 'n/a'} | {error} |"
        )
    lines = ["\n".join(rows), ""]
    for r in results:
        if "uv" in r.failures:
            lines.append(f"- **{r.name}**: uv failed: {r.failures['uv'][1]}")
    return "\n".join(lines)


def correctness_table(results: list[SetResult]) -> str:
    rows = [
        "| set | pins uv | pins tw | match | warm = cold | valid (uv -c) |",
        "| --- | ---: | ---: | :---: | :---: | :---: |",
    ]
    for r in results:
        uv_pins = str(len(r.uv_pins)) if r.uv_pins is not None else "fail"
        tw_pins = str(len(r.tw_pins)) if r.tw_pins is not None else "fail"
        rows.append(f"| {label(r)} | {uv_pins} | {tw_pins} | {r.match} | {r.warm_same()} | {r.valid} |")
    return "\n".join(rows)


def counted(r: SetResult, mode: str, tool: str) -> tuple[float | None, float | None]:
    """Bytes (both ways, towards the tool) of the set's untimed counting run, if there was one."""
    c = r.counts.get(f"{mode}/{tool}")
    return (c.total, c.down) if c else (None, None)


def fmt_int(value: float | None) -> str:
    return f"{value:.0f}" if value is not None else "—"


def mode_table(results: list[SetResult], mode: str) -> str:
    """Times and RSS: medians of the timed runs; bytes: the counting run; requests: tailwheel's `--stats`."""
    rows = [
        "| set | uv s | tw s | tw/uv | uv MB | tw MB | bytes tw/uv | uv RSS MB | tw RSS MB | uv down MB | tw down MB "
        "| requests uv / tw | requests tw/uv | decisions uv / tw | tw speculative used / unused |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        uv, tw = medians(r.of(mode, "uv")), medians(r.of(mode, "tailwheel"))
        (uv_total, uv_down), (tw_total, tw_down) = counted(r, mode, "uv"), counted(r, mode, "tailwheel")
        rss = lambda kb: f"{kb / 1024:.0f}" if kb is not None else "—"  # noqa: E731
        requests = [s.tw_requests for s in r.of(mode, "tailwheel") if s.tw_requests is not None]
        uv_count, tw_count = r.counts.get(f"{mode}/uv"), r.counts.get(f"{mode}/tailwheel")
        tw_decisions = [s.tw_decisions for s in r.of(mode, "tailwheel") if s.tw_decisions is not None]
        # uv: its cold log run (the counting run's `-v` when there is none); tailwheel: `--stats`.
        uv_decisions = r.uv_log_decisions if mode == "cold" and r.uv_log_decisions is not None else None
        if uv_decisions is None and uv_count:
            uv_decisions = uv_count.uv_selections
        uv_requests = r.uv_log_requests if mode == "cold" else None
        tw_requests = statistics.median(requests) if requests else None
        decisions = (
            f"{fmt_int(uv_decisions)} / "
            f"{fmt_int(statistics.median(tw_decisions) if tw_decisions else (tw_count.tw_decisions if tw_count else None))}"
        )
        rows.append(
            f"| {label(r)} | {fmt_seconds(uv.seconds)} | {fmt_seconds(tw.seconds)} | {fmt_ratio(tw.seconds, uv.seconds)} "
            f"| {fmt_mb(uv_total)} | {fmt_mb(tw_total)} | {fmt_ratio(tw_total, uv_total)} "
            f"| {rss(uv.rss_kb)} | {rss(tw.rss_kb)} | {fmt_mb(uv_down)} | {fmt_mb(tw_down)} "
            f"| {fmt_int(uv_requests)} / {fmt_int(tw_requests)} | {fmt_ratio(tw_requests, uv_requests)} | {decisions} "
            f"| {speculative_cell(r.of(mode, 'tailwheel'))} |"
        )
    return "\n".join(rows)


def speculative_cell(samples: list[Sample]) -> str:
    """tailwheel's speculative fetches used / unused (`--stats`), medians of the timed runs."""
    used = [s.tw_speculative_used for s in samples if s.tw_speculative_used is not None]
    unused = [s.tw_speculative_unused for s in samples if s.tw_speculative_unused is not None]
    if not used:
        return "—"
    return f"{fmt_int(statistics.median(used))} / {fmt_int(statistics.median(unused))}"


def summary(results: list[SetResult], mode: str, scope: str) -> list[str]:
    """Geometric means of the per-set ratios of medians, worst set, RSS."""
    time_ratios, byte_ratios, rss_ratios = [], [], []
    uv_bytes = tw_bytes = 0.0
    for r in results:
        uv, tw = medians(r.of(mode, "uv")), medians(r.of(mode, "tailwheel"))
        (uv_total, _), (tw_total, _) = counted(r, mode, "uv"), counted(r, mode, "tailwheel")
        if uv.seconds and tw.seconds is not None:
            time_ratios.append((tw.seconds / uv.seconds, r.name))
        if uv_total and tw_total is not None:
            byte_ratios.append((tw_total / uv_total, r.name))
            uv_bytes += uv_total
            tw_bytes += tw_total
        if uv.rss_kb and tw.rss_kb is not None:
            rss_ratios.append((tw.rss_kb / uv.rss_kb, r.name))
    if not time_ratios:
        return [f"- **{mode}, {scope}**: no set measured by both tools"]
    gm_time = geomean([v for v, _ in time_ratios])
    worst, worst_set = max(time_ratios)
    parts = [f"time tw/uv geometric mean **{gm_time:.2f}**"]
    target = TARGETS.get(mode, {})

    def versus(value: float, limit: float | None) -> str:
        if limit is None:
            return ""
        return f" (issue 8 target ≤ {limit}: {'met' if value <= limit else 'NOT met'})"

    parts[0] += versus(gm_time, target.get("time"))
    if byte_ratios:
        gm_bytes = geomean([v for v, _ in byte_ratios])
        zeros = sum(1 for v, _ in byte_ratios if v == 0)
        text = f"bytes tw/uv geometric mean **{gm_bytes:.2f}**" + versus(gm_bytes, target.get("bytes"))
        if zeros:
            text += f" ({zeros} set(s) with 0 bytes for tailwheel)"
        text += f", total {tw_bytes / 1e6:.1f} MB vs {uv_bytes / 1e6:.1f} MB"
        parts.append(text)
    parts.append(f"worst time ratio {worst:.2f} ({worst_set})" + versus(worst, TARGETS["worst"]))
    request_ratios = []
    for r in results:
        tw_requests = [s.tw_requests for s in r.of(mode, "tailwheel") if s.tw_requests is not None]
        if mode == "cold" and r.uv_log_requests and tw_requests:
            request_ratios.append((statistics.median(tw_requests) / r.uv_log_requests, r.name))
    if request_ratios:
        worst_requests, worst_requests_set = max(request_ratios)
        over = [name for v, name in request_ratios if v > 1.2]
        parts.append(
            f"requests tw/uv geometric mean {geomean([v for v, _ in request_ratios]):.2f}, highest "
            f"{worst_requests:.2f} ({worst_requests_set}); above issue 15's 1.2: {', '.join(over) if over else 'none'}"
        )
    if rss_ratios:
        worst_rss, worst_rss_set = max(rss_ratios)
        parts.append(f"highest RSS ratio {worst_rss:.2f} ({worst_rss_set})" + versus(worst_rss, TARGETS["rss"]))
    return [f"- **{mode}, {scope} ({len(time_ratios)} sets)**: " + "; ".join(parts)]


def pip_compile_table(result: SetResult, pip_compile_version: str, cutoff: bool, python: str) -> list[str]:
    rows = [
        f"## pip-compile anchor: {result.name}, cold",
        "",
        "| tool | s (median) | MB | down MB | RSS MB | pins | runs |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for tool in ("uv", "tailwheel", "pip-compile"):
        samples = result.of("cold", tool)
        m = medians(samples)
        total, down = counted(result, "cold", tool)
        pins = result.pins.get(f"cold/{tool}")
        rss = f"{m.rss_kb / 1024:.0f}" if m.rss_kb is not None else "—"
        rows.append(
            f"| {tool} | {fmt_seconds(m.seconds)} | {fmt_mb(total)} | {fmt_mb(down)} | {rss} "
            f"| {len(pins) if pins is not None else 'fail'} | {len(samples)} |"
        )
    pc_pins, uv_pins = result.pins.get("cold/pip-compile"), result.uv_pins
    rows += [
        "",
        f"pip-compile ({pip_compile_version}) resolves for the interpreter it runs under ({python} "
        "on this machine's own platform), not for `--python-version`/"
        "`--python-platform`; "
        + (
            "it is given the same cut-off with `--uploaded-prior-to`."
            if cutoff
            else "it has no cut-off (`--uploaded-prior-to` needs pip ≥ 26 in its environment), so it may see newer files."
        )
        ,
    ]
    if pc_pins is not None and uv_pins is not None:
        diff = diff_pins(uv_pins, pc_pins, "uv", "pip-compile")
        rows.append("")
        rows.append(
            "pip-compile's pins equal uv's." if not diff else "pip-compile vs uv: " + "; ".join(f"`{d}`" for d in diff)
        )
    return rows


def version_of(cmd: list[str]) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        return (out.stdout or out.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "unknown"


def git_head() -> tuple[str, int] | str:
    """HEAD at run time (read-only git), and whether the binary predates it."""
    try:
        out = subprocess.run(
            ["git", "-C", str(REPO), "log", "-1", "--format=%h %ct"], capture_output=True, text=True, timeout=10
        )
    except OSError:
        return "unknown"
    if not out.stdout.strip():
        return "unknown"
    head, committed = out.stdout.split()
    return head, int(committed)


def build_note(binary: str) -> str:
    """Which commit the binary probably is: HEAD, unless HEAD was committed after the build."""
    head = git_head()
    if head == "unknown":
        return "commit unknown"
    commit, committed = head
    built = Path(binary).stat().st_mtime
    stamp = datetime.fromtimestamp(built, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    if committed > built:
        # Commits after the build that touch no Rust or Cargo file (bench scripts, docs) do not
        # change the binary: name the newest commit that does.
        try:
            code = subprocess.run(
                ["git", "-C", str(REPO), "log", "-1", "--format=%h %ct", "--", "src", "crates", "Cargo.toml", "Cargo.lock"],
                capture_output=True,
                text=True,
                timeout=10,
            ).stdout.split()
        except OSError:
            code = []
        if len(code) == 2 and int(code[1]) <= built:
            return f"HEAD {commit}, binary built {stamp} after {code[0]}, the last commit touching Rust/Cargo files"
        return f"binary built {stamp}, BEFORE HEAD {commit} was committed: rebuild to measure HEAD"
    return f"HEAD {commit}, binary built {stamp}"


def dirty_note() -> str:
    try:
        out = subprocess.run(
            ["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no", "--", "src", "crates", "Cargo.toml", "Cargo.lock"],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except OSError:
        return ""
    changed = len(out.stdout.splitlines())
    return f" (work tree had {changed} modified Rust/Cargo file(s) at run time)" if changed else ""


def machine() -> list[str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split("MemTotal:")[1].split()[0])
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, IndexError, ValueError):
        pass
    return [
        f"- machine: `nproc` {os.cpu_count()}, CPU {cpu}{mem}, kernel `{platform.release()}` ({platform.system()})",
        f"- Python: driver {platform.python_version()}, `python3` on PATH "
        + version_of([shutil.which("python3") or "python3", "--version"]).replace("Python ", ""),
    ]


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


# --------------------------------------------------------------------------- main


def realworld_sets(args: argparse.Namespace) -> list[tuple[Path, str, str]]:
    """The sets of `bench/sets/realworld/sets.txt`: (entry file, origin, name), filtered by `--sets` names."""
    sets = []
    for line in (REALWORLD / "sets.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, entry = line.split()
        if not args.sets or name in args.sets:
            sets.append(((REALWORLD / entry).resolve(), "realworld", name))
    unknown = set(args.sets or ()) - {name for _, _, name in sets}
    if unknown:
        sys.exit(f"no realworld set named {', '.join(sorted(unknown))} in {REALWORLD / 'sets.txt'}")
    return sets


def select_sets(args: argparse.Namespace) -> list[tuple[Path, str]]:
    corpus = Path(args.corpus)
    found = [(p, "corpus") for p in sorted(corpus.glob("*.in"))]
    if not args.no_extra_sets:
        found += [(p, "bench/sets") for p in sorted(Path(args.extra_sets).glob("*.in"))]
    if not args.sets:
        return found
    chosen = []
    for wanted in args.sets:
        path = Path(wanted)
        if path.suffix == ".in" and path.is_file():
            chosen.append((path.resolve(), "bench/sets" if path.resolve().parent != corpus.resolve() else "corpus"))
            continue
        hits = [(p, o) for p, o in found if p.stem == wanted or p.name == wanted]
        if not hits:
            sys.exit(f"no set named {wanted!r} in {corpus} or {args.extra_sets}")
        chosen += hits
    return chosen


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS), help="directory of *.in sets (default: %(default)s)")
    parser.add_argument(
        "--extra-sets", default=str(DEFAULT_EXTRA_SETS), help="more *.in sets, run after the corpus (default: %(default)s)"
    )
    parser.add_argument("--no-extra-sets", action="store_true", help="only the corpus")
    parser.add_argument(
        "--rounds", "--runs", dest="rounds", type=int, help="rounds per set (default: 3; 1 with --realworld)"
    )
    parser.add_argument(
        "--realworld",
        action="store_true",
        help="run the public projects' inputs of bench/sets/realworld/sets.txt instead (`--sets` takes their names; "
        "pyproject.toml gets --all-extras): cold only, 1 round, no pip-compile, unless told otherwise; writes "
        "realworld-DATE.md and realworld-latest.md",
    )
    parser.add_argument(
        "--sets", nargs="*", help="only these sets: stems (fastapi, large) or paths to *.in files (default: all)"
    )
    parser.add_argument(
        "--modes",
        nargs="+",
        choices=MODES,
        help="what to measure (default: cold warm, cold with --realworld; a cold run always precedes a warm one)",
    )
    parser.add_argument("--uv", help=f"uv binary (default: {DEFAULT_VENV}/bin/uv, else uv on PATH)")
    parser.add_argument("--tailwheel", default=str(DEFAULT_TAILWHEEL), help="tailwheel binary (default: %(default)s)")
    parser.add_argument(
        "--pip-compile", help=f"pip-compile binary (default: {DEFAULT_VENV}/bin/pip-compile, else on PATH)"
    )
    parser.add_argument(
        "--pip-compile-set", default="flask-mixed", help="the set pip-compile resolves (default: %(default)s)"
    )
    parser.add_argument("--no-pip-compile", action="store_true", help="skip the pip-compile anchor")
    parser.add_argument("--index-url", help="index for all tools (default: discovered through pip)")
    parser.add_argument(
        "--tailwheel-discovers-index",
        dest="tailwheel_index",
        action="store_false",
        help="do not pass `--index-url` to tailwheel: it asks `python3`'s pip itself, which costs an interpreter "
        "start-up per run (default: every tool is given the index)",
    )
    parser.add_argument("--tailwheel-index", dest="tailwheel_index", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--no-proxy",
        "--no-count",
        dest="no_proxy",
        action="store_true",
        help="no counting runs through count_proxy.py (no bytes; the timed runs never go through it)",
    )
    parser.add_argument(
        "--network",
        choices=NETWORKS,
        default="quick",
        help="quick: timed runs reach the index directly; shaped: through shape_proxy.py (round-trip time, a "
        "bandwidth cap shared by all connections, jitter) for both tools (default: %(default)s)",
    )
    parser.add_argument("--shape-delay-ms", type=float, default=75.0, help="shaped: one-way delay per chunk (default: %(default)s)")
    parser.add_argument("--shape-rate-mbit", type=float, default=20.0, help="shaped: link rate per direction (default: %(default)s)")
    parser.add_argument("--shape-jitter-ms", type=float, default=30.0, help="shaped: ± jitter per chunk (default: %(default)s)")
    parser.add_argument("--python-version", default="3.11")
    parser.add_argument("--python-platform", default="x86_64-manylinux_2_28")
    parser.add_argument(
        "--python",
        help="resolve for this interpreter instead of --python-version/--python-platform (both tools get "
        "`--python PATH`; lets tailwheel build sdists, which it refuses for a cross target)",
    )
    parser.add_argument(
        "--universal",
        action="store_true",
        help="both tools make one universal lock from --python-version up (no --python-platform); "
        "check the locks per environment with bench/universal_check.py",
    )
    parser.add_argument("--exclude-newer", default="2026-10-01T00:00:00Z")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per command (default: %(default)s)")
    parser.add_argument("--no-validity", action="store_true", help="skip the `uv pip compile -c` check")
    parser.add_argument(
        "--no-uv-log",
        action="store_true",
        help="skip the untimed cold uv run with request/decision logging (the uv requests column)",
    )
    parser.add_argument(
        "--work-dir",
        default=str(Path(tempfile.gettempdir()) / "tailwheel-bench"),
        help="where the last run's outputs and stderr are kept per set, and raw samples in compare.json "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--results-dir",
        default=str(BENCH / "results"),
        help="writes compare-DATE.md and latest.md there (default: %(default)s)",
    )
    parser.add_argument("--results", help="write the markdown to this one file instead")
    args = parser.parse_args()

    if not Path(args.tailwheel).exists():
        sys.exit(f"{args.tailwheel} does not exist: run `cargo build --release` first")
    if args.realworld:
        named = realworld_sets(args)
        sets = [(path, origin) for path, origin, _ in named]
        args.rounds = args.rounds or 1
        args.modes = args.modes or ["cold"]
        args.no_pip_compile = True
    else:
        named = []
        sets = select_sets(args)
        args.rounds = args.rounds or 3
        args.modes = args.modes or list(MODES)
    if not sets:
        sys.exit(f"no *.in sets in {args.corpus}")

    uv = find_uv(args.uv)
    index, origin = discover_index(args.index_url)
    uv_version = version_of([uv, "--version"])
    work = Path(args.work_dir)
    work.mkdir(parents=True, exist_ok=True)
    # Someone may rebuild target/release while this runs: measure a private copy
    # (copy2 keeps the build time that build_note reports).
    source_binary = args.tailwheel
    tw_note = build_note(source_binary) + dirty_note()
    (work / "bin").mkdir(exist_ok=True)
    args.tailwheel = str(work / "bin" / "tailwheel")
    shutil.copy2(source_binary, args.tailwheel)
    tw_version = version_of([args.tailwheel, "--version"])
    pip_compile = None if args.no_pip_compile else find_pip_compile(args.pip_compile)
    pip_compile_version = version_of([pip_compile, "--version"]) if pip_compile else "absent"
    pip_version = pip_compile_python = "unknown"
    if pip_compile:
        venv_python = Path(pip_compile).with_name("python")
        if venv_python.exists():
            pip_compile_python = version_of([str(venv_python), "--version"])
        pip_bin = Path(pip_compile).with_name("pip")
        pip_version = version_of([str(pip_bin), "--version"]).split(" from ")[0] if pip_bin.exists() else "unknown"
        help_text = run([pip_compile, "--help"], 60).stdout
        args.pip_compile_cutoff = "--uploaded-prior-to" in help_text and _pip_major(pip_version) >= 26
    # The index URL itself is not printed or written: it is named by where it came from.
    print(f"uv: {uv_version} ({uv})")
    print(f"tailwheel: {tw_version} ({source_binary}; {tw_note}; measured as a copy in {args.tailwheel})")
    print(f"pip-compile: {pip_compile_version} ({pip_compile or 'skipped'}; {pip_version})")
    print(f"index: from {origin}; tailwheel {'is given it' if args.tailwheel_index else 'discovers its own'}")
    target = (
        f"--python {args.python}"
        if args.python
        else f"--universal --python-version {args.python_version}"
        if args.universal
        else f"--python-version {args.python_version} --python-platform {args.python_platform}"
    )
    print(f"target: {target}")
    print(f"exclude-newer: {args.exclude_newer}; rounds: {args.rounds}; modes: {' '.join(args.modes)}; work dir: {work}")
    load_before = loadavg()
    started = datetime.now(timezone.utc)
    shape_note = ""

    bench = Bench(args, uv, index)
    bench.names = {path: name for path, _, name in named}
    bench.pip_compile = pip_compile
    results: list[SetResult] = []
    unsat_verdict: tuple[str, str] | None = None
    try:
        if not args.no_proxy:
            bench.proxy = ProxyProcess()
            print(f"counting proxy: 127.0.0.1:{bench.proxy.port} (HTTPS_PROXY for the untimed counting runs only)")
        if args.network == "shaped":
            bench.shaper = ShapeProcess(Shape(args.shape_delay_ms, args.shape_rate_mbit, args.shape_jitter_ms))
            shape_note = bench.shaper.describe()
            print(f"shaping proxy: 127.0.0.1:{bench.shaper.port}, {shape_note} (HTTPS_PROXY for every timed run)")
        with tempfile.TemporaryDirectory(prefix="tw-bench-validity-cache-") as validity_cache:
            position = 0
            for requirements, set_origin in sets:
                if requirements.name == UNSAT:
                    unsat_verdict = bench.unsat(requirements)
                    continue
                results.append(bench.bench_set(requirements, position, Path(validity_cache), set_origin))
                position += 1
    finally:
        if bench.proxy:
            bench.proxy.close()
        if bench.shaper:
            bench.shaper.close()
    finished = datetime.now(timezone.utc)

    (work / "compare.json").write_text(
        redact(
            json.dumps([{"set": r.name, "origin": r.origin, "network": args.network, "samples": {k: [asdict(s) for s in v] for k, v in r.samples.items()}, "counts": {k: asdict(c) for k, c in r.counts.items()}} for r in results], indent=1),
            index,
        )
    )

    bytes_how = (
        "bytes = TLS bytes both ways of one separate, untimed run per tool and mode (cold on a fresh cache, "
        "warm on that cache) through a loopback CONNECT proxy (`bench/count_proxy.py`, as `HTTPS_PROXY`), "
        "10^6 per MB; *down* = towards the tool; no timed run goes through it"
        if not args.no_proxy
        else "no counting runs (`--no-proxy`): bytes not measured"
    )
    network_how = (
        "timed runs reach the index directly (quick network; no proxy of any kind)"
        if args.network == "quick"
        else f"timed runs of both tools go through `bench/shape_proxy.py` (shaped network: {shape_note})"
    )
    if args.realworld:
        md = [
            "# Real-world sets: tailwheel vs uv pip compile, cold",
            "",
            f"- date: {started.strftime('%Y-%m-%d %H:%M')} to {finished.strftime('%H:%M UTC')}; "
            f"load average before {load_before}, after {loadavg()}",
            *machine(),
            f"- tailwheel: {tw_version} ({tw_note}); uv: {uv_version}",
            f"- flags (uv and tailwheel): `{target} --exclude-newer {args.exclude_newer}` "
            "(`--all-extras` for a pyproject.toml)",
            f"- index: from {origin}; every tool is passed it with `--index-url`",
            f"- {args.rounds} round(s); each tool with a fresh empty `--cache-dir`; times are wall seconds of the "
            "first round (of the failed run when a tool failed)",
            "- *equal*: both tools' pins identical; *uv -c ours*: `uv pip compile SET -c TAILWHEEL_OUTPUT` "
            "reproduces exactly tailwheel's pins",
            "",
            realworld_table(results),
            "",
        ]
        text = redact("\n".join(md), index)
        print("\n" + text)
        targets = [Path(args.results)] if args.results else [
            Path(args.results_dir) / f"realworld-{started.strftime('%Y-%m-%d')}.md",
            Path(args.results_dir) / "realworld-latest.md",
        ]
        for path in targets:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            print(f"written to {path}")
        return 0

    md = [
        f"# tailwheel vs uv pip compile: cold and warm, {args.network} network",
        "",
        f"- date: {started.strftime('%Y-%m-%d %H:%M')} to {finished.strftime('%H:%M UTC')}; "
        f"load average before {load_before}, after {loadavg()}",
        *machine(),
        f"- tailwheel: {tw_version} ({tw_note}); uv: {uv_version}; pip-compile: {pip_compile_version} ({pip_version})",
        f"- flags (uv and tailwheel): `{target} --exclude-newer {args.exclude_newer}`"
        + (" (`--all-extras` for a pyproject.toml)" if args.realworld else ""),
        f"- index: from {origin}; "
        + (
            "every tool is passed it with `--index-url`"
            if args.tailwheel_index
            else "uv is passed it with `--index-url`, tailwheel discovers it itself (one `python3` start per run)"
        ),
        f"- {args.rounds} round(s) per set; each round: both tools cold (a fresh empty `--cache-dir` each), then both "
        "warm (again on the cache of their cold run); the tool that goes first alternates by round and set",
        f"- network: {network_how}",
        f"- medians over the timed rounds of: wall seconds; peak RSS of the process tree (`wait4`), MiB; "
        "tailwheel's requests (its `--stats`)",
        f"- {bytes_how}",
        "- requests (cold): uv's from one more untimed cold run with `RUST_LOG=" + UV_LOG_FILTER + "` (one "
        "`Handling request for` line per HTTP request) / tailwheel's `--stats` (median of the timed runs); "
        "`--no-uv-log` skips that run",
        "- decisions: uv's `Selecting:` lines in that log (else in the `-v` log of the counting run) / "
        "tailwheel's `--stats` decisions (one per version handed to PubGrub, as `Selecting:`)",
        "- ratios are tailwheel/uv: below 1 tailwheel was faster, moved fewer bytes or used less memory",
        "- † a set from `bench/sets/` (large or backtracking), not from the shared corpus",
        "",
        "## Pins",
        "",
        correctness_table(results),
        "",
    ]
    corpus_results = [r for r in results if r.origin == "corpus"]
    for mode in args.modes:
        md += [
            f"## {mode.capitalize()} ({args.network} network)",
            "",
            f"Times and RSS: {args.rounds} timed round(s), {'direct' if args.network == 'quick' else 'through the shaping proxy'}; "
            + ("bytes: the counting run (untimed)." if not args.no_proxy else "no bytes (`--no-proxy`)."),
            "",
            mode_table(results, mode),
            "",
        ]
        if corpus_results:
            md += summary(corpus_results, mode, "corpus")
        if len(corpus_results) != len(results):
            md += summary(results, mode, "all sets")
        md.append("")
    anchor = next((r for r in results if r.name == args.pip_compile_set and r.of("cold", "pip-compile")), None)
    if anchor is None and pip_compile and any(r.name == args.pip_compile_set for r in results):
        anchor = next(r for r in results if r.name == args.pip_compile_set)
    if anchor is not None:
        md += pip_compile_table(
            anchor, pip_compile_version, getattr(args, "pip_compile_cutoff", False), pip_compile_python
        ) + [""]

    details = []
    for r in results:
        for error in r.errors:
            details.append(f"- **{r.name}**: failed run: {error.splitlines()[0]}")
        for drift in r.pin_drift:
            details.append(f"- **{r.name}**: pins changed between runs of one tool: {drift}")
        if r.match == "no":
            details.append(f"- **{r.name}** pins differing from uv: " + "; ".join(f"`{d}`" for d in r.diff))
        if r.valid == "FAIL":
            if r.valid_error:
                details.append(f"- **{r.name}** validity FAIL: {r.valid_error.splitlines()[0]}")
            else:
                details.append(
                    f"- **{r.name}** validity FAIL, `uv -c` differs: " + "; ".join(f"`{d}`" for d in r.valid_diff)
                )
        for key, samples in r.samples.items():
            times = [s.seconds for s in samples]
            if len(times) > 1 and max(times) > max(2 * min(times), min(times) + 1.0):
                details.append(
                    f"- **{r.name}**: {key.replace('/', ' ')} runs spread widely (slowest > twice the fastest): "
                    + ", ".join(f"{t:.2f}" for t in times)
                    + " s"
                )
        requests = {s.tw_requests for s in r.of("cold", "tailwheel")}
        if len(requests) > 1:
            details.append(f"- **{r.name}**: tailwheel's cold request count varied between rounds: {sorted(requests)}")
    if details:
        md += ["## Differences, failures and outliers", "", *details, ""]
    if unsat_verdict is not None:
        verdict, report = unsat_verdict
        md += [
            "## unsat.in",
            "",
            f"tailwheel must exit 1 with a report naming `requests` and `urllib3`: **{verdict}**",
            "",
            "```",
            report,
            "```",
            "",
        ]
    text = redact("\n".join(md), index)
    print("\n" + text)
    if args.results:
        targets = [Path(args.results)]
    else:
        folder = Path(args.results_dir)
        prefix = "" if args.network == "quick" else f"{args.network}-"
        targets = [folder / f"compare-{prefix}{started.strftime('%Y-%m-%d')}.md", folder / f"{prefix}latest.md"]
    for path in targets:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        print(f"written to {path}")

    failed = any(r.valid == "FAIL" for r in results) or (unsat_verdict and unsat_verdict[0] != "PASS")
    return 1 if failed else 0


def _pip_major(version: str) -> int:
    match = re.search(r"pip (\d+)", version)
    return int(match.group(1)) if match else 0


if __name__ == "__main__":
    sys.exit(main())
