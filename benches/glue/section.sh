# Sourced by benches/run: the glue operations (backend addressed by host, as EFM passes it)
# with pcpctl against benches/glue/baseline.sh, the pcp_* sequence of the EFM architecture's
# helper script. Prints a Markdown section on stdout.
#
# Uses from benches/run: PCPCTL EXEC OUT GLUE_RUNS GLUE_ACTION_RUNS CLI_WARMUP PCP_SANDBOX_ENV
# and the helpers ms ratio met fig spread goal.

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

    # Actions: detach then attach the standby, each timed until Pgpool accepted the request;
    # after each, untimed, wait until node info shows it applied and Pgpool has settled.
    # Fixed order, so every request finds the node in the state it changes.
    local node1=1
    "$settle" "$node1" up >/dev/null
    local act="$OUT/glue-actions.tsv"
    "$EXEC" --runs "$GLUE_ACTION_RUNS" --warmup 1 --fixed-order --raw "$act.raw" \
        "b-det=$base detach $standby_host @@ $settle $node1 down" \
        "b-att=$base attach $standby_host @@ $settle $node1 up" \
        "p-det=$PCPCTL $conn detach --node-host $standby_host @@ $settle $node1 down" \
        "p-att=$PCPCTL $conn attach --node-host $standby_host @@ $settle $node1 up" >"$act"
    "$settle" "$node1" up >/dev/null # the state we found

    local rows=() spec label file key b p a g speed m
    for spec in \
        "isp0|is-primary of the primary, by its configured name \`$primary_host\` (node 0: baseline makes 2 calls)|$res|isp0|—" \
        "isp2|is-primary of a standby, \`$last_host\` (node 2: baseline makes 4 calls)|$res|isp2|—" \
        "att|attach of an already-up standby, \`$standby_host\` (baseline: 4 calls; pcpctl sends nothing)|$res|att|≥ 15×" \
        "det|detach of a standby, \`$standby_host\`, until accepted|$act|det|≥ 15×" \
        "att2|attach of that detached standby, until accepted|$act|att|≥ 15×"; do
        IFS='|' read -r _ label file key g <<<"$spec"
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
        rows+=("| $label | $(spread "$file" "b-$key") | $a | $(spread "$file" "p-$key") | ${speed}× | $g | $m |")
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

| operation | baseline | baseline, awk | pcpctl | speed-up | goal | met |
|---|---|---|---|---|---|---|
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
$(ms "$pnc") ms. So against a baseline of 4 calls the best possible speed-up is
about ${ceil}× (baseline attach-of-an-up-node over pcpctl's \`node-count\`), and against the
2–4 calls of the other operations less. A 15× goal needs a baseline of roughly 15 calls, or
hooks that cost several times what the \`pcp_*\` tools cost on this machine.

Where pcpctl's glue commands spend more than that floor:

* Two PCP sessions per attach/detach${sessions}: the first resolves the host, the second,
  fresh one reads node info and sends the request (\`pcp-client/src/glue/ops.rs\`: a session
  judges attach/detach from a snapshot taken when it opened, and Pgpool restarts its PCP
  listener after every failover). Every session costs a Pgpool fork (about 2 ms here). When
  nothing needs sending (attach of an up node) the second session could be skipped by
  reading node info on the first; when a request is sent, the first session could be the
  one used if no failover happened since it opened.
* Host resolution reads pool status (152 items, about 10 KB) rather than node info, and
  resolves every configured host name through the system resolver (\`localhost\` here) on a
  blocking thread. A literal address that equals exactly one configured address could skip
  DNS.
* pcpctl's start-up (clap; see the pcpctl-vs-tools section), paid once rather than per call.

EOF
    fi
}
