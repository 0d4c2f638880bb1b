//! Raw declarations of the C ABI in `projection/projection.h`, version 1.1: every
//! function of the header (checked by `tests/header.rs`, which compares these declarations
//! with the header's prototypes, types included), its status codes, its constants and its
//! `#[repr(C)]` types.
//!
//! Everything here is `unsafe` to call; use the `projection` crate for a safe API. The
//! library comes from `pkg-config` (the default) or, with the feature `bundled`, is built
//! from this repository's sources with CMake (see `build.rs`).
//!
//! Types: `float` is `f32`, `double` is `f64`, `size_t` is `usize`, `uint64_t` is `u64`.
//! A C pointer-to-pointer parameter `const float *const *a` is `*const *const f32`, and
//! `float *const *out` is `*const *mut f32` (an array of output pointers).
#![no_std]
#![allow(non_camel_case_types)]

use core::ffi::{c_char, c_int, c_uint};

/// `projection_status`: a C enum; its values are part of the ABI and never change.
pub type projection_status = c_int;
/// Success.
pub const PROJECTION_OK: projection_status = 0;
/// A required pointer is NULL.
pub const PROJECTION_ERR_NULL: projection_status = 1;
/// An output overlaps an input or another output without being the same buffer as its own
/// input.
pub const PROJECTION_ERR_OVERLAP: projection_status = 2;
/// An argument outside its domain (a NaN norm order, a length or offset that overflows).
pub const PROJECTION_ERR_ARGUMENT: projection_status = 3;
/// An input holds NaN or Inf.
pub const PROJECTION_ERR_NONFINITE: projection_status = 4;
/// A `projection_partials` that is not valid: never initialized, from another layout
/// version, or corrupted bytes.
pub const PROJECTION_ERR_PARTIALS: projection_status = 5;

/// The header's version, the one these declarations follow. The library actually linked
/// reports its own with [`projection_version_number`].
pub const PROJECTION_VERSION_MAJOR: c_uint = 1;
/// See [`PROJECTION_VERSION_MAJOR`].
pub const PROJECTION_VERSION_MINOR: c_uint = 1;
/// See [`PROJECTION_VERSION_MAJOR`].
pub const PROJECTION_VERSION_PATCH: c_uint = 0;

/// Elements of the global index per reduction block: shards of a [`projection_partials`]
/// at offsets that are multiples of it give results bitwise equal to one call.
pub const PROJECTION_BLOCK: usize = 8192;
/// The size in bytes of [`projection_partials`]; fixed for ABI major 1.
pub const PROJECTION_PARTIALS_SIZE: usize = 2048;

/// A bfloat16 element as its raw bits (1 sign, 8 exponent, 7 fraction bits: the top half
/// of an `f32`). Same layout as `half::bf16`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct projection_bf16 {
    /// the bit pattern
    pub bits: u16,
}

/// An IEEE 754 binary16 element as its raw bits (1 sign, 5 exponent, 10 fraction bits).
/// Same layout as `half::f16`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct projection_f16 {
    /// the bit pattern
    pub bits: u16,
}

/// Partial sums of a sharded vector (`projection_partials_*`): opaque,
/// [`PROJECTION_PARTIALS_SIZE`] bytes, trivially copyable. Initialize it with
/// [`projection_partials_init`] before any other use.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct projection_partials {
    /// opaque contents
    pub opaque_: [u64; PROJECTION_PARTIALS_SIZE / 8],
}

const _: () = {
    assert!(core::mem::size_of::<projection_partials>() == PROJECTION_PARTIALS_SIZE);
    assert!(core::mem::align_of::<projection_partials>() == core::mem::align_of::<u64>());
    assert!(core::mem::size_of::<projection_bf16>() == 2);
    assert!(core::mem::align_of::<projection_bf16>() == 2);
    assert!(core::mem::size_of::<projection_f16>() == 2);
    assert!(core::mem::align_of::<projection_f16>() == 2);
};

