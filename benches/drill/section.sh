# Sourced by benches/run: the failover drill, timed. On the bench sandbox the section plays EDB
# Failover Manager's part (stop the primary's database, promote a standby, re-point the other
# standby, rebuild the old primary) and runs the integration hooks the way EFM and Pgpool run
# them, alternating two procedures:
#
#   pcpctl  EFM hooks `pcpctl lb detach|attach %h %t --wait`, and Pgpool's
#           follow_primary_command = 'pcpctl follow-primary %d --old-primary %P --wait ... &'
#           as docs/efm-integration.md configures it;
#   seed    the architecture's scripts: the hooks through benches/glue/baseline.sh (the
#           pgpool_backend.sh sequence of pcp_* calls, `promote` for the post-promotion step)
#           and follow_primary_command = 'benches/drill/seed_follow.sh %d %P' (fixed 10 s
#           sleep, then pcp_attach_node), in the foreground as the architecture has it.
#
# It times each leg from the return of the PostgreSQL promotion to the moment node info shows
# every standby attached and streaming. Prints a Markdown section on stdout.
#
# Uses from benches/run: PCPCTL TOOLS OUT ROOT DRILL_ROUNDS PCP_SANDBOX_ENV and the helpers
# met goal. Leaves the sandbox as it found it: node 0 primary, every node up, and Pgpool's
# follow_primary_command back to its own value.

# drill_log MESSAGE: one timestamped line in the legs' log.
drill_log() { printf '%s %s\n' "$(date '+%H:%M:%S.%N' | cut -c1-12)" "$*" >>"$DRILL_LOG"; }

# drill_run CMD...: runs a step, its output into the log; fails the leg if it fails.
drill_run() {
    drill_log "run: $*"
    if ! "$@" >>"$DRILL_LOG" 2>&1; then
        drill_log "FAILED: $*"
        echo "benches/run: drill step failed: $* (see $DRILL_LOG)" >&2
        return 1
    fi
}

# drill_set_follow LINE: Pgpool's follow_primary_command becomes LINE (pgpool.conf rewritten
# in place, keeping its owner; configuration reloaded; waits until pool status shows it).
drill_set_follow() {
    local line=$1 conf=$PGPOOL_CONF tries
    awk -v l="$line" '
        /^[[:space:]]*follow_primary_command[[:space:]]*=/ {
            gsub(/\047/, "\047\047", l); print "follow_primary_command = \047" l "\047"; next }
        { print }' "$conf" >"$OUT/drill-pgpool.conf"
    cat "$OUT/drill-pgpool.conf" >"$conf"
    # shellcheck disable=SC2086
    "$TOOLS/pcp_reload_config" $DRILL_CONN >/dev/null
    for ((tries = 0; tries < 100; tries++)); do
        # shellcheck disable=SC2086
        if "$TOOLS/pcp_pool_status" $DRILL_CONN 2>/dev/null |
            awk -v l="$line" '$0 == "name : follow_primary_command" { n = NR } NR == n + 1 && $0 == "value: " l { ok = 1 } END { exit !ok }'; then
            return 0
        fi
        sleep 0.1
    done
    echo "benches/run: Pgpool did not take the new follow_primary_command" >&2
    return 1
}

# drill_all_back NEW: node info shows NEW as the primary and every other node up (or waiting),
# standby, replication state streaming; and NEW's pg_stat_replication has every other node
# streaming (Pgpool's state could describe an older primary). On the way it notes in
# DRILL_T_STREAM (if empty) when Pgpool first reported both other nodes streaming, up or not.
drill_all_back() {
    local new=$1 out i=0 f ok=1 streaming=0
    # shellcheck disable=SC2086
    out=$("$TOOLS/pcp_node_info" $DRILL_CONN -a 2>/dev/null) || return 1
    # 4.3 layout: host port status weight status_name pg_status role pg_role delay repl_state ...
    while read -r -a f; do
        case "${f[4]:-}" in up | waiting) ;; *) ok=0 ;; esac
        if [ "$i" = "$new" ]; then
            [ "${f[6]:-}" = primary ] || ok=0
        else
            [ "${f[6]:-}" = standby ] || ok=0
            if [ "${f[9]:-}" = streaming ]; then streaming=$((streaming + 1)); else ok=0; fi
        fi
        i=$((i + 1))
    done <<<"$out"
    if [ "$streaming" = 2 ] && [ -z "$DRILL_T_STREAM" ]; then DRILL_T_STREAM=$(date +%s%N); fi
    [ "$i" = 3 ] && [ "$ok" = 1 ] || return 1
    drill_streaming_on "$new"
}

