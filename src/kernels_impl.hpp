// Kernel definitions, included only by the per-instruction-set translation
// units (kernels_<arch>.cpp), each compiled with its own flags.
//
// Everything here except kernel_table<Arch>() has internal linkage, so no
// inline function compiled for one instruction set can be picked by the
// linker for another.
//
// The kernels are written once, against V<Arch>: a double vector type D of W
// lanes with widening loads from every element type, a multiply-add, and
// stores that round once to the output type. The kLanes logical lanes of a
// block are processed kPassLanes at a time (one pass over the block per slice
// of lanes), so that the accumulators of three sums fit the instruction set's
// registers: SSE2 and NEON hold 8 or 16 lanes, AVX2 16, AVX-512 all 32.
#pragma once

#include <cfloat>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>

#include "convert.hpp"
#include "kernels.hpp"

#if defined(__x86_64__) || defined(__aarch64__)
#include <xsimd/xsimd.hpp>
#endif
#if defined(__x86_64__)
#include <immintrin.h>
#endif
#if defined(__aarch64__)
#include <arm_neon.h>
#endif

namespace projection::detail {
namespace {

template <class T>
constexpr bool is_half() { return std::is_same_v<T, bf16> || std::is_same_v<T, f16>; }

// ================================================== per-instruction-set vectors

template <class Arch>
struct V;

// Portable C++: a small vector of N values with elementwise arithmetic. With
// GCC and Clang it is a vector-extension type, which the compiler maps onto
// whatever SIMD the target has (SSE2, NEON, VSX, RVV) or onto scalar code;
// other compilers get plain arrays. The library is built with
// -ffp-contract=off, so a multiply-add is two roundings on every CPU (exact
// for the products of narrow types).
template <class S, std::size_t N>
struct GVec {
#if defined(__GNUC__)
  typedef S raw __attribute__((vector_size(N * sizeof(S))));
#else
  struct raw {
    S e[N];
    S& operator[](std::size_t i) { return e[i]; }
    S operator[](std::size_t i) const { return e[i]; }
  };
#endif
  raw v;
  using value_type = S;
  static constexpr std::size_t size = N;
  GVec() = default;
  explicit GVec(S x) {
    for (std::size_t i = 0; i < N; ++i) v[i] = x;
  }
  static GVec load_unaligned(const S* p) {
    GVec r;
    std::memcpy(&r.v, p, sizeof r.v);
    return r;
  }
  static GVec load_aligned(const S* p) { return load_unaligned(p); }
  void store_unaligned(S* p) const { std::memcpy(p, &v, sizeof v); }
  void store_aligned(S* p) const { store_unaligned(p); }
  S operator[](std::size_t i) const { return v[i]; }
  template <class F>
  friend GVec lanewise(GVec a, GVec b, F f) {
    GVec r;
    for (std::size_t i = 0; i < N; ++i) r.v[i] = f(a.v[i], b.v[i]);
    return r;
  }
#if defined(__GNUC__)
  friend GVec operator+(GVec a, GVec b) { return from(a.v + b.v); }
  friend GVec operator-(GVec a, GVec b) { return from(a.v - b.v); }
  friend GVec operator*(GVec a, GVec b) { return from(a.v * b.v); }
  static GVec from(raw r) {
    GVec g;
    g.v = r;
    return g;
  }
#else
  friend GVec operator+(GVec a, GVec b) { return lanewise(a, b, [](S x, S y) { return x + y; }); }
  friend GVec operator-(GVec a, GVec b) { return lanewise(a, b, [](S x, S y) { return x - y; }); }
  friend GVec operator*(GVec a, GVec b) { return lanewise(a, b, [](S x, S y) { return x * y; }); }
#endif
};

#if defined(__GNUC__)
// 16-bit conversions on N lanes at once, in vector-extension integer code
// (the scalar ones of convert.hpp, without branches).
// (The vector types by lane count: a dependent vector_size is not applied in a template.)
template <std::size_t N>
struct HalfTypes;
template <>
struct HalfTypes<2> {
  typedef std::uint16_t u16 __attribute__((vector_size(4)));
  typedef std::uint32_t u32 __attribute__((vector_size(8)));
  typedef std::int32_t i32 __attribute__((vector_size(8)));
  typedef float f32 __attribute__((vector_size(8)));
};
template <>
struct HalfTypes<4> {
  typedef std::uint16_t u16 __attribute__((vector_size(8)));
  typedef std::uint32_t u32 __attribute__((vector_size(16)));
  typedef std::int32_t i32 __attribute__((vector_size(16)));
  typedef float f32 __attribute__((vector_size(16)));
};
template <std::size_t N>
struct HalfLanes : HalfTypes<N> {
  using typename HalfTypes<N>::u16;
  using typename HalfTypes<N>::u32;
  using typename HalfTypes<N>::i32;
  using typename HalfTypes<N>::f32;

