#!/usr/bin/env bash
# Untimed step between glue samples: waits until Pgpool shows node K in the given state
# (`up` accepts Pgpool's `waiting` too, the state right after a failback), then lets Pgpool
# finish what it does after a failover or failback (child restarts) before the next sample.
#
# usage: benches/glue/settle.sh K up|down [TIMEOUT_S]
set -u
node="${1:?node id}"
want="${2:?up|down}"
timeout="${3:-30}"
tools="${PCP_TOOLS_DIR:-/usr/sbin}"
conn=(-h "${PCP_HOST:?}" -p "${PCP_PORT:?}" -U "${PCP_USER:?}" -w)
deadline=$((SECONDS + timeout))
while :; do
    read -r -a f <<<"$("$tools/pcp_node_info" "${conn[@]}" -n "$node" 2>/dev/null)"
    case "$want:${f[4]:-}" in
        up:up | up:waiting | down:down) break ;;
    esac
    if ((SECONDS >= deadline)); then
        echo "settle: node $node not $want after ${timeout}s (status: ${f[4]:-none})" >&2
        exit 1
    fi
    sleep 0.02
done
sleep "${PCP_BENCH_SETTLE_S:-0.3}"
