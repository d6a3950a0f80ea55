//! The sealed flash store (`pageseal-flash`) on an emulated Cortex-M4: a
//! RAM-backed NOR flash (4 sectors of 4 KiB, 4-byte words), ChaCha20-Poly1305
//! under a fixed device key, deterministic nonces (the board has no RNG).
//!
//! It formats the store, writes 201 records (five ids rewritten 40 times,
//! one written once, so the ring of sectors turns three times and the
//! lone record is carried along), "reboots" (opens a new store from the
//! flash contents) and reads every record back; checks that another key
//! cannot read them; cuts the power in the middle of a write and checks
//! that the record reads as its old or its new value after the next boot.
//! Prints one line and its peak stack through semihosting, and exits with
//! status 0 on success, 1 otherwise. No formatted output (numbers are
//! printed by hand), so `size` shows the store, the cipher and the start-up
//! code, plus the RAM flash.

#![no_std]
#![no_main]

#[path = "../stack.rs"]
mod stack;

use core::panic::PanicInfo;

use cortex_m_rt::entry;
use cortex_m_semihosting::{debug, hio};
use pageseal_core::ChaCha20Poly1305;
use pageseal_flash::mock::{MockError, MockFlash};
use pageseal_flash::{Config, Error, FlashStore, NoRng, Nonces};

/// 16 KiB of NOR flash in RAM: 4 erase sectors of 4 KiB, 4-byte words.
type Flash = MockFlash<16384, 4, 4096>;
/// 256-byte slots: 16 per sector, values up to 196 bytes.
type Store = FlashStore<&'static mut Flash, ChaCha20Poly1305, NoRng, 256>;

const CONFIG: Config = Config {
    offset: 0,
    sectors: 4,
    max_records: 8,
};
const KEY: [u8; 32] = [0x5c; 32];
const ROUNDS: u32 = 40;

fn open(flash: &'static mut Flash, key: &[u8; 32]) -> Result<Store, &'static str> {
    let cipher = ChaCha20Poly1305::new(key).map_err(|_| "key rejected")?;
    Store::open(flash, cipher, Nonces::sequence(), CONFIG).map_err(|_| "open failed")
}

/// The value of record `id` after round `round`: 0 to 196 bytes.
fn value(round: u32, id: u32, out: &mut [u8; 196]) -> usize {
    let len = ((round * 53 + id * 29) % 197) as usize;
    for (i, b) in out[..len].iter_mut().enumerate() {
        *b = (i as u32 ^ round.wrapping_mul(7) ^ id) as u8;
    }
    len
}

/// Whether record `id` reads as round `round`'s value.
fn reads_as(store: &mut Store, id: u32, round: u32) -> Result<bool, &'static str> {
    let (mut want, mut got) = ([0u8; 196], [0u8; 196]);
    let n = value(round, id, &mut want);
    match store.read(id, &mut got) {
        Ok(Some(len)) => Ok(len == n && got[..len] == want[..n]),
        Ok(None) => Err("record missing"),
        Err(_) => Err("read failed"),
    }
}

/// Kept out of `main` so that its frame is not on the stack when it is
/// painted: the peak then measures the store's work alone.
#[inline(never)]
fn run(flash: &'static mut Flash) -> Result<(), &'static str> {
    let cipher = ChaCha20Poly1305::new(&KEY).map_err(|_| "key rejected")?;
    let mut store =
        Store::format(flash, cipher, Nonces::sequence(), CONFIG).map_err(|_| "format failed")?;
    let mut buf = [0u8; 196];
    for round in 0..ROUNDS {
        for id in 0..6 {
            if id == 5 && round > 0 {
                continue;
            }
            let n = value(round, id, &mut buf);
            store.write(id, &buf[..n]).map_err(|_| "write failed")?;
        }
    }

    // Reboot: a new store from what the flash holds.
    let mut store = open(store.into_flash(), &KEY)?;
    for id in 0..5 {
        if !reads_as(&mut store, id, ROUNDS - 1)? {
            return Err("a record did not read back after the reboot");
        }
    }
    if !reads_as(&mut store, 5, 0)? {
        return Err("the record written once was lost");
    }
    if store.len() != 6 {
        return Err("wrong record count");
    }

    // Another key reads nothing.
    let mut wrong = open(store.into_flash(), &[0x5d; 32])?;
    if wrong.read(0, &mut buf) != Err(Error::Authentication(0)) {
        return Err("another key read a record");
    }

    // Power cut 150 bytes into a write of record 0, then a reboot.
    let flash = wrong.into_flash();
    flash.cut_after(150);
    let mut store = open(flash, &KEY)?;
    let n = value(ROUNDS, 0, &mut buf);
    match store.write(0, &buf[..n]) {
        Err(Error::Flash(MockError::PowerCut(_))) => {}
        _ => return Err("the power cut did not happen"),
    }
    let flash = store.into_flash();
    flash.power_on();
    let mut store = open(flash, &KEY)?;
    if !(reads_as(&mut store, 0, ROUNDS - 1)? || reads_as(&mut store, 0, ROUNDS)?) {
        return Err("record 0 is neither its old nor its new value after the cut");
    }
    if !reads_as(&mut store, 5, 0)? {
        return Err("the cut lost another record");
    }
    Ok(())
}

/// Writes `text` to the host's standard output.
fn put(text: &str) {
    if let Ok(mut out) = hio::hstdout() {
        let _ = out.write_all(text.as_bytes());
    }
}

/// Writes `n` in decimal.
fn put_num(mut n: usize) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    put(core::str::from_utf8(&digits[at..]).unwrap_or("?"));
}

/// The RAM flash, in a static (not on the stack).
#[inline(never)]
fn ram_flash() -> &'static mut Flash {
    cortex_m::singleton!(: Flash = Flash::new()).expect("first and only call")
}

#[entry]
fn main() -> ! {
    let flash = ram_flash();
    stack::paint_stack();
    let result = run(flash);
    let peak = stack::stack_peak();
    match result {
        Ok(()) => put(
            "flash store (chacha20-poly1305): PASS  201 writes, reboot, read back, wrong key refused, power cut recovered\n",
        ),
        Err(why) => {
            put("flash store: FAIL  ");
            put(why);
            put("\n");
        }
    }
    put("flash store: peak stack ");
    put_num(peak);
    put(" bytes, store ");
    put_num(core::mem::size_of::<Store>());
    put(" bytes (on the stack), RAM flash ");
    put_num(core::mem::size_of::<Flash>());
    put(" bytes (static)\n");
    debug::exit(if result.is_ok() {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    loop {
        cortex_m::asm::wfi();
    }
}

#[panic_handler]
fn panic(_: &PanicInfo) -> ! {
    put("flash store: FAIL  panic\n");
    debug::exit(debug::EXIT_FAILURE);
    loop {
        cortex_m::asm::wfi();
    }
}
