// Kernel definitions, included only by the per-instruction-set translation
// units (kernels_<arch>.cpp), each compiled with its own -m flags.
//
// Everything here except kernel_table<Arch>() has internal linkage, so no
// inline function compiled for one instruction set can be picked by the
// linker for another.
#pragma once

#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "kernels.hpp"

namespace projection::detail {
namespace {

template <class A>
using dbatch = xsimd::batch<double, A>;

// ---- loads and stores as double batches (float widened with one instruction)

template <class A>
inline dbatch<A> load_d(A, const double* p) { return dbatch<A>::load_unaligned(p); }
template <class A>
inline void store_d(A, double* p, dbatch<A> v) { v.store_unaligned(p); }

#if defined(__AVX512F__)
inline dbatch<xsimd::avx512bw> load_d(xsimd::avx512bw, const float* p) {
  return _mm512_cvtps_pd(_mm256_loadu_ps(p));
}
inline void store_d(xsimd::avx512bw, float* p, dbatch<xsimd::avx512bw> v) {
  _mm256_storeu_ps(p, _mm512_cvtpd_ps(v));
}
inline void stream_d(xsimd::avx512bw, float* p, dbatch<xsimd::avx512bw> v) {
  _mm256_stream_ps(p, _mm512_cvtpd_ps(v));
}
inline void stream_d(xsimd::avx512bw, double* p, dbatch<xsimd::avx512bw> v) { _mm512_stream_pd(p, v); }
inline void stream_d(xsimd::avx512bw, float* p, xsimd::batch<float, xsimd::avx512bw> v) {
  _mm512_stream_ps(p, v);
}
inline dbatch<xsimd::avx512bw> fmadd(xsimd::avx512bw, dbatch<xsimd::avx512bw> x,
                                     dbatch<xsimd::avx512bw> y, dbatch<xsimd::avx512bw> z) {
  return _mm512_fmadd_pd(x, y, z);
}
inline xsimd::batch<float, xsimd::avx512bw> fmadd(xsimd::avx512bw, xsimd::batch<float, xsimd::avx512bw> x,
                                                  xsimd::batch<float, xsimd::avx512bw> y,
                                                  xsimd::batch<float, xsimd::avx512bw> z) {
  return _mm512_fmadd_ps(x, y, z);
}
#endif

#if defined(__AVX2__) && defined(__FMA__)
using avx2_t = xsimd::fma3<xsimd::avx2>;
inline dbatch<avx2_t> load_d(avx2_t, const float* p) { return _mm256_cvtps_pd(_mm_loadu_ps(p)); }
inline void store_d(avx2_t, float* p, dbatch<avx2_t> v) { _mm_storeu_ps(p, _mm256_cvtpd_ps(v)); }
inline void stream_d(avx2_t, float* p, dbatch<avx2_t> v) { _mm_stream_ps(p, _mm256_cvtpd_ps(v)); }
inline void stream_d(avx2_t, double* p, dbatch<avx2_t> v) { _mm256_stream_pd(p, v); }
inline void stream_d(avx2_t, float* p, xsimd::batch<float, avx2_t> v) { _mm256_stream_ps(p, v); }
inline dbatch<avx2_t> fmadd(avx2_t, dbatch<avx2_t> x, dbatch<avx2_t> y, dbatch<avx2_t> z) {
  return _mm256_fmadd_pd(x, y, z);
}
inline xsimd::batch<float, avx2_t> fmadd(avx2_t, xsimd::batch<float, avx2_t> x,
                                         xsimd::batch<float, avx2_t> y, xsimd::batch<float, avx2_t> z) {
  return _mm256_fmadd_ps(x, y, z);
}
#endif

inline dbatch<xsimd::sse2> load_d(xsimd::sse2, const float* p) {
  return _mm_cvtps_pd(_mm_castsi128_ps(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))));
}
inline void store_d(xsimd::sse2, float* p, dbatch<xsimd::sse2> v) {
  _mm_storel_epi64(reinterpret_cast<__m128i*>(p), _mm_castps_si128(_mm_cvtpd_ps(v)));
}
inline void stream_d(xsimd::sse2, double* p, dbatch<xsimd::sse2> v) { _mm_stream_pd(p, v); }
inline void stream_d(xsimd::sse2, float* p, xsimd::batch<float, xsimd::sse2> v) { _mm_stream_ps(p, v); }
// SSE2 has no fused multiply-add: two roundings (identical for float inputs
// summed in double, whose products are exact). A product that rounds to
// infinity where the sum would not is redone at half scale (exact there: such
// lanes hold numbers near the top of the range).
template <class C>
inline xsimd::batch<C, xsimd::sse2> fmadd(xsimd::sse2, xsimd::batch<C, xsimd::sse2> x,
                                          xsimd::batch<C, xsimd::sse2> y, xsimd::batch<C, xsimd::sse2> z) {
  using B = xsimd::batch<C, xsimd::sse2>;
  const B r = x * y + z;
  const auto overflow = xsimd::isinf(r);
  if (!xsimd::any(overflow)) return r;
  const B half(C(0.5)), two(C(2));
  return xsimd::select(overflow, (x * (y * half) + z * half) * two, r);
}

