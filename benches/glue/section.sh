# Sourced by benches/run: the glue operations (backend addressed by host, as EFM passes it)
# with pcpctl against benches/glue/baseline.sh, the pcp_* sequence of the EFM architecture's
# helper script. Prints a Markdown section on stdout.
#
# Uses from benches/run: PCPCTL EXEC GLUE_LIB OUT GLUE_RUNS GLUE_ACTION_RUNS CLI_WARMUP
# PCP_SANDBOX_ENV and the helpers ms ratio met fig spread goal.

# lib_stat FILE median|min|max: a statistic of pcp-bench-glue's samples (µs, one per line)
lib_stat() {
    sort -n "$1" | awk -v want="$2" '{ v[NR] = $1 } END {
        if (NR == 0) { print 0; exit }
        if (want == "min") print v[1]; else if (want == "max") print v[NR];
        else print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# lib_spread FILE: "1.23 (1.10–2.05)" in ms
lib_spread() {
    printf '%s (%s–%s)' "$(ms "$(lib_stat "$1" median)")" "$(ms "$(lib_stat "$1" min)")" "$(ms "$(lib_stat "$1" max)")"
}

section_glue() {
    # shellcheck disable=SC1090
    . "$PCP_SANDBOX_ENV"
    export PCP_HOST PCP_PORT PCP_USER PCPPASSFILE
    local conn="-h $PCP_HOST -p $PCP_PORT -U $PCP_USER -w"
    local base="$ROOT/benches/glue/baseline.sh"
    local settle="$ROOT/benches/glue/settle.sh"
    # Backends as Pgpool has them configured (backend_hostnameN): node 0 is the primary.
    local primary_host standby_host last_host
    read -r primary_host standby_host last_host _ <<<"$PG_HOSTNAMES"

    # Reads: nothing changes on the server, so plain interleaving.
    local res="$OUT/glue-reads.tsv"
    "$EXEC" --runs "$GLUE_RUNS" --warmup "$CLI_WARMUP" --ok-codes 0,1 --raw "$res.raw" \
        "b-isp0=$base is-primary $primary_host" \
        "a-isp0=$base --awk is-primary $primary_host" \
        "p-isp0=$PCPCTL $conn is-primary $primary_host" \
        "b-isp2=$base is-primary $last_host" \
        "a-isp2=$base --awk is-primary $last_host" \
        "p-isp2=$PCPCTL $conn is-primary $last_host" \
        "b-att=$base attach $standby_host" \
        "a-att=$base --awk attach $standby_host" \
        "p-att=$PCPCTL $conn attach --node-host $standby_host" \
        "t-nc=$TOOLS/pcp_node_count $conn" \
        "p-nc=$PCPCTL $conn node-count" >"$res"

    # The same operations inside a running program (pcp-bench-glue): a session per operation
    # (as a hook opens one), and one session kept open across them.
    local key host op mode
    for spec in "isp0 is-primary $primary_host" "isp2 is-primary $last_host" "att attach $standby_host"; do
        read -r key op host <<<"$spec"
        for mode in fresh kept; do
            "$GLUE_LIB" "$op" "$host" "$GLUE_RUNS" "$mode" >"$OUT/glue-lib-$key-$mode.txt"
        done
    done

    # Actions: detach then attach the standby, each timed until Pgpool accepted the request;
    # after each, untimed, wait until node info shows it applied and Pgpool has settled.
    # Fixed order, so every request finds the node in the state it changes.
    local node1=1
    "$settle" "$node1" up >/dev/null
    local act="$OUT/glue-actions.tsv"
    : >"$OUT/glue-lib-det-fresh.txt"
    : >"$OUT/glue-lib-att2-fresh.txt"
    "$EXEC" --runs "$GLUE_ACTION_RUNS" --warmup 1 --fixed-order --raw "$act.raw" \
        "b-det=$base detach $standby_host @@ $settle $node1 down" \
        "b-att=$base attach $standby_host @@ $settle $node1 up" \
        "p-det=$PCPCTL $conn detach --node-host $standby_host @@ $settle $node1 down" \
        "p-att=$PCPCTL $conn attach --node-host $standby_host @@ $settle $node1 up" \
        "l-det=$GLUE_LIB detach $standby_host 1 fresh $OUT/glue-lib-det-fresh.txt @@ $settle $node1 down" \
        "l-att=$GLUE_LIB attach $standby_host 1 fresh $OUT/glue-lib-att2-fresh.txt @@ $settle $node1 up" >"$act"
    # The warm-up round appended too: keep the timed rounds only.
    for key in det att2; do
        tail -n "$GLUE_ACTION_RUNS" "$OUT/glue-lib-$key-fresh.txt" >"$OUT/glue-lib-$key-fresh.tmp"
        mv "$OUT/glue-lib-$key-fresh.tmp" "$OUT/glue-lib-$key-fresh.txt"
    done
    "$settle" "$node1" up >/dev/null # the state we found

    local rows=() spec label file key lkey b p a g speed m lf lk lfs lks
    for spec in \
        "isp0|is-primary of the primary, by its configured name \`$primary_host\` (node 0: baseline makes 2 calls)|$res|isp0|—" \
        "isp2|is-primary of a standby, \`$last_host\` (node 2: baseline makes 4 calls)|$res|isp2|—" \
        "att|attach of an already-up standby, \`$standby_host\` (baseline: 4 calls; pcpctl sends nothing)|$res|att|≥ 15×" \
        "det|detach of a standby, \`$standby_host\`, until accepted|$act|det|≥ 15×" \
        "att2|attach of that detached standby, until accepted|$act|att|≥ 15×"; do
        IFS='|' read -r lkey label file key g <<<"$spec"
        b=$(fig "$file" "b-$key" median) p=$(fig "$file" "p-$key" median)
        speed=$(awk -v b="$b" -v p="$p" 'BEGIN { printf "%.1f", b / p }')
        if [ "$g" = "—" ]; then m="—"; else
            m=$(met "$speed" ">=" 15)
            goal "glue" "$label" "${speed}× faster" "$g" "$m"
        fi
        if [ "$file" = "$res" ]; then
            a="$(spread "$file" "a-$key")"
        else
            a="—"
        fi
        lf="$OUT/glue-lib-$lkey-fresh.txt" lk="$OUT/glue-lib-$lkey-kept.txt"
        lfs="$(lib_spread "$lf") | $(awk -v b="$b" -v l="$(lib_stat "$lf" median)" 'BEGIN { printf "%.1f×", b / l }')"
        if [ -s "$lk" ]; then
            lks="$(lib_spread "$lk") | $(awk -v b="$b" -v l="$(lib_stat "$lk" median)" 'BEGIN { printf "%.0f×", b / l }')"
        else
            lks="— (a new session per request: see below) | —"
        fi
        rows+=("| $label | $(spread "$file" "b-$key") | $a | $(spread "$file" "p-$key") | ${speed}× | $g | $m | $lfs | $lks |")
    done

    cat <<EOF
## Glue: backends by host (pcpctl against the shell baseline)

EFM names a backend by its address; Pgpool's PCP commands take a node id. The baseline,
\`benches/glue/baseline.sh\` (ours), makes the same sequence of \`pcp_*\` calls as the helper
script of the EFM + Pgpool-II architecture: \`pcp_node_count\`, then \`pcp_node_info -n 0, 1, …\`
until the host matches, then the action on that node id (\`pcp_attach_node\` /
\`pcp_detach_node\`), without waiting for Pgpool to apply it. It splits fields with bash
built-ins; the "awk" column is the same script taking each field with \`echo | awk\`, as such
scripts commonly do. pcpctl: \`pcpctl -h … -U … -w is-primary HOST\`, \`attach --node-host HOST\`,
\`detach --node-host HOST\`, without \`--wait\`.

Definition for attach/detach: wall time of the whole process until Pgpool has **accepted** the
request (both sides exit as soon as Pgpool answered; neither waits for it to be applied). An
attach of a node that is already up is not sent at all by pcpctl (it reads node info first);
the baseline sends it and Pgpool ignores it. For detach and attach each sample is followed,
untimed, by waiting until node info shows the change and Pgpool has settled
(\`benches/glue/settle.sh\`), and the node is attached again at the end.

Reads and attach-of-an-up-node: $GLUE_RUNS interleaved runs each. Detach/attach: $GLUE_ACTION_RUNS rounds of baseline
detach, baseline attach, pcpctl detach, pcpctl attach. Times in ms, median (min–max);
"speed-up" is the baseline's median over pcpctl's.

The last four columns time the same operations inside a running program (\`pcp-bench-glue\`,
\`benches/glue/library.rs\`: \`Client::is_primary\` / \`attach\` / \`detach\` by host, no
process start): first with a PCP session opened (and closed) per operation, as a hook does; then
on one session kept open, as an HA daemon, a monitoring job or the Python package would. Reads:
$GLUE_RUNS operations in a row after the interleaved runs above; actions: a column of the same
fixed-order rounds. Their speed-ups are against the baseline too.

| operation | baseline | baseline, awk | pcpctl | speed-up | goal | met | pcp-client, session per operation | speed-up | pcp-client, open session | speed-up |
|---|---|---|---|---|---|---|---|---|---|---|
$(printf '%s\n' "${rows[@]}")

EOF
    if grep -q '^glue.*\*\*no\*\*$' "$OUT/goals.tsv"; then
        local tnc pnc ceil sessions="" c
        tnc=$(fig "$res" t-nc median) pnc=$(fig "$res" p-nc median)
        ceil=$(awk -v b="$(fig "$res" b-att median)" -v p="$pnc" 'BEGIN { printf "%.1f", b / p }')
        if command -v strace >/dev/null; then
            c=$(strace -f -e trace=connect -o "$OUT/glue-strace.txt" "$PCPCTL" $conn attach --node-host "$standby_host" >/dev/null 2>&1;
                grep -c "htons($PCP_PORT)" "$OUT/glue-strace.txt")
            sessions=" (strace counts $c connections to Pgpool for \`pcpctl attach --node-host\`)"
        fi
        cat <<EOF
**Why ≥ 15× is out of reach here.** Each \`pcp_*\` call of the baseline costs one process and
one PCP session: a \`pcp_node_count\` run takes $(ms "$tnc") ms (median, measured with the reads
above), and the baseline's cost is about that many calls plus bash. No single command can go
below one process and one session, which for pcpctl is its own \`node-count\`,
$(ms "$pnc") ms. So against a baseline of 4 calls the best possible speed-up for a hook process
is about ${ceil}× (baseline attach-of-an-up-node over pcpctl's \`node-count\`), and against the
2–4 calls of the other operations less. pcpctl opens one PCP session per operation${sessions}.

Inside a running program the process start goes, but not the session: Pgpool forks a PCP
worker for every connection (about 2 ms of the figures above), and a detach or attach must be
sent on a session opened after the last failover (Pgpool restarts its PCP listener then, and a
session's worker judges node states from what it saw when it was forked): the glue reopens a
session older than a second before an attach or detach, and closes it afterwards so that an
idle worker cannot hold up Pgpool's next failover (\`apply\` in
\`pcp-client/src/glue/ops.rs\`). So an attach or detach costs one fork wherever it is sent
from, even on a client kept open, while a read on an open session (is-primary) costs a round
trip or two.

EOF
    fi
}
