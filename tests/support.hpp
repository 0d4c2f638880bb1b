// Shared test helpers: data generation, a long double reference, tolerances
// derived from the library's error analysis, and buffer utilities.
#pragma once

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include "kernels.hpp"
#include "projection/projection.hpp"
#include "scale.hpp"

namespace test {

using ld = long double;

// ---- typed access to the C ABI

template <class T>
struct api : projection::detail::c_api<T> {
  static constexpr const char* name = std::is_same_v<T, float>    ? "float"
                                      : std::is_same_v<T, double> ? "double"
                                      : std::is_same_v<T, projection_bf16> ? "bf16"
                                                                          : "f16";
};



// ---- data

// ---- 16-bit elements, decoded and encoded here independently of the library

template <class H>
struct half_format;  // exponent and fraction bits
template <>
struct half_format<projection_bf16> {
  static constexpr int kExp = 8, kFrac = 7;
};
template <>
struct half_format<projection_f16> {
  static constexpr int kExp = 5, kFrac = 10;
};

template <class H>
constexpr int half_bias() { return (1 << (half_format<H>::kExp - 1)) - 1; }

template <class H>
bool half_finite(H h) {
  constexpr int E = half_format<H>::kExp, F = half_format<H>::kFrac;
  return ((h.bits >> F) & ((1 << E) - 1)) != (1 << E) - 1;
}

template <class H>
ld decode(H h) {
  constexpr int E = half_format<H>::kExp, F = half_format<H>::kFrac;
  const int e = (h.bits >> F) & ((1 << E) - 1), f = h.bits & ((1 << F) - 1);
  const ld sign = (h.bits >> 15) ? -1 : 1;
  if (e == (1 << E) - 1) return f ? std::numeric_limits<ld>::quiet_NaN() : sign * HUGE_VALL;
  if (e == 0) return sign * std::ldexp(ld(f), 1 - half_bias<H>() - F);
  return sign * std::ldexp(ld(f + (1 << F)), e - half_bias<H>() - F);
}

// x truncated toward zero to the format (data generation only; |x| within range).
template <class H>
H encode(double x) {
  constexpr int F = half_format<H>::kFrac;
  H h{static_cast<std::uint16_t>(std::signbit(x) ? 0x8000 : 0)};
  const double m = std::fabs(x);
  if (m == 0) return h;
  const int min_exp = 1 - half_bias<H>();
  int e = std::ilogb(m);
  if (e < min_exp) {  // subnormal
    h.bits |= static_cast<std::uint16_t>(std::ldexp(m, F - min_exp));
    return h;
  }
  const auto frac = static_cast<std::uint32_t>(std::ldexp(m, F - e)) & ((1u << F) - 1);
  h.bits |= static_cast<std::uint16_t>(((e + half_bias<H>()) << F) | frac);
  return h;
}

// The spacing of the format's values at |x| (its subnormal spacing below the normal range).
template <class H>
ld half_ulp(ld x) {
  const int min_exp = 1 - half_bias<H>();
  const int e = x == 0 ? min_exp : std::max(int(std::ilogb(x)), min_exp);
  return std::ldexp(ld(1), e - half_format<H>::kFrac);
}

template <class H>
ld half_max() {
  constexpr int F = half_format<H>::kFrac;
  return std::ldexp(ld((1 << (F + 1)) - 1), half_bias<H>() - F);
}

// Element value as long double, for every element type.
inline ld value(float x) { return x; }
inline ld value(double x) { return x; }
inline ld value(projection_bf16 x) { return decode(x); }
inline ld value(projection_f16 x) { return decode(x); }


enum class Relation { unrelated, nearly_parallel, opposed, hugely_larger };
inline const char* name(Relation r) {
  switch (r) {
    case Relation::unrelated: return "unrelated";
    case Relation::nearly_parallel: return "nearly parallel";
    case Relation::opposed: return "opposed";
    case Relation::hugely_larger: return "hugely larger";
  }
  return "?";
}
inline constexpr Relation kRelations[] = {Relation::unrelated, Relation::nearly_parallel,
                                          Relation::opposed, Relation::hugely_larger};

template <class T>
T from_double(double x) {
  if constexpr (std::is_floating_point_v<T>) return static_cast<T>(x);
  else return encode<T>(x);
}

template <class T>
struct Pair {
  std::vector<T> a, b;
};

// Random vectors whose 2-norms differ clearly (so the order is not a near tie).
template <class T>
Pair<T> make_pair(Relation r, std::size_t n, std::uint64_t seed, double scale_a = 1,
                  double scale_b = 1) {
  std::mt19937_64 g(seed * 7919 + n);
  std::uniform_real_distribution<double> u(-1, 1);
  Pair<T> p{std::vector<T>(n), std::vector<T>(n)};
  for (std::size_t i = 0; i < n; ++i) {
    const double x = u(g), y = u(g);
    double b = 0;
    switch (r) {
      case Relation::unrelated: b = 1.7 * y; break;
      case Relation::nearly_parallel: b = 2.5 * x + 1e-5 * y; break;
      case Relation::opposed: b = -0.6 * x + 1e-4 * y; break;
      case Relation::hugely_larger: b = 1e6 * y; break;
    }
    p.a[i] = from_double<T>(x * scale_a);
    p.b[i] = from_double<T>(b * scale_b);
  }
  return p;
}

// ---- reference

// Neumaier-compensated long double sums: far more accurate than the library.
struct Ref {
  ld aa = 0, bb = 0, ab = 0, abs_ab = 0;
};

template <class T>
Ref reference(const T* a, const T* b, std::size_t n) {
  ld s[4] = {0, 0, 0, 0}, c[4] = {0, 0, 0, 0};
  auto add = [&](int k, ld v) {
    const ld t = s[k] + v;
    c[k] += std::fabs(s[k]) >= std::fabs(v) ? (s[k] - t) + v : (v - t) + s[k];
    s[k] = t;
  };
  for (std::size_t i = 0; i < n; ++i) {
    const ld x = value(a[i]), y = value(b[i]);
    add(0, x * x);
    add(1, y * y);
    add(2, x * y);
    add(3, std::fabs(x * y));
  }
  return {s[0] + c[0], s[1] + c[1], s[2] + c[2], s[3] + c[3]};
}

// Bound on the relative error of the library's double sums over n elements:
// each lane of a block adds kBlock/kLanes terms in sequence, then the lanes go
// through a 5-level tree; the block sums are added exactly and rounded once.
inline ld sum_error(std::size_t n) {
  const std::size_t per_block = n < projection::detail::kBlock ? n : projection::detail::kBlock;
  return 0x1p-53L * ld((per_block + projection::detail::kLanes - 1) / projection::detail::kLanes + 8);
}

template <class T>
constexpr ld unit_roundoff() {
  return std::numeric_limits<T>::epsilon() / 2;
}

// Expected order and coefficient: (S, L) with k = L.S / S.S.
struct Expect {
  bool swapped;
  ld k, dk;  // k and a bound on the error of the library's k
};

inline Expect expect_order(const Ref& r, std::size_t n) {
  const bool swapped = r.aa > r.bb;
  const ld ss = swapped ? r.bb : r.aa;
  const ld k = ss == 0 ? 0 : r.ab / ss;
  const ld dk = ss == 0 ? 0 : sum_error(n) * (r.abs_ab / ss + 2 * std::fabs(k)) + 0x1p-52L * std::fabs(k);
  return {swapped, k, dk};
}

// Largest violation of |got_i - want_i| <= tol_i, as a multiple of tol_i (<= 1 passes).
struct Worst {
  double ratio = 0;
  std::size_t index = 0;
  ld got = 0, want = 0, tol = 0;
  void see(std::size_t i, ld g, ld w, ld t) {
    double r;
    if (std::isinf(w) || std::isinf(g)) r = (g == w) ? 0 : HUGE_VAL;
    else if (std::isnan(g)) r = HUGE_VAL;
    else r = static_cast<double>(std::fabs(g - w) / t);
    if (r > ratio || (std::isnan(r))) { ratio = r; index = i; got = g; want = w; tol = t; }
  }
  std::string describe() const {
    return "index " + std::to_string(index) + ": got " + std::to_string(double(got)) + ", want " +
           std::to_string(double(want)) + " (tol " + std::to_string(double(tol)) + ")";
  }
};

// Elementwise check of out = x + c*y (with_x) or c*y, given c and its error dc.
template <class T>
Worst check_axpy(const std::vector<T>& out, const T* x, const T* y, ld c, ld dc) {
  Worst w;
  const ld u = unit_roundoff<T>(), tiny = 4 * ld(std::numeric_limits<T>::denorm_min());
  for (std::size_t i = 0; i < out.size(); ++i) {
    const ld xi = x ? ld(x[i]) : 0, yi = y[i];
    const ld want = xi + c * yi;
    const ld rounded = static_cast<T>(want);  // the reference as the type can hold it
    const ld tol = 4 * u * (std::fabs(xi) + std::fabs(c * yi)) + dc * std::fabs(yi) + tiny;
    w.see(i, out[i], std::isinf(rounded) ? rounded : want, tol);
  }
  return w;
}

// A double result against its long double reference: within tol, or, where the
// reference is beyond the range of double, exactly its rounding (+-inf or 0).
inline bool close(double got, ld want, ld tol) {
  const double rounded = static_cast<double>(want);
  if (std::isinf(rounded)) return got == rounded;
  return std::fabs(got - want) <= tol + 4 * ld(std::numeric_limits<double>::denorm_min());
}

// A buffer at a chosen element offset from a 64-byte boundary.
template <class T>
struct OffsetBuffer {
  std::vector<T> storage;
  T* data;
  OffsetBuffer(std::size_t n, std::size_t offset) : storage(n + offset + 64 / sizeof(T)) {
    auto p = reinterpret_cast<std::uintptr_t>(storage.data());
    p = (p + 63) / 64 * 64;
    data = reinterpret_cast<T*>(p) + offset;
  }
};

template <class T>
bool same_bits(const std::vector<T>& x, const std::vector<T>& y) {
  // (memcmp of an empty vector's NULL data is UB, whatever the length: UBSan)
  return x.size() == y.size() && (x.empty() || std::memcmp(x.data(), y.data(), x.size() * sizeof(T)) == 0);
}
inline bool same_bits(double x, double y) { return std::memcmp(&x, &y, sizeof x) == 0; }

// The arch name a PROJECTION_ARCH word selects: checked by the per-arch ctest runs.
std::string expected_arch();

// Fails the current test unless the kernels in use are the ones this ctest run
// is for (named after its instruction set in ctest).
void require_expected_arch();

}  // namespace test
