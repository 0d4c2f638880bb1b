/* Shards across MPI ranks (SPEC section 8, include/projection/projection_mpi.h).
 *
 * ctest runs this under `mpirun -np 1`, 2, 3 and 4. Every rank builds the same
 * deterministic global vectors (float, double, bf16, f16; lengths 0, 1, 1000, one block,
 * several blocks plus a ragged end, and one large enough for the OpenMP path), computes
 * the single calls on the whole vectors locally (the common reference), adds its own
 * shard to a projection_partials, all-reduces with projection_mpi_allreduce and finishes:
 *
 *  aligned     shards (and the pieces a rank adds) start at multiples of PROJECTION_BLOCK:
 *              norms, order, alpha, scale and the three vector operations on the rank's
 *              shard are bitwise the single call's. As the reference is the same for any
 *              number of ranks, the results for 1, 2, 3 and 4 ranks are bitwise equal.
 *  unaligned   cuts at arbitrary offsets (also between the pieces of one rank, so even
 *              one rank has them): a block cut in two is summed as two fragments, each
 *              rounded in its own lanes, so the sums a.a, b.b and a.b can differ from the
 *              single call's in their last bits. Then the scalars are within a relative
 *              1e-10 of the single call's (they differ by a few units of 2^-53 in fact)
 *              and the output elements within one rounding of the output type (plus the
 *              coefficient's tiny difference). Every rank still holds the same merged bytes.
 *  nonfinite   NaN or Inf in one rank's shard: the all-reduce returns
 *              PROJECTION_ERR_NONFINITE on every rank, and every finishing call on every
 *              rank returns it and writes nothing (outputs, in-place inputs, result pointers).
 *  corrupted   one rank's struct with a flipped byte (magic, layout version, counts,
 *              checksum, digits, padding), zeroed, all 0xFF, or NULL: every rank gets
 *              PROJECTION_ERR_PARTIALS (PROJECTION_ERR_NULL on the NULL rank) from the
 *              all-reduce and from every finishing call, and nothing is written.
 *  bytes       (locally) every single-bit flip of a valid struct is refused by merge and
 *              by the finishing calls; zero, 0xFF and random garbage structs are refused.
 *  array       MPI_Allreduce of several partials at once with projection_mpi_datatype()
 *              and projection_mpi_op(); the handles are cached.
 *  C++         the header compiled as C++ in another translation unit (cxx_include.cpp)
 *              gives the same bytes.
 *
 * Usage: test_mpi [N]: with N, fails unless it runs on exactly N ranks.
 * Exit status 0 on every rank only if every check on every rank passed. */
#include <projection/projection_mpi.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int g_rank = 0, g_size = 1;
static long g_checks = 0, g_failures = 0;
static const char *g_context = "";

