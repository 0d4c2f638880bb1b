// Accuracy and agreement: every implementation's results against a __float128
// reference (products of two floats or two doubles are exact in it), and the
// library's results compared bitwise between one thread and all threads. This tells
// the report which peers lose accuracy by reducing float input in float, and whether
// the library computes what it is timed computing.
#include <omp.h>
#include <projection/projection.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "buffers.hpp"
#include "common.hpp"

namespace pbench {
namespace {

using q = __float128;

struct Ref {
  long double na, nb, alpha, scale, k;
  long double ab, bb;  // for vector_projection's (a.b / b.b) b
  bool swapped;
};

template <class T>
Ref reference(const Buffers<T> &B) {
  q aa = 0, bb = 0, ab = 0;
  for (std::size_t i = 0; i < B.n; ++i) {
    const q x = B.a[i], y = B.b[i];
    aa += x * x;
    bb += y * y;
    ab += x * y;
  }
  Ref r{};
  r.na = std::sqrt(static_cast<long double>(aa));
  r.nb = std::sqrt(static_cast<long double>(bb));
  r.ab = static_cast<long double>(ab);
  r.bb = static_cast<long double>(bb);
  r.swapped = aa > bb;
  const q ss = r.swapped ? bb : aa;
  const q k = ss == 0 ? q(0) : ab / ss;
  r.k = static_cast<long double>(k);
  const q c_noise = r.swapped ? q(1) : 1 - k, c_model = r.swapped ? 1 - k : q(1);
  r.scale = static_cast<long double>(c_noise + c_model);
  r.alpha = static_cast<long double>(c_noise / (c_noise + c_model));
  return r;
}

long double rel(long double got, long double want) {
  return want == 0 ? std::fabs(got) : std::fabs(got - want) / std::fabs(want);
}

// max |out - ref| / max |ref| for the three vector operations, ref from the exact k.
template <class T>
long double vec_err(const Buffers<T> &B, const Ref &r, Op op) {
  const T *S = r.swapped ? B.b : B.a, *L = r.swapped ? B.a : B.b;
  long double emax = 0, rmax = 0;
  for (std::size_t i = 0; i < B.n; ++i) {
    long double want;
    if (op == Op::vector_projection) want = r.bb == 0 ? 0 : (r.ab / r.bb) * B.b[i];
    else if (op == Op::project_out_smaller) want = L[i] - r.k * S[i];
    else want = L[i] + (1 - r.k) * S[i];
    emax = std::fmax(emax, std::fabs(B.out[i] - want));
    rmax = std::fmax(rmax, std::fabs(want));
  }
  return rmax == 0 ? emax : emax / rmax;
}

struct Result {
  long double e_norm, e_alpha, e_scale, e_vp, e_pos, e_ag;
  bool swapped_ok;
};

template <class T>
Result measure(Buffers<T> &B, const Impl<T> &impl, const Ref &r) {
  Result res{};
  int sw = -1;
  double na = 0, nb = 0, alpha = 0, scale = 0;
  impl.order_by_norm(B.a, B.b, B.n, &sw, &na, &nb);
  res.e_norm = std::fmax(rel(na, r.na), rel(nb, r.nb));
  res.swapped_ok = (sw == 1) == r.swapped;
  impl.equivalent_alpha(B.a, B.b, B.n, &alpha, &scale);
  res.e_alpha = rel(alpha, r.alpha);
  res.e_scale = rel(scale, r.scale);
  impl.vector_projection(B.a, B.b, B.n, B.out);
  res.e_vp = vec_err(B, r, Op::vector_projection);
  impl.project_out_smaller(B.a, B.b, B.n, B.out);
  res.e_pos = vec_err(B, r, Op::project_out_smaller);
  impl.alphaless_gradient(B.a, B.b, B.n, B.out);
  res.e_ag = vec_err(B, r, Op::alphaless_gradient);
  return res;
}

// Bitwise comparison of every result of the library between thread counts.
template <class T>
bool deterministic(Buffers<T> &B, int all) {
  bool same = true;
  std::vector<T> o1(B.n), o2(B.n);
  for (Op op : kOps) {
    double s1[3] = {0, 0, 0}, s2[3] = {0, 0, 0};
    for (int pass = 0; pass < 2; ++pass) {
      projection_set_num_threads(pass == 0 ? 1 : all);
      double *s = pass == 0 ? s1 : s2;
      std::vector<T> &o = pass == 0 ? o1 : o2;
      int sw = 0;
      const Impl<T> lib = projection_impl<T>();
      switch (op) {
        case Op::vector_projection: lib.vector_projection(B.a, B.b, B.n, o.data()); break;
        case Op::order_by_norm: lib.order_by_norm(B.a, B.b, B.n, &sw, &s[0], &s[1]); s[2] = sw; break;
        case Op::project_out_smaller: lib.project_out_smaller(B.a, B.b, B.n, o.data()); break;
        case Op::equivalent_alpha: lib.equivalent_alpha(B.a, B.b, B.n, &s[0], &s[1]); break;
        case Op::alphaless_gradient: lib.alphaless_gradient(B.a, B.b, B.n, o.data()); break;
      }
    }
    same = same && std::memcmp(s1, s2, sizeof s1) == 0 &&
           std::memcmp(o1.data(), o2.data(), B.n * sizeof(T)) == 0;
  }
  projection_set_num_threads(0);
  return same;
}

template <class T>
int run_type(std::FILE *f, const char *tname, std::size_t n, bool &first) {
  Buffers<T> B;
  B.fill(n, 1, 7);
  const Ref r = reference(B);
  const int all = omp_get_max_threads();
  int bad = 0;
  const Impl<T> impls[] = {projection_impl<T>(), scalar_peer<T>(), eigen_peer<T>(), blas_peer<T>()};
  for (const Impl<T> &impl : impls) {
    impl.set_threads(all);
    const Result res = measure(B, impl, r);
    std::fprintf(f,
                 "%s    {\"type\": \"%s\", \"n\": %zu, \"impl\": \"%s\", \"norm\": %.3Le, "
                 "\"alpha\": %.3Le, \"scale\": %.3Le, \"vector_projection\": %.3Le, "
                 "\"project_out_smaller\": %.3Le, \"alphaless_gradient\": %.3Le, "
                 "\"order_ok\": %s}",
                 first ? "" : ",\n", tname, n, impl.name, res.e_norm, res.e_alpha, res.e_scale,
                 res.e_vp, res.e_pos, res.e_ag, res.swapped_ok ? "true" : "false");
    first = false;
    if (std::strcmp(impl.name, "projection") == 0) {
      // Library tolerances: reductions in double (float input) or blocked double
      // (double input), then one rounding of each output element.
      // For double the coefficient k itself carries the summation error (blocked, not
      // exact), so the outputs get the scalar tolerance; for float, k is far more
      // accurate than a float and the outputs are within a few float roundings.
      const long double tol_s = sizeof(T) == 4 ? 1e-12L : 1e-13L;
      const long double tol_v = sizeof(T) == 4 ? 4 * 0x1p-24L : tol_s;
      const bool ok = res.swapped_ok && res.e_norm <= tol_s && res.e_alpha <= tol_s &&
                      res.e_scale <= tol_s && res.e_vp <= tol_v && res.e_pos <= tol_v &&
                      res.e_ag <= tol_v;
      if (!ok) {
        ++bad;
        std::fprintf(stderr, "accuracy: projection %s n=%zu outside its tolerance (scalars %.0Le, "
                     "vectors %.0Le)\n", tname, n, tol_s, tol_v);
      }
    }
  }
  for (std::size_t m : {std::size_t(1000), std::size_t(100000), n}) {
    Buffers<T> D;
    D.fill(m, 0, 11);
    const bool det = deterministic(D, all);
    std::fprintf(f, ",\n    {\"type\": \"%s\", \"n\": %zu, \"impl\": \"projection\", "
                 "\"deterministic_1_vs_%d_threads\": %s}", tname, m, all, det ? "true" : "false");
    if (!det) {
      ++bad;
      std::fprintf(stderr, "accuracy: projection %s n=%zu differs between 1 and %d threads\n",
                   tname, m, all);
    }
  }
  return bad;
}

}  // namespace

int run_accuracy(const std::string &path) {
  std::FILE *f = std::fopen(path.c_str(), "w");
  if (!f) {
    std::perror(path.c_str());
    return 1;
  }
  const char *env = std::getenv("PROJECTION_BENCH_ACCURACY_N");
  const std::size_t n = env ? std::strtoull(env, nullptr, 10) : 10000000;
  std::fprintf(f, "{\n  \"reference\": \"__float128\",\n  \"simd_arch\": \"%s\",\n  \"results\": [\n",
               projection_simd_arch());
  bool first = true;
  int bad = run_type<float>(f, "f32", n, first);
  bad += run_type<double>(f, "f64", n, first);
  std::fprintf(f, "\n  ],\n  \"library_failures\": %d\n}\n", bad);
  std::fclose(f);
  return bad;
}

}  // namespace pbench
