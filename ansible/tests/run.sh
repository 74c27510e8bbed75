#!/usr/bin/env bash
# Tests the Ansible collection pgpool.pcp:
#
#   1. a Python with pgpool_pcp (PCP_ANSIBLE_VENV or PCP_PY_VENV when it has the package, else
#      a temporary venv with the wheel built by maturin) and ansible-core from PyPI
#   2. ansible-galaxy collection build, installed into a temporary collections path
#   3. ansible-test sanity --python X.Y on the installed collection (every test it has)
#   4. the integration playbooks (tests/playbooks, connection: local) against a running
#      sandbox of two Pgpools (PCP_SANDBOX_PGPOOLS=2 scripts/sandbox up), and against
#      pcp-fake-server as Pgpool 4.0, 4.2 and master (generations the sandbox does not run)
#
# The sandbox is found through PCP_SANDBOX_ENV, else $PCP_SANDBOX_DIR/sandbox.env, else
# /var/tmp/pcp-sandbox/sandbox.env; without one (or with a single Pgpool) this fails.
#
# Env: PCP_ANSIBLE_VENV / PCP_PY_VENV (a venv to reuse), PYTHON (default python3),
#      CARGO_TARGET_DIR (default <repo>/target), PCPCTL (default: $CARGO_TARGET_DIR/debug/
#      pcpctl, built if missing), PCP_FAKE_SERVER (default: $CARGO_TARGET_DIR/debug/
#      pcp-fake-server, built if missing), ANSIBLE_CORE_VERSION (default 2.19.14),
#      PCP_ANSIBLE_TEST_HOME (ansible-test's cache of sanity venvs; default
#      /var/tmp/pcp-ansible-test-home), PCP_ANSIBLE_SKIP_SANITY=1 (playbooks only),
#      PIP_ARGS (extra pip arguments).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
repo=$(cd "$here/.." && pwd)

ansible_core=${ANSIBLE_CORE_VERSION:-2.19.14}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$repo/target}
tmp=$(mktemp -d)
fake_pids=()
cleanup() {
    local pid
    for pid in "${fake_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT

step() { printf '\n==> %s\n' "$*"; }
now() { date +%s.%N; }
took() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "(%.1f s)\n", b - a }'; }
die() { printf 'ansible/tests/run.sh: %s\n' "$*" >&2; exit 1; }
started=$(now)

# --------------------------------------------------------------------------- the sandbox
env_file=""
for candidate in "${PCP_SANDBOX_ENV:-}" "${PCP_SANDBOX_DIR:+$PCP_SANDBOX_DIR/sandbox.env}" \
        /var/tmp/pcp-sandbox/sandbox.env; do
    if [ -n "$candidate" ] && [ -f "$candidate" ]; then env_file=$candidate; break; fi
done
[ -n "$env_file" ] || die "no sandbox: sandbox.env not found (PCP_SANDBOX_ENV, \
\$PCP_SANDBOX_DIR/sandbox.env, /var/tmp/pcp-sandbox/sandbox.env). Start one with two Pgpools:
    PCP_SANDBOX_PGPOOLS=2 scripts/sandbox up"
# shellcheck disable=SC1090
sbx() ( . "$env_file"; eval "printf '%s' \"\${$1:-}\"" )
read -r -a pcp_ports <<<"$(sbx PCP_PORTS)"
[ "${#pcp_ports[@]}" -ge 2 ] || die "the sandbox of $env_file runs one Pgpool; the rolling \
test needs two. Start one with: PCP_SANDBOX_PGPOOLS=2 scripts/sandbox up (another \
PCP_SANDBOX_DIR and ports if a sandbox already runs)"
pcp_host=$(sbx PCP_HOST)
sandbox_dir=$(sbx PCP_SANDBOX_DIR)
endpoints=()
for port in "${pcp_ports[@]:0:2}"; do endpoints+=("$pcp_host:$port"); done

# --------------------------------------------------------------------------- Python
step "Python with pgpool_pcp and ansible-core $ansible_core"
t=$(now)
venv=${PCP_ANSIBLE_VENV:-${PCP_PY_VENV:-}}
if [ -z "$venv" ] || ! "$venv/bin/python" -c 'import pgpool_pcp' 2>/dev/null; then
    venv=$tmp/venv
    echo "no venv with pgpool_pcp given: building the wheel into $venv"
    "${PYTHON:-python3}" -m venv "$venv"
    # shellcheck disable=SC2086
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check ${PIP_ARGS:-} \
        "maturin>=1.9.4,<2"
    "$venv/bin/maturin" build --release --manifest-path "$repo/pcp-py/Cargo.toml" \
        --out "$tmp/wheels" --interpreter "$venv/bin/python"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$tmp"/wheels/*.whl
