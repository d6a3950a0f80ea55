# Shared helpers of the cross/ scripts; sourced, not run.
# Every command that matters goes through `run`, which prints it first.

CROSS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$CROSS_DIR/.." && pwd)"

# The primitive crates' software backends (see core/src/lib.rs).
SOFT_FLAGS='--cfg aes_backend="soft" --cfg polyval_backend="soft" --cfg chacha20_backend="soft" --cfg poly1305_backend="soft"'

step() { printf '\n--> %s\n' "$*"; }

# Prints a command (shell-quoted, with any VAR=value words in front) and runs it.
run() {
    printf '+'
    printf ' %q' "$@"
    printf '\n'
    "$@"
}

# Installs the Debian packages that are missing. Runs `apt-get update` first
# unless the package lists were refreshed in the last hour (by an earlier
# script of the same CI run, say). Needs root or sudo (CI runs as root).
APT_UPDATED=0
if [ -n "$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -mmin -60 2>/dev/null | head -n 1)" ]; then
    APT_UPDATED=1
fi
apt_install() {
    local missing=()
    local pkg
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' \
            || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo)
    if [ "$APT_UPDATED" -eq 0 ]; then
        run "${sudo[@]}" apt-get update -q
        APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive run "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# Installs a rustup target when missing.
rust_target() {
    local target
    for target in "$@"; do
        rustup target list --installed | grep -qx "$target" || run rustup target add "$target"
    done
}

# Times the whole script: prints its wall time on exit.
SCRIPT_START=$(date +%s)
report_time() {
    local status=$?
    report_hangs
    printf '\n%s: %s after %ss\n' "$(basename "$0")" \
        "$([ $status -eq 0 ] && echo passed || echo "FAILED (exit $status)")" \
        "$(($(date +%s) - SCRIPT_START))"
}
trap report_time EXIT

# Makes cargo run TARGET's binaries under the qemu command "$2" through
# cross/qemu-run (a time limit; a hang is recorded and the binary rerun; see there).
# $1 is the target triple. Prints the hangs of the run at exit.
qemu_runner() {
    local triple=$1 qemu=$2
    local var
    var="CARGO_TARGET_$(echo "$triple" | tr 'a-z-' 'A-Z_')_RUNNER"
    export CROSS_QEMU="$qemu" CROSS_RUNNER_VAR="$var"
    export CROSS_HANG_LOG="$CARGO_TARGET_DIR/qemu-hangs.log"
    export "$var=$CROSS_DIR/qemu-run"
    rm -f "$CROSS_HANG_LOG"
    echo "$var=$CROSS_DIR/qemu-run (CROSS_QEMU=$qemu, limit ${CROSS_TIME_LIMIT:-180}s per binary, ${CROSS_HANG_RETRIES:-3} reruns after a hang)"
}

# Lists the binaries that hung under qemu and were run again.
report_hangs() {
    if [ -s "${CROSS_HANG_LOG:-}" ]; then
        printf '\nqemu-user hangs in this run (each binary was run again):\n'
        cat "$CROSS_HANG_LOG"
    fi
}