#define CHECK(cond)                                                                         \
  do {                                                                                      \
    ++g_checks;                                                                             \
    if (!(cond)) {                                                                          \
      if (++g_failures <= 40)                                                               \
        fprintf(stderr, "[np=%d rank %d] %s:%d: %s: check failed: %s\n", g_size, g_rank,    \
                __FILE__, __LINE__, g_context, #cond);                                      \
    }                                                                                       \
  } while (0)

#define BLOCK ((size_t)PROJECTION_BLOCK)
#define SENTINEL_BYTE 0xA5

static void *xmalloc(size_t bytes) {
  void *p = malloc(bytes ? bytes : 1);
  if (!p) {
    fprintf(stderr, "[rank %d] out of memory\n", g_rank);
    MPI_Abort(MPI_COMM_WORLD, 2);
  }
  return p;
}

static uint64_t splitmix(uint64_t x) {
  x += 0x9e3779b97f4a7c15u;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
  return x ^ (x >> 31);
}

static int same_bits(double x, double y) { return memcmp(&x, &y, sizeof x) == 0; }
static int all_bytes(const void *p, size_t bytes, unsigned char v) {
  const unsigned char *c = (const unsigned char *)p;
  size_t i;
  for (i = 0; i < bytes; ++i)
    if (c[i] != v) return 0;
  return 1;
}

/* ---------------------------------------------------------------- element types */
/* The element types behind one interface: each wraps the library's typed functions. */
typedef projection_status (*single_vec_fn)(const void *, const void *, size_t, void *);
typedef projection_status (*partials_vec_fn)(const projection_partials *, const void *,
                                             const void *, size_t, void *);
typedef struct {
  const char *name;
  size_t size;
  double eps; /* unit roundoff of the output type */
  projection_status (*add)(projection_partials *, const void *, const void *, size_t, uint64_t);
  projection_status (*order)(const void *, const void *, size_t, double, int *, double *,
                             double *);
  projection_status (*alpha)(const void *, const void *, size_t, double *, double *);
  single_vec_fn single[3];     /* vector_projection, project_out_smaller, alphaless */
  partials_vec_fn partial[3];
  double (*get)(const void *, size_t);
  /* element bits from 64 random bits; b's from a's and more random bits */
  void (*gen)(void *a, void *b, size_t i, uint64_t r1, uint64_t r2);
  void (*poison)(void *x, size_t i, int kind); /* kind 0: NaN, 1: +Inf, 2: -Inf */
} elem_type;

#define WRAP(SFX, T)                                                                           \
  static projection_status add_##SFX(projection_partials *p, const void *a, const void *b,    \
                                     size_t n, uint64_t off) {                                 \
    return projection_partials_add_##SFX(p, (const T *)a, (const T *)b, n, off);               \
  }                                                                                            \
  static projection_status order_##SFX(const void *a, const void *b, size_t n, double ord,    \
                                       int *sw, double *na, double *nb) {                      \
    return projection_order_by_norm_##SFX((const T *)a, (const T *)b, n, ord, sw, na, nb);     \
  }                                                                                            \
  static projection_status alpha_##SFX(const void *a, const void *b, size_t n, double *al,    \
                                       double *sc) {                                           \
    return projection_equivalent_alpha_##SFX((const T *)a, (const T *)b, n, al, sc);           \
  }                                                                                            \
  static projection_status s0_##SFX(const void *a, const void *b, size_t n, void *o) {        \
    return projection_vector_projection_##SFX((const T *)a, (const T *)b, n, (T *)o);          \
  }                                                                                            \
  static projection_status s1_##SFX(const void *a, const void *b, size_t n, void *o) {        \
    return projection_project_out_smaller_##SFX((const T *)a, (const T *)b, n, (T *)o);        \
  }                                                                                            \
  static projection_status s2_##SFX(const void *a, const void *b, size_t n, void *o) {        \
    return projection_alphaless_gradient_##SFX((const T *)a, (const T *)b, n, (T *)o);         \
  }                                                                                            \
  static projection_status p0_##SFX(const projection_partials *p, const void *a,              \
                                    const void *b, size_t n, void *o) {                        \
    return projection_partials_vector_projection_##SFX(p, (const T *)a, (const T *)b, n,       \
                                                        (T *)o);                               \
  }                                                                                            \
  static projection_status p1_##SFX(const projection_partials *p, const void *a,              \
                                    const void *b, size_t n, void *o) {                        \
    return projection_partials_project_out_smaller_##SFX(p, (const T *)a, (const T *)b, n,     \
                                                          (T *)o);                             \
  }                                                                                            \
  static projection_status p2_##SFX(const projection_partials *p, const void *a,              \
                                    const void *b, size_t n, void *o) {                        \
    return projection_partials_alphaless_gradient_##SFX(p, (const T *)a, (const T *)b, n,      \
                                                         (T *)o);                              \
  }
WRAP(f32, float)
WRAP(f64, double)
WRAP(bf16, projection_bf16)
WRAP(f16, projection_f16)

/* Values: random sign and mantissa over a range of exponents, some zeros; b is a with
 * the low half of the mantissa re-drawn and the sign flipped one time in four, so that
 * a.b is well away from zero (the unaligned bounds are relative to it). */
static double get_f32(const void *x, size_t i) { return ((const float *)x)[i]; }
static double get_f64(const void *x, size_t i) { return ((const double *)x)[i]; }
static double get_bf16(const void *x, size_t i) {
  uint32_t u = (uint32_t)((const projection_bf16 *)x)[i].bits << 16;
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}
static double get_f16(const void *x, size_t i) {
  const unsigned h = ((const projection_f16 *)x)[i].bits;
  const int e = (int)((h >> 10) & 31), m = (int)(h & 1023);
  const double v = e ? ldexp(1024.0 + m, e - 25) : ldexp((double)m, -24);
  return (h >> 15) ? -v : v;
}

