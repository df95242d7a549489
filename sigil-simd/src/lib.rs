//! SIMD kernels for the SIGIL scanner, and the only SIGIL crate with `unsafe` code.
//!
//! Every other crate of the workspace forbids `unsafe`. Rust 1.95 lets a function compiled
//! for a CPU feature (`#[target_feature]`) call that feature's intrinsics safely, but two
//! things stay `unsafe`: calling such a function, which is sound only on a CPU that has the
//! feature, and the intrinsics that load or store through a pointer. So this crate keeps to
//! these rules:
//!
//! - Each kernel is called only from a safe wrapper that checks the CPU's features at run
//!   time first (`is_x86_feature_detected!`, cached after the first call). Without them, or
//!   on another architecture, the wrapper does nothing and says so, and the caller goes on
//!   with its scalar code: the result is the same either way.
//! - Loads and stores go through fixed-size arrays (`&[u8; 64]`) or through spare capacity
//!   reserved just before, so their bounds are checked by the types or by one comparison.
//! - Each `unsafe` block holds one operation and says why it is sound (clippy's
//!   `undocumented_unsafe_blocks` and `multiple_unsafe_ops_per_block` are errors here).
//! - The kernels are tested against plain Rust references (property tests here) and fuzzed
//!   directly (`fuzz/`, the `simd_kernels` target) and through the scanner (`scan_json`,
//!   `scan_text`).

pub mod json;
pub mod pairs;
pub mod shift_and;

/// `SIGIL_SIMD`: `off` (or `portable`) forces the portable path, like simdjson's
/// `SIMDJSON_FORCE_IMPLEMENTATION`; read once, at the first scan.
pub const ENV: &str = "SIGIL_SIMD";

const UNREAD: u8 = 0;
const KERNELS: u8 = 1;
const PORTABLE: u8 = 2;
static MODE: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(UNREAD);

/// Whether the portable path is forced: by [`force_portable`], or else by `SIGIL_SIMD=off`.
pub fn portable_forced() -> bool {
    use std::sync::atomic::Ordering::Relaxed;
    match MODE.load(Relaxed) {
        UNREAD => {
            let off = matches!(
                std::env::var(ENV).as_deref(),
                Ok("off" | "portable" | "0" | "false")
            );
            MODE.store(if off { PORTABLE } else { KERNELS }, Relaxed);
            off
        }
        mode => mode == PORTABLE,
    }
}

/// Forces the portable path on or off for the whole process (a benchmark's paired A/B runs);
/// it overrides `SIGIL_SIMD`. Results are the same either way; only the speed differs.
pub fn force_portable(portable: bool) {
    MODE.store(
        if portable { PORTABLE } else { KERNELS },
        std::sync::atomic::Ordering::Relaxed,
    );
}

/// Whether any kernel of this crate runs on this CPU (AVX-512 F, BW and VBMI, not forced off).
pub fn kernels_active() -> bool {
    avx512_vbmi()
}

/// Whether the CPU has AVX-512 F, BW and VBMI, which every kernel here needs (the standard
/// library caches what it detects), and the portable path is not forced; false on other
/// architectures.
pub(crate) fn avx512_vbmi() -> bool {
    if portable_forced() {
        return false;
    }
    #[cfg(target_arch = "x86_64")]
    return std::arch::is_x86_feature_detected!("avx512f")
        && std::arch::is_x86_feature_detected!("avx512bw")
        && std::arch::is_x86_feature_detected!("avx512vbmi");
    #[cfg(not(target_arch = "x86_64"))]
    return false;
}

/// Loads and stores of 64-byte blocks, shared by the kernels.
#[cfg(target_arch = "x86_64")]
mod block {
    use std::arch::x86_64::{__m512i, _mm512_loadu_si512, _mm512_storeu_si512};

    /// The 64 bytes as a vector.
    #[inline]
    #[target_feature(enable = "avx512f")]
    pub(crate) fn load(bytes: &[u8; 64]) -> __m512i {
        // SAFETY: `bytes` is 64 readable bytes; the load has no alignment requirement.
        unsafe { _mm512_loadu_si512(bytes.as_ptr().cast()) }
    }

    /// The vector as 64 bytes.
    #[inline]
    #[target_feature(enable = "avx512f")]
    pub(crate) fn store(v: __m512i) -> [u8; 64] {
        let mut out = [0u8; 64];
        // SAFETY: `out` is 64 writable bytes; the store has no alignment requirement.
        unsafe { _mm512_storeu_si512(out.as_mut_ptr().cast(), v) };
        out
    }
}

/// A 256-byte table, aligned to a cache line, that the kernels look up 64 bytes at a time.
#[derive(Clone)]
#[repr(C, align(64))]
pub(crate) struct ByteTable(pub(crate) [u8; 256]);

/// A [`ByteTable`] loaded into four registers, looked up 64 bytes at a time.
#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy)]
pub(crate) struct LoadedTable([std::arch::x86_64::__m512i; 4]);

#[cfg(target_arch = "x86_64")]
impl LoadedTable {
    #[inline]
    #[target_feature(enable = "avx512f")]
    pub(crate) fn new(table: &[u8; 256]) -> Self {
        LoadedTable(std::array::from_fn(|q| {
            block::load(table[64 * q..64 * q + 64].try_into().expect("64"))
        }))
    }

    /// Each byte of `index` looked up: two `vpermi2b` and a blend on the high bit.
    #[inline]
    #[target_feature(enable = "avx512f,avx512bw,avx512vbmi")]
    pub(crate) fn look_up(&self, index: std::arch::x86_64::__m512i) -> std::arch::x86_64::__m512i {
        use std::arch::x86_64::{
            _mm512_mask_blend_epi8, _mm512_movepi8_mask, _mm512_permutex2var_epi8,
        };
        let [t0, t1, t2, t3] = self.0;
        let low = _mm512_permutex2var_epi8(t0, index, t1);
        let high = _mm512_permutex2var_epi8(t2, index, t3);
        _mm512_mask_blend_epi8(_mm512_movepi8_mask(index), low, high)
    }
}
