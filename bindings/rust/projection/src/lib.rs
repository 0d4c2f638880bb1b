//! Safe Rust API for `libprojection`: the gradient-projection arithmetic of "alphaless"
//! noise-layer training.
//!
//! * **Element types** ([`Element`]): `f32`, `f64`, and with the feature `half`
//!   `half::bf16` and `half::f16`. Scalars (norms, `alpha`, `scale`) are `f64` for all.
//! * **One buffer per input**: [`vector_projection`], [`order_by_norm`] /
//!   [`order_tensors_by_norm`], [`project_out_smaller`], [`alphaless_gradient`],
//!   [`equivalent_alpha_and_scaling_factor`], with `_into` (into a given slice) and
//!   `_in_place` (the result replaces the first argument) forms.
//! * **A list of tensors as one vector** (a model's parameters): the module [`list`], bitwise
//!   the same results as the single call on the concatenation, without copying.
//! * **Each tensor of a list on its own**, in one call: the module [`each`].
//! * **Shards across processes**: [`Partials`] (exact partial sums to merge over any
//!   transport, then the global results on each process's own shard).
//!
//! Every function checks slice lengths before calling the library and returns a
//! [`Result`] whose [`Error`] mirrors the C status codes.
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
use std::os::raw::c_int;

mod sealed {
    pub trait Sealed {}
}

/// The C functions of one element type, as a table (an implementation detail of
/// [`Element`]).
#[doc(hidden)]
pub mod raw {
    use super::sys;
    use std::os::raw::c_int;
    type S = sys::projection_status;
    type P = sys::projection_partials;

    pub type Binary<R> = unsafe extern "C" fn(*const R, *const R, usize, *mut R) -> S;
    pub type Order<R> =
        unsafe extern "C" fn(*const R, *const R, usize, f64, *mut c_int, *mut f64, *mut f64) -> S;
    pub type Alpha<R> = unsafe extern "C" fn(*const R, *const R, usize, *mut f64, *mut f64) -> S;
    pub type ListBinary<R> =
        unsafe extern "C" fn(*const *const R, *const *const R, *const usize, usize, *const *mut R)
            -> S;
    pub type ListOrder<R> = unsafe extern "C" fn(*const *const R, *const *const R, *const usize,
                                                 usize, f64, *mut c_int, *mut f64, *mut f64) -> S;
    pub type ListAlpha<R> = unsafe extern "C" fn(*const *const R, *const *const R, *const usize,
                                                 usize, *mut f64, *mut f64) -> S;
    pub type PartialsAdd<R> = unsafe extern "C" fn(*mut P, *const R, *const R, usize, u64) -> S;
    pub type PartialsBinary<R> =
        unsafe extern "C" fn(*const P, *const R, *const R, usize, *mut R) -> S;

    /// The five operations in one form (single buffer, list, each).
    pub struct Forms<B, O, A> {
        pub vector_projection: B,
        pub order_by_norm: O,
        pub project_out_smaller: B,
        pub equivalent_alpha: A,
        pub alphaless_gradient: B,
    }

    /// Every C function of one element type `R`.
    pub struct Ops<R: 'static> {
        pub single: Forms<Binary<R>, Order<R>, Alpha<R>>,
        pub list: Forms<ListBinary<R>, ListOrder<R>, ListAlpha<R>>,
        pub each: Forms<ListBinary<R>, ListOrder<R>, ListAlpha<R>>,
        pub partials_add: PartialsAdd<R>,
        pub partials_vector_projection: PartialsBinary<R>,
        pub partials_project_out_smaller: PartialsBinary<R>,
        pub partials_alphaless_gradient: PartialsBinary<R>,
    }
}

/// The three operations that write a vector.
#[derive(Clone, Copy)]
enum Op {
    VectorProjection,
    ProjectOutSmaller,
    AlphalessGradient,
}

impl<B: Copy, O, A> raw::Forms<B, O, A> {
    fn binary(&self, op: Op) -> B {
        match op {
            Op::VectorProjection => self.vector_projection,
            Op::ProjectOutSmaller => self.project_out_smaller,
            Op::AlphalessGradient => self.alphaless_gradient,
        }
    }
}

/// An element type the library works on: `f32`, `f64`, and with the feature `half`
/// [`half::bf16`](https://docs.rs/half/2/half/struct.bf16.html) and
/// [`half::f16`](https://docs.rs/half/2/half/struct.f16.html). Sealed: it cannot be
/// implemented outside this crate.
///
/// For `bf16` and `f16` the sums are accumulated in `f64` (their products are exact there)
/// and every output element is rounded once, to nearest even, from the value computed in
/// `f64`: within 1 unit in the last place of the exact `x + c*y` for the computed
/// coefficient `c`. `f16` saturates at 65504, so large `f16` gradients can give infinite
/// outputs where `f32` would not.
pub trait Element:
    sealed::Sealed + Copy + Default + PartialEq + PartialOrd + fmt::Debug + Send + Sync + 'static
{
    /// The C element type: `f32`, `f64`, `projection_bf16` or `projection_f16` (same size
    /// and alignment as `Self`).
    #[doc(hidden)]
    type Raw: 'static;
    /// The C functions for this type.
    #[doc(hidden)]
    const OPS: raw::Ops<Self::Raw>;
}

