//! Safe Rust API for `libprojection`: the gradient-projection arithmetic of "alphaless"
//! noise-layer training, over `f32` and `f64` slices.
//!
//! Every function is generic over [`Element`] (`f32` or `f64`), checks slice lengths before
//! calling the library, and returns a [`Result`] whose [`Error`] mirrors the C status codes.
//! Scalars (norms, `alpha`, `scale`) are `f64` for both element types.
//!
//! ```
//! let noise = [3.0f32, 0.0];
//! let model = [1.0f32, 1.0];
//! let g = projection::alphaless_gradient(&noise, &model)?;
//! let (alpha, scale) = projection::equivalent_alpha_and_scaling_factor(&noise, &model)?;
//! for i in 0..2 {
//!     let composite = alpha * noise[i] as f64 + (1.0 - alpha) * model[i] as f64;
//!     assert!((scale * composite - g[i] as f64).abs() < 1e-6);
//! }
//! # Ok::<(), projection::Error>(())
//! ```
#![deny(missing_docs)]

use projection_sys as sys;
use std::ffi::CStr;
use std::fmt;

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

/// An element type the library works on: `f32` or `f64`. Sealed: it cannot be implemented
/// outside this crate.
pub trait Element:
    sealed::Sealed + Copy + Default + PartialEq + PartialOrd + fmt::Debug + Send + Sync + 'static
{
    #[doc(hidden)]
    unsafe fn raw_vector_projection(a: *const Self, b: *const Self, n: usize, out: *mut Self)
        -> sys::projection_status;
    #[doc(hidden)]
    unsafe fn raw_order_by_norm(a: *const Self, b: *const Self, n: usize, ord: f64,
                                swapped: *mut i32, na: *mut f64, nb: *mut f64)
        -> sys::projection_status;
    #[doc(hidden)]
    unsafe fn raw_project_out_smaller(a: *const Self, b: *const Self, n: usize, out: *mut Self)
        -> sys::projection_status;
    #[doc(hidden)]
    unsafe fn raw_equivalent_alpha(a: *const Self, b: *const Self, n: usize, alpha: *mut f64,
                                   scale: *mut f64) -> sys::projection_status;
    #[doc(hidden)]
    unsafe fn raw_alphaless_gradient(a: *const Self, b: *const Self, n: usize, out: *mut Self)
        -> sys::projection_status;
}

macro_rules! element {
    ($t:ty, $vp:ident, $ob:ident, $pos:ident, $ea:ident, $ag:ident) => {
        impl Element for $t {
            unsafe fn raw_vector_projection(a: *const $t, b: *const $t, n: usize, out: *mut $t)
                -> sys::projection_status { sys::$vp(a, b, n, out) }
            unsafe fn raw_order_by_norm(a: *const $t, b: *const $t, n: usize, ord: f64,
                                        swapped: *mut i32, na: *mut f64, nb: *mut f64)
                -> sys::projection_status { sys::$ob(a, b, n, ord, swapped, na, nb) }
            unsafe fn raw_project_out_smaller(a: *const $t, b: *const $t, n: usize,
                                              out: *mut $t)
                -> sys::projection_status { sys::$pos(a, b, n, out) }
            unsafe fn raw_equivalent_alpha(a: *const $t, b: *const $t, n: usize,
                                           alpha: *mut f64, scale: *mut f64)
                -> sys::projection_status { sys::$ea(a, b, n, alpha, scale) }
            unsafe fn raw_alphaless_gradient(a: *const $t, b: *const $t, n: usize,
                                             out: *mut $t)
                -> sys::projection_status { sys::$ag(a, b, n, out) }
        }
    };
}
element!(f32, projection_vector_projection_f32, projection_order_by_norm_f32,
         projection_project_out_smaller_f32, projection_equivalent_alpha_f32,
         projection_alphaless_gradient_f32);
element!(f64, projection_vector_projection_f64, projection_order_by_norm_f64,
         projection_project_out_smaller_f64, projection_equivalent_alpha_f64,
         projection_alphaless_gradient_f64);