fi
py=$venv/bin/python
if [ "$("$py" -c 'import ansible.release as r; print(r.__version__)' 2>/dev/null)" != "$ansible_core" ]; then
    # shellcheck disable=SC2086
    "$py" -m pip install --quiet --disable-pip-version-check ${PIP_ARGS:-} "ansible-core==$ansible_core"
fi
"$py" -c 'import pgpool_pcp, ansible.release as r, sys
print("python", sys.version.split()[0], "pgpool_pcp", pgpool_pcp.__version__, "ansible-core", r.__version__)'
pyver=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
took "$t"

pcpctl=${PCPCTL:-$CARGO_TARGET_DIR/debug/pcpctl}
if [ ! -x "$pcpctl" ]; then
    step "cargo build -p pgpool-pcp-cli (for pcpctl --json, the reference of the facts)"
    (cd "$repo" && cargo build -p pgpool-pcp-cli)
fi
for endpoint in "${endpoints[@]}"; do
    "$pcpctl" -h "$endpoint" -U "$(sbx PCP_USER)" -w --passfile "$(sbx PCPPASSFILE)" \
        node-count >/dev/null ||
        die "the sandbox of $env_file does not answer at $endpoint: see \
PCP_SANDBOX_DIR=$sandbox_dir scripts/sandbox status (or start it again: down, then \
PCP_SANDBOX_PGPOOLS=2 scripts/sandbox up)"
done

fake_server=${PCP_FAKE_SERVER:-$CARGO_TARGET_DIR/debug/pcp-fake-server}
if [ ! -x "$fake_server" ]; then
    step "cargo build -p pcp-testkit --bin pcp-fake-server (Pgpool generations the sandbox lacks)"
    (cd "$repo" && cargo build -p pcp-testkit --bin pcp-fake-server)
fi

# Ansible reads no configuration of the machine's and writes nothing outside $tmp.
printf '[defaults]\n' >"$tmp/ansible.cfg"
export ANSIBLE_CONFIG=$tmp/ansible.cfg ANSIBLE_COLLECTIONS_PATH=$tmp/collections \
    ANSIBLE_LOCAL_TEMP=$tmp/ansible-local ANSIBLE_REMOTE_TEMP=$tmp/ansible-remote \
    ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0
bin=$venv/bin

# --------------------------------------------------------------------------- build, install
step "ansible-galaxy collection build; install into $ANSIBLE_COLLECTIONS_PATH"
"$bin/ansible-galaxy" collection build --output-path "$tmp/build" "$here"
"$bin/ansible-galaxy" collection install -p "$ANSIBLE_COLLECTIONS_PATH" "$tmp"/build/pgpool-pcp-*.tar.gz
installed=$ANSIBLE_COLLECTIONS_PATH/ansible_collections/pgpool/pcp
# The README shows the rolling-maintenance playbook the tests run: they must not drift.
"$py" - "$here/README.md" "$here/examples/rolling_maintenance.yml" <<'EOF'
import sys
readme, playbook = (open(p).read() for p in sys.argv[1:])
if playbook.strip() not in readme:
    sys.exit("README.md does not show examples/rolling_maintenance.yml as it is")
EOF

