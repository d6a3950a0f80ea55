#!/usr/bin/env bash
# pageseal's main job on a real example: seal a file with the CLI, inspect
# it, verify it, unseal it, and show that a flipped byte is caught.
# Usage: bash std-adapter/demo.sh [FILE]   (default: README.md)
set -euo pipefail
cd "$(dirname "$0")/.."
input=${1:-README.md}
cargo build --release -q -p pageseal-cli
bin=target/release/pageseal
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

run() { printf '\n$ %s\n' "$*"; "$@"; }

# A random raw key, passed through the environment (never as an argument).
PAGESEAL_DEMO_KEY="x'$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')'"
export PAGESEAL_DEMO_KEY

run "$bin" cpu
run "$bin" seal "$input" "$work/sealed.pseal" --page-size 4096 --key-env PAGESEAL_DEMO_KEY
run "$bin" info "$work/sealed.pseal"
run "$bin" verify "$work/sealed.pseal" --key-env PAGESEAL_DEMO_KEY
run "$bin" unseal "$work/sealed.pseal" "$work/unsealed" --key-env PAGESEAL_DEMO_KEY
run cmp "$input" "$work/unsealed"
echo "round trip: identical"

# Flip one byte of page 0 in a copy: verify must name the page and fail.
cp "$work/sealed.pseal" "$work/tampered.pseal"
printf '\xff' | dd of="$work/tampered.pseal" bs=1 seek=5000 conv=notrunc status=none
set +e
run "$bin" verify "$work/tampered.pseal" --key-env PAGESEAL_DEMO_KEY
code=$?
set -e
if [ "$code" -ne 1 ]; then
    echo "demo: expected verify to fail with exit code 1, got $code" >&2
    exit 1
fi
echo "tampered copy rejected (exit code $code), as it should be"
