#!/usr/bin/env bash
# Runs the workspace test suite for aarch64-unknown-linux-gnu under
# qemu-aarch64 with `-cpu max` (ARMv8 AES, PMULL, SHA3 present), twice:
#   1. `cargo test --workspace` as is: the primitive crates detect AES/PMULL
#      and use the ARMv8 instructions, pageseal-dispatch its ARMv8 backend;
#   2. core, dispatch and pageseal-tests (see the cut below; CROSS_SOFT_FULL=1
#      for the whole workspace) with the primitive crates' software backends
#      forced by --cfg, and pageseal-dispatch's portable path forced with
#      --cfg pageseal_backend="portable" (PORTABLE_CFG below).
# Each run is preceded by a backend report (cross/probe: the primitive crates'
# backends and pageseal-dispatch's choice per suite; then `pageseal cpu`) so
# the log shows which implementations were exercised.
#
# Emulation cuts: property tests run PROPTEST_CASES (default 64, proptest's
# own default is 256) cases per property; run 2 skips the std adapter's and
# the benches' tests. Every other unit, known-answer and doc test runs.
# Installs gcc-aarch64-linux-gnu, libc6-dev-arm64-cross and qemu-user when
# missing (needs root or sudo).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO_DIR"

TARGET=aarch64-unknown-linux-gnu
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$REPO_DIR/target/cross-aarch64}"
export PROPTEST_CASES="${PROPTEST_CASES:-64}"
QEMU_CPU="${QEMU_CPU:-max}"

step "tools: cross gcc, qemu-user, rust target"
command -v aarch64-linux-gnu-gcc >/dev/null && command -v qemu-aarch64 >/dev/null \
    || apt_install gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user
rust_target "$TARGET"
qemu-aarch64 --version | sed -n 1p

# Set through the environment, not a committed .cargo/config.toml, so host
# builds are never affected.
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
qemu_runner "$TARGET" "qemu-aarch64 -cpu $QEMU_CPU -L /usr/aarch64-linux-gnu"
# C and assembly of dev-dependencies (ring, libaegis: the benches' peers).
export CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc
export AR_aarch64_unknown_linux_gnu=aarch64-linux-gnu-ar
# Doc tests, when cargo runs them for a cross target, link and run the same way.
export RUSTDOCFLAGS="${RUSTDOCFLAGS:-} -C linker=aarch64-linux-gnu-gcc"
echo "CARGO_TARGET_DIR=$CARGO_TARGET_DIR PROPTEST_CASES=$PROPTEST_CASES"

# Prints which backends a run exercises: $1 is a label, $2 the extra rustc
# flags of the run (the soft cfgs or nothing), $3 the run's target dir.
backend_report() {
    local label=$1 flags=$2 dir=$3
    step "backend report ($label)"
    # cross/probe (its own workspace) reports the primitive crates' backends
    # and pageseal-dispatch's choice per suite; built with the run's flags.
    RUSTFLAGS="$flags" CARGO_TARGET_DIR="$dir" \
        run cargo run -q --manifest-path "$CROSS_DIR/probe/Cargo.toml" --target "$TARGET"
    # `pageseal cpu` reports the same through the CLI (run 1, and run 2 when
    # it tests the whole workspace: it needs the std adapter built).
    if [ "$label" = hardware ] || [ "${CROSS_SOFT_FULL:-0}" = 1 ]; then
        RUSTFLAGS="$flags" CARGO_TARGET_DIR="$dir" \
            run cargo run -q --profile test --target "$TARGET" -p pageseal-cli --bin pageseal -- cpu
    fi
}

step "1/2: cargo test --workspace for $TARGET under qemu-aarch64 -cpu $QEMU_CPU (hardware backends)"
backend_report hardware "" "$CARGO_TARGET_DIR"
time run cargo test --workspace --target "$TARGET"

step "2/2: cargo test (core, dispatch, tests; CROSS_SOFT_FULL=1: workspace) for $TARGET, software backends forced"
# `--cfg pageseal_backend="portable"` makes pageseal-dispatch's automatic
# choice the portable path in every layer; the backend report below shows
# "portable" for every suite. (Forced per cipher, every backend is still
# compared with it by the differential tests.)
PORTABLE_CFG="${PORTABLE_CFG:---cfg pageseal_backend=\"portable\"}"
backend_report soft "$SOFT_FLAGS $PORTABLE_CFG" "$CARGO_TARGET_DIR-soft"
# A separate target dir: different RUSTFLAGS would otherwise rebuild run 1's
# artifacts in place on every alternation.
# Emulation cut: this run covers the crates where the backends live and are
# tested (core, dispatch, and pageseal-tests: known answers on every backend,
# differential, golden, property tests). The std adapter's and the benches'
# tests, mostly CLI runs that each start a qemu process, ran in run 1 on the
# same code and would double the script's time. CROSS_SOFT_FULL=1 runs the
# whole workspace here too.
if [ "${CROSS_SOFT_FULL:-0}" = 1 ]; then
    SOFT_PACKAGES=(--workspace)
else
    SOFT_PACKAGES=(-p pageseal-core -p pageseal-dispatch -p pageseal-tests)
fi
time RUSTFLAGS="$SOFT_FLAGS $PORTABLE_CFG" CARGO_TARGET_DIR="$CARGO_TARGET_DIR-soft" \
    run cargo test "${SOFT_PACKAGES[@]}" --target "$TARGET"