/* sign/exponent/mantissa from r; b from a by re-drawing `low` mantissa bits from r2 */
static uint64_t make_bits(uint64_t r, int mant_bits, int exp_lo, int exp_span, int total_bits) {
  const uint64_t mant = r & ((UINT64_C(1) << mant_bits) - 1);
  const uint64_t sign = (r >> 62) & 1;
  uint64_t e = (uint64_t)exp_lo + (r >> 40) % (uint64_t)exp_span;
  if (((r >> 32) & 63) == 0) return sign << (total_bits - 1); /* a signed zero now and then */
  return (sign << (total_bits - 1)) | (e << mant_bits) | mant;
}
static uint64_t derive_bits(uint64_t a, uint64_t r2, int mant_bits, int total_bits) {
  const int low = mant_bits / 2;
  uint64_t b = (a & ~((UINT64_C(1) << low) - 1)) | (r2 & ((UINT64_C(1) << low) - 1));
  if ((a << (65 - total_bits)) == 0) b = a ^ (r2 & 1); /* zero stays (nearly) zero */
  if (((r2 >> 20) & 3) == 0) b ^= UINT64_C(1) << (total_bits - 1);
  return b;
}
static void gen_f32(void *a, void *b, size_t i, uint64_t r1, uint64_t r2) {
  const uint32_t x = (uint32_t)make_bits(r1, 23, 127 - 20, 31, 32);
  const uint32_t y = (uint32_t)derive_bits(x, r2, 23, 32);
  memcpy((float *)a + i, &x, 4);
  memcpy((float *)b + i, &y, 4);
}
static void gen_f64(void *a, void *b, size_t i, uint64_t r1, uint64_t r2) {
  /* 52 mantissa bits need more than r1's low bits: mix r2 in */
  uint64_t x = make_bits(r1, 52, 1023 - 30, 61, 64);
  uint64_t y;
  if (x << 1) x = (x & ~((UINT64_C(1) << 40) - 1)) | (splitmix(r2) & ((UINT64_C(1) << 40) - 1));
  y = derive_bits(x, r2, 52, 64);
  memcpy((double *)a + i, &x, 8);
  memcpy((double *)b + i, &y, 8);
}
static void gen_bf16(void *a, void *b, size_t i, uint64_t r1, uint64_t r2) {
  const uint16_t x = (uint16_t)make_bits(r1, 7, 127 - 20, 31, 16);
  ((projection_bf16 *)a)[i].bits = x;
  ((projection_bf16 *)b)[i].bits = (uint16_t)derive_bits(x, r2, 7, 16);
}
static void gen_f16(void *a, void *b, size_t i, uint64_t r1, uint64_t r2) {
  /* exponents 0 (subnormal) .. 21: |x| < 128 */
  const uint16_t x = (uint16_t)make_bits(r1, 10, 0, 22, 16);
  ((projection_f16 *)a)[i].bits = x;
  ((projection_f16 *)b)[i].bits = (uint16_t)derive_bits(x, r2, 10, 16);
}

static void poison_f32(void *x, size_t i, int kind) {
  ((float *)x)[i] = kind == 0 ? NAN : kind == 1 ? INFINITY : -INFINITY;
}
static void poison_f64(void *x, size_t i, int kind) {
  ((double *)x)[i] = kind == 0 ? NAN : kind == 1 ? INFINITY : -INFINITY;
}
static void poison_bf16(void *x, size_t i, int kind) {
  ((projection_bf16 *)x)[i].bits = kind == 0 ? 0x7FC1 : kind == 1 ? 0x7F80 : 0xFF80;
}
static void poison_f16(void *x, size_t i, int kind) {
  ((projection_f16 *)x)[i].bits = kind == 0 ? 0xFE01 : kind == 1 ? 0x7C00 : 0xFC00;
}

static const elem_type k_types[4] = {
    {"f32", 4, 0x1p-24, add_f32, order_f32, alpha_f32, {s0_f32, s1_f32, s2_f32},
     {p0_f32, p1_f32, p2_f32}, get_f32, gen_f32, poison_f32},
    {"f64", 8, 0x1p-53, add_f64, order_f64, alpha_f64, {s0_f64, s1_f64, s2_f64},
     {p0_f64, p1_f64, p2_f64}, get_f64, gen_f64, poison_f64},
    {"bf16", 2, 0x1p-8, add_bf16, order_bf16, alpha_bf16, {s0_bf16, s1_bf16, s2_bf16},
     {p0_bf16, p1_bf16, p2_bf16}, get_bf16, gen_bf16, poison_bf16},
    {"f16", 2, 0x1p-11, add_f16, order_f16, alpha_f16, {s0_f16, s1_f16, s2_f16},
     {p0_f16, p1_f16, p2_f16}, get_f16, gen_f16, poison_f16},
};

/* ---------------------------------------------------------------- global vectors */
typedef struct {
  const elem_type *t;
  size_t n;
  unsigned char *a, *b;       /* the global vectors, n elements each */
  int swapped;                /* the single calls on the whole vectors */
  double norm_a, norm_b, alpha, scale;
  unsigned char *out[3];      /* the three vector operations, n elements each */
} global_case;

