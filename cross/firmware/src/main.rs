//! Bare-metal self-test of `pageseal-core` for an emulated Cortex-M4
//! (qemu-system-arm `-machine mps2-an386`).
//!
//! It runs the known-answer vectors compiled in from `tests/data/vectors`
//! (see `gen_vectors.py`) for every keyed suite, a checksum-suite round trip
//! cross-checked against AEGIS-128L, and seals and opens pages of 512 and
//! 4096 bytes for every suite (including a flipped bit, a wrong page number
//! and a wrong epoch, which must all fail). It prints one line per suite
//! through semihosting and exits through semihosting: status 0 when every
//! check passed, 1 otherwise.

#![no_std]
#![no_main]

/// Decodes a hex string literal at compile time into a `&'static [u8]`.
macro_rules! hex {
    ($s:literal) => {{
        const BYTES: [u8; $s.len() / 2] = $crate::decode_hex($s);
        &BYTES
    }};
}

mod vectors;

use core::panic::PanicInfo;

use cortex_m_rt::{ExceptionFrame, entry, exception};
use cortex_m_semihosting::{debug, hprintln};
use pageseal_core::{Aead, EpochCipher, Error, PageFormat, Portable, Suite, Tag};

/// One known-answer vector.
pub struct Vector {
    /// Vector file it comes from (under `tests/data/vectors`).
    pub file: &'static str,
    /// The case's id in that file.
    pub id: &'static str,
    /// Suite.
    pub suite: Suite,
    /// Key.
    pub key: &'static [u8],
    /// Nonce.
    pub nonce: &'static [u8],
    /// Associated data.
    pub aad: &'static [u8],
    /// Plaintext (empty for invalid vectors).
    pub msg: &'static [u8],
    /// Ciphertext.
    pub ct: &'static [u8],
    /// Tag.
    pub tag: &'static [u8],
    /// Whether the vector must authenticate.
    pub valid: bool,
}

/// Decodes `N` bytes of hex at compile time.
pub const fn decode_hex<const N: usize>(s: &str) -> [u8; N] {
    const fn nibble(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => panic!("not a hex digit"),
        }
    }
    let s = s.as_bytes();
    assert!(s.len() == 2 * N, "odd hex length");
    let mut out = [0u8; N];
    let mut i = 0;
    while i < N {
        out[i] = (nibble(s[2 * i]) << 4) | nibble(s[2 * i + 1]);
        i += 1;
    }
    out
}

/// Largest vector message the firmware handles.
const MAX_MSG: usize = 512;
/// Page sizes exercised.
const PAGE_SIZES: [usize; 2] = [512, 4096];

/// Pass and fail counts of one suite.
#[derive(Clone, Copy, Default)]
struct Tally {
    kat_pass: u32,
    kat_fail: u32,
    page_pass: u32,
    page_fail: u32,
}

fn index(suite: Suite) -> usize {
    usize::from(suite.id() - 1)
}

/// How much of the stack is painted to measure its peak use.
const STACK_PROBE: usize = 64 * 1024;
const PAINT: u32 = 0xa5a5_a5a5;

unsafe extern "C" {
    /// Initial stack pointer, the top of RAM (cortex-m-rt's link.x).
    static _stack_start: u32;
}

fn stack_top() -> usize {
    (&raw const _stack_start) as usize
}

/// Paints the free stack from `STACK_PROBE` bytes below its top up to just
/// under the current frame.
fn paint_stack() {
    let sp = cortex_m::register::msp::read() as usize;
    let mut at = stack_top() - STACK_PROBE;
    // Leave 256 bytes under the current frame for this function's own use.
    while at < sp - 256 {
        // SAFETY: [top - STACK_PROBE, sp - 256) is unused stack inside RAM
        // (memory.x), below every live frame, and no interrupt is enabled
        // that could be using it; nothing reads it but `stack_peak`.
        unsafe { core::ptr::write_volatile(at as *mut u32, PAINT) };
        at += 4;
    }
}

/// Peak stack use in bytes since `paint_stack`, counted from the top of RAM.
fn stack_peak() -> usize {
    let top = stack_top();
    let mut at = top - STACK_PROBE;
    // SAFETY: the same painted region, 4-byte aligned, inside RAM.
    while at < top && unsafe { core::ptr::read_volatile(at as *const u32) } == PAINT {
        at += 4;
    }
    top - at
}

