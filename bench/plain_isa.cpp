// The plain loop, compiled once per instruction set (bench/CMakeLists.txt builds this file
// four times, each with its own flags and PLAIN_NS): what a careful user writes without
// intrinsics. Per sum (a.a, b.b, a.b, as the operation needs) 8 double accumulators, the
// elements widened to double (float, double input; bf16 and f16 converted by scalar bit
// manipulation, half.hpp), then the elementwise pass in the element type (float for the
// 16-bit types, rounded back to nearest even). The compiler vectorises what it can for the
// flags it is given: the projection_bench_isa section compares the library, forced onto
// the same instruction set, against this loop at n = 1e3 .. 6e4 on one thread.
//
// The 8-lane inner loop carries `#pragma GCC unroll 1`: without it GCC 12 unrolls the lanes
// into scalar accumulators before its vectoriser runs and the sums stay scalar (a much
// weaker baseline); with it they become vector accumulators of the set's width (GCC's
// default for AVX-512 flags is 256-bit vectors).
// Compiled with the compiler's default floating-point contraction (a multiply-add is fused
// where the instruction set has FMA), as user code is.
#include <projection/projection.h>

#include <cmath>
#include <cstddef>

#include "common.hpp"
#include "half.hpp"
#include "plain_isa.hpp"

#ifndef PLAIN_NS
#error "PLAIN_NS must name the instruction set (plain_sse2, plain_avx2, ...)"
#endif

namespace pbench::PLAIN_NS {
namespace {

inline double wide(float x) { return x; }
inline double wide(double x) { return x; }
inline double wide(projection_bf16 x) { return bf16_to_float(x); }
inline double wide(projection_f16 x) { return f16_to_float(x); }

// The elementwise pass: arithmetic in T for float and double, in float for 16-bit.
template <class T> struct Elem {
  using A = T;
  static A load(T x) { return x; }
  static T store(A x) { return x; }
};
template <> struct Elem<projection_bf16> {
  using A = float;
  static A load(projection_bf16 x) { return bf16_to_float(x); }
  static projection_bf16 store(A x) { return float_to_bf16(x); }
};
template <> struct Elem<projection_f16> {
  using A = float;
  static A load(projection_f16 x) { return f16_to_float(x); }
  static projection_f16 store(A x) { return float_to_f16(x); }
};

inline double add8(const double *s) {
  return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

template <class T, bool AA, bool BB, bool AB>
void sums(const T *a, const T *b, std::size_t n, double &aa, double &bb, double &ab) {
  double saa[8] = {}, sbb[8] = {}, sab[8] = {};
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    // Without this GCC 12 unrolls the 8 lanes into 24 scalar chains before its vectoriser
    // runs, and the loop stays scalar; with it, the lanes become vector accumulators.
#pragma GCC unroll 1
    for (int j = 0; j < 8; ++j) {
      const double x = wide(a[i + j]), y = wide(b[i + j]);
      if constexpr (AA) saa[j] += x * x;
      if constexpr (BB) sbb[j] += y * y;
      if constexpr (AB) sab[j] += x * y;
    }
  }
  for (int j = 0; i < n; ++i, ++j) {
    const double x = wide(a[i]), y = wide(b[i]);
    if constexpr (AA) saa[j] += x * x;
    if constexpr (BB) sbb[j] += y * y;
    if constexpr (AB) sab[j] += x * y;
  }
  aa = add8(saa);
  bb = add8(sbb);
  ab = add8(sab);
}

// out = x + c y (x may be null: out = c y), in the element type.
template <class T>
void axpy(const T *x, const T *y, std::size_t n, T *out, double c) {
  using E = Elem<T>;
  const typename E::A k = typename E::A(c);
  if (x)
    for (std::size_t i = 0; i < n; ++i) out[i] = E::store(E::load(x[i]) + k * E::load(y[i]));
  else
    for (std::size_t i = 0; i < n; ++i) out[i] = E::store(k * E::load(y[i]));
}

template <class T>
int vector_projection(const T *a, const T *b, std::size_t n, T *out) {
  double aa, bb, ab;
  sums<T, false, true, true>(a, b, n, aa, bb, ab);
  axpy<T>(nullptr, b, n, out, bb == 0 ? 0.0 : ab / bb);
  return 0;
}

template <class T>
int order_by_norm(const T *a, const T *b, std::size_t n, int *swapped, double *na, double *nb) {
  double aa, bb, ab;
  sums<T, true, true, false>(a, b, n, aa, bb, ab);
  *na = std::sqrt(aa);
  *nb = std::sqrt(bb);
  *swapped = *na > *nb;
  return 0;
}

template <class T>
int project_out_smaller(const T *a, const T *b, std::size_t n, T *out) {
  double aa, bb, ab;
  sums<T, true, true, true>(a, b, n, aa, bb, ab);
  const bool sw = aa > bb;
  const double ss = sw ? bb : aa;
  axpy<T>(sw ? a : b, sw ? b : a, n, out, ss == 0 ? 0.0 : -(ab / ss));
  return 0;
}

template <class T>
int equivalent_alpha(const T *g_noise, const T *g_model, std::size_t n, double *alpha,
                     double *scale) {
  double nn, mm, nm;
  sums<T, true, true, true>(g_noise, g_model, n, nn, mm, nm);
  const bool sw = nn > mm;
  const double ss = sw ? mm : nn;
  const double k = ss == 0 ? 0.0 : nm / ss;
  const double c_noise = sw ? 1.0 : 1.0 - k, c_model = sw ? 1.0 - k : 1.0;
  *scale = c_noise + c_model;
  *alpha = c_noise / *scale;
  return 0;
}

template <class T>
int alphaless_gradient(const T *g_noise, const T *g_model, std::size_t n, T *out) {
  double nn, mm, nm;
  sums<T, true, true, true>(g_noise, g_model, n, nn, mm, nm);
  const bool sw = nn > mm;
  const double ss = sw ? mm : nn;
  axpy<T>(sw ? g_noise : g_model, sw ? g_model : g_noise, n, out,
          1.0 - (ss == 0 ? 0.0 : nm / ss));
  return 0;
}

void no_threads(int) {}

}  // namespace

template <class T> Impl<T> plain_impl() {
  return {"plain", vector_projection<T>, order_by_norm<T>, project_out_smaller<T>,
          equivalent_alpha<T>, alphaless_gradient<T>, false, no_threads};
}
template Impl<float> plain_impl<float>();
template Impl<double> plain_impl<double>();
template Impl<projection_bf16> plain_impl<projection_bf16>();
template Impl<projection_f16> plain_impl<projection_f16>();

const char *compiled_with() { return PLAIN_FLAGS; }

}  // namespace pbench::PLAIN_NS