static void make_case(global_case *g, const elem_type *t, size_t n, uint64_t seed) {
  size_t i;
  int v;
  g->t = t;
  g->n = n;
  g->a = (unsigned char *)xmalloc(n * t->size);
  g->b = (unsigned char *)xmalloc(n * t->size);
  for (i = 0; i < n; ++i) {
    const uint64_t r1 = splitmix(seed ^ (2 * i)), r2 = splitmix(seed ^ (2 * i + 1));
    t->gen(g->a, g->b, i, r1, r2);
  }
  CHECK(t->order(n ? g->a : NULL, n ? g->b : NULL, n, 2.0, &g->swapped, &g->norm_a,
                 &g->norm_b) == PROJECTION_OK);
  CHECK(t->alpha(n ? g->a : NULL, n ? g->b : NULL, n, &g->alpha, &g->scale) == PROJECTION_OK);
  for (v = 0; v < 3; ++v) {
    g->out[v] = (unsigned char *)xmalloc(n * t->size);
    CHECK(t->single[v](n ? g->a : NULL, n ? g->b : NULL, n, n ? g->out[v] : NULL) ==
          PROJECTION_OK);
  }
}

static void free_case(global_case *g) {
  int v;
  free(g->a);
  free(g->b);
  for (v = 0; v < 3; ++v) free(g->out[v]);
}

/* A cut of [0, n) into size ranks: [cut(r), cut(r + 1)). */
static size_t cut_aligned(size_t n, int r, int size) {
  const size_t blocks = (n + BLOCK - 1) / BLOCK;
  const size_t e = blocks * (size_t)r / (size_t)size * BLOCK;
  return e < n ? e : n;
}
static size_t cut_unaligned(size_t n, int r, int size) {
  size_t e;
  if (r == 0) return 0;
  if (r == size) return n;
  e = n * (size_t)r / (size_t)size + 13 * (size_t)r + 1;
  return e < n ? e : n;
}

/* Whether every rank holds the same bytes in *p (ranks with have == 0 hold none and only
 * take part). */
static int same_on_every_rank(const void *p, size_t bytes, int have) {
  uint64_t h = 0xcbf29ce484222325u, mine[2], *all;
  const unsigned char *c = (const unsigned char *)p;
  size_t i;
  int r, same = 1, first = -1;
  for (i = 0; have && i < bytes; ++i) h = (h ^ c[i]) * 0x100000001b3u;
  mine[0] = (uint64_t)have;
  mine[1] = h;
  all = (uint64_t *)xmalloc(2 * sizeof(uint64_t) * (size_t)g_size);
  MPI_Allgather(mine, 2, MPI_UINT64_T, all, 2, MPI_UINT64_T, MPI_COMM_WORLD);
  for (r = 0; r < g_size; ++r) {
    if (!all[2 * r]) continue;
    if (first < 0) first = r;
    else if (all[2 * r + 1] != all[2 * first + 1]) same = 0;
  }
  free(all);
  return same;
}

/* The partials of this rank's shard [lo, hi), added in pieces. `style` varies how:
 * 0: one add; 1: two adds, the second piece first; 2: two partials merged locally.
 * `split` is where the pieces meet (lo <= split <= hi). */
static void shard_partials(const global_case *g, size_t lo, size_t hi, size_t split, int style,
                           projection_partials *p) {
  const elem_type *t = g->t;
  const unsigned char *a = g->a, *b = g->b;
  const size_t s = t->size;
  projection_partials q;
  projection_partials_init(p);
  switch (style) {
    case 0:
      CHECK(t->add(p, a + lo * s, b + lo * s, hi - lo, lo) == PROJECTION_OK);
      break;
    case 1:
      CHECK(t->add(p, a + split * s, b + split * s, hi - split, split) == PROJECTION_OK);
      CHECK(t->add(p, a + lo * s, b + lo * s, split - lo, lo) == PROJECTION_OK);
      break;
    default:
      projection_partials_init(&q);
      CHECK(t->add(p, a + lo * s, b + lo * s, split - lo, lo) == PROJECTION_OK);
      CHECK(t->add(&q, a + split * s, b + split * s, hi - split, split) == PROJECTION_OK);
      CHECK(projection_partials_merge(p, &q) == PROJECTION_OK);
      break;
  }
}

/* ---------------------------------------------------------------- aligned, unaligned */
static int within(double x, double ref, double rel) {
  return fabs(x - ref) <= rel * fabs(ref) || same_bits(x, ref);
}

static double g_unaligned_max_rel = 0; /* the largest scalar difference seen, relative */
static long g_unaligned_elements_differing = 0, g_unaligned_scalars_differing = 0;

