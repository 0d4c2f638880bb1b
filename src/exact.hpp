// Exact sums of block results, and the scalar type the algebra runs in.
//
// ExactSum is a fixed-point accumulator (a Kulisch accumulator) covering every
// value a block sum can take, from double products of the tiniest subnormals to
// sums of 2^64 squares near DBL_MAX. Adding is exact, so the order in which
// blocks, threads, list segments or processes add their sums cannot change the
// total: that is what makes every result independent of how the vector is held.
//
// Wide is a double with an unbounded exponent: sums rounded once from an
// ExactSum keep their 53 bits whatever their magnitude, and the scalar algebra
// (k = L.S / S.S, 1 - k, sqrt) runs on them in IEEE double arithmetic, so it
// gives the same bits on every CPU.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace projection::detail {

// m * 2^e with |m| in [1, 2), or m == 0 (then e == 0).
struct Wide {
  double m = 0;
  int e = 0;

  static Wide of(double x) {  // exact for finite x
    std::uint64_t u;
    std::memcpy(&u, &x, sizeof u);
    const int biased = static_cast<int>((u >> 52) & 0x7ff);
    if (biased == 0) return of_subnormal(x);  // and zero
    u = (u & ~(std::uint64_t{0x7ff} << 52)) | (std::uint64_t{1023} << 52);
    double m;
    std::memcpy(&m, &u, sizeof m);
    return {m, biased - 1023};
  }
  double to_double() const {  // rounded once (inf beyond the range)
    if (m == 0 || e < -1022 || e > 1023) return to_double_far();
    std::uint64_t u;
    std::memcpy(&u, &m, sizeof u);
    u = (u & ~(std::uint64_t{0x7ff} << 52)) | (static_cast<std::uint64_t>(e + 1023) << 52);
    double x;
    std::memcpy(&x, &u, sizeof x);
    return x;
  }
  static Wide of_subnormal(double x);
  double to_double_far() const;
  bool is_zero() const { return m == 0; }
  Wide operator-() const { return {-m, e}; }
};

Wide wide_div(Wide a, Wide b);            // a / b rounded to 53 bits; b must not be 0
Wide wide_sqrt(Wide a);                   // a >= 0
Wide const_minus(double c, Wide k);       // c - k rounded to 53 bits, c in {1, 2}
Wide wide_mul(Wide a, Wide b);            // a * b rounded to 53 bits

// x > y, for x, y >= 0.
inline bool wide_greater(Wide x, Wide y) {
  if (x.is_zero() || y.is_zero()) return !x.is_zero() && y.is_zero();
  return x.e != y.e ? x.e > y.e : x.m > y.m;
}

class ExactSum {
 public:
  // Bit 0 of digit 0 weighs 2^kLowBit; digits are 32 bits wide (held in 64 so
  // that additions can be carried lazily) and the top one carries the sign.
  static constexpr int kLowBit = -2240;
  static constexpr int kDigits = 138;  // up to 2^2176: sums of 2^64 blocks of 2^2061

  ExactSum() = default;  // zero

  // Adds x * 2^scale_exp exactly (bits below 2^kLowBit are dropped, toward zero,
  // before adding, so the total still does not depend on the order). x finite.
  void add(double x, int scale_exp = 0);
  void add(const ExactSum& other);

  bool is_zero() const;
  int sign() const;                         // -1, 0, 1
  Wide round() const;                       // to nearest, ties to even
  friend int compare(const ExactSum& x, const ExactSum& y);  // sign of x - y

  // Canonical form: digits 0..kDigits-2 in [0, 2^32), the top one a signed
  // 32-bit value. Two equal sums have the same canonical digits.
  void store(std::uint32_t (&out)[kDigits]) const;
  void load(const std::uint32_t (&in)[kDigits]);

 private:
  // Canonical form over the touched digits, in place (the value is unchanged,
  // hence const); reading a sum carries it first.
  void carry() const;
  void touch(int lo, int hi);               // widens [lo_, hi_] to [lo, hi], zeroing new digits
  ExactSum negated() const;                 // copies only the touched digits

  mutable std::int64_t d_[kDigits];         // only [lo_, hi_] is meaningful
  mutable int lo_ = kDigits, hi_ = -1;      // touched digits; empty means zero
  mutable std::uint32_t adds_ = 0;          // additions since the last carry
};

}  // namespace projection::detail