  // N 16-bit values zero-extended to 32 bits. Four are interleaved with zeros (one
  // punpcklwd on SSE2, zip1 on NEON), where GCC 12 widens a convertvector element by
  // element; for two, its convertvector measured faster than the interleave.
  static u32 load(const void* p) {
    typedef std::uint64_t u64x2 __attribute__((vector_size(16)));
    typedef std::uint16_t u16x8 __attribute__((vector_size(16)));
    if constexpr (N == 4) {
      std::uint64_t bits;
      std::memcpy(&bits, p, sizeof bits);
      const u16x8 h = (u16x8)(u64x2{bits, 0}), z = {};
      return (u32)__builtin_shufflevector(h, z, 0, 8, 1, 9, 2, 10, 3, 11);
    } else {
      u16 h;
      std::memcpy(&h, p, sizeof h);
      return __builtin_convertvector(h, u32);
    }
  }
  static f32 as_float(u32 u) {
    f32 f;
    std::memcpy(&f, &u, sizeof f);
    return f;
  }
  static u32 as_bits(f32 f) {
    u32 u;
    std::memcpy(&u, &f, sizeof u);
    return u;
  }
  static f32 widen(const bf16* p) { return as_float(load(p) << 16); }
  static f32 widen(const f16* p) {
    const u32 u = load(p), em = u & 0x7fffu, sign = (u ^ em) << 16;
    const u32 special = (u32)(em > 0x7bffu), is_small = (u32)(em < 0x0400u);
    const u32 normal = (em << 13) + (112u << 23) + (special & (112u << 23));
    const u32 small = as_bits(__builtin_convertvector((i32)em, f32) * 0x1p-24f);
    return as_float(((is_small & small) | (~is_small & normal)) | sign);
  }
  static void store(bf16* p, f32 v) {
    const u32 u = as_bits(v);
    const u16 h = __builtin_convertvector((u + 0x7fffu + ((u >> 16) & 1u)) >> 16, u16);
    std::memcpy(p, &h, sizeof h);
  }
  static void store(f16* p, f32 v) {
    const u32 u = as_bits(v), mag = u & 0x7fffffffu, sign = (u >> 16) & 0x8000u;
    const u32 r = mag - 0x38000000u;
    const u32 normal = (r + 0xfffu + ((r >> 13) & 1u)) >> 13;
    const u32 small = as_bits(as_float(mag) + 0.5f) - 0x3f000000u;
    const u32 is_small = (u32)(mag < 0x38800000u), is_big = (u32)(mag > 0x477fffffu);
    const u32 h = (is_big & 0x7c00u) | (~is_big & ((is_small & small) | (~is_small & normal)));
    const u16 out = __builtin_convertvector(h | sign, u16);
    std::memcpy(p, &out, sizeof out);
  }
};
#endif

template <>
struct V<arch_generic> {
  using D = GVec<double, 2>;
  using F = GVec<float, 4>;
  static constexpr std::size_t W = 2, kPassLanes = 8;
  static constexpr bool kFma = false;
  static constexpr const char* name = "generic";
  static D zero() { return D(0.0); }
  static D splat(double x) { return D(x); }
  static D load(const double* p) { return D::load_unaligned(p); }
#if defined(__GNUC__)
  // Two floats to two doubles. GCC 12 converts a 2-float vector element by element;
  // through the low half of a 4-float vector it is one cvtps2pd (x86) or fcvtl (NEON).
  typedef float f4 __attribute__((vector_size(16)));
  static D widen4(f4 f) {  // the low two
    typedef double d4 __attribute__((vector_size(32)));
    const d4 d = __builtin_convertvector(f, d4);
    return D::from(typename D::raw{d[0], d[1]});
  }
  static D widen2(HalfLanes<2>::f32 f) {
    typedef std::uint64_t u2 __attribute__((vector_size(16)));
    std::uint64_t bits;
    std::memcpy(&bits, &f, sizeof bits);
    return widen4((f4)(u2{bits, 0}));
  }
#endif
  template <class T>
  static D load(const T* p) {
#if defined(__GNUC__)
    // Two elements as two floats, converted as a vector rather than element by element.
    if constexpr (std::is_same_v<T, bf16>) {  // the 16 bits above 16 zero bits
      typedef std::uint32_t u4 __attribute__((vector_size(16)));
      typedef std::uint16_t u8 __attribute__((vector_size(16)));
      std::uint32_t two;
      std::memcpy(&two, p, sizeof two);
      const u8 h = (u8)(u4{two, 0, 0, 0}), z = {};
      return widen4((f4)__builtin_shufflevector(z, h, 0, 8, 1, 9, 2, 10, 3, 11));
    } else if constexpr (std::is_same_v<T, f16>) {
      return widen2(HalfLanes<2>::widen(p));
    } else {
      static_assert(std::is_same_v<T, float>);
      typename HalfLanes<2>::f32 f;
      std::memcpy(&f, p, sizeof f);
      return widen2(f);
    }
#else
    D r;
    for (std::size_t i = 0; i < W; ++i) r.v[i] = widen(p[i]);
    return r;
#endif
  }
  static void store_lanes(double* p, D v) { v.store_unaligned(p); }
  template <class T>
  static void store(T* p, D v) {
    for (std::size_t i = 0; i < W; ++i) narrow(v[i], p + i);
  }
  template <class T>
  static F loadf(const T* p) {
#if defined(__GNUC__)
    return F::from(HalfLanes<4>::widen(p));
#else
    F r;
    for (std::size_t i = 0; i < F::size; ++i) r.v[i] = static_cast<float>(widen(p[i]));
    return r;
#endif
  }
  template <class T>
  static void storef(T* p, F v) {
#if defined(__GNUC__)
    HalfLanes<4>::store(p, v.v);
#else
    for (std::size_t i = 0; i < F::size; ++i) {
      if constexpr (std::is_same_v<T, bf16>) p[i].bits = bf16_from_float_bits(bits_of(v[i]));
      else p[i].bits = f16_from_float_bits(bits_of(v[i]));
    }
#endif
  }
  static D madd(D x, D y, D acc) { return acc + x * y; }
  static D abs(D v) { return lanewise(v, v, [](double x, double) { return std::fabs(x); }); }
  static D max(D x, D y) { return lanewise(x, y, [](double a, double b) { return a < b ? b : a; }); }
  static D min(D x, D y) { return lanewise(x, y, [](double a, double b) { return b < a ? b : a; }); }
  static D nonzero(D v) { return lanewise(v, v, [](double x, double) { return x != 0 ? 1.0 : 0.0; }); }
};

#if defined(__x86_64__) || defined(__aarch64__)
// Through xsimd; each instruction set loads every element type its own way;
// stores without a specialised version go through the scalar conversions above.
template <class XA, std::size_t kW, std::size_t kPass>
struct XsimdV {
  using D = xsimd::batch<double, XA>;
  using F = xsimd::batch<float, XA>;
  static constexpr std::size_t W = kW, kPassLanes = kPass;
  static D zero() { return D(0.0); }
  static D splat(double x) { return D(x); }
  static D load(const double* p) { return D::load_unaligned(p); }
  static void store_lanes(double* p, D v) { v.store_unaligned(p); }
  static void store(double* p, D v) { v.store_unaligned(p); }
  template <class T>
  static void store(T* p, D v) {
    alignas(64) double t[W];
    v.store_aligned(t);
    for (std::size_t i = 0; i < W; ++i) narrow(t[i], p + i);
  }
  static D abs(D v) { return xsimd::abs(v); }
  static D max(D x, D y) { return xsimd::max(x, y); }
  static D min(D x, D y) { return xsimd::min(x, y); }
  static D nonzero(D v) { return xsimd::select(v != D(0.0), D(1.0), D(0.0)); }
};
#endif

#if defined(__x86_64__) && defined(__AVX512F__)
template <>
struct V<arch_avx512> : XsimdV<xsimd::avx512bw, 8, 32> {
  static constexpr bool kFma = true;
  static constexpr const char* name = "avx512bw";
  using XsimdV::load;
  using XsimdV::store;
  static D load(const float* p) { return _mm512_cvtps_pd(_mm256_loadu_ps(p)); }
  static D load(const bf16* p) {
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    return _mm512_cvtps_pd(_mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16)));
  }
  static D load(const f16* p) {
    return _mm512_cvtps_pd(_mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))));
  }
  // Lanes [lo, hi) of the register at p, the others zero; the masked-off
  // elements are not read (p may point before or past the data).
  static __mmask8 part(std::size_t lo, std::size_t hi) {
    return static_cast<__mmask8>((0xffu >> (8 - hi)) & (0xffu << lo));
  }
  static D load_part(const double* p, std::size_t lo, std::size_t hi) {
    return _mm512_maskz_loadu_pd(part(lo, hi), p);
  }
  static D load_part(const float* p, std::size_t lo, std::size_t hi) {
    return _mm512_cvtps_pd(_mm256_maskz_loadu_ps(part(lo, hi), p));
  }
  static D load_part(const bf16* p, std::size_t lo, std::size_t hi) {
    const __m128i h = _mm_maskz_loadu_epi16(part(lo, hi), p);
    return _mm512_cvtps_pd(_mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16)));
  }
  static D load_part(const f16* p, std::size_t lo, std::size_t hi) {
    return _mm512_cvtps_pd(_mm256_cvtph_ps(_mm_maskz_loadu_epi16(part(lo, hi), p)));
  }
  static D madd(D x, D y, D acc) { return _mm512_fmadd_pd(x, y, acc); }
  static F maddf(F x, F y, F acc) { return _mm512_fmadd_ps(x, y, acc); }
  static void store(float* p, D v) { _mm256_storeu_ps(p, _mm512_cvtpd_ps(v)); }
  static void stream(float* p, D v) { _mm256_stream_ps(p, _mm512_cvtpd_ps(v)); }
  static void stream(double* p, D v) { _mm512_stream_pd(p, v); }
  static void stream(float* p, F v) { _mm512_stream_ps(p, v); }
  // Round to odd: truncate, then set the last bit where inexact.
  static __m256i odd_bits(D v) {
    const __m256i u = _mm256_castps_si256(_mm512_cvt_roundpd_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC));
    const __mmask8 inexact = _mm512_cmp_pd_mask(_mm512_cvtps_pd(_mm256_castsi256_ps(u)), v, _CMP_NEQ_UQ);
    return _mm256_mask_or_epi32(u, inexact, u, _mm256_set1_epi32(1));
  }
  static void store(bf16* p, D v) {
    const __m256i u = odd_bits(v);
    const __m256i r = _mm256_srli_epi32(
        _mm256_add_epi32(_mm256_add_epi32(u, _mm256_set1_epi32(0x7fff)),
                         _mm256_and_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(1))),
        16);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm256_cvtepi32_epi16(r));
  }
  static void store(f16* p, D v) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p),
                     _mm256_cvtps_ph(_mm256_castsi256_ps(odd_bits(v)), _MM_FROUND_TO_NEAREST_INT));
  }
  static F loadf(const bf16* p) {
    const __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
  }
  static F loadf(const f16* p) {
    return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
  }
  static void storef(bf16* p, F v) {
    const __m512i u = _mm512_castps_si512(v);
    const __m512i r = _mm512_srli_epi32(
        _mm512_add_epi32(_mm512_add_epi32(u, _mm512_set1_epi32(0x7fff)),
                         _mm512_and_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(1))),
        16);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), _mm512_cvtepi32_epi16(r));
  }
  static void storef(f16* p, F v) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), _mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT));
  }
};
#endif

