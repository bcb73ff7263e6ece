"""Resolve + download: `tailwheel resolve --download` against `uv pip compile` followed by
`pip download --no-deps` of uv's pins (uv has no download command), cold caches, on two
corpus sets. Prints time and bytes per tool and the ratios tailwheel/peer.

    python3 bench/download.py [--runs 3] [--sets data-science flask-mixed]

Stdlib only; reuses compare.py's helpers. Not part of CI.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from compare import discover_index, find_uv, run  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TARGET = ["--python-version", "3.11", "--python-platform", "x86_64-manylinux_2_28", "--exclude-newer", "2026-10-01T00:00:00Z"]


def folder_bytes(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.iterdir() if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sets", nargs="*", default=["data-science", "flask-mixed"])
    parser.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpus"))
    parser.add_argument("--tailwheel", default=str(ROOT / "target" / "release" / "tailwheel"))
    parser.add_argument("--uv", default=None)
    args = parser.parse_args()
    uv = find_uv(args.uv)
    index, _ = discover_index(None)
    pip = [str(Path(uv).parent / "python"), "-m", "pip"]
    rows = []
    for name in args.sets:
        requirements = Path(args.corpus) / f"{name}.in"
        tw_times, peer_times, tw_bytes, peer_bytes, tw_files, peer_files = [], [], 0, 0, 0, 0
        for attempt in range(args.runs):
            for tool in (["tw", "peer"] if attempt % 2 == 0 else ["peer", "tw"]):
                with tempfile.TemporaryDirectory(prefix="tw-bench-dl-") as tmp:
                    tmp = Path(tmp)
                    dest = tmp / "dest"
                    if tool == "tw":
                        cmd = [args.tailwheel, "resolve", str(requirements), *TARGET, "-q", "--no-progress",
                               "--cache-dir", str(tmp / "cache"), "-o", str(tmp / "req.txt"), "--download", str(dest)]
                        start = time.monotonic()
                        result = run(cmd, 900)
                        seconds = time.monotonic() - start
                        if result.returncode != 0:
                            print(f"tailwheel failed: {result.stderr[-2000:]}")
                            return 1
                        tw_times.append(seconds)
                        tw_files, tw_bytes = folder_bytes(dest)
                    else:
                        start = time.monotonic()
                        compiled = run([uv, "pip", "compile", str(requirements), *TARGET, "--index-url", index,
                                        "--cache-dir", str(tmp / "uv-cache"), "--no-header", "--no-annotate",
                                        "-o", str(tmp / "uv.txt")], 900)
                        if compiled.returncode != 0:
                            print(f"uv failed: {compiled.stderr[-2000:]}")
                            return 1
                        # The host is CPython 3.11 on x86_64 glibc >= 2.28, so pip's own tags
                        # cover the target (pip's `--platform` takes exact tags only).
                        downloaded = run([*pip, "download", "--no-deps", "--no-cache-dir", "--quiet",
                                          "--only-binary", ":all:", "--index-url", index,
                                          "-d", str(dest), "-r", str(tmp / "uv.txt")], 900)
                        seconds = time.monotonic() - start
                        if downloaded.returncode != 0:
                            print(f"pip download failed: {downloaded.stderr[-2000:]}")
                            return 1
                        peer_times.append(seconds)
                        peer_files, peer_bytes = folder_bytes(dest)
        tw_s, peer_s = statistics.median(tw_times), statistics.median(peer_times)
        rows.append((name, tw_files, peer_files, tw_bytes, peer_bytes, tw_s, peer_s))
        print(f"{name}: tailwheel {tw_s:.2f}s {tw_files} files {tw_bytes/1e6:.1f} MB; uv+pip {peer_s:.2f}s {peer_files} files {peer_bytes/1e6:.1f} MB")
    lines = [
        "| set | files tw / peer | MB tw / peer | bytes ratio | s tw / peer | time ratio |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, tf, pf, tb, pb, ts, ps in rows:
        lines.append(f"| {name} | {tf} / {pf} | {tb/1e6:.1f} / {pb/1e6:.1f} | {tb/pb:.2f} | {ts:.2f} / {ps:.2f} | {ts/ps:.2f} |")
    text = "\n".join(lines)
    print(text)
    out = ROOT / "bench" / "results" / "download.md"
    out.write_text(
        "# resolve + download: `tailwheel resolve --download` vs `uv pip compile` + `pip download --no-deps`\n\n"
        f"cold caches, {args.runs} runs each, medians; flags `{' '.join(TARGET)}`. "
        "Bytes are the files on disk (the same wheels when the pins match).\n\n" + text + "\n"
    )
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
