/*
 * projection — gradient-projection arithmetic for "alphaless" noise-layer training.
 *
 * Stable C ABI. Compiles as C99 and as C++. Every exported symbol is prefixed
 * `projection_` and every macro `PROJECTION_`.
 *
 * Contents
 * --------
 *   1. version, visibility, status codes, element types
 *   2. the five operations on one buffer        projection_<op>_<type>
 *   3. a list of tensors as one vector          projection_<op>_list_<type>
 *   4. each tensor of a list on its own         projection_<op>_each_<type>
 *   5. shards across processes: partial sums    projection_partials_*
 *   6. library queries: status strings, version, instruction set, threads
 *
 * Conventions shared by every function below
 * -----------------------------------------
 *  - Element types, as function suffixes: `_f32` (float), `_f64` (double), `_bf16`
 *    (bfloat16) and `_f16` (IEEE binary16), the last two as raw 16-bit patterns in
 *    `projection_bf16` / `projection_f16` (2 bytes each; a `torch.bfloat16` tensor's
 *    storage, `__bf16`, `_Float16` and `half::f16` have the same layout). Every operation
 *    exists for all four. Buffers are flat arrays of `n` elements (a tensor of any shape,
 *    flattened).
 *  - Scalars (norms, alpha, scale) are returned as `double` for every element type.
 *  - Accuracy. Products of two float, bf16 or f16 elements are exact in double, and
 *    their sums are accumulated in double. Double input is reduced in double; a block
 *    whose sums could have overflowed or underflowed is redone with its elements scaled
 *    by powers of two, so any finite input gives an accurate answer. A result beyond
 *    the range of double is returned as +-inf.
 *  - One answer however the vector is held. The reduction cuts the vector into fixed
 *    blocks of PROJECTION_BLOCK elements of the *global* index, spreads each block over
 *    32 lanes by global index, adds the lanes in one fixed tree, and adds the block sums
 *    exactly (an exact fixed-point accumulator, so their order does not matter). Hence
 *    every scalar and every output element is bitwise the same for any thread count,
 *    any buffer alignment, one buffer or a list of segments (section 3), and shards
 *    whose offsets are multiples of PROJECTION_BLOCK (section 5). For float, bf16 and
 *    f16 input they are also the same on every instruction set (SSE2, AVX2, AVX-512,
 *    NEON, generic), except norms of orders other than 0, 1, 2 and +-inf, which use
 *    the C library's pow.
 *  - Outputs are computed in double and rounded once to the output type, to nearest
 *    even: bf16 and f16 outputs are within 1 unit in the last place of the exact
 *    x + c*y for the computed coefficient c. A value beyond the output type's range
 *    becomes +-inf in that type, as IEEE rounding gives (f16 saturates at 65504, so
 *    large f16 gradients can produce inf outputs where float would not).
 *  - Aliasing: `out` may be exactly `a` or exactly `b` (in place). Any other overlap of
 *    `out` with an input is refused with PROJECTION_ERR_OVERLAP. Inputs may overlap
 *    each other freely.
 *  - `n == 0` is valid; then `a`, `b` and `out` may be NULL, but result pointers
 *    (`swapped`, `alpha`, `scale`) may not.
 *  - Errors are checked in this order: NULL, ARGUMENT, OVERLAP, PARTIALS (for a
 *    partials struct), NONFINITE. On any status other than PROJECTION_OK nothing is
 *    written: not `out`, not an input being overwritten in place, not a result pointer,
 *    not a partials struct.
 *  - No function allocates in the common path, prints, aborts, or reads beyond `n`
 *    elements. All are safe to call from many threads at once. (The list functions
 *    keep a per-thread scratch area for lists of more than 64 tensors and for _each_,
 *    grown when a longer list arrives and then reused; if it cannot be allocated they
 *    take a slower path that needs none.)
 *  - Threading: inputs of 65,536 elements and more are split over an OpenMP team (see
 *    projection_set_num_threads); smaller ones run on the calling thread without opening
 *    a parallel region. Calls may come from inside the caller's own OpenMP parallel
 *    region (the library's region is then nested: one thread unless the caller enabled
 *    nesting; the same results either way), from a process that also runs LLVM's libomp,
 *    and from threads with small stacks (64 KiB is tested).
 *  - fork(): after fork() the child's calls (and those of its children) complete, on
 *    teams of the full size, with results bitwise equal to the parent's; so do the
 *    parent's. The reason it needs care: GCC's OpenMP runtime (libgomp), which the
 *    library uses, keeps per thread a pool of idle workers shared by every OpenMP user
 *    on that thread, and fork() copies the pool's bookkeeping but not its threads, so
 *    the child's first team on that thread would wait forever. The library therefore
 *    installs a pthread_atfork handler (when it is loaded, and in any case before it
 *    opens its first team: no static constructor is relied on, so it holds for the
 *    shared and the static library and the Python package) that releases the forking
 *    thread's pool just before fork() with omp_pause_resource_all(omp_pause_soft); the
 *    child starts fresh workers when it needs them. Why this mechanism: forcing children
 *    onto one thread would waste the cores of every DataLoader worker or forked server,
 *    and a later projection_set_num_threads(n > 1) in such a child could not be honoured
 *    (a team on that thread hangs in libgomp); linking LLVM's fork-safe libomp instead
 *    would put a second OpenMP runtime into every program built with GCC. Costs: the
 *    parent's next parallel region starts its workers again (well under a
 *    millisecond per fork), and, since the pool is shared, the caller's own OpenMP
 *    code on the forking thread also gets new workers (threadprivate values of its
 *    worker threads do not survive a fork; the main thread's do). Should the runtime
 *    refuse to release the pool (never seen with libgomp), the child's copy of the
 *    thread that forked runs the library's calls on itself and
 *    projection_get_num_threads() reports 1 there. Not covered: a pool inherited
 *    across a fork() that happened before the library was loaded into the process or
 *    an ancestor; load the library before forking.
 */