macro_rules! element {
    ($t:ty => $raw:ty,
     [$vp:ident, $ob:ident, $pos:ident, $ea:ident, $ag:ident],
     [$lvp:ident, $lob:ident, $lpos:ident, $lea:ident, $lag:ident],
     [$evp:ident, $eob:ident, $epos:ident, $eea:ident, $eag:ident],
     $padd:ident,
     [$pvp:ident, $ppos:ident, $pag:ident]) => {
        impl sealed::Sealed for $t {}
        impl Element for $t {
            type Raw = $raw;
            const OPS: raw::Ops<$raw> = raw::Ops {
                single: raw::Forms { vector_projection: sys::$vp, order_by_norm: sys::$ob,
                                     project_out_smaller: sys::$pos, equivalent_alpha: sys::$ea,
                                     alphaless_gradient: sys::$ag },
                list: raw::Forms { vector_projection: sys::$lvp, order_by_norm: sys::$lob,
                                   project_out_smaller: sys::$lpos, equivalent_alpha: sys::$lea,
                                   alphaless_gradient: sys::$lag },
                each: raw::Forms { vector_projection: sys::$evp, order_by_norm: sys::$eob,
                                   project_out_smaller: sys::$epos, equivalent_alpha: sys::$eea,
                                   alphaless_gradient: sys::$eag },
                partials_add: sys::$padd,
                partials_vector_projection: sys::$pvp,
                partials_project_out_smaller: sys::$ppos,
                partials_alphaless_gradient: sys::$pag,
            };
        }
        // Slices of `$t` are passed as arrays of `$raw`.
        const _: () = assert!(std::mem::size_of::<$t>() == std::mem::size_of::<$raw>()
                              && std::mem::align_of::<$t>() == std::mem::align_of::<$raw>());
    };
}

element!(f32 => f32,
    [projection_vector_projection_f32, projection_order_by_norm_f32,
     projection_project_out_smaller_f32, projection_equivalent_alpha_f32,
     projection_alphaless_gradient_f32],
    [projection_vector_projection_list_f32, projection_order_by_norm_list_f32,
     projection_project_out_smaller_list_f32, projection_equivalent_alpha_list_f32,
     projection_alphaless_gradient_list_f32],
    [projection_vector_projection_each_f32, projection_order_by_norm_each_f32,
     projection_project_out_smaller_each_f32, projection_equivalent_alpha_each_f32,
     projection_alphaless_gradient_each_f32],
    projection_partials_add_f32,
    [projection_partials_vector_projection_f32, projection_partials_project_out_smaller_f32,
     projection_partials_alphaless_gradient_f32]);

element!(f64 => f64,
    [projection_vector_projection_f64, projection_order_by_norm_f64,
     projection_project_out_smaller_f64, projection_equivalent_alpha_f64,
     projection_alphaless_gradient_f64],
    [projection_vector_projection_list_f64, projection_order_by_norm_list_f64,
     projection_project_out_smaller_list_f64, projection_equivalent_alpha_list_f64,
     projection_alphaless_gradient_list_f64],
    [projection_vector_projection_each_f64, projection_order_by_norm_each_f64,
     projection_project_out_smaller_each_f64, projection_equivalent_alpha_each_f64,
     projection_alphaless_gradient_each_f64],
    projection_partials_add_f64,
    [projection_partials_vector_projection_f64, projection_partials_project_out_smaller_f64,
     projection_partials_alphaless_gradient_f64]);

#[cfg(feature = "half")]
element!(half::bf16 => sys::projection_bf16,
    [projection_vector_projection_bf16, projection_order_by_norm_bf16,
     projection_project_out_smaller_bf16, projection_equivalent_alpha_bf16,
     projection_alphaless_gradient_bf16],
    [projection_vector_projection_list_bf16, projection_order_by_norm_list_bf16,
     projection_project_out_smaller_list_bf16, projection_equivalent_alpha_list_bf16,
     projection_alphaless_gradient_list_bf16],
    [projection_vector_projection_each_bf16, projection_order_by_norm_each_bf16,
     projection_project_out_smaller_each_bf16, projection_equivalent_alpha_each_bf16,
     projection_alphaless_gradient_each_bf16],
    projection_partials_add_bf16,
    [projection_partials_vector_projection_bf16, projection_partials_project_out_smaller_bf16,
     projection_partials_alphaless_gradient_bf16]);

#[cfg(feature = "half")]
element!(half::f16 => sys::projection_f16,
    [projection_vector_projection_f16, projection_order_by_norm_f16,
     projection_project_out_smaller_f16, projection_equivalent_alpha_f16,
     projection_alphaless_gradient_f16],
    [projection_vector_projection_list_f16, projection_order_by_norm_list_f16,
     projection_project_out_smaller_list_f16, projection_equivalent_alpha_list_f16,
     projection_alphaless_gradient_list_f16],
    [projection_vector_projection_each_f16, projection_order_by_norm_each_f16,
     projection_project_out_smaller_each_f16, projection_equivalent_alpha_each_f16,
     projection_alphaless_gradient_each_f16],
    projection_partials_add_f16,
    [projection_partials_vector_projection_f16, projection_partials_project_out_smaller_f16,
     projection_partials_alphaless_gradient_f16]);