static void run_shards(const global_case *g, int aligned, int style) {
  const elem_type *t = g->t;
  const size_t s = t->size, n = g->n;
  const size_t lo = aligned ? cut_aligned(n, g_rank, g_size) : cut_unaligned(n, g_rank, g_size);
  const size_t hi = aligned ? cut_aligned(n, g_rank + 1, g_size)
                            : cut_unaligned(n, g_rank + 1, g_size);
  const size_t m = hi - lo;
  /* pieces: at a block boundary near the middle (aligned), a third of the way (unaligned) */
  const size_t split = aligned ? lo + (m / BLOCK / 2) * BLOCK : lo + m / 3;
  projection_partials p;
  unsigned char *out = (unsigned char *)xmalloc(m * s);
  int swapped = -1, v, rc;
  double na = -1, nb = -1, al = -1, sc = -1;
  size_t i;

  shard_partials(g, lo, hi, split, style, &p);
  rc = projection_mpi_allreduce(&p, MPI_COMM_WORLD);
  CHECK(rc == PROJECTION_OK);
  CHECK(same_on_every_rank(&p, sizeof p, 1));
  CHECK(projection_partials_order_by_norm(&p, &swapped, &na, &nb) == PROJECTION_OK);
  CHECK(projection_partials_equivalent_alpha(&p, &al, &sc) == PROJECTION_OK);
  CHECK(swapped == g->swapped);
  if (aligned) {
    CHECK(same_bits(na, g->norm_a));
    CHECK(same_bits(nb, g->norm_b));
    CHECK(same_bits(al, g->alpha));
    CHECK(same_bits(sc, g->scale));
  } else {
    const double x[4] = {na, nb, al, sc}, r[4] = {g->norm_a, g->norm_b, g->alpha, g->scale};
    int k;
    for (k = 0; k < 4; ++k) {
      CHECK(within(x[k], r[k], 1e-10));
      if (!same_bits(x[k], r[k])) {
        const double d = fabs(x[k] - r[k]) / fabs(r[k]);
        ++g_unaligned_scalars_differing;
        if (d > g_unaligned_max_rel) g_unaligned_max_rel = d;
      }
    }
  }
  for (v = 0; v < 3; ++v) {
    const unsigned char *ref = g->out[v] + lo * s;
    memset(out, SENTINEL_BYTE, m * s);
    CHECK(t->partial[v](&p, m ? g->a + lo * s : NULL, m ? g->b + lo * s : NULL, m,
                        m ? out : NULL) == PROJECTION_OK);
    if (aligned) {
      CHECK(memcmp(out, ref, m * s) == 0);
    } else {
      int ok = 1;
      for (i = 0; i < m; ++i) {
        const double o = t->get(out, i), r = t->get(ref, i);
        const double x = t->get(g->a, lo + i), y = t->get(g->b, lo + i);
        /* one rounding of the output type either way, plus the coefficient's
         * difference (relative 1e-13 at most) times |a| + |b| (|c| is O(1) here) */
        const double bound = 2 * t->eps * fabs(r) + 1e-10 * (fabs(x) + fabs(y));
        if (memcmp(out + i * s, ref + i * s, s) != 0) ++g_unaligned_elements_differing;
        if (!(fabs(o - r) <= bound)) ok = 0;
      }
      CHECK(ok);
    }
  }
  free(out);
}

/* ---------------------------------------------------------------- errors */
/* Every finishing call on p returns `want` and writes nothing; in place too. */
static void finishing_calls_refuse(const global_case *g, const projection_partials *p,
                                   size_t lo, size_t hi, projection_status want) {
  const elem_type *t = g->t;
  const size_t s = t->size, m = hi - lo;
  int swapped = -7, v;
  double na = -7, nb = -7, al = -7, sc = -7;
  unsigned char *out = (unsigned char *)xmalloc(m * s);
  unsigned char *a = (unsigned char *)xmalloc(m * s), *b = (unsigned char *)xmalloc(m * s);
  CHECK(projection_partials_order_by_norm(p, &swapped, &na, &nb) == want);
  CHECK(swapped == -7 && na == -7 && nb == -7);
  CHECK(projection_partials_equivalent_alpha(p, &al, &sc) == want);
  CHECK(al == -7 && sc == -7);
  for (v = 0; v < 3; ++v) {
    memcpy(a, g->a + lo * s, m * s);
    memcpy(b, g->b + lo * s, m * s);
    memset(out, SENTINEL_BYTE, m * s);
    CHECK(t->partial[v](p, m ? a : NULL, m ? b : NULL, m, m ? out : NULL) == want);
    CHECK(all_bytes(out, m * s, SENTINEL_BYTE));
    /* in place, over a and over b */
    CHECK(t->partial[v](p, m ? a : NULL, m ? b : NULL, m, m ? a : NULL) == want);
    CHECK(t->partial[v](p, m ? a : NULL, m ? b : NULL, m, m ? b : NULL) == want);
    CHECK(memcmp(a, g->a + lo * s, m * s) == 0 && memcmp(b, g->b + lo * s, m * s) == 0);
  }
  free(out);
  free(a);
  free(b);
}