#[entry]
fn main() -> ! {
    hprintln!("pageseal firmware self-test: pageseal-core on a Cortex-M4 (qemu mps2-an386)");
    paint_stack();
    let mut tally = [Tally::default(); Suite::ALL.len()];

    for v in vectors::VECTORS {
        let t = &mut tally[index(v.suite)];
        match run_vector(v) {
            Ok(()) => t.kat_pass += 1,
            Err(why) => {
                t.kat_fail += 1;
                hprintln!("FAIL kat {} {} [{}]: {}", v.suite, v.id, v.file, why);
            }
        }
    }

    let t = &mut tally[index(Suite::Checksum)];
    match checksum_matches_aegis128l() {
        Ok(()) => t.kat_pass += 1,
        Err(why) => {
            t.kat_fail += 1;
            hprintln!("FAIL kat checksum: {}", why);
        }
    }

    for suite in Suite::ALL {
        for size in PAGE_SIZES {
            let t = &mut tally[index(suite)];
            match run_pages(suite, size) {
                Ok(checks) => t.page_pass += checks,
                Err(why) => {
                    t.page_fail += 1;
                    hprintln!("FAIL pages {} {}: {}", suite, size, why);
                }
            }
        }
    }

    let mut failed = 0;
    let mut passed = 0;
    for suite in Suite::ALL {
        let t = tally[index(suite)];
        let ok = t.kat_fail == 0 && t.page_fail == 0 && t.kat_pass > 0 && t.page_pass > 0;
        hprintln!(
            "{:<18} {}  known-answer {:>2} passed {} failed, pages (512, 4096) {:>2} checks passed {} failed",
            suite.name(),
            if ok { "PASS" } else { "FAIL" },
            t.kat_pass,
            t.kat_fail,
            t.page_pass,
            t.page_fail
        );
        if ok {
            passed += 1;
        } else {
            failed += 1;
        }
    }
    hprintln!(
        "peak stack: {} bytes (two 4096-byte page buffers live on it)",
        stack_peak()
    );
    hprintln!("firmware: {} passed, {} failed", passed, failed);
    debug::exit(if failed == 0 {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    loop {
        cortex_m::asm::wfi();
    }
}

fn tag_of(bytes: &[u8]) -> Result<Tag, &'static str> {
    bytes.try_into().map_err(|_| "tag is not 16 bytes")
}

/// Runs one vector: a valid one must seal to `ct`/`tag` and open back to
/// `msg`; an invalid one must fail to open and leave the buffer zeroed.
fn run_vector(v: &Vector) -> Result<(), &'static str> {
    let cipher = Portable::new(v.suite, v.key).map_err(|_| "key rejected")?;
    let tag = tag_of(v.tag)?;
    let mut buf = [0u8; MAX_MSG];
    if v.ct.len() > MAX_MSG {
        return Err("vector longer than MAX_MSG");
    }
    let buf = &mut buf[..v.ct.len()];
    if v.valid {
        buf.copy_from_slice(v.msg);
        let got = cipher
            .seal_detached(v.nonce, v.aad, buf)
            .map_err(|_| "seal failed")?;
        if buf != v.ct {
            return Err("ciphertext differs");
        }
        if got != tag {
            return Err("tag differs");
        }
        cipher
            .open_detached(v.nonce, v.aad, buf, &tag)
            .map_err(|_| "valid vector did not open")?;
        if buf != v.msg {
            return Err("opened plaintext differs");
        }
    } else {
        buf.copy_from_slice(v.ct);
        match cipher.open_detached(v.nonce, v.aad, buf, &tag) {
            Err(Error::Authentication) => {}
            Ok(()) => return Err("invalid vector opened"),
            Err(_) => return Err("invalid vector: wrong error"),
        }
        if buf.iter().any(|&b| b != 0) {
            return Err("buffer not wiped after failed open");
        }
    }
    Ok(())
}

/// The checksum suite is AEGIS-128L under an all-zero key and nonce with the
/// ciphertext thrown away: check a round trip, and that its tag equals the
/// AEGIS-128L tag (already pinned by the AEGIS vectors above).
fn checksum_matches_aegis128l() -> Result<(), &'static str> {
    let aad = *b"pageseal checksum suite aad.....";
    let mut msg = [0u8; 100];
    for (i, b) in msg.iter_mut().enumerate() {
        *b = i as u8;
    }
    let checksum = Portable::new(Suite::Checksum, &[]).map_err(|_| "checksum key rejected")?;
    let mut buf = msg;
    let tag = checksum
        .seal_detached(&[], &aad, &mut buf)
        .map_err(|_| "checksum seal failed")?;
    if buf != msg {
        return Err("checksum changed the payload");
    }
    let aegis = Portable::new(Suite::Aegis128L, &[0; 16]).map_err(|_| "aegis key rejected")?;
    let mut scratch = msg;
    let aegis_tag = aegis
        .seal_detached(&[0; 16], &aad, &mut scratch)
        .map_err(|_| "aegis seal failed")?;
    if tag != aegis_tag {
        return Err("checksum tag is not the AEGIS-128L zero-key tag");
    }
    checksum
        .open_detached(&[], &aad, &mut buf, &tag)
        .map_err(|_| "checksum did not verify")?;
    buf[7] ^= 0x10;
    if checksum.open_detached(&[], &aad, &mut buf, &tag).is_ok() {
        return Err("checksum accepted a flipped bit");
    }
    Ok(())
}