/// What went wrong: one variant per C status code, plus the length checks done here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// `PROJECTION_ERR_NULL`: a required pointer was NULL (cannot come from safe slices).
    Null,
    /// `PROJECTION_ERR_OVERLAP`: the output partially overlaps an input.
    Overlap,
    /// `PROJECTION_ERR_ARGUMENT`: an argument outside its domain (a NaN norm order, an
    /// offset whose end overflows 64 bits).
    Argument,
    /// `PROJECTION_ERR_NONFINITE`: an input holds NaN or Inf (for [`Partials`]: any shard
    /// that was added held one).
    NonFinite,
    /// `PROJECTION_ERR_PARTIALS`: bytes that are not a valid [`Partials`] (from another
    /// layout version, or corrupted).
    Partials,
    /// The slices have different lengths; caught before calling the library.
    LengthMismatch {
        /// the length of the first slice
        expected: usize,
        /// the length of the slice that differs
        found: usize,
    },
    /// The lists hold different numbers of tensors; caught before calling the library.
    CountMismatch {
        /// the number of tensors in the first list
        expected: usize,
        /// the number in the list that differs
        found: usize,
    },
    /// Tensor `index` of the lists has different lengths in two of them; caught before
    /// calling the library.
    SegmentLengthMismatch {
        /// the position of the tensor in the lists
        index: usize,
        /// its length in the first list
        expected: usize,
        /// its length in the list that differs
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
            sys::PROJECTION_ERR_PARTIALS => Some(Error::Partials),
            other => Some(Error::Unknown(other)),
        }
    }

    /// The C status code, or `None` for the length checks done in Rust.
    pub fn status(&self) -> Option<i32> {
        match *self {
            Error::Null => Some(sys::PROJECTION_ERR_NULL),
            Error::Overlap => Some(sys::PROJECTION_ERR_OVERLAP),
            Error::Argument => Some(sys::PROJECTION_ERR_ARGUMENT),
            Error::NonFinite => Some(sys::PROJECTION_ERR_NONFINITE),
            Error::Partials => Some(sys::PROJECTION_ERR_PARTIALS),
            Error::Unknown(s) => Some(s),
            Error::LengthMismatch { .. }
            | Error::CountMismatch { .. }
            | Error::SegmentLengthMismatch { .. } => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Error::LengthMismatch { expected, found } => {
                write!(f, "slice lengths differ: {expected} and {found}")
            }
            Error::CountMismatch { expected, found } => {
                write!(f, "the lists hold different numbers of tensors: {expected} and {found}")
            }
            Error::SegmentLengthMismatch { index, expected, found } => {
                write!(f, "tensor {index} of the lists: lengths differ: {expected} and {found}")
            }
            _ => f.write_str(&status_string(self.status().unwrap_or(-1))),
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

/// The kernels' instruction set in use: `"avx512bw"`, `"fma3+avx2"` or `"sse2"` on x86-64,
/// `"neon64"` on aarch64, `"generic"` elsewhere (or when forced with `PROJECTION_ARCH`).
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

// ------------------------------------------------------------------ single buffers

fn into_op<T: Element>(op: Op, a: &[T], b: &[T], out: &mut [T]) -> Result<()> {
    same_len(a.len(), b.len())?;
    same_len(a.len(), out.len())?;
    let f = T::OPS.single.binary(op);
    // SAFETY: three valid slices of the same length n, of a type with the layout of
    // T::Raw; `out` is a unique borrow, so it cannot overlap `a` or `b`.
    check(unsafe { f(a.as_ptr().cast(), b.as_ptr().cast(), a.len(), out.as_mut_ptr().cast()) })
}

fn vec_op<T: Element>(op: Op, a: &[T], b: &[T]) -> Result<Vec<T>> {
    let mut out = vec![T::default(); a.len()];
    into_op(op, a, b, &mut out)?;
    Ok(out)
}

fn in_place_op<T: Element>(op: Op, a: &mut [T], b: &[T]) -> Result<()> {
    same_len(a.len(), b.len())?;
    let p = a.as_mut_ptr().cast::<T::Raw>();
    let f = T::OPS.single.binary(op);
    // SAFETY: `out` is exactly `a`, which the C ABI allows (in place); on error the
    // library writes nothing.
    check(unsafe { f(p, b.as_ptr().cast(), b.len(), p) })
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
    vec_op(Op::VectorProjection, a, b)
}

/// [`vector_projection`] into `out` (same length).
pub fn vector_projection_into<T: Element>(a: &[T], b: &[T], out: &mut [T]) -> Result<()> {
    into_op(Op::VectorProjection, a, b, out)
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
    in_place_op(Op::VectorProjection, a, b)
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
    let (mut swapped, mut na, mut nb) = (0 as c_int, 0f64, 0f64);
    // SAFETY: valid slices of length n and valid result pointers.
    check(unsafe {
        (T::OPS.single.order_by_norm)(a.as_ptr().cast(), b.as_ptr().cast(), a.len(), ord,
                                      &mut swapped, &mut na, &mut nb)
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
    vec_op(Op::ProjectOutSmaller, a, b)
}

/// [`project_out_smaller`] into `out` (same length).
pub fn project_out_smaller_into<T: Element>(a: &[T], b: &[T], out: &mut [T]) -> Result<()> {
    into_op(Op::ProjectOutSmaller, a, b, out)
}

/// [`project_out_smaller`] in place: the result replaces `a`.
pub fn project_out_smaller_in_place<T: Element>(a: &mut [T], b: &[T]) -> Result<()> {
    in_place_op(Op::ProjectOutSmaller, a, b)
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
    vec_op(Op::AlphalessGradient, noise_grad, model_grad)
}

/// [`alphaless_gradient`] into `out` (same length).
pub fn alphaless_gradient_into<T: Element>(noise_grad: &[T], model_grad: &[T], out: &mut [T])
    -> Result<()> {
    into_op(Op::AlphalessGradient, noise_grad, model_grad, out)
}

/// [`alphaless_gradient`] in place: the result replaces `noise_grad`.
pub fn alphaless_gradient_in_place<T: Element>(noise_grad: &mut [T], model_grad: &[T])
    -> Result<()> {
    in_place_op(Op::AlphalessGradient, noise_grad, model_grad)
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
        (T::OPS.single.equivalent_alpha)(noise_grad.as_ptr().cast(), model_grad.as_ptr().cast(),
                                         noise_grad.len(), &mut alpha, &mut scale)
    })?;
    Ok((alpha, scale))
}

// ------------------------------------------------------------------ lists

/// The pointer arrays of a list call. The pointers borrow from the caller's slices, which
/// outlive the call.
struct Segments<R> {
    a: Vec<*const R>,
    b: Vec<*const R>,
    n: Vec<usize>,
}

type ListForms<R> = raw::Forms<raw::ListBinary<R>, raw::ListOrder<R>, raw::ListAlpha<R>>;

fn same_count(a: usize, b: usize) -> Result<()> {
    if a == b {
        Ok(())
    } else {
        Err(Error::CountMismatch { expected: a, found: b })
    }
}

fn same_segment(index: usize, expected: usize, found: usize) -> Result<()> {
    if expected == found {
        Ok(())
    } else {
        Err(Error::SegmentLengthMismatch { index, expected, found })
    }
}

fn segments<T: Element, A: AsRef<[T]>, B: AsRef<[T]>>(a: &[A], b: &[B])
    -> Result<Segments<T::Raw>> {
    same_count(a.len(), b.len())?;
    let mut s = Segments { a: Vec::with_capacity(a.len()), b: Vec::with_capacity(a.len()),
                           n: Vec::with_capacity(a.len()) };
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        let (x, y) = (x.as_ref(), y.as_ref());
        same_segment(i, x.len(), y.len())?;
        s.a.push(x.as_ptr().cast());
        s.b.push(y.as_ptr().cast());
        s.n.push(x.len());
    }
    Ok(s)
}

fn outputs<T: Element, O: AsMut<[T]>>(out: &mut [O], n: &[usize]) -> Result<Vec<*mut T::Raw>> {
    same_count(n.len(), out.len())?;
    let mut ptrs = Vec::with_capacity(out.len());
    for (i, (o, &len)) in out.iter_mut().zip(n).enumerate() {
        let o = o.as_mut();
        same_segment(i, len, o.len())?;
        ptrs.push(o.as_mut_ptr().cast());
    }
    Ok(ptrs)
}

fn list_into<T, A, B, O>(forms: &ListForms<T::Raw>, op: Op, a: &[A], b: &[B], out: &mut [O])
    -> Result<()>
where T: Element, A: AsRef<[T]>, B: AsRef<[T]>, O: AsMut<[T]> {
    let s = segments(a, b)?;
    let out = outputs(out, &s.n)?;
    let f = forms.binary(op);
    // SAFETY: `count` valid segments of n[i] elements each in a, b and out; the outputs
    // are unique borrows, so none overlaps an input or another output.
    check(unsafe { f(s.a.as_ptr(), s.b.as_ptr(), s.n.as_ptr(), s.n.len(), out.as_ptr()) })
}

fn list_vec<T, A, B>(forms: &ListForms<T::Raw>, op: Op, a: &[A], b: &[B]) -> Result<Vec<Vec<T>>>
where T: Element, A: AsRef<[T]>, B: AsRef<[T]> {
    let mut out: Vec<Vec<T>> = a.iter().map(|x| vec![T::default(); x.as_ref().len()]).collect();
    list_into(forms, op, a, b, &mut out)?;
    Ok(out)
}

fn list_in_place<T, A, B>(forms: &ListForms<T::Raw>, op: Op, a: &mut [A], b: &[B]) -> Result<()>
where T: Element, A: AsMut<[T]>, B: AsRef<[T]> {
    same_count(a.len(), b.len())?;
    let (mut pa, mut pb, mut n) = (Vec::with_capacity(a.len()), Vec::with_capacity(a.len()),
                                   Vec::with_capacity(a.len()));
    for (i, (x, y)) in a.iter_mut().zip(b).enumerate() {
        let (x, y) = (x.as_mut(), y.as_ref());
        same_segment(i, x.len(), y.len())?;
        pa.push(x.as_mut_ptr().cast::<T::Raw>());
        pb.push(y.as_ptr().cast::<T::Raw>());
        n.push(x.len());
    }
    let f = forms.binary(op);
    // SAFETY: as list_into, with out[i] exactly a[i], which the C ABI allows (in place);
    // `*mut R` and `*const R` have the same layout. On error nothing is written.
    check(unsafe { f(pa.as_ptr().cast(), pb.as_ptr(), n.as_ptr(), n.len(), pa.as_ptr()) })
}

macro_rules! list_binary_fns {
    ($form:ident, $what:literal, $(($name:ident, $into:ident, $in_place:ident, $op:ident,
                                    $a:ident, $b:ident, $desc:literal)),*) => {$(
        #[doc = concat!("[`crate::", stringify!($name), "`] ", $what, " (", $desc,
                        "); a vector per tensor.")]
        pub fn $name<T, A, B>($a: &[A], $b: &[B]) -> Result<Vec<Vec<T>>>
        where T: Element, A: AsRef<[T]>, B: AsRef<[T]> {
            list_vec(&T::OPS.$form, Op::$op, $a, $b)
        }

        #[doc = concat!("[`", stringify!($name), "`] into `out`: as many tensors, each of its \
                         input's length.")]
        pub fn $into<T, A, B, O>($a: &[A], $b: &[B], out: &mut [O]) -> Result<()>
        where T: Element, A: AsRef<[T]>, B: AsRef<[T]>, O: AsMut<[T]> {
            list_into(&T::OPS.$form, Op::$op, $a, $b, out)
        }

        #[doc = concat!("[`", stringify!($name), "`] in place: the results replace `",
                        stringify!($a), "`.")]
        pub fn $in_place<T, A, B>($a: &mut [A], $b: &[B]) -> Result<()>
        where T: Element, A: AsMut<[T]>, B: AsRef<[T]> {
            list_in_place(&T::OPS.$form, Op::$op, $a, $b)
        }
    )*};
}