#ifndef PROJECTION_PROJECTION_H
#define PROJECTION_PROJECTION_H

#include <stddef.h>
#include <stdint.h>

/* ================================================================ 1. basics */

/* ------------------------------------------------------------------ version */
#define PROJECTION_VERSION_MAJOR 1
#define PROJECTION_VERSION_MINOR 1
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
  PROJECTION_ERR_NULL = 1,      /* a required pointer is NULL                            */
  PROJECTION_ERR_OVERLAP = 2,   /* an output overlaps an input or another output without
                                   being the same buffer as its own input                */
  PROJECTION_ERR_ARGUMENT = 3,  /* an argument outside its domain (norm order NaN)       */
  PROJECTION_ERR_NONFINITE = 4, /* an input holds NaN or Inf                             */
  PROJECTION_ERR_PARTIALS = 5   /* a projection_partials that is not valid: never
                                   initialized, from another layout version, or corrupted
                                   bytes (checked by magic, version and checksum)        */
} projection_status;

/* ----------------------------------------------------------- element types */
/* 16-bit floating-point elements as raw bit patterns (the C type carries no arithmetic).
 * bfloat16: 1 sign, 8 exponent, 7 fraction bits (the top half of a float).
 * f16: IEEE 754 binary16, 1 sign, 5 exponent, 10 fraction bits. */
typedef struct projection_bf16 { uint16_t bits; } projection_bf16;
typedef struct projection_f16 { uint16_t bits; } projection_f16;

/* ===================================================== 2. one buffer per input */

/*! projection_vector_projection_<type>:
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
PROJECTION_API projection_status projection_vector_projection_bf16(
    const projection_bf16 *a, const projection_bf16 *b, size_t n, projection_bf16 *out);
PROJECTION_API projection_status projection_vector_projection_f16(
    const projection_f16 *a, const projection_f16 *b, size_t n, projection_f16 *out);

/*! projection_order_by_norm_<type>:
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
PROJECTION_API projection_status projection_order_by_norm_bf16(
    const projection_bf16 *a, const projection_bf16 *b, size_t n, double ord,
    int *swapped, double *norm_a, double *norm_b);
PROJECTION_API projection_status projection_order_by_norm_f16(
    const projection_f16 *a, const projection_f16 *b, size_t n, double ord,
    int *swapped, double *norm_a, double *norm_b);

/*! projection_project_out_smaller_<type>:
 *  With (S, L) the 2-norm order of (a, b): out = L - proj(L, S), the larger vector
 *  with the component along the smaller removed.
 *  @return as projection_vector_projection_f32. */
PROJECTION_API projection_status projection_project_out_smaller_f32(
    const float *a, const float *b, size_t n, float *out);