// No streaming store for this pair (SSE2 float from double): a plain store.
template <class A, class T>
inline void stream_d(A a, T* p, dbatch<A> v) { store_d(a, p, v); }

// Elementwise passes compute in C: double, or float for float data whose
// coefficients fit a float (one rounding less cheap than two conversions).
template <class C, class A, class T>
inline xsimd::batch<C, A> load_as(const T* p) {
  if constexpr (std::is_same_v<C, T>) return xsimd::batch<C, A>::load_unaligned(p);
  else return load_d(A{}, p);
}
template <bool Stream, class A, class T, class C>
inline void store_as(T* p, xsimd::batch<C, A> v) {
  if constexpr (Stream) stream_d(A{}, p, v);
  else if constexpr (std::is_same_v<C, T>) v.store_unaligned(p);
  else store_d(A{}, p, v);
}

// ---- fixed-order horizontal reductions over the kLanes logical lanes

// Adds the kLanes logical lanes in a fixed tree: at step s, lane j += lane j+s
// for j < s, with s = kLanes/2, ..., 1. Steps of at least a register's width
// are whole-register adds; the rest run on the stored lanes. Every arch makes
// exactly the same additions, so the result does not depend on the arch.
template <class A, std::size_t R>
inline double lanes_sum(dbatch<A> (&acc)[R]) {
  constexpr std::size_t W = dbatch<A>::size;
  for (std::size_t w = R / 2; w > 0; w /= 2)
    for (std::size_t j = 0; j < w; ++j) acc[j] += acc[j + w];
  double lane[W];
  acc[0].store_unaligned(lane);
  for (std::size_t w = W / 2; w > 0; w /= 2)
    for (std::size_t j = 0; j < w; ++j) lane[j] += lane[j + w];
  return lane[0];
}

inline double max_of(double x, double y) { return x < y ? y : x; }
inline double min_of(double x, double y) { return y < x ? y : x; }

// Copies the last m < kLanes elements into a zero-padded block so the tail goes
// through the same vector code as the body.
template <class T>
inline void pad_tail(T (&dst)[kLanes], const T* src, std::size_t m) {
  for (std::size_t j = 0; j < kLanes; ++j) dst[j] = j < m ? src[j] : T(0);
}

// ---- reductions

template <class A, class T, GramParts P>
Gram gram(const T* a, const T* b, std::size_t n) {
  using B = dbatch<A>;
  constexpr std::size_t W = B::size, R = kLanes / W;
  constexpr bool kAA = has_aa(P), kAB = has_ab(P);
  B saa[R], sbb[R], sab[R];
  for (std::size_t r = 0; r < R; ++r) saa[r] = sbb[r] = sab[r] = B(0.0);
  auto step = [&](const T* pa, const T* pb) {
    for (std::size_t r = 0; r < R; ++r) {
      const B x = load_d(A{}, pa + r * W), y = load_d(A{}, pb + r * W);
      if constexpr (kAA) saa[r] = fmadd(A{}, x, x, saa[r]);
      sbb[r] = fmadd(A{}, y, y, sbb[r]);
      if constexpr (kAB) sab[r] = fmadd(A{}, x, y, sab[r]);
    }
  };
  std::size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) step(a + i, b + i);
  if (i < n) {
    T ta[kLanes], tb[kLanes];
    pad_tail(ta, a + i, n - i);
    pad_tail(tb, b + i, n - i);
    step(ta, tb);
  }
  return {kAA ? lanes_sum<A>(saa) : 0.0, lanes_sum<A>(sbb), kAB ? lanes_sum<A>(sab) : 0.0};
}

