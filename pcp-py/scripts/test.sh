#!/usr/bin/env bash
# Builds the pgpool-pcp wheel and tests it against a running sandbox.
#
#   1. a fresh virtual environment (python3 -m venv) with maturin, pytest, pytest-asyncio, mypy
#   2. maturin build --release (abi3 wheel), installed into the venv; maturin sdist (checked
#      for the files it must carry)
#   3. pytest pcp-py/tests (sync, async, error paths, mutations that restore the state,
#      mypy --strict on the examples) and mypy --strict on the examples and the stubs
#
# The sandbox must be up (scripts/sandbox up); the tests find it through PCP_SANDBOX_ENV, else
# $PCP_SANDBOX_DIR/sandbox.env, else /var/tmp/pcp-sandbox/sandbox.env, and fail without it.
#
# Env: PYTHON (default python3), PCP_PY_VENV (default: a temporary directory, removed at the
#      end), CARGO_TARGET_DIR (default pcp-py/target), PIP_ARGS (extra pip arguments).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

python=${PYTHON:-python3}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$here/target}
tmp=$(mktemp -d)
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT
venv=${PCP_PY_VENV:-$tmp/venv}

step() { printf '\n==> %s\n' "$*"; }
now() { date +%s.%N; }
took() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "(%.1f s)\n", b - a }'; }

step "virtual environment $venv"
t=$(now)
rm -rf "$venv"
"$python" -m venv "$venv"
# shellcheck disable=SC2086
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check ${PIP_ARGS:-} \
    "maturin>=1.9.4,<2" pytest pytest-asyncio mypy
took "$t"

step "maturin build --release (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
t=$(now)
"$venv/bin/maturin" build --release --manifest-path "$here/Cargo.toml" --out "$tmp/wheels" \
    --interpreter "$venv/bin/python"
took "$t"
wheel=$(ls "$tmp"/wheels/pgpool_pcp-*.whl)

step "maturin sdist"
"$venv/bin/maturin" sdist --manifest-path "$here/Cargo.toml" --out "$tmp/sdist"
sdist=$(ls "$tmp"/sdist/pgpool_pcp-*.tar.gz)
# The sdist carries the Rust crates it builds from and the licence files.
listing=$(tar -tzf "$sdist")
for f in pyproject.toml LICENSE-MIT LICENSE-APACHE pcp-proto/Cargo.toml pcp-client/Cargo.toml; do
    grep -qx "pgpool_pcp-[^/]*/$f" <<<"$listing" || { echo "sdist lacks $f" >&2; exit 1; }
done
echo "built $sdist"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --force-reinstall "$wheel"
"$venv/bin/python" -c 'import pgpool_pcp, sys; print("installed", pgpool_pcp.__version__, "from", pgpool_pcp.__file__)'

step "pytest"
t=$(now)
# From the tests directory, so that `import pgpool_pcp` is the installed wheel.
(cd "$here/tests" && "$venv/bin/python" -m pytest -p no:cacheprovider -v)
took "$t"

step "mypy --strict (examples, benchmark script, stubs)"
"$venv/bin/python" -m mypy --strict --no-incremental examples benches/roundtrip.py
(cd "$tmp" && "$venv/bin/python" -m mypy --strict --no-incremental -p pgpool_pcp \
    && "$venv/bin/python" -m mypy.stubtest pgpool_pcp._pcp --ignore-missing-stub)

step "pcp-py: all tests passed"