extern "C" {
    // ---- 2. the five operations on one buffer: projection_<op>_<type>
    pub fn projection_vector_projection_f32(
        a: *const f32, b: *const f32, n: usize, out: *mut f32,
    ) -> projection_status;
    pub fn projection_vector_projection_f64(
        a: *const f64, b: *const f64, n: usize, out: *mut f64,
    ) -> projection_status;
    pub fn projection_vector_projection_bf16(
        a: *const projection_bf16, b: *const projection_bf16, n: usize,
        out: *mut projection_bf16,
    ) -> projection_status;
    pub fn projection_vector_projection_f16(
        a: *const projection_f16, b: *const projection_f16, n: usize, out: *mut projection_f16,
    ) -> projection_status;
    pub fn projection_order_by_norm_f32(
        a: *const f32, b: *const f32, n: usize, ord: f64, swapped: *mut c_int, norm_a: *mut f64,
        norm_b: *mut f64,
    ) -> projection_status;
    pub fn projection_order_by_norm_f64(
        a: *const f64, b: *const f64, n: usize, ord: f64, swapped: *mut c_int, norm_a: *mut f64,
        norm_b: *mut f64,
    ) -> projection_status;
    pub fn projection_order_by_norm_bf16(
        a: *const projection_bf16, b: *const projection_bf16, n: usize, ord: f64,
        swapped: *mut c_int, norm_a: *mut f64, norm_b: *mut f64,
    ) -> projection_status;
    pub fn projection_order_by_norm_f16(
        a: *const projection_f16, b: *const projection_f16, n: usize, ord: f64,
        swapped: *mut c_int, norm_a: *mut f64, norm_b: *mut f64,
    ) -> projection_status;
    pub fn projection_project_out_smaller_f32(
        a: *const f32, b: *const f32, n: usize, out: *mut f32,
    ) -> projection_status;
    pub fn projection_project_out_smaller_f64(
        a: *const f64, b: *const f64, n: usize, out: *mut f64,
    ) -> projection_status;
    pub fn projection_project_out_smaller_bf16(
        a: *const projection_bf16, b: *const projection_bf16, n: usize,
        out: *mut projection_bf16,
    ) -> projection_status;
    pub fn projection_project_out_smaller_f16(
        a: *const projection_f16, b: *const projection_f16, n: usize, out: *mut projection_f16,
    ) -> projection_status;
    pub fn projection_equivalent_alpha_f32(
        noise_grad: *const f32, model_grad: *const f32, n: usize, alpha: *mut f64,
        scale: *mut f64,
    ) -> projection_status;
    pub fn projection_equivalent_alpha_f64(
        noise_grad: *const f64, model_grad: *const f64, n: usize, alpha: *mut f64,
        scale: *mut f64,
    ) -> projection_status;
    pub fn projection_equivalent_alpha_bf16(
        noise_grad: *const projection_bf16, model_grad: *const projection_bf16, n: usize,
        alpha: *mut f64, scale: *mut f64,
    ) -> projection_status;
    pub fn projection_equivalent_alpha_f16(
        noise_grad: *const projection_f16, model_grad: *const projection_f16, n: usize,
        alpha: *mut f64, scale: *mut f64,
    ) -> projection_status;
    pub fn projection_alphaless_gradient_f32(
        noise_grad: *const f32, model_grad: *const f32, n: usize, out: *mut f32,
    ) -> projection_status;
    pub fn projection_alphaless_gradient_f64(
        noise_grad: *const f64, model_grad: *const f64, n: usize, out: *mut f64,
    ) -> projection_status;
    pub fn projection_alphaless_gradient_bf16(
        noise_grad: *const projection_bf16, model_grad: *const projection_bf16, n: usize,
        out: *mut projection_bf16,
    ) -> projection_status;
    pub fn projection_alphaless_gradient_f16(
        noise_grad: *const projection_f16, model_grad: *const projection_f16, n: usize,
        out: *mut projection_f16,
    ) -> projection_status;

    // ---- 3. a list of tensors as one vector: projection_<op>_list_<type>
    pub fn projection_vector_projection_list_f32(
        a: *const *const f32, b: *const *const f32, n: *const usize, count: usize,
        out: *const *mut f32,
    ) -> projection_status;
    pub fn projection_vector_projection_list_f64(
        a: *const *const f64, b: *const *const f64, n: *const usize, count: usize,
        out: *const *mut f64,
    ) -> projection_status;
    pub fn projection_vector_projection_list_bf16(
        a: *const *const projection_bf16, b: *const *const projection_bf16, n: *const usize,
        count: usize, out: *const *mut projection_bf16,
    ) -> projection_status;
    pub fn projection_vector_projection_list_f16(
        a: *const *const projection_f16, b: *const *const projection_f16, n: *const usize,
        count: usize, out: *const *mut projection_f16,
    ) -> projection_status;
    pub fn projection_order_by_norm_list_f32(
        a: *const *const f32, b: *const *const f32, n: *const usize, count: usize, ord: f64,
        swapped: *mut c_int, norm_a: *mut f64, norm_b: *mut f64,
    ) -> projection_status;
    pub fn projection_order_by_norm_list_f64(
        a: *const *const f64, b: *const *const f64, n: *const usize, count: usize, ord: f64,
        swapped: *mut c_int, norm_a: *mut f64, norm_b: *mut f64,
    ) -> projection_status;
    pub fn projection_order_by_norm_list_bf16(
        a: *const *const projection_bf16, b: *const *const projection_bf16, n: *const usize,
        count: usize, ord: f64, swapped: *mut c_int, norm_a: *mut f64, norm_b: *mut f64,
    ) -> projection_status;
    pub fn projection_order_by_norm_list_f16(
        a: *const *const projection_f16, b: *const *const projection_f16, n: *const usize,
        count: usize, ord: f64, swapped: *mut c_int, norm_a: *mut f64, norm_b: *mut f64,
    ) -> projection_status;
    pub fn projection_project_out_smaller_list_f32(
        a: *const *const f32, b: *const *const f32, n: *const usize, count: usize,
        out: *const *mut f32,
    ) -> projection_status;
    pub fn projection_project_out_smaller_list_f64(
        a: *const *const f64, b: *const *const f64, n: *const usize, count: usize,
        out: *const *mut f64,
    ) -> projection_status;
    pub fn projection_project_out_smaller_list_bf16(
        a: *const *const projection_bf16, b: *const *const projection_bf16, n: *const usize,
        count: usize, out: *const *mut projection_bf16,
    ) -> projection_status;
    pub fn projection_project_out_smaller_list_f16(
        a: *const *const projection_f16, b: *const *const projection_f16, n: *const usize,
        count: usize, out: *const *mut projection_f16,
    ) -> projection_status;
    pub fn projection_equivalent_alpha_list_f32(
        noise_grad: *const *const f32, model_grad: *const *const f32, n: *const usize,
        count: usize, alpha: *mut f64, scale: *mut f64,
    ) -> projection_status;
    pub fn projection_equivalent_alpha_list_f64(
        noise_grad: *const *const f64, model_grad: *const *const f64, n: *const usize,
        count: usize, alpha: *mut f64, scale: *mut f64,
    ) -> projection_status;
    pub fn projection_equivalent_alpha_list_bf16(
        noise_grad: *const *const projection_bf16, model_grad: *const *const projection_bf16,
        n: *const usize, count: usize, alpha: *mut f64, scale: *mut f64,
    ) -> projection_status;
    pub fn projection_equivalent_alpha_list_f16(
        noise_grad: *const *const projection_f16, model_grad: *const *const projection_f16,
        n: *const usize, count: usize, alpha: *mut f64, scale: *mut f64,
    ) -> projection_status;
    pub fn projection_alphaless_gradient_list_f32(
        noise_grad: *const *const f32, model_grad: *const *const f32, n: *const usize,
        count: usize, out: *const *mut f32,
    ) -> projection_status;
    pub fn projection_alphaless_gradient_list_f64(
        noise_grad: *const *const f64, model_grad: *const *const f64, n: *const usize,
        count: usize, out: *const *mut f64,
    ) -> projection_status;
    pub fn projection_alphaless_gradient_list_bf16(
        noise_grad: *const *const projection_bf16, model_grad: *const *const projection_bf16,
        n: *const usize, count: usize, out: *const *mut projection_bf16,
    ) -> projection_status;
    pub fn projection_alphaless_gradient_list_f16(
        noise_grad: *const *const projection_f16, model_grad: *const *const projection_f16,
        n: *const usize, count: usize, out: *const *mut projection_f16,
    ) -> projection_status;

    // ---- 4. each tensor of a list on its own: projection_<op>_each_<type>
    pub fn projection_vector_projection_each_f32(
        a: *const *const f32, b: *const *const f32, n: *const usize, count: usize,
        out: *const *mut f32,
    ) -> projection_status;
    pub fn projection_vector_projection_each_f64(
        a: *const *const f64, b: *const *const f64, n: *const usize, count: usize,
        out: *const *mut f64,
    ) -> projection_status;
    pub fn projection_vector_projection_each_bf16(
        a: *const *const projection_bf16, b: *const *const projection_bf16, n: *const usize,
        count: usize, out: *const *mut projection_bf16,
    ) -> projection_status;
    pub fn projection_vector_projection_each_f16(
        a: *const *const projection_f16, b: *const *const projection_f16, n: *const usize,
        count: usize, out: *const *mut projection_f16,
    ) -> projection_status;
    pub fn projection_order_by_norm_each_f32(
        a: *const *const f32, b: *const *const f32, n: *const usize, count: usize, ord: f64,
        swapped: *mut c_int, norm_a: *mut f64, norm_b: *mut f64,
    ) -> projection_status;
    pub fn projection_order_by_norm_each_f64(
        a: *const *const f64, b: *const *const f64, n: *const usize, count: usize, ord: f64,
        swapped: *mut c_int, norm_a: *mut f64, norm_b: *mut f64,
    ) -> projection_status;
    pub fn projection_order_by_norm_each_bf16(
        a: *const *const projection_bf16, b: *const *const projection_bf16, n: *const usize,
        count: usize, ord: f64, swapped: *mut c_int, norm_a: *mut f64, norm_b: *mut f64,
    ) -> projection_status;
    pub fn projection_order_by_norm_each_f16(
        a: *const *const projection_f16, b: *const *const projection_f16, n: *const usize,
        count: usize, ord: f64, swapped: *mut c_int, norm_a: *mut f64, norm_b: *mut f64,
    ) -> projection_status;
    pub fn projection_project_out_smaller_each_f32(
        a: *const *const f32, b: *const *const f32, n: *const usize, count: usize,
        out: *const *mut f32,
    ) -> projection_status;
    pub fn projection_project_out_smaller_each_f64(
        a: *const *const f64, b: *const *const f64, n: *const usize, count: usize,
        out: *const *mut f64,
    ) -> projection_status;
    pub fn projection_project_out_smaller_each_bf16(
        a: *const *const projection_bf16, b: *const *const projection_bf16, n: *const usize,
        count: usize, out: *const *mut projection_bf16,
    ) -> projection_status;
    pub fn projection_project_out_smaller_each_f16(
        a: *const *const projection_f16, b: *const *const projection_f16, n: *const usize,
        count: usize, out: *const *mut projection_f16,
    ) -> projection_status;
    pub fn projection_equivalent_alpha_each_f32(
        noise_grad: *const *const f32, model_grad: *const *const f32, n: *const usize,
        count: usize, alpha: *mut f64, scale: *mut f64,
    ) -> projection_status;
    pub fn projection_equivalent_alpha_each_f64(
        noise_grad: *const *const f64, model_grad: *const *const f64, n: *const usize,
        count: usize, alpha: *mut f64, scale: *mut f64,
    ) -> projection_status;
    pub fn projection_equivalent_alpha_each_bf16(
        noise_grad: *const *const projection_bf16, model_grad: *const *const projection_bf16,
        n: *const usize, count: usize, alpha: *mut f64, scale: *mut f64,
    ) -> projection_status;
    pub fn projection_equivalent_alpha_each_f16(
        noise_grad: *const *const projection_f16, model_grad: *const *const projection_f16,
        n: *const usize, count: usize, alpha: *mut f64, scale: *mut f64,
    ) -> projection_status;
    pub fn projection_alphaless_gradient_each_f32(
        noise_grad: *const *const f32, model_grad: *const *const f32, n: *const usize,
        count: usize, out: *const *mut f32,
    ) -> projection_status;
    pub fn projection_alphaless_gradient_each_f64(
        noise_grad: *const *const f64, model_grad: *const *const f64, n: *const usize,
        count: usize, out: *const *mut f64,
    ) -> projection_status;
    pub fn projection_alphaless_gradient_each_bf16(
        noise_grad: *const *const projection_bf16, model_grad: *const *const projection_bf16,
        n: *const usize, count: usize, out: *const *mut projection_bf16,
    ) -> projection_status;
    pub fn projection_alphaless_gradient_each_f16(
        noise_grad: *const *const projection_f16, model_grad: *const *const projection_f16,
        n: *const usize, count: usize, out: *const *mut projection_f16,
    ) -> projection_status;

    // ---- 5. shards across processes: partial sums
    pub fn projection_partials_init(p: *mut projection_partials);
    pub fn projection_partials_add_f32(
        p: *mut projection_partials, a: *const f32, b: *const f32, n: usize, offset: u64,
    ) -> projection_status;
    pub fn projection_partials_add_f64(
        p: *mut projection_partials, a: *const f64, b: *const f64, n: usize, offset: u64,
    ) -> projection_status;
    pub fn projection_partials_add_bf16(
        p: *mut projection_partials, a: *const projection_bf16, b: *const projection_bf16,
        n: usize, offset: u64,
    ) -> projection_status;
    pub fn projection_partials_add_f16(
        p: *mut projection_partials, a: *const projection_f16, b: *const projection_f16,
        n: usize, offset: u64,
    ) -> projection_status;
    pub fn projection_partials_merge(
        into: *mut projection_partials, from: *const projection_partials,
    ) -> projection_status;
    pub fn projection_partials_order_by_norm(
        p: *const projection_partials, swapped: *mut c_int, norm_a: *mut f64, norm_b: *mut f64,
    ) -> projection_status;
    pub fn projection_partials_equivalent_alpha(
        p: *const projection_partials, alpha: *mut f64, scale: *mut f64,
    ) -> projection_status;
    pub fn projection_partials_vector_projection_f32(
        p: *const projection_partials, a: *const f32, b: *const f32, n: usize, out: *mut f32,
    ) -> projection_status;
    pub fn projection_partials_vector_projection_f64(
        p: *const projection_partials, a: *const f64, b: *const f64, n: usize, out: *mut f64,
    ) -> projection_status;
    pub fn projection_partials_vector_projection_bf16(
        p: *const projection_partials, a: *const projection_bf16, b: *const projection_bf16,
        n: usize, out: *mut projection_bf16,
    ) -> projection_status;
    pub fn projection_partials_vector_projection_f16(
        p: *const projection_partials, a: *const projection_f16, b: *const projection_f16,
        n: usize, out: *mut projection_f16,
    ) -> projection_status;
    pub fn projection_partials_project_out_smaller_f32(
        p: *const projection_partials, a: *const f32, b: *const f32, n: usize, out: *mut f32,
    ) -> projection_status;
    pub fn projection_partials_project_out_smaller_f64(
        p: *const projection_partials, a: *const f64, b: *const f64, n: usize, out: *mut f64,
    ) -> projection_status;
    pub fn projection_partials_project_out_smaller_bf16(
        p: *const projection_partials, a: *const projection_bf16, b: *const projection_bf16,
        n: usize, out: *mut projection_bf16,
    ) -> projection_status;
    pub fn projection_partials_project_out_smaller_f16(
        p: *const projection_partials, a: *const projection_f16, b: *const projection_f16,
        n: usize, out: *mut projection_f16,
    ) -> projection_status;
    pub fn projection_partials_alphaless_gradient_f32(
        p: *const projection_partials, noise_grad: *const f32, model_grad: *const f32, n: usize,
        out: *mut f32,
    ) -> projection_status;
    pub fn projection_partials_alphaless_gradient_f64(
        p: *const projection_partials, noise_grad: *const f64, model_grad: *const f64, n: usize,
        out: *mut f64,
    ) -> projection_status;
    pub fn projection_partials_alphaless_gradient_bf16(
        p: *const projection_partials, noise_grad: *const projection_bf16,
        model_grad: *const projection_bf16, n: usize, out: *mut projection_bf16,
    ) -> projection_status;
    pub fn projection_partials_alphaless_gradient_f16(
        p: *const projection_partials, noise_grad: *const projection_f16,
        model_grad: *const projection_f16, n: usize, out: *mut projection_f16,
    ) -> projection_status;

    // ---- 6. library queries
    pub fn projection_status_string(s: projection_status) -> *const c_char;
    pub fn projection_version_string() -> *const c_char;
    pub fn projection_version_number() -> c_uint;
    pub fn projection_simd_arch() -> *const c_char;
    pub fn projection_set_num_threads(n: c_int);
    pub fn projection_get_num_threads() -> c_int;
}
