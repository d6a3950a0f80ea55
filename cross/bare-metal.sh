#!/usr/bin/env bash
# Bare metal: builds pageseal-core and pageseal-dispatch (no_std, no alloc)
# for thumbv7em-none-eabihf (Cortex-M4F/M7F) and riscv32imac-unknown-none-elf,
# then builds the firmware in cross/firmware and boots it on an emulated
# Cortex-M4 (qemu-system-arm -machine mps2-an386). The firmware runs the
# known-answer vectors of every suite, seals and opens 512- and 4096-byte
# pages of every suite (tampered pages must fail), prints one PASS/FAIL line
# per suite through semihosting and exits non-zero on any failure.
# Then boots the sealed flash store firmware (`flash`: pageseal-flash on a
# RAM-backed NOR flash: writes, reboot, read back, wrong key, power cut).
# Finally prints the firmware's flash/RAM size (text/data/bss), and builds and
# boots a minimal firmware per suite (`footprint`) to print what one suite
# costs in flash.
#
# Nothing is cut: each firmware runs in about a second. Installs qemu-system-arm
# and binutils-arm-none-eabi (for `size`) when missing.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO_DIR"

TARGETS=(thumbv7em-none-eabihf riscv32imac-unknown-none-elf)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$REPO_DIR/target/cross-bare-metal}"
FIRMWARE_TARGET=thumbv7em-none-eabihf
FIRMWARE="$CARGO_TARGET_DIR/$FIRMWARE_TARGET/release/pageseal-firmware"

step "tools: qemu-system-arm, arm-none-eabi-size, rust targets"
command -v qemu-system-arm >/dev/null && command -v arm-none-eabi-size >/dev/null \
    || apt_install qemu-system-arm binutils-arm-none-eabi
rust_target "${TARGETS[@]}"
qemu-system-arm --version | sed -n 1p
echo "CARGO_TARGET_DIR=$CARGO_TARGET_DIR"

for target in "${TARGETS[@]}"; do
    step "no_std build of pageseal-core, pageseal-dispatch and pageseal-flash for $target"
    run cargo build --release -p pageseal-core -p pageseal-dispatch --target "$target"
    run cargo build --release -p pageseal-flash --features sequential-storage --target "$target"
done

step "firmware vectors up to date with tests/data/vectors"
# A stale copy is still a set of correct vectors, so this only warns.
run python3 "$CROSS_DIR/firmware/gen_vectors.py" --check \
    || echo "WARNING: cross/firmware/src/vectors.rs is stale: run cross/firmware/gen_vectors.py"

step "firmware build ($FIRMWARE_TARGET, release)"
# cross/firmware is its own workspace; its .cargo/config.toml sets the target,
# the linker script and the qemu runner.
(cd "$CROSS_DIR/firmware" && run cargo build --release)

step "firmware run on qemu-system-arm mps2-an386 (Cortex-M4), semihosting"
run timeout 300 qemu-system-arm -machine mps2-an386 -cpu cortex-m4 -nographic \
    -semihosting-config enable=on,target=native -kernel "$FIRMWARE"

step "sealed flash store firmware (firmware/src/bin/flash.rs) on qemu-system-arm, semihosting"
FLASH_FW="$CARGO_TARGET_DIR/$FIRMWARE_TARGET/release/flash"
(cd "$CROSS_DIR/firmware" && run cargo build --release --bin flash)
run timeout 120 qemu-system-arm -machine mps2-an386 -cpu cortex-m4 -nographic \
    -semihosting-config enable=on,target=native -kernel "$FLASH_FW"
echo "flash store firmware size (bss is the 32 KiB RAM flash; the store keeps its state on the stack):"
run arm-none-eabi-size "$FLASH_FW"

step "firmware size (flash = text + data, RAM = data + bss + stack)"
run arm-none-eabi-size "$FIRMWARE"
echo "+ arm-none-eabi-size -A $FIRMWARE (allocated sections)"
arm-none-eabi-size -A "$FIRMWARE" | grep -E '^(section|\.vector_table|\.text|\.rodata|\.data|\.bss|\.uninit) '

step "footprint: one 4096-byte page sealed and opened, one suite linked in (firmware/src/bin/footprint.rs)"
FOOTPRINT="$CARGO_TARGET_DIR/$FIRMWARE_TARGET/release/footprint"
rows=()
for feature in fp-chacha20-poly1305 fp-aes-128-gcm fp-aegis-128l fp-checksum all-suites; do
    if [ "$feature" = all-suites ]; then features=(); else features=(--features "$feature"); fi
    (cd "$CROSS_DIR/firmware" && run cargo build -q --release --bin footprint "${features[@]}")
    run timeout 60 qemu-system-arm -machine mps2-an386 -cpu cortex-m4 -nographic \
        -semihosting-config enable=on,target=native -kernel "$FOOTPRINT"
    read -r text data bss _ < <(arm-none-eabi-size "$FOOTPRINT" | sed -n 2p)
    rows+=("$(printf '%-22s %8s %6s %6s' "${feature#fp-}" "$text" "$data" "$bss")")
done
printf '%-22s %8s %6s %6s\n' suite text data bss
printf '%s\n' "${rows[@]}"
