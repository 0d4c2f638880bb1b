/*
 * projection — gradient-projection arithmetic for "alphaless" noise-layer training.
 *
 * Stable C ABI. Compiles as C99 and as C++. Every exported symbol is prefixed
 * `projection_` and every macro `PROJECTION_`.
 *
 * Conventions shared by every function below
 * -----------------------------------------
 *  - `T` is `float` (suffix `_f32`) or `double` (suffix `_f64`); every operation exists
 *    in both. Buffers are flat arrays of `n` elements (a tensor of any shape, flattened).
 *  - Scalars (norms, alpha, scale) are returned as `double` for both element types.
 *  - `float` input is reduced in `double`; `double` input is reduced with blocked
 *    multi-accumulator summation, redone in extended precision (x87 `long double`)
 *    when squares would overflow or underflow, so any finite input gives an accurate
 *    answer. A result beyond the range of `double` is returned as +-inf.
 *  - Determinism: results are bitwise identical for any thread count and any buffer
 *    alignment. For `float` input the scalar results are also identical on every
 *    instruction set (SSE2, AVX2, AVX-512).
 *  - Aliasing: `out` may be exactly `a` or exactly `b` (in place). Any other overlap of
 *    `out` with an input is refused with PROJECTION_ERR_OVERLAP. Inputs may overlap
 *    each other freely.
 *  - `n == 0` is valid; then `a`, `b` and `out` may be NULL, but result pointers
 *    (`swapped`, `alpha`, `scale`) may not.
 *  - Errors are checked in this order: NULL, ARGUMENT, OVERLAP, NONFINITE.
 *    On any status other than PROJECTION_OK nothing is written: not `out`, not an
 *    input being overwritten in place, not a result pointer.
 *  - No function allocates in the common path, prints, aborts, or reads beyond `n`
 *    elements. All are safe to call from many threads at once.
 *  - Threading: inputs of a few ten thousand elements and more are split over an
 *    OpenMP team (see projection_set_num_threads); smaller ones run on the calling
 *    thread without opening a parallel region.
 */
#ifndef PROJECTION_PROJECTION_H
#define PROJECTION_PROJECTION_H

#include <stddef.h>

/* ------------------------------------------------------------------ version */
#define PROJECTION_VERSION_MAJOR 1
#define PROJECTION_VERSION_MINOR 0
#define PROJECTION_VERSION_PATCH 0
#define PROJECTION_VERSION_NUMBER \
  (PROJECTION_VERSION_MAJOR * 10000 + PROJECTION_VERSION_MINOR * 100 + PROJECTION_VERSION_PATCH)
#define PROJECTION_STRINGIFY_(x) #x
#define PROJECTION_STRINGIFY(x) PROJECTION_STRINGIFY_(x)
#define PROJECTION_VERSION_STRING                                      \
  PROJECTION_STRINGIFY(PROJECTION_VERSION_MAJOR) "." PROJECTION_STRINGIFY( \
      PROJECTION_VERSION_MINOR) "." PROJECTION_STRINGIFY(PROJECTION_VERSION_PATCH)

/* --------------------------------------------------------------- visibility */
#ifndef PROJECTION_API
#  if defined(PROJECTION_STATIC_DEFINE)
#    define PROJECTION_API
#  elif defined(_WIN32)
#    if defined(PROJECTION_BUILDING)
#      define PROJECTION_API __declspec(dllexport)
#    else
#      define PROJECTION_API __declspec(dllimport)
#    endif
#  elif defined(__GNUC__) && __GNUC__ >= 4
#    define PROJECTION_API __attribute__((visibility("default")))
#  else
#    define PROJECTION_API
#  endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------ status codes */
/* The values are part of the ABI and never change. */
typedef enum projection_status {
  PROJECTION_OK = 0,
  PROJECTION_ERR_NULL = 1,      /* a required pointer is NULL                          */
  PROJECTION_ERR_OVERLAP = 2,   /* out overlaps an input without being the same buffer */
  PROJECTION_ERR_ARGUMENT = 3,  /* an argument outside its domain (norm order NaN)     */
  PROJECTION_ERR_NONFINITE = 4  /* an input holds NaN or Inf                           */
} projection_status;

/* ------------------------------------------------------------- operations */

/*! projection_vector_projection_f32/_f64:
 *  out = (a.b / b.b) b, the projection of `a` onto `b`. Projection onto the zero
 *  vector is the zero vector.
 *  Reads `a` and `b` once and `b` a second time; writes `out` once.
 *  @param out  n elements; may be exactly `a` or `b`.
 *  @return PROJECTION_OK;
 *          PROJECTION_ERR_NULL      if n > 0 and `a`, `b` or `out` is NULL;
 *          PROJECTION_ERR_OVERLAP   if `out` partially overlaps `a` or `b`;
 *          PROJECTION_ERR_NONFINITE if `a` or `b` holds NaN or Inf. */