#if defined(__x86_64__) && defined(__AVX2__) && defined(__FMA__) && !defined(__AVX512F__)
template <>
struct V<arch_avx2> : XsimdV<xsimd::fma3<xsimd::avx2>, 4, 16> {
  static constexpr bool kFma = true;
  static constexpr const char* name = "fma3+avx2";
  using XsimdV::load;
  using XsimdV::store;
  static D load(const float* p) { return _mm256_cvtps_pd(_mm_loadu_ps(p)); }
  static __m128i load4x16(const void* p) {
    return _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
  }
  static D load(const bf16* p) {
    return _mm256_cvtps_pd(_mm_castsi128_ps(_mm_unpacklo_epi16(_mm_setzero_si128(), load4x16(p))));
  }
  static D load(const f16* p) { return _mm256_cvtps_pd(_mm_cvtph_ps(load4x16(p))); }
  static D madd(D x, D y, D acc) { return _mm256_fmadd_pd(x, y, acc); }
  static F maddf(F x, F y, F acc) { return _mm256_fmadd_ps(x, y, acc); }
  static void store(float* p, D v) { _mm_storeu_ps(p, _mm256_cvtpd_ps(v)); }
  static void stream(float* p, D v) { _mm_stream_ps(p, _mm256_cvtpd_ps(v)); }
  static void stream(double* p, D v) { _mm256_stream_pd(p, v); }
  static void stream(float* p, F v) { _mm256_stream_ps(p, v); }
  // Round to odd: to nearest, one step back toward zero where that went away
  // from zero, and the last bit set where inexact.
  static __m128i odd_bits(D v) {
    const __m128 f = _mm256_cvtpd_ps(v);
    const __m256d back = _mm256_cvtps_pd(f);
    const __m256d sign = _mm256_set1_pd(-0.0);
    const __m256d away = _mm256_cmp_pd(_mm256_andnot_pd(sign, back), _mm256_andnot_pd(sign, v), _CMP_GT_OQ);
    const __m256d inexact = _mm256_cmp_pd(back, v, _CMP_NEQ_UQ);
    const __m256i low = _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6);
    const __m128i away32 = _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(_mm256_castpd_si256(away), low));
    const __m128i inexact32 =
        _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(_mm256_castpd_si256(inexact), low));
    const __m128i u = _mm_add_epi32(_mm_castps_si128(f), away32);  // away is all ones: -1
    return _mm_or_si128(u, _mm_and_si128(inexact32, _mm_set1_epi32(1)));
  }
  static void store(bf16* p, D v) {
    const __m128i u = odd_bits(v);
    const __m128i r = _mm_srli_epi32(
        _mm_add_epi32(_mm_add_epi32(u, _mm_set1_epi32(0x7fff)),
                      _mm_and_si128(_mm_srli_epi32(u, 16), _mm_set1_epi32(1))),
        16);
    _mm_storel_epi64(reinterpret_cast<__m128i*>(p), _mm_packus_epi32(r, r));
  }
  static void store(f16* p, D v) {
    _mm_storel_epi64(reinterpret_cast<__m128i*>(p),
                     _mm_cvtps_ph(_mm_castsi128_ps(odd_bits(v)), _MM_FROUND_TO_NEAREST_INT));
  }
  static F loadf(const bf16* p) {
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
  }
  static F loadf(const f16* p) { return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))); }
  static void storef(bf16* p, F v) {
    const __m256i u = _mm256_castps_si256(v);
    const __m256i r = _mm256_srli_epi32(
        _mm256_add_epi32(_mm256_add_epi32(u, _mm256_set1_epi32(0x7fff)),
                         _mm256_and_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(1))),
        16);
    const __m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi32(r, r), 0x08);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm256_castsi256_si128(packed));
  }
  static void storef(f16* p, F v) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT));
  }
};
#endif

