//! The AEGIS-128X and AEGIS-256X state machines
//! (draft-irtf-cfrg-aegis-aead), generic over the lane width: one lane is
//! AEGIS-128L / AEGIS-256, two and four lanes are the X2 / X4 variants.

use super::lanes::{AesLanes, fold_lanes, lane_context};

/// `C0` of the AEGIS specification (the Fibonacci sequence mod 256).
const C0: [u8; 16] = [
    0x00, 0x01, 0x01, 0x02, 0x03, 0x05, 0x08, 0x0d, 0x15, 0x22, 0x37, 0x59, 0x90, 0xe9, 0x79, 0x62,
];
/// `C1` of the AEGIS specification.
const C1: [u8; 16] = [
    0xdb, 0x3d, 0x18, 0x55, 0x6d, 0xc2, 0x2f, 0xf1, 0x20, 0x11, 0x31, 0x42, 0x73, 0xb5, 0x28, 0xdd,
];

/// What the generic encrypt/decrypt driver needs from a state.
pub(crate) trait Sponge {
    /// Bytes absorbed or encrypted per update.
    const RATE: usize;
    /// Absorbs one full block of associated data.
    fn absorb(&mut self, block: &[u8]);
    /// Encrypts one full block in place.
    fn enc(&mut self, block: &mut [u8]);
    /// Decrypts one full block in place.
    fn dec(&mut self, block: &mut [u8]);
    /// Decrypts a final partial block (shorter than `RATE`) in place.
    fn dec_partial(&mut self, block: &mut [u8]);
    /// The 128-bit tag after `ad_len` bytes of associated data and
    /// `msg_len` bytes of message.
    fn finalize(&mut self, ad_len: usize, msg_len: usize) -> [u8; 16];
}

/// The length block `LE64(ad_bits) || LE64(msg_bits)`.
#[inline(always)]
fn length_block(ad_len: usize, msg_len: usize) -> [u8; 16] {
    let mut u = [0u8; 16];
    u[..8].copy_from_slice(&((ad_len as u64) * 8).to_le_bytes());
    u[8..].copy_from_slice(&((msg_len as u64) * 8).to_le_bytes());
    u
}

/// AEGIS-128X state: eight vectors of `L::LANES` blocks.
///
/// On lanes with [`AesLanes::DEFER_MESSAGE`] (the hardware ones), the
/// message words are folded in lazily: `s[0]` and `s[4]` hold the state
/// words `S0` and `S4` XOR `pending[0]` and `pending[1]`, the XOR of every
/// message word folded into them so far (on the other lanes `pending`
/// stays zero). The update then needs no XOR between an AES round's
/// output and the next round of the same word: with `S'0 = AESRound(S7,
/// S0) ^ m0` written out, each update of `S0` (and `S4`) costs an AES
/// latency plus an XOR latency, and that loop bounded the whole update;
/// with the XOR moved into `pending` it is one AES latency (the XOR now
/// feeds `S'1`, off any loop). [`Self::words`] gives the true state.
pub(crate) struct State128<L: AesLanes> {
    s: [L; 8],
    pending: [L; 2],
}

impl<L: AesLanes> State128<L> {
    /// Initializes the state from a 128-bit key and nonce.
    #[inline(always)]
    pub(crate) fn new(key: &[u8; 16], nonce: &[u8; 16]) -> Self {
        let k = L::splat(key);
        let n = L::splat(nonce);
        let c0 = L::splat(&C0);
        let c1 = L::splat(&C1);
        let ctx = lane_context::<L>();
        let kn = k.xor(n);
        let zero = L::splat(&[0; 16]);
        let mut st = State128 {
            s: [kn, c1, c0, c1, kn, k.xor(c0), k.xor(c1), k.xor(c0)],
            pending: [zero, zero],
        };
        for _ in 0..10 {
            st.s[3] = st.s[3].xor(ctx);
            st.s[7] = st.s[7].xor(ctx);
            st.update(n, k);
        }
        st
    }

