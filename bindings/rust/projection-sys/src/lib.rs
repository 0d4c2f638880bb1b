//! Raw declarations of the C ABI in `projection/projection.h` (ABI version 1).
//!
//! Everything here is `unsafe` to call; use the `projection` crate for a safe API.
//! The library is found with `pkg-config` at build time (see `build.rs`).
#![no_std]
#![allow(non_camel_case_types)]

use core::ffi::{c_char, c_double, c_int, c_uint};

/// `projection_status`: a C enum; its values are part of the ABI.
pub type projection_status = c_int;
pub const PROJECTION_OK: projection_status = 0;
pub const PROJECTION_ERR_NULL: projection_status = 1;
pub const PROJECTION_ERR_OVERLAP: projection_status = 2;
pub const PROJECTION_ERR_ARGUMENT: projection_status = 3;
pub const PROJECTION_ERR_NONFINITE: projection_status = 4;

pub const PROJECTION_VERSION_MAJOR: c_uint = 1;

extern "C" {
    pub fn projection_vector_projection_f32(a: *const f32, b: *const f32, n: usize, out: *mut f32)
        -> projection_status;
    pub fn projection_vector_projection_f64(a: *const f64, b: *const f64, n: usize, out: *mut f64)
        -> projection_status;

    pub fn projection_order_by_norm_f32(a: *const f32, b: *const f32, n: usize, ord: c_double,
                                        swapped: *mut c_int, norm_a: *mut c_double,
                                        norm_b: *mut c_double) -> projection_status;
    pub fn projection_order_by_norm_f64(a: *const f64, b: *const f64, n: usize, ord: c_double,
                                        swapped: *mut c_int, norm_a: *mut c_double,
                                        norm_b: *mut c_double) -> projection_status;

    pub fn projection_project_out_smaller_f32(a: *const f32, b: *const f32, n: usize,
                                              out: *mut f32) -> projection_status;
    pub fn projection_project_out_smaller_f64(a: *const f64, b: *const f64, n: usize,
                                              out: *mut f64) -> projection_status;

    pub fn projection_equivalent_alpha_f32(noise_grad: *const f32, model_grad: *const f32,
                                           n: usize, alpha: *mut c_double, scale: *mut c_double)
        -> projection_status;
    pub fn projection_equivalent_alpha_f64(noise_grad: *const f64, model_grad: *const f64,
                                           n: usize, alpha: *mut c_double, scale: *mut c_double)
        -> projection_status;

    pub fn projection_alphaless_gradient_f32(noise_grad: *const f32, model_grad: *const f32,
                                             n: usize, out: *mut f32) -> projection_status;
    pub fn projection_alphaless_gradient_f64(noise_grad: *const f64, model_grad: *const f64,
                                             n: usize, out: *mut f64) -> projection_status;

    pub fn projection_status_string(s: projection_status) -> *const c_char;
    pub fn projection_version_string() -> *const c_char;
    pub fn projection_version_number() -> c_uint;
    pub fn projection_simd_arch() -> *const c_char;
    pub fn projection_set_num_threads(n: c_int);
    pub fn projection_get_num_threads() -> c_int;
}
