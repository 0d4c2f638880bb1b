// The five operations: argument checks, one fused reduction pass, the scalar
// algebra in long double (whose exponent range makes it free of overflow and
// underflow), then at most one elementwise pass. Double data at extreme
// magnitudes takes one extra, extended-precision reduction pass.
#include "ops.hpp"

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "dispatch.hpp"
#include "parallel.hpp"

namespace projection::detail {
namespace {

using ld = long double;

// Outputs at least this large bypass the caches: they will not be re-read soon.
constexpr std::size_t kStreamBytes = std::size_t{8} << 20;

template <class T>
const TypedKernels<T>& kernels() {
  return active_kernels().of<T>();
}

// ---------------------------------------------------------------- checks

bool overlaps(const void* out, const void* in, std::size_t bytes) {
  if (out == in) return false;  // exactly the same buffer: in place, allowed
  const auto o = reinterpret_cast<std::uintptr_t>(out), i = reinterpret_cast<std::uintptr_t>(in);
  return o < i + bytes && i < o + bytes;
}

template <class T>
projection_status check_vector_args(const T* a, const T* b, std::size_t n, const T* out) {
  if (n == 0) return PROJECTION_OK;
  if (!a || !b || !out) return PROJECTION_ERR_NULL;
  if (overlaps(out, a, n * sizeof(T)) || overlaps(out, b, n * sizeof(T)))
    return PROJECTION_ERR_OVERLAP;
  return PROJECTION_OK;
}

// ---------------------------------------------------------------- reductions

template <class T>
Gram reduce_gram(const T* a, const T* b, std::size_t n, GramParts parts) {
  const auto gram = kernels<T>().gram[static_cast<int>(parts)];
  return reduce_chunks<Gram>(
      blocking(n), [&](std::size_t lo, std::size_t m) { return gram(a + lo, b + lo, m); },
      [](Gram x, Gram y) { return Gram{x.aa + y.aa, x.bb + y.bb, x.ab + y.ab}; }, Gram{0, 0, 0});
}

template <class T>
AbsStats reduce_stats(const T* x, std::size_t n) {
  const auto& k = kernels<T>();
  return reduce_chunks<AbsStats>(
      blocking(n), [&](std::size_t lo, std::size_t m) { return k.abs_stats(x + lo, m); },
      [](AbsStats x, AbsStats y) {
        return AbsStats{x.sum + y.sum, y.max > x.max ? y.max : x.max,
                        y.min < x.min ? y.min : x.min, x.nonzero + y.nonzero,
                        x.nonfinite + y.nonfinite};
      },
      AbsStats{0, 0, HUGE_VAL, 0, 0});
}

// a.a, b.b and a.b (those asked for; the others 0 or any value), at the full
// range of long double.
struct Sums {
  ld aa, bb, ab;
  double nonfinite = 0;  // extended pass only: sum of (x - x), NaN if any input is not finite
};

// The same sums in long double, whose exponent range holds any product of two
// finite doubles: the exact path for double data at extreme magnitudes. Four
// lanes per chunk, combined in a fixed order, keep it deterministic.
template <class T>
Sums reduce_gram_extended(const T* a, const T* b, std::size_t n) {
  return reduce_chunks<Sums>(
      blocking(n),
      [&](std::size_t lo, std::size_t m) {
        ld aa[4] = {}, bb[4] = {}, ab[4] = {};
        double nonfinite = 0;
        for (std::size_t i = 0; i < m; ++i) {
          const double xd = a[lo + i], yd = b[lo + i];
          // Checked in double: tools that emulate x87 (valgrind) may turn an
          // infinite double into a finite long double.
          nonfinite += (xd - xd) + (yd - yd);
          const ld x = xd, y = yd;
          aa[i % 4] += x * x;
          bb[i % 4] += y * y;
          ab[i % 4] += x * y;
        }
        return Sums{(aa[0] + aa[1]) + (aa[2] + aa[3]), (bb[0] + bb[1]) + (bb[2] + bb[3]),
                    (ab[0] + ab[1]) + (ab[2] + ab[3]), nonfinite};
      },
      [](Sums x, Sums y) {
        return Sums{x.aa + y.aa, x.bb + y.bb, x.ab + y.ab, x.nonfinite + y.nonfinite};
      },
      Sums{0, 0, 0});
}

// Double sums are trusted in [kSafeLow, DBL_MAX]: above, a sum may have
// overflowed; below, products lost to underflow may matter. kSafeLow leaves room
// for 2^60 elements' worth of underflowed products below one ulp of the sum.
constexpr double kSafeLow = 0x1p-900;

bool trusted(double sum) { return std::fabs(sum) >= kSafeLow && std::fabs(sum) <= DBL_MAX; }

// Every variant sees every element: b_i*b_i covers b, and a non-finite a_i
// makes a_i*a_i or a_i*b_i (Inf*0 = NaN) non-finite.
template <class T>
projection_status gram_sums(const T* a, const T* b, std::size_t n, Sums& s,
                            GramParts parts = GramParts::kAll) {
  const Gram g = reduce_gram(a, b, n, parts);
  if constexpr (std::is_same_v<T, float>) {
    // Products of floats are exact in double and can neither overflow nor
    // underflow: a non-finite sum means a non-finite input.
    if (!std::isfinite(g.aa) || !std::isfinite(g.bb) || !std::isfinite(g.ab))
      return PROJECTION_ERR_NONFINITE;
    s = {g.aa, g.bb, g.ab};
  } else if (n == 0 || ((!has_aa(parts) || trusted(g.aa)) && trusted(g.bb) &&
                        (!has_ab(parts) || trusted(g.ab)))) {
    s = {g.aa, g.bb, g.ab};
  } else {
    // Rare: a non-finite input, elements beyond about 1e+-150, a zero vector
    // or a dot product near zero. Sums of finite squares cannot overflow long
    // double.
    s = reduce_gram_extended(a, b, n);
    if (s.nonfinite != 0) return PROJECTION_ERR_NONFINITE;
  }
  return PROJECTION_OK;
}

// ---------------------------------------------------------------- outputs

int clamp_exponent(int e) { return e < -1022 ? -1022 : e > 1023 ? 1023 : e; }

// Coefficients for out = x + c*y or out = c*y. A c that is a normal double is
// used as it is: one fused rounding, exact wherever the output is. Otherwise
// (|c| beyond about 2^+-1022, from inputs of very different magnitudes) c is
// moved to the nearer end of double's normal range and y is scaled by the
// rest, in two exact powers of two. Scaling y by as little as possible keeps
// y*q exact for a tiny c and finite for a huge one wherever x + c*y is finite:
// then c*y may exceed DBL_MAX by a few bits before x cancels it, which the
// fused multiply-add (or SSE2's half-scale redo) absorbs.
template <class T>
Coeffs output_coeffs(ld c, std::size_t n) {
  Coeffs k{static_cast<double>(c)};
  k.stream = n * sizeof(T) >= kStreamBytes;
  const ld mag = std::fabs(c);
  if (c == 0 || (mag >= DBL_MIN && mag <= DBL_MAX)) {
    // Float data with a normal float coefficient computes in float: the fused
    // rounding keeps the error within the output's own.
    k.narrow = std::is_same_v<T, float> && (c == 0 || (mag >= FLT_MIN && mag <= FLT_MAX));
    return k;
  }
  // 2^1022, not 2^1023: c rounded to double must stay finite.
  const int m = std::ilogb(c), ec = m > 0 ? 1022 : -1022, q = m - ec;
  const int q1 = clamp_exponent(q), q2 = clamp_exponent(q - q1);
  k.qy = std::ldexp(1.0, q1);
  k.qy2 = std::ldexp(1.0, q2);
  // Beyond two such powers the product is 0 or inf anyway for every nonzero
  // y; a finite c keeps y = 0 giving x (not inf*0 = NaN).
  const ld cq = std::ldexp(c, -(q1 + q2));
  k.c = static_cast<double>(std::fabs(cq) >= 0x1p1023L ? std::copysign(0x1p1022L, c)
                            : std::fabs(cq) < 0x1p-1022L ? std::copysign(0x1p-1022L, c)
                                                         : cq);
  return k;
}

template <class T>
void run_scale(const T* y, std::size_t n, T* out, const Coeffs& co) {
  const auto& k = kernels<T>();
  const Blocking bl = blocking(n);
  for_each_chunk(bl, [&](std::size_t c) {
    const std::size_t lo = bl.begin(c);
    k.scale(y + lo, bl.size(c), out + lo, co);
  });
}

template <class T>
void run_axpy(const T* x, const T* y, std::size_t n, T* out, const Coeffs& co) {
  const auto& k = kernels<T>();
  const Blocking bl = blocking(n);
  for_each_chunk(bl, [&](std::size_t c) {
    const std::size_t lo = bl.begin(c);
    k.axpy(x + lo, y + lo, bl.size(c), out + lo, co);
  });
}

// (S, L) = the 2-norm order of (a, b), and k = L.S / S.S (0 when S = 0).
struct Ordered {
  bool swapped;  // a is the larger: S = b, L = a
  ld k;
};

Ordered order2(const Sums& s) {
  const bool swapped = s.aa > s.bb;
  const ld ss = swapped ? s.bb : s.aa;
  return {swapped, ss == 0 ? ld(0) : s.ab / ss};
}

// out = L + c S, for c computed from k.
template <class T, class CoeffOfK>
projection_status larger_plus_smaller(const T* a, const T* b, std::size_t n, T* out,
                                      CoeffOfK coeff) {
  if (auto st = check_vector_args(a, b, n, out)) return st;
  if (n == 0) return PROJECTION_OK;
  Sums s;
  if (auto st = gram_sums(a, b, n, s)) return st;
  const Ordered o = order2(s);
  const T* S = o.swapped ? b : a;
  const T* L = o.swapped ? a : b;
  run_axpy(L, S, n, out, output_coeffs<T>(coeff(o.k), n));
  return PROJECTION_OK;
}

// ---------------------------------------------------------------- p-norms

// The p-norm for p other than 2, in long double.
template <class T>
projection_status norm_p(const T* x, std::size_t n, double p, ld& norm) {
  const AbsStats st = reduce_stats(x, n);
  if (st.nonfinite != 0) return PROJECTION_ERR_NONFINITE;
  if (n == 0) { norm = 0; return PROJECTION_OK; }
  if (std::isinf(p)) { norm = p > 0 ? st.max : st.min; return PROJECTION_OK; }
  if (p == 0) { norm = st.nonzero; return PROJECTION_OK; }
  if (p == 1 && std::isfinite(st.sum)) { norm = st.sum; return PROJECTION_OK; }
  // (sum |x_i|^p)^(1/p) = m (sum (|x_i|/m)^p)^(1/p) with m the max |x_i| for
  // p > 0 and the min for p < 0: every term is at most 1, so none overflows. A
  // zero element with p < 0 makes m zero, and the norm is zero.
  const double m = p > 0 ? st.max : st.min;
  if (m == 0) { norm = 0; return PROJECTION_OK; }
  const double sum = reduce_chunks<double>(
      blocking(n),
      [&](std::size_t lo, std::size_t len) {
        double acc = 0;
        for (std::size_t i = lo; i < lo + len; ++i)
          acc += std::pow(std::fabs(static_cast<double>(x[i])) / m, p);
        return acc;
      },
      [](double u, double v) { return u + v; }, 0.0);
  norm = m * std::pow(ld(sum), ld(1) / p);
  return PROJECTION_OK;
}

}  // namespace

// ---------------------------------------------------------------- operations

template <class T>
projection_status vector_projection(const T* a, const T* b, std::size_t n, T* out) {
  if (auto st = check_vector_args(a, b, n, out)) return st;
  if (n == 0) return PROJECTION_OK;
  Sums s;
  if (auto st = gram_sums(a, b, n, s, GramParts::kOntoB)) return st;
  const ld k = s.bb == 0 ? ld(0) : s.ab / s.bb;
  run_scale(b, n, out, output_coeffs<T>(k, n));
  return PROJECTION_OK;
}

template <class T>
projection_status order_by_norm(const T* a, const T* b, std::size_t n, double ord, int* swapped,
                                double* norm_a, double* norm_b) {
  if (!swapped || (n > 0 && (!a || !b))) return PROJECTION_ERR_NULL;
  if (std::isnan(ord)) return PROJECTION_ERR_ARGUMENT;
  ld na, nb;
  if (ord == 2) {
    Sums s;
    if (auto st = gram_sums(a, b, n, s, GramParts::kSquares)) return st;
    na = std::sqrt(s.aa);
    nb = std::sqrt(s.bb);
  } else {
    ld ua, ub;
    if (auto st = norm_p(a, n, ord, ua)) return st;
    if (auto st = norm_p(b, n, ord, ub)) return st;
    na = ua;
    nb = ub;
  }
  *swapped = na > nb ? 1 : 0;
  if (norm_a) *norm_a = static_cast<double>(na);
  if (norm_b) *norm_b = static_cast<double>(nb);
  return PROJECTION_OK;
}

template <class T>
projection_status project_out_smaller(const T* a, const T* b, std::size_t n, T* out) {
  return larger_plus_smaller(a, b, n, out, [](ld k) { return -k; });
}

template <class T>
projection_status alphaless_gradient(const T* noise, const T* model, std::size_t n, T* out) {
  return larger_plus_smaller(noise, model, n, out, [](ld k) { return 1 - k; });
}

template <class T>
projection_status equivalent_alpha(const T* noise, const T* model, std::size_t n, double* alpha,
                                   double* scale) {
  if (!alpha || !scale || (n > 0 && (!noise || !model))) return PROJECTION_ERR_NULL;
  Sums s;
  if (auto st = gram_sums(noise, model, n, s)) return st;
  const Ordered o = order2(s);
  // The larger gradient's coefficient is 1, the smaller one's 1 - k.
  const ld c_small = 1 - o.k;
  const ld c_noise = o.swapped ? ld(1) : c_small;
  const ld sum = 1 + c_small;
  *alpha = static_cast<double>(c_noise / sum);  // +-inf when sum == 0, as IEEE division gives
  *scale = static_cast<double>(sum);
  return PROJECTION_OK;
}

#define PROJECTION_INSTANTIATE(T)                                                              \
  template projection_status vector_projection<T>(const T*, const T*, std::size_t, T*);        \
  template projection_status order_by_norm<T>(const T*, const T*, std::size_t, double, int*,   \
                                              double*, double*);                               \
  template projection_status project_out_smaller<T>(const T*, const T*, std::size_t, T*);      \
  template projection_status equivalent_alpha<T>(const T*, const T*, std::size_t, double*,     \
                                                 double*);                                     \
  template projection_status alphaless_gradient<T>(const T*, const T*, std::size_t, T*);
PROJECTION_INSTANTIATE(float)
PROJECTION_INSTANTIATE(double)
#undef PROJECTION_INSTANTIATE

}  // namespace projection::detail
