# Sourced by benches/run: the EFM hooks of pcpctl (a backend addressed by host, as EFM passes
# it) against Pgpool's own pcp_* tools (the node id known), the seed document's own scripts
# (appendix B, extracted at run time by benches/glue/seed_scripts.py) and our lean shell
# baseline benches/glue/baseline.sh, on each sandbox profile benches/run brings up (plain and
# production), healthy and, on the production profile, with a node's postmaster hung.
#
# glue_measure PROFILE   measures against the sandbox of $PCP_SANDBOX_ENV; files $OUT/glue-PROFILE-*
# section_glue PROFILE...  prints the Markdown section for the profiles measured
#
# Uses from benches/run: PCPCTL EXEC GLUE_LIB OUT ROOT TOOLS GLUE_RUNS GLUE_ACTION_RUNS
# GLUE_HUNG_ROUNDS CLI_WARMUP PCP_SANDBOX_ENV and the helpers ms ratio met fig spread goal.

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

# glue_seed_doc: the seed document's text: $PCP_BENCH_SEED, or the file under
# $ROOT/../shared/seed (a copy of shared/ beside the clone) that has the appendix B scripts.
glue_seed_doc() {
    if [ -n "${PCP_BENCH_SEED:-}" ]; then
        echo "$PCP_BENCH_SEED"
        return
    fi
    local f
    for f in "$ROOT"/../shared/seed/*.txt; do
        [ -f "$f" ] && grep -q '^5\.2\.4 pgpool_backend\.sh$' "$f" && { echo "$f"; return; }
    done
    return 1
}

# glue_extract_seed PROFILE: the seed's scripts for this profile's sandbox in $OUT/seed-PROFILE
# (never in the repository). Sets GLUE_SEED to that directory, or GLUE_SEED_ERR to why not.
glue_extract_seed() {
    GLUE_SEED="" GLUE_SEED_ERR=""
    local doc dir="$OUT/seed-$1"
    if ! doc=$(glue_seed_doc); then
        GLUE_SEED_ERR="no seed document found (\$ROOT/../shared/seed/*.txt with appendix B, or PCP_BENCH_SEED)"
    elif ! python3 "$ROOT/benches/glue/seed_scripts.py" "$doc" "$dir" tools="$TOOLS" pcppass="$PCPPASSFILE" \
        user="$PCP_USER" host="$PCP_HOST" port="$PCP_PORT" log_dir="$OUT" 2>"$OUT/seed-$1.err"; then
        GLUE_SEED_ERR="extraction failed: $(head -3 "$OUT/seed-$1.err" | tr '\n' ' ')"
    else
        # A working script, not only one that parses: the seed's lookup finds node 1 by its address.
        local out
        out=$("$dir/pgpool_backend.sh" check_primary "${GLUE_IPS[1]}" 2>&1)
        if [[ $out == *"has backend node-id = 1"* ]]; then
            GLUE_SEED=$dir
        else
            GLUE_SEED_ERR="the extracted pgpool_backend.sh does not work: $(head -3 <<<"$out" | tr '\n' ' ')"
        fi
    fi
    if [ -n "$GLUE_SEED_ERR" ]; then
        echo "benches/run: glue ($1): the seed's scripts are not measured: $GLUE_SEED_ERR" >&2
        echo "$GLUE_SEED_ERR" >"$OUT/glue-$1-seed-error.txt"
    fi
}

glue_measure() {
    local profile=$1
    # shellcheck disable=SC1090
    . "$PCP_SANDBOX_ENV"
    export PCP_HOST PCP_PORT PCP_USER PCPPASSFILE PCP_SANDBOX_DIR
    [ -n "${PGPASSFILE:-}" ] && export PGPASSFILE
    local conn="-h $PCP_HOST -p $PCP_PORT -U $PCP_USER -w"
    local base="$ROOT/benches/glue/baseline.sh"
    local put="$ROOT/benches/glue/put.sh"
    local pre="$OUT/glue-$profile"
    # Backends as Pgpool has them configured (backend_hostnameN): node 0 is the primary; and as
    # EFM passes them (addresses). The seed's scripts compare the configured name literally, so
    # their rows use nodes 1 and 2, configured by address.
    local primary_host standby_host last_host
    read -r primary_host standby_host last_host _ <<<"$PG_HOSTNAMES"
    read -r -a GLUE_IPS <<<"$PG_HOSTS"
    local s1=${GLUE_IPS[1]} s2=${GLUE_IPS[2]}
    # for section_glue, which runs after this profile's sandbox is gone
    printf 'PG_HOSTS=%q\nPG_PORT=%q\n' "$PG_HOSTS" "$PG_PORT" >"$pre.vars"
    glue_extract_seed "$profile"

    # Reads: nothing changes on the server, so plain interleaving.
    local res="$pre-reads.tsv"
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

    # The same reads inside a running program (pcp-bench-glue): a session per operation (as a
    # hook opens one), and one session kept open across them.
    local key host op mode spec
    for spec in "isp0 is-primary $primary_host" "isp2 is-primary $last_host" "att attach $standby_host"; do
        read -r key op host <<<"$spec"
        for mode in fresh kept; do
            "$GLUE_LIB" "$op" "$host" "$GLUE_RUNS" "$mode" >"$pre-lib-$key-$mode.txt"
        done
    done

    # Hooks until accepted, healthy backends: detach, then attach node 1, in turn by each
    # command; after each, untimed, the node is put into the state the next command changes
    # (benches/glue/put.sh: from pool status, so no probe). Fixed order.
    local seed_cmds=()
    if [ -n "$GLUE_SEED" ]; then
        seed_cmds=(
            "s-lbdet=$GLUE_SEED/load_balancer_detach.sh $s1 @@ $put 1 down"
            "s-lbatt=$GLUE_SEED/load_balancer_attach.sh $s1 @@ $put 1 up"
            "s-det=$GLUE_SEED/pgpool_backend.sh detach $s1 $PG_PORT @@ $put 1 down"
            "s-att=$GLUE_SEED/pgpool_backend.sh attach $s1 $PG_PORT @@ $put 1 up"
        )
    fi
    "$put" 1 up >/dev/null
    : >"$pre-lib-det-fresh.txt"
    : >"$pre-lib-att2-fresh.txt"
    local act="$pre-actions.tsv"
    "$EXEC" --runs "$GLUE_ACTION_RUNS" --warmup 1 --fixed-order --raw "$act.raw" \
        "t-det=$TOOLS/pcp_detach_node $conn -n 1 @@ $put 1 down" \
        "t-att=$TOOLS/pcp_attach_node $conn -n 1 @@ $put 1 up" \
        "p-det=$PCPCTL $conn detach $s1:$PG_PORT @@ $put 1 down" \
        "p-att=$PCPCTL $conn attach $s1:$PG_PORT @@ $put 1 up" \
        "p-lbdet=$PCPCTL $conn lb detach $s1 s @@ $put 1 down" \
        "p-lbatt=$PCPCTL $conn lb attach $s1 s @@ $put 1 up" \
        "${seed_cmds[@]}" \
        "b-det=$base detach $standby_host @@ $put 1 down" \
        "b-att=$base attach $standby_host @@ $put 1 up" \
        "l-det=$GLUE_LIB detach $standby_host 1 fresh $pre-lib-det-fresh.txt @@ $put 1 down" \
        "l-att=$GLUE_LIB attach $standby_host 1 fresh $pre-lib-att2-fresh.txt @@ $put 1 up" >"$act" || return 1
    # The warm-up round appended too: keep the timed rounds only.
    for key in det att2; do
        tail -n "$GLUE_ACTION_RUNS" "$pre-lib-$key-fresh.txt" >"$pre-lib-$key-fresh.tmp"
        mv "$pre-lib-$key-fresh.tmp" "$pre-lib-$key-fresh.txt"
    done

    [ "$profile" = production ] || return 0

    # A hung host (production profile: health checks on, so node info probes the backends):
    # node 2's postmaster stopped (pg-freeze). Each sample starts with node 2 up and frozen
    # (and node 1 up, or down for the attach rows); untimed after it: thaw, put the nodes back,
    # freeze again.
    local hung="$pre-hung.tsv" back2="$put 2 up frozen" i
    local to_att="$put 2 up ;; $put 1 up ;; $put 1 down ;; $back2"
    local hung_cmds=(
        "t-det=$TOOLS/pcp_detach_node $conn -n 2 @@ $back2"
        "p-lbdet=$PCPCTL $conn lb detach $s2 s @@ $back2"
        "p-det=$PCPCTL $conn detach $s2:$PG_PORT @@ $back2"
    )
    if [ -n "$GLUE_SEED" ]; then
        hung_cmds+=(
            "s-lbdet=$GLUE_SEED/load_balancer_detach.sh $s2 @@ $back2"
            "s-det=$GLUE_SEED/pgpool_backend.sh detach $s2 $PG_PORT @@ $back2"
        )
    fi
    # the last detach leaves node 1 down for the attach rows
    hung_cmds+=("b-det=$base detach $last_host @@ $to_att")
    local att_cmds=(
        "t-att=$TOOLS/pcp_attach_node $conn -n 1"
        "p-lbatt=$PCPCTL $conn lb attach $s1 s"
        "p-att=$PCPCTL $conn attach $s1:$PG_PORT"
        "b-att=$base attach $standby_host"
    )
    [ -n "$GLUE_SEED" ] && att_cmds+=("s-lbatt=$GLUE_SEED/load_balancer_attach.sh $s1")
    for ((i = 0; i < ${#att_cmds[@]}; i++)); do
        if ((i + 1 < ${#att_cmds[@]})); then
            hung_cmds+=("${att_cmds[i]} @@ $to_att")
        else # the round's last: node 1 up for the next round's detach rows
            hung_cmds+=("${att_cmds[i]} @@ $put 1 up ;; $back2")
        fi
    done
    "$put" 1 up >/dev/null && "$put" 2 up frozen >/dev/null || return 1
    "$EXEC" --runs "$GLUE_HUNG_ROUNDS" --warmup 0 --fixed-order --raw "$hung.raw" "${hung_cmds[@]}" >"$hung"
    local rc=$?
    if [ "$rc" = 0 ]; then
        # Reads while node 2 hangs (no state change; node 2 thawed and frozen again after each
        # sample of a node-info request, so that Pgpool's own health check does not fail it).
        "$EXEC" --runs "$GLUE_HUNG_ROUNDS" --warmup 0 --ok-codes 0,1 --raw "$pre-hung-reads.tsv.raw" \
            "p-isp0=$PCPCTL $conn is-primary ${GLUE_IPS[0]}" \
            "p-isp2=$PCPCTL $conn is-primary $s2" \
            "t-ni0=$TOOLS/pcp_node_info $conn -n 0" \
            "t-ni2=$TOOLS/pcp_node_info $conn -n 2 @@ $back2" \
            "t-hc2=$TOOLS/pcp_health_check_stats $conn -n 2" >"$pre-hung-reads.tsv"
        rc=$?
    fi
    "$put" 2 up >/dev/null
    "$put" 1 up >/dev/null
    return "$rc"
}

# glue_cell FILE NAME: "median (min–max)" in ms, or "—" if FILE has no such command
glue_cell() {
    if [ -f "$1" ] && [ -n "$(fig "$1" "$2" median)" ]; then spread "$1" "$2"; else echo "—"; fi
}
# glue_x A_FILE A B_FILE B: median of A over median of B ("1.23"), or empty if either is missing
glue_x() {
    local a="" b=""
    [ -f "$1" ] && a=$(fig "$1" "$2" median)
    [ -f "$3" ] && b=$(fig "$3" "$4" median)
    [ -n "$a" ] && [ -n "$b" ] && awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", a / b }'
    return 0
}

# glue_rx A_FILE A B_FILE B: the ratio as "0.87×", or "1/1600" when A is far below B
glue_rx() {
    local a="" b=""
    [ -f "$1" ] && a=$(fig "$1" "$2" median)
    [ -f "$3" ] && b=$(fig "$3" "$4" median)
    if [ -z "$a" ] || [ -z "$b" ]; then echo "—"; return 0; fi
    awk -v a="$a" -v b="$b" 'BEGIN { if (a / b < 0.1) printf "1/%.0f", b / a; else printf "%.2f×", a / b }'
}

section_glue() {
    local profiles=("$@") profile
    local s1 s2 ips PG_HOSTS="127.0.0.1 127.0.0.2 127.0.0.3" PG_PORT="?"
    local healthy=() hung=() hung_reads=() older=() seed_note=""

    for profile in "${profiles[@]}"; do
        # shellcheck disable=SC1090
        [ -f "$OUT/glue-$profile.vars" ] && . "$OUT/glue-$profile.vars"
        read -r -a ips <<<"$PG_HOSTS"
        s1=${ips[1]} s2=${ips[2]}
        local act="$OUT/glue-$profile-actions.tsv" spec hook tkey pkey skey bkey seedname tname r x gm sx sm
        if [ ! -s "$act" ]; then
            healthy+=("| (every hook) | $profile | **not measured**: see the run's log | | | | | | | | | | |")
            goal "glue ($profile)" "hooks until accepted" "not measured" "≤ 1.3×, ≥ 10×" "**no**"
            continue
        fi
        if [ -f "$OUT/glue-$profile-seed-error.txt" ]; then
            seed_note+="
**The seed's scripts were not measured on the $profile profile**: $(cat "$OUT/glue-$profile-seed-error.txt")
Their columns show —, and the goals that need them count as missed.
"
        fi
        for spec in \
            "\`detach $s1:$PG_PORT\`|t-det|p-det|s-det|b-det|\`pgpool_backend.sh detach $s1 $PG_PORT\`" \
            "\`attach $s1:$PG_PORT\`|t-att|p-att|s-att|b-att|\`pgpool_backend.sh attach $s1 $PG_PORT\`" \
            "\`lb detach $s1 s\`|t-det|p-lbdet|s-lbdet|b-det|\`load_balancer_detach.sh $s1\`" \
            "\`lb attach $s1 s\`|t-att|p-lbatt|s-lbatt|b-att|\`load_balancer_attach.sh $s1\`"; do
            IFS='|' read -r hook tkey pkey skey bkey seedname <<<"$spec"
            r=$(glue_x "$act" "$pkey" "$act" "$tkey")
            tname="\`pcp_${tkey#t-}ach_node -n 1\`"
            gm=$(met "$r" "<=" 1.3)
            goal "glue ($profile)" "pcpctl $hook until accepted vs $tname" "${r}×" "≤ 1.3×" "$gm"
            sx=$(glue_x "$act" "$skey" "$act" "$pkey")
            if [ -n "$sx" ]; then
                sm=$(met "$sx" ">=" 10)
                goal "glue ($profile)" "pcpctl $hook until accepted vs the seed's $seedname" "${sx}× faster" "≥ 10×" "$sm"
                sx="${sx}×"
            else
                sm="**no** (not measured)" sx="—"
                goal "glue ($profile)" "pcpctl $hook until accepted vs the seed's $seedname" "not measured" "≥ 10×" "**no**"
            fi
            x=$(glue_x "$act" "$bkey" "$act" "$pkey")
            healthy+=("| $hook | $profile | $tname: $(glue_cell "$act" "$tkey") | $(glue_cell "$act" "$pkey") | ${r}× | ≤ 1.3× | $gm | $seedname: $(glue_cell "$act" "$skey") | $sx | ≥ 10× | $sm | $(glue_cell "$act" "$bkey") | ${x:-—}× |")
        done

        if [ "$profile" = production ]; then
            local h="$OUT/glue-$profile-hung.tsv" hr="$OUT/glue-$profile-hung-reads.tsv"
            if [ -s "$h" ]; then
                for spec in \
                    "\`lb detach $s2 s\` of the hung node 2|t-det|p-lbdet|s-lbdet|b-det|\`load_balancer_detach.sh $s2\`|\`pcp_detach_node -n 2\`" \
                    "\`detach $s2:$PG_PORT\` of the hung node 2|t-det|p-det|s-det|b-det|\`pgpool_backend.sh detach $s2 $PG_PORT\`|\`pcp_detach_node -n 2\`" \
                    "\`lb attach $s1 s\` of node 1 while node 2 hangs|t-att|p-lbatt|s-lbatt|b-att|\`load_balancer_attach.sh $s1\`|\`pcp_attach_node -n 1\`" \
                    "\`attach $s1:$PG_PORT\` of node 1 while node 2 hangs|t-att|p-att|-|b-att|—|\`pcp_attach_node -n 1\`"; do
                    IFS='|' read -r hook tkey pkey skey bkey seedname tname <<<"$spec"
                    r=$(glue_x "$h" "$pkey" "$h" "$tkey")
                    gm=$(met "$r" "<=" 1.3)
                    goal "glue (production, node 2 hung)" "pcpctl $hook vs $tname" "${r}×" "≤ 1.3×" "$gm"
                    sx=$(glue_x "$h" "$skey" "$h" "$pkey")
                    [ -n "$sx" ] && sx="${sx}×"
                    hung+=("| $hook | $tname: $(glue_cell "$h" "$tkey") | $(glue_cell "$h" "$pkey") | ${r}× | ≤ 1.3× | $gm | $seedname: $(glue_cell "$h" "$skey") | ${sx:-—} | $(glue_cell "$h" "$bkey") |")
                done
            else
                hung+=("| (the hung-node rows) | **not measured**: see the run's log | | | | | | | |")
                goal "glue (production, node 2 hung)" "hooks of or beside a hung node" "not measured" "≤ 1.3×" "**no**"
            fi
            if [ -s "$hr" ]; then
                hung_reads+=("| \`is-primary ${ips[0]}\` (node 0, the primary) | \`pcp_node_info -n 0\`: $(glue_cell "$hr" t-ni0) | $(glue_cell "$hr" p-isp0) | $(glue_rx "$hr" p-isp0 "$hr" t-ni0) |")
                hung_reads+=("| \`is-primary $s2\` (node 2, hung) | \`pcp_node_info -n 2\`: $(glue_cell "$hr" t-ni2) | $(glue_cell "$hr" p-isp2) | $(glue_rx "$hr" p-isp2 "$hr" t-ni2) |")
                hung_reads+=("| (where pcpctl reads a role) | \`pcp_health_check_stats -n 2\`: $(glue_cell "$hr" t-hc2) | — | — |")
            fi
        fi

        # The earlier comparison with the lean baseline: reads, and inside a running program.
        local res="$OUT/glue-$profile-reads.tsv" lkey label file key b p pk a lf lk lfs lks speed rows=()
        [ -s "$res" ] || continue
        for spec in \
            "isp0|is-primary of the primary, by its configured name (node 0: baseline makes 2 calls)|$res|isp0" \
            "isp2|is-primary of a standby (node 2: baseline makes 4 calls)|$res|isp2" \
            "att|attach of an already-up standby (baseline: 4 calls; pcpctl sends nothing)|$res|att" \
            "det|detach of a standby, until accepted|$act|det" \
            "att2|attach of that detached standby, until accepted|$act|att"; do
            IFS='|' read -r lkey label file key <<<"$spec"
            b=$(fig "$file" "b-$key" median) a="—"
            if [ "$file" = "$res" ]; then
                p=$(fig "$file" "p-$key" median) a="$(spread "$file" "a-$key")" pk="p-$key"
            elif [ "$key" = det ]; then
                p=$(fig "$file" p-lbdet median) pk=p-lbdet
            else
                p=$(fig "$file" p-lbatt median) pk=p-lbatt
            fi
            speed=$(awk -v b="$b" -v p="$p" 'BEGIN { printf "%.1f", b / p }')
            lf="$OUT/glue-$profile-lib-$lkey-fresh.txt" lk="$OUT/glue-$profile-lib-$lkey-kept.txt"
            lfs="$(lib_spread "$lf") | $(awk -v b="$b" -v l="$(lib_stat "$lf" median)" 'BEGIN { printf "%.1f×", b / l }')"
            if [ -s "$lk" ]; then
                lks="$(lib_spread "$lk") | $(awk -v b="$b" -v l="$(lib_stat "$lk" median)" 'BEGIN { printf "%.0f×", b / l }')"
            else
                lks="— (a new session per request) | —"
            fi
            rows+=("| $label | $profile | $(spread "$file" "b-$key") | $a | $(spread "$file" "$pk") | ${speed}× | $lfs | $lks |")
        done
        older+=("${rows[@]}")
    done

    cat <<EOF
## Glue: EFM's hooks against Pgpool's tools and the seed's scripts

EFM names a backend by its address; Pgpool's PCP commands take a node id. Measured here on
each sandbox profile: **plain** (no health check, trust) and **production**
(\`scripts/sandbox up --production\`: health checks every second, scram passwords; with
health checks on, Pgpool 4.3 probes a backend on every node-info request that reports it). The
hooks are pcpctl's shipped build (\`scripts/build-release\`), naming the node as EFM does:
\`detach|attach HOST:PORT\`, \`lb detach|attach HOST s\`, without \`--wait\`. They read only
Pgpool's memory (pool status, health-check statistics; see \`docs/efm-integration.md\`, "What
each hook sends"). They are set against:

* **Pgpool's own tool with the node id already known**, \`pcp_detach_node -n ID\` /
  \`pcp_attach_node -n ID\`: one process, one request, the least a hook can cost. Goal: pcpctl
  at most 1.3× of it.
* **The seed's own scripts**, as printed in appendix B of the seed document (the EFM +
  Pgpool-II architecture guide): \`load_balancer_detach.sh\`, \`load_balancer_attach.sh\` and
  \`pgpool_backend.sh\`, with its \`echo | awk\` field splitting. They are not in this repository:
  \`benches/glue/seed_scripts.py\` pulls them out of the document's text at run time into
  \`\$CARGO_TARGET_DIR/bench-report/seed-PROFILE/\`, undoes the print's line wraps and page
  breaks, fills in the sandbox's PCP user, host and port, the tools directory, the password
  file and the log paths, and checks them with \`bash -n\` and one lookup. \`pgpool_backend.sh\`
  compares \`backend_hostnameN\` with its argument as a string, so these rows use nodes 1 and 2,
  which the sandbox configures by address. Goal: pcpctl at least 10× faster.
* **Our lean baseline**, \`benches/glue/baseline.sh\`: the same \`pcp_*\` calls as
  \`pgpool_backend.sh\` (node count, node info per node until the host matches, the action), with
  bash built-ins instead of \`awk\`. Reported, no goal.

**Definition.** Wall time of the whole process until Pgpool has **accepted** the request (each
command exits as soon as Pgpool answered; none waits for it to be applied). Each sample is
followed, untimed, by putting the node into the state the next command changes
(\`benches/glue/put.sh\`: reads pool status, never node info, and lets Pgpool settle for 0.3 s).
Fixed order, $GLUE_ACTION_RUNS rounds (after one warm-up round) of: the tool's detach and attach of
node 1 (\`$s1\`), pcpctl's \`detach\`/\`attach\` and \`lb detach\`/\`lb attach\`, the seed's scripts,
the baseline, and the same detach and attach inside a running program (last table). Times in
ms, median (min–max); ratios compare medians.

### Healthy backends

| hook (node 1) | profile | \`pcp_*\` tool, node id known | pcpctl | ratio | goal | met | seed's script | pcpctl's speed-up | goal | met | lean baseline | baseline over pcpctl |
|---|---|---|---|---|---|---|---|---|---|---|---|---|
$(printf '%s\n' "${healthy[@]}")
$seed_note
EOF
    if [[ " ${profiles[*]} " == *" production "* ]]; then
        cat <<EOF
### A hung backend (production profile)

Node 2's postmaster stopped with SIGSTOP (\`scripts/sandbox pg-freeze 2\`): new connections to it
hang, as with a frozen host, and every node-info request that reports node 2 waits for Pgpool's
probe until \`connect_timeout\` (10 s). Each sample starts with node 2 frozen and up in Pgpool
(and node 1 up, or detached for the attach rows); after it, untimed: thaw, put both nodes back,
freeze again. $GLUE_HUNG_ROUNDS rounds, fixed order, no warm-up (the seed's detach and the
baseline walk node info up to node 2, so each of their samples costs about 10 s). The attach
rows are about node 1: the seed's \`load_balancer_attach.sh\` and the baseline end their walk
there and are not slowed.

| hook | \`pcp_*\` tool | pcpctl | ratio | goal | met | seed's script | seed over pcpctl | lean baseline |
|---|---|---|---|---|---|---|---|---|
$(printf '%s\n' "${hung[@]}")

Reads while node 2 hangs ($GLUE_HUNG_ROUNDS interleaved runs; after each \`pcp_node_info -n 2\`,
node 2 is thawed and frozen again so that Pgpool's own health check does not fail it). No goal:
pcpctl's \`is-primary\` is set beside the request an operator would use for a role:

| read | \`pcp_*\` tool | pcpctl | ratio |
|---|---|---|---|
$(printf '%s\n' "${hung_reads[@]}")

EOF
    fi
    if grep -q $'^glue.*\t\\*\\*no\\*\\*' "$OUT/goals.tsv"; then
        cat <<EOF
**Missed glue goals.** Every figure here is a few milliseconds of process start, PCP session
and Pgpool's fork of a PCP worker; a hook sends two requests on a fresh session each (pool
status, then the action) where the tool sends one, and the seed's scripts are 4–5 such calls
plus \`awk\` pipelines. With $GLUE_ACTION_RUNS (healthy) and $GLUE_HUNG_ROUNDS (hung) samples a command on a
shared 2-core machine, one slow sample moves a median by a millisecond or more (see the
min–max spreads and the load average in the machine table); compare with a run on a quiet
machine before acting on a ratio.

EOF
    fi
    cat <<EOF
### The earlier comparison with the lean baseline

Figures kept from the earlier form of this section. Its goal, pcpctl at least 15× faster than
the lean baseline, is withdrawn: no hook can cost less than one process and one PCP session
(Pgpool's own cost, the \`pcp_*\` column above), and the baseline is only its 3–5 calls of that.
Reads and attach-of-an-up-node: $GLUE_RUNS interleaved runs; detach and attach: the rounds above
(pcpctl: \`lb detach\`/\`lb attach\`). The "awk" column is the baseline taking each field with
\`echo | awk\`, as \`pgpool_backend.sh\` does. The last four columns time the operations inside a
running program (\`pcp-bench-glue\`, \`benches/glue/library.rs\`): a PCP session opened per
operation, as a hook does, then one session kept open, as a daemon would (an attach or detach
always opens a fresh session: \`apply\` in \`pcp-client/src/glue/ops.rs\`). Speed-ups are the
baseline's median over the column's.

| operation | profile | baseline | baseline, awk | pcpctl | speed-up | pcp-client, session per operation | speed-up | pcp-client, open session | speed-up |
|---|---|---|---|---|---|---|---|---|---|
$(printf '%s\n' "${older[@]}")

EOF
}
