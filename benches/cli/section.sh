# Sourced by benches/run: whole-process wall time of `pcpctl <cmd> --format=pcp` against each
# `pcp_*` tool on the same sandbox Pgpool, runs interleaved, plus pcpctl in drop-in mode (the
# same binary invoked through a `pcp_*` link). Prints a Markdown section on stdout.
#
# Uses from benches/run: PCPCTL (the release build, scripts/build-release), PCPCTL_DEFAULT (a
# plain `cargo build --release`), EXEC TOOLS OUT CLI_RUNS CLI_WARMUP PCP_SANDBOX_ENV and the
# helpers ms ratio met fig spread goal.

# same_output TOOL_CMD PCPCTL_CMD: "yes" if both print the same bytes on stdout (three tries,
# because process-info lines carry the time until the process restarts).
same_output() {
    local try
    for try in 1 2 3; do
        # shellcheck disable=SC2086
        if cmp -s <($1 2>/dev/null) <($2 2>/dev/null); then
            echo yes
            return
        fi
    done
    echo "**no**"
}

# instructions CMD...: prints "TOTAL PARSE": instructions executed (callgrind), whole process
# including the dynamic loader, and the part of them spent parsing the command line: pcpctl's
# own parser for the common lines (quick_parse::parse), plus clap's lean parse when a line is
# left to it, else the whole clap tree's parts (building, parsing, converting the matches).
instructions() {
    local f="$OUT/callgrind.$RANDOM"
    valgrind --tool=callgrind --callgrind-out-file="$f" "$@" >/dev/null 2>&1 || { echo "— —"; return; }
    local total parse
    total=$(awk '/^totals:/ { print $2 }' "$f")
    # A function is listed once per source file its code came from (inlining); its largest
    # inclusive count is the one of the function itself.
    parse=$(callgrind_annotate --inclusive=yes "$f" 2>/dev/null | awk '
        function keep(part, count) { gsub(",", "", count); if (count + 0 > best[part]) best[part] = count + 0 }
        /=>/ { next }
        /:pcpctl::quick_parse::parse( \[.*)?$/ { keep("quick", $1) }
        /:pcpctl::cli::parse_lean( \[.*)?$/ { keep("lean", $1) }
        /Command::try_get_matches_from_mut( \[.*)?$/ { keep("matches", $1) }
        /:pcpctl::cli::command( \[.*)?$/ { keep("tree", $1) }
        /<pcpctl::cli::Cli as [^ ]*FromArgMatches>::from_arg_matches_mut( \[.*)?$/ { keep("convert", $1) }
        END { whole = best["matches"] + best["tree"] + best["convert"]
              print best["quick"] + (best["lean"] ? best["lean"] : whole) }')
    echo "$total $parse"
}
# thousands 1234567 -> 1,234,567
thousands() {
    awk -v n="$1" 'BEGIN { s = sprintf("%d", n); o = ""
        while (length(s) > 3) { o = "," substr(s, length(s) - 2) o; s = substr(s, 1, length(s) - 3) }
        print s o }'
}

section_cli() {
    # shellcheck disable=SC1090
    . "$PCP_SANDBOX_ENV"
    local conn="-h $PCP_HOST -p $PCP_PORT -U $PCP_USER -w"
    local links="$OUT/links"
    mkdir -p "$links"
    "$PCPCTL" install-links "$links" -f >/dev/null

    # label | tool command (after /usr/sbin/) | pcpctl command (after the connection options)
    local commands=(
        "node-count|pcp_node_count|node-count"
        "node-info -n 0|pcp_node_info -n 0|node-info -n 0"
        "node-info (all nodes)|pcp_node_info|node-info"
        "health-check-stats -n 0|pcp_health_check_stats -n 0|health-check-stats -n 0"
        "proc-count|pcp_proc_count|proc-count"
        "proc-info|pcp_proc_info|proc-info"
        "pool-status|pcp_pool_status|pool-status"
        "attach -n 1 (node already up)|pcp_attach_node -n 1|attach 1"
    )
    local row label tool sub tool_cmd ctl_cmd def_cmd dropin_cmd res same r rd rdef m missed=0 noise=
    local rows=()
    for row in "${commands[@]}"; do
        IFS='|' read -r label tool sub <<<"$row"
        tool_cmd="$TOOLS/${tool%% *} $conn ${tool#"${tool%% *}"}"
        ctl_cmd="$PCPCTL $conn $sub --format=pcp"
        def_cmd="$PCPCTL_DEFAULT $conn $sub --format=pcp"
        dropin_cmd="$links/${tool%% *} $conn ${tool#"${tool%% *}"}"
        res="$OUT/cli-${sub// /_}.tsv"
        "$EXEC" --runs "$CLI_RUNS" --warmup "$CLI_WARMUP" --raw "$res.raw" \
            "tool=$tool_cmd" "pcpctl=$ctl_cmd" "dropin=$dropin_cmd" "default=$def_cmd" >"$res"
        same=$(same_output "$tool_cmd" "$ctl_cmd")
        r=$(fig "$res" pcpctl median) rd=$(fig "$res" dropin median) rdef=$(fig "$res" default median)
        # The former goal, pcpctl ≤ 1.0× of the tool, is withdrawn (the figures stay): the two
        # land inside this machine's noise of each other (see the drop-in column).
        m=$(met "$(awk -v a="$r" -v b="$(fig "$res" tool median)" 'BEGIN { print a / b }')" "<=" 1.0)
        goal "pcpctl vs pcp_*" "$label" "$(ratio "$r" "$(fig "$res" tool median)")" "— (≤ 1.0× withdrawn: within the machine's noise)" "—"
        [ "$m" = yes ] || missed=$((missed + 1))
        # pcpctl and its drop-in link do the same work (except attach, where pcpctl goes
        # through the glue): how far apart their medians land is this run's noise.
        [ "${sub%% *}" = attach ] || noise=$(awk -v a="$r" -v b="$rd" -v t="$(fig "$res" tool median)" -v n="${noise:-0 -}" -v l="$label" \
            'BEGIN { split(n, o, " "); d = (a > b ? a - b : b - a) / t * 100
                     if (d > o[1]) printf "%.1f %s", d, l; else print n }')
        rows+=("| \`$label\` | $(spread "$res" tool) | $(spread "$res" pcpctl) | $(ratio "$r" "$(fig "$res" tool median)") | $(spread "$res" dropin) | $(ratio "$rd" "$(fig "$res" tool median)") | $(spread "$res" default) | $(ratio "$rdef" "$(fig "$res" tool median)") | — (withdrawn) | — | $same |")
    done

    # node-info of every node: pcpctl once against the tool once per node (as scripts and
    # Pgpool ≤ 4.2's tool require), and against the tool once (4.3+ can list all).
    res="$OUT/cli-node-info-all.tsv"
    local t3="$TOOLS/pcp_node_info $conn -n 0 ;; $TOOLS/pcp_node_info $conn -n 1 ;; $TOOLS/pcp_node_info $conn -n 2"
    "$EXEC" --runs "$CLI_RUNS" --warmup "$CLI_WARMUP" --raw "$res.raw" \
        "tool3=$t3" "tool1=$TOOLS/pcp_node_info $conn" "pcpctl=$PCPCTL $conn node-info --all --format=pcp" >"$res"
    local all=$(fig "$res" pcpctl median) t3m=$(fig "$res" tool3 median) t1m=$(fig "$res" tool1 median)
    local m3
    m3=$(met "$(awk -v a="$all" -v b="$t3m" 'BEGIN { print a / b }')" "<=" 0.6)
    goal "pcpctl vs pcp_*" "node-info --all vs pcp_node_info -n 0, -n 1, -n 2" "$(ratio "$all" "$t3m")" "≤ 0.6×" "$m3"

    # Start-up without a connection, with page faults and peak memory from GNU time.
    res="$OUT/cli-startup.tsv"
    "$EXEC" --runs "$CLI_RUNS" --warmup "$CLI_WARMUP" \
        "toolv=$TOOLS/pcp_node_count --version" "ctlv=$PCPCTL --version" "defv=$PCPCTL_DEFAULT --version" >"$res"
    local tf pf
    tf=$(/usr/bin/time -f '%R %M' "$TOOLS/pcp_node_count" $conn 2>&1 >/dev/null | tail -1)
    pf=$(/usr/bin/time -f '%R %M' "$PCPCTL" $conn node-count --format=pcp 2>&1 >/dev/null | tail -1)
    local tvf pvf
    tvf=$(/usr/bin/time -f '%R %M' "$TOOLS/pcp_node_count" --version 2>&1 >/dev/null | tail -1)
    pvf=$(/usr/bin/time -f '%R %M' "$PCPCTL" --version 2>&1 >/dev/null | tail -1)
    local df dvf
    df=$(/usr/bin/time -f '%R %M' "$PCPCTL_DEFAULT" $conn node-count --format=pcp 2>&1 >/dev/null | tail -1)
    dvf=$(/usr/bin/time -f '%R %M' "$PCPCTL_DEFAULT" --version 2>&1 >/dev/null | tail -1)

    # Instructions executed for one node-count (deterministic, unlike the times).
    local it="— —" ic="— —" id="— —" idef="— —"
    if command -v valgrind >/dev/null && command -v callgrind_annotate >/dev/null; then
        it=$(instructions "$TOOLS/pcp_node_count" $conn)
        ic=$(instructions "$PCPCTL" $conn node-count --format=pcp)
        id=$(instructions "$links/pcp_node_count" $conn)
        idef=$(instructions "$PCPCTL_DEFAULT" $conn node-count --format=pcp)
    fi

    # Where the node-count gap comes from, from this run's figures.
    local nc="$OUT/cli-node-count.tsv" gap vgap
    gap=$(awk -v a="$(fig "$nc" pcpctl median)" -v b="$(fig "$nc" tool median)" 'BEGIN { printf "%.2f", (a - b) / 1000 }')
    vgap=$(awk -v a="$(fig "$res" ctlv median)" -v b="$(fig "$res" toolv median)" 'BEGIN { printf "%.2f", (a - b) / 1000 }')

    cat <<EOF
## pcpctl against the pcp_* tools (whole process)

Wall time of one whole process, from spawn to exit, with standard output to \`/dev/null\`:
\`pcpctl -h $PCP_HOST -p PORT -U $PCP_USER -w <cmd> --format=pcp\` against the matching
\`$TOOLS/pcp_*\` tool with the same options. pcpctl is the release build
(\`scripts/build-release\`: glibc linked statically, position-dependent); beside it the same
binary in drop-in mode (run through a \`pcp_*\` link made by \`pcpctl install-links\`, same
arguments as the tool), and the default build (\`cargo build --release\`, dynamically linked,
what \`cargo install\` gives). The four run interleaved (\`pcp-bench-exec\`: each round runs
each once, in orders chosen so that each comes right after each other one equally often: the
process just before affects the next one's time by several percent here), $CLI_WARMUP warm-up
rounds, then $CLI_RUNS runs each. Times in ms: median (min–max). Ratios: median over the tool's median (lower is better).
The former goal, pcpctl at most 1.0× of the tool, is withdrawn (the figures stay): the two land
within this machine's noise of each other, as the drop-in column shows. "Same output": pcpctl's standard output is
byte-identical to the tool's. Password from \`PCPPASSFILE\`. \`watchdog-info\` is not measured:
it needs the sandbox's watchdog profile. On the wire, pcpctl (and its drop-in mode) writes
its login together with the request (\`Config::pipeline_login\`): one round trip fewer per
session than the tools, which wait for the login's answer before sending the request.

| command | \`pcp_*\` tool | pcpctl --format=pcp | ratio | drop-in link | ratio | default build | ratio | goal | met | same output |
|---|---|---|---|---|---|---|---|---|---|---|
$(printf '%s\n' "${rows[@]}")

Every node's info: \`pcpctl node-info --all --format=pcp\` (one connection, one request for
all nodes) against three runs of \`pcp_node_info -n K\`, one per node (what scripts do, and the
only way with Pgpool ≤ 4.2's tool), and against one \`pcp_node_info\` without \`-n\` (4.3+).

| measurement | time, ms | pcpctl's ratio | goal | met |
|---|---|---|---|---|
| \`pcp_node_info -n 0; -n 1; -n 2\` (3 processes) | $(spread "$OUT/cli-node-info-all.tsv" tool3) | $(ratio "$all" "$t3m") | ≤ 0.6× | $m3 |
| \`pcp_node_info\` (all nodes, 1 process) | $(spread "$OUT/cli-node-info-all.tsv" tool1) | $(ratio "$all" "$t1m") | — (≤ 1.0× above) | — |
| \`pcpctl node-info --all --format=pcp\` | $(spread "$OUT/cli-node-info-all.tsv" pcpctl) | | | |

Process start-up without a connection (\`--version\`), and the cost of one \`node-count\` in
minor page faults and peak resident memory (GNU \`time\`, one run each):

| | \`pcp_node_count\` | pcpctl (release build) | pcpctl (default build) |
|---|---|---|---|
| \`--version\`, ms | $(spread "$res" toolv) | $(spread "$res" ctlv) | $(spread "$res" defv) |
| \`--version\`: minor page faults, max RSS KiB | ${tvf% *}, ${tvf#* } | ${pvf% *}, ${pvf#* } | ${dvf% *}, ${dvf#* } |
| \`node-count\`: minor page faults, max RSS KiB | ${tf% *}, ${tf#* } | ${pf% *}, ${pf#* } | ${df% *}, ${df#* } |

Instructions executed for one \`node-count\` (valgrind callgrind, whole process including the
dynamic loader; deterministic, so unaffected by the machine's load). "Argument parsing" is
pcpctl's own parser for the common command lines (\`quick_parse\`), plus clap's (building the
command line, parsing it, converting the matches) when a line is left to clap:

| | instructions | of which argument parsing |
|---|---|---|
| \`pcp_node_count\` | $(thousands "${it% *}") | — |
| \`pcpctl node-count --format=pcp\`, release build | $(thousands "${ic% *}") | $(thousands "${ic#* }") |
| the same, default build | $(thousands "${idef% *}") | $(thousands "${idef#* }") |
| pcpctl as \`pcp_node_count\` (drop-in: own getopt parser, no clap) | $(thousands "${id% *}") | — (inlined) |

What the profile changed (callgrind, \`node-count --format=pcp\`, whole process; before: 1,594,295
instructions and 301 minor page faults with clap's whole tree built, used and freed):

1. The clap tree is no longer freed before exit (the process ends right after): −16% of the
   instructions.
2. Only the invoked subcommand is built (\`parse_lean\` in \`pcp-cli/src/cli.rs\`): the whole
   tree (every subcommand, each given a copy of the 14 global options) is built only for help,
   errors, \`watch\`, \`completions\`, \`man\` and \`install-links\`; a test checks each
   lone subcommand is the whole tree's own definition and that both parse a corpus of command
   lines alike. That took a \`node-count\` to about 0.92 M instructions and 180 faults.
   In that lean tree the 14 root options are not clap \`global\` arguments (clap copies
   those into every subcommand and copies their values between levels after parsing, half of
   the lean parse): the subcommand gets copies that only record what is written after its
   name, laid over the root's values (the later one wins, as with clap's globals).
3. The release build links glibc statically: the dynamic loader's relocations and symbol
   lookups (about 0.32 M instructions, 65 faults) disappear; a static position-independent
   build keeps about 0.09 M of them and 25 faults, so the release build is position-dependent.
4. The default log output (warnings only) is written by a small subscriber of our own;
   \`tracing-subscriber\`, with its span registry, is set up only for \`-d\` or \`RUST_LOG\`.
   The parsed values are moved out of clap's matches instead of copied.
5. The common command lines (the root options and the read-only commands, \`attach\`,
   \`detach\`, \`promote\`, \`is-primary\`, \`resolve\`, \`lb attach|detach\`, written plainly)
   are parsed by a small parser of our own (\`pcp-cli/src/quick_parse.rs\`) before clap, which
   stays the definition and takes everything else (help, errors, conflicts, other
   subcommands); tests check that it gives clap's result wherever it takes a line (a corpus,
   random lines, the environment variables). \`node-count --format=pcp\`: 386,288 → 187,213
   instructions (\`parse_lean\` was 202,185 of them, the new parser is 5,877); \`node-info -n 0\`:
   446,694 → 210,341; \`attach -n 1\`: 433,878 → 198,471.
6. Tried and dropped: mimalloc as the allocator (more instructions, as many faults), lazy binding (\`-z lazy\`: no change, the cost is relative relocations),
   a musl build (0.67 M instructions, 130 faults: more than the glibc static build).

EOF
    # attach: pcpctl's own attach goes through the glue; count its PCP sessions.
    local attach_note="" at="$OUT/cli-attach_1.tsv" sessions="several"
    if command -v strace >/dev/null; then
        strace -f -e trace=connect -o "$OUT/cli-attach.strace" "$PCPCTL" $conn attach 1 --format=pcp >/dev/null 2>&1 || true
        sessions=$(grep -c "htons($PCP_PORT)" "$OUT/cli-attach.strace")
    fi
    attach_note="* \`attach 1\`: pcpctl's own attach goes through the glue (it reads node info first
  and sends nothing for a node that is already up; the drop-in link sends the request as
  the tool does), and costs $(ms "$(awk -v a="$(fig "$at" pcpctl median)" -v b="$(fig "$at" dropin median)" 'BEGIN { print a - b }')") ms more than the drop-in link."
    if [ "$sessions" != 1 ]; then
        attach_note+=" It opens $sessions PCP sessions
  (strace): the one pcpctl opens is closed unused, and the glue opens a fresh one for node
  info and the request (\`Client::apply\` in \`pcp-client/src/glue/ops.rs\`). Each session
  costs Pgpool a fork. Not reconnecting when the session has not been used yet would save
  one."
    fi
    if [ "$missed" -gt 0 ]; then
        cat <<EOF
**Why pcpctl lands above 1.0× in $missed of ${#rows[@]} commands** (the former goal ≤ 1.0× is
withdrawn: the difference is inside this machine's noise). Every command here is one PCP
session, and most of its time is not pcpctl's: starting a process, connecting, Pgpool forking
a PCP worker for the session (the ~2 ms between the client's first packet and Pgpool's
answer, the same for both), and exiting. Medians, pcpctl minus tool: ${gap} ms on
\`node-count\`, ${vgap} ms on \`--version\` (start, parse the command line, exit).

* pcpctl executes $(ratio "${ic% *}" "${it% *}") the tool's instructions on a \`node-count\`
  (argument parsing $(thousands "${ic#* }") of them; the rest is mostly the Rust runtime's
  start-up, whose stack guard set-up reads /proc/self/maps, and the tokio runtime), and it
  takes $(ratio "${pf% *}" "${tf% *}") the tool's minor page faults, each of which costs a few
  microseconds in a virtual machine.
* The drop-in column does the same work as pcpctl: the same binary and connection code with
  the tools' own getopt parsing, the same system calls (strace), $(thousands "${id% *}")
  instructions against $(thousands "${ic% *}"). Its median still lands up to ${noise%% *}% of the
  tool's time away from pcpctl's in this run (\`${noise#* }\`): that is the noise of these
  medians on this machine, and a ratio that close to 1.0× does not tell pcpctl and the tool
  apart. pcpctl also writes its login with the request, one round trip fewer than the tools.

EOF
    fi
    printf '%s\n\n' "$attach_note"
}