PROJECTION_API projection_status projection_project_out_smaller_f64(
    const double *a, const double *b, size_t n, double *out);
PROJECTION_API projection_status projection_project_out_smaller_bf16(
    const projection_bf16 *a, const projection_bf16 *b, size_t n, projection_bf16 *out);
PROJECTION_API projection_status projection_project_out_smaller_f16(
    const projection_f16 *a, const projection_f16 *b, size_t n, projection_f16 *out);

/*! projection_equivalent_alpha_<type>:
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
PROJECTION_API projection_status projection_equivalent_alpha_bf16(
    const projection_bf16 *noise_grad, const projection_bf16 *model_grad, size_t n,
    double *alpha, double *scale);
PROJECTION_API projection_status projection_equivalent_alpha_f16(
    const projection_f16 *noise_grad, const projection_f16 *model_grad, size_t n,
    double *alpha, double *scale);

/*! projection_alphaless_gradient_<type>:
 *  With (S, L) the 2-norm order of (noise_grad, model_grad) and k = L.S / S.S
 *  (0 when S = 0): out = L + (1 - k) S.
 *  @return as projection_vector_projection_f32. */
PROJECTION_API projection_status projection_alphaless_gradient_f32(
    const float *noise_grad, const float *model_grad, size_t n, float *out);
PROJECTION_API projection_status projection_alphaless_gradient_f64(
    const double *noise_grad, const double *model_grad, size_t n, double *out);
PROJECTION_API projection_status projection_alphaless_gradient_bf16(
    const projection_bf16 *noise_grad, const projection_bf16 *model_grad, size_t n,
    projection_bf16 *out);
PROJECTION_API projection_status projection_alphaless_gradient_f16(
    const projection_f16 *noise_grad, const projection_f16 *model_grad, size_t n,
    projection_f16 *out);

/* ============================================ 3. a list of tensors, one vector */
/*
 * A model's gradient is a list of parameter tensors. The `_list_` functions treat the
 * list as ONE vector, the concatenation of its `count` segments, without copying it:
 * segment i is `a[i]`, `b[i]` (and `out[i]`), each of `n[i]` elements. Every result is
 * bitwise identical to the single-buffer function on the concatenation, for any
 * segment lengths (0 included).
 *
 *  - `a`, `b`, `n` (and `out`) are arrays of `count` entries; `count == 0` is valid
 *    (the empty vector: norms 0, alpha and scale as for n == 0).
 *  - `out[i]` may be exactly `a[i]` or exactly `b[i]`. Any other overlap of an output
 *    segment with any input segment or any other output segment is refused.
 *  - Errors are checked over the whole list before anything is written:
 *    PROJECTION_ERR_NULL      if `n`, `a` or `b` (or `out`) is NULL while count > 0, or a
 *                             segment pointer is NULL while its n[i] > 0, or a result
 *                             pointer is NULL;
 *    PROJECTION_ERR_ARGUMENT  if `ord` is NaN, or the total length overflows size_t;
 *    PROJECTION_ERR_OVERLAP   as above;
 *    PROJECTION_ERR_NONFINITE if any segment holds NaN or Inf.
 *    On error nothing at all is written, in any segment.
 */
PROJECTION_API projection_status projection_vector_projection_list_f32(
    const float *const *a, const float *const *b, const size_t *n, size_t count,
    float *const *out);
PROJECTION_API projection_status projection_vector_projection_list_f64(
    const double *const *a, const double *const *b, const size_t *n, size_t count,
    double *const *out);
PROJECTION_API projection_status projection_vector_projection_list_bf16(
    const projection_bf16 *const *a, const projection_bf16 *const *b, const size_t *n,
    size_t count, projection_bf16 *const *out);
PROJECTION_API projection_status projection_vector_projection_list_f16(
    const projection_f16 *const *a, const projection_f16 *const *b, const size_t *n,
    size_t count, projection_f16 *const *out);

PROJECTION_API projection_status projection_order_by_norm_list_f32(
    const float *const *a, const float *const *b, const size_t *n, size_t count,
    double ord, int *swapped, double *norm_a, double *norm_b);
PROJECTION_API projection_status projection_order_by_norm_list_f64(
    const double *const *a, const double *const *b, const size_t *n, size_t count,
    double ord, int *swapped, double *norm_a, double *norm_b);