/// A list of tensors as **one vector**, the concatenation of its tensors, without copying
/// (the C `_list_` functions): every result is bitwise the same as the single-buffer
/// function on the concatenation, for any tensor lengths (0 included).
///
/// A list is a slice of anything that views as a slice of elements: `&[Vec<f32>]`,
/// `&[&[f32]]`, `&[[f32; 4]]`, ...; outputs are `&mut [Vec<T>]`, `&mut [&mut [T]]`, ...
/// The two input lists (and the output list) must hold as many tensors, of the same
/// lengths, tensor by tensor ([`Error::CountMismatch`], [`Error::SegmentLengthMismatch`]).
/// On any error nothing is written, in any tensor.
///
/// ```
/// use projection::list;
/// let noise = vec![vec![1.0f32, 2.0], vec![3.0]];   // two parameter tensors
/// let model = vec![vec![0.5f32, -1.0], vec![2.0]];
/// let g = list::alphaless_gradient(&noise, &model)?;    // Vec<Vec<f32>>, shaped as `noise`
/// let flat = projection::alphaless_gradient(&[1.0f32, 2.0, 3.0], &[0.5, -1.0, 2.0])?;
/// assert_eq!(g.concat(), flat);                         // bitwise
///
/// let mut grads = noise.clone();                        // in place, tensor by tensor
/// list::alphaless_gradient_in_place(&mut grads, &model)?;
/// assert_eq!(grads, g);
/// let (alpha, scale) = list::equivalent_alpha_and_scaling_factor(&noise, &model)?;
/// # let _ = (alpha, scale);
/// # Ok::<(), projection::Error>(())
/// ```
pub mod list {
    use super::*;

