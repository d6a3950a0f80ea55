#!/usr/bin/env bash
# Big-endian check: runs the tests of pageseal-core (pages, header, keyslots,
# format) and pageseal-tests (known-answer vectors, golden files that freeze
# the format, property tests) for s390x-unknown-linux-gnu under qemu-s390x, so
# that any byte-order slip in the on-disk format fails here.
#
# s390x has no AES or carry-less multiply backend in the primitive crates, so
# this is the portable path on software AES/GHASH/ChaCha20/Poly1305.
# Also seals pages of every suite and size on the host and on s390x and
# requires identical bytes (cross/endian-check), which catches a slip even
# where no golden file covers it.
# Emulation cut: property tests run PROPTEST_CASES (default 64 of proptest's
# 256) cases per property. Installs gcc-s390x-linux-gnu,
# libc6-dev-s390x-cross and qemu-user when missing.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO_DIR"

TARGET=s390x-unknown-linux-gnu
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$REPO_DIR/target/cross-s390x}"
export PROPTEST_CASES="${PROPTEST_CASES:-64}"

step "tools: cross gcc, qemu-user, rust target"
command -v s390x-linux-gnu-gcc >/dev/null && command -v qemu-s390x >/dev/null \
    || apt_install gcc-s390x-linux-gnu libc6-dev-s390x-cross qemu-user
rust_target "$TARGET"
qemu-s390x --version | sed -n 1p

export CARGO_TARGET_S390X_UNKNOWN_LINUX_GNU_LINKER=s390x-linux-gnu-gcc
qemu_runner "$TARGET" "qemu-s390x -L /usr/s390x-linux-gnu"
export CC_s390x_unknown_linux_gnu=s390x-linux-gnu-gcc
export AR_s390x_unknown_linux_gnu=s390x-linux-gnu-ar
export RUSTDOCFLAGS="${RUSTDOCFLAGS:-} -C linker=s390x-linux-gnu-gcc"
echo "CARGO_TARGET_DIR=$CARGO_TARGET_DIR PROPTEST_CASES=$PROPTEST_CASES"

step "backend report"
run cargo run -q --manifest-path "$CROSS_DIR/probe/Cargo.toml" --target "$TARGET"

step "cross-endian page check: seal on the little-endian host and on s390x, compare, open each on the other"
# cross/endian-check is its own workspace (not a member of pageseal's).
MANIFEST="$CROSS_DIR/endian-check/Cargo.toml"
HOST_CHECK="$CARGO_TARGET_DIR/release/pageseal-endian-check"
BE_CHECK="$CARGO_TARGET_DIR/$TARGET/release/pageseal-endian-check"
run cargo build --release --manifest-path "$MANIFEST"
run cargo build --release --manifest-path "$MANIFEST" --target "$TARGET"
run "$HOST_CHECK" seal "$CARGO_TARGET_DIR/pages-le.bin"
run qemu-s390x -L /usr/s390x-linux-gnu "$BE_CHECK" seal "$CARGO_TARGET_DIR/pages-be.bin"
run cmp "$CARGO_TARGET_DIR/pages-le.bin" "$CARGO_TARGET_DIR/pages-be.bin"
echo "identical: the page format does not depend on the machine's byte order"
run qemu-s390x -L /usr/s390x-linux-gnu "$BE_CHECK" open "$CARGO_TARGET_DIR/pages-le.bin"
run "$HOST_CHECK" open "$CARGO_TARGET_DIR/pages-be.bin"

step "cargo test -p pageseal-core -p pageseal-tests for $TARGET under qemu-s390x (big-endian)"
time run cargo test -p pageseal-core -p pageseal-tests --target "$TARGET"