template <class A, class T>
AbsStats abs_stats(const T* x, std::size_t n) {
  using B = dbatch<A>;
  constexpr std::size_t W = B::size, R = kLanes / W;
  const B zero(0.0), one(1.0);
  B sum[R], mx[R], mn[R], nz[R], nf[R];
  for (std::size_t r = 0; r < R; ++r) {
    sum[r] = mx[r] = nz[r] = nf[r] = zero;
    mn[r] = B(__builtin_inf());
  }
  std::size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (std::size_t r = 0; r < R; ++r) {
      const B v = load_d(A{}, x + i + r * W), av = xsimd::abs(v);
      sum[r] += av;
      mx[r] = xsimd::max(mx[r], av);
      mn[r] = xsimd::min(mn[r], av);
      nz[r] += xsimd::select(v != zero, one, zero);
      nf[r] += v - v;
    }
  }
  double ls[kLanes], lx[kLanes], ln[kLanes], lz[kLanes], lf[kLanes];
  for (std::size_t r = 0; r < R; ++r) {
    sum[r].store_unaligned(ls + r * W);
    mx[r].store_unaligned(lx + r * W);
    mn[r].store_unaligned(ln + r * W);
    nz[r].store_unaligned(lz + r * W);
    nf[r].store_unaligned(lf + r * W);
  }
  // The tail joins the lanes its positions belong to, in scalar code that
  // rounds exactly as the vector code does.
  for (std::size_t j = 0; i + j < n; ++j) {
    const double v = static_cast<double>(x[i + j]), av = __builtin_fabs(v);
    ls[j] += av;
    lx[j] = max_of(lx[j], av);
    ln[j] = min_of(ln[j], av);
    lz[j] += v != 0.0 ? 1.0 : 0.0;
    lf[j] += v - v;
  }
  for (std::size_t w = kLanes / 2; w > 0; w /= 2)
    for (std::size_t j = 0; j < w; ++j) {
      ls[j] += ls[j + w];
      lx[j] = max_of(lx[j], lx[j + w]);
      ln[j] = min_of(ln[j], ln[j + w]);
      lz[j] += lz[j + w];
      lf[j] += lf[j + w];
    }
  return {ls[0], lx[0], ln[0], lz[0], lf[0]};
}

// ---- elementwise passes

inline std::size_t min_size(std::size_t x, std::size_t y) { return y < x ? y : x; }

// Runs body(i) over the full blocks and tail(i, m) over the rest, which goes
// through a zero-padded block. With streaming stores, the elements before the
// first 64-byte aligned output also take the padded path (same formula, so the
// result does not depend on alignment).

template <class T, class Body, class TailBody>
inline void elementwise(std::size_t n, T* out, bool stream, Body body, TailBody tail) {
  std::size_t i = 0;
  if (stream) {
    const auto addr = reinterpret_cast<std::uintptr_t>(out);
    const std::size_t head =
        addr % sizeof(T) ? n : min_size(n, ((64 - addr % 64) % 64) / sizeof(T));
    for (; i < head; i += kLanes) tail(i, min_size(kLanes, head - i));
    i = head;
    for (; i + kLanes <= n; i += kLanes) body.template operator()<true>(i);
    _mm_sfence();
  } else {
    for (; i + kLanes <= n; i += kLanes) body.template operator()<false>(i);
  }
  if (i < n) tail(i, n - i);
}

