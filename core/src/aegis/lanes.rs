//! The vector of AES blocks that the AEGIS constructions are written over.

/// `LANES` AES blocks processed in lock-step (one for AEGIS-128L and
/// AEGIS-256, two or four for the X2 and X4 variants).
///
/// The AEGIS state machines in this module are generic over this trait, so
/// a backend only supplies loads, stores, XOR, AND and the AES round; the
/// portable implementation is [`SoftLanes`](super::SoftLanes) and
/// `pageseal-dispatch` supplies AES-NI, VAES and ARMv8 ones.
pub trait AesLanes: Copy {
    /// Number of 16-byte AES blocks in one value.
    const LANES: usize;

    /// Whether the AEGIS states fold message words in lazily (see
    /// `State128`): it takes an XOR off each state word's update loop,
    /// which pays where an AES round is a few cycles of latency (the
    /// hardware backends), and only adds XORs and code where rounds are
    /// long computations (the fixsliced software AES, where it made an
    /// AEGIS-128L firmware image 4.7 KB larger).
    const DEFER_MESSAGE: bool = true;

    /// Loads `16 * LANES` bytes; lane `i` holds bytes `16 * i .. 16 * i + 16`.
    fn load(bytes: &[u8]) -> Self;

    /// Stores the lanes into `16 * LANES` bytes, lane `i` first at `16 * i`.
    fn store(self, out: &mut [u8]);

    /// The same block in every lane.
    fn splat(block: &[u8; 16]) -> Self;

    /// Lane-wise XOR.
    fn xor(self, other: Self) -> Self;

    /// Lane-wise AND.
    fn and(self, other: Self) -> Self;

    /// One AES encryption round on every lane: `MixColumns(ShiftRows(
    /// SubBytes(self))) ^ round_key`, like x86 `AESENC`.
    fn aes_round(self, round_key: Self) -> Self;

    /// Overwrites the value with zeros in a way the compiler keeps (used to
    /// wipe AEGIS states, from which the key could be recomputed).
    fn wipe(&mut self);

    /// `N` independent AES rounds. Backends that batch rounds (the
    /// fixsliced software AES does eight at a time) override it.
    #[inline(always)]
    fn aes_rounds<const N: usize>(states: [Self; N], round_keys: [Self; N]) -> [Self; N] {
        let mut out = states;
        for (o, k) in out.iter_mut().zip(round_keys) {
            *o = o.aes_round(k);
        }
        out
    }
}

/// The per-lane context block of the X variants: lane `i` holds
/// `i, LANES - 1` followed by zeros (all zeros when `LANES == 1`).
#[inline(always)]
pub(crate) fn lane_context<L: AesLanes>() -> L {
    let mut bytes = [0u8; 16 * MAX_LANES];
    for i in 0..L::LANES {
        bytes[16 * i] = i as u8;
        bytes[16 * i + 1] = (L::LANES - 1) as u8;
    }
    L::load(&bytes[..16 * L::LANES])
}

/// XOR of all lanes of `v` into one block.
#[inline(always)]
pub(crate) fn fold_lanes<L: AesLanes>(v: L) -> [u8; 16] {
    let mut bytes = [0u8; 16 * MAX_LANES];
    v.store(&mut bytes[..16 * L::LANES]);
    // As 128-bit words: a byte loop compiled to ~200 byte extracts per tag.
    let mut out = 0u128;
    for lane in bytes[..16 * L::LANES].chunks_exact(16) {
        out ^= u128::from_ne_bytes(lane.try_into().expect("16 bytes"));
    }
    out.to_ne_bytes()
}

/// The widest lane count any suite uses.
pub(crate) const MAX_LANES: usize = 4;