#if defined(__x86_64__) && !defined(__AVX__)
// SSE2 has no fused multiply-add: two roundings (exact products for the narrow
// types). 16-bit elements convert through the scalar code (no F16C).
template <>
struct V<arch_sse2> : XsimdV<xsimd::sse2, 2, 8> {
  static constexpr bool kFma = false;
  static constexpr const char* name = "sse2";
  using XsimdV::load;
  using XsimdV::store;
  static D load(const float* p) {
    return _mm_cvtps_pd(_mm_castsi128_ps(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))));
  }
  static D load(const bf16* p) {
    std::int32_t two;
    std::memcpy(&two, p, sizeof two);
    return _mm_cvtps_pd(_mm_castsi128_ps(_mm_unpacklo_epi16(_mm_setzero_si128(), _mm_cvtsi32_si128(two))));
  }
  // f16 (in the low halves of 32-bit lanes) to float, without branches: normal
  // values rebiased, Inf and NaN to the exponent 255, subnormals (and zero) as
  // integer * 2^-24.
  static __m128 f16_to_ps(__m128i u) {
    const __m128i em = _mm_and_si128(u, _mm_set1_epi32(0x7fff));
    const __m128i sign = _mm_slli_epi32(_mm_xor_si128(u, em), 16);
    const __m128i special = _mm_cmpgt_epi32(em, _mm_set1_epi32(0x7bff));
    const __m128i bias = _mm_add_epi32(_mm_set1_epi32(112 << 23), _mm_and_si128(special, _mm_set1_epi32(112 << 23)));
    const __m128i normal = _mm_add_epi32(_mm_slli_epi32(em, 13), bias);
    const __m128i small = _mm_castps_si128(_mm_mul_ps(_mm_cvtepi32_ps(em), _mm_set1_ps(0x1p-24f)));
    const __m128i is_small = _mm_cmplt_epi32(em, _mm_set1_epi32(0x0400));
    const __m128i mag = _mm_or_si128(_mm_and_si128(is_small, small), _mm_andnot_si128(is_small, normal));
    return _mm_castsi128_ps(_mm_or_si128(mag, sign));
  }
  static D load(const f16* p) {
    std::int32_t two;
    std::memcpy(&two, p, sizeof two);
    return _mm_cvtps_pd(f16_to_ps(_mm_unpacklo_epi16(_mm_cvtsi32_si128(two), _mm_setzero_si128())));
  }
  static __m128i load4x16(const void* p) { return _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)); }
  static F loadf(const bf16* p) { return _mm_castsi128_ps(_mm_unpacklo_epi16(_mm_setzero_si128(), load4x16(p))); }
  static F loadf(const f16* p) { return f16_to_ps(_mm_unpacklo_epi16(load4x16(p), _mm_setzero_si128())); }
  // Round to odd, then to the 16-bit type, in SSE2 integer code (two values).
  static __m128i odd_bits(D v) {
    const __m128 f = _mm_cvtpd_ps(v);
    const __m128d back = _mm_cvtps_pd(f), sign = _mm_set1_pd(-0.0);
    const __m128d away = _mm_cmpgt_pd(_mm_andnot_pd(sign, back), _mm_andnot_pd(sign, v));
    const __m128d inexact = _mm_cmpneq_pd(back, v);
    const __m128i away32 = _mm_shuffle_epi32(_mm_castpd_si128(away), 0x08);
    const __m128i inexact32 = _mm_shuffle_epi32(_mm_castpd_si128(inexact), 0x08);
    return _mm_or_si128(_mm_add_epi32(_mm_castps_si128(f), away32), _mm_and_si128(inexact32, _mm_set1_epi32(1)));
  }
  static void store2x16(void* p, __m128i r) {  // the low 16 bits of 32-bit lanes 0 and 1
    const std::int32_t two = _mm_cvtsi128_si32(_mm_shufflelo_epi16(r, 0x08));
    std::memcpy(p, &two, sizeof two);
  }
  static void store4x16(void* p, __m128i r) {  // the low 16 bits of the four 32-bit lanes
    const __m128i biased = _mm_sub_epi32(r, _mm_set1_epi32(0x8000));  // into int16's range
    const __m128i packed = _mm_xor_si128(_mm_packs_epi32(biased, biased), _mm_set1_epi16(-0x8000));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(p), packed);
  }
  // Float bits to the 16-bit types, to nearest even (of a float rounded to odd
  // from double, this is one rounding of the double).
  static __m128i bf16_bits(__m128i u) {
    return _mm_srli_epi32(_mm_add_epi32(_mm_add_epi32(u, _mm_set1_epi32(0x7fff)),
                                        _mm_and_si128(_mm_srli_epi32(u, 16), _mm_set1_epi32(1))),
                          16);
  }
  static __m128i f16_bits(__m128i u) {
    const __m128i mag = _mm_and_si128(u, _mm_set1_epi32(0x7fffffff));
    const __m128i sign = _mm_and_si128(_mm_srli_epi32(u, 16), _mm_set1_epi32(0x8000));
    const __m128i r = _mm_sub_epi32(mag, _mm_set1_epi32(0x38000000));
    const __m128i normal = _mm_srli_epi32(
        _mm_add_epi32(_mm_add_epi32(r, _mm_set1_epi32(0xfff)), _mm_and_si128(_mm_srli_epi32(r, 13), _mm_set1_epi32(1))), 13);
    const __m128i small = _mm_sub_epi32(_mm_castps_si128(_mm_add_ps(_mm_castsi128_ps(mag), _mm_set1_ps(0.5f))),
                                        _mm_set1_epi32(0x3f000000));
    const __m128i is_small = _mm_cmplt_epi32(mag, _mm_set1_epi32(0x38800000));
    const __m128i is_big = _mm_cmpgt_epi32(mag, _mm_set1_epi32(0x477fffff));
    __m128i h = _mm_or_si128(_mm_and_si128(is_small, small), _mm_andnot_si128(is_small, normal));
    h = _mm_or_si128(_mm_and_si128(is_big, _mm_set1_epi32(0x7c00)), _mm_andnot_si128(is_big, h));
    return _mm_or_si128(h, sign);
  }
  static void store(bf16* p, D v) { store2x16(p, bf16_bits(odd_bits(v))); }
  static void store(f16* p, D v) { store2x16(p, f16_bits(odd_bits(v))); }
  static void storef(bf16* p, F v) { store4x16(p, bf16_bits(_mm_castps_si128(v))); }
  static void storef(f16* p, F v) { store4x16(p, f16_bits(_mm_castps_si128(v))); }
  static D madd(D x, D y, D acc) { return acc + x * y; }
  static void store(float* p, D v) {
    _mm_storel_epi64(reinterpret_cast<__m128i*>(p), _mm_castps_si128(_mm_cvtpd_ps(v)));
  }
  static void stream(double* p, D v) { _mm_stream_pd(p, v); }
  static void stream(float* p, F v) { _mm_stream_ps(p, v); }
};
#endif

#if defined(__aarch64__)
template <>
struct V<arch_neon64> : XsimdV<xsimd::neon64, 2, 16> {
  static constexpr bool kFma = true;
  static constexpr const char* name = "neon64";
  using XsimdV::load;
  using XsimdV::store;
  static D load(const float* p) { return vcvt_f64_f32(vld1_f32(p)); }
  static uint32x2_t load2x16(const void* p) {
    std::uint32_t two;
    std::memcpy(&two, p, sizeof two);
    return vdup_n_u32(two);
  }
  static D load(const bf16* p) {
    const uint32x4_t w = vshll_n_u16(vreinterpret_u16_u32(load2x16(p)), 16);
    return vcvt_f64_f32(vget_low_f32(vreinterpretq_f32_u32(w)));
  }
  static D load(const f16* p) {
    return vcvt_f64_f32(vget_low_f32(vcvt_f32_f16(vreinterpret_f16_u32(load2x16(p)))));
  }
  static D madd(D x, D y, D acc) { return vfmaq_f64(acc, x, y); }
  static F maddf(F x, F y, F acc) { return vfmaq_f32(acc, x, y); }
  static void store(float* p, D v) { vst1_f32(p, vcvt_f32_f64(v)); }
  static void store2x16(void* p, uint16x4_t h) {
    const std::uint32_t two = vget_lane_u32(vreinterpret_u32_u16(h), 0);
    std::memcpy(p, &two, sizeof two);
  }
  static void store(bf16* p, D v) {
    const uint32x2_t u = vreinterpret_u32_f32(vcvtx_f32_f64(v));  // rounded to odd
    const uint32x2_t r = vshr_n_u32(vadd_u32(vadd_u32(u, vdup_n_u32(0x7fff)),
                                             vand_u32(vshr_n_u32(u, 16), vdup_n_u32(1))), 16);
    store2x16(p, vmovn_u32(vcombine_u32(r, r)));
  }
  static void store(f16* p, D v) {
    const float32x2_t f = vcvtx_f32_f64(v);
    store2x16(p, vreinterpret_u16_f16(vcvt_f16_f32(vcombine_f32(f, f))));
  }
  static uint16x4_t load4x16(const void* p) {
    std::uint64_t four;
    std::memcpy(&four, p, sizeof four);
    return vcreate_u16(four);
  }
  static void store4x16(void* p, uint16x4_t h) {
    const std::uint64_t four = vget_lane_u64(vreinterpret_u64_u16(h), 0);
    std::memcpy(p, &four, sizeof four);
  }
  static F loadf(const bf16* p) { return vreinterpretq_f32_u32(vshll_n_u16(load4x16(p), 16)); }
  static F loadf(const f16* p) { return vcvt_f32_f16(vreinterpret_f16_u16(load4x16(p))); }
  static void storef(bf16* p, F v) {
    const uint32x4_t u = vreinterpretq_u32_f32(v);
    const uint32x4_t r = vshrq_n_u32(vaddq_u32(vaddq_u32(u, vdupq_n_u32(0x7fff)),
                                                vandq_u32(vshrq_n_u32(u, 16), vdupq_n_u32(1))), 16);
    store4x16(p, vmovn_u32(r));
  }
  static void storef(f16* p, F v) { store4x16(p, vreinterpret_u16_f16(vcvt_f16_f32(v))); }
};
#endif