# --------------------------------------------------------------------------- sanity
passed=0
failed=0
if [ "${PCP_ANSIBLE_SKIP_SANITY:-}" != 1 ]; then
    step "ansible-test sanity --python $pyver"
    t=$(now)
    # ansible-test makes one venv per sanity test and bootstraps pip into it with a get-pip
    # script it downloads from a host of its own, which this machine cannot reach. Give it a
    # stand-in with the name it looks for: pip from ensurepip, then the pinned pip from PyPI.
    test_home=${PCP_ANSIBLE_TEST_HOME:-/var/tmp/pcp-ansible-test-home}
    pip_version=$("$py" -c 'from types import SimpleNamespace as N
from ansible_test._internal.python_requirements import get_venv_packages
print(get_venv_packages(N(version="'"$pyver"'"))["pip"])')
    mkdir -p "$test_home/.ansible/test/cache"
    cat >"$test_home/.ansible/test/cache/get_pip_${pip_version//./_}.py" <<'EOF'
# Stand-in for get-pip.py, written by pcp's ansible/tests/run.sh.
import ensurepip
import os
import runpy
import sys

saved = dict(os.environ)
ensurepip.bootstrap()  # it points PIP_CONFIG_FILE at /dev/null: restore the environment
os.environ.clear()
os.environ.update(saved)
sys.argv = ['pip', 'install'] + [a for a in sys.argv[1:] if a not in ('--no-setuptools', '--no-wheel')]
runpy.run_module('pip', run_name='__main__', alter_sys=True)
EOF
    if (cd "$installed" && HOME=$test_home "$bin/ansible-test" sanity --python "$pyver" \
            --color no >"$tmp/sanity.log" 2>&1); then
        passed=$((passed + 1))
        grep -E '^(Running sanity test|WARNING: Skipping)' "$tmp/sanity.log" || true
        echo "sanity: clean"
    else
        failed=$((failed + 1))
        grep -vE '^(Collecting|  Downloading|Processing|Installing collected|Successfully|Requirement|  Attempting|    Found|    Uninstalling|      Successfully| +━)' \
            "$tmp/sanity.log" | tail -n 80
        echo "sanity: FAILED"
    fi
    took "$t"
fi

# --------------------------------------------------------------------------- playbooks
# Fake Pgpools of the generations the sandbox does not run, with a watchdog: each serves until
# the write end of its stdin (held by this shell) closes, and is killed at exit anyway.
fake_servers=""
start_fake() { # start_fake VERSION
    local version=$1 fifo=$tmp/fake-$1.in out=$tmp/fake-$1.out port="" fd _
    mkfifo "$fifo"
    "$fake_server" --version "$version" --watchdog <"$fifo" >"$out" 2>&1 &
    fake_pids+=("$!")
    # shellcheck disable=SC2034  # fd stays open (the server's stdin) until this shell exits
    exec {fd}>"$fifo"
    for _ in $(seq 100); do
        port=$(sed -n 's/^PORT=//p' "$out")
        [ -n "$port" ] && break
        sleep 0.1
    done
    [ -n "$port" ] || die "pcp-fake-server --version $version did not start: $(cat "$out")"
    fake_servers+="${fake_servers:+, }{\"version\": \"$version\", \"endpoint\": \"127.0.0.1:$port\"}"
}
for version in 4.0 4.2 master; do start_fake "$version"; done
printf '*:*:pcpadmin:secret\n' >"$tmp/fake.pcppass"
chmod 600 "$tmp/fake.pcppass"

closed_port=$("$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$tmp/vars.json" <<EOF
{
  "ansible_python_interpreter": "$py",
  "pcp_endpoints": ["${endpoints[0]}", "${endpoints[1]}"],
  "pgpool_endpoints": ["${endpoints[0]}", "${endpoints[1]}"],
  "pcp_user": "$(sbx PCP_USER)",
  "pcp_password": "$(sbx PCP_PASSWORD)",
  "pcppass_file": "$(sbx PCPPASSFILE)",
  "pcp_socket_dir": "$(sbx PCP_SOCKET_DIR)",
  "pg_port": $(sbx PG_PORT),
  "pcpctl": "$pcpctl",
  "sandbox_script": "$repo/scripts/sandbox",
  "sandbox_dir": "$sandbox_dir",
  "closed_port": $closed_port,
  "examples_dir": "$installed/examples",
  "maintenance_tasks": "$installed/tests/playbooks/tasks/maintenance_check.yml",
  "maintenance_log": "$tmp/maintained",
  "fake_servers": [$fake_servers],
  "fake_pcppass": "$tmp/fake.pcppass"
}
EOF
printf 'localhost ansible_connection=local\n' >"$tmp/inventory"

playbook() { # playbook NAME [ansible-playbook options]
    local name=$1 t
    shift
    step "playbook $name.yml"
    t=$(now)
    if "$bin/ansible-playbook" -i "$tmp/inventory" -e "@$tmp/vars.json" "$@" \
            "$installed/tests/playbooks/$name.yml"; then
        passed=$((passed + 1))
        echo "playbook $name: passed"
    else
        failed=$((failed + 1))
        echo "playbook $name: FAILED"
    fi
    took "$t"
}
echo
echo "(errors.yml, command.yml and generations.yml print 'fatal:'/'failed:' for the failures"
echo " they provoke and check;"
echo " a playbook failed only if its recap counts failed=1 or more)"
playbook info
playbook errors
playbook backend
playbook command
: >"$tmp/maintained"
playbook rolling -e ansible_connection=local
playbook generations

# --------------------------------------------------------------------------- the end state
step "the sandbox as it was: every node attached (up or waiting), node 0 primary, on each Pgpool (pcpctl --json)"
for endpoint in "${endpoints[@]}"; do
    if "$pcpctl" -h "$endpoint" -U "$(sbx PCP_USER)" -w --passfile "$(sbx PCPPASSFILE)" \
            --json node-info | "$py" -c 'import json, sys
nodes = json.load(sys.stdin)["nodes"]
ok = len(nodes) == 3 and all(n["status"] in ("up", "waiting") for n in nodes) \
    and nodes[0]["is_primary"]
print(sys.argv[1], [(n["node_id"], n["status"], n["role"]) for n in nodes])
sys.exit(0 if ok else 1)' "$endpoint"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "$endpoint was not left as found"
    fi
done

step "ansible: $(awk -v a="$started" -v b="$(now)" 'BEGIN { printf "%.0f s", b - a }')"
echo "ansible: $passed passed, $failed failed"
[ "$failed" = 0 ]