# drill_streaming_on P: PostgreSQL on node P shows both other nodes streaming from it.
drill_streaming_on() {
    local n
    n=$("$PG_BIN/psql" -X -A -t -q -w -h "${DRILL_IPS[$1]}" -p "$PG_PORT" -U postgres -d postgres \
        -c "select count(*) from pg_stat_replication where state = 'streaming' and application_name <> 'node$1'" 2>/dev/null) || return 1
    [ "$n" = 2 ]
}

# drill_wait SECONDS WHAT CMD...: polls CMD every 0.1 s until it succeeds.
drill_wait() {
    local limit=$1 what=$2 deadline
    shift 2
    deadline=$(($(date +%s) + limit))
    until "$@"; do
        if [ "$(date +%s)" -ge "$deadline" ]; then
            drill_log "TIMEOUT: $what"
            echo "benches/run: drill: $what not within ${limit}s (see $DRILL_LOG)" >&2
            return 1
        fi
        sleep 0.1
    done
}

# drill_logged MARK NEEDLE: Pgpool's log has NEEDLE after byte MARK.
drill_logged() { tail -c "+$(($1 + 1))" "$DRILL_PGPOOL_LOG" | grep -qF -- "$2"; }

# drill_settled MARK: Pgpool has restarted its PCP process after the last failover or failback
# logged since byte MARK (it does so about a second after each; a pcp_* call caught by that
# restart fails with "unable to read data from socket").
drill_settled() {
    local last
    last=$(tail -c "+$(($1 + 1))" "$DRILL_PGPOOL_LOG" |
        grep -E 'failover done|failback done|fork a new PCP child pid' | tail -1)
    [ -z "$last" ] || [[ $last == *"fork a new PCP child pid"* ]]
}

# drill_follow_ended N: the follow log has N end lines (one per node Pgpool took down).
drill_follow_ended() { [ "$(grep -c -E '^(follow-primary|seed-follow) [0-9]+ exit ' "$DRILL_DIR/follow.log")" -ge "$1" ]; }

# drill_pool_nodes_ok NEW: SHOW POOL_NODES through Pgpool's SQL port shows NEW primary and the
# two other nodes up (or waiting), standby, streaming.
drill_pool_nodes_ok() {
    local out
    out=$("$PG_BIN/psql" -X -A -t -F ' ' -w -h "$PGPOOL_HOST" -p "$PGPOOL_PORT" -U postgres -d test \
        -c 'show pool_nodes' 2>/dev/null) || return 1
    printf '%s\n' "$out" >>"$DRILL_LOG"
    # node_id hostname port status pg_status lb_weight role pg_role select_cnt load_balance_node
    # replication_delay replication_state ...
    awk -v p="$1" '
        ($4 == "up" || $4 == "waiting") && (($1 == p && $7 == "primary") || ($1 != p && $7 == "standby" && $12 == "streaming")) { ok++ }
        END { exit !(ok == 3 && NR == 3) }' <<<"$out"
}