PROJECTION_API projection_status projection_order_by_norm_list_bf16(
    const projection_bf16 *const *a, const projection_bf16 *const *b, const size_t *n,
    size_t count, double ord, int *swapped, double *norm_a, double *norm_b);
PROJECTION_API projection_status projection_order_by_norm_list_f16(
    const projection_f16 *const *a, const projection_f16 *const *b, const size_t *n,
    size_t count, double ord, int *swapped, double *norm_a, double *norm_b);

PROJECTION_API projection_status projection_project_out_smaller_list_f32(
    const float *const *a, const float *const *b, const size_t *n, size_t count,
    float *const *out);
PROJECTION_API projection_status projection_project_out_smaller_list_f64(
    const double *const *a, const double *const *b, const size_t *n, size_t count,
    double *const *out);
PROJECTION_API projection_status projection_project_out_smaller_list_bf16(
    const projection_bf16 *const *a, const projection_bf16 *const *b, const size_t *n,
    size_t count, projection_bf16 *const *out);
PROJECTION_API projection_status projection_project_out_smaller_list_f16(
    const projection_f16 *const *a, const projection_f16 *const *b, const size_t *n,
    size_t count, projection_f16 *const *out);

PROJECTION_API projection_status projection_equivalent_alpha_list_f32(
    const float *const *noise_grad, const float *const *model_grad, const size_t *n,
    size_t count, double *alpha, double *scale);
PROJECTION_API projection_status projection_equivalent_alpha_list_f64(
    const double *const *noise_grad, const double *const *model_grad, const size_t *n,
    size_t count, double *alpha, double *scale);
PROJECTION_API projection_status projection_equivalent_alpha_list_bf16(
    const projection_bf16 *const *noise_grad, const projection_bf16 *const *model_grad,
    const size_t *n, size_t count, double *alpha, double *scale);
PROJECTION_API projection_status projection_equivalent_alpha_list_f16(
    const projection_f16 *const *noise_grad, const projection_f16 *const *model_grad,
    const size_t *n, size_t count, double *alpha, double *scale);

PROJECTION_API projection_status projection_alphaless_gradient_list_f32(
    const float *const *noise_grad, const float *const *model_grad, const size_t *n,
    size_t count, float *const *out);
PROJECTION_API projection_status projection_alphaless_gradient_list_f64(
    const double *const *noise_grad, const double *const *model_grad, const size_t *n,
    size_t count, double *const *out);
PROJECTION_API projection_status projection_alphaless_gradient_list_bf16(
    const projection_bf16 *const *noise_grad, const projection_bf16 *const *model_grad,
    const size_t *n, size_t count, projection_bf16 *const *out);
PROJECTION_API projection_status projection_alphaless_gradient_list_f16(
    const projection_f16 *const *noise_grad, const projection_f16 *const *model_grad,
    const size_t *n, size_t count, projection_f16 *const *out);

/* ============================================ 4. each tensor of a list alone */
/*
 * The `_each_` functions take the same arguments as `_list_`, but every segment is an
 * operation of its own: its results are bitwise identical to the single-buffer
 * function on that segment. The scalar results become arrays of `count` entries:
 * `swapped[i]`, `norm_a[i]`, `norm_b[i]` (the norm arrays may be NULL), `alpha[i]`,
 * `scale[i]`. Many small segments are spread over the threads in one parallel region;
 * a large one is split over the threads as a single call would. Errors as for
 * `_list_`, over the whole list: on error nothing at all is written.
 */
PROJECTION_API projection_status projection_vector_projection_each_f32(
    const float *const *a, const float *const *b, const size_t *n, size_t count,
    float *const *out);
PROJECTION_API projection_status projection_vector_projection_each_f64(
    const double *const *a, const double *const *b, const size_t *n, size_t count,
    double *const *out);
PROJECTION_API projection_status projection_vector_projection_each_bf16(
    const projection_bf16 *const *a, const projection_bf16 *const *b, const size_t *n,
    size_t count, projection_bf16 *const *out);
PROJECTION_API projection_status projection_vector_projection_each_f16(
    const projection_f16 *const *a, const projection_f16 *const *b, const size_t *n,
    size_t count, projection_f16 *const *out);

PROJECTION_API projection_status projection_order_by_norm_each_f32(
    const float *const *a, const float *const *b, const size_t *n, size_t count,
    double ord, int *swapped, double *norm_a, double *norm_b);