    /// `S'i = AESRound(S(i-1), Si)`, with `m0` and `m1` folded into
    /// `S'0` and `S'4`. Since `AESRound(x, k) ^ m == AESRound(x, k ^ m)`,
    /// `AESRound(S7, s[0])` is `S'0 ^ m0 ^ pending[0]`: the message only
    /// joins `pending` (and, when opening, the plaintext, which depends on
    /// the state, stays off the AES instructions' dependency chains).
    /// Lanes without [`AesLanes::DEFER_MESSAGE`] XOR it into `S'0` and
    /// `S'4` directly.
    #[inline(always)]
    fn update(&mut self, m0: L, m1: L) {
        let (s, w) = (self.s, self.words());
        self.s = L::aes_rounds(
            [w[7], w[0], w[1], w[2], w[3], w[4], w[5], w[6]],
            [s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]],
        );
        if L::DEFER_MESSAGE {
            self.pending = [self.pending[0].xor(m0), self.pending[1].xor(m1)];
        } else {
            self.s[0] = self.s[0].xor(m0);
            self.s[4] = self.s[4].xor(m1);
        }
    }

    /// The true state words `S0 .. S7`.
    #[inline(always)]
    fn words(&self) -> [L; 8] {
        let mut s = self.s;
        if L::DEFER_MESSAGE {
            s[0] = s[0].xor(self.pending[0]);
            s[4] = s[4].xor(self.pending[1]);
        }
        s
    }

    #[inline(always)]
    fn keystream(&self) -> (L, L) {
        let s = &self.s;
        let z0 = s[6].xor(s[1]).xor(s[2].and(s[3]));
        let z1 = s[2].xor(s[5]).xor(s[6].and(s[7]));
        (z0, z1)
    }

    #[inline(always)]
    fn halves(block: &[u8]) -> (L, L) {
        let half = 16 * L::LANES;
        (L::load(&block[..half]), L::load(&block[half..]))
    }
}

impl<L: AesLanes> Sponge for State128<L> {
    const RATE: usize = 32 * L::LANES;

    #[inline(always)]
    fn absorb(&mut self, block: &[u8]) {
        let (t0, t1) = Self::halves(block);
        self.update(t0, t1);
    }

    #[inline(always)]
    fn enc(&mut self, block: &mut [u8]) {
        let (z0, z1) = self.keystream();
        let (t0, t1) = Self::halves(block);
        let half = 16 * L::LANES;
        t0.xor(z0).store(&mut block[..half]);
        t1.xor(z1).store(&mut block[half..]);
        self.update(t0, t1);
    }

    #[inline(always)]
    fn dec(&mut self, block: &mut [u8]) {
        let (z0, z1) = self.keystream();
        let (c0, c1) = Self::halves(block);
        let (p0, p1) = (c0.xor(z0), c1.xor(z1));
        let half = 16 * L::LANES;
        p0.store(&mut block[..half]);
        p1.store(&mut block[half..]);
        self.update(p0, p1);
    }

    #[inline(always)]
    fn dec_partial(&mut self, block: &mut [u8]) {
        let mut pad = [0u8; 32 * super::lanes::MAX_LANES];
        let padded = &mut pad[..Self::RATE];
        padded[..block.len()].copy_from_slice(block);
        let (z0, z1) = self.keystream();
        let (c0, c1) = Self::halves(padded);
        let half = 16 * L::LANES;
        c0.xor(z0).store(&mut padded[..half]);
        c1.xor(z1).store(&mut padded[half..]);
        block.copy_from_slice(&padded[..block.len()]);
        padded[block.len()..].fill(0);
        let (p0, p1) = Self::halves(padded);
        self.update(p0, p1);
        zeroize::Zeroize::zeroize(&mut pad);
    }

    #[inline(always)]
    fn finalize(&mut self, ad_len: usize, msg_len: usize) -> [u8; 16] {
        let t = self.s[2].xor(L::splat(&length_block(ad_len, msg_len)));
        for _ in 0..7 {
            self.update(t, t);
        }
        let s = self.words();
        fold_lanes(
            s[0].xor(s[1])
                .xor(s[2])
                .xor(s[3])
                .xor(s[4])
                .xor(s[5])
                .xor(s[6]),
        )
    }
}

impl<L: AesLanes> Drop for State128<L> {
    fn drop(&mut self) {
        for v in self.s.iter_mut().chain(&mut self.pending) {
            v.wipe();
        }
    }
}

