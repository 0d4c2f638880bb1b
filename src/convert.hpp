// Element conversions between the 16-bit types, float and double, in portable
// scalar code: the reference semantics, which the vector conversions of the
// kernels reproduce bit for bit.
//
// Internal linkage (an unnamed namespace), because this header is included by
// translation units compiled for different instruction sets.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

#include "kernels.hpp"

namespace projection::detail {
namespace {

inline std::uint32_t bits_of(float f) {
  std::uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}
inline float float_of(std::uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

inline double widen(double x) { return x; }
inline double widen(float x) { return x; }
inline double widen(bf16 x) { return float_of(std::uint32_t{x.bits} << 16); }
inline double widen(f16 x) {
  const std::uint32_t sign = std::uint32_t{x.bits & 0x8000u} << 16, em = x.bits & 0x7fffu;
  if (em >= 0x7c00u) return float_of(sign | 0x7f800000u | ((em & 0x3ffu) << 13));  // Inf, NaN
  if (em >= 0x0400u) return float_of(sign | ((em << 13) + (112u << 23)));            // normal: rebias
  // Subnormal (or zero): the fraction times 2^-24, in integer-to-float arithmetic
  // (no subnormal float operand, which some CPUs handle in microcode).
  const double m = static_cast<double>(em) * 0x1p-24;
  return sign ? -m : m;
}

// z rounded to float toward zero, with the last bit set when inexact ("round to
// odd"). Rounding that once more, to nearest even, to a type of at most 22
// significant bits gives the correctly rounded value of z: one rounding.
inline std::uint32_t float_bits_to_odd(double z) {
  const float f = static_cast<float>(z);
  const double back = f;
  // Without branches (their outcome is a coin flip for real data): one step
  // back toward zero where rounding went away from zero, then the sticky bit.
  const std::uint32_t away = std::fabs(back) > std::fabs(z), inexact = back != z;
  return (bits_of(f) - away) | inexact;
}
// A float's bits rounded to the 16-bit types, to nearest even. Applied to a
// double rounded to odd (above), this is one rounding of the double.
inline std::uint16_t bf16_from_float_bits(std::uint32_t u) {
  return static_cast<std::uint16_t>((u + 0x7fffu + ((u >> 16) & 1)) >> 16);
}
inline std::uint16_t f16_from_float_bits(std::uint32_t u) {
  const std::uint32_t sign = (u >> 16) & 0x8000u, mag = u & 0x7fffffffu;
  std::uint32_t h;
  if (mag >= 0x47800000u) {           // >= 2^16: beyond the range
    h = 0x7c00u;
  } else if (mag >= 0x38800000u) {    // >= 2^-14: normal; rebias, round, carry may reach inf
    const std::uint32_t r = mag - 0x38000000u;
    h = (r + 0xfffu + ((r >> 13) & 1)) >> 13;
  } else {                            // subnormal: a multiple of 2^-24, rounded by the addition
    h = bits_of(float_of(mag) + 0.5f) - 0x3f000000u;
  }
  return static_cast<std::uint16_t>(h | sign);
}

inline void narrow(double z, double* p) { *p = z; }
inline void narrow(double z, float* p) { *p = static_cast<float>(z); }
inline void narrow(double z, bf16* p) { p->bits = bf16_from_float_bits(float_bits_to_odd(z)); }
inline void narrow(double z, f16* p) { p->bits = f16_from_float_bits(float_bits_to_odd(z)); }

}  // namespace
}  // namespace projection::detail