PROJECTION_API projection_status projection_order_by_norm_each_f64(
    const double *const *a, const double *const *b, const size_t *n, size_t count,
    double ord, int *swapped, double *norm_a, double *norm_b);
PROJECTION_API projection_status projection_order_by_norm_each_bf16(
    const projection_bf16 *const *a, const projection_bf16 *const *b, const size_t *n,
    size_t count, double ord, int *swapped, double *norm_a, double *norm_b);
PROJECTION_API projection_status projection_order_by_norm_each_f16(
    const projection_f16 *const *a, const projection_f16 *const *b, const size_t *n,
    size_t count, double ord, int *swapped, double *norm_a, double *norm_b);

PROJECTION_API projection_status projection_project_out_smaller_each_f32(
    const float *const *a, const float *const *b, const size_t *n, size_t count,
    float *const *out);
PROJECTION_API projection_status projection_project_out_smaller_each_f64(
    const double *const *a, const double *const *b, const size_t *n, size_t count,
    double *const *out);
PROJECTION_API projection_status projection_project_out_smaller_each_bf16(
    const projection_bf16 *const *a, const projection_bf16 *const *b, const size_t *n,
    size_t count, projection_bf16 *const *out);
PROJECTION_API projection_status projection_project_out_smaller_each_f16(
    const projection_f16 *const *a, const projection_f16 *const *b, const size_t *n,
    size_t count, projection_f16 *const *out);

PROJECTION_API projection_status projection_equivalent_alpha_each_f32(
    const float *const *noise_grad, const float *const *model_grad, const size_t *n,
    size_t count, double *alpha, double *scale);
PROJECTION_API projection_status projection_equivalent_alpha_each_f64(
    const double *const *noise_grad, const double *const *model_grad, const size_t *n,
    size_t count, double *alpha, double *scale);
PROJECTION_API projection_status projection_equivalent_alpha_each_bf16(
    const projection_bf16 *const *noise_grad, const projection_bf16 *const *model_grad,
    const size_t *n, size_t count, double *alpha, double *scale);
PROJECTION_API projection_status projection_equivalent_alpha_each_f16(
    const projection_f16 *const *noise_grad, const projection_f16 *const *model_grad,
    const size_t *n, size_t count, double *alpha, double *scale);

PROJECTION_API projection_status projection_alphaless_gradient_each_f32(
    const float *const *noise_grad, const float *const *model_grad, const size_t *n,
    size_t count, float *const *out);
PROJECTION_API projection_status projection_alphaless_gradient_each_f64(
    const double *const *noise_grad, const double *const *model_grad, const size_t *n,
    size_t count, double *const *out);
PROJECTION_API projection_status projection_alphaless_gradient_each_bf16(
    const projection_bf16 *const *noise_grad, const projection_bf16 *const *model_grad,
    const size_t *n, size_t count, projection_bf16 *const *out);
PROJECTION_API projection_status projection_alphaless_gradient_each_f16(
    const projection_f16 *const *noise_grad, const projection_f16 *const *model_grad,
    const size_t *n, size_t count, projection_f16 *const *out);

/* ======================================= 5. shards across processes: partials */
/*
 * When a gradient is sharded over processes (FSDP, ZeRO, MPI domain decomposition),
 * each process holds a contiguous part [offset, offset + n) of the global vector, for
 * both `a` (noise) and `b` (model) at the same offsets. Each process:
 *
 *   projection_partials p;
 *   projection_partials_init(&p);
 *   projection_partials_add_f32(&p, a, b, n, offset);   // one call per local part
 *   // all-reduce p with projection_partials_merge (projection_mpi.h does it for MPI)
 *   projection_partials_alphaless_gradient_f32(&p, a, b, n, out);  // its own shard
 *
 *  - A projection_partials holds the exact sums a.a, b.b and a.b of what was added
 *    (fixed-point, covering every finite double product), a non-finite flag and a
 *    checksum. It is PROJECTION_PARTIALS_SIZE bytes, trivially copyable (memcpy, send it
 *    as bytes); its layout is fixed within ABI major 1 and is that of the machine's byte
 *    order (do not exchange partials between machines of different byte order).
 *  - merge is exact: associative and commutative bit for bit, so any reduction tree
 *    gives the same partials (MPI_Allreduce with a commutative user operation, an
 *    all-gather then merge, a ring).
 *  - Shards at offsets that are multiples of PROJECTION_BLOCK give results bitwise
 *    identical to the single-buffer call on the whole vector, for any number of shards
 *    and processes. A shard at another offset splits the blocks it shares with its
 *    neighbours: each piece is summed on its own, so the scalars can differ from the
 *    single call in their last bits (still within the same error bound), and then
 *    depend on where the shards are cut, not on how they are merged.
 *  - NaN or Inf in any shard makes every finishing call on every process (the three
 *    scalar and vector functions below) return PROJECTION_ERR_NONFINITE and write
 *    nothing: the flag travels with the merged partials. add itself succeeds.
 *  - Every function checks each partials it reads (magic, layout version, checksum,
 *    non-negative squares) and returns PROJECTION_ERR_PARTIALS for one that fails,
 *    writing nothing.
 *  - The order is the 2-norm order; the vector functions write only the local shard.
 */
