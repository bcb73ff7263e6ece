#!/usr/bin/env bash
# Interop check: a pylock.toml written by tailwheel must validate with
# `packaging.pylock` and install with uv into a fresh venv that can import flask.
#
#   bench/pylock_install.sh [REQUIREMENTS.in]      (default: ../shared/corpus/flask-mixed.in)
#
# Environment (all optional):
#   TAILWHEEL   tailwheel binary        (default: target/release/tailwheel)
#   BENCH_VENV  venv with uv + packaging>=26 (default: /tmp/bench-venv)
#   WORK        scratch directory       (default: /tmp/tailwheel-pylock)
#   PYTHON      interpreter for the target venv (default: python3 on PATH)
#
# The lock is resolved for this machine (--python-version 3.11 --python-platform
# x86_64-manylinux_2_28), so the host must be a CPython 3.11 on x86_64 Linux with
# glibc >= 2.28. Not part of the test suite or CI.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
requirements="${1:-$repo/../shared/corpus/flask-mixed.in}"
tailwheel="${TAILWHEEL:-$repo/target/release/tailwheel}"
bench_venv="${BENCH_VENV:-/tmp/bench-venv}"
work="${WORK:-/tmp/tailwheel-pylock}"
python="${PYTHON:-$(command -v python3)}"
uv="$bench_venv/bin/uv"
[ -x "$uv" ] || uv="$(command -v uv || true)"
checker="$bench_venv/bin/python"
[ -x "$checker" ] || checker="$python"
export UV_PYTHON_DOWNLOADS=never
# A cache of its own, inside the scratch directory: cold, and nobody else's cache is touched.
export UV_CACHE_DIR="$work/uv-cache"

step() { printf '\n== %s\n' "$*"; }
fail() { printf 'RESULT: FAIL (%s)\n' "$*"; exit 1; }

[ -x "$tailwheel" ] || fail "$tailwheel is missing: run \`cargo build --release\`"
[ -n "$uv" ] || fail "uv not found: see bench/README.md"
[ -f "$requirements" ] || fail "$requirements does not exist"

step "host"
"$python" - <<'EOF'
import platform, sys, sysconfig
print(f"python {platform.python_version()} ({sys.executable}), platform {sysconfig.get_platform()}, libc {' '.join(platform.libc_ver())}")
ok = sys.version_info[:2] == (3, 11) and sysconfig.get_platform() == "linux-x86_64"
libc = platform.libc_ver()
if libc[0] == "glibc":
    major, minor = (int(x) for x in libc[1].split(".")[:2])
    ok = ok and (major, minor) >= (2, 28)
else:
    ok = False
print("matches --python-version 3.11 --python-platform x86_64-manylinux_2_28:", "yes" if ok else "NO (the install step may fail for that reason alone)")
EOF
echo "tailwheel: $("$tailwheel" --version)"
echo "uv: $("$uv" --version)"

rm -rf "$work"
mkdir -p "$work"
lock="$work/pylock.toml"

step "resolve $(basename "$requirements") -> pylock.toml"
set -x
"$tailwheel" resolve "$requirements" -o "$lock" \
    --python-version 3.11 --python-platform x86_64-manylinux_2_28 \
    --exclude-newer 2026-10-01T00:00:00Z --no-progress --stats
status=$?
{ set +x; } 2>/dev/null
[ $status -eq 0 ] || fail "tailwheel exited $status"
echo "lock: $lock ($(wc -c <"$lock") bytes, $(grep -c '^\[\[packages\]\]' "$lock") packages)"
head -n 20 "$lock"
echo "..."

step "validate with packaging.pylock"
"$checker" - "$lock" <<'EOF' || fail "packaging.pylock rejected the lock"
import sys, tomllib
import packaging
from packaging.pylock import Pylock

with open(sys.argv[1], "rb") as f:
    data = tomllib.load(f)
lock = Pylock.from_dict(data)
lock.validate()
wheels = sum(len(p.wheels or ()) for p in lock.packages)
sdists = sum(1 for p in lock.packages if p.sdist is not None)
print(f"packaging {packaging.__version__}: valid; lock-version {lock.lock_version}, created-by {lock.created_by}, "
      f"{len(lock.packages)} packages, {wheels} wheels, {sdists} sdists")
EOF

step "install with uv into a fresh venv"
venv="$work/venv"
"$uv" venv --python "$python" "$venv" || fail "uv venv failed"
install_log="$work/install.log"
if "$uv" pip install --python "$venv/bin/python" -r "$lock" 2>&1 | tee "$install_log"; then
    how="uv pip install -r pylock.toml"
else
    echo "-- without --preview it failed; retrying with --preview"
    if "$uv" pip install --preview --python "$venv/bin/python" -r "$lock" 2>&1 | tee "$install_log"; then
        how="uv pip install --preview -r pylock.toml"
    else
        fail "uv could not install the lock (see $install_log)"
    fi
fi

step "compare what was installed with the lock"
"$checker" - "$lock" "$venv/bin/python" <<'EOF' || fail "the venv does not hold exactly the locked packages"
import json, re, subprocess, sys, tomllib

def norm(name):
    return re.sub(r"[-_.]+", "-", name).lower()

with open(sys.argv[1], "rb") as f:
    locked = {norm(p["name"]): p["version"] for p in tomllib.load(f)["packages"]}
out = subprocess.run(
    [sys.argv[2], "-c", "import importlib.metadata as m, json; "
     "print(json.dumps({d.metadata['Name']: d.version for d in m.distributions()}))"],
    capture_output=True, text=True, check=True,
).stdout
installed = {norm(k): v for k, v in json.loads(out).items()}
installed.pop("pip", None)  # seeded by some venv tools, not part of the lock
problems = []
for name in sorted(set(locked) | set(installed)):
    if locked.get(name) != installed.get(name):
        problems.append(f"{name}: locked {locked.get(name)}, installed {installed.get(name)}")
print("\n".join(problems) if problems else f"installed == locked ({len(locked)} packages)")
sys.exit(1 if problems else 0)
EOF

step "import flask (and the rest of the set) in the venv"
"$venv/bin/python" - <<'EOF' || fail "import failed in the venv"
import importlib.metadata as m
import flask, flask_sqlalchemy, flask_login, wtforms, email_validator, requests, socks, yaml
print("flask", m.version("flask"), "from", flask.__file__)
app = flask.Flask("bench")
@app.get("/")
def index():
    return "ok"
print("test client GET / ->", app.test_client().get("/").data.decode())
EOF

printf '\nRESULT: PASS (tailwheel lock validated by packaging.pylock, installed with `%s`, flask imports)\n' "$how"
