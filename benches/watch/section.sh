# Sourced by benches/run: one process watching several Pgpool instances at once. A "watch
# cycle" is node info of every backend from every Pgpool; `pcp-bench-watch` times cycles of
# pcp-client (sessions kept open, all Pgpools at once), of pgpool_pcp's AsyncClient
# (benches/watch/watch.py, asyncio.gather) and of the anchor, a sequential loop of
# `pcp_node_info` processes, interleaved, for 1, 2, 4 and 8 instances. Brings up its own
# sandbox with PCP_SANDBOX_PGPOOLS independent Pgpools (watch_vars from benches/run) and takes
# it down again. The Python wheel comes from python_build (benches/python/section.sh). Prints
# a Markdown section on stdout.
#
# Uses from benches/run: WATCH OUT ROOT CARGO_TARGET_DIR WATCH_RUNS WATCH_INSTANCES CLI_WARMUP
# watch_vars sandbox own_sandbox log, and the helpers ratio fig spread us_spread.

# shellcheck source=benches/python/section.sh
. "$ROOT/benches/python/section.sh"

section_watch() {
    local max=0 n
    for n in $WATCH_INSTANCES; do [ "$n" -gt "$max" ] && max=$n; done
    local vars="$watch_vars PCP_SANDBOX_PGPOOLS=$max"
    local dir="${watch_vars%% *}"
    dir="${dir#PCP_SANDBOX_DIR=}"
    local python python_note=""
    log "watch: the Python wheel (maturin, venv in \$CARGO_TARGET_DIR/bench-python-venv)"
    python=$(python_build) && python="$python/bin/python" || python=""
    if [ -z "$python" ]; then
        python_note="The Python watcher was not measured: building or installing the wheel failed (see \`bench-report/python-build.log\`)."
    fi
    local t0=$SECONDS
    if ! own_sandbox "$vars" watch; then
        printf '## Scale: one process watching several Pgpools\n\nNot measured: the sandbox with %s Pgpool instances did not come up (see %s).\n\n' \
            "$max" "\`bench-report/watch-up.log\`"
        return
    fi
    local up_time=$((SECONDS - t0))
    (
        # shellcheck disable=SC1091
        . "$dir/sandbox.env"
        read -r -a ports <<<"$PCP_PORTS"
        nodes=$(wc -w <<<"$PG_HOSTS")
        for n in $WATCH_INSTANCES; do
            py=()
            [ -z "$python" ] || py=(--python "$python $ROOT/benches/watch/watch.py")
            "$WATCH" --runs "$WATCH_RUNS" --warmup "$CLI_WARMUP" --nodes "$nodes" "${py[@]}" \
                --raw "$OUT/watch-$n.tsv.raw" "$PCP_HOST" "$PCP_USER" "$PCP_PASSWORD" "${ports[@]:0:n}" \
                >"$OUT/watch-$n.tsv" || exit 1
        done
        echo "$nodes" >"$OUT/watch.nodes"
    ) || {
        sandbox "$vars" down >/dev/null 2>&1 || true
        echo "benches/run: the watch section failed (see above)" >&2
        exit 1
    }
    sandbox "$vars" down >/dev/null 2>&1 || true

    local nodes rows=() res first="" last="" py_cells
    nodes=$(cat "$OUT/watch.nodes")
    for n in $WATCH_INSTANCES; do
        res="$OUT/watch-$n.tsv"
        local tool rust rec pyt
        tool=$(fig "$res" tool median) rust=$(fig "$res" rust median) rec=$(fig "$res" rust-reconnect median)
        if [ -n "$python" ]; then
            pyt=$(fig "$res" python median)
            py_cells="$(us_spread "$res" python) | $(ratio "$pyt" "$tool")"
        else
            pyt=0 py_cells="— | —"
        fi
        rows+=("| $n | $((n * nodes)) | $(us_spread "$res" rust) | $(ratio "$rust" "$tool") | $py_cells | $(us_spread "$res" rust-reconnect) | $(ratio "$rec" "$tool") | $(spread "$res" tool) | $(spread "$res" tool-n) |")
        [ -n "$first" ] || first="$n $rust $pyt $rec $tool $(fig "$res" tool-n median)"
        last="$n $rust $pyt $rec $tool $(fig "$res" tool-n median)"
    done
    # Growth per instance from the smallest to the largest count, in µs.
    local growth
    growth=$(awk -v f="$first" -v l="$last" 'BEGIN {
        split(f, a, " "); split(l, b, " "); d = b[1] - a[1]
        if (d <= 0) exit
        printf "Rust %.0f µs, Python %s, Rust with a new session per cycle %.0f µs, `pcp_node_info` %.2f ms, `pcp_node_info -n K` %.2f ms",
            (b[2] - a[2]) / d, (a[3] > 0 ? sprintf("%.0f µs", (b[3] - a[3]) / d) : "—"), (b[4] - a[4]) / d,
            (b[5] - a[5]) / d / 1000, (b[6] - a[6]) / d / 1000
    }')
    local lo=${first%% *} hi=${last%% *}
    local reconnect_cost
    reconnect_cost=$(awk -v l="$last" 'BEGIN { split(l, b, " ")
        printf "at %d Pgpools a cycle on kept-open sessions takes %.0f µs against %.0f µs with new ones (%.1f× faster)",
            b[1], b[2], b[4], b[4] / b[2] }')

    cat <<EOF
## Scale: one process watching several Pgpools

A *watch cycle* is node info of every backend from every Pgpool. A sandbox with $max
independent Pgpool instances (no watchdog, \`PCP_SANDBOX_PGPOOLS=$max\`, up in $up_time s) over the
same $nodes PostgreSQL nodes; the first 1, 2, … of them are watched. \`pcp-bench-watch\`
(\`benches/watch/watch.rs\`) runs, interleaved (each round one cycle of each, the first one
rotating), $CLI_WARMUP warm-up rounds then $WATCH_RUNS cycles each:

* **Rust**: one process, one pcp-client session per Pgpool opened once and kept open; each
  cycle asks every Pgpool at once (\`Client::node_info_all\` on each session, concurrently, on
  one current-thread tokio runtime).
* **Python**: one process (\`benches/watch/watch.py\`), one \`pgpool_pcp.AsyncClient\` per
  Pgpool kept open, \`asyncio.gather\` of their \`node_info_all()\` per cycle, timed inside the
  Python process (\`time.perf_counter\`). Wheel built from this tree with maturin (release).
* **Rust, new sessions**: as Rust, but every cycle opens a new session per Pgpool (connect,
  log in, node info, close), still all at once.
* **anchor**: the sequential loop a shell watcher runs, one \`pcp_node_info\` process per
  Pgpool (all nodes in one request, Pgpool 4.3+), one after the other; and the same with
  \`pcp_node_info -n K\`, one process per Pgpool and node ($nodes per Pgpool), as with Pgpool
  ≤ 4.2's tool.

Per-cycle times: median (min–max), in µs for the in-process watchers and in ms for the
process loops; ratios are medians over the anchor's (\`pcp_node_info\`, one per Pgpool; lower is
better). The raw samples are in \`bench-report/watch-N.tsv.raw\`.

| Pgpools | records per cycle | Rust, µs | ÷ anchor | Python, µs | ÷ anchor | Rust, new sessions, µs | ÷ anchor | anchor: \`pcp_node_info\` × Pgpools, ms | \`pcp_node_info -n K\` × Pgpools × nodes, ms |
|---|---|---|---|---|---|---|---|---|---|
$(printf '%s\n' "${rows[@]}")

Growth per added Pgpool (median at $hi minus median at $lo, over $((hi - lo))): ${growth}.
${python_note}

Pgpool forks a PCP worker process for every PCP connection and authenticates it, and the
worker lives as long as the session: a watcher that keeps its sessions open pays that once,
and each cycle is then only the requests. The "new sessions" column is the same Rust watcher
paying a connection, a fork and a log-in per Pgpool every cycle, concurrently: ${reconnect_cost}.
The anchor pays those plus a process start per Pgpool, one after the other, so its cycle grows
linearly with the number of Pgpools, and with the number of nodes too in the per-node form.
The other side of a kept-open session: Pgpool's main process cannot finish a failover while a
PCP session is open, which does not matter here (nothing fails over during these runs) but is
why \`pcpctl watch\`, made for watching a failover, opens a new session for every refresh
(the "new sessions" column) instead of keeping one.

EOF
}