/* NaN or Inf at element `where` of rank `bad`'s shard, in a (which == 0) or b. */
static void run_nonfinite(global_case *g, int bad, int which, int kind) {
  const elem_type *t = g->t;
  const size_t s = t->size, n = g->n;
  const size_t lo = cut_aligned(n, g_rank, g_size), hi = cut_aligned(n, g_rank + 1, g_size);
  unsigned char *x = which == 0 ? g->a : g->b;
  unsigned char keep[8];
  size_t where = 0;
  projection_partials p;
  int rc;
  if (g_rank == bad) {
    where = lo + (hi - lo) / 2; /* the bad rank's shard is never empty in the cases used */
    memcpy(keep, x + where * s, s);
    t->poison(x, where, kind);
  }
  shard_partials(g, lo, hi, lo + (hi - lo) / BLOCK / 2 * BLOCK, 1, &p);
  rc = projection_mpi_allreduce(&p, MPI_COMM_WORLD);
  CHECK(rc == PROJECTION_ERR_NONFINITE);
  CHECK(same_on_every_rank(&p, sizeof p, 1));
  finishing_calls_refuse(g, &p, lo, hi, PROJECTION_ERR_NONFINITE);
  if (g_rank == bad) memcpy(x + where * s, keep, s);
}

/* Rank `bad`'s struct damaged in one of several ways (and, in how == 9, another rank's
 * shard holding a NaN as well: the damage still wins). */
static const char *const k_damage[] = {
    "flipped magic byte",      "flipped layout-version byte", "flipped element-count byte",
    "flipped checksum byte",   "flipped digit byte",          "flipped padding byte",
    "zeroed (never initialized)", "all 0xFF",               "NULL on that rank",
    "flipped digit byte and a NaN on another rank"};
#define DAMAGE_KINDS 10

static void damage(projection_partials *p, int how) {
  unsigned char *c = (unsigned char *)p;
  switch (how) {
    case 0: c[0] ^= 0x01; break;      /* magic */
    case 1: c[4] ^= 0x02; break;      /* layout version: another version's struct */
    case 2: c[16] ^= 0x80; break;     /* element count */
    case 3: c[24] ^= 0x10; break;     /* checksum */
    case 4: c[200] ^= 0x04; break;    /* exact-sum digits */
    case 5: c[PROJECTION_PARTIALS_SIZE - 1] ^= 0x40; break; /* beyond the layout */
    case 6: memset(p, 0, sizeof *p); break;
    case 7: memset(p, 0xFF, sizeof *p); break;
    case 9: c[1000] ^= 0x01; break;
    default: break;
  }
}

static void run_damaged(global_case *g, int bad, int how) {
  const elem_type *t = g->t;
  const size_t s = t->size, n = g->n;
  const size_t lo = cut_aligned(n, g_rank, g_size), hi = cut_aligned(n, g_rank + 1, g_size);
  const int nan_rank = (bad + 1) % g_size;
  projection_partials p;
  unsigned char keep[8];
  size_t where = lo + (hi - lo) / 2;
  int rc, is_null = how == 8 && g_rank == bad;
  if (how == 9 && g_rank == nan_rank && g_size > 1) {
    memcpy(keep, g->a + where * s, s);
    t->poison(g->a, where, 0);
  }
  shard_partials(g, lo, hi, lo, 0, &p);
  if (how == 9 && g_rank == nan_rank && g_size > 1) memcpy(g->a + where * s, keep, s);
  if (g_rank == bad) damage(&p, how);
  rc = projection_mpi_allreduce(is_null ? NULL : &p, MPI_COMM_WORLD);
  CHECK(rc == (is_null ? PROJECTION_ERR_NULL : PROJECTION_ERR_PARTIALS));
  CHECK(same_on_every_rank(&p, sizeof p, !is_null));
  if (is_null) return; /* that rank has no result: its own p was never passed */
  finishing_calls_refuse(g, &p, lo, hi, PROJECTION_ERR_PARTIALS);
  /* merging it anywhere is refused too, and leaves the target as it was */
  {
    projection_partials good, before;
    projection_partials_init(&good);
    memcpy(&before, &good, sizeof good);
    if (!is_null) {
      CHECK(projection_partials_merge(&good, &p) == PROJECTION_ERR_PARTIALS);
      CHECK(memcmp(&good, &before, sizeof good) == 0);
    }
  }
}

