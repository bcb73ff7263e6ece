#!/usr/bin/env python3
"""Compare tailwheel with `uv pip compile` on the shared corpus.

For every `*.in` requirements set in the corpus (except `unsat.in`):

* time `uv pip compile` and `tailwheel resolve`, both cold (a fresh `--cache-dir` per
  run), N runs each, alternating which
  one goes first, and report the median wall time;
* compare the two pin sets (`name==version`);
* validity check: `uv pip compile SET -c TAILWHEEL_OUTPUT` must reproduce
  exactly tailwheel's pins;
* report tailwheel's `--stats` request and byte counts.

`unsat.in` must make tailwheel exit 1 with a report naming `requests` and
`urllib3`.

The markdown table is printed and written to `bench/results/latest.md`.

Python 3.11 standard library only.  Not part of the test suite or CI.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus"
DEFAULT_TAILWHEEL = REPO / "target" / "release" / "tailwheel"
DEFAULT_VENV = Path("/tmp/bench-venv")
UNSAT = "unsat.in"

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*===?\s*([^\s;\\#]+)")
STATS = re.compile(r"stats: (\d+) requests, (\d+) bytes, ([0-9.]+)s")


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
            pins[normalize(match.group(1))] = match.group(2)
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


def run(cmd: list[str], timeout: float, cwd: Path | None = None, env: dict[str, str] | None = None) -> Run:
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=cwd, env=env)
    except subprocess.TimeoutExpired as err:
        return Run(time.perf_counter() - start, -1, "", f"timed out after {timeout}s: {err}")
    return Run(time.perf_counter() - start, proc.returncode, proc.stdout, proc.stderr)


def tail(text: str, lines: int = 25) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


# --------------------------------------------------------------------------- the benchmark


@dataclass
class SetResult:
    name: str
    uv_times: list[float] = field(default_factory=list)
    tw_times: list[float] = field(default_factory=list)
    uv_pins: dict[str, str] | None = None
    tw_pins: dict[str, str] | None = None
    uv_error: str | None = None
    tw_error: str | None = None
    tw_requests: list[int] = field(default_factory=list)
    tw_bytes: list[int] = field(default_factory=list)
    valid: str = "n/a"
    valid_diff: list[str] = field(default_factory=list)
    valid_error: str | None = None

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


class Bench:
    def __init__(self, args: argparse.Namespace, uv: str, index: str) -> None:
        self.args = args
        self.uv = uv
        self.index = index
        self.work = Path(args.work_dir)
        self.env = dict(os.environ)
        # Neither tool should pick up a stray cache or setting from the caller for uv.
        for key in list(self.env):
            if key in ("UV_CACHE_DIR", "UV_NO_CACHE", "UV_OFFLINE"):
                del self.env[key]
        self.env["UV_PYTHON_DOWNLOADS"] = "never"
        self.target = [
            "--python-version",
            args.python_version,
            "--python-platform",
            args.python_platform,
            "--exclude-newer",
            args.exclude_newer,
        ]

    def uv_compile(self, requirements: Path, output: Path, cache: Path, extra: list[str] = ()) -> Run:
        cmd = [
            self.uv, "pip", "compile", str(requirements), *extra, *self.target,
            "--index-url", self.index,
            "--no-header", "--no-annotate",
            "--cache-dir", str(cache),
            "-o", str(output),
        ]  # fmt: skip
        return run(cmd, self.args.timeout, env=self.env)

    def tailwheel(self, requirements: Path, output: Path, cache: Path) -> Run:
        cmd = [
            self.args.tailwheel, "resolve", str(requirements), *self.target,
            "--no-header", "--no-annotate", "--no-progress", "--stats",
            "--cache-dir", str(cache), "-o", str(output),
        ]  # fmt: skip
        if self.args.tailwheel_index:
            cmd += ["--index-url", self.index]
        return run(cmd, self.args.timeout, env=self.env)

    def one_uv(self, result: SetResult, requirements: Path, keep: Path) -> None:
        with tempfile.TemporaryDirectory(prefix="tw-bench-uv-") as tmp:
            out = Path(tmp) / "uv.txt"
            r = self.uv_compile(requirements, out, Path(tmp) / "cache")
            (keep / "uv.stderr").write_text(r.stderr)
            if r.returncode != 0:
                result.uv_error = f"exit {r.returncode}: {tail(r.stderr)}"
                print(f"    uv failed ({r.seconds:.2f}s, exit {r.returncode})\n{indent(tail(r.stderr))}")
                return
            text = out.read_text()
            shutil.copy(out, keep / "uv.txt")
            result.uv_times.append(r.seconds)
            result.uv_pins = parse_pins(text)
            print(f"    uv         {r.seconds:7.2f}s  {len(result.uv_pins)} pins")

    def one_tailwheel(self, result: SetResult, requirements: Path, keep: Path) -> None:
        with tempfile.TemporaryDirectory(prefix="tw-bench-tw-") as tmp:
            # A fresh output path every run: tailwheel keeps the pins of an existing output.
            out = Path(tmp) / "tailwheel.txt"
            # A fresh cache every run too: cold, like uv's.
            r = self.tailwheel(requirements, out, Path(tmp) / "cache")
            (keep / "tailwheel.stderr").write_text(r.stderr)
            if r.returncode != 0:
                result.tw_error = f"exit {r.returncode}: {tail(r.stderr)}"
                print(f"    tailwheel failed ({r.seconds:.2f}s, exit {r.returncode})\n{indent(tail(r.stderr))}")
                return
            text = out.read_text()
            shutil.copy(out, keep / "tailwheel.txt")
            result.tw_times.append(r.seconds)
            pins = parse_pins(text)
            if result.tw_pins is not None and pins != result.tw_pins:
                print("    WARNING: tailwheel's pins differ between runs:")
                print(indent("\n".join(diff_pins(result.tw_pins, pins, "previous", "this run"))))
            result.tw_pins = pins
            stats = STATS.search(r.stderr)
            if stats:
                result.tw_requests.append(int(stats.group(1)))
                result.tw_bytes.append(int(stats.group(2)))
            else:
                print("    WARNING: no `stats:` line in tailwheel's stderr")
            print(
                f"    tailwheel  {r.seconds:7.2f}s  {len(pins)} pins"
                + (f"  ({stats.group(1)} requests, {int(stats.group(2)) / 1e6:.2f} MB)" if stats else "")
            )

    def validity(self, result: SetResult, requirements: Path, keep: Path, cache: Path) -> None:
        """`uv pip compile SET -c OUR_OUTPUT` must reproduce exactly our pins."""
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

    def bench_set(self, requirements: Path, validity_cache: Path) -> SetResult:
        name = requirements.stem
        result = SetResult(name)
        keep = self.work / name
        keep.mkdir(parents=True, exist_ok=True)
        print(f"\n== {requirements.name}")
        for i in range(self.args.runs):
            order = (self.one_uv, self.one_tailwheel) if i % 2 == 0 else (self.one_tailwheel, self.one_uv)
            print(f"  run {i + 1}/{self.args.runs}")
            for step in order:
                step(result, requirements, keep)
        if not self.args.no_validity:
            self.validity(result, requirements, keep, validity_cache)
        print(f"  match with uv: {result.match}")
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


def table(results: list[SetResult]) -> str:
    rows = [
        "| set | pins uv | pins tw | match | uv s (median) | tailwheel s (median) | tw/uv | tw requests | tw MB | valid (uv -c) |",
        "| --- | ---: | ---: | :---: | ---: | ---: | ---: | ---: | ---: | :---: |",
    ]
    for r in results:
        uv_t, tw_t = median(r.uv_times), median(r.tw_times)
        ratio = f"{tw_t / uv_t:.2f}" if uv_t and tw_t else "—"
        requests = f"{statistics.median(r.tw_requests):.0f}" if r.tw_requests else "—"
        mbytes = f"{statistics.median(r.tw_bytes) / 1e6:.2f}" if r.tw_bytes else "—"
        uv_pins = str(len(r.uv_pins)) if r.uv_pins is not None else "fail"
        tw_pins = str(len(r.tw_pins)) if r.tw_pins is not None else "fail"
        rows.append(
            f"| {r.name} | {uv_pins} | {tw_pins} | {r.match} | {fmt_seconds(uv_t)} | {fmt_seconds(tw_t)} "
            f"| {ratio} | {requests} | {mbytes} | {r.valid} |"
        )
    return "\n".join(rows)


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
        return f"binary built {stamp}, BEFORE HEAD {commit} was committed: rebuild to measure HEAD"
    return f"HEAD {commit}, binary built {stamp}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS), help="directory of *.in sets (default: %(default)s)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per tool and set (default: %(default)s)")
    parser.add_argument("--sets", nargs="*", help="only these sets (file stems, e.g. fastapi flask-mixed)")
    parser.add_argument("--uv", help=f"uv binary (default: {DEFAULT_VENV}/bin/uv, else uv on PATH)")
    parser.add_argument("--tailwheel", default=str(DEFAULT_TAILWHEEL), help="tailwheel binary (default: %(default)s)")
    parser.add_argument("--index-url", help="index for both tools (default: discovered through pip)")
    parser.add_argument(
        "--tailwheel-index",
        action="store_true",
        help="also pass the index to tailwheel explicitly (default: tailwheel discovers it itself)",
    )
    parser.add_argument("--python-version", default="3.11")
    parser.add_argument("--python-platform", default="x86_64-manylinux_2_28")
    parser.add_argument("--exclude-newer", default="2026-10-01T00:00:00Z")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per command (default: %(default)s)")
    parser.add_argument("--no-validity", action="store_true", help="skip the `uv pip compile -c` check")
    parser.add_argument(
        "--work-dir",
        default=str(Path(tempfile.gettempdir()) / "tailwheel-bench"),
        help="where the last run's outputs and stderr are kept per set (default: %(default)s)",
    )
    parser.add_argument(
        "--results",
        default=str(BENCH / "results" / "latest.md"),
        help="markdown file to write (default: %(default)s)",
    )
    args = parser.parse_args()

    if not Path(args.tailwheel).exists():
        sys.exit(f"{args.tailwheel} does not exist: run `cargo build --release` first")
    corpus = Path(args.corpus)
    sets = sorted(corpus.glob("*.in"))
    if args.sets:
        wanted = set(args.sets)
        sets = [s for s in sets if s.stem in wanted or s.name in wanted]
    if not sets:
        sys.exit(f"no *.in sets in {corpus}")

    uv = find_uv(args.uv)
    index, origin = discover_index(args.index_url)
    uv_version = version_of([uv, "--version"])
    tw_version = version_of([args.tailwheel, "--version"])
    # The index URL itself is not printed or written: it is named by where it came from.
    print(f"uv: {uv_version} ({uv})")
    print(f"tailwheel: {tw_version} ({args.tailwheel}; {build_note(args.tailwheel)})")
    print(f"index: from {origin}; tailwheel {'is given it' if args.tailwheel_index else 'discovers its own'}")
    print(f"target: {' '.join(['--python-version', args.python_version, '--python-platform', args.python_platform])}")
    print(f"exclude-newer: {args.exclude_newer}; runs: {args.runs}; work dir: {args.work_dir}")

    Path(args.work_dir).mkdir(parents=True, exist_ok=True)
    bench = Bench(args, uv, index)
    results: list[SetResult] = []
    unsat_verdict: tuple[str, str] | None = None
    with tempfile.TemporaryDirectory(prefix="tw-bench-validity-cache-") as validity_cache:
        for requirements in sets:
            if requirements.name == UNSAT:
                unsat_verdict = bench.unsat(requirements)
                continue
            results.append(bench.bench_set(requirements, Path(validity_cache)))

    started = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    md = [
        "# tailwheel vs uv pip compile",
        "",
        f"- date: {started}; machine: {os.cpu_count()} CPUs, {sys.platform}",
        f"- tailwheel: {tw_version} ({build_note(args.tailwheel)}); uv: {uv_version}",
        f"- flags: `--python-version {args.python_version} --python-platform {args.python_platform}"
        f" --exclude-newer {args.exclude_newer}`",
        f"- index: from {origin} (uv is passed it with `--index-url`; tailwheel "
        + ("too" if args.tailwheel_index else "discovers it itself")
        + ")",
        f"- {args.runs} runs per tool and set, alternating order; uv with a fresh `--cache-dir` every run;"
        " times are median wall seconds; tw/uv < 1 means tailwheel was faster",
        "",
        table(results),
        "",
    ]
    details = []
    for r in results:
        if r.uv_error:
            details.append(f"- **{r.name}**: uv failed ({r.uv_error.splitlines()[0]})")
        if r.tw_error:
            details.append(f"- **{r.name}**: tailwheel failed ({r.tw_error.splitlines()[0]})")
        if r.match == "no":
            details.append(f"- **{r.name}** pins differing from uv: " + "; ".join(f"`{d}`" for d in r.diff))
        if r.valid == "FAIL":
            if r.valid_error:
                details.append(f"- **{r.name}** validity FAIL: {r.valid_error.splitlines()[0]}")
            else:
                details.append(
                    f"- **{r.name}** validity FAIL, `uv -c` differs: " + "; ".join(f"`{d}`" for d in r.valid_diff)
                )
        for tool, times in (("uv", r.uv_times), ("tailwheel", r.tw_times)):
            if len(times) > 1 and max(times) > max(2 * min(times), min(times) + 1.0):
                details.append(
                    f"- **{r.name}**: {tool}'s runs spread widely (slowest > twice the fastest): "
                    + ", ".join(f"{t:.2f}" for t in times)
                    + " s"
                )
        if len(set(r.tw_requests)) > 1:
            details.append(f"- **{r.name}**: tailwheel's request count varied between runs: {r.tw_requests}")
    if details:
        md += ["## Differences and failures", "", *details, ""]
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
    results_path = Path(args.results)
    results_path.parent.mkdir(parents=True, exist_ok=True)
    results_path.write_text(text)
    print(f"written to {results_path}")

    failed = any(r.valid == "FAIL" for r in results) or (unsat_verdict and unsat_verdict[0] != "PASS")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