PROJECTION_API projection_status projection_vector_projection_f32(
    const float *a, const float *b, size_t n, float *out);
PROJECTION_API projection_status projection_vector_projection_f64(
    const double *a, const double *b, size_t n, double *out);

/*! projection_order_by_norm_f32/_f64:
 *  Orders (a, b) by their norm of order `ord`, as torch.linalg.vector_norm(x, ord):
 *  2 (the usual), 1, INFINITY (max |x_i|), -INFINITY (min |x_i|), 0 (count of
 *  non-zeros), any other finite p: (sum |x_i|^p)^(1/p). A stable sort: equal norms
 *  keep (a, b).
 *  @param swapped  set to 0 for (a, b) = (smaller, larger), 1 for (b, a). Required.
 *  @param norm_a, norm_b  receive the norms; each may be NULL (not wanted).
 *  @return PROJECTION_OK;
 *          PROJECTION_ERR_NULL      if `swapped` is NULL, or n > 0 and `a` or `b` is NULL;
 *          PROJECTION_ERR_ARGUMENT  if `ord` is NaN;
 *          PROJECTION_ERR_NONFINITE if `a` or `b` holds NaN or Inf. */
PROJECTION_API projection_status projection_order_by_norm_f32(
    const float *a, const float *b, size_t n, double ord,
    int *swapped, double *norm_a, double *norm_b);
PROJECTION_API projection_status projection_order_by_norm_f64(
    const double *a, const double *b, size_t n, double ord,
    int *swapped, double *norm_a, double *norm_b);

/*! projection_project_out_smaller_f32/_f64:
 *  With (S, L) the 2-norm order of (a, b): out = L - proj(L, S), the larger vector
 *  with the component along the smaller removed.
 *  @return as projection_vector_projection_f32. */
PROJECTION_API projection_status projection_project_out_smaller_f32(
    const float *a, const float *b, size_t n, float *out);
PROJECTION_API projection_status projection_project_out_smaller_f64(
    const double *a, const double *b, size_t n, double *out);

/*! projection_equivalent_alpha_f32/_f64:
 *  The `alpha` and `scale` with alphaless_gradient = scale * (alpha g_noise +
 *  (1 - alpha) g_model). With (S, L) the 2-norm order and k = L.S / S.S, the
 *  coefficients are 1 for L and 1 - k for S; scale = their sum and alpha = the
 *  noise coefficient / scale (+-inf when scale == 0; the call still succeeds).
 *  One pass over the inputs.
 *  @return PROJECTION_OK;
 *          PROJECTION_ERR_NULL      if `alpha` or `scale` is NULL, or n > 0 and an input is NULL;
 *          PROJECTION_ERR_NONFINITE if an input holds NaN or Inf. */
PROJECTION_API projection_status projection_equivalent_alpha_f32(
    const float *noise_grad, const float *model_grad, size_t n,
    double *alpha, double *scale);
PROJECTION_API projection_status projection_equivalent_alpha_f64(
    const double *noise_grad, const double *model_grad, size_t n,
    double *alpha, double *scale);

/*! projection_alphaless_gradient_f32/_f64:
 *  With (S, L) the 2-norm order of (noise_grad, model_grad) and k = L.S / S.S
 *  (0 when S = 0): out = L + (1 - k) S.
 *  @return as projection_vector_projection_f32. */
PROJECTION_API projection_status projection_alphaless_gradient_f32(
    const float *noise_grad, const float *model_grad, size_t n, float *out);
PROJECTION_API projection_status projection_alphaless_gradient_f64(
    const double *noise_grad, const double *model_grad, size_t n, double *out);

/* ---------------------------------------------------------------- library */

/*! @return a static description of `s`; never NULL, also for unknown codes. */
PROJECTION_API const char *projection_status_string(projection_status s);

/*! @return "MAJOR.MINOR.PATCH" of the library actually loaded. */
PROJECTION_API const char *projection_version_string(void);

/*! @return MAJOR*10000 + MINOR*100 + PATCH of the library actually loaded. */
PROJECTION_API unsigned projection_version_number(void);

/*! @return the instruction set of the kernels in use: "sse2", "fma3+avx2" or
 *  "avx512bw". Chosen once, at first use, as the best the CPU and OS support;
 *  the environment variable PROJECTION_ARCH (sse2, avx2, avx512) forces a lower one. */
PROJECTION_API const char *projection_simd_arch(void);

/*! Sets the number of threads used for large inputs, for all callers of the
 *  library; n <= 0 restores the OpenMP default (OMP_NUM_THREADS). Safe to call while
 *  other threads compute: a call in flight keeps the count it started with. */
PROJECTION_API void projection_set_num_threads(int n);

/*! @return the number of threads a large call would use now (at least 1). */
PROJECTION_API int projection_get_num_threads(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* PROJECTION_PROJECTION_H */