    list_binary_fns!(list, "of the whole list",
        (vector_projection, vector_projection_into, vector_projection_in_place,
         VectorProjection, a, b, "the projection of list `a` onto list `b`"),
        (project_out_smaller, project_out_smaller_into, project_out_smaller_in_place,
         ProjectOutSmaller, a, b, "`L - proj(L, S)` over the whole list"),
        (alphaless_gradient, alphaless_gradient_into, alphaless_gradient_in_place,
         AlphalessGradient, noise_grad, model_grad, "`L + (1 - k) S` over the whole list"));

    /// [`crate::order_by_norm`] of the two lists, each as one vector.
    pub fn order_by_norm<T, A, B>(a: &[A], b: &[B], ord: f64) -> Result<NormOrder>
    where T: Element, A: AsRef<[T]>, B: AsRef<[T]> {
        let s = segments(a, b)?;
        let (mut swapped, mut na, mut nb) = (0 as c_int, 0f64, 0f64);
        // SAFETY: valid segments and result pointers.
        check(unsafe {
            (T::OPS.list.order_by_norm)(s.a.as_ptr(), s.b.as_ptr(), s.n.as_ptr(), s.n.len(), ord,
                                        &mut swapped, &mut na, &mut nb)
        })?;
        Ok(NormOrder { swapped: swapped != 0, norm_a: na, norm_b: nb })
    }

    /// `(smaller, larger)` of the two lists by their norm of order `ord` as one vector each
    /// (equal norms keep `(a, b)`).
    pub fn order_tensors_by_norm<'s, T, A>(a: &'s [A], b: &'s [A], ord: f64)
        -> Result<(&'s [A], &'s [A])>
    where T: Element, A: AsRef<[T]> {
        let o = order_by_norm(a, b, ord)?;
        Ok(if o.swapped { (b, a) } else { (a, b) })
    }

