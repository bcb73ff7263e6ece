#!/usr/bin/env python3
"""Check tailwheel's universal locks environment by environment (issue 17).

For each set: `tailwheel resolve SET --universal --python-version 3.10 -o pylock.toml`, then

1. the lock must validate with `packaging.pylock` (packaging >= 26.1);
2. for each environment below, `Pylock.select` picks what an installer would install there;
   those pins, given to `uv pip compile SET --python-version V --python-platform P -c PINS`,
   must come back unchanged (so they are a valid resolution for that environment) and every
   selected package must have a file (a wheel for that platform, or an sdist).

Needs the network (the real index, discovered through pip as `compare.py` does) and uv:

    python3 bench/universal_check.py --tailwheel target/release/tailwheel SET.in [SET.in ...]

Prints one line per set and environment and a summary; exit code 1 when any check failed.
Outputs are kept under --work-dir (default /tmp/tailwheel-universal/SET/).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from compare import discover_index, find_uv, parse_pins  # noqa: E402

# (label, uv --python-platform, python version, marker environment)
ENVIRONMENTS = [
    ("linux-x86_64-3.11", "x86_64-manylinux_2_28", "3.11", {
        "os_name": "posix", "sys_platform": "linux", "platform_system": "Linux",
        "platform_machine": "x86_64",
    }),
    ("linux-aarch64-3.12", "aarch64-manylinux_2_28", "3.12", {
        "os_name": "posix", "sys_platform": "linux", "platform_system": "Linux",
        "platform_machine": "aarch64",
    }),
    ("macos-arm64-3.12", "aarch64-apple-darwin", "3.12", {
        "os_name": "posix", "sys_platform": "darwin", "platform_system": "Darwin",
        "platform_machine": "arm64",
    }),
    ("windows-x86_64-3.13", "x86_64-pc-windows-msvc", "3.13", {
        "os_name": "nt", "sys_platform": "win32", "platform_system": "Windows",
        "platform_machine": "AMD64",
    }),
]  # fmt: skip


def environment(python: str, extra: dict[str, str]) -> dict[str, str]:
    """A full PEP 508 marker environment for CPython `python` with the platform keys of `extra`."""
    full = f"{python}.0"
    return {
        "implementation_name": "cpython",
        "implementation_version": full,
        "platform_python_implementation": "CPython",
        "platform_release": "",
        "platform_version": "",
        "python_version": python,
        "python_full_version": full,
        **extra,
    }


def tags(python: str, platform: str) -> list:
    """The wheel tags an installer on that platform accepts, best first."""
    from packaging import tags as t

    version = tuple(int(part) for part in python.split("."))
    interpreter = f"cp{version[0]}{version[1]}"
    if platform.endswith("manylinux_2_28"):
        arch = platform.split("-")[0]
        platforms = [f"manylinux_2_{minor}_{arch}" for minor in range(28, 16, -1)]
        platforms += [f"manylinux2014_{arch}"]
        if arch == "x86_64":
            platforms += [f"manylinux2010_{arch}", f"manylinux1_{arch}"]
        platforms += [f"linux_{arch}"]
    elif platform == "aarch64-apple-darwin":
        platforms = [f"macosx_{major}_0_{arch}" for major in range(14, 10, -1) for arch in ("arm64", "universal2")]
    elif platform == "x86_64-pc-windows-msvc":
        platforms = ["win_amd64"]
    else:
        raise SystemExit(f"no tags for {platform}")
    return list(t.cpython_tags(version, [interpreter, "abi3", "none"], platforms)) + list(
        t.compatible_tags(version, interpreter, platforms)
    )


def run(cmd: list[str], timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sets", nargs="+", help="requirements files or pyproject.toml files")
    parser.add_argument("--tailwheel", default=str(HERE.parent / "target" / "release" / "tailwheel"))
    parser.add_argument("--uv", help="uv binary (default: as compare.py finds it)")
    parser.add_argument("--index-url", help="index for both tools (default: discovered through pip)")
    parser.add_argument("--python-version", default="3.10", help="the lock's lower Python bound")
    parser.add_argument("--exclude-newer", default="2026-10-01T00:00:00Z")
    parser.add_argument("--work-dir", default="/tmp/tailwheel-universal")
    parser.add_argument("--pylock", help="check this lock instead of resolving (one set only)")
    args = parser.parse_args()

    from packaging.pylock import Pylock

    uv = find_uv(args.uv)
    index, origin = discover_index(args.index_url)
    print(f"index: from {origin}; uv: {uv}; tailwheel: {args.tailwheel}")
    failures = 0
    stems = [Path(path).stem for path in args.sets]
    for set_path in map(Path, args.sets):
        # A set's own name, or its folder's with it when two sets share a file name
        # (`requirements.txt` of several real-world projects).
        name = set_path.stem
        if set_path.name == "pyproject.toml":
            name = set_path.parent.name
        elif stems.count(name) > 1:
            name = f"{set_path.parent.name}-{name}"
        work = Path(args.work_dir) / name
        work.mkdir(parents=True, exist_ok=True)
        extras = ["--all-extras"] if set_path.name == "pyproject.toml" else []
        lock_path = Path(args.pylock) if args.pylock else work / "pylock.toml"
        if not args.pylock:
            r = run([
                args.tailwheel, "resolve", str(set_path), *extras, "--universal",
                "--python-version", args.python_version, "--exclude-newer", args.exclude_newer,
                "--index-url", index, "--no-progress", "--stats", "-o", str(lock_path),
            ])  # fmt: skip
            (work / "tailwheel.stderr").write_text(r.stderr)
            if r.returncode != 0:
                failures += 1
                print(f"{name}: tailwheel failed (exit {r.returncode}): {r.stderr.strip().splitlines()[-1:]}")
                continue
        try:
            lock = Pylock.from_dict(tomllib.loads(lock_path.read_text()))
        except Exception as err:  # noqa: BLE001 - any validation error is the answer
            failures += 1
            print(f"{name}: packaging.pylock rejects the lock: {err}")
            continue
        names = {}
        for package in lock.packages:
            names.setdefault(package.name, set()).add(str(package.version))
        several = {n: sorted(v) for n, v in names.items() if len(v) > 1}
        print(f"{name}: {len(lock.packages)} entries, {len(names)} names; several versions: {several or 'none'}")
        for label, platform, python, extra in ENVIRONMENTS:
            try:
                chosen = list(lock.select(environment=environment(python, extra), tags=tags(python, platform)))
            except Exception as err:  # noqa: BLE001
                failures += 1
                print(f"  {label}: packaging.pylock cannot select: {err}")
                continue
            pins_path = work / f"selected-{label}.txt"
            pins_path.write_text("".join(f"{p.name}=={p.version}\n" for p, _ in chosen))
            out = work / f"uv-{label}.txt"
            r = run([
                uv, "pip", "compile", str(set_path), *extras, "--python-version", python,
                "--python-platform", platform, "--exclude-newer", args.exclude_newer,
                "--index-url", index, "--no-header", "--no-annotate", "-c", str(pins_path), "-o", str(out),
            ])  # fmt: skip
            if r.returncode != 0:
                failures += 1
                last = [line for line in r.stderr.splitlines() if line.strip()][-3:]
                print(f"  {label}: uv rejects the selected pins: {' / '.join(last)}")
                continue
            ours = parse_pins(pins_path.read_text())
            theirs = parse_pins(out.read_text())
            diff = sorted(
                f"{n}: lock {ours.get(n)} vs uv -c {theirs.get(n)}"
                for n in set(ours) | set(theirs)
                if ours.get(n) != theirs.get(n)
            )
            kinds = {}
            for _, dist in chosen:
                kinds[type(dist).__name__] = kinds.get(type(dist).__name__, 0) + 1
            if diff:
                failures += 1
                print(f"  {label}: {len(chosen)} selected, DIFFERENT from uv -c: {diff[:6]}")
            else:
                print(f"  {label}: {len(chosen)} selected ({kinds}), uv -c agrees")
    print("all checks passed" if not failures else f"{failures} check(s) failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