/* Locally: every single-bit flip of a valid, non-empty struct is refused by merge and
 * by a finishing call; so are zero, 0xFF and random structs. */
static void run_bytes(const global_case *g) {
  projection_partials p, q, e;
  unsigned char *c = (unsigned char *)&q;
  size_t i;
  int bit, refused = 1, merge_refused = 1, sw = -1;
  double al, sc;
  shard_partials(g, 0, g->n, 0, 0, &p);
  projection_partials_init(&e);
  for (i = 0; i < sizeof p; ++i) {
    for (bit = 0; bit < 8; ++bit) {
      memcpy(&q, &p, sizeof p);
      c[i] ^= (unsigned char)(1u << bit);
      if (projection_partials_equivalent_alpha(&q, &al, &sc) != PROJECTION_ERR_PARTIALS)
        refused = 0, fprintf(stderr, "[rank %d] bit %d of byte %zu: accepted\n", g_rank, bit, i);
      if (projection_partials_merge(&e, &q) != PROJECTION_ERR_PARTIALS) merge_refused = 0;
    }
  }
  CHECK(refused);
  CHECK(merge_refused);
  memset(&q, 0, sizeof q);
  CHECK(projection_partials_order_by_norm(&q, &sw, NULL, NULL) == PROJECTION_ERR_PARTIALS);
  memset(&q, 0xFF, sizeof q);
  CHECK(projection_partials_order_by_norm(&q, &sw, NULL, NULL) == PROJECTION_ERR_PARTIALS);
  for (i = 0; i < sizeof q; ++i) c[i] = (unsigned char)splitmix(i + 77);
  CHECK(projection_partials_order_by_norm(&q, &sw, NULL, NULL) == PROJECTION_ERR_PARTIALS);
  /* a valid header with garbage after it */
  memcpy(&q, &p, sizeof q);
  for (i = 40; i < sizeof q; ++i) c[i] = (unsigned char)splitmix(i + 99);
  CHECK(projection_partials_order_by_norm(&q, &sw, NULL, NULL) == PROJECTION_ERR_PARTIALS);
  CHECK(sw == -1);
  /* the empty partials is valid; all zero bytes (the all-reduce's invalid marker) is not */
  CHECK(projection_partials_order_by_norm(&e, &sw, NULL, NULL) == PROJECTION_OK);
}

/* Several partials in one MPI_Allreduce with the cached datatype and operation. */
static void run_array(global_case *cases, int count) {
  projection_partials *p = (projection_partials *)xmalloc((size_t)count * sizeof *p);
  int k;
  CHECK(projection_mpi_op() == projection_mpi_op());
  CHECK(projection_mpi_datatype() == projection_mpi_datatype());
  CHECK(projection_mpi_op() != MPI_OP_NULL && projection_mpi_datatype() != MPI_DATATYPE_NULL);
  for (k = 0; k < count; ++k) {
    const size_t n = cases[k].n;
    shard_partials(&cases[k], cut_aligned(n, g_rank, g_size), cut_aligned(n, g_rank + 1, g_size),
                   cut_aligned(n, g_rank, g_size), 0, &p[k]);
  }
  CHECK(MPI_Allreduce(MPI_IN_PLACE, p, count, projection_mpi_datatype(), projection_mpi_op(),
                      MPI_COMM_WORLD) == MPI_SUCCESS);
  for (k = 0; k < count; ++k) {
    double al = -1, sc = -1;
    CHECK(projection_partials_equivalent_alpha(&p[k], &al, &sc) == PROJECTION_OK);
    CHECK(same_bits(al, cases[k].alpha) && same_bits(sc, cases[k].scale));
  }
  free(p);
}

/* The same all-reduce from the header compiled as C++ (cxx_include.cpp): the same bytes. */
int projection_test_cxx_allreduce(projection_partials *p);
static void run_cxx(const global_case *g) {
  const size_t n = g->n;
  const size_t lo = cut_aligned(n, g_rank, g_size), hi = cut_aligned(n, g_rank + 1, g_size);
  projection_partials p, q;
  shard_partials(g, lo, hi, lo, 0, &p);
  memcpy(&q, &p, sizeof p);
  CHECK(projection_mpi_allreduce(&p, MPI_COMM_WORLD) == PROJECTION_OK);
  CHECK(projection_test_cxx_allreduce(&q) == PROJECTION_OK);
  CHECK(memcmp(&p, &q, sizeof p) == 0);
}