#define PROJECTION_BLOCK 8192         /* elements of the global index per reduction block */
#define PROJECTION_PARTIALS_SIZE 2048 /* bytes; fixed for ABI major 1 */

typedef struct projection_partials {
  uint64_t opaque_[PROJECTION_PARTIALS_SIZE / 8];
} projection_partials;

/*! Makes `p` empty (the partials of a vector of no elements). Does nothing if `p` is NULL. */
PROJECTION_API void projection_partials_init(projection_partials *p);

/*! projection_partials_add_<type>:
 *  Adds the local part a[0..n), b[0..n) of the global vectors, whose element a[0] is
 *  element `offset` of the global vector, to `p`. Several parts may be added to one
 *  partials (for example the tensors of a list); each is summed as a separate shard.
 *  NaN or Inf is not an error here: it marks `p`, and the finishing calls refuse it.
 *  @return PROJECTION_OK;
 *          PROJECTION_ERR_NULL      if `p` is NULL, or n > 0 and `a` or `b` is NULL;
 *          PROJECTION_ERR_ARGUMENT  if offset + n overflows 64 bits;
 *          PROJECTION_ERR_PARTIALS  if `p` is not a valid partials. */
PROJECTION_API projection_status projection_partials_add_f32(
    projection_partials *p, const float *a, const float *b, size_t n, uint64_t offset);
PROJECTION_API projection_status projection_partials_add_f64(
    projection_partials *p, const double *a, const double *b, size_t n, uint64_t offset);
PROJECTION_API projection_status projection_partials_add_bf16(
    projection_partials *p, const projection_bf16 *a, const projection_bf16 *b, size_t n,
    uint64_t offset);
PROJECTION_API projection_status projection_partials_add_f16(
    projection_partials *p, const projection_f16 *a, const projection_f16 *b, size_t n,
    uint64_t offset);

/*! Adds `from` into `into`, exactly.
 *  @return PROJECTION_OK;
 *          PROJECTION_ERR_NULL      if either is NULL;
 *          PROJECTION_ERR_OVERLAP   if they are the same struct or overlap (merging a
 *                                   partials into itself is refused, not doubled);
 *          PROJECTION_ERR_PARTIALS  if either is not a valid partials. */
PROJECTION_API projection_status projection_partials_merge(
    projection_partials *into, const projection_partials *from);

/*! The 2-norm order of the global (a, b), and their norms, from merged partials.
 *  @return as projection_order_by_norm_f32 (without ARGUMENT), plus
 *          PROJECTION_ERR_NONFINITE if any shard held NaN or Inf,
 *          PROJECTION_ERR_PARTIALS  if `p` is not valid. */
PROJECTION_API projection_status projection_partials_order_by_norm(
    const projection_partials *p, int *swapped, double *norm_a, double *norm_b);

/*! alpha and scale of the global (noise_grad, model_grad), from merged partials.
 *  @return as projection_equivalent_alpha_f32, plus PROJECTION_ERR_PARTIALS. */
PROJECTION_API projection_status projection_partials_equivalent_alpha(
    const projection_partials *p, double *alpha, double *scale);

