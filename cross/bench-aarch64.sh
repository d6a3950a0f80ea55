#!/usr/bin/env bash
# Cross-compiled benchmark smoke test: builds the benchmark for
# aarch64-unknown-linux-gnu in release mode and runs it once under
# qemu-aarch64 -cpu max. This only proves that the aarch64 build links, runs,
# and exercises every suite and backend: TIMINGS UNDER EMULATION MEAN NOTHING
# (qemu translates every instruction; AES/PMULL are emulated in software).
# To measure, copy the binary to a real aarch64 board (cross/README.md).
#
# What runs: `pageseal cpu`, then `pageseal bench` over every suite and every
# backend the emulated CPU has, 0.05 s per case (the default is 0.3 s).
# Installs gcc-aarch64-linux-gnu, libc6-dev-arm64-cross and qemu-user when
# missing.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO_DIR"

TARGET=aarch64-unknown-linux-gnu
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$REPO_DIR/target/cross-aarch64-bench}"
QEMU_CPU="${QEMU_CPU:-max}"

step "tools: cross gcc, qemu-user, rust target"
command -v aarch64-linux-gnu-gcc >/dev/null && command -v qemu-aarch64 >/dev/null \
    || apt_install gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user
rust_target "$TARGET"

export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="qemu-aarch64 -cpu $QEMU_CPU -L /usr/aarch64-linux-gnu"
echo "CARGO_TARGET_DIR=$CARGO_TARGET_DIR"
echo "CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER=$CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER"
echo "NOTE: timings printed below come from an emulator and mean nothing."

step "pageseal cpu and pageseal bench for $TARGET, once under qemu-aarch64 (smoke test)"
run cargo build --release --target "$TARGET" -p pageseal-cli --bin pageseal
BIN="$CARGO_TARGET_DIR/$TARGET/release/pageseal"
run qemu-aarch64 -cpu "$QEMU_CPU" -L /usr/aarch64-linux-gnu "$BIN" cpu
run timeout 900 qemu-aarch64 -cpu "$QEMU_CPU" -L /usr/aarch64-linux-gnu "$BIN" \
    bench --cipher all --page-size 4096 --backend all --seconds 0.05