/// What went wrong: one variant per C status code, plus the length check done here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// `PROJECTION_ERR_NULL`: a required pointer was NULL (cannot come from safe slices).
    Null,
    /// `PROJECTION_ERR_OVERLAP`: the output partially overlaps an input.
    Overlap,
    /// `PROJECTION_ERR_ARGUMENT`: an argument outside its domain (a NaN norm order).
    Argument,
    /// `PROJECTION_ERR_NONFINITE`: an input holds NaN or Inf.
    NonFinite,
    /// The slices have different lengths; caught before calling the library.
    LengthMismatch {
        /// the length of the first slice
        expected: usize,
        /// the length of the slice that differs
        found: usize,
    },
    /// A status code this crate does not know (a newer library).
    Unknown(i32),
}

impl Error {
    /// The error for a C status code; `None` for `PROJECTION_OK`.
    pub fn from_status(status: i32) -> Option<Error> {
        match status {
            sys::PROJECTION_OK => None,
            sys::PROJECTION_ERR_NULL => Some(Error::Null),
            sys::PROJECTION_ERR_OVERLAP => Some(Error::Overlap),
            sys::PROJECTION_ERR_ARGUMENT => Some(Error::Argument),
            sys::PROJECTION_ERR_NONFINITE => Some(Error::NonFinite),
            other => Some(Error::Unknown(other)),
        }
    }

    /// The C status code, or `None` for [`Error::LengthMismatch`].
    pub fn status(&self) -> Option<i32> {
        match *self {
            Error::Null => Some(sys::PROJECTION_ERR_NULL),
            Error::Overlap => Some(sys::PROJECTION_ERR_OVERLAP),
            Error::Argument => Some(sys::PROJECTION_ERR_ARGUMENT),
            Error::NonFinite => Some(sys::PROJECTION_ERR_NONFINITE),
            Error::Unknown(s) => Some(s),
            Error::LengthMismatch { .. } => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self, self.status()) {
            (Error::LengthMismatch { expected, found }, _) => {
                write!(f, "slice lengths differ: {expected} and {found}")
            }
            (_, Some(s)) => f.write_str(&status_string(s)),
            (_, None) => unreachable!(),
        }
    }
}

impl std::error::Error for Error {}

/// `Result` with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

fn check(status: sys::projection_status) -> Result<()> {
    match Error::from_status(status) {
        None => Ok(()),
        Some(e) => Err(e),
    }
}

fn same_len(a: usize, b: usize) -> Result<()> {
    if a == b {
        Ok(())
    } else {
        Err(Error::LengthMismatch { expected: a, found: b })
    }
}

fn c_string(p: *const std::os::raw::c_char) -> String {
    if p.is_null() {
        return String::new();
    }
    // SAFETY: the library returns static NUL-terminated strings.
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}

/// The library's description of a status code (`projection_status_string`).
pub fn status_string(status: i32) -> String {
    // SAFETY: takes any value, returns a static string.
    c_string(unsafe { sys::projection_status_string(status) })
}

/// The version of the library actually linked, `"MAJOR.MINOR.PATCH"`.
///
/// ```
/// assert!(projection::version().starts_with("1."));
/// ```
pub fn version() -> String {
    // SAFETY: no arguments, returns a static string.
    c_string(unsafe { sys::projection_version_string() })
}

/// `MAJOR*10000 + MINOR*100 + PATCH` of the library actually linked.
pub fn version_number() -> u32 {
    // SAFETY: no arguments.
    unsafe { sys::projection_version_number() }
}

/// The kernels' instruction set in use: `"sse2"`, `"fma3+avx2"` or `"avx512bw"`.
pub fn simd_arch() -> String {
    // SAFETY: no arguments, returns a static string.
    c_string(unsafe { sys::projection_simd_arch() })
}

/// Sets the threads used for large inputs, for the whole process; `0` (or less) restores
/// the OpenMP default.
pub fn set_num_threads(n: i32) {
    // SAFETY: any value is accepted.
    unsafe { sys::projection_set_num_threads(n) }
}

/// The number of threads a large call would use now (at least 1).
pub fn num_threads() -> i32 {
    // SAFETY: no arguments.
    unsafe { sys::projection_get_num_threads() }
}

type RawBinary<T> = unsafe fn(*const T, *const T, usize, *mut T) -> sys::projection_status;

