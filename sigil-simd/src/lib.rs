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
