#include "finish.hpp"

#include <cfloat>
#include <cmath>
#include <type_traits>

#include "dispatch.hpp"
#include "parallel.hpp"

namespace projection::detail {
namespace {

// Outputs at least this large bypass the caches: they will not be re-read soon.
// A list streams only its segments of kStreamPieceBytes or more: short ones
// would pay the aligned start of the streaming loop more than they gain.
constexpr std::size_t kStreamBytes = std::size_t{8} << 20;
constexpr std::size_t kStreamPieceBytes = std::size_t{1} << 16;

// (S, L) = the 2-norm order of (a, b), and k = L.S / S.S (0 when S = 0).
struct Ordered {
  bool swapped;  // a is the larger: S = b, L = a
  Wide k;
};

Ordered order2(const Sums& s) {
  const Wide& ss = s.a_larger ? s.bb : s.aa;
  return {s.a_larger, ss.is_zero() ? Wide{} : wide_div(s.ab, ss)};
}

int clamp_exponent(int e) { return e < -1022 ? -1022 : e > 1023 ? 1023 : e; }

// Coefficients for out = x + c*y or out = c*y. A c that is a normal double is
// used as it is: one fused rounding, exact wherever the output is. Otherwise
// (|c| beyond about 2^+-1022, from double inputs of very different
// magnitudes) c is moved to the nearer end of double's normal range and y is
// scaled by the rest, in two exact powers of two. Scaling y by as little as
// possible keeps y*q exact for a tiny c and finite for a huge one wherever
// x + c*y is finite.
template <class T>
Coeffs output_coeffs(Wide c, std::size_t n) {
  Coeffs k{0};
  k.stream = n * sizeof(T) >= kStreamBytes;
  if (c.is_zero() || (c.e >= -1022 && c.e <= 1023)) {
    k.c = c.to_double();
    // Float and 16-bit data with a normal float coefficient may compute in float
    // (kernels_impl.hpp says where and why that is exact enough).
    k.narrow = !std::is_same_v<T, double> &&
               (c.is_zero() || (c.e >= -126 && std::fabs(k.c) <= FLT_MAX));
    return k;
  }
  // 2^1022, not 2^1023: c rounded to double must stay finite.
  const int ec = c.e > 0 ? 1022 : -1022, q = c.e - ec;
  const int q1 = clamp_exponent(q), q2 = clamp_exponent(q - q1);
  k.qy = std::ldexp(1.0, q1);
  k.qy2 = std::ldexp(1.0, q2);
  // Beyond two such powers the product is 0 or inf anyway for every nonzero
  // y; a finite c keeps y = 0 giving x (not inf*0 = NaN).
  const Wide cq{c.m, c.e - (q1 + q2)};
  k.c = cq.e >= 1023 ? std::copysign(0x1p1022, c.m)
        : cq.e < -1022 ? std::copysign(0x1p-1022, c.m)
                       : cq.to_double();
  return k;
}

}  // namespace

template <class T>
OutputPlan plan_output(VectorOp op, const Sums& s, std::size_t n) {
  if (op == VectorOp::kProjection) {
    const Wide k = s.bb.is_zero() ? Wide{} : wide_div(s.ab, s.bb);
    return {output_coeffs<T>(k, n), false, true};
  }
  const Ordered o = order2(s);
  const Wide c = op == VectorOp::kOutSmaller ? -o.k : const_minus(1, o.k);
  // out = L + c S, with S = b when a is the larger.
  return {output_coeffs<T>(c, n), true, o.swapped};
}

template <class T>
void output_pass(const Segments<T>& s, T* const* out, const OutputPlan& p) {
  if (s.total == 0) return;
  const auto& k = active_kernels().of<T>();
  constexpr std::size_t kUnit = 64;  // threads start at multiples of kUnit elements
  const std::uint64_t units = (s.total + kUnit - 1) / kUnit;
  for_each_thread(threads_for(s.total), [&](int t, int T_) {
    const Share sh = share(units, t, T_);
    const std::uint64_t g0 = s.offset + sh.lo * kUnit;
    const std::uint64_t g1 = s.offset + (sh.hi * kUnit < s.total ? sh.hi * kUnit : s.total);
    if (g0 >= g1) return;
    Cursor c = locate(s, g0);
    walk(s, c, g0, g1, [&](const Cursor& at, std::size_t len, std::uint64_t) {
      prefetch_next_segment(s, at, true, out);
      const T* a = s.a[at.seg] + at.idx;
      const T* b = s.b[at.seg] + at.idx;
      T* o = out[at.seg] + at.idx;
      Coeffs co = p.co;
      co.stream = co.stream && len * sizeof(T) >= kStreamPieceBytes;
      if (p.with_x) k.axpy(p.y_is_b ? a : b, p.y_is_b ? b : a, len, o, co);
      else k.scale(p.y_is_b ? b : a, len, o, co);
    });
  });
}

void norms2(const Sums& s, int* swapped, double* norm_a, double* norm_b) {
  *swapped = s.a_larger ? 1 : 0;
  if (norm_a) *norm_a = wide_sqrt(s.aa).to_double();
  if (norm_b) *norm_b = wide_sqrt(s.bb).to_double();
}

void alpha_scale(const Sums& s, double* alpha, double* scale) {
  const Ordered o = order2(s);
  // The larger gradient's coefficient is 1, the smaller one's 1 - k.
  const Wide c_small = const_minus(1, o.k);
  const Wide c_noise = o.swapped ? Wide::of(1) : c_small;
  const Wide sum = const_minus(2, o.k);
  // +-inf when sum == 0, as IEEE division gives.
  *alpha = sum.is_zero() ? std::copysign(HUGE_VAL, c_noise.m) : wide_div(c_noise, sum).to_double();
  *scale = sum.to_double();
}

#define PROJECTION_INSTANTIATE(T)                                                        \
  template OutputPlan plan_output<T>(VectorOp, const Sums&, std::size_t);                \
  template void output_pass<T>(const Segments<T>&, T* const*, const OutputPlan&);
PROJECTION_INSTANTIATE(float)
PROJECTION_INSTANTIATE(double)
PROJECTION_INSTANTIATE(bf16)
PROJECTION_INSTANTIATE(f16)
#undef PROJECTION_INSTANTIATE

}  // namespace projection::detail
