#!/usr/bin/env bash
# SQLite through the pageseal VFS against the same SQLite without it (the
# stock sqlite3 shell, one binary for both) and SQLCipher (the Debian
# `sqlcipher` shell), on benches/sqlite/workload.sql, in one run: the three
# take turns, ROUNDS times, each in a fresh directory; the median of each
# phase is reported, and the ratios to plain SQLite. A benchmark, not a test.
#
# Wall seconds per phase, then CPU seconds (user + sys, as `.timer` reports
# them), which other load on a shared machine disturbs less.
#
# Usage: bash benches/sqlite/run.sh [ROUNDS]   (default 3)
# Needs: sqlite3, sqlcipher (apt-get install sqlite3 sqlcipher); builds the
# extension.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${1:-3}
TARGET_DIR=${CARGO_TARGET_DIR:-target}
cargo build -q --release --manifest-path std-adapter/sqlite/ext/Cargo.toml --target-dir "$TARGET_DIR"
EXT=$(realpath "$TARGET_DIR/release/libpagesealvfs.so")
EXT=${EXT%.so}
SCRIPT=$(realpath benches/sqlite/workload.sql)
HEX=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

run_one() { # $1 = config, $2 = directory; prints the shell's timer output
    local dir=$2
    case $1 in
        plain) (cd "$dir" && sqlite3 bench.db <"$SCRIPT") ;;
        pageseal) (cd "$dir" && { printf '.load %s\n.open file:bench.db?vfs=pageseal&hexkey_insecure=%s\n' "$EXT" "$HEX"; cat "$SCRIPT"; } | sqlite3) ;;
        sqlcipher) (cd "$dir" && { printf "PRAGMA key = \"x'%s'\";\n" "$HEX"; cat "$SCRIPT"; } | sqlcipher bench.db) ;;
    esac
}

# Sums each phase's "Run Time: real" lines (and user + sys as "cpu_PHASE").
phases() {
    awk '/^@/ { phase = substr($1, 2); next }
         /^Run Time: real/ { t[phase] += $4; c[phase] += $6 + $8 }
         END { for (p in t) if (p != "end") printf "%s %.3f\ncpu_%s %.3f\n", p, t[p], p, c[p] }'
}

CONFIGS=(plain pageseal sqlcipher)
for round in $(seq 1 "$ROUNDS"); do
    for config in "${CONFIGS[@]}"; do
        dir="$OUT/$config-$round"
        mkdir -p "$dir"
        start=$(date +%s.%N)
        run_one "$config" "$dir" >"$OUT/$config-$round.log" 2>&1
        if grep -qiE "error|^Parse|^Runtime" "$OUT/$config-$round.log"; then
            echo "$config round $round failed:" >&2
            grep -iE "error|^Parse|^Runtime" "$OUT/$config-$round.log" >&2
            exit 1
        fi
        phases <"$OUT/$config-$round.log" >"$OUT/$config-$round.times"
        end=$(date +%s.%N)
        echo "wall $(echo "$end - $start" | bc)" >>"$OUT/$config-$round.times"
        size=$(stat -c %s "$dir/bench.db")
        echo "size $size" >>"$OUT/$config-$round.times"
        rm -rf "$dir"
    done
done

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
echo "sqlite3 $(sqlite3 --version | cut -d' ' -f1), sqlcipher $(sqlcipher --version | cut -d' ' -f1) (SQLCipher 3.4), $ROUNDS rounds, median seconds"
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs"
printf '%-13s %10s %10s %10s %9s %9s\n' phase plain pageseal sqlcipher "ps/plain" "sc/plain"
for phase in insert index scan1 scan2 update checkpoint lookups lookups_warm wall \
    cpu_insert cpu_index cpu_scan1 cpu_scan2 cpu_update cpu_checkpoint cpu_lookups cpu_lookups_warm; do
    declare -A m=()
    for config in "${CONFIGS[@]}"; do
        m[$config]=$(cat "$OUT"/$config-*.times | awk -v p=$phase '$1 == p { print $2 }' | median)
    done
    if [ "$phase" = cpu_insert ]; then
        echo "CPU seconds (user + sys) of the same statements:"
    fi
    printf '%-13s %10.3f %10.3f %10.3f %8.2fx %8.2fx\n' "$phase" "${m[plain]}" "${m[pageseal]}" "${m[sqlcipher]}" \
        "$(echo "${m[pageseal]} / ${m[plain]}" | bc -l)" "$(echo "${m[sqlcipher]} / ${m[plain]}" | bc -l)"
done
for config in "${CONFIGS[@]}"; do
    echo "database size ($config): $(cat "$OUT"/$config-*.times | awk '$1 == "size" { print $2 }' | median) bytes"
done
