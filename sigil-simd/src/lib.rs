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

/// `SIGIL_SIMD`, read once at the first scan, like simdjson's `SIMDJSON_FORCE_IMPLEMENTATION`:
/// unset, empty or `on`, every kernel the CPU can run; `off` (or `portable`), none; or a
/// comma-separated list of the kernels to keep (today only `json`), so that each can be
/// measured against the others. Unknown names are ignored.
pub const ENV: &str = "SIGIL_SIMD";

/// A kernel of this crate, as `SIGIL_SIMD` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kernel {
    /// JSON string decoding (`json.rs`).
    Json = 1,
}

impl Kernel {
    /// Every kernel, with its name in `SIGIL_SIMD`.
    pub const ALL: [(Kernel, &'static str); 1] = [(Kernel::Json, "json")];
}

const EVERY: u8 = 1;
const UNREAD: u8 = 0x80;
static ENABLED: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(UNREAD);

/// The kernels a value of `SIGIL_SIMD` keeps, as bits.
fn parse(value: Option<&str>) -> u8 {
    match value.map(str::trim) {
        None | Some("" | "on" | "auto") => EVERY,
        Some("off" | "portable" | "none" | "0" | "false") => 0,
        Some(list) => list
            .split(',')
            .filter_map(|name| Kernel::ALL.iter().find(|(_, n)| *n == name.trim()))
            .fold(0, |bits, (k, _)| bits | *k as u8),
    }
}

fn enabled_bits() -> u8 {
    use std::sync::atomic::Ordering::Relaxed;
    match ENABLED.load(Relaxed) {
        UNREAD => {
            let bits = parse(std::env::var(ENV).ok().as_deref());
            ENABLED.store(bits, Relaxed);
            bits
        }
        bits => bits,
    }
}

/// Whether `kernel` may run: not turned off by [`set_kernels`] or `SIGIL_SIMD`.
pub fn kernel_enabled(kernel: Kernel) -> bool {
    enabled_bits() & kernel as u8 != 0
}

/// Keeps exactly `kernels` for the whole process (a benchmark's paired A/B rounds); it
/// overrides `SIGIL_SIMD`. Results are the same either way; only the speed differs.
pub fn set_kernels(kernels: &[Kernel]) {
    let bits = kernels.iter().fold(0, |b, k| b | *k as u8);
    ENABLED.store(bits, std::sync::atomic::Ordering::Relaxed);
}

/// [`set_kernels`] with none (`true`: the portable path) or every kernel (`false`).
pub fn force_portable(portable: bool) {
    let every: Vec<Kernel> = Kernel::ALL.iter().map(|(k, _)| *k).collect();
    set_kernels(if portable { &[] } else { &every });
}

/// Whether the CPU can run the kernels (AVX-512 F, BW and VBMI), whichever are enabled.
pub fn kernels_active() -> bool {
    cpu_has_avx512_vbmi()
}

/// Whether `kernel` is enabled and the CPU has AVX-512 F, BW and VBMI, which every kernel here
/// needs (the standard library caches what it detects); false on other architectures.
pub(crate) fn avx512_vbmi(kernel: Kernel) -> bool {
    kernel_enabled(kernel) && cpu_has_avx512_vbmi()
}

fn cpu_has_avx512_vbmi() -> bool {
    #[cfg(target_arch = "x86_64")]
    return std::arch::is_x86_feature_detected!("avx512f")
        && std::arch::is_x86_feature_detected!("avx512bw")
        && std::arch::is_x86_feature_detected!("avx512vbmi");
    #[cfg(not(target_arch = "x86_64"))]
    return false;
}

/// Loads of 64-byte blocks.
#[cfg(target_arch = "x86_64")]
mod block {
    use std::arch::x86_64::{__m512i, _mm512_loadu_si512};

    /// The 64 bytes as a vector.
    #[inline]
    #[target_feature(enable = "avx512f")]
    pub(crate) fn load(bytes: &[u8; 64]) -> __m512i {
        // SAFETY: `bytes` is 64 readable bytes; the load has no alignment requirement.
        unsafe { _mm512_loadu_si512(bytes.as_ptr().cast()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigil_simd_values_keep_the_kernels_they_name() {
        assert_eq!(parse(None), EVERY);
        assert_eq!(parse(Some("")), EVERY);
        assert_eq!(parse(Some("off")), 0);
        assert_eq!(parse(Some("portable")), 0);
        assert_eq!(parse(Some(" json ")), Kernel::Json as u8);
        assert_eq!(parse(Some("json,pairs")), Kernel::Json as u8);
        assert_eq!(parse(Some("avx9000")), 0, "unknown names keep nothing");
    }
}
