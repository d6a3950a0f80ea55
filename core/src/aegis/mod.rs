//! The AEGIS family (draft-irtf-cfrg-aegis-aead): AEGIS-128L, -128X2,
//! -128X4, AEGIS-256, -256X2, -256X4, with 128-bit tags.
//!
//! The constructions are written once, generic over [`AesLanes`]; the
//! portable lanes are [`SoftLanes`]. AEGIS decrypts while it authenticates,
//! so [`open128`] and [`open256`] decrypt into the caller's buffer and wipe
//! it before returning when the tag does not match: no plaintext is ever
//! handed back unverified.
//!
//! [`seal_variant`] and [`open_variant`] run any [`AegisVariant`] (the
//! `checksum` suite included) on a [`LaneSet`]: the one place that says
//! which construction and lane count each variant uses, for `Portable`
//! ([`SoftSet`]) and every hardware backend of `pageseal-dispatch`.

mod lanes;
mod soft;
mod state;

pub use lanes::AesLanes;
pub use soft::SoftLanes;

use crate::aead::{Tag, verify_or_wipe};
use crate::error::Error;
use crate::suite::AegisVariant;
use state::{Sponge, State128, State256};

/// Largest rate of any variant (AEGIS-128X4: 128 bytes).
const MAX_RATE: usize = 128;

/// Key and nonce of the keyless `checksum` suite: AEGIS-128L under all
/// zeros, used as a fast keyed-by-nobody checksum.
const CHECKSUM_KEY: [u8; 16] = [0; 16];

/// An implementation's lane types for one, two and four AES blocks: what
/// [`seal_variant`] and [`open_variant`] need to run every variant.
pub trait LaneSet {
    /// One block: AEGIS-128L, AEGIS-256, checksum.
    type L1: AesLanes;
    /// Two blocks: AEGIS-128X2, AEGIS-256X2.
    type L2: AesLanes;
    /// Four blocks: AEGIS-128X4, AEGIS-256X4.
    type L4: AesLanes;
}

/// The portable lane set: [`SoftLanes`] of one, two and four blocks.
#[derive(Clone, Copy, Debug)]
pub struct SoftSet;

impl LaneSet for SoftSet {
    type L1 = SoftLanes<1>;
    type L2 = SoftLanes<2>;
    type L4 = SoftLanes<4>;
}

/// The first `N` bytes of `bytes` as an array reference (no copy of the
/// key to wipe).
///
/// # Panics
/// When `bytes` is shorter than `N`.
#[inline(always)]
fn array<const N: usize>(bytes: &[u8]) -> &[u8; N] {
    bytes[..N]
        .try_into()
        .expect("key or nonce shorter than the variant's")
}

#[inline(always)]
fn absorb_ad<S: Sponge>(st: &mut S, aad: &[u8]) {
    let mut blocks = aad.chunks_exact(S::RATE);
    for block in &mut blocks {
        st.absorb(block);
    }
    let rest = blocks.remainder();
    if !rest.is_empty() {
        let mut pad = [0u8; MAX_RATE];
        pad[..rest.len()].copy_from_slice(rest);
        st.absorb(&pad[..S::RATE]);
    }
}

#[inline(always)]
fn seal<S: Sponge>(mut st: S, aad: &[u8], buf: &mut [u8]) -> Tag {
    absorb_ad(&mut st, aad);
    let mut blocks = buf.chunks_exact_mut(S::RATE);
    for block in &mut blocks {
        st.enc(block);
    }
    let rest = blocks.into_remainder();
    if !rest.is_empty() {
        let mut pad = [0u8; MAX_RATE];
        pad[..rest.len()].copy_from_slice(rest);
        st.enc(&mut pad[..S::RATE]);
        rest.copy_from_slice(&pad[..rest.len()]);
        // Past the message, the padding now holds keystream.
        zeroize::Zeroize::zeroize(&mut pad);
    }
    st.finalize(aad.len(), buf.len())
}

#[inline(always)]
fn open<S: Sponge>(mut st: S, aad: &[u8], buf: &mut [u8], tag: &Tag) -> Result<(), Error> {
    absorb_ad(&mut st, aad);
    let mut blocks = buf.chunks_exact_mut(S::RATE);
    for block in &mut blocks {
        st.dec(block);
    }
    let rest = blocks.into_remainder();
    if !rest.is_empty() {
        st.dec_partial(rest);
    }
    let computed = st.finalize(aad.len(), buf.len());
    verify_or_wipe(&computed, tag, buf)
}

/// The tag that sealing `msg` would give, computed without producing any
/// ciphertext (used by the keyless `checksum` suite). Encryption updates the
/// state with the zero-padded plaintext blocks, exactly as associated data
/// is absorbed, so the message is simply absorbed.
#[inline(always)]
fn tag_only<S: Sponge>(mut st: S, aad: &[u8], msg: &[u8]) -> Tag {
    absorb_ad(&mut st, aad);
    absorb_ad(&mut st, msg);
    st.finalize(aad.len(), msg.len())
}

/// Seals `buf` in place with AEGIS-128L (`L::LANES == 1`), -128X2 (2) or
/// -128X4 (4) and returns the tag.
#[inline(always)]
pub fn seal128<L: AesLanes>(key: &[u8; 16], nonce: &[u8; 16], aad: &[u8], buf: &mut [u8]) -> Tag {
    seal(State128::<L>::new(key, nonce), aad, buf)
}

/// Opens `buf` in place with AEGIS-128L/-128X2/-128X4; wipes `buf` and
/// returns [`Error::Authentication`] when `tag` does not match.
#[inline(always)]
pub fn open128<L: AesLanes>(
    key: &[u8; 16],
    nonce: &[u8; 16],
    aad: &[u8],
    buf: &mut [u8],
    tag: &Tag,
) -> Result<(), Error> {
    open(State128::<L>::new(key, nonce), aad, buf, tag)
}

