//! GHASH for the AES-GCM kernels of [`super::gcm`], in the POLYVAL domain
//! (RFC 8452, appendix A): blocks are byte-reversed, the hash key is
//! `mulX_POLYVAL(ByteReverse(H))`, and a chunk of blocks is multiplied by
//! precomputed powers `H^n .. H^1` (Karatsuba: three carry-less products
//! per block), the 256-bit products summed, and the sum reduced once
//! (Montgomery reduction by `x^128 + x^127 + x^126 + x^121 + 1`: two
//! 64-bit folds with PCLMULQDQ).
//!
//! # Soundness
//!
//! As for [`super::gcm_lanes`]: these safe functions execute PCLMULQDQ and
//! (through [`Wide`]) wider instructions; they are private, always inlined,
//! and only called from the `#[target_feature]` kernels of [`super::gcm`].

use core::marker::PhantomData;

use core::arch::x86_64::{
    __m128i, _mm_setzero_si128, _mm_shuffle_epi32, _mm_slli_si128, _mm_srli_si128, _mm_xor_si128,
};

use zeroize::Zeroize;

use super::aesni_lanes::load128;
use super::gcm_lanes::{Wide, Xmm};
use crate::gcm::{POLY, karatsuba_key, polyval_key};

/// Registers per iteration.
pub(crate) const REGS: usize = 8;
/// Most blocks per iteration (eight 512-bit registers).
pub(crate) const MAX_CHUNK: usize = 32;

/// Powers of the hash key, laid out so that the powers a chunk of `n`
/// blocks needs are contiguous: entry `MAX_CHUNK - k` is `H^k` for `k` in
/// `1..=MAX_CHUNK`, and the entries after them are zero. Beside each
/// power, its Karatsuba key: the XOR of its two 64-bit halves, in both
/// halves. Wiped on drop.
pub(crate) struct Powers {
    powers: [[u8; 16]; 2 * MAX_CHUNK],
    folded: [[u8; 16]; 2 * MAX_CHUNK],
}

/// The hash-key material one chunk of blocks is multiplied with: a view
/// into [`Powers`], loaded at each use (the loads fold into the
/// multiplications' memory operands), so that the kernels make no copy of
/// it that would need wiping.
pub(crate) struct ChunkKeys<'a, V> {
    powers: &'a [u8],
    folded: &'a [u8],
    lanes: PhantomData<V>,
}

impl Powers {
    /// The powers of the GHASH key `h` (`AES_K(0)`, as bytes).
    #[inline(always)]
    pub(crate) fn new(h: &[u8; 16]) -> Powers {
        let mut key = polyval_key(h);
        let h1 = load128(&key);
        key.zeroize();
        let mut table = Powers {
            powers: [[0; 16]; 2 * MAX_CHUNK],
            folded: [[0; 16]; 2 * MAX_CHUNK],
        };
        let mut power = h1;
        for k in 1..=MAX_CHUNK {
            let entry = &mut table.powers[MAX_CHUNK - k];
            Xmm(power).store(entry);
            table.folded[MAX_CHUNK - k] = karatsuba_key(entry);
            power = mul(power, h1);
        }
        table
    }

    /// `H` itself (POLYVAL domain).
    #[inline(always)]
    pub(crate) fn h1(&self) -> __m128i {
        load128(&self.powers[MAX_CHUNK - 1])
    }

    /// The keys for a chunk of `n` blocks: lane `i` gets `H^(n-i)` (and
    /// its Karatsuba key), lanes at `n` and after get zero.
    #[inline(always)]
    pub(crate) fn chunk<V: Wide>(&self, n: usize) -> ChunkKeys<'_, V> {
        let start = 16 * (MAX_CHUNK - n);
        ChunkKeys {
            powers: &self.powers.as_flattened()[start..],
            folded: &self.folded.as_flattened()[start..],
            lanes: PhantomData,
        }
    }
}

impl Drop for Powers {
    fn drop(&mut self) {
        self.powers.zeroize();
        self.folded.zeroize();
    }
}

/// The POLYVAL product `a * b * x^-128`.
#[inline(always)]
pub(crate) fn mul(a: __m128i, b: __m128i) -> __m128i {
    let (a, b) = (Xmm(a), Xmm(b));
    let mid = a.clmul::<0x01>(b).xor(a.clmul::<0x10>(b));
    reduce(a.clmul::<0x00>(b).0, mid.0, a.clmul::<0x11>(b).0)
}

