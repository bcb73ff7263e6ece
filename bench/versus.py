#!/usr/bin/env python3
"""Two tailwheel builds side by side: "before" against "after" on the same sets, same run.

Each round runs both builds cold (a fresh `--cache-dir` each) on every set, the one that goes
first alternating by round and set, directly on the network (never through a counting proxy),
and keeps the wall time and what `--stats` says (requests, decisions, speculative fetches used
and unused). Prints one markdown table of medians with the after/before ratio; the pins of the
two builds are compared in every round.

    python3 bench/versus.py --before /tmp/tw-old --after target/release/tailwheel --rounds 3 \\
        --sets sentry-2022-base pins-years-apart

Sets are named as in `bench/compare` (the shared corpus and `bench/sets/*.in`); by default all
of them. Both builds get the same flags as `bench/compare`'s quick-network run. Needs the
network; not part of the test suite.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from compare import discover_index, parse_pins, run  # noqa: E402

STAT_PATTERNS = {
    "requests": re.compile(r"^stats: (\d+) requests", re.M),
    "decisions": re.compile(r"solver: (\d+) decisions", re.M),
    "speculative": re.compile(r"(\d+) speculative", re.M),
    "unused": re.compile(r"(\d+) unused", re.M),
}


def stat(stderr: str, key: str) -> int | None:
    """One number from tailwheel's `--stats` lines, or None when this build does not print it."""
    found = STAT_PATTERNS[key].search(stderr)
    return int(found.group(1)) if found else None


def median(values: list[float | int | None]) -> float | None:
    present = [value for value in values if value is not None]
    return statistics.median(present) if present else None


def fmt(value: float | None, digits: int = 2) -> str:
    if value is None:
        return "—"
    return f"{value:.{digits}f}" if digits else f"{value:.0f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", required=True, help="the earlier tailwheel binary")
    parser.add_argument("--after", required=True, help="the later tailwheel binary")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sets", nargs="*", help="set names (default: the corpus and bench/sets)")
    parser.add_argument("--corpus", default=str(HERE.parent.parent / "shared" / "corpus"))
    parser.add_argument("--extra-sets", default=str(HERE / "sets"))
    parser.add_argument("--index-url", help="index for both builds (default: discovered through pip)")
    parser.add_argument("--python-version", default="3.11")
    parser.add_argument("--python-platform", default="x86_64-manylinux_2_28")
    parser.add_argument("--exclude-newer", default="2026-10-01T00:00:00Z")
    parser.add_argument("--timeout", type=float, default=900)
    args = parser.parse_args()

    index, origin = discover_index(args.index_url)
    found = sorted(Path(args.corpus).glob("*.in")) + sorted(Path(args.extra_sets).glob("*.in"))
    sets = [path for path in found if not args.sets or path.stem in args.sets]
    missing = set(args.sets or []) - {path.stem for path in sets}
    if missing:
        sys.exit(f"no such set: {', '.join(sorted(missing))}")
    builds = {"before": args.before, "after": args.after}
    print(f"index: from {origin}; before: {args.before}; after: {args.after}; rounds: {args.rounds}", file=sys.stderr)
    print(f"started {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}", file=sys.stderr)

    rows = []
    for set_index, path in enumerate(sets):
        samples: dict[str, list[dict]] = {"before": [], "after": []}
        notes = []
        for round_index in range(args.rounds):
            order = ["before", "after"] if (round_index + set_index) % 2 == 0 else ["after", "before"]
            pins = {}
            for which in order:
                with tempfile.TemporaryDirectory(prefix="tw-versus-") as work:
                    out = Path(work) / "out.txt"
                    cmd = [
                        builds[which], "resolve", str(path), "-o", str(out), "--stats",
                        "--index-url", index, "--cache-dir", str(Path(work) / "cache"),
                        "--python-version", args.python_version, "--python-platform", args.python_platform,
                        "--exclude-newer", args.exclude_newer,
                    ]  # fmt: skip
                    result = run(cmd, args.timeout)
                    if result.returncode != 0:
                        notes.append(f"{which} exit {result.returncode} in round {round_index + 1}")
                        continue
                    pins[which] = parse_pins(out.read_text())
                    samples[which].append(
                        {"seconds": result.seconds, **{key: stat(result.stderr, key) for key in STAT_PATTERNS}}
                    )
            if len(pins) == 2 and pins["before"] != pins["after"]:
                notes.append(f"pins differ in round {round_index + 1}")
        med = {
            which: {key: median([sample[key] for sample in samples[which]]) for key in ["seconds", *STAT_PATTERNS]}
            for which in builds
        }
        ratio = (
            med["after"]["seconds"] / med["before"]["seconds"]
            if med["after"]["seconds"] and med["before"]["seconds"]
            else None
        )
        rows.append((path.stem, med, ratio, sorted(set(notes))))
        print(f"{path.stem}: before {fmt(med['before']['seconds'])} s, after {fmt(med['after']['seconds'])} s", file=sys.stderr)

    print(f"| set | before s | after s | after/before | requests before / after | decisions before / after | speculative after (unused) | notes |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    ratios = []
    for name, med, ratio, notes in rows:
        if ratio:
            ratios.append(ratio)
        b, a = med["before"], med["after"]
        print(
            f"| {name} | {fmt(b['seconds'])} | {fmt(a['seconds'])} | {fmt(ratio)} "
            f"| {fmt(b['requests'], 0)} / {fmt(a['requests'], 0)} | {fmt(b['decisions'], 0)} / {fmt(a['decisions'], 0)} "
            f"| {fmt(a['speculative'], 0)} ({fmt(a['unused'], 0)}) | {'; '.join(notes)} |"
        )
    if ratios:
        geomean = statistics.geometric_mean(ratios)
        print(f"\ngeometric mean after/before: {geomean:.2f} over {len(ratios)} sets; worst {max(ratios):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
