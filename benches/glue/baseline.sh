#!/usr/bin/env bash
# Baseline for the glue benchmarks: the shell way of addressing a Pgpool backend by host, as
# EFM integrations have done it with the pcp_* tools. It makes the same sequence of pcp_* calls
# as the host-to-node-id helper of the EFM + Pgpool-II architecture document: pcp_node_count,
# then pcp_node_info for node 0, 1, ... until the host (and the port, if given) matches, then
# the action on that node id. It does not wait for Pgpool to apply an attach, detach or promote
# (`promote` is the architecture's post-promotion step, pcp_promote_node; the drill section uses it).
#
# By default fields are split with bash built-ins, so this baseline is, if anything, faster than
# such scripts usually are. With --awk it takes each field it needs with `echo | awk`, one
# pipeline per field, the way shell integrations commonly do.
#
# usage: benches/glue/baseline.sh [--awk] is-primary|attach|detach|promote HOST [PORT]
#   connection: $PCP_HOST, $PCP_PORT, $PCP_USER, password from $PCPPASSFILE (-w)
#   exit: is-primary 0 = primary, 1 = not; attach/detach/promote: the tool's status; 3 = no such host
set -u

tools="${PCP_TOOLS_DIR:-/usr/sbin}"
use_awk=0
if [ "${1:-}" = --awk ]; then
    use_awk=1
    shift
fi
action="${1:?usage: baseline.sh is-primary|attach|detach|promote HOST [PORT]}"
host="${2:?host missing}"
port="${3:-}"
conn=(-h "${PCP_HOST:?}" -p "${PCP_PORT:?}" -U "${PCP_USER:?}" -w)

# Sets $node_id and $node_role for the first backend whose host (and port) match, or fails.
find_node() {
    local count i info fields node_host node_port
    count=$("$tools/pcp_node_count" "${conn[@]}") || return 1
    for ((i = 0; i < count; i++)); do
        # Pgpool 4.3 layout: hostname port status weight status_name pg_status role ...
        info=$("$tools/pcp_node_info" "${conn[@]}" -n "$i") || return 1
        if [ "$use_awk" = 1 ]; then
            # shellcheck disable=SC2086  # unquoted on purpose, as such scripts do
            node_host=$(echo $info | awk '{ print $1 }')
            node_port=$(echo $info | awk '{ print $2 }')
        else
            read -r -a fields <<<"$info"
            node_host=${fields[0]:-} node_port=${fields[1]:-}
        fi
        if [ "$node_host" = "$host" ] && { [ -z "$port" ] || [ "$node_port" = "$port" ]; }; then
            node_id=$i
            if [ "$use_awk" = 1 ]; then
                # shellcheck disable=SC2086
                node_role=$(echo $info | awk '{ print $7 }')
            else
                node_role=${fields[6]:-}
            fi
            return 0
        fi
    done
    return 1
}

if ! find_node; then
    echo "baseline: no backend with host $host${port:+:$port}" >&2
    exit 3
fi
case "$action" in
    is-primary)
        [ "$node_role" = primary ] && exit 0
        exit 1
        ;;
    attach) exec "$tools/pcp_attach_node" "${conn[@]}" -n "$node_id" ;;
    detach) exec "$tools/pcp_detach_node" "${conn[@]}" -n "$node_id" ;;
    promote) exec "$tools/pcp_promote_node" "${conn[@]}" -n "$node_id" ;;
    *)
        echo "baseline: unknown action $action" >&2
        exit 2
        ;;
esac