// ================================================== reductions

// Copies m elements to dst[at .. at+m) of a zero-padded group, so that partial
// groups go through the same vector code (adding 0 * 0 leaves a lane as it is).
template <class T>
inline void pad_group(T (&dst)[kLanes], std::size_t at, const T* src, std::size_t m) {
  std::memset(static_cast<void*>(dst), 0, sizeof dst);
  std::memcpy(static_cast<void*>(dst + at), src, m * sizeof(T));
}

// The fixed tree: step s = kLanes/2, ..., 1: lane j += lane j + s, the steps
// of at least W lanes as whole-vector additions.
template <class A>
inline double lanes_tree(const double (&lane)[kLanes]) {
  using v = V<A>;
  using D = typename v::D;
  constexpr std::size_t W = v::W, R = kLanes / W;
  D t[R];
  for (std::size_t r = 0; r < R; ++r) t[r] = v::load(lane + r * W);
  for (std::size_t s = R / 2; s > 0; s /= 2)
    for (std::size_t j = 0; j < s; ++j) t[j] = t[j] + t[j + s];
  alignas(64) double l[W];
  v::store_lanes(l, t[0]);
  for (std::size_t s = W / 2; s > 0; s /= 2)
    for (std::size_t j = 0; j < s; ++j) l[j] += l[j + s];
  return l[0];
}

// Software prefetch of the group kPrefetchBytes ahead (first pass only): the hardware
// prefetcher alone leaves these loops, which widen every element, short of the memory
// bus (order_by_norm at 6.4e7 on one thread of the benchmark VM: bf16 8.6 -> 13 GB/s,
// float 12 -> 15 GB/s). Only groups inside the data are prefetched: past its end lies
// other memory (the next tensor of a list, an unmapped page), and prefetching it made a
// list of 1000-element tensors 1.5-1.9x slower; the next tensor's start is prefetched
// where its address is known (prefetch_next_segment, reduce.hpp).
constexpr std::size_t kPrefetchBytes = 4096;
template <class T>
constexpr std::size_t kPrefetchGroups = kPrefetchBytes / (sizeof(T) * kLanes);
// Group g + kPrefetchGroups of the groups at p, where that is below `groups`.
template <class T>
inline void prefetch_group(const T* p, std::size_t g, std::size_t groups) {
  if (g + kPrefetchGroups<T> >= groups) return;
  const T* q = p + (g + kPrefetchGroups<T>) * kLanes;
  for (std::size_t k = 0; k < sizeof(T) * kLanes; k += 64) __builtin_prefetch(reinterpret_cast<const char*>(q) + k);
}

// With Fresh, the block starts here (lanes zero, lane0 == 0) and st is only
// written.
template <class A, class T, GramParts P, bool Fresh = false>
Gram gram_piece(const T* a, const T* b, std::size_t m, std::size_t lane0, GramLanes& st,
                bool close) {
  using v = V<A>;
  using D = typename v::D;
  constexpr std::size_t W = v::W, L = v::kPassLanes, R = L / W;
  constexpr bool kAA = has_aa(P), kAB = has_ab(P);
  lane0 %= kLanes;
  const std::size_t head = lane0 == 0 ? 0 : (m < kLanes - lane0 ? m : kLanes - lane0);
  const std::size_t groups = (m - head) / kLanes, tail = (m - head) % kLanes;
  const T* const body_a = a + head;
  const T* const body_b = b + head;
  // Partial groups: read in part where the instruction set can (masked loads),
  // else copied into zero-padded groups; either way the missing lanes add 0 * 0.
  constexpr bool kParts = requires { v::load_part(a, 0, 1); };
  alignas(64) T ha[kLanes], hb[kLanes], ta[kLanes], tb[kLanes];
  if constexpr (!kParts) {
    if (head) pad_group(ha, lane0, a, head), pad_group(hb, lane0, b, head);
    if (tail) {
      pad_group(ta, 0, body_a + groups * kLanes, tail);
      pad_group(tb, 0, body_b + groups * kLanes, tail);
    }
  }
  // The group that holds the head starts lane0 elements before a (never read there).
  const T* const head_a = reinterpret_cast<const T*>(reinterpret_cast<std::uintptr_t>(a) - lane0 * sizeof(T));
  const T* const head_b = reinterpret_cast<const T*>(reinterpret_cast<std::uintptr_t>(b) - lane0 * sizeof(T));
  // The groups in order: the padded head, the body, the padded tail. With more
  // than one pass, they go in chunks that stay in the L1 cache between passes.
  const std::size_t first = head ? 1 : 0, total = groups + first + (tail ? 1 : 0);
  constexpr std::size_t kChunk = L == kLanes ? ~std::size_t{0} : 64;
  for (std::size_t q0 = 0; q0 < total || (q0 == 0 && Fresh); q0 += kChunk) {
    const std::size_t q1 = total - q0 < kChunk ? total : q0 + kChunk;
    // The body groups of this chunk: [g0, g1).
    const std::size_t g0 = q0 > first ? q0 - first : 0;
    const std::size_t g1 = q1 - first < groups ? q1 - first : groups;
    // One pass per slice of lanes, the slice's offset a constant (each pass its own
    // code): the loads then address one pointer per input at fixed displacements,
    // where a run-time offset left a pointer per register (spilled on SSE2).
    auto pass = [&]<std::size_t off>(std::integral_constant<std::size_t, off>) {
      D saa[R], sbb[R], sab[R];
      for (std::size_t r = 0; r < R; ++r) {
        if (Fresh && q0 == 0) {
          saa[r] = sbb[r] = sab[r] = v::zero();
        } else {
          if constexpr (kAA) saa[r] = v::load(st.aa + off + r * W);
          sbb[r] = v::load(st.bb + off + r * W);
          if constexpr (kAB) sab[r] = v::load(st.ab + off + r * W);
        }
      }
      auto step = [&](const T* pa, const T* pb) {
        for (std::size_t r = 0; r < R; ++r) {
          const D x = v::load(pa + off + r * W), y = v::load(pb + off + r * W);
          if constexpr (kAA) saa[r] = v::madd(x, x, saa[r]);
          sbb[r] = v::madd(y, y, sbb[r]);
          if constexpr (kAB) sab[r] = v::madd(x, y, sab[r]);
        }
      };
      // Lanes [lo, hi) of the group at pa, pb.
      auto step_part = [&](const T* pa, const T* pb, std::size_t lo, std::size_t hi) {
        for (std::size_t r = 0; r < R; ++r) {
          const std::size_t l0 = off + r * W;
          const std::size_t rlo = lo > l0 ? (lo - l0 < W ? lo - l0 : W) : 0;
          const std::size_t rhi = hi > l0 ? (hi - l0 < W ? hi - l0 : W) : 0;
          D x = v::zero(), y = v::zero();
          if constexpr (kParts) {
            if (rlo < rhi) x = v::load_part(pa + l0, rlo, rhi), y = v::load_part(pb + l0, rlo, rhi);
          }
          if constexpr (kAA) saa[r] = v::madd(x, x, saa[r]);
          sbb[r] = v::madd(y, y, sbb[r]);
          if constexpr (kAB) sab[r] = v::madd(x, y, sab[r]);
        }
      };
      if (head && q0 == 0) {
        if constexpr (kParts) step_part(head_a, head_b, lane0, lane0 + head);
        else step(ha, hb);
      }
      for (std::size_t g = g0; g < g1; ++g) {
        if constexpr (off == 0) prefetch_group(body_a, g, groups), prefetch_group(body_b, g, groups);
        step(body_a + g * kLanes, body_b + g * kLanes);
      }
      if (tail && q1 == total) {
        if constexpr (kParts) step_part(body_a + groups * kLanes, body_b + groups * kLanes, 0, tail);
        else step(ta, tb);
      }
      for (std::size_t r = 0; r < R; ++r) {
        if constexpr (kAA) v::store_lanes(st.aa + off + r * W, saa[r]);
        v::store_lanes(st.bb + off + r * W, sbb[r]);
        if constexpr (kAB) v::store_lanes(st.ab + off + r * W, sab[r]);
      }
    };
    [&]<std::size_t... k>(std::index_sequence<k...>) {
      (pass(std::integral_constant<std::size_t, k * L>{}), ...);
    }(std::make_index_sequence<kLanes / L>{});
    if (q1 == total) break;
  }
  if (!close) return {0, 0, 0};
  return {kAA ? lanes_tree<A>(st.aa) : 0.0, lanes_tree<A>(st.bb), kAB ? lanes_tree<A>(st.ab) : 0.0};
}