template <class A, class T, class C, bool Scaled>
void axpy_impl(const T* x, const T* y, std::size_t n, T* out, const Coeffs& k) {
  using B = xsimd::batch<C, A>;
  constexpr std::size_t W = B::size, R = kLanes / W;
  const B c(static_cast<C>(k.c)), qy(static_cast<C>(k.qy)), qy2(static_cast<C>(k.qy2));
  auto block = [&]<bool Stream>(const T* px, const T* py, T* po) {
    B z[R];
    for (std::size_t r = 0; r < R; ++r) {
      const B vx = load_as<C, A>(px + r * W);
      B vy = load_as<C, A>(py + r * W);
      if constexpr (Scaled) vy = (vy * qy) * qy2;
      z[r] = fmadd(A{}, c, vy, vx);
    }
    // All loads happen before any store: out may be exactly x or y.
    for (std::size_t r = 0; r < R; ++r) store_as<Stream, A>(po + r * W, z[r]);
  };
  auto body = [&]<bool Stream>(std::size_t i) { block.template operator()<Stream>(x + i, y + i, out + i); };
  auto tail = [&](std::size_t i, std::size_t m) {
    T tx[kLanes], ty[kLanes], to[kLanes];
    pad_tail(tx, x + i, m);
    pad_tail(ty, y + i, m);
    block.template operator()<false>(tx, ty, to);
    for (std::size_t j = 0; j < m; ++j) out[i + j] = to[j];
  };
  elementwise(n, out, k.stream, body, tail);
}

template <class A, class T, class C, bool Scaled>
void scale_impl(const T* y, std::size_t n, T* out, const Coeffs& k) {
  using B = xsimd::batch<C, A>;
  constexpr std::size_t W = B::size, R = kLanes / W;
  const B c(static_cast<C>(k.c)), qy(static_cast<C>(k.qy)), qy2(static_cast<C>(k.qy2));
  auto block = [&]<bool Stream>(const T* py, T* po) {
    B z[R];
    for (std::size_t r = 0; r < R; ++r) {
      B vy = load_as<C, A>(py + r * W);
      if constexpr (Scaled) vy = (vy * qy) * qy2;
      z[r] = c * vy;
    }
    for (std::size_t r = 0; r < R; ++r) store_as<Stream, A>(po + r * W, z[r]);
  };
  auto body = [&]<bool Stream>(std::size_t i) { block.template operator()<Stream>(y + i, out + i); };
  auto tail = [&](std::size_t i, std::size_t m) {
    T ty[kLanes], to[kLanes];
    pad_tail(ty, y + i, m);
    block.template operator()<false>(ty, to);
    for (std::size_t j = 0; j < m; ++j) out[i + j] = to[j];
  };
  elementwise(n, out, k.stream, body, tail);
}

inline bool unscaled(const Coeffs& k) { return k.qy == 1.0 && k.qy2 == 1.0; }

// Computing in float needs a fused multiply-add: without one, c*y could round
// to infinity where x + c*y is finite.
template <class A>
inline bool may_narrow(const Coeffs& k) { return k.narrow && !std::is_same_v<A, xsimd::sse2>; }

template <class A, class T>
void axpy(const T* x, const T* y, std::size_t n, T* out, const Coeffs& k) {
  if (!unscaled(k)) return axpy_impl<A, T, double, true>(x, y, n, out, k);
  if (may_narrow<A>(k)) return axpy_impl<A, T, T, false>(x, y, n, out, k);
  axpy_impl<A, T, double, false>(x, y, n, out, k);
}

template <class A, class T>
void scale(const T* y, std::size_t n, T* out, const Coeffs& k) {
  if (!unscaled(k)) return scale_impl<A, T, double, true>(y, n, out, k);
  if (may_narrow<A>(k)) return scale_impl<A, T, T, false>(y, n, out, k);
  scale_impl<A, T, double, false>(y, n, out, k);
}

template <class A, class T>
constexpr TypedKernels<T> typed_kernels() {
  return {{&gram<A, T, GramParts::kAll>, &gram<A, T, GramParts::kSquares>,
           &gram<A, T, GramParts::kOntoB>},
          &abs_stats<A, T>, &scale<A, T>, &axpy<A, T>};
}

}  // namespace

template <class Arch>
const KernelTable& kernel_table() {
  static constexpr KernelTable table{Arch::name(), typed_kernels<Arch, float>(),
                                     typed_kernels<Arch, double>()};
  return table;
}

}  // namespace projection::detail