fn into_op<T: Element>(f: RawBinary<T>, a: &[T], b: &[T], out: &mut [T]) -> Result<()> {
    same_len(a.len(), b.len())?;
    same_len(a.len(), out.len())?;
    // SAFETY: three valid slices of the same length n; `out` is a unique borrow, so it
    // cannot overlap `a` or `b`.
    check(unsafe { f(a.as_ptr(), b.as_ptr(), a.len(), out.as_mut_ptr()) })
}

fn vec_op<T: Element>(f: RawBinary<T>, a: &[T], b: &[T]) -> Result<Vec<T>> {
    let mut out = vec![T::default(); a.len()];
    into_op(f, a, b, &mut out)?;
    Ok(out)
}

fn in_place_op<T: Element>(f: RawBinary<T>, a: &mut [T], b: &[T]) -> Result<()> {
    same_len(a.len(), b.len())?;
    let p = a.as_mut_ptr();
    // SAFETY: `out` is exactly `a`, which the C ABI allows (in place); on error the
    // library writes nothing.
    check(unsafe { f(p, b.as_ptr(), b.len(), p) })
}

/// The projection of `a` onto `b`, `(a·b / b·b) b`; the zero vector when `b` is zero.
///
/// ```
/// let p = projection::vector_projection(&[2.0f64, 3.0], &[1.0, 0.0])?;
/// assert_eq!(p, vec![2.0, 0.0]);
/// assert_eq!(projection::vector_projection(&[2.0f32, 3.0], &[0.0, 0.0])?, vec![0.0, 0.0]);
/// # Ok::<(), projection::Error>(())
/// ```
pub fn vector_projection<T: Element>(a: &[T], b: &[T]) -> Result<Vec<T>> {
    vec_op(T::raw_vector_projection, a, b)
}

/// [`vector_projection`] into `out` (same length).
pub fn vector_projection_into<T: Element>(a: &[T], b: &[T], out: &mut [T]) -> Result<()> {
    into_op(T::raw_vector_projection, a, b, out)
}

/// [`vector_projection`] in place: `a` is replaced by its projection onto `b`.
///
/// ```
/// let mut a = [2.0f32, 3.0];
/// projection::vector_projection_in_place(&mut a, &[0.0, 5.0])?;
/// assert_eq!(a, [0.0, 3.0]);
/// # Ok::<(), projection::Error>(())
/// ```
pub fn vector_projection_in_place<T: Element>(a: &mut [T], b: &[T]) -> Result<()> {
    in_place_op(T::raw_vector_projection, a, b)
}

/// The outcome of [`order_by_norm`]: whether `(b, a)` is the `(smaller, larger)` order,
/// and both norms.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NormOrder {
    /// `false`: `a` is the smaller (or the norms are equal); `true`: `b` is.
    pub swapped: bool,
    /// the norm of `a`
    pub norm_a: f64,
    /// the norm of `b`
    pub norm_b: f64,
}

/// The norms of order `ord` of `a` and `b` (as `torch.linalg.vector_norm`: `2.0`, `1.0`,
/// `f64::INFINITY`, `f64::NEG_INFINITY`, `0.0`, any finite p) and their order.
///
/// ```
/// let o = projection::order_by_norm(&[3.0f64, 4.0], &[1.0, 1.0], 2.0)?;
/// assert!(o.swapped);
/// assert_eq!(o.norm_a, 5.0);
/// assert_eq!(projection::order_by_norm(&[1.0f64], &[1.0], f64::NAN),
///            Err(projection::Error::Argument));
/// # Ok::<(), projection::Error>(())
/// ```
pub fn order_by_norm<T: Element>(a: &[T], b: &[T], ord: f64) -> Result<NormOrder> {
    same_len(a.len(), b.len())?;
    let (mut swapped, mut na, mut nb) = (0i32, 0f64, 0f64);
    // SAFETY: valid slices of length n and valid result pointers.
    check(unsafe {
        T::raw_order_by_norm(a.as_ptr(), b.as_ptr(), a.len(), ord, &mut swapped, &mut na, &mut nb)
    })?;
    Ok(NormOrder { swapped: swapped != 0, norm_a: na, norm_b: nb })
}