/// Deterministic nonces for the self-test (firmware would use a TRNG).
struct Counter(u64);

impl Counter {
    fn source(&mut self) -> impl FnMut(&mut [u8]) -> Result<(), Error> + '_ {
        move |out: &mut [u8]| {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            for (i, b) in out.iter_mut().enumerate() {
                *b = (self.0 >> ((i % 8) * 8)) as u8 ^ i as u8;
            }
            Ok(())
        }
    }
}

/// Seals and opens a page of `size` bytes with `suite`; returns the number
/// of checks that passed.
fn run_pages(suite: Suite, size: usize) -> Result<u32, &'static str> {
    let mut storage = [0u8; 4096];
    let page = &mut storage[..size];
    let key = [0x5a_u8; 32];
    let key = &key[..suite.key_len()];
    let epoch = if suite.is_keyed() { 7 } else { 0 };
    let keys = EpochCipher {
        epoch,
        cipher: Portable::new(suite, key).map_err(|_| "key rejected")?,
    };
    let format = PageFormat::new(suite, size, [0xf1; 16]).map_err(|_| "format rejected")?;
    let payload_len = format.payload_len();
    let mut nonces = Counter(size as u64 ^ u64::from(suite.id()));
    let page_no = 41;
    let mut checks = 0;

    let fill = |page: &mut [u8]| {
        for (i, b) in page[..payload_len].iter_mut().enumerate() {
            *b = (i * 31 + 7) as u8;
        }
        page[payload_len..].fill(0);
    };
    let plain_ok = |page: &[u8]| {
        page[..payload_len]
            .iter()
            .enumerate()
            .all(|(i, &b)| b == (i * 31 + 7) as u8)
    };

    // Round trip.
    fill(page);
    format
        .seal(
            &keys.cipher,
            keys.epoch,
            &mut nonces.source(),
            page_no,
            page,
        )
        .map_err(|_| "seal failed")?;
    if suite.is_keyed() && plain_ok(page) {
        return Err("payload not encrypted");
    }
    let sealed = {
        let mut copy = [0u8; 4096];
        copy[..size].copy_from_slice(page);
        copy
    };
    format
        .open(&keys, page_no, page)
        .map_err(|_| "sealed page did not open")?;
    if !plain_ok(page) {
        return Err("round trip changed the payload");
    }
    checks += 1;

    // A flipped bit in the payload, in the trailer, and in the tag.
    for at in [0, payload_len - 1, payload_len, size - 1] {
        page.copy_from_slice(&sealed[..size]);
        page[at] ^= 0x04;
        match format.open(&keys, page_no, page) {
            Err(Error::PageAuthentication { page: p }) if p == page_no => {
                if page.iter().any(|&b| b != 0) {
                    return Err("failed open left bytes behind");
                }
            }
            // A flipped epoch byte names an epoch the keyring lacks.
            Err(Error::UnknownEpoch { .. }) if suite.is_keyed() && at == payload_len => {}
            Ok(()) => return Err("flipped bit opened"),
            Err(_) => return Err("flipped bit: wrong error"),
        }
        checks += 1;
    }

    // The same page at another page number.
    page.copy_from_slice(&sealed[..size]);
    if format.open(&keys, page_no + 1, page).is_ok() {
        return Err("page opened at the wrong number");
    }
    checks += 1;

    // Under another epoch with the same key (keyed suites only).
    if suite.is_keyed() {
        let other = EpochCipher {
            epoch: epoch + 1,
            cipher: keys.cipher.clone(),
        };
        page.copy_from_slice(&sealed[..size]);
        // Rewrite the recorded epoch so the keyring finds the key.
        page[payload_len..payload_len + 4].copy_from_slice(&(epoch + 1).to_le_bytes());
        if format.open(&other, page_no, page).is_ok() {
            return Err("page opened under the wrong epoch");
        }
        checks += 1;
    }
    Ok(checks)
}

#[exception]
unsafe fn HardFault(frame: &ExceptionFrame) -> ! {
    hprintln!("HardFault at pc {:#010x}", frame.pc());
    debug::exit(debug::EXIT_FAILURE);
    loop {
        cortex_m::asm::wfi();
    }
}

#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    hprintln!("panic: {}", info);
    debug::exit(debug::EXIT_FAILURE);
    loop {
        cortex_m::asm::wfi();
    }
}