template <class A, class T, GramParts P>
void gram_blocks(const T* a, const T* b, std::size_t n, Gram* out) {
  for (std::size_t lo = 0; lo < n; lo += kBlock) {
    GramLanes st;
    const std::size_t m = n - lo < kBlock ? n - lo : kBlock;
    *out++ = gram_piece<A, T, P, true>(a + lo, b + lo, m, 0, st, true);
  }
}

// Statistics for p-norms. The body runs two registers per statistic at a time;
// head and tail elements join their lanes in scalar code that rounds exactly as
// the vector code does.
template <class A, class T>
AbsStats abs_piece(const T* x, std::size_t m, std::size_t lane0, AbsLanes& st, bool close) {
  using v = V<A>;
  using D = typename v::D;
  constexpr std::size_t W = v::W, L = 2 * W;
  lane0 %= kLanes;
  auto scalar = [&](std::size_t lane, double e) {
    const double ae = std::fabs(e);
    st.sum[lane] += ae;
    st.max[lane] = st.max[lane] < ae ? ae : st.max[lane];
    st.min[lane] = ae < st.min[lane] ? ae : st.min[lane];
    st.nonzero[lane] += e != 0 ? 1.0 : 0.0;
    st.nonfinite[lane] += e - e;
  };
  std::size_t i = 0;
  for (; i < m && (lane0 + i) % kLanes != 0; ++i) scalar(lane0 + i, widen(x[i]));
  const std::size_t groups = (m - i) / kLanes;
  const T* body = x + i;
  for (std::size_t off = 0; off < kLanes && groups; off += L) {
    D sum[2], mx[2], mn[2], nz[2], nf[2];
    for (std::size_t r = 0; r < 2; ++r) {
      sum[r] = v::load(st.sum + off + r * W), mx[r] = v::load(st.max + off + r * W);
      mn[r] = v::load(st.min + off + r * W), nz[r] = v::load(st.nonzero + off + r * W);
      nf[r] = v::load(st.nonfinite + off + r * W);
    }
    for (std::size_t g = 0; g < groups; ++g)
      for (std::size_t r = 0; r < 2; ++r) {
        const D e = v::load(body + g * kLanes + off + r * W), ae = v::abs(e);
        sum[r] = sum[r] + ae;
        mx[r] = v::max(mx[r], ae);
        mn[r] = v::min(mn[r], ae);
        nz[r] = nz[r] + v::nonzero(e);
        nf[r] = nf[r] + (e - e);
      }
    for (std::size_t r = 0; r < 2; ++r) {
      v::store_lanes(st.sum + off + r * W, sum[r]), v::store_lanes(st.max + off + r * W, mx[r]);
      v::store_lanes(st.min + off + r * W, mn[r]), v::store_lanes(st.nonzero + off + r * W, nz[r]);
      v::store_lanes(st.nonfinite + off + r * W, nf[r]);
    }
  }
  for (std::size_t j = groups * kLanes; i + j < m; ++j) scalar(j % kLanes, widen(body[j]));
  if (!close) return {0, 0, 0, 0, 0};
  double mx[kLanes], mn[kLanes];
  std::memcpy(mx, st.max, sizeof mx);
  std::memcpy(mn, st.min, sizeof mn);
  for (std::size_t w = kLanes / 2; w > 0; w /= 2)
    for (std::size_t j = 0; j < w; ++j) {
      mx[j] = mx[j] < mx[j + w] ? mx[j + w] : mx[j];
      mn[j] = mn[j + w] < mn[j] ? mn[j + w] : mn[j];
    }
  return {lanes_tree<A>(st.sum), mx[0], mn[0], lanes_tree<A>(st.nonzero), lanes_tree<A>(st.nonfinite)};
}

// ================================================== elementwise passes

inline std::size_t min_size(std::size_t x, std::size_t y) { return y < x ? y : x; }

template <class T>
constexpr bool has_stream() {
  return !is_half<T>();
}

// Runs body(i) over full groups and tail(i, m) over the rest, which goes through
// a zero-padded group. With streaming stores, the elements before the first
// 64-byte aligned output also take the padded path (same formula, so the result
// does not depend on alignment).
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
#if defined(__x86_64__)
    _mm_sfence();
#endif
  } else {
    for (; i + kLanes <= n; i += kLanes) body.template operator()<false>(i);
  }
  if (i < n) tail(i, n - i);
}