/// AEGIS-256X state: six vectors of `L::LANES` blocks. As in
/// [`State128`], the message is folded in lazily: `s[0]` holds `S0 ^
/// pending`.
pub(crate) struct State256<L: AesLanes> {
    s: [L; 6],
    pending: L,
}

impl<L: AesLanes> State256<L> {
    /// Initializes the state from a 256-bit key and nonce.
    #[inline(always)]
    pub(crate) fn new(key: &[u8; 32], nonce: &[u8; 32]) -> Self {
        let half = |b: &[u8; 32], i: usize| {
            let mut out = [0u8; 16];
            out.copy_from_slice(&b[16 * i..16 * i + 16]);
            L::splat(&out)
        };
        let (k0, k1, n0, n1) = (half(key, 0), half(key, 1), half(nonce, 0), half(nonce, 1));
        let c0 = L::splat(&C0);
        let c1 = L::splat(&C1);
        let ctx = lane_context::<L>();
        let (k0n0, k1n1) = (k0.xor(n0), k1.xor(n1));
        let mut st = State256 {
            s: [k0n0, k1n1, c1, c0, k0.xor(c0), k1.xor(c1)],
            pending: L::splat(&[0; 16]),
        };
        for _ in 0..4 {
            for m in [k0, k1, k0n0, k1n1] {
                st.s[3] = st.s[3].xor(ctx);
                st.s[5] = st.s[5].xor(ctx);
                st.update(m);
            }
        }
        st
    }

    /// `S'i = AESRound(S(i-1), Si)`, with `m` folded into `S'0` through
    /// `pending` (as in [`State128::update`]).
    #[inline(always)]
    fn update(&mut self, m: L) {
        let (s, w) = (self.s, self.words());
        self.s = L::aes_rounds(
            [w[5], w[0], w[1], w[2], w[3], w[4]],
            [s[0], s[1], s[2], s[3], s[4], s[5]],
        );
        if L::DEFER_MESSAGE {
            self.pending = self.pending.xor(m);
        } else {
            self.s[0] = self.s[0].xor(m);
        }
    }

    /// The true state words `S0 .. S5`.
    #[inline(always)]
    fn words(&self) -> [L; 6] {
        let mut s = self.s;
        if L::DEFER_MESSAGE {
            s[0] = s[0].xor(self.pending);
        }
        s
    }

    #[inline(always)]
    fn keystream(&self) -> L {
        let s = &self.s;
        s[1].xor(s[4]).xor(s[5]).xor(s[2].and(s[3]))
    }
}

impl<L: AesLanes> Sponge for State256<L> {
    const RATE: usize = 16 * L::LANES;

    #[inline(always)]
    fn absorb(&mut self, block: &[u8]) {
        self.update(L::load(block));
    }

    #[inline(always)]
    fn enc(&mut self, block: &mut [u8]) {
        let z = self.keystream();
        let t = L::load(block);
        t.xor(z).store(block);
        self.update(t);
    }

    #[inline(always)]
    fn dec(&mut self, block: &mut [u8]) {
        let p = L::load(block).xor(self.keystream());
        p.store(block);
        self.update(p);
    }

    #[inline(always)]
    fn dec_partial(&mut self, block: &mut [u8]) {
        let mut pad = [0u8; 16 * super::lanes::MAX_LANES];
        let padded = &mut pad[..Self::RATE];
        padded[..block.len()].copy_from_slice(block);
        L::load(padded).xor(self.keystream()).store(padded);
        block.copy_from_slice(&padded[..block.len()]);
        padded[block.len()..].fill(0);
        self.update(L::load(padded));
        zeroize::Zeroize::zeroize(&mut pad);
    }

    #[inline(always)]
    fn finalize(&mut self, ad_len: usize, msg_len: usize) -> [u8; 16] {
        let t = self.s[3].xor(L::splat(&length_block(ad_len, msg_len)));
        for _ in 0..7 {
            self.update(t);
        }
        let s = self.words();
        fold_lanes(s[0].xor(s[1]).xor(s[2]).xor(s[3]).xor(s[4]).xor(s[5]))
    }
}

impl<L: AesLanes> Drop for State256<L> {
    fn drop(&mut self) {
        for v in &mut self.s {
            v.wipe();
        }
        self.pending.wipe();
    }
}
