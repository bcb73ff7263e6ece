#!/usr/bin/env python3
"""Lazy-wheel benchmark: tailwheel vs `uv pip compile` on an index without PEP 658.

Starts `no658_proxy.py` (a loopback proxy that removes every `.metadata` advertisement
from the real index's pages and routes all file traffic through itself, counting it),
then for every corpus set (except `unsat.in`):

* one direct tailwheel run on the real index (no proxy): the reference pins;
* N runs (default 3) of each tool through the proxy, cold (uv gets a fresh `--cache-dir`,
  tailwheel a fresh `--cache-dir` when it has that option), alternating which goes first,
  reading the proxy's counters after each run;
* per tool: requests (total and by kind), file bytes, page bytes, median time; ratios
  tailwheel/uv; the requirement (PASS/FAIL per set): tailwheel requests <= 0.75 x uv's,
  file bytes <= 2 x uv's, time <= uv's.

Then the same sets once through a second proxy started with `--ignore-range` (a server
without range support): does tailwheel still resolve, and with how many bytes (uv is run
once too, for reference).

Prints the markdown and writes it to `bench/results/lazy-wheel.md`. Helpers (index
discovery, pins, uv command line) come from `compare.py`.

Python 3.11 standard library only. Not part of the test suite or CI.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from compare import (  # noqa: E402 - after the path set-up
    BENCH,
    DEFAULT_CORPUS,
    DEFAULT_TAILWHEEL,
    STATS,
    UNSAT,
    Bench,
    build_note,
    diff_pins,
    discover_index,
    find_uv,
    indent,
    parse_pins,
    redact,
    run,
    tail,
    version_of,
)

KINDS = ("page", "head", "range_get", "full_get", "metadata", "other")
KIND_LABELS = {"page": "page", "head": "HEAD", "range_get": "range GET", "full_get": "full GET",
               "metadata": ".metadata", "other": "other"}  # fmt: skip
MAX_REQUEST_RATIO = 0.75
MAX_BYTES_RATIO = 2.0
MAX_TIME_RATIO = 1.0


# --------------------------------------------------------------------------- the proxy


class Proxy:
    """`no658_proxy.py` in a subprocess, driven through its control endpoints."""

    def __init__(self, upstream: str, ignore_range: bool, log_dir: Path, cache_pages: bool, delay_ms: float) -> None:
        name = "proxy"
        self.stderr = open(log_dir / f"{name}.stderr", "w")
        cmd = [sys.executable, str(BENCH / "no658_proxy.py"), "--port", "0", "--upstream", upstream,
               "--log", str(log_dir / f"{name}.log")]  # fmt: skip
        if ignore_range:
            cmd.append("--ignore-range")
        if cache_pages:
            cmd.append("--cache-pages")
        if delay_ms:
            cmd += ["--delay-ms", str(delay_ms)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self.stderr, text=True)
        line = self.proc.stdout.readline().split()
        if len(line) != 2 or line[0] != "listening":
            self.close()
            sys.exit(f"the proxy did not start: see {log_dir / (name + '.stderr')}")
        self.index = line[1]  # http://127.0.0.1:PORT/simple/
        self.base = self.index.rsplit("/simple/", 1)[0]

    def _call(self, method: str, path: str) -> dict:
        request = urllib.request.Request(self.base + path, method=method, data=b"" if method == "POST" else None)
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)

    def reset(self) -> dict:
        return self._call("POST", "/__reset")

    def configure(self, **settings) -> dict:
        query = "&".join(f"{key}={int(value) if isinstance(value, bool) else value}" for key, value in settings.items())
        return self._call("POST", "/__config?" + query)

    def stats(self) -> dict:
        return self._call("GET", "/__stats")

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()  # our own child, by its handle
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.stderr.close()


# --------------------------------------------------------------------------- runs


@dataclass
class ToolRun:
    tool: str
    seconds: float
    ok: bool
    pins: dict[str, str] | None
    proxy: dict
    self_stats: tuple[int, int] | None = None  # tailwheel's own `stats:` line
    stats_lines: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass
class SetResult:
    name: str
    direct_pins: dict[str, str] | None = None
    direct_error: str | None = None
    direct_stats: list[str] = field(default_factory=list)
    runs: dict[str, list[ToolRun]] = field(default_factory=lambda: {"tailwheel": [], "uv": []})
    ignore_range: dict[str, ToolRun] = field(default_factory=dict)

    def ok_runs(self, tool: str) -> list[ToolRun]:
        return [r for r in self.runs[tool] if r.ok]

    def med(self, tool: str, key) -> float | None:
        values = [key(r) for r in self.ok_runs(tool)]
        return statistics.median(values) if values else None

    def pins_equal(self, tool: str) -> str:
        runs = self.ok_runs(tool)
        if self.direct_pins is None or not runs:
            return "n/a"
        return "yes" if all(r.pins == self.direct_pins for r in runs) else "no"


def requests_of(r: ToolRun) -> int:
    return r.proxy["total_requests"]


def file_bytes_of(r: ToolRun) -> int:
    return r.proxy["file_bytes"]


def page_bytes_of(r: ToolRun) -> int:
    return r.proxy["page_bytes"]


def seconds_of(r: ToolRun) -> float:
    return r.seconds


class LazyBench:
    def __init__(self, args: argparse.Namespace, uv: str, index: str) -> None:
        self.args = args
        self.uv = uv
        self.index = index
        self.work = Path(args.work_dir)
        # compare.Bench gives the uv command line, the environment and the target flags.
        self.bench = Bench(args, uv, index)
        for key in list(self.bench.env):  # no stray tailwheel setting (cache, lazy wheels off) from the caller
            if key.startswith("TAILWHEEL_"):
                del self.bench.env[key]
        self.cache_flag = self.tailwheel_cache_flag()

    def tailwheel_cache_flag(self) -> str | None:
        """tailwheel has no cache today; if it grows one, every run here gets a fresh one."""
        help_text = run([self.args.tailwheel, "resolve", "--help"], 60).stdout
        if "--cache-dir" in help_text:
            return "--cache-dir"
        if "--no-cache" in help_text:
            return "--no-cache"
        return None

    def tailwheel_cmd(self, requirements: Path, output: Path, index: str | None, tmp: Path) -> list[str]:
        cmd = [self.args.tailwheel, "resolve", str(requirements), *self.bench.target,
               "--no-header", "--no-annotate", "--no-progress", "--stats", "-o", str(output)]  # fmt: skip
        if index:
            cmd += ["--index-url", index]
        if self.cache_flag == "--cache-dir":
            cmd += ["--cache-dir", str(tmp / "tw-cache")]
        elif self.cache_flag == "--no-cache":
            cmd.append("--no-cache")
        return cmd

    def direct(self, result: SetResult, requirements: Path, keep: Path) -> None:
        """tailwheel on the real index (the index it discovers itself): the reference pins."""
        with tempfile.TemporaryDirectory(prefix="tw-lazy-direct-") as tmp:
            out = Path(tmp) / "direct.txt"
            r = run(self.tailwheel_cmd(requirements, out, None, Path(tmp)), self.args.timeout, env=self.bench.env)
            (keep / "direct.stderr").write_text(r.stderr)
            if r.returncode != 0 or not out.exists():
                result.direct_error = f"exit {r.returncode}: {tail(r.stderr)}"
                print(f"    direct tailwheel failed (exit {r.returncode})\n{indent(tail(r.stderr))}")
                return
            result.direct_pins = parse_pins(out.read_text())
            result.direct_stats = [line for line in r.stderr.splitlines() if line.startswith("stats:")]
            print(f"    direct     {r.seconds:7.2f}s  {len(result.direct_pins)} pins  (real index, no proxy)")

    def one(self, tool: str, requirements: Path, proxy: Proxy, keep: Path, label: str) -> ToolRun:
        proxy.reset()
        with tempfile.TemporaryDirectory(prefix=f"tw-lazy-{tool}-") as tmp_name:
            tmp = Path(tmp_name)
            out = tmp / f"{tool}.txt"
            if tool == "uv":
                self.bench.index = proxy.index
                r = self.bench.uv_compile(requirements, out, tmp / "uv-cache")
            else:
                r = run(self.tailwheel_cmd(requirements, out, proxy.index, tmp), self.args.timeout, env=self.bench.env)
            counts = proxy.stats()
            (keep / f"{tool}-{label}.stderr").write_text(r.stderr)
            ok = r.returncode == 0 and out.exists()
            pins = parse_pins(out.read_text()) if ok else None
        stats = STATS.search(r.stderr) if tool == "tailwheel" else None
        result = ToolRun(
            tool=tool,
            seconds=r.seconds,
            ok=ok,
            pins=pins,
            proxy=counts,
            self_stats=(int(stats.group(1)), int(stats.group(2))) if stats else None,
            stats_lines=[line for line in r.stderr.splitlines() if line.startswith("stats:")],
            error=None if ok else f"exit {r.returncode}: {tail(r.stderr, 8)}",
        )
        kinds = " ".join(f"{KIND_LABELS[k]}={counts['requests'][k]}" for k in KINDS if counts["requests"][k])
        status = f"{len(pins)} pins" if ok else f"FAILED (exit {r.returncode})"
        print(
            f"    {tool:<10} {r.seconds:7.2f}s  {status}  {counts['total_requests']} requests ({kinds}), "
            f"files {counts['file_bytes'] / 1e3:.0f} kB, pages {counts['page_bytes'] / 1e6:.2f} MB"
        )
        if not ok:
            print(indent(tail(r.stderr, 8)))
        return result

    def bench_set(self, requirements: Path, proxy: Proxy) -> SetResult:
        result = SetResult(requirements.stem)
        keep = self.work / result.name
        keep.mkdir(parents=True, exist_ok=True)
        print(f"\n== {requirements.name}")
        self.direct(result, requirements, keep)
        if not self.args.no_page_cache:
            print("  warm-up (untimed, fills the proxy's page cache)")
            for tool in ("uv", "tailwheel"):
                self.one(tool, requirements, proxy, keep, "warm-up")
        for i in range(self.args.runs):
            order = ("uv", "tailwheel") if i % 2 == 0 else ("tailwheel", "uv")
            print(f"  run {i + 1}/{self.args.runs}")
            for tool in order:
                result.runs[tool].append(self.one(tool, requirements, proxy, keep, f"run{i + 1}"))
        for tool in ("tailwheel", "uv"):
            print(f"  {tool} pins equal to the direct run: {result.pins_equal(tool)}")
        verdict, _ = check(result)
        print(f"  requirement: {verdict}")
        return result

    def ignore_range(self, requirements: Path, proxy: Proxy, result: SetResult, uv_first: bool) -> None:
        keep = self.work / result.name
        print(f"\n== {requirements.name} (server ignores Range)")
        tools = ("tailwheel", "uv") if not self.args.no_uv_ignore_range else ("tailwheel",)
        if uv_first:
            tools = tools[::-1]
        for tool in tools:
            result.ignore_range[tool] = self.one(tool, requirements, proxy, keep, "ignore-range")


# --------------------------------------------------------------------------- reporting


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def check(r: SetResult) -> tuple[str, list[str]]:
    """PASS when tailwheel's requests <= 0.75 x uv's, file bytes <= 2 x, time <= 1 x."""
    if not r.ok_runs("tailwheel") or not r.ok_runs("uv"):
        return "FAIL (a tool failed)", ["a tool failed"]
    failures = []
    req = ratio(r.med("tailwheel", requests_of), r.med("uv", requests_of))
    byt = ratio(r.med("tailwheel", file_bytes_of), r.med("uv", file_bytes_of))
    sec = ratio(r.med("tailwheel", seconds_of), r.med("uv", seconds_of))
    if req is None or req > MAX_REQUEST_RATIO:
        failures.append(f"requests {fmt_ratio(req)} > {MAX_REQUEST_RATIO}")
    if byt is None or byt > MAX_BYTES_RATIO:
        failures.append(f"file bytes {fmt_ratio(byt)} > {MAX_BYTES_RATIO}")
    if sec is None or sec > MAX_TIME_RATIO:
        failures.append(f"time {fmt_ratio(sec)} > {MAX_TIME_RATIO}")
    if r.pins_equal("tailwheel") == "no":
        failures.append("pins differ from the direct run")
    return ("PASS" if not failures else "FAIL: " + "; ".join(failures)), failures


def fmt_ratio(value: float | None) -> str:
    return f"{value:.2f}" if value is not None else "—"


def fmt_num(value: float | None, scale: float = 1, digits: int = 0) -> str:
    return f"{value / scale:.{digits}f}" if value is not None else "—"


def summary_table(results: list[SetResult]) -> str:
    rows = [
        "| set | pins = direct (tw / uv) | tw req | uv req | req tw/uv (≤ 0.75) | tw file kB | uv file kB "
        "| bytes tw/uv (≤ 2) | tw s | uv s | time tw/uv (≤ 1) | verdict |",
        "| --- | :---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | :--- |",
    ]
    for r in results:
        tw_req, uv_req = r.med("tailwheel", requests_of), r.med("uv", requests_of)
        tw_b, uv_b = r.med("tailwheel", file_bytes_of), r.med("uv", file_bytes_of)
        tw_s, uv_s = r.med("tailwheel", seconds_of), r.med("uv", seconds_of)
        verdict, _ = check(r)
        rows.append(
            f"| {r.name} | {r.pins_equal('tailwheel')} / {r.pins_equal('uv')} | {fmt_num(tw_req)} | {fmt_num(uv_req)} "
            f"| {fmt_ratio(ratio(tw_req, uv_req))} | {fmt_num(tw_b, 1e3)} | {fmt_num(uv_b, 1e3)} "
            f"| {fmt_ratio(ratio(tw_b, uv_b))} | {fmt_num(tw_s, 1, 2)} | {fmt_num(uv_s, 1, 2)} "
            f"| {fmt_ratio(ratio(tw_s, uv_s))} | {verdict} |"
        )
    return "\n".join(rows)


def kinds_table(results: list[SetResult]) -> str:
    head = " | ".join(KIND_LABELS[k] for k in KINDS)
    rows = [
        f"| set | tool | requests | {head} | page MB | file kB | s |",
        "| --- | --- | ---: | " + " | ".join("---:" for _ in KINDS) + " | ---: | ---: | ---: |",
    ]
    for r in results:
        for tool in ("tailwheel", "uv"):
            kinds = " | ".join(fmt_num(r.med(tool, lambda run, k=k: run.proxy["requests"][k])) for k in KINDS)
            rows.append(
                f"| {r.name} | {tool} | {fmt_num(r.med(tool, requests_of))} | {kinds} "
                f"| {fmt_num(r.med(tool, page_bytes_of), 1e6, 2)} | {fmt_num(r.med(tool, file_bytes_of), 1e3)} "
                f"| {fmt_num(r.med(tool, seconds_of), 1, 2)} |"
            )
    return "\n".join(rows)


def ignore_range_table(results: list[SetResult]) -> str:
    rows = [
        "| set | tool | resolved | pins = direct | requests | by kind | file MB | page MB | s | tailwheel's metadata stats |",
        "| --- | --- | :---: | :---: | ---: | --- | ---: | ---: | ---: | --- |",
    ]
    for r in results:
        for tool, t in sorted(r.ignore_range.items(), reverse=True):
            kinds = ", ".join(f"{KIND_LABELS[k]} {t.proxy['requests'][k]}" for k in KINDS if t.proxy["requests"][k])
            equal = "n/a" if (t.pins is None or r.direct_pins is None) else ("yes" if t.pins == r.direct_pins else "no")
            meta = "; ".join(line.removeprefix("stats: ") for line in t.stats_lines[1:]) if tool == "tailwheel" else ""
            rows.append(
                f"| {r.name} | {tool} | {'yes' if t.ok else 'NO'} | {equal} | {t.proxy['total_requests']} | {kinds} "
                f"| {t.proxy['file_bytes'] / 1e6:.2f} | {t.proxy['page_bytes'] / 1e6:.2f} | {t.seconds:.2f} | {meta} |"
            )
    return "\n".join(rows)


def details(results: list[SetResult]) -> list[str]:
    lines = []
    for r in results:
        if r.direct_error:
            lines.append(f"- **{r.name}**: the direct tailwheel run failed: {r.direct_error.splitlines()[0]}")
        for tool in ("tailwheel", "uv"):
            for t in r.runs[tool]:
                if not t.ok:
                    lines.append(f"- **{r.name}**: {tool} failed through the proxy: {(t.error or '').splitlines()[0]}")
            if r.pins_equal(tool) == "no" and r.direct_pins is not None:
                for t in r.ok_runs(tool):
                    if t.pins != r.direct_pins:
                        diff = diff_pins(r.direct_pins, t.pins, "direct", f"{tool} via proxy")
                        lines.append(f"- **{r.name}** {tool} pins differ: " + "; ".join(f"`{d}`" for d in diff))
                        break
            times = [t.seconds for t in r.ok_runs(tool)]
            if len(times) > 1 and max(times) > max(2 * min(times), min(times) + 1.0):
                lines.append(f"- **{r.name}**: {tool}'s runs spread widely: " + ", ".join(f"{s:.2f}" for s in times) + " s")
            counts = {requests_of(t) for t in r.ok_runs(tool)}
            if len(counts) > 1:
                lines.append(f"- **{r.name}**: {tool}'s request count varied: {sorted(counts)}")
            repeated = [t.proxy["repeated_requests"] for t in r.ok_runs(tool)]
            if any(repeated):
                example = next(t.proxy["repeated_examples"] for t in r.ok_runs(tool) if t.proxy["repeated_requests"])
                lines.append(
                    f"- **{r.name}**: {tool} sent identical requests twice ({repeated} per run), e.g. "
                    + ", ".join(f"`{e}`" for e in example[:3])
                )
        for t in r.ok_runs("tailwheel"):
            if t.self_stats and t.self_stats[0] != requests_of(t):
                lines.append(
                    f"- **{r.name}**: tailwheel's own `--stats` says {t.self_stats[0]} requests, the proxy counted "
                    f"{requests_of(t)}"
                )
                break
        tw = r.ok_runs("tailwheel")
        if tw:
            lines.append(f"- **{r.name}** tailwheel `--stats` (last proxied run): " + " / ".join(
                f"`{line}`" for line in tw[-1].stats_lines))  # fmt: skip
    return lines


# --------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS), help="directory of *.in sets (default: %(default)s)")
    parser.add_argument("--runs", type=int, default=3, help="proxied runs per tool and set (default: %(default)s)")
    parser.add_argument("--sets", nargs="*", help="only these sets (file stems)")
    parser.add_argument("--uv", help="uv binary (default: /tmp/bench-venv/bin/uv, else uv on PATH)")
    parser.add_argument("--tailwheel", default=str(DEFAULT_TAILWHEEL), help="tailwheel binary (default: %(default)s)")
    parser.add_argument("--index-url", help="the real index behind the proxy (default: discovered through pip)")
    parser.add_argument("--python-version", default="3.11")
    parser.add_argument("--python-platform", default="x86_64-manylinux_2_28")
    parser.add_argument("--exclude-newer", default="2026-10-01T00:00:00Z")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per command (default: %(default)s)")
    parser.add_argument("--no-ignore-range", action="store_true", help="skip the `--ignore-range` pass")
    parser.add_argument(
        "--no-page-cache",
        action="store_true",
        help="fetch and rewrite every page for every run (default: the proxy caches rewritten pages, "
        "warmed up by one untimed run of each tool per set)",
    )
    parser.add_argument(
        "--delay-ms", type=float, default=0, help="the proxy sleeps this long before each answer (default: 0)"
    )
    parser.add_argument("--no-uv-ignore-range", action="store_true", help="run only tailwheel in that pass")
    parser.add_argument(
        "--work-dir",
        default=str(Path(tempfile.gettempdir()) / "tailwheel-bench-lazy"),
        help="stderr of every run and the proxy logs (default: %(default)s)",
    )
    parser.add_argument("--results", default=str(BENCH / "results" / "lazy-wheel.md"), help="markdown file to write")
    args = parser.parse_args()
    args.tailwheel_index = True  # compare.Bench reads these two
    args.no_validity = True

    if not Path(args.tailwheel).exists():
        sys.exit(f"{args.tailwheel} does not exist: run `cargo build --release` first")
    sets = [s for s in sorted(Path(args.corpus).glob("*.in")) if s.name != UNSAT]
    if args.sets:
        wanted = set(args.sets)
        sets = [s for s in sets if s.stem in wanted or s.name in wanted]
    if not sets:
        sys.exit(f"no *.in sets in {args.corpus}")

    uv = find_uv(args.uv)
    index, origin = discover_index(args.index_url)
    uv_version = version_of([uv, "--version"])
    tw_version = version_of([args.tailwheel, "--version"])
    work = Path(args.work_dir)
    work.mkdir(parents=True, exist_ok=True)
    bench = LazyBench(args, uv, index)
    print(f"uv: {uv_version} ({uv})")
    print(f"tailwheel: {tw_version} ({args.tailwheel}; {build_note(args.tailwheel)})")
    print(f"tailwheel cache option: {bench.cache_flag or 'none (no cache: every run is cold)'}")
    print(f"index behind the proxy: from {origin}; runs: {args.runs}; work dir: {work}")

    results: list[SetResult] = []
    cache_pages = not args.no_page_cache
    proxy = Proxy(index, False, work, cache_pages, args.delay_ms)
    try:
        print(f"proxy: {proxy.index} (pid {proxy.proc.pid}; log {work / 'proxy.log'})")
        for requirements in sets:
            results.append(bench.bench_set(requirements, proxy))
        if not args.no_ignore_range:
            # The same proxy (its page cache stays warm), now ignoring Range.
            print(f"\nproxy now ignores Range: {proxy.configure(ignore_range=True)}")
            for i, (requirements, result) in enumerate(zip(sets, results)):
                bench.ignore_range(requirements, proxy, result, uv_first=i % 2 == 1)
    finally:
        proxy.close()

    started = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    verdicts = [(r.name, check(r)[0]) for r in results]
    md = [
        "# Lazy wheels: tailwheel vs uv on an index without PEP 658",
        "",
        f"- date: {started}; machine: {os.cpu_count()} CPUs, {sys.platform}",
        f"- tailwheel: {tw_version} ({build_note(args.tailwheel)}); uv: {uv_version}",
        f"- flags: `--python-version {args.python_version} --python-platform {args.python_platform}"
        f" --exclude-newer {args.exclude_newer}`",
        f"- index: from {origin}, behind `bench/no658_proxy.py` (loopback HTTP; PEP 658/714 keys removed, "
        "`.metadata` answers 404, all file traffic through the proxy, no compression towards the client)",
        f"- {args.runs} runs per tool and set through the proxy, alternating order, cold (uv: fresh `--cache-dir`; "
        f"tailwheel: {'fresh `--cache-dir`' if bench.cache_flag == '--cache-dir' else bench.cache_flag or 'has no cache'}); "
        "medians; requests and bytes as counted by the proxy (body bytes sent to the client)",
        "- proxy: "
        + ("rewritten pages cached in memory after one untimed warm-up run of each tool per set; " if cache_pages
           else "every page fetched and rewritten on every run; ")
        + (f"{args.delay_ms:g} ms added before every page/file answer" if args.delay_ms else "no added delay"),
        "- *pins = direct*: every proxied run's pins equal those of one tailwheel run on the real index without the proxy",
        f"- requirement: tailwheel requests ≤ {MAX_REQUEST_RATIO} × uv's, file bytes ≤ {MAX_BYTES_RATIO:g} × uv's, "
        f"time ≤ uv's: **{sum(v == 'PASS' for _, v in verdicts)}/{len(verdicts)} sets pass**",
        "",
        summary_table(results),
        "",
        "## Requests by kind (medians)",
        "",
        kinds_table(results),
        "",
    ]
    if not args.no_ignore_range:
        md += [
            "## A server that ignores `Range` (the same proxy switched to `--ignore-range`, one run each)",
            "",
            "Range GETs are answered 200 with the whole wheel and HEAD has no `Accept-Ranges`.",
            "",
            ignore_range_table(results),
            "",
        ]
    notes = details(results)
    if notes:
        md += ["## Notes", "", *notes, ""]
    text = redact("\n".join(md), index)
    print("\n" + text)
    medians = {
        r.name: {
            tool: {
                "requests": r.med(tool, requests_of),
                "page_requests": r.med(tool, lambda t: t.proxy["requests"]["page"]),
                "file_bytes": r.med(tool, file_bytes_of),
                "page_bytes": r.med(tool, page_bytes_of),
                "seconds": r.med(tool, seconds_of),
            }
            for tool in ("tailwheel", "uv")
        }
        for r in results
    }
    (work / "lazy-wheel.json").write_text(json.dumps(medians, indent=1))  # read by wheel_tails.py --uv-from
    path = Path(args.results)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    print(f"written to {path}")
    return 0 if all(v == "PASS" for _, v in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