# drill_hook PROC WHAT NODE: one integration hook of procedure PROC (pcpctl | seed).
#   WHAT: detach (EFM's detach hook for the failed primary), promote (post-promotion: make the
#   new primary Pgpool's primary), resume (efm resume: attach the rebuilt old primary).
drill_hook() {
    local proc=$1 what=$2 k=$3
    if [ "$proc" = pcpctl ]; then
        # EFM passes the node's address (%h) and its type (%t)
        local -a args
        case "$what" in
            detach) args=(lb detach "${DRILL_IPS[$k]}" p) ;;
            promote) args=(lb attach "${DRILL_IPS[$k]}" p) ;;
            resume) args=(lb attach "${DRILL_IPS[$k]}" s) ;;
        esac
        # shellcheck disable=SC2086
        drill_run "$PCPCTL" $DRILL_CONN --timeout 10 "${args[@]}" --wait=60
    else
        # The scripts compare the host as a string with backend_hostnameN: they get the name
        # Pgpool has (EFM's 127.0.0.1 for node 0, configured as localhost, matches nothing).
        # Their attach script ignores failures (exit 0): a failed resume only leaves the node
        # to the follow step.
        case "$what" in
            resume)
                drill_log "run: baseline.sh attach ${DRILL_NAMES[$k]} (a failure is ignored)"
                "$ROOT/benches/glue/baseline.sh" attach "${DRILL_NAMES[$k]}" >>"$DRILL_LOG" 2>&1 ||
                    drill_log "failed (ignored)"
                ;;
            *) drill_run "$ROOT/benches/glue/baseline.sh" "$what" "${DRILL_NAMES[$k]}" ;;
        esac
    fi
}

# drill_pollers_start NEW: from the promotion on, two pollers note what each side reports:
#   $DRILL_POLL_PG      the new primary's pg_stat_replication, every 0.05 s on one session
#                       (psql \watch): "µs application_name state"
#   $DRILL_POLL_PGPOOL  Pgpool's node info of all nodes, every 0.05 s: "µs-at-request node
#                       status replication_state" (the time the request was sent)
drill_pollers_start() {
    echo "select (extract(epoch from clock_timestamp()) * 1e6)::bigint, application_name, state from pg_stat_replication \\watch 0.05" |
        "$PG_BIN/psql" -X -A -t -q -F ' ' -P pager=off -w -h "${DRILL_IPS[$1]}" -p "$PG_PORT" -U postgres -d postgres \
            >"$DRILL_POLL_PG" 2>/dev/null &
    DRILL_POLLERS=$!
    (
        local t out
        while :; do
            t=$(date +%s%N)
            # shellcheck disable=SC2086
            out=$("$TOOLS/pcp_node_info" $DRILL_CONN -a 2>/dev/null) &&
                awk -v t="${t%???}" '{ print t, NR - 1, $5, $10 }' <<<"$out"
            sleep 0.05
        done
    ) >"$DRILL_POLL_PGPOOL" 2>/dev/null &
    DRILL_POLLERS+=" $!"
}
drill_pollers_stop() {
    local pid
    for pid in $DRILL_POLLERS; do kill "$pid" 2>/dev/null || true; done
    for pid in $DRILL_POLLERS; do wait "$pid" 2>/dev/null || true; done
    DRILL_POLLERS=""
}

# drill_parts T0_US MARK K...: for each standby K, from the pollers and Pgpool's log (after
# byte MARK):
#   PostgreSQL's part  T0 (promotion returned) -> the new primary's pg_stat_replication first
#                      shows K streaming
#   Pgpool's part      -> Pgpool's node info first reports K streaming (at or after that)
#   the hook's part    -> Pgpool received the attach of K ("received failback request")
# Prints "PG PGPOOL HOOK" in µs, each the largest over the standbys (NA if one is missing), and
# logs every standby's figures.
drill_parts() {
    local t0=$1 mark=$2 k tpg tpp tatt line pg_max=0 pp_max="" hk_max="" missing=0
    shift 2
    for k in "$@"; do
        tpg=$(awk -v a="node$k" '$2 == a && $3 == "streaming" { print $1; exit }' "$DRILL_POLL_PG")
        tpp="" tatt=""
        [ -n "$tpg" ] && tpp=$(awk -v k="$k" -v a="$tpg" '$2 == k && $4 == "streaming" && $1 >= a { print $1; exit }' "$DRILL_POLL_PGPOOL")
        line=$(tail -c "+$((mark + 1))" "$DRILL_PGPOOL_LOG" | grep -F "received failback request for node_id: $k " | head -1)
        [ -n "$line" ] && tatt=$(date -d "${line%%: *}" +%s%6N 2>/dev/null)
        drill_log "parts node$k: promotion $t0, pg_stat_replication streaming ${tpg:-?}, Pgpool streaming ${tpp:-?}, attach received ${tatt:-?}"
        if [ -z "$tpg" ] || [ -z "$tpp" ] || [ -z "$tatt" ]; then missing=1; continue; fi
        pg_max=$((tpg - t0 > pg_max ? tpg - t0 : pg_max))
        if [ -z "$pp_max" ] || ((tpp - tpg > pp_max)); then pp_max=$((tpp - tpg)); fi
        if [ -z "$hk_max" ] || ((tatt - tpp > hk_max)); then hk_max=$((tatt - tpp)); fi
    done
    if [ "$missing" = 1 ]; then echo "NA NA NA"; else echo "$pg_max $pp_max $hk_max"; fi
}

