/* Shared by the threading tests (tests/threading/): deterministic inputs, every
 * operation's results for float and double, and a bitwise comparison of two result
 * sets. Header-only (static functions); C99. */
#ifndef PROJECTION_TESTS_THREADING_COMMON_H
#define PROJECTION_TESTS_THREADING_COMMON_H

#include <projection/projection.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Above the parallel threshold (65,536), with a ragged tail. */
#define LARGE_N ((size_t)(1u << 20) + 3u)
#define SMALL_N ((size_t)1000)

typedef struct {
  size_t n;
  float *af, *bf;
  double *ad, *bd;
} inputs;

typedef struct {
  size_t n;
  float *vp_f, *po_f, *ag_f;  /* vector_projection, project_out_smaller, alphaless_gradient */
  double *vp_d, *po_d, *ag_d;
  double scalars[8];          /* norm_a, norm_b, alpha, scale for f32 then f64 */
  int swapped[2];
  int status;                 /* the first status other than PROJECTION_OK, else OK */
} results;

/* Seconds a forked child may take before it counts as hung: PROJECTION_TEST_FORK_LIMIT
 * (ctest sets it: 10, or 30 in a sanitizer build), else 10. */
static double fork_limit(void) {
  const char *v = getenv("PROJECTION_TEST_FORK_LIMIT");
  double s = v ? atof(v) : 0.0;
  return s > 0 ? s : 10.0;
}

static void *xmalloc(size_t bytes) {
  void *p = malloc(bytes);
  if (!p) { fprintf(stderr, "out of memory (%zu bytes)\n", bytes); exit(2); }
  return p;
}

/* Values in about [-1, 1), the two vectors of different norms, no pattern that would
 * make two chunks alike. */
static void make_inputs(inputs *in, size_t n) {
  size_t i;
  unsigned long long x = 0x9E3779B97F4A7C15ull;
  in->n = n;
  in->af = (float *)xmalloc(n * sizeof(float));
  in->bf = (float *)xmalloc(n * sizeof(float));
  in->ad = (double *)xmalloc(n * sizeof(double));
  in->bd = (double *)xmalloc(n * sizeof(double));
  for (i = 0; i < n; ++i) {
    double u, v;
    x ^= x << 13; x ^= x >> 7; x ^= x << 17;
    u = (double)(x >> 11) / 9007199254740992.0 * 2.0 - 1.0;
    x ^= x << 13; x ^= x >> 7; x ^= x << 17;
    v = (double)(x >> 11) / 9007199254740992.0 * 2.0 - 1.0;
    in->ad[i] = u;
    in->bd[i] = 0.75 * v + 0.25 * u;
    in->af[i] = (float)in->ad[i];
    in->bf[i] = (float)in->bd[i];
  }
}

static void alloc_results(results *r, size_t n) {
  memset(r, 0, sizeof *r);
  r->n = n;
  r->vp_f = (float *)xmalloc(n * sizeof(float));
  r->po_f = (float *)xmalloc(n * sizeof(float));
  r->ag_f = (float *)xmalloc(n * sizeof(float));
  r->vp_d = (double *)xmalloc(n * sizeof(double));
  r->po_d = (double *)xmalloc(n * sizeof(double));
  r->ag_d = (double *)xmalloc(n * sizeof(double));
}

static void free_results(results *r) {
  free(r->vp_f); free(r->po_f); free(r->ag_f);
  free(r->vp_d); free(r->po_d); free(r->ag_d);
}

static void note(results *r, projection_status s) {
  if (s != PROJECTION_OK && r->status == PROJECTION_OK) r->status = (int)s;
}