/// The AEGIS-128L/-128X tag of sealing `msg`, without producing ciphertext.
#[inline(always)]
pub fn tag128<L: AesLanes>(key: &[u8; 16], nonce: &[u8; 16], aad: &[u8], msg: &[u8]) -> Tag {
    tag_only(State128::<L>::new(key, nonce), aad, msg)
}

/// Seals `buf` in place with AEGIS-256 (`L::LANES == 1`), -256X2 (2) or
/// -256X4 (4) and returns the tag.
#[inline(always)]
pub fn seal256<L: AesLanes>(key: &[u8; 32], nonce: &[u8; 32], aad: &[u8], buf: &mut [u8]) -> Tag {
    seal(State256::<L>::new(key, nonce), aad, buf)
}

/// Opens `buf` in place with AEGIS-256/-256X2/-256X4; wipes `buf` and
/// returns [`Error::Authentication`] when `tag` does not match.
#[inline(always)]
pub fn open256<L: AesLanes>(
    key: &[u8; 32],
    nonce: &[u8; 32],
    aad: &[u8],
    buf: &mut [u8],
    tag: &Tag,
) -> Result<(), Error> {
    open(State256::<L>::new(key, nonce), aad, buf, tag)
}

/// Seals `buf` in place with `variant` on the lanes of `S` and returns the
/// tag (for [`AegisVariant::Checksum`], `key` and `nonce` are ignored and
/// `buf` is left as it is: the tag alone protects it).
///
/// # Panics
/// When `key` or `nonce` is shorter than the variant's suite needs; callers
/// check both lengths first ([`crate::Key::new`], [`crate::check_nonce`]).
#[inline(always)]
pub fn seal_variant<S: LaneSet>(
    variant: AegisVariant,
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    buf: &mut [u8],
) -> Tag {
    match variant {
        AegisVariant::Aegis128L => seal128::<S::L1>(array(key), array(nonce), aad, buf),
        AegisVariant::Aegis128X2 => seal128::<S::L2>(array(key), array(nonce), aad, buf),
        AegisVariant::Aegis128X4 => seal128::<S::L4>(array(key), array(nonce), aad, buf),
        AegisVariant::Aegis256 => seal256::<S::L1>(array(key), array(nonce), aad, buf),
        AegisVariant::Aegis256X2 => seal256::<S::L2>(array(key), array(nonce), aad, buf),
        AegisVariant::Aegis256X4 => seal256::<S::L4>(array(key), array(nonce), aad, buf),
        AegisVariant::Checksum => tag128::<S::L1>(&CHECKSUM_KEY, &CHECKSUM_KEY, aad, buf),
    }
}

/// Opens `buf` in place with `variant` on the lanes of `S`; on a wrong tag
/// wipes `buf` and returns [`Error::Authentication`].
///
/// # Panics
/// As [`seal_variant`].
#[inline(always)]
pub fn open_variant<S: LaneSet>(
    variant: AegisVariant,
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    buf: &mut [u8],
    tag: &Tag,
) -> Result<(), Error> {
    match variant {
        AegisVariant::Aegis128L => open128::<S::L1>(array(key), array(nonce), aad, buf, tag),
        AegisVariant::Aegis128X2 => open128::<S::L2>(array(key), array(nonce), aad, buf, tag),
        AegisVariant::Aegis128X4 => open128::<S::L4>(array(key), array(nonce), aad, buf, tag),
        AegisVariant::Aegis256 => open256::<S::L1>(array(key), array(nonce), aad, buf, tag),
        AegisVariant::Aegis256X2 => open256::<S::L2>(array(key), array(nonce), aad, buf, tag),
        AegisVariant::Aegis256X4 => open256::<S::L4>(array(key), array(nonce), aad, buf, tag),
        AegisVariant::Checksum => {
            let computed = tag128::<S::L1>(&CHECKSUM_KEY, &CHECKSUM_KEY, aad, buf);
            verify_or_wipe(&computed, tag, buf)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex<const N: usize>(s: &str) -> [u8; N] {
        let mut out = [0u8; N];
        for (i, o) in out.iter_mut().enumerate() {
            *o = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap();
        }
        out
    }

    /// draft-irtf-cfrg-aegis-aead, AEGIS-128L test vector 1, on one, and
    /// (for the lane-batched path) the same through the generic rounds.
    #[test]
    fn aegis128l_draft_vector_1() {
        let key = hex::<16>("10010000000000000000000000000000");
        let nonce = hex::<16>("10000200000000000000000000000000");
        let mut msg = [0u8; 16];
        let tag = seal128::<SoftLanes<1>>(&key, &nonce, &[], &mut msg);
        assert_eq!(msg, hex::<16>("c1c0e58bd913006feba00f4b3cc3594e"));
        assert_eq!(tag, hex::<16>("abe0ece80c24868a226a35d16bdae37a"));
        open128::<SoftLanes<1>>(&key, &nonce, &[], &mut msg, &tag).unwrap();
        assert_eq!(msg, [0u8; 16]);
    }

    #[test]
    fn tag_only_equals_sealing_tag() {
        let key = [3u8; 16];
        let nonce = [9u8; 16];
        let msg: [u8; 77] = core::array::from_fn(|i| i as u8);
        let mut buf = msg;
        let sealed = seal128::<SoftLanes<2>>(&key, &nonce, b"ad", &mut buf);
        assert_eq!(tag128::<SoftLanes<2>>(&key, &nonce, b"ad", &msg), sealed);
    }
}