/*! projection_partials_<vector operation>_<type>:
 *  The vector operations on the local shard a[0..n), b[0..n), with the coefficient of
 *  the global vectors taken from merged partials `p`: out = k b (vector_projection),
 *  L - k S (project_out_smaller), L + (1 - k) S (alphaless_gradient). With shards at
 *  multiples of PROJECTION_BLOCK, each output element is bitwise the one the single
 *  call on the whole vector writes.
 *  @return as the single-buffer function, plus PROJECTION_ERR_NONFINITE if any shard
 *          held NaN or Inf, and PROJECTION_ERR_NULL if `p` is NULL,
 *          PROJECTION_ERR_PARTIALS if `p` is not valid. */
PROJECTION_API projection_status projection_partials_vector_projection_f32(
    const projection_partials *p, const float *a, const float *b, size_t n, float *out);
PROJECTION_API projection_status projection_partials_vector_projection_f64(
    const projection_partials *p, const double *a, const double *b, size_t n, double *out);
PROJECTION_API projection_status projection_partials_vector_projection_bf16(
    const projection_partials *p, const projection_bf16 *a, const projection_bf16 *b, size_t n,
    projection_bf16 *out);
PROJECTION_API projection_status projection_partials_vector_projection_f16(
    const projection_partials *p, const projection_f16 *a, const projection_f16 *b, size_t n,
    projection_f16 *out);

PROJECTION_API projection_status projection_partials_project_out_smaller_f32(
    const projection_partials *p, const float *a, const float *b, size_t n, float *out);
PROJECTION_API projection_status projection_partials_project_out_smaller_f64(
    const projection_partials *p, const double *a, const double *b, size_t n, double *out);
PROJECTION_API projection_status projection_partials_project_out_smaller_bf16(
    const projection_partials *p, const projection_bf16 *a, const projection_bf16 *b, size_t n,
    projection_bf16 *out);
PROJECTION_API projection_status projection_partials_project_out_smaller_f16(
    const projection_partials *p, const projection_f16 *a, const projection_f16 *b, size_t n,
    projection_f16 *out);

PROJECTION_API projection_status projection_partials_alphaless_gradient_f32(
    const projection_partials *p, const float *noise_grad, const float *model_grad, size_t n,
    float *out);
PROJECTION_API projection_status projection_partials_alphaless_gradient_f64(
    const projection_partials *p, const double *noise_grad, const double *model_grad, size_t n,
    double *out);
PROJECTION_API projection_status projection_partials_alphaless_gradient_bf16(
    const projection_partials *p, const projection_bf16 *noise_grad,
    const projection_bf16 *model_grad, size_t n, projection_bf16 *out);
PROJECTION_API projection_status projection_partials_alphaless_gradient_f16(
    const projection_partials *p, const projection_f16 *noise_grad,
    const projection_f16 *model_grad, size_t n, projection_f16 *out);

/* ================================================================ 6. library */

/*! @return a static description of `s`; never NULL, also for unknown codes. */
PROJECTION_API const char *projection_status_string(projection_status s);

/*! @return "MAJOR.MINOR.PATCH" of the library actually loaded. */
PROJECTION_API const char *projection_version_string(void);

/*! @return MAJOR*10000 + MINOR*100 + PATCH of the library actually loaded. */
PROJECTION_API unsigned projection_version_number(void);

/*! @return the instruction set of the kernels in use: "avx512bw", "fma3+avx2" or
 *  "sse2" on x86-64, "neon64" on aarch64, "generic" (portable C++) elsewhere. Chosen
 *  once, at first use, as the best the CPU and OS support; the environment variable
 *  PROJECTION_ARCH (avx512, avx2, sse2, neon, generic) forces a lower one that the CPU
 *  can run (an unknown or unsupported value is ignored). */
PROJECTION_API const char *projection_simd_arch(void);

/*! Sets the number of threads used for large inputs, for all callers of the
 *  library; n <= 0 restores the OpenMP default (OMP_NUM_THREADS; an invalid value
 *  there, such as 0, -3 or abc, is ignored by the runtime). Safe to call while other
 *  threads compute: a call in flight keeps the count it started with. Honoured in a
 *  forked child as in any process (see "fork()" at the top of this header). */
PROJECTION_API void projection_set_num_threads(int n);

/*! @return the number of threads a large call from the calling thread would use now
 *  (at least 1): the count set above, else the OpenMP default; 1 on the one thread of
 *  a forked child that may not open a team (see "fork()" at the top of this header). */
PROJECTION_API int projection_get_num_threads(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* PROJECTION_PROJECTION_H */