/* Every operation, float and double, over in->n elements. */
static void compute(const inputs *in, results *r) {
  size_t n = in->n;
  r->status = PROJECTION_OK;
  note(r, projection_vector_projection_f32(in->af, in->bf, n, r->vp_f));
  note(r, projection_project_out_smaller_f32(in->af, in->bf, n, r->po_f));
  note(r, projection_alphaless_gradient_f32(in->af, in->bf, n, r->ag_f));
  note(r, projection_order_by_norm_f32(in->af, in->bf, n, 2.0, &r->swapped[0], &r->scalars[0],
                                       &r->scalars[1]));
  note(r, projection_equivalent_alpha_f32(in->af, in->bf, n, &r->scalars[2], &r->scalars[3]));
  note(r, projection_vector_projection_f64(in->ad, in->bd, n, r->vp_d));
  note(r, projection_project_out_smaller_f64(in->ad, in->bd, n, r->po_d));
  note(r, projection_alphaless_gradient_f64(in->ad, in->bd, n, r->ag_d));
  note(r, projection_order_by_norm_f64(in->ad, in->bd, n, 2.0, &r->swapped[1], &r->scalars[4],
                                       &r->scalars[5]));
  note(r, projection_equivalent_alpha_f64(in->ad, in->bd, n, &r->scalars[6], &r->scalars[7]));
}

/* NULL when every result is bitwise equal, else the name of the first that differs. */
static const char *differs(const results *x, const results *y) {
  size_t n = x->n;
  if (x->status != y->status) return "status";
  if (x->status != PROJECTION_OK) return "a status other than PROJECTION_OK";
  if (memcmp(x->vp_f, y->vp_f, n * sizeof(float))) return "vector_projection_f32";
  if (memcmp(x->po_f, y->po_f, n * sizeof(float))) return "project_out_smaller_f32";
  if (memcmp(x->ag_f, y->ag_f, n * sizeof(float))) return "alphaless_gradient_f32";
  if (memcmp(x->vp_d, y->vp_d, n * sizeof(double))) return "vector_projection_f64";
  if (memcmp(x->po_d, y->po_d, n * sizeof(double))) return "project_out_smaller_f64";
  if (memcmp(x->ag_d, y->ag_d, n * sizeof(double))) return "alphaless_gradient_f64";
  if (memcmp(x->scalars, y->scalars, sizeof x->scalars)) return "norms, alpha or scale";
  if (memcmp(x->swapped, y->swapped, sizeof x->swapped)) return "order_by_norm's swapped";
  return NULL;
}

/* A sanity check that the results are right, not merely equal to each other: the
 * norms and the equivalent alpha/scale against a plain long double evaluation. NULL
 * when they agree to 1e-9 relative, else what disagrees. */
static const char *wrong(const inputs *in, const results *r) {
  long double aa = 0, bb = 0, ab = 0, k, ss, ls, c_noise, c_model;
  size_t i;
  int swap;
  for (i = 0; i < in->n; ++i) {
    aa += (long double)in->ad[i] * in->ad[i];
    bb += (long double)in->bd[i] * in->bd[i];
    ab += (long double)in->ad[i] * in->bd[i];
  }
  if (r->status != PROJECTION_OK) return "a status other than PROJECTION_OK";
  if (fabs(r->scalars[4] - (double)sqrtl(aa)) > 1e-9 * (double)sqrtl(aa)) return "norm_a (f64)";
  if (fabs(r->scalars[5] - (double)sqrtl(bb)) > 1e-9 * (double)sqrtl(bb)) return "norm_b (f64)";
  swap = sqrtl(aa) > sqrtl(bb);
  if (r->swapped[1] != swap) return "swapped (f64)";
  ss = swap ? bb : aa;
  ls = ab;
  k = ss == 0 ? 0 : ls / ss;
  c_noise = swap ? 1 : 1 - k; /* noise = a: the smaller one is scaled by 1 - k */
  c_model = swap ? 1 - k : 1;
  if (fabs(r->scalars[7] - (double)(c_noise + c_model)) > 1e-9 * fabs((double)(c_noise + c_model)))
    return "scale (f64)";
  if (fabs(r->scalars[6] - (double)(c_noise / (c_noise + c_model))) > 1e-9)
    return "alpha (f64)";
  return NULL;
}

#endif