    /// [`crate::equivalent_alpha_and_scaling_factor`] of the two lists, each as one vector.
    pub fn equivalent_alpha_and_scaling_factor<T, A, B>(noise_grad: &[A], model_grad: &[B])
        -> Result<(f64, f64)>
    where T: Element, A: AsRef<[T]>, B: AsRef<[T]> {
        let s = segments(noise_grad, model_grad)?;
        let (mut alpha, mut scale) = (0f64, 0f64);
        // SAFETY: valid segments and result pointers.
        check(unsafe {
            (T::OPS.list.equivalent_alpha)(s.a.as_ptr(), s.b.as_ptr(), s.n.as_ptr(), s.n.len(),
                                           &mut alpha, &mut scale)
        })?;
        Ok((alpha, scale))
    }
}

/// **Each tensor** of a list on its own, in one call (the C `_each_` functions): the
/// results for tensor `i` are bitwise those of the single-buffer function on `a[i]`,
/// `b[i]`. Many small tensors are spread over the threads; a large one is split as a
/// single call would. Arguments and errors as in [`list`]; on any error nothing is
/// written, in any tensor.
///
/// ```
/// use projection::each;
/// let noise = [vec![3.0f64, 0.0], vec![1.0]];
/// let model = [vec![1.0f64, 1.0], vec![2.0]];
/// let alphas = each::equivalent_alpha_and_scaling_factor(&noise, &model)?;
/// assert_eq!(alphas.len(), 2);
/// assert_eq!(alphas[1], projection::equivalent_alpha_and_scaling_factor(&[1.0], &[2.0])?);
/// let orders = each::order_by_norm(&noise, &model, 2.0)?;
/// assert!(orders[0].swapped && !orders[1].swapped);
/// # Ok::<(), projection::Error>(())
/// ```
pub mod each {
    use super::*;

    list_binary_fns!(each, "of each tensor on its own",
        (vector_projection, vector_projection_into, vector_projection_in_place,
         VectorProjection, a, b, "`a[i]` projected onto `b[i]`"),
        (project_out_smaller, project_out_smaller_into, project_out_smaller_in_place,
         ProjectOutSmaller, a, b, "`L - proj(L, S)` of each pair"),
        (alphaless_gradient, alphaless_gradient_into, alphaless_gradient_in_place,
         AlphalessGradient, noise_grad, model_grad, "`L + (1 - k) S` of each pair"));

    /// [`crate::order_by_norm`] of each pair `(a[i], b[i])`.
    pub fn order_by_norm<T, A, B>(a: &[A], b: &[B], ord: f64) -> Result<Vec<NormOrder>>
    where T: Element, A: AsRef<[T]>, B: AsRef<[T]> {
        let s = segments(a, b)?;
        let count = s.n.len();
        let (mut swapped, mut na, mut nb) = (vec![0 as c_int; count], vec![0f64; count],
                                             vec![0f64; count]);
        // SAFETY: valid segments, and result arrays of `count` entries.
        check(unsafe {
            (T::OPS.each.order_by_norm)(s.a.as_ptr(), s.b.as_ptr(), s.n.as_ptr(), count, ord,
                                        swapped.as_mut_ptr(), na.as_mut_ptr(), nb.as_mut_ptr())
        })?;
        Ok((0..count)
            .map(|i| NormOrder { swapped: swapped[i] != 0, norm_a: na[i], norm_b: nb[i] })
            .collect())
    }

    /// [`crate::equivalent_alpha_and_scaling_factor`] of each pair: `(alpha, scale)` per
    /// tensor.
    pub fn equivalent_alpha_and_scaling_factor<T, A, B>(noise_grad: &[A], model_grad: &[B])
        -> Result<Vec<(f64, f64)>>
    where T: Element, A: AsRef<[T]>, B: AsRef<[T]> {
        let s = segments(noise_grad, model_grad)?;
        let count = s.n.len();
        let (mut alpha, mut scale) = (vec![0f64; count], vec![0f64; count]);
        // SAFETY: valid segments, and result arrays of `count` entries.
        check(unsafe {
            (T::OPS.each.equivalent_alpha)(s.a.as_ptr(), s.b.as_ptr(), s.n.as_ptr(), count,
                                           alpha.as_mut_ptr(), scale.as_mut_ptr())
        })?;
        Ok(alpha.into_iter().zip(scale).collect())
    }
}

// ------------------------------------------------------------------ partials