/// `(smaller, larger)` of the two slices by their norm of order `ord`; a stable order
/// (equal norms keep `(a, b)`), as the original `order_tensors_by_norm`.
///
/// ```
/// let (a, b) = ([3.0f32, 4.0], [1.0f32, 1.0]);
/// let (small, large) = projection::order_tensors_by_norm(&a, &b, 2.0)?;
/// assert_eq!((small, large), (&b[..], &a[..]));
/// # Ok::<(), projection::Error>(())
/// ```
pub fn order_tensors_by_norm<'s, T: Element>(a: &'s [T], b: &'s [T], ord: f64)
    -> Result<(&'s [T], &'s [T])> {
    let o = order_by_norm(a, b, ord)?;
    Ok(if o.swapped { (b, a) } else { (a, b) })
}

/// The larger (2-norm) of `a` and `b` with its component along the smaller removed:
/// `L - proj(L, S)`. Symmetric in its arguments except for exact ties of the norms.
///
/// ```
/// let r = projection::project_out_smaller(&[1.0f64, 0.0], &[3.0, 4.0])?;
/// assert_eq!(r, vec![0.0, 4.0]);
/// # Ok::<(), projection::Error>(())
/// ```
pub fn project_out_smaller<T: Element>(a: &[T], b: &[T]) -> Result<Vec<T>> {
    vec_op(T::raw_project_out_smaller, a, b)
}

/// [`project_out_smaller`] into `out` (same length).
pub fn project_out_smaller_into<T: Element>(a: &[T], b: &[T], out: &mut [T]) -> Result<()> {
    into_op(T::raw_project_out_smaller, a, b, out)
}

/// [`project_out_smaller`] in place: the result replaces `a`.
pub fn project_out_smaller_in_place<T: Element>(a: &mut [T], b: &[T]) -> Result<()> {
    in_place_op(T::raw_project_out_smaller, a, b)
}

/// The alphaless gradient `L + (1 - k) S`, with `(S, L)` the 2-norm order of the two
/// gradients and `k = L·S / S·S` (0 when `S` is zero).
///
/// ```
/// let g = projection::alphaless_gradient(&[1.0f64, 0.0], &[2.0, 2.0])?;
/// assert_eq!(g, vec![1.0, 2.0]); // k = 2: [2, 2] + (1 - 2) [1, 0]
/// # Ok::<(), projection::Error>(())
/// ```
pub fn alphaless_gradient<T: Element>(noise_grad: &[T], model_grad: &[T]) -> Result<Vec<T>> {
    vec_op(T::raw_alphaless_gradient, noise_grad, model_grad)
}

/// [`alphaless_gradient`] into `out` (same length).
pub fn alphaless_gradient_into<T: Element>(noise_grad: &[T], model_grad: &[T], out: &mut [T])
    -> Result<()> {
    into_op(T::raw_alphaless_gradient, noise_grad, model_grad, out)
}

/// [`alphaless_gradient`] in place: the result replaces `noise_grad`.
pub fn alphaless_gradient_in_place<T: Element>(noise_grad: &mut [T], model_grad: &[T])
    -> Result<()> {
    in_place_op(T::raw_alphaless_gradient, noise_grad, model_grad)
}

/// `(alpha, scale)` with `alphaless_gradient = scale * (alpha g_noise + (1 - alpha) g_model)`,
/// the original `calculate_equivalent_alpha_and_scaling_factor`. `alpha` is `±inf` when
/// `scale == 0`.
///
/// ```
/// let (alpha, scale) =
///     projection::equivalent_alpha_and_scaling_factor(&[0.0f32, 1.0], &[2.0, 0.0])?;
/// assert_eq!((alpha, scale), (0.5, 2.0)); // orthogonal: both coefficients are 1
/// # Ok::<(), projection::Error>(())
/// ```
pub fn equivalent_alpha_and_scaling_factor<T: Element>(noise_grad: &[T], model_grad: &[T])
    -> Result<(f64, f64)> {
    same_len(noise_grad.len(), model_grad.len())?;
    let (mut alpha, mut scale) = (0f64, 0f64);
    // SAFETY: valid slices of length n and valid result pointers.
    check(unsafe {
        T::raw_equivalent_alpha(noise_grad.as_ptr(), model_grad.as_ptr(), noise_grad.len(),
                                &mut alpha, &mut scale)
    })?;
    Ok((alpha, scale))
}