// How an output element is computed from x, y and c:
//   kFused  fma(c, y, x) in double (one rounding)
//   kPlain  x + c*y in double, two roundings; a product that overflows where the
//           sum would not is redone at half scale (exact there)
//   kSplit  (x + c_hi*y) + c_lo*y with c = c_hi + c_lo, c_hi of 42 bits, so both
//           products of a 16-bit y are exact: within 1 ulp of 16-bit outputs
//           without a fused multiply-add
//   kNarrow fma(c, y, x) in float (float data, c within float range)
//   kNarrowPlain  x + c*y in float, two roundings (float data, c within float
//           range, no fused multiply-add); a result that overflows is redone in
//           double, where x + c*y may still be finite
//   kHalfFloat  16-bit data, c within float's normal range: t = c*y and z = x + t
//           in float, rounded once to the 16-bit type, where |t| <= R |z| and |z|
//           is at most the type's largest value: float's error, about
//           2^-24 (2|t| + |z|), is then at most half of the type's half ulp
//           (R = 2^13 for bf16's 8 bits, 2^10 for f16's 11), so the result is
//           within 1 ulp. Elsewhere (cancellation, overflow) the element is
//           computed in double.
enum class How { kFused, kPlain, kSplit, kNarrow, kNarrowPlain, kHalfFloat };

// x + c*y in double with two roundings; a lane whose product overflows where
// the sum would not is redone at half scale (exact there).
inline double plain_axpy1(double c, double y, double x) {
  const double r = x + c * y;
  return std::isinf(r) ? (x * 0.5 + c * (y * 0.5)) * 2 : r;
}

template <class C>
inline bool any_nan(C z) {
  if constexpr (std::is_arithmetic_v<C>) {
    return z != z;
  } else if constexpr (requires { xsimd::isnan(z); }) {
    return xsimd::any(xsimd::isnan(z));
  } else {
    bool nan = false;
    for (std::size_t i = 0; i < C::size; ++i) nan |= z[i] != z[i];
    return nan;
  }
}

// kHalfFloat's bounds: float is enough for a lane where |t| <= ratio |z| and
// |z| <= the type's largest value.
template <class T>
struct HalfBounds;
template <>
struct HalfBounds<bf16> {
  static constexpr float ratio = 0x1p13f, max = 0x1.fep127f;
};
template <>
struct HalfBounds<f16> {
  static constexpr float ratio = 0x1p10f, max = 65504.0f;
};
template <class T>
inline bool half_lane_ok(float t, float z) {
  return std::fabs(t) <= HalfBounds<T>::ratio * std::fabs(z) && std::fabs(z) <= HalfBounds<T>::max;
}
template <class T, class C>
inline bool half_ok(C t, C z) {
  if constexpr (requires { xsimd::abs(t); }) {
    const C az = xsimd::abs(z);
    return xsimd::all((xsimd::abs(t) <= az * C(HalfBounds<T>::ratio)) & (az <= C(HalfBounds<T>::max)));
  } else if constexpr (requires { t.v < z.v; }) {  // generic: vector-extension compares
    using M = decltype(t.v < z.v);                     // lanes of all ones where true
    using R = decltype(t.v);
    const R at = (R)((M)t.v & 0x7fffffff), az = (R)((M)z.v & 0x7fffffff);
    const M ok = (at <= az * HalfBounds<T>::ratio) & (az <= HalfBounds<T>::max);
    std::uint64_t w[sizeof ok / 8];
    std::memcpy(w, &ok, sizeof w);
    std::uint64_t all = ~std::uint64_t{0};
    for (std::uint64_t x : w) all &= x;
    return all == ~std::uint64_t{0};
  } else {
    bool ok = true;
    for (std::size_t i = 0; i < C::size; ++i) ok &= half_lane_ok<T>(t[i], z[i]);
    return ok;
  }
}

template <class C>
constexpr std::size_t width_of() {
  if constexpr (std::is_arithmetic_v<C>) return 1;
  else return C::size;
}

// A streaming store of z to p, where the vector type v has one (float and
// double outputs). Named templates rather than a requires-expression in the
// lambda below: clang 14 instantiates that branch even where it is discarded.
template <class v, class P, class C>
concept has_stream_store = requires(P* p, C z) { v::stream(p, z); };

template <class v, class P, class C>
inline void stream_store(P* p, C z) {
  if constexpr (has_stream_store<v, P, C>) v::stream(p, z);
}