/// Partial sums of a vector sharded over processes (FSDP, ZeRO, MPI domain
/// decomposition), for the global results on each process's own shard.
///
/// Each process holds a contiguous part `[offset, offset + n)` of the global noise and
/// model gradients (the same offsets for both). It [`add`](Partials::add)s its parts,
/// sends [`as_bytes`](Partials::as_bytes) to the others over any transport, rebuilds their
/// partials with [`from_bytes`](Partials::from_bytes) and [`merge`](Partials::merge)s them
/// (exact: any order or reduction tree gives the same bytes); then the finishing methods
/// give the global order, `alpha` and `scale`, and the vector operations on its own shard.
///
/// * Shards at offsets that are multiples of [`Partials::BLOCK`] give results bitwise
///   equal to the single call on the whole vector; at other offsets the scalars can differ
///   in their last bits (within the same error bound).
/// * NaN or Inf in any shard makes every finishing method on every process return
///   [`Error::NonFinite`]; `add` itself succeeds.
/// * The bytes are those of the machine's byte order: do not exchange them between
///   machines of different byte order. Bytes that are not a valid partials (corrupted,
///   another layout version) give [`Error::Partials`].
///
/// ```
/// use projection::Partials;
/// let noise: Vec<f32> = (0..20000).map(|i| (i as f32 * 0.1).sin()).collect();
/// let model: Vec<f32> = (0..20000).map(|i| (i as f32 * 0.07).cos()).collect();
/// let cut = 2 * Partials::BLOCK; // a shard boundary at a multiple of BLOCK
///
/// // two "processes", each with its shard
/// let mut p0 = Partials::new();
/// p0.add(&noise[..cut], &model[..cut], 0)?;
/// let mut p1 = Partials::new();
/// p1.add(&noise[cut..], &model[cut..], cut as u64)?;
///
/// // exchange bytes, merge
/// let bytes: Vec<u8> = p1.as_bytes().to_vec();
/// p0.merge(&Partials::from_bytes(&bytes)?)?;
///
/// // process 0 finishes its own shard: bitwise the single call's first `cut` elements
/// let mine = p0.alphaless_gradient(&noise[..cut], &model[..cut])?;
/// let whole = projection::alphaless_gradient(&noise, &model)?;
/// assert_eq!(mine, whole[..cut]);
/// assert_eq!(p0.equivalent_alpha_and_scaling_factor()?,
///            projection::equivalent_alpha_and_scaling_factor(&noise, &model)?);
/// # Ok::<(), projection::Error>(())
/// ```
#[derive(Clone)]
pub struct Partials {
    raw: Box<sys::projection_partials>,
}

impl Partials {
    /// The size of [`as_bytes`](Partials::as_bytes) (`PROJECTION_PARTIALS_SIZE`), fixed for
    /// ABI major 1.
    pub const SIZE: usize = sys::PROJECTION_PARTIALS_SIZE;
    /// Elements of the global index per reduction block (`PROJECTION_BLOCK`): shards at
    /// offsets that are multiples of it give bitwise the single call's results.
    pub const BLOCK: usize = sys::PROJECTION_BLOCK;

    /// Empty partials (those of a vector of no elements).
    pub fn new() -> Partials {
        let mut raw = Box::new(sys::projection_partials { opaque_: [0; Partials::SIZE / 8] });
        // SAFETY: a valid, writable struct.
        unsafe { sys::projection_partials_init(&mut *raw) };
        Partials { raw }
    }

    /// Adds the local part `a`, `b` of the global vectors, whose first element is element
    /// `offset` of the global vector. Several parts may be added (each is summed as a shard
    /// of its own), for example the tensors of a list. NaN or Inf is not an error here: it
    /// marks the partials, and the finishing methods refuse them.
    ///
    /// Errors: [`Error::LengthMismatch`]; [`Error::Argument`] if `offset + n` overflows 64
    /// bits. On error the partials are unchanged.
    pub fn add<T: Element>(&mut self, a: &[T], b: &[T], offset: u64) -> Result<()> {
        same_len(a.len(), b.len())?;
        // SAFETY: a valid partials and two valid slices of length n.
        check(unsafe {
            (T::OPS.partials_add)(&mut *self.raw, a.as_ptr().cast(), b.as_ptr().cast(), a.len(),
                                  offset)
        })
    }

    /// Adds `other` into `self`, exactly: merging is associative and commutative bit for
    /// bit, so any reduction tree gives the same partials.
    pub fn merge(&mut self, other: &Partials) -> Result<()> {
        // SAFETY: two valid partials; distinct, since `self` is a unique borrow.
        check(unsafe { sys::projection_partials_merge(&mut *self.raw, &*other.raw) })
    }

    /// The 2-norm order of the global `(a, b)` and their norms, as [`order_by_norm`] with
    /// `ord = 2.0` on the whole vectors.
    pub fn order_by_norm(&self) -> Result<NormOrder> {
        let (mut swapped, mut na, mut nb) = (0 as c_int, 0f64, 0f64);
        // SAFETY: a valid partials and valid result pointers.
        check(unsafe {
            sys::projection_partials_order_by_norm(&*self.raw, &mut swapped, &mut na, &mut nb)
        })?;
        Ok(NormOrder { swapped: swapped != 0, norm_a: na, norm_b: nb })
    }

    /// `(alpha, scale)` of the global `(noise_grad, model_grad)`, as
    /// [`equivalent_alpha_and_scaling_factor`] on the whole vectors.
    pub fn equivalent_alpha_and_scaling_factor(&self) -> Result<(f64, f64)> {
        let (mut alpha, mut scale) = (0f64, 0f64);
        // SAFETY: a valid partials and valid result pointers.
        check(unsafe {
            sys::projection_partials_equivalent_alpha(&*self.raw, &mut alpha, &mut scale)
        })?;
        Ok((alpha, scale))
    }

    fn raw_binary<T: Element>(op: Op) -> raw::PartialsBinary<T::Raw> {
        match op {
            Op::VectorProjection => T::OPS.partials_vector_projection,
            Op::ProjectOutSmaller => T::OPS.partials_project_out_smaller,
            Op::AlphalessGradient => T::OPS.partials_alphaless_gradient,
        }
    }

    fn write_op<T: Element>(&self, op: Op, a: &[T], b: &[T], out: &mut [T]) -> Result<()> {
        same_len(a.len(), b.len())?;
        same_len(a.len(), out.len())?;
        // SAFETY: as the single-buffer into_op, plus a valid partials.
        check(unsafe {
            Self::raw_binary::<T>(op)(&*self.raw, a.as_ptr().cast(), b.as_ptr().cast(), a.len(),
                                      out.as_mut_ptr().cast())
        })
    }

