#!/bin/sh
# Baseline for the drill section: the follow-primary step of the EFM + Pgpool-II architecture
# (its follow_master.sh), written anew. Pgpool runs it as its follow_primary_command with
# `%d %P`, in the foreground as the architecture configures it, once for every node that its
# promotion took down. For any node but the old primary it waits a fixed 10 seconds, then
# attaches the node with pcp_attach_node, without looking at whether the node streams.
#
# usage: seed_follow.sh NODE OLD_PRIMARY
#   connection: $PCP_HOST, $PCP_PORT, $PCP_USER, password from $PCPPASSFILE (-w)
# Prints a start line and an end line with the attach's exit status (Pgpool ignores it).
node="${1:?usage: seed_follow.sh NODE OLD_PRIMARY}"
old_primary="${2:?old primary missing}"
tools="${PCP_TOOLS_DIR:-/usr/sbin}"
echo "seed-follow $node (old primary $old_primary): start"
status=skipped
if [ "$node" -ne "$old_primary" ]; then
    sleep 10
    "$tools/pcp_attach_node" -w -U "${PCP_USER:?}" -h "${PCP_HOST:?}" -p "${PCP_PORT:?}" -n "$node"
    status=$?
fi
echo "seed-follow $node exit $status"
