# Sourced by benches/run: node info of every backend from a Pgpool with 16 configured backends
# (3 real PostgreSQL nodes, 13 configured at loopback addresses where nothing listens, marked
# down: PCP_SANDBOX_EXTRA_BACKENDS) against the main sandbox's Pgpool with 3, in the same
# interleaved runs: `pcpctl node-info --all --format=pcp`, one `pcp_node_info` (all nodes,
# Pgpool 4.3+) and one `pcp_node_info -n K` per backend. Brings up its own sandbox
# (backends_vars from benches/run) and takes it down again. Prints a Markdown section.
#
# Uses from benches/run: PCPCTL EXEC WATCH TOOLS OUT BACKENDS_RUNS CLI_WARMUP PCP_SANDBOX_ENV
# backends_vars sandbox own_sandbox, and the helpers ratio fig spread us_spread.

section_backends() {
    local extra=13
    local vars="$backends_vars PCP_SANDBOX_EXTRA_BACKENDS=$extra"
    local dir="${backends_vars%% *}"
    dir="${dir#PCP_SANDBOX_DIR=}"
    if ! own_sandbox "$vars" backends; then
        printf '## Scale: 16 configured backends\n\nNot measured: the sandbox with %s extra backends did not come up (see %s).\n\n' \
            "$extra" "\`bench-report/backends-up.log\`"
        return
    fi
    local res="$OUT/backends.tsv"
    (
        # The two sandboxes share the PCP user and password, and their pcppass files are
        # the same `*:*:user:password` line, so the main sandbox's PCPPASSFILE serves both.
        # shellcheck disable=SC1090
        small_port=$(. "$PCP_SANDBOX_ENV" && echo "$PCP_PORT")
        # shellcheck disable=SC1091
        . "$dir/sandbox.env"
        big_port=$PCP_PORT n_big=$PGPOOL_BACKENDS
        # shellcheck disable=SC1090
        . "$PCP_SANDBOX_ENV"
        local specs=() n port c k loop
        for n in 3 "$n_big"; do
            if [ "$n" = 3 ]; then port=$small_port; else port=$big_port; fi
            c="-h $PCP_HOST -p $port -U $PCP_USER -w"
            loop="$TOOLS/pcp_node_info $c -n 0"
            for ((k = 1; k < n; k++)); do loop+=" ;; $TOOLS/pcp_node_info $c -n $k"; done
            specs+=("tool-$n=$TOOLS/pcp_node_info $c" "loop-$n=$loop" "ctl-$n=$PCPCTL $c node-info --all --format=pcp")
            # Byte-identical output: pcpctl against the tool, and the tool once against the
            # tool per node (three tries: a status change between the runs would differ).
            same=no
            for _ in 1 2 3; do
                # shellcheck disable=SC2086
                if cmp -s <($TOOLS/pcp_node_info $c 2>/dev/null) <($PCPCTL $c node-info --all --format=pcp 2>/dev/null); then
                    same=yes
                    break
                fi
            done
            same_loop=no
            for _ in 1 2 3; do
                # shellcheck disable=SC2086
                if cmp -s <($TOOLS/pcp_node_info $c 2>/dev/null) \
                    <(for ((k = 0; k < n; k++)); do $TOOLS/pcp_node_info $c -n "$k" 2>/dev/null; done); then
                    same_loop=yes
                    break
                fi
            done
            # shellcheck disable=SC2086
            printf '%s\t%s\t%s\t%s\t%s\n' "$n" "$same" "$same_loop" \
                "$($TOOLS/pcp_node_info $c | awk '$5 == "up"' | wc -l)" \
                "$($TOOLS/pcp_node_info $c | awk '$5 == "down"' | wc -l)" >>"$res.info"
        done
        "$EXEC" --runs "$BACKENDS_RUNS" --warmup "$CLI_WARMUP" --raw "$res.raw" "${specs[@]}" >"$res" || exit 1
        # One kept-open pcp-client session, node info of all backends per request: the
        # per-backend cost without a process start or a new PCP session.
        for n in 3 "$n_big"; do
            if [ "$n" = 3 ]; then port=$small_port; else port=$big_port; fi
            "$WATCH" --only rust --runs $((BACKENDS_RUNS * 10)) --warmup "$CLI_WARMUP" \
                "$PCP_HOST" "$PCP_USER" "$PCP_PASSWORD" "$port" >"$res.session-$n" || exit 1
        done
    ) || {
        sandbox "$vars" down >/dev/null 2>&1 || true
        echo "benches/run: the backends section failed (see above)" >&2
        exit 1
    }
    sandbox "$vars" down >/dev/null 2>&1 || true

    local rows=() n same same_loop up down big=3
    while IFS=$'\t' read -r n same same_loop up down; do
        [ "$same" = yes ] || same="**no**"
        [ "$same_loop" = yes ] || same_loop="**no**"
        rows+=("| $n ($up up, $down down) | $(spread "$res" "tool-$n") | $(spread "$res" "loop-$n") | $(spread "$res" "ctl-$n") | $(ratio "$(fig "$res" "ctl-$n" median)" "$(fig "$res" "tool-$n" median)") | $(ratio "$(fig "$res" "ctl-$n" median)" "$(fig "$res" "loop-$n" median)") | $(us_spread "$res.session-$n" rust) | $same | $same_loop |")
        big=$n
    done <"$res.info"
    # growth per backend between 3 and the large count: (median at big - median at 3) / (big - 3)
    per_backend() { # FILE NAME -> ms per backend
        awk -v a="$(fig "$1" "$2-3" median)" -v b="$(fig "$1" "$2-$big" median)" -v d="$((big - 3))" \
            'BEGIN { printf "%.3f", (b - a) / d / 1000 }'
    }
    local g_tool g_loop g_ctl g_session
    g_tool=$(per_backend "$res" tool) g_loop=$(per_backend "$res" loop) g_ctl=$(per_backend "$res" ctl)
    g_session=$(awk -v a="$(fig "$res.session-3" rust median)" -v b="$(fig "$res.session-$big" rust median)" \
        -v d="$((big - 3))" 'BEGIN { printf "%.1f", (b - a) / d }')

    cat <<EOF
## Scale: 16 configured backends

A Pgpool with $big configured backends: the sandbox's 3 PostgreSQL nodes and $extra more at
loopback addresses \`127.0.1.3\`–\`127.0.1.$((big - 1))\` where nothing listens, down from the start
(\`PCP_SANDBOX_EXTRA_BACKENDS=$extra\`: \`scripts/sandbox\` writes them \`down\` in Pgpool's
\`pgpool_status\`, as Pgpool records a backend it has detached, so Pgpool never connects to
them), against the main sandbox's Pgpool with 3. Node info of every backend three ways:
\`pcp_node_info\` once (all nodes in one request, Pgpool 4.3+), \`pcp_node_info -n K\` once per
backend (what scripts do, and the only way with Pgpool ≤ 4.2's tool), and
\`pcpctl node-info --all --format=pcp\`. The six commands run interleaved in the same
\`pcp-bench-exec\` run, $CLI_WARMUP warm-up rounds, then $BACKENDS_RUNS runs each; times in ms, median
(min–max), ratios of medians (lower is better). "Session" is one request for all nodes on a
pcp-client session kept open (\`pcp-bench-watch --only rust\`, $((BACKENDS_RUNS * 10)) requests one after
the other, in µs): the
cost without a process start and a new PCP session. "Same output": pcpctl's standard output
is byte-identical to \`pcp_node_info\`'s, and the per-node runs together print the same bytes
as the single run.

| backends | \`pcp_node_info\` | \`pcp_node_info -n K\` × backends | pcpctl \`--all\` | pcpctl ÷ tool | pcpctl ÷ per-node loop | session, µs | same output | loop same as one run |
|---|---|---|---|---|---|---|---|---|
$(printf '%s\n' "${rows[@]}")

Growth per configured backend (median at $big minus median at 3, over $((big - 3))):
\`pcp_node_info\` ${g_tool} ms, pcpctl ${g_ctl} ms, the per-node loop ${g_loop} ms (one more
process and PCP session per backend), and ${g_session} µs per backend on a kept-open session.
(A figure near zero or below it is smaller than the run-to-run noise of a process start.)
Pgpool answers node info from its shared memory, one record per configured backend whatever
its state, so a down backend costs the one-request forms one more record in the reply; the
per-node loop grows by a whole process start and PCP session (a fork in Pgpool) per backend.

EOF
}