/// Reduces the 256-bit product `hi * x^128 + mid * x^64 + lo` times
/// `x^-128` modulo POLYVAL's polynomial.
#[inline(always)]
pub(crate) fn reduce(lo: __m128i, mid: __m128i, hi: __m128i) -> __m128i {
    let poly = Xmm(load128(&POLY.to_le_bytes()));
    // Two Montgomery folds of 64 bits each: the low half times POLY's
    // high half, added to the halves swapped.
    let fold = |v: __m128i| {
        let t = Xmm(v).clmul::<0x10>(poly);
        // SAFETY: SSE2 is part of the x86_64 baseline.
        unsafe { _mm_xor_si128(_mm_shuffle_epi32::<0x4e>(v), t.0) }
    };
    // SAFETY: SSE2 is part of the x86_64 baseline.
    let (lo, hi) = unsafe {
        (
            _mm_xor_si128(lo, _mm_slli_si128::<8>(mid)),
            _mm_xor_si128(hi, _mm_srli_si128::<8>(mid)),
        )
    };
    Xmm(hi).xor(Xmm(fold(fold(lo)))).0
}

/// The all-zero block.
#[inline(always)]
pub(crate) fn zero() -> __m128i {
    // SAFETY: SSE2 is part of the x86_64 baseline.
    unsafe { _mm_setzero_si128() }
}

/// The unreduced sum of one chunk's products with the key powers, built
/// one register at a time so that a kernel can spread it over the AES
/// rounds of an iteration.
///
/// Karatsuba: three carry-less products per block (low halves, high
/// halves, XORed halves), summed over the chunk, then one reduction.
pub(crate) struct Sum<V> {
    lo: V,
    mid: V,
    hi: V,
}

impl<V: Wide> Sum<V> {
    /// The empty sum.
    #[inline(always)]
    pub(crate) fn new() -> Self {
        let zero = V::broadcast(zero());
        Sum {
            lo: zero,
            mid: zero,
            hi: zero,
        }
    }

    /// Adds register `r` of a chunk, with keys from [`Powers::chunk`];
    /// register 0 also carries `acc`, the hash state before the chunk.
    #[inline(always)]
    pub(crate) fn add(&mut self, r: usize, block: V, acc: __m128i, keys: &ChunkKeys<V>) {
        let at = 16 * V::BLOCKS * r;
        let (h, hk) = (V::load(&keys.powers[at..]), V::load(&keys.folded[at..]));
        let mut x = block.bswap();
        if r == 0 {
            x = x.xor(V::low(acc));
        }
        self.lo = self.lo.xor(x.clmul::<0x00>(h));
        self.hi = self.hi.xor(x.clmul::<0x11>(h));
        self.mid = self.mid.xor(x.xor(x.swap_halves()).clmul::<0x00>(hk));
        let mut sums = [self.lo, self.mid, self.hi];
        V::fence(&mut sums);
        [self.lo, self.mid, self.hi] = sums;
    }

    /// The hash state after the chunk: the sum folded across lanes and
    /// reduced.
    #[inline(always)]
    pub(crate) fn reduce(&self) -> __m128i {
        let (lo, hi) = (self.lo.fold(), self.hi.fold());
        let mid = Xmm(self.mid.fold()).xor(Xmm(lo)).xor(Xmm(hi)).0;
        reduce(lo, mid, hi)
    }
}

/// Folds `blocks` (up to `REGS * V::BLOCKS` of them, zeros after the
/// last) into the hash state `acc`, with keys from [`Powers::chunk`].
#[inline(always)]
pub(crate) fn ghash<V: Wide>(acc: __m128i, blocks: &[V; REGS], keys: &ChunkKeys<V>) -> __m128i {
    let mut sum = Sum::new();
    for (r, &block) in blocks.iter().enumerate() {
        sum.add(r, block, acc, keys);
    }
    sum.reduce()
}

/// Loads one iteration's registers from `bytes`.
#[inline(always)]
pub(crate) fn load_chunk<V: Wide>(bytes: &[u8]) -> [V; REGS] {
    // Plain loops, not `array::from_fn`: library closures would not be
    // inlined into the `#[target_feature]` kernels.
    let mut out = [V::load(bytes); REGS];
    for (r, o) in out.iter_mut().enumerate().skip(1) {
        *o = V::load(&bytes[16 * V::BLOCKS * r..]);
    }
    out
}

/// Hashes `data` (zero-padded to whole blocks) into `acc`. Only for
/// public data (associated data, ciphertext): the padding is not wiped.
#[inline(always)]
pub(crate) fn ghash_padded<V: Wide>(powers: &Powers, mut acc: __m128i, data: &[u8]) -> __m128i {
    let chunk = REGS * V::BLOCKS;
    let full = powers.chunk::<V>(chunk);
    let mut chunks = data.chunks_exact(16 * chunk);
    for c in &mut chunks {
        acc = ghash(acc, &load_chunk(c), &full);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut pad = [0u8; 16 * MAX_CHUNK];
        pad[..rest.len()].copy_from_slice(rest);
        let n = rest.len().div_ceil(16);
        // Up to one block per register (e.g. a 32-byte page binding): on
        // 128-bit registers, not a whole wide chunk of mostly zeros.
        acc = if n <= REGS {
            ghash(acc, &load_chunk::<Xmm>(&pad), &powers.chunk(n))
        } else {
            ghash(acc, &load_chunk::<V>(&pad), &powers.chunk(n))
        };
    }
    acc
}
