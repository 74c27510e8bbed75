#!/usr/bin/env bash
# Untimed step between glue samples: puts node K into a state, whatever the timed command did,
# reading Pgpool's view only from pool status (answered from Pgpool's memory, so it never
# waits on a hung backend, unlike node info on the production profile).
#
#   up|down   attach or detach K until pool status shows it `up` (or `waiting`) or `down`;
#             nothing is sent if it already is. A request caught by Pgpool's PCP restart after
#             a failover fails: it is sent again.
#   frozen    after that, stop K's postmaster (scripts/sandbox pg-freeze): a hung host
#
# A frozen K is always thawed first (pg-thaw), so that Pgpool's failover or failback does not
# wait on it.
#
# Then lets Pgpool finish what it does after a failover or failback (PCP_BENCH_SETTLE_S,
# default 0.3 s) before the next sample.
#
# usage: benches/glue/put.sh K up|down [frozen|thawed] [TIMEOUT_S]   (thawed: the default)
#   connection: $PCP_HOST, $PCP_PORT, $PCP_USER, $PCPPASSFILE; sandbox: $PCP_SANDBOX_DIR
set -u
node="${1:?node id}"
want="${2:?up|down}"
freeze="${3:-}"
timeout="${4:-60}"
here=$(cd "$(dirname "$0")" && pwd)
sandbox="$here/../../scripts/sandbox"
tools="${PCP_TOOLS_DIR:-/usr/sbin}"
conn=(-h "${PCP_HOST:?}" -p "${PCP_PORT:?}" -U "${PCP_USER:?}" -w)

status() {
    "$tools/pcp_pool_status" "${conn[@]}" 2>/dev/null |
        awk -v n="name : backend_status$node" '$0 == n { getline; sub(/^value: */, ""); print; exit }'
}
applied() {
    case "$want:$1" in up:up | up:waiting | down:down) return 0 ;; esac
    return 1
}

quiet() { # runs scripts/sandbox, its messages shown only if it fails
    local out
    out=$("$sandbox" "$@" 2>&1) || { printf '%s\n' "$out" >&2; return 1; }
}
quiet pg-thaw "$node" || exit 1
deadline=$((SECONDS + timeout))
s=$(status)
while ! applied "$s"; do
    if ((SECONDS >= deadline)); then
        echo "put: node $node not $want after ${timeout}s (pool status: ${s:-none})" >&2
        exit 1
    fi
    if [ "$want" = up ]; then
        "$tools/pcp_attach_node" "${conn[@]}" -n "$node" >/dev/null 2>&1
    else
        "$tools/pcp_detach_node" "${conn[@]}" -n "$node" >/dev/null 2>&1
    fi
    for ((i = 0; i < 60; i++)); do # up to 3 s: a failback can take a second or more
        s=$(status)
        applied "$s" && break
        sleep 0.05
    done
done
sleep "${PCP_BENCH_SETTLE_S:-0.3}"
if [ "$freeze" = frozen ]; then
    quiet pg-freeze "$node" || exit 1
fi
exit 0
