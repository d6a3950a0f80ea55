//! The AEGIS suites (and the `checksum` suite, AEGIS-128L under an all-zero
//! key and nonce) routed to `pageseal_core::aegis`, generic over a backend's
//! lane types. Each hardware backend instantiates these inside its
//! `#[target_feature]` functions, so the whole state machine is compiled
//! with the backend's instructions.

use pageseal_core::aegis::{AesLanes, open128, open256, seal128, seal256, tag128};
use pageseal_core::{Error, Suite, Tag, verify_or_wipe};

/// Key and nonce of the keyless `checksum` suite (as in `pageseal-core`).
const CHECKSUM_KEY: [u8; 16] = [0; 16];

/// A backend's lane types for one, two and four AES blocks.
pub(crate) trait LaneSet {
    /// One block: AEGIS-128L, AEGIS-256, checksum.
    type L1: AesLanes;
    /// Two blocks: AEGIS-128X2, AEGIS-256X2.
    type L2: AesLanes;
    /// Four blocks: AEGIS-128X4, AEGIS-256X4.
    type L4: AesLanes;
}

/// Whether `suite` is one of the AEGIS-based suites handled here.
pub(crate) fn is_aegis(suite: Suite) -> bool {
    matches!(
        suite,
        Suite::Aegis128L
            | Suite::Aegis128X2
            | Suite::Aegis128X4
            | Suite::Aegis256
            | Suite::Aegis256X2
            | Suite::Aegis256X4
            | Suite::Checksum
    )
}

/// The first `N` bytes of `bytes` (key and nonce lengths are checked by
/// the cipher) as an array reference: no copy of the key to wipe.
#[inline(always)]
fn array<const N: usize>(bytes: &[u8]) -> &[u8; N] {
    bytes[..N].try_into().expect("N bytes")
}

/// Seals `buf` with the AEGIS-based `suite` on lanes `S`.
///
/// `key` and `nonce` must have the suite's lengths (the cipher checks them).
#[inline(always)]
pub(crate) fn seal<S: LaneSet>(
    suite: Suite,
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    buf: &mut [u8],
) -> Tag {
    match suite {
        Suite::Aegis128L => seal128::<S::L1>(array(key), array(nonce), aad, buf),
        Suite::Aegis128X2 => seal128::<S::L2>(array(key), array(nonce), aad, buf),
        Suite::Aegis128X4 => seal128::<S::L4>(array(key), array(nonce), aad, buf),
        Suite::Aegis256 => seal256::<S::L1>(array(key), array(nonce), aad, buf),
        Suite::Aegis256X2 => seal256::<S::L2>(array(key), array(nonce), aad, buf),
        Suite::Aegis256X4 => seal256::<S::L4>(array(key), array(nonce), aad, buf),
        _ => tag128::<S::L1>(&CHECKSUM_KEY, &CHECKSUM_KEY, aad, buf),
    }
}

/// Opens `buf` with the AEGIS-based `suite` on lanes `S`; on a wrong tag
/// `buf` is wiped and [`Error::Authentication`] returned.
#[inline(always)]
pub(crate) fn open<S: LaneSet>(
    suite: Suite,
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    buf: &mut [u8],
    tag: &Tag,
) -> Result<(), Error> {
    match suite {
        Suite::Aegis128L => open128::<S::L1>(array(key), array(nonce), aad, buf, tag),
        Suite::Aegis128X2 => open128::<S::L2>(array(key), array(nonce), aad, buf, tag),
        Suite::Aegis128X4 => open128::<S::L4>(array(key), array(nonce), aad, buf, tag),
        Suite::Aegis256 => open256::<S::L1>(array(key), array(nonce), aad, buf, tag),
        Suite::Aegis256X2 => open256::<S::L2>(array(key), array(nonce), aad, buf, tag),
        Suite::Aegis256X4 => open256::<S::L4>(array(key), array(nonce), aad, buf, tag),
        _ => {
            let computed = tag128::<S::L1>(&CHECKSUM_KEY, &CHECKSUM_KEY, aad, buf);
            verify_or_wipe(&computed, tag, buf)
        }
    }
}
