//! Flash/RAM footprint of pageseal-core in a firmware that uses one suite:
//! it seals and opens one 4096-byte page and exits through semihosting. No
//! formatted output and no panics with messages, so what `size` reports is
//! pageseal-core plus the cortex-m-rt start-up code.
//!
//! The suite is chosen with a feature (`cross/bare-metal.sh --footprint`
//! builds each): `fp-chacha20-poly1305`, `fp-aes-128-gcm`, `fp-aegis-128l`,
//! `fp-checksum`, or none of them for `Portable` with every suite linked in.
//! The single-suite builds use the suite's own type (or, for AEGIS-128L and
//! checksum, a small `Aead` over `pageseal_core::aegis`) instead of
//! `Portable`, whose run-time suite choice links every suite.

#![no_std]
#![no_main]

use core::panic::PanicInfo;

use cortex_m_rt::entry;
use cortex_m_semihosting::debug;
use pageseal_core::{Aead, EpochCipher, Error, PageFormat, Suite};

#[cfg(feature = "fp-chacha20-poly1305")]
mod chosen {
    use super::*;
    pub const SUITE: Suite = Suite::ChaCha20Poly1305;
    pub fn cipher() -> Result<pageseal_core::ChaCha20Poly1305, Error> {
        pageseal_core::ChaCha20Poly1305::new(&[0x42; 32])
    }
}

#[cfg(feature = "fp-aes-128-gcm")]
mod chosen {
    use super::*;
    pub const SUITE: Suite = Suite::Aes128Gcm;
    pub fn cipher() -> Result<pageseal_core::Aes128Gcm, Error> {
        pageseal_core::Aes128Gcm::new(&[0x42; 16])
    }
}

#[cfg(feature = "fp-aegis-128l")]
mod chosen {
    use super::*;
    use pageseal_core::Tag;
    use pageseal_core::aegis::{SoftLanes, open128, seal128};

    pub const SUITE: Suite = Suite::Aegis128L;

    /// AEGIS-128L alone, on the portable AES rounds.
    pub struct Aegis128L([u8; 16]);

    fn nonce16(nonce: &[u8]) -> Result<[u8; 16], Error> {
        nonce.try_into().map_err(|_| Error::Authentication)
    }

    impl Aead for Aegis128L {
        fn suite(&self) -> Suite {
            SUITE
        }
        fn seal_detached(&self, nonce: &[u8], aad: &[u8], buf: &mut [u8]) -> Result<Tag, Error> {
            Ok(seal128::<SoftLanes<1>>(&self.0, &nonce16(nonce)?, aad, buf))
        }
        fn open_detached(
            &self,
            nonce: &[u8],
            aad: &[u8],
            buf: &mut [u8],
            tag: &Tag,
        ) -> Result<(), Error> {
            open128::<SoftLanes<1>>(&self.0, &nonce16(nonce)?, aad, buf, tag)
        }
    }

    pub fn cipher() -> Result<Aegis128L, Error> {
        Ok(Aegis128L([0x42; 16]))
    }
}

#[cfg(feature = "fp-checksum")]
mod chosen {
    use super::*;
    use pageseal_core::aegis::{SoftLanes, tag128};
    use pageseal_core::{Tag, verify_or_wipe};

    pub const SUITE: Suite = Suite::Checksum;

    /// The keyless checksum alone: the AEGIS-128L tag under the all-zero key
    /// and nonce, as `pageseal_core::Portable` computes it.
    pub struct Checksum;

    impl Aead for Checksum {
        fn suite(&self) -> Suite {
            SUITE
        }
        fn seal_detached(&self, _: &[u8], aad: &[u8], buf: &mut [u8]) -> Result<Tag, Error> {
            Ok(tag128::<SoftLanes<1>>(&[0; 16], &[0; 16], aad, buf))
        }
        fn open_detached(
            &self,
            _: &[u8],
            aad: &[u8],
            buf: &mut [u8],
            tag: &Tag,
        ) -> Result<(), Error> {
            let computed = tag128::<SoftLanes<1>>(&[0; 16], &[0; 16], aad, buf);
            verify_or_wipe(&computed, tag, buf)
        }
    }

    pub fn cipher() -> Result<Checksum, Error> {
        Ok(Checksum)
    }
}

#[cfg(not(any(
    feature = "fp-chacha20-poly1305",
    feature = "fp-aes-128-gcm",
    feature = "fp-aegis-128l",
    feature = "fp-checksum"
)))]
mod chosen {
    use super::*;
    /// Chosen at run time from a value the compiler cannot see through, so
    /// every suite stays linked in.
    pub fn suite() -> Suite {
        let id = cortex_m::register::msp::read() as u8 & 0x07;
        Suite::ALL[usize::from(id)]
    }
    pub const SUITE: Suite = Suite::Aes128Gcm;
    pub fn cipher() -> Result<pageseal_core::Portable, Error> {
        let suite = suite();
        pageseal_core::Portable::new(suite, &[0x42; 32][..suite.key_len()])
    }
}

fn run() -> Result<(), Error> {
    let cipher = chosen::cipher()?;
    let suite = cipher.suite();
    // Checksum pages carry no epoch: they are always epoch 0.
    let epoch = if suite.is_keyed() { 1 } else { 0 };
    let keys = EpochCipher { epoch, cipher };
    let format = PageFormat::new(suite, 4096, [0x11; 16])?;
    let mut page = [0u8; 4096];
    page[..11].copy_from_slice(b"hello flash");
    // A real firmware fills nonces from its TRNG.
    let mut counter = 0u8;
    let mut nonces = |n: &mut [u8]| -> Result<(), Error> {
        counter = counter.wrapping_add(1);
        n.fill(counter);
        Ok(())
    };
    format.seal(&keys.cipher, keys.epoch, &mut nonces, 9, &mut page)?;
    format.open(&keys, 9, &mut page)?;
    if &page[..11] != b"hello flash" {
        return Err(Error::Authentication);
    }
    let _ = chosen::SUITE;
    Ok(())
}

#[entry]
fn main() -> ! {
    debug::exit(match run() {
        Ok(()) => debug::EXIT_SUCCESS,
        Err(_) => debug::EXIT_FAILURE,
    });
    loop {
        cortex_m::asm::wfi();
    }
}

#[panic_handler]
fn panic(_: &PanicInfo) -> ! {
    debug::exit(debug::EXIT_FAILURE);
    loop {
        cortex_m::asm::wfi();
    }
}