# drill_leg PROC OLD NEW: one failover from OLD to NEW with procedure PROC. Appends a line to
# $DRILL_TSV (µs): proc old new total re-pointing post-promotion-hook hook-to-streaming
# streaming-to-attached, then PostgreSQL's, Pgpool's and the hook's parts (drill_parts).
drill_leg() {
    local proc=$1 old=$2 new=$3 other=$((3 - $2 - $3)) mark t0 t1 t2 t3 bg
    drill_log "=== leg: $proc, node$old -> node$new (node$other re-pointed)"
    drill_set_follow "${DRILL_FOLLOW[$proc]}"
    : >"$DRILL_DIR/follow.log"
    drill_wait 60 "node$old primary with all nodes back (before the leg)" drill_all_back "$old" || return 1

    # The primary's database fails; its agent runs the detach hook. EFM promotes once Pgpool's
    # own failover (the primary search, search_primary_node_timeout) has ended.
    mark=$(stat -c %s "$DRILL_PGPOOL_LOG")
    drill_run "$ROOT/scripts/sandbox" pg-stop "$old" || return 1
    drill_hook "$proc" detach "$old" || return 1
    drill_wait 30 "Pgpool's failover for node$old" \
        drill_logged "$mark" "failover done. shutdown host ${DRILL_NAMES[$old]}(" || return 1
    drill_wait 30 "Pgpool's PCP restart after its failover" drill_settled "$mark" || return 1

    # t0: PostgreSQL's promotion has returned (node NEW is out of recovery).
    drill_run "$ROOT/scripts/sandbox" pg-promote "$new" || return 1
    t0=$(date +%s%N)
    local pmark
    pmark=$(stat -c %s "$DRILL_PGPOOL_LOG")
    drill_pollers_start "$new"
    # EFM re-points the other standby, then runs the post-promotion hook (the architecture: the
    # standbys are reconfigured *before* the post-promotion script). Pgpool then takes the
    # other nodes down and runs follow_primary_command for each of them.
    drill_run "$ROOT/scripts/sandbox" pg-rebuild "$other" "$new" || return 1
    t1=$(date +%s%N)
    drill_hook "$proc" promote "$new" || return 1
    t2=$(date +%s%N)
    DRILL_T_STREAM=""
    # Meanwhile the old primary is rebuilt as a standby and `efm resume` runs the attach hook.
    (drill_run "$ROOT/scripts/sandbox" pg-rebuild "$old" "$new" && drill_hook "$proc" resume "$old") &
    bg=$!
    drill_wait 120 "every standby attached and streaming from node$new" drill_all_back "$new" || return 1
    t3=$(date +%s%N)
    drill_pollers_stop
    drill_log "all back: $(((t3 - t0) / 1000000)) ms after the promotion"
    local parts
    parts=$(drill_parts "$((t0 / 1000))" "$pmark" "$other" "$old")
    wait "$bg" || return 1

    # Independent checks: the follow commands ended (one per node Pgpool took down), and the
    # clients' view, SHOW POOL_NODES through Pgpool's SQL port, agrees.
    drill_wait 120 "the follow_primary_command runs to end" drill_follow_ended 2 || return 1
    cat "$DRILL_DIR/follow.log" >>"$DRILL_LOG"
    if [ "$proc" = pcpctl ] && grep -E '^follow-primary [0-9]+ exit ' "$DRILL_DIR/follow.log" | grep -qv ' exit 0$'; then
        echo "benches/run: drill: a follow-primary failed (see $DRILL_LOG)" >&2
        return 1
    fi
    drill_wait 30 "SHOW POOL_NODES with node$new primary and both standbys streaming" \
        drill_pool_nodes_ok "$new" || return 1
    drill_wait 30 "Pgpool's PCP restart after the last failback" drill_settled "$mark" || return 1
    local ts=${DRILL_T_STREAM:-$t3}
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$proc" "$old" "$new" "$(((t3 - t0) / 1000))" \
        "$(((t1 - t0) / 1000))" "$(((t2 - t1) / 1000))" "$(((ts - t2) / 1000))" "$(((t3 - ts) / 1000))" \
        "${parts// /$'\t'}" >>"$DRILL_TSV"
}

# drill_stat PROC COLUMN -> "median min max n" of that column (µs) over PROC's legs
drill_stat() {
    awk -F'\t' -v p="$1" -v c="$2" '$1 == p && $c ~ /^-?[0-9]+$/ { print $c }' "$DRILL_TSV" | sort -n | awk '
        { v[NR] = $1 }
        END { if (NR == 0) { print "0 0 0 0"; exit }
              m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
              print m, v[1], v[NR], NR }'
}
# secs MICROSECONDS -> "1.23"
drill_s() { awk -v u="$1" 'BEGIN { printf "%.2f", u / 1e6 }'; }

# drill_measure PROFILE: the drill's legs on the sandbox of $PCP_SANDBOX_ENV; samples in
# $OUT/drill-PROFILE.tsv, every step in $OUT/drill-PROFILE-legs.log.
drill_measure() {
    local profile=$1
    # shellcheck disable=SC1090
    . "$PCP_SANDBOX_ENV"
    export PCP_HOST PCP_PORT PCP_USER PCPPASSFILE PCP_SANDBOX_DIR
    [ -n "${PGPASSFILE:-}" ] && export PGPASSFILE
    DRILL_CONN="-h $PCP_HOST -p $PCP_PORT -U $PCP_USER -w"
    DRILL_DIR="$PCP_SANDBOX_DIR/drill"
    DRILL_LOG="$OUT/drill-$profile-legs.log"
    DRILL_TSV="$OUT/drill-$profile.tsv"
    DRILL_POLL_PG="$OUT/drill-$profile-poll-pg.txt"
    DRILL_POLL_PGPOOL="$OUT/drill-$profile-poll-pgpool.txt"
    DRILL_POLLERS=""
    DRILL_PGPOOL_LOG="$(dirname "$PGPOOL_CONF")/pgpool.log"
    read -r -a DRILL_IPS <<<"$PG_HOSTS"
    read -r -a DRILL_NAMES <<<"$PG_HOSTNAMES"
    DRILL_T_STREAM=""
    : >"$DRILL_LOG"
    : >"$DRILL_TSV"

    # What Pgpool runs, as the sandbox's server user: copies of pcpctl and the seed's follow
    # script, and a password file that user owns (mode 0600), in the sandbox directory.
    local owner group saved
    owner=$(stat -c %U "$PCP_SANDBOX_DIR/node0") group=$(stat -c %G "$PCP_SANDBOX_DIR/node0")
    rm -rf "$DRILL_DIR"
    mkdir -p "$DRILL_DIR"
    install -m 755 "$PCPCTL" "$DRILL_DIR/pcpctl"
    install -m 755 "$ROOT/benches/drill/seed_follow.sh" "$DRILL_DIR/seed_follow.sh"
    install -m 600 "$PCPPASSFILE" "$DRILL_DIR/pcppass"
    : >"$DRILL_DIR/follow.log"
    if [ "$(id -u)" = 0 ]; then
        chown "$owner:$group" "$DRILL_DIR" "$DRILL_DIR/pcppass" "$DRILL_DIR/follow.log"
    fi
    declare -g -A DRILL_FOLLOW=(
        [pcpctl]="{ $DRILL_DIR/pcpctl -h $PCP_HOST -p $PCP_PORT -U $PCP_USER -w --passfile $DRILL_DIR/pcppass --debug follow-primary %d --old-primary %P --stream-timeout 60 --wait; echo \"follow-primary %d exit \$?\"; } >>$DRILL_DIR/follow.log 2>&1 &"
        [seed]="PCP_HOST=$PCP_HOST PCP_PORT=$PCP_PORT PCP_USER=$PCP_USER PCPPASSFILE=$DRILL_DIR/pcppass $DRILL_DIR/seed_follow.sh %d %P >>$DRILL_DIR/follow.log 2>&1"
    )
    saved=$(sed -n "s/^[[:space:]]*follow_primary_command[[:space:]]*=[[:space:]]*'\(.*\)'[[:space:]]*$/\1/p" "$PGPOOL_CONF" | sed "s/''/'/g")

    # Rounds: odd ones play pcpctl node0 -> node1 and the seed back; even ones the other way
    # round, so that each procedure gets both directions and goes first as often.
    local r failed=0
    for ((r = 1; r <= DRILL_ROUNDS; r++)); do
        if ((r % 2)); then
            drill_leg pcpctl 0 1 && drill_leg seed 1 0 || { failed=1; break; }
        else
            drill_leg seed 0 1 && drill_leg pcpctl 1 0 || { failed=1; break; }
        fi
    done
    drill_pollers_stop
    drill_set_follow "$saved" || failed=1
    rm -rf "$DRILL_DIR"
    if [ "$failed" = 1 ]; then
        tail -40 "$DRILL_LOG" >&2
        echo failed >"$OUT/drill-$profile.failed"
        return 1
    fi
}

# section_drill PROFILE...: the Markdown section for the profiles measured
section_drill() {
    local profile rows=() split=() summary=() proc c g m
    for profile in "$@"; do
        DRILL_TSV="$OUT/drill-$profile.tsv"
        if [ -f "$OUT/drill-$profile.failed" ] || [ ! -s "$DRILL_TSV" ]; then
            rows+=("| (both) | $profile | **failed**: see \\`drill-$profile-legs.log\\` | | | | | |")
            goal "drill ($profile)" "failover drill" "not measured (failed)" "< 10 s; pcpctl's part ≤ 0.1 s" "**no**"
            continue
        fi
        local p_med p_min p_max p_n s_med s_min s_max s_n speed
        read -r p_med p_min p_max p_n < <(drill_stat pcpctl 4)
        read -r s_med s_min s_max s_n < <(drill_stat seed 4)
        speed=$(awk -v s="$s_med" -v p="$p_med" 'BEGIN { printf "%.1f", s / p }')
        g="< 10 s (the seed's fixed sleep)"
        m=$(met "$(drill_s "$p_med")" "<=" 10)
        goal "drill ($profile)" "PostgreSQL promotion → every standby attached and streaming (pcpctl; seed's follow_master.sh procedure $(drill_s "$s_med") s)" \
            "$(drill_s "$p_med") s (${speed}× faster)" "$g" "$m"
        summary+=("| $profile | $(drill_s "$p_med") ($(drill_s "$p_min")–$(drill_s "$p_max")) | $(drill_s "$s_med") ($(drill_s "$s_min")–$(drill_s "$s_max")) | ${speed}× | $g | $m |")
        for proc in pcpctl seed; do
            local parts=() med lo hi n
            for c in 4 5 6 7 8; do
                read -r med lo hi n < <(drill_stat "$proc" "$c")
                parts+=("$(drill_s "$med") ($(drill_s "$lo")–$(drill_s "$hi"))")
            done
            rows+=("| $proc | $profile | $n | ${parts[0]} | ${parts[1]} | ${parts[2]} | ${parts[3]} | ${parts[4]} |")
            local sp=() sn
            for c in 9 10 11; do
                read -r med lo hi sn < <(drill_stat "$proc" "$c")
                if [ "$sn" = 0 ]; then sp+=("—"); else sp+=("$(drill_s "$med") ($(drill_s "$lo")–$(drill_s "$hi"))"); fi
            done
            local hg="—" hm="—"
            if [ "$proc" = pcpctl ]; then
                hg="≤ 0.1 s per standby"
                read -r med lo hi sn < <(drill_stat pcpctl 11)
                if [ "$sn" = 0 ]; then
                    hm="**no** (not measured)"
                    goal "drill ($profile)" "pcpctl's part: Pgpool reports the standby streaming → its attach accepted (slowest standby)" "not measured" "$hg" "**no**"
                else
                    hm=$(met "$(drill_s "$med")" "<=" 0.1)
                    goal "drill ($profile)" "pcpctl's part: Pgpool reports the standby streaming → its attach accepted (slowest standby; max of $sn legs $(drill_s "$hi") s)" "$(drill_s "$med") s" "$hg" "$hm"
                fi
            fi
            split+=("| $proc | $profile | $sn | ${sp[0]} | ${sp[1]} | ${sp[2]} | $hg | $hm |")
        done
    done

    cat <<EOF
## Failover drill: promotion until every standby is back (pcpctl against the architecture's scripts)

The failover drill of \`docs/efm-integration.md\`, played on the bench sandbox with both
procedures, one leg after the other. Each leg: the primary's database stops
(\`scripts/sandbox pg-stop\`) and the detach hook takes it out of Pgpool; once Pgpool's own
failover has ended (its primary search, \`search_primary_node_timeout = 3\`, and the restart of
its PCP process a second later, which fails any \`pcp_*\` call caught by it), EFM's part:
\`pg-promote\` of a standby, then \`pg-rebuild\` of the other standby onto it (re-pointing,
pg_rewind), then the post-promotion hook; right after it, while Pgpool runs its follow commands,
the old primary is rebuilt as a standby (\`pg-rebuild\`) and \`efm resume\` runs the attach hook
for it. The two procedures differ only in the hooks and in Pgpool's \`follow_primary_command\`
(set in \`pgpool.conf\` and reloaded before each leg):

* **pcpctl**: \`pcpctl lb detach %h p\`, \`lb attach %h p\`, \`lb attach %h s\` (each \`--wait=60\`),
  and \`follow_primary_command = 'pcpctl … follow-primary %d --old-primary %P --wait … &'\`
  (in the background, as \`docs/efm-integration.md\` configures it; here with \`--debug\` for
  the step log): attaches each node as soon as Pgpool reports it streaming from the new primary.
* **seed**: the architecture's scripts, ours: the hooks are \`benches/glue/baseline.sh detach\`,
  \`promote\` (post-promotion, \`pcp_promote_node\`) and \`attach\`, the \`pcp_*\` sequence of its
  \`pgpool_backend.sh\` (given the host names Pgpool has: with EFM's address for node 0 they
  find no backend); \`follow_primary_command = 'benches/drill/seed_follow.sh %d %P'\`, its
  \`follow_master.sh\` logic: for a node other than \`%P\`, sleep 10 s, then \`pcp_attach_node\`.

**Definition.** From the moment \`scripts/sandbox pg-promote\` returns (\`pg_ctl promote\` done and
the new primary out of recovery) to the first poll (\`pcp_node_info -a\` every 0.1 s) that shows
the new primary as Pgpool's primary and both other nodes up (or \`waiting\`), standby, replication
state \`streaming\`, confirmed by the new primary's \`pg_stat_replication\` (both streaming).
Wall clock (\`date +%s%N\`) in the script. After each leg, untimed: both follow commands ran to
their end, \`SHOW POOL_NODES\` through Pgpool's SQL port shows the same state, and Pgpool has
restarted its PCP process after the last failback. The
re-pointing of the other standby (a pg_rewind and a restart, the same work in both procedures) is
**included**; the old primary's rebuild runs in parallel with the follow step and is included
where it is the last to finish.

Run on each sandbox profile: **plain** and **production** (\`scripts/sandbox up --production\`:
Pgpool health-checks every backend each second, scram passwords; Pgpool may then detach a node
that a step stops, before the hooks do). $DRILL_ROUNDS round(s) per profile; a round is a pcpctl
leg and a seed leg (node0 → node1 and back; the direction alternates between rounds, and each
round leaves node0 the primary with every node up). Seconds, median (min–max):

| | profile | pcpctl | seed (\`follow_master.sh\` procedure) | speed-up | goal | met |
|---|---|---|---|---|---|---|
$(printf '%s\n' "${summary[@]}" | sed 's/^| /| promotion → every standby attached and streaming | /')

| procedure | profile | legs | promotion → all standbys back | re-pointing the other standby | post-promotion hook | hook → Pgpool reports both streaming | → both attached |
|---|---|---|---|---|---|---|---|
$(printf '%s\n' "${rows[@]}")

**Whose time it is.** The same legs, split per standby (the re-pointed one and the rebuilt old
primary) into three parts, each the slowest of the two standbys:
* **PostgreSQL's part**: from the promotion's return to the new primary's
  \`pg_stat_replication\` first showing the standby \`streaming\` (promotion, the standby's
  rebuild, its reconnection). Polled on one session every 0.05 s (\`psql \\watch\`,
  \`clock_timestamp()\`).
* **Pgpool's part**: from there to Pgpool's node info first reporting the standby
  \`streaming\` (its streaming-replication check, \`sr_check_period = 1\`). Polled with
  \`pcp_node_info -a\` every 0.05 s; the time is when that request was sent, so this part may
  come out up to one poll late, and the next one as much shorter.
* **The hook's part** (pcpctl: \`follow-primary\` or the resume hook; seed: its follow step or
  attach script): from there to Pgpool receiving the attach (\`received failback request\` in
  Pgpool's log, millisecond stamps). Negative when the standby was attached before Pgpool
  reported it streaming (the resume hook attaches the rebuilt old primary as soon as EFM
  resumes it; the seed's fixed sleep can also end first). For the seed, Pgpool's part holds
  the follow step's sleeps: Pgpool's replication check does not run while its follow command
  holds the follow-primary lock.

| procedure | profile | legs | PostgreSQL's part | Pgpool's part | the hook's part | goal | met |
|---|---|---|---|---|---|---|---|
$(printf '%s\n' "${split[@]}")

pcpctl's part is bounded by \`follow-primary\`'s polling: it reads node info every 0.1 s at
first, with pauses growing to a quarter of \`sr_check_period\` (0.25 s here), so a \`streaming\`
that Pgpool reports just after a poll waits for the next one; and Pgpool's poller above stamps
a report with the time its request was sent, which can make this part up to one poll (0.05 s
and the request) longer than it was.

What the time is made of (the last four columns add up to the first). **pcpctl**: EFM's
re-pointing of the other standby comes first (the architecture's order), and is the same work
for both procedures. After the post-promotion hook, the wait is Pgpool's: its replication check
starts again after the promotion and reports both nodes streaming from the new primary a check
period or two later (\`sr_check_period = 1\` here); \`follow-primary\`, started in the background
for each node, then attaches at its next poll of node info (pauses grow from 0.1 s to a quarter
of \`sr_check_period\`, at most 1 s), and a \`streaming\` is only believed once another state was
seen after the promotion. (Here the promotion comes after Pgpool's PCP restart, by which time
the replication check has cleared the old states. A promotion right at the end of Pgpool's
primary search can find the other standby still showing its \`streaming\` from before;
\`follow-primary\` then waits until that state is \`sr_check_period\` + 2 s old, about a second
more, which was seen in development runs.) The old primary's rebuild (pg_rewind) runs meanwhile
and is done before. The pcpctl hook waits until Pgpool shows the promotion (\`--wait\`); the seed's does not.
**seed**: Pgpool runs
\`follow_primary_command\` once for each node its promotion took down, one after the other, in one
process that holds the follow-primary lock; it passes \`%P = -1\` (the detach hook had already
taken the old primary out, so Pgpool had no primary), so the script sleeps for the old primary
too: two fixed 10 s sleeps in a row. The replication check does not run while the lock is held,
so even the old primary, attached by \`efm resume\` right after its rebuild, shows no replication
state until the second sleep has ended.

Samples per leg: \`\$CARGO_TARGET_DIR/bench-report/drill-PROFILE.tsv\` (µs); every step with its
output, and each standby's three instants: \`drill-PROFILE-legs.log\` there.

EOF
}