template <class A, class T, How H, bool Scaled, bool WithX>
void elementwise_impl(const T* x, const T* y, std::size_t n, T* out, const Coeffs& k) {
  using v = V<A>;
  constexpr bool kNarrow = H == How::kNarrow || H == How::kNarrowPlain || H == How::kHalfFloat;
  // How an element goes in double where the float computation is not enough.
  constexpr How kWide = V<A>::kFma ? How::kFused : is_half<T>() ? How::kSplit : How::kPlain;
  using C = std::conditional_t<kNarrow, typename v::F, typename v::D>;
  constexpr std::size_t W = width_of<C>();
  using S = std::conditional_t<kNarrow, float, double>;
  const C c(static_cast<S>(k.c)), qy(static_cast<S>(k.qy)), qy2(static_cast<S>(k.qy2));
  // kSplit: c_hi keeps the top 42 bits of c, c_lo the rest (exact).
  double chi_d = k.c;
  if constexpr (H == How::kSplit) {
    std::uint64_t u;
    std::memcpy(&u, &chi_d, sizeof u);
    u &= ~std::uint64_t{0x7ff};
    std::memcpy(&chi_d, &u, sizeof u);
  }
  const C c_hi(static_cast<S>(chi_d)), c_lo(static_cast<S>(k.c - chi_d));
  auto load = [](const T* p) -> C {
    if constexpr (std::is_arithmetic_v<C>) return widen(*p);
    else if constexpr (H == How::kHalfFloat) return v::loadf(p);
    else if constexpr (kNarrow) return C::load_unaligned(p);
    else return v::load(p);
  };
  auto compute = [&](const T* px, const T* py) -> C {
    C vy = load(py);
    if constexpr (Scaled) vy = (vy * qy) * qy2;
    if constexpr (!WithX) {
      return c * vy;
    } else {
      const C vx = load(px);
      if constexpr (H == How::kNarrow) {
        return v::maddf(c, vy, vx);
      } else if constexpr (H == How::kFused) {
        return v::madd(c, vy, vx);
      } else if constexpr (H == How::kPlain || H == How::kNarrowPlain) {
        return vx + c * vy;  // checked for overflow by the group, below
      } else {
        return (vx + c_hi * vy) + c_lo * vy;
      }
    }
  };
  // One element in scalar code, the same bits as its lane in the vector code
  // (partial groups, and lanes that overflowed without a fused multiply-add).
  const double c_d = k.c, chi1 = chi_d, clo1 = k.c - chi_d;
  // kHalfFloat: a lane in double, where float is not enough.
  auto half_wide = [&](const T* px, const T* py) {
    const double y1 = widen(*py), x1 = WithX ? widen(*px) : 0.0;
    double r;
    if constexpr (!WithX) r = c_d * y1;
    else if constexpr (kWide == How::kFused) r = std::fma(c_d, y1, x1);
    else r = (x1 + chi1 * y1) + clo1 * y1;
    T h;
    narrow(r, &h);
    return h;
  };
  auto element = [&](const T* px, const T* py, T* po) {
    if constexpr (H == How::kHalfFloat) {
      const float cf = static_cast<float>(k.c), t = cf * static_cast<float>(widen(*py));
      const float z = WithX ? static_cast<float>(widen(*px)) + t : t;
      if (!half_lane_ok<T>(t, z)) {
        *po = half_wide(px, py);
      } else if constexpr (std::is_same_v<T, bf16>) {
        po->bits = bf16_from_float_bits(bits_of(z));
      } else {
        po->bits = f16_from_float_bits(bits_of(z));
      }
    } else if constexpr (kNarrow) {
      const float cf = static_cast<float>(k.c), vy = static_cast<float>(widen(*py));
      if constexpr (!WithX) {
        *po = cf * vy;
      } else if constexpr (H == How::kNarrow) {
        *po = std::fma(cf, vy, static_cast<float>(widen(*px)));
      } else {
        const float vx = static_cast<float>(widen(*px)), z = vx + cf * vy;
        *po = std::isinf(z) ? static_cast<float>(plain_axpy1(c_d, vy, vx)) : z;
      }
    } else {
      double vy = widen(*py);
      if constexpr (Scaled) vy = (vy * k.qy) * k.qy2;
      double r;
      if constexpr (!WithX) r = c_d * vy;
      else if constexpr (H == How::kFused) r = std::fma(c_d, vy, widen(*px));
      else if constexpr (H == How::kPlain) r = plain_axpy1(c_d, vy, widen(*px));
      else r = (widen(*px) + chi1 * vy) + clo1 * vy;
      narrow(r, po);
    }
  };
  auto put = [&]<bool Stream>(T* po, C z) {
    if constexpr (H == How::kHalfFloat) v::storef(po, z);
    else if constexpr (Stream && has_stream_store<v, T, C>) stream_store<v>(po, z);
    else if constexpr (kNarrow && !std::is_arithmetic_v<C>) z.store_unaligned(po);
    else v::store(po, z);
  };
  // Two roundings without a fused multiply-add: c*y may overflow where
  // x + c*y does not. A group with an infinite result is computed again lane by
  // lane at half scale, in double.
  constexpr bool kCheck = WithX && (H == How::kPlain || H == How::kNarrowPlain);
  auto block = [&]<bool Stream>(const T* px, const T* py, T* po) {
    if constexpr (H == How::kHalfFloat) {
      for (std::size_t r = 0; r < kLanes / W; ++r) {
        const C t = c * load(py + r * W), z = WithX ? load(px + r * W) + t : t;
        if (half_ok<T>(t, z)) {
          v::storef(po + r * W, z);
          continue;
        }
        // Each lane decides for itself, as the tail does: the lanes that need it
        // are computed in double (before the store: out may be x or y).
        alignas(64) float tt[W], zz[W];
        t.store_aligned(tt), z.store_aligned(zz);
        bool wide[W];
        T fix[W];
        for (std::size_t i = 0; i < W; ++i)
          if ((wide[i] = !half_lane_ok<T>(tt[i], zz[i]))) fix[i] = half_wide(WithX ? px + r * W + i : nullptr, py + r * W + i);
        v::storef(po + r * W, z);
        for (std::size_t i = 0; i < W; ++i)
          if (wide[i]) po[r * W + i] = fix[i];
      }
    } else if constexpr (kCheck) {
      C z[kLanes / W], bad(S(0));
      for (std::size_t r = 0; r < kLanes / W; ++r) {
        z[r] = compute(px + r * W, py + r * W);
        bad = bad + (z[r] - z[r]);  // NaN once any lane is infinite
      }
      if (!any_nan(bad)) {
        for (std::size_t r = 0; r < kLanes / W; ++r) put.template operator()<Stream>(po + r * W, z[r]);
        return;
      }
      // Element by element: only the lanes that overflowed change, so an
      // element's value never depends on its neighbours.
      for (std::size_t i = 0; i < kLanes; ++i) element(px + i, py + i, po + i);
    } else {
      for (std::size_t r = 0; r < kLanes / W; ++r)  // loads before the store: out may be x or y
        put.template operator()<Stream>(po + r * W, compute(px + r * W, py + r * W));
    }
  };
  auto body = [&]<bool Stream>(std::size_t i) {
    if constexpr (WithX) prefetch_group(x, i / kLanes, n / kLanes);
    prefetch_group(y, i / kLanes, n / kLanes);
    block.template operator()<Stream>(x + i, y + i, out + i);
  };
  auto tail = [&](std::size_t i, std::size_t m) {
    for (std::size_t j = i; j < i + m; ++j) element(WithX ? x + j : nullptr, y + j, out + j);
  };
  elementwise(n, out, has_stream<T>() && k.stream, body, tail);
}

inline bool unscaled(const Coeffs& k) { return k.qy == 1.0 && k.qy2 == 1.0; }

template <class A, class T, bool WithX>
void elementwise_op(const T* x, const T* y, std::size_t n, T* out, const Coeffs& k) {
  constexpr How kWide = V<A>::kFma ? How::kFused : is_half<T>() ? How::kSplit : How::kPlain;
  if (!unscaled(k)) return elementwise_impl<A, T, kWide, true, WithX>(x, y, n, out, k);
  if constexpr (is_half<T>()) {
    if (k.narrow) return elementwise_impl<A, T, How::kHalfFloat, false, WithX>(x, y, n, out, k);
  }
  if constexpr (std::is_same_v<T, float>) {
    constexpr How kN = V<A>::kFma ? How::kNarrow : How::kNarrowPlain;
    if (k.narrow) return elementwise_impl<A, T, kN, false, WithX>(x, y, n, out, k);
  }
  elementwise_impl<A, T, kWide, false, WithX>(x, y, n, out, k);
}

template <class A, class T>
void axpy(const T* x, const T* y, std::size_t n, T* out, const Coeffs& k) {
  elementwise_op<A, T, true>(x, y, n, out, k);
}

template <class A, class T>
void scale(const T* y, std::size_t n, T* out, const Coeffs& k) {
  // x is not read without WithX; y stands in for it, so that the pointer
  // arithmetic on x stays defined (offsets on a NULL pointer are UB).
  elementwise_op<A, T, false>(y, y, n, out, k);
}

template <class A, class T>
constexpr TypedKernels<T> typed_kernels() {
  return {{&gram_blocks<A, T, GramParts::kAll>, &gram_blocks<A, T, GramParts::kSquares>,
           &gram_blocks<A, T, GramParts::kOntoB>},
          {&gram_piece<A, T, GramParts::kAll>, &gram_piece<A, T, GramParts::kSquares>,
           &gram_piece<A, T, GramParts::kOntoB>},
          &abs_piece<A, T>,
          &scale<A, T>,
          &axpy<A, T>};
}

}  // namespace

template <class Arch>
const KernelTable& kernel_table() {
  static constexpr KernelTable table{V<Arch>::name, typed_kernels<Arch, float>(),
                                     typed_kernels<Arch, double>(), typed_kernels<Arch, bf16>(),
                                     typed_kernels<Arch, f16>()};
  return table;
}

}  // namespace projection::detail
