#include "exact.hpp"

#include <cmath>
#include <cstring>

namespace projection::detail {
namespace {

constexpr std::int64_t kRadix = std::int64_t{1} << 32;
constexpr std::int64_t kMask = kRadix - 1;
constexpr std::uint32_t kCarryEvery = 1u << 30;  // digits stay below 2^62 in magnitude

int clz32(std::uint32_t x) { return x ? __builtin_clz(x) : 32; }

}  // namespace

// ---------------------------------------------------------------- Wide

Wide Wide::of_subnormal(double x) {
  if (x == 0) return {};
  int e;
  const double f = std::frexp(x, &e);  // x = f 2^e, |f| in [0.5, 1)
  return {2 * f, e - 1};
}

double Wide::to_double_far() const { return m == 0 ? 0.0 : std::ldexp(m, e); }

Wide wide_div(Wide a, Wide b) {
  if (a.is_zero()) return {};
  double q = a.m / b.m;  // |q| in (1/2, 2]
  int e = a.e - b.e;
  if (std::fabs(q) < 1) q *= 2, --e;
  if (std::fabs(q) >= 2) q /= 2, ++e;
  return {q, e};
}

Wide wide_mul(Wide a, Wide b) {
  if (a.is_zero() || b.is_zero()) return {};
  double q = a.m * b.m;  // |q| in [1, 4]
  int e = a.e + b.e;
  if (std::fabs(q) >= 2) q /= 2, ++e;
  return {q, e};
}

Wide wide_sqrt(Wide a) {
  if (a.is_zero()) return {};
  double m = a.m;
  int e = a.e;
  if (e % 2 != 0) m *= 2, --e;  // m in [1, 4), e even
  return {std::sqrt(m), e / 2};
}

Wide const_minus(double c, Wide k) {
  if (k.is_zero() || k.e < -1000) return Wide::of(c);  // |k| far below half an ulp of c
  if (k.e > 60) return -k;                             // c far below half an ulp of k
  return Wide::of(c - k.to_double());                   // one rounding; k is a normal double
}

// ---------------------------------------------------------------- ExactSum

void ExactSum::touch(int lo, int hi) {
  if (lo_ > hi_) {
    for (int i = lo; i <= hi; ++i) d_[i] = 0;
    lo_ = lo, hi_ = hi;
    return;
  }
  for (int i = lo; i < lo_; ++i) d_[i] = 0;
  for (int i = hi_ + 1; i <= hi; ++i) d_[i] = 0;
  if (lo < lo_) lo_ = lo;
  if (hi > hi_) hi_ = hi;
}

void ExactSum::add(double x, int scale_exp) {
  std::uint64_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  const int biased = static_cast<int>((bits >> 52) & 0x7ff);
  std::uint64_t mant = bits & ((std::uint64_t{1} << 52) - 1);
  if (biased != 0) mant |= std::uint64_t{1} << 52;
  if (mant == 0) return;
  const bool negative = bits >> 63;
  // x = mant * 2^(lsb), lsb relative to the accumulator's bit 0.
  int pos = (biased == 0 ? -1074 : biased - 1075) + scale_exp - kLowBit;
  if (pos < 0) {
    if (pos <= -64) return;
    mant >>= -pos;  // the dropped bits are below the accumulator's resolution
    pos = 0;
    if (mant == 0) return;
  }
  const int w = pos >> 5, shift = pos & 31;
  const std::uint64_t low = mant << shift, high = shift ? mant >> (64 - shift) : 0;
  const std::int64_t c0 = static_cast<std::int64_t>(low & kMask);
  const std::int64_t c1 = static_cast<std::int64_t>(low >> 32);
  const std::int64_t c2 = static_cast<std::int64_t>(high);
  touch(w, w + 2);
  if (negative) {
    d_[w] -= c0, d_[w + 1] -= c1, d_[w + 2] -= c2;
  } else {
    d_[w] += c0, d_[w + 1] += c1, d_[w + 2] += c2;
  }
  if (++adds_ >= kCarryEvery) carry();
}

void ExactSum::add(const ExactSum& o) {
  if (o.lo_ > o.hi_) return;
  touch(o.lo_, o.hi_);
  for (int i = o.lo_; i <= o.hi_; ++i) d_[i] += o.d_[i];
  adds_ += o.adds_ + 1;
  if (adds_ >= kCarryEvery) carry();
}

void ExactSum::carry() const {
  adds_ = 0;
  if (lo_ > hi_) return;
  for (int i = lo_; i < hi_; ++i) {
    const std::int64_t c = d_[i] >> 32;  // floor division by 2^32
    d_[i] &= kMask;
    d_[i + 1] += c;
  }
  // The top digit is signed and must fit 32 bits; carry it further up if not.
  while ((d_[hi_] < -(kRadix / 2) || d_[hi_] >= kRadix / 2) && hi_ + 1 < kDigits) {
    const std::int64_t c = d_[hi_] >> 32;
    d_[hi_] &= kMask;
    d_[++hi_] = c;
  }
  // Drop top digits that only extend the sign of the one below.
  while (hi_ > lo_) {
    if (d_[hi_] == 0 && d_[hi_ - 1] < kRadix / 2) {
      --hi_;
    } else if (d_[hi_] == -1 && d_[hi_ - 1] >= kRadix / 2) {
      d_[--hi_] -= kRadix;
    } else {
      break;
    }
  }
  while (lo_ < hi_ && d_[lo_] == 0) ++lo_;
  if (lo_ == hi_ && d_[lo_] == 0) lo_ = kDigits, hi_ = -1;
}

bool ExactSum::is_zero() const { return sign() == 0; }

int ExactSum::sign() const {
  carry();
  if (lo_ > hi_) return 0;
  return d_[hi_] < 0 ? -1 : 1;
}

ExactSum ExactSum::negated() const {
  ExactSum r;
  r.lo_ = lo_, r.hi_ = hi_, r.adds_ = adds_;
  for (int i = lo_; i <= hi_; ++i) r.d_[i] = -d_[i];
  return r;
}

int compare(const ExactSum& x, const ExactSum& y) {
  ExactSum diff = y.negated();
  diff.add(x);
  return diff.sign();
}

Wide ExactSum::round() const {
  carry();
  if (lo_ > hi_) return {};
  const bool negative = d_[hi_] < 0;
  const ExactSum neg = negative ? negated() : ExactSum{};
  const ExactSum& c = negative ? neg : *this;
  c.carry();
  // The magnitude's top 96 bits, left-aligned into 64 bits plus a sticky bit.
  int hi = c.hi_;
  if (c.d_[hi] == 0) --hi;  // a zero top digit only keeps the one below positive
  auto digit = [&](int i) -> std::uint64_t {
    return i >= c.lo_ ? static_cast<std::uint64_t>(c.d_[i]) : 0;
  };
  const std::uint64_t x2 = digit(hi), x1 = digit(hi - 1), x0 = digit(hi - 2);
  const int lz = clz32(static_cast<std::uint32_t>(x2));
  std::uint64_t u = (x2 << (32 + lz)) | (x1 << lz) | (lz ? x0 >> (32 - lz) : 0);
  bool sticky = lz ? (x0 & ((std::uint64_t{1} << (32 - lz)) - 1)) != 0 : x0 != 0;
  for (int i = c.lo_; i < hi - 2 && !sticky; ++i) sticky = c.d_[i] != 0;
  // Weight of u's top bit, then round u to 53 bits, ties to even.
  int e = 32 * hi + 31 - lz + kLowBit;
  std::uint64_t m53 = u >> 11;
  const std::uint64_t rest = u & 0x7ff, half = 0x400;
  if (rest > half || (rest == half && (sticky || (m53 & 1)))) {
    if (++m53 == (std::uint64_t{1} << 53)) m53 >>= 1, ++e;
  }
  const double m = std::ldexp(static_cast<double>(m53), -52);
  return {negative ? -m : m, e};
}

void ExactSum::store(std::uint32_t (&out)[kDigits]) const {
  const ExactSum& c = *this;
  c.carry();
  std::int64_t fill = 0;
  for (int i = 0; i < kDigits; ++i) {
    if (i < c.lo_ || c.lo_ > c.hi_) {
      out[i] = 0;
    } else if (i <= c.hi_) {
      out[i] = static_cast<std::uint32_t>(c.d_[i] & kMask);
      if (i == c.hi_) fill = c.d_[i] < 0 ? -1 : 0;
    } else {
      out[i] = static_cast<std::uint32_t>(fill);
    }
  }
}

void ExactSum::load(const std::uint32_t (&in)[kDigits]) {
  // Canonical digits: only the range that differs from the sign's fill needs
  // to be carried (a negative sum fills the digits above it with ones).
  const std::uint32_t fill = (in[kDigits - 1] >> 31) ? 0xffffffffu : 0;
  int lo = 0, hi = kDigits - 1;
  while (lo < kDigits && in[lo] == 0) ++lo;
  while (hi > lo && in[hi] == fill) --hi;
  if (lo == kDigits) {
    lo_ = kDigits, hi_ = -1, adds_ = 0;
    return;
  }
  for (int i = lo; i <= hi; ++i) d_[i] = i + 1 < kDigits ? std::int64_t{in[i]} : std::int64_t{static_cast<std::int32_t>(in[i])};
  if (hi + 1 < kDigits && fill) d_[hi] -= std::int64_t{1} << 32;  // the fill above, folded in
  lo_ = lo, hi_ = hi, adds_ = 0;
  carry();
}

}  // namespace projection::detail
