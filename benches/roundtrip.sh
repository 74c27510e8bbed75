#!/usr/bin/env bash
# Round trips per second on one PCP connection: Pgpool's own C library (libpcp) against
# pcp-client, side by side on the same sandbox Pgpool, runs interleaved. Prints a Markdown
# table of medians (and min–max) and the ratios.
#
# usage: benches/roundtrip.sh [ITERATIONS] [TRIALS]     (the sandbox must be up)
set -euo pipefail
cd "$(dirname "$0")/.."

iterations="${1:-5000}"
trials="${2:-5}"
env_file="${PCP_SANDBOX_ENV:-${PCP_SANDBOX_DIR:-/var/tmp/pcp-sandbox}/sandbox.env}"
[ -f "$env_file" ] || { echo "no sandbox env at $env_file: run scripts/sandbox up" >&2; exit 1; }
# shellcheck disable=SC1090
. "$env_file"

target="${CARGO_TARGET_DIR:-target}"
mkdir -p "$target/bench-bin"
gcc -O2 -Wall -o "$target/bench-bin/libpcp-roundtrip" benches/libpcp/roundtrip.c -lpcp
cargo build --quiet --release -p pcp-benches --bin pcp-roundtrip
rust="$target/release/pcp-roundtrip"
c="$target/bench-bin/libpcp-roundtrip"
conn=("$PCP_HOST" "$PCP_PORT" "$PCP_USER" "$PCP_PASSWORD")

declare -A rates
measure() { # name binary command [batch]
    local out secs
    out=$("$2" "${conn[@]}" "$3" "$iterations" "${@:4}")
    secs=$(awk '{print $4}' <<<"$out")
    rates[$1]+="$(awk -v n="$iterations" -v s="$secs" 'BEGIN{printf "%.0f ", n/s}') "
}
for _ in $(seq "$trials"); do
    measure libpcp-count "$c" node-count
    measure rust-count "$rust" node-count
    measure rust-pipelined "$rust" node-count-pipelined 64
    measure libpcp-info "$c" node-info
    measure rust-info "$rust" node-info
done

stats() { # prints "median min max" of the numbers in $1
    tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -n | awk '{a[NR]=$1} END{m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.0f %.0f %.0f", m, a[1], a[NR]}'
}
median() { stats "$1" | awk '{print $1}'; }

printf '| measurement | round trips/s, median (min–max) of %s × %s | ratio to libpcp | goal |\n' "$trials" "$iterations"
printf '|---|---|---|---|\n'
row() { # label key anchor-key goal
    read -r m lo hi <<<"$(stats "${rates[$2]}")"
    local ratio
    ratio=$(awk -v a="$m" -v b="$(median "${rates[$3]}")" 'BEGIN{printf "%.2f×", a/b}')
    printf '| %s | %s (%s–%s) | %s | %s |\n' "$1" "$m" "$lo" "$hi" "$ratio" "$4"
}
row "libpcp node count, sequential" libpcp-count libpcp-count "anchor"
row "pcp-client node count, sequential" rust-count libpcp-count "≥ 1.0×"
row "pcp-client node count, pipelined (64 per write)" rust-pipelined libpcp-count "≥ 5×"
row "libpcp node info (node 0), sequential" libpcp-info libpcp-info "anchor"
row "pcp-client node info (node 0), sequential" rust-info libpcp-info "≥ 1.0×"