/* ---------------------------------------------------------------- main */
int main(int argc, char **argv) {
  static const size_t lengths[] = {0, 1, 1000, PROJECTION_BLOCK, 3 * PROJECTION_BLOCK + 517,
                                   9 * PROJECTION_BLOCK + 4095};
  enum { NL = sizeof lengths / sizeof lengths[0] };
  global_case cases[4][NL];
  long total_checks = 0, total_failures = 0;
  int ti, li, k, scenario = 0;
  char ctx[160];

  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &g_size);
  g_context = ctx;
  /* `test_mpi N`: fail unless there are N ranks (not N singletons of one rank each) */
  if (argc > 1 && atoi(argv[1]) != g_size) {
    fprintf(stderr, "[rank %d] expected %s ranks, found %d\n", g_rank, argv[1], g_size);
    MPI_Finalize();
    return 1;
  }

  for (ti = 0; ti < 4; ++ti)
    for (li = 0; li < NL; ++li) {
      snprintf(ctx, sizeof ctx, "single call %s n=%zu", k_types[ti].name, lengths[li]);
      make_case(&cases[ti][li], &k_types[ti], lengths[li], 1000u * (uint64_t)ti + (uint64_t)li);
    }

  /* aligned shards: bitwise the single call; three ways of adding the pieces */
  for (ti = 0; ti < 4; ++ti)
    for (li = 0; li < NL; ++li) {
      snprintf(ctx, sizeof ctx, "aligned %s n=%zu", k_types[ti].name, lengths[li]);
      run_shards(&cases[ti][li], 1, li % 3);
    }
  /* unaligned cuts: within the bound */
  for (ti = 0; ti < 4; ++ti)
    for (li = 0; li < NL; ++li) {
      snprintf(ctx, sizeof ctx, "unaligned %s n=%zu", k_types[ti].name, lengths[li]);
      run_shards(&cases[ti][li], 0, 1 + li % 2);
    }
  /* NaN/Inf on one rank (each rank in turn), in a or in b, every type */
  for (ti = 0; ti < 4; ++ti)
    for (k = 0; k < 3; ++k, ++scenario) {
      const int bad = scenario % g_size, which = k % 2, kind = (ti + k) % 3;
      snprintf(ctx, sizeof ctx, "nonfinite %s kind %d in %s on rank %d", k_types[ti].name, kind,
               which ? "b" : "a", bad);
      /* n = 9 blocks + a ragged end: every rank's shard holds elements for np <= 4 */
      run_nonfinite(&cases[ti][NL - 1], bad, which, kind);
    }
  /* a damaged struct on one rank (each rank in turn) */
  for (k = 0; k < DAMAGE_KINDS; ++k) {
    const int bad = k % g_size;
    snprintf(ctx, sizeof ctx, "damaged: %s on rank %d", k_damage[k], bad);
    run_damaged(&cases[k % 4][NL - 2], bad, k);
  }
  snprintf(ctx, sizeof ctx, "bytes");
  run_bytes(&cases[0][NL - 2]);
  snprintf(ctx, sizeof ctx, "array of partials");
  {
    global_case arr[4];
    for (ti = 0; ti < 4; ++ti) arr[ti] = cases[ti][(ti + 2) % NL];
    run_array(arr, 4);
  }
  snprintf(ctx, sizeof ctx, "header compiled as C++");
  run_cxx(&cases[1][NL - 1]);

  for (ti = 0; ti < 4; ++ti)
    for (li = 0; li < NL; ++li) free_case(&cases[ti][li]);

  MPI_Allreduce(&g_checks, &total_checks, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
  MPI_Allreduce(&g_failures, &total_failures, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
  {
    double max_rel = 0;
    long diff_el = 0, diff_sc = 0;
    MPI_Reduce(&g_unaligned_max_rel, &max_rel, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    MPI_Reduce(&g_unaligned_elements_differing, &diff_el, 1, MPI_LONG, MPI_SUM, 0, MPI_COMM_WORLD);
    MPI_Reduce(&g_unaligned_scalars_differing, &diff_sc, 1, MPI_LONG, MPI_SUM, 0, MPI_COMM_WORLD);
    if (g_rank == 0) {
      printf("mpi np=%d (%s kernels): %ld checks, %ld failed\n", g_size, projection_simd_arch(),
             total_checks, total_failures);
      printf("  aligned shards: bitwise equal to the single call (4 types x %d lengths)\n", NL);
      printf("  unaligned cuts: %ld scalars (of all ranks) and %ld output elements differ from "
             "the single call; largest scalar difference %.3g relative\n",
             diff_sc, diff_el, max_rel);
    }
  }
  MPI_Finalize();
  return total_failures == 0 ? 0 : 1;
}