    fn vec_op<T: Element>(&self, op: Op, a: &[T], b: &[T]) -> Result<Vec<T>> {
        let mut out = vec![T::default(); a.len()];
        self.write_op(op, a, b, &mut out)?;
        Ok(out)
    }

    fn in_place_op<T: Element>(&self, op: Op, a: &mut [T], b: &[T]) -> Result<()> {
        same_len(a.len(), b.len())?;
        let p = a.as_mut_ptr().cast::<T::Raw>();
        // SAFETY: `out` is exactly `a` (in place), allowed; nothing is written on error.
        check(unsafe { Self::raw_binary::<T>(op)(&*self.raw, p, b.as_ptr().cast(), b.len(), p) })
    }

    /// The local shard of the projection of the global `a` onto the global `b`: `k b` with
    /// `k = a·b / b·b` of the whole vectors. Each element is bitwise the one the single
    /// call on the whole vectors gives.
    pub fn vector_projection<T: Element>(&self, a: &[T], b: &[T]) -> Result<Vec<T>> {
        self.vec_op(Op::VectorProjection, a, b)
    }

    /// [`Partials::vector_projection`] into `out` (same length).
    pub fn vector_projection_into<T: Element>(&self, a: &[T], b: &[T], out: &mut [T])
        -> Result<()> {
        self.write_op(Op::VectorProjection, a, b, out)
    }

    /// [`Partials::vector_projection`] in place: the result replaces `a`.
    pub fn vector_projection_in_place<T: Element>(&self, a: &mut [T], b: &[T]) -> Result<()> {
        self.in_place_op(Op::VectorProjection, a, b)
    }

    /// The local shard of `L - proj(L, S)` of the global vectors (2-norm order).
    pub fn project_out_smaller<T: Element>(&self, a: &[T], b: &[T]) -> Result<Vec<T>> {
        self.vec_op(Op::ProjectOutSmaller, a, b)
    }

    /// [`Partials::project_out_smaller`] into `out` (same length).
    pub fn project_out_smaller_into<T: Element>(&self, a: &[T], b: &[T], out: &mut [T])
        -> Result<()> {
        self.write_op(Op::ProjectOutSmaller, a, b, out)
    }

    /// [`Partials::project_out_smaller`] in place: the result replaces `a`.
    pub fn project_out_smaller_in_place<T: Element>(&self, a: &mut [T], b: &[T])
        -> Result<()> {
        self.in_place_op(Op::ProjectOutSmaller, a, b)
    }

    /// The local shard of the global alphaless gradient `L + (1 - k) S`.
    pub fn alphaless_gradient<T: Element>(&self, noise_grad: &[T], model_grad: &[T])
        -> Result<Vec<T>> {
        self.vec_op(Op::AlphalessGradient, noise_grad, model_grad)
    }

    /// [`Partials::alphaless_gradient`] into `out` (same length).
    pub fn alphaless_gradient_into<T: Element>(&self, noise_grad: &[T], model_grad: &[T],
                                               out: &mut [T]) -> Result<()> {
        self.write_op(Op::AlphalessGradient, noise_grad, model_grad, out)
    }

    /// [`Partials::alphaless_gradient`] in place: the result replaces `noise_grad`.
    pub fn alphaless_gradient_in_place<T: Element>(&self, noise_grad: &mut [T],
                                                   model_grad: &[T]) -> Result<()> {
        self.in_place_op(Op::AlphalessGradient, noise_grad, model_grad)
    }

    /// The partials as [`Partials::SIZE`] bytes, to send over any transport (to a machine
    /// of the same byte order).
    pub fn as_bytes(&self) -> &[u8] {
        // SAFETY: the struct is SIZE bytes of plain integers, without padding.
        unsafe {
            std::slice::from_raw_parts(self.raw.opaque_.as_ptr().cast::<u8>(), Partials::SIZE)
        }
    }

    /// Partials from the bytes [`as_bytes`](Partials::as_bytes) gave (any alignment).
    ///
    /// Errors: [`Error::LengthMismatch`] unless there are exactly [`Partials::SIZE`] bytes;
    /// [`Error::Partials`] if they are not a valid partials (the library checks a magic
    /// number, the layout version and a checksum).
    pub fn from_bytes(bytes: &[u8]) -> Result<Partials> {
        same_len(Partials::SIZE, bytes.len())?;
        let mut raw = Box::new(sys::projection_partials { opaque_: [0; Partials::SIZE / 8] });
        for (word, chunk) in raw.opaque_.iter_mut().zip(bytes.chunks_exact(8)) {
            *word = u64::from_ne_bytes(chunk.try_into().unwrap());
        }
        let p = Partials { raw };
        // Validate now rather than at first use: merging into empty partials checks `p`
        // and changes nothing of it.
        Partials::new().merge(&p)?;
        Ok(p)
    }

    /// The C struct, for passing to C code (e.g. an MPI reduction of `projection_mpi.h`).
    pub fn as_raw(&self) -> &sys::projection_partials {
        &self.raw
    }
}

impl Default for Partials {
    fn default() -> Partials {
        Partials::new()
    }
}

impl fmt::Debug for Partials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Partials").field("bytes", &Partials::SIZE).finish_non_exhaustive()
    }
}
