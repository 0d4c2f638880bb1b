// bfloat16 and IEEE binary16 for the benchmarks: straightforward scalar conversions
// (bit manipulation, round to nearest even), used to fill the 16-bit input buffers and by
// the plain loops of plain_isa.cpp, which convert element by element as user code would.
#pragma once
#include <projection/projection.h>

#include <cstdint>
#include <cstring>

namespace pbench {
// Internal linkage: plain_isa.cpp is compiled once per instruction set, and an inline
// function with external linkage would be merged across those objects by the linker.
namespace {

inline std::uint32_t bits_of(float f) {
  std::uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}
inline float float_of(std::uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

// bfloat16: the top half of a float.
inline float bf16_to_float(projection_bf16 h) { return float_of(std::uint32_t(h.bits) << 16); }
inline projection_bf16 float_to_bf16(float f) {
  std::uint32_t u = bits_of(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return {std::uint16_t((u >> 16) | 0x40)};  // NaN stays NaN
  u += 0x7fffu + ((u >> 16) & 1u);
  return {std::uint16_t(u >> 16)};
}

// binary16 (F. Giesen's public-domain conversions, round to nearest even).
inline float f16_to_float(projection_f16 h) {
  const std::uint32_t shifted_exp = 0x7c00u << 13;
  std::uint32_t o = std::uint32_t(h.bits & 0x7fffu) << 13;
  const std::uint32_t exp = shifted_exp & o;
  o += (127u - 15u) << 23;
  if (exp == shifted_exp) {
    o += (128u - 16u) << 23;  // Inf, NaN
  } else if (exp == 0) {      // zero, subnormal
    o += 1u << 23;
    o = bits_of(float_of(o) - float_of(113u << 23));
  }
  o |= std::uint32_t(h.bits & 0x8000u) << 16;
  return float_of(o);
}
inline projection_f16 float_to_f16(float f) {
  std::uint32_t x = bits_of(f);
  const std::uint32_t sign = x & 0x80000000u;
  x ^= sign;
  std::uint32_t o;
  if (x >= (127u + 16u) << 23) {  // >= 65536, Inf, NaN
    o = x > (255u << 23) ? 0x7e00u : 0x7c00u;
  } else if (x < 113u << 23) {  // subnormal or zero in binary16
    const std::uint32_t magic = ((127u - 15u) + (23u - 10u) + 1u) << 23;
    o = bits_of(float_of(x) + float_of(magic)) - magic;
  } else {
    const std::uint32_t odd = (x >> 13) & 1u;
    x += ((15u - 127u) << 23) + 0xfffu;
    x += odd;
    o = x >> 13;
  }
  return {std::uint16_t(o | (sign >> 16))};
}

// Element conversions by type, for code templated on the element type.
template <class T> inline T from_double(double x) { return T(x); }
template <> inline projection_bf16 from_double<projection_bf16>(double x) { return float_to_bf16(float(x)); }
template <> inline projection_f16 from_double<projection_f16>(double x) { return float_to_f16(float(x)); }

template <class T> inline double to_double(T x) { return double(x); }
template <> inline double to_double<projection_bf16>(projection_bf16 x) { return bf16_to_float(x); }
template <> inline double to_double<projection_f16>(projection_f16 x) { return f16_to_float(x); }

}  // namespace
}  // namespace pbench
