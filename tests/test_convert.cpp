// The element conversions of the kernels in use (this ctest run's instruction
// set), bit for bit against the portable scalar reference in src/convert.hpp:
// the widening loads of float, bf16 and f16, and the stores that round a double
// once to the output type (round to odd, then to nearest even, for the 16-bit
// types). The scale kernel computes out = c*y in double with one rounding on
// every instruction set, so narrow(c * widen(y)) is its exact expected value.
#include <cfloat>
#include <cstdio>

#include "convert.hpp"
#include "dispatch.hpp"
#include "support.hpp"

using namespace test;
namespace pd = projection::detail;

namespace {

template <class T> T of_bits(std::uint32_t u);
template <> float of_bits<float>(std::uint32_t u) { return pd::float_of(u); }
template <> pd::bf16 of_bits<pd::bf16>(std::uint32_t u) { return {static_cast<std::uint16_t>(u)}; }
template <> pd::f16 of_bits<pd::f16>(std::uint32_t u) { return {static_cast<std::uint16_t>(u)}; }

template <class T> std::uint32_t bits(T x);
template <> std::uint32_t bits<float>(float x) { return pd::bits_of(x); }
template <> std::uint32_t bits<pd::bf16>(pd::bf16 x) { return x.bits; }
template <> std::uint32_t bits<pd::f16>(pd::f16 x) { return x.bits; }

template <class T> const char* tname();
template <> const char* tname<float>() { return "float"; }
template <> const char* tname<pd::bf16>() { return "bf16"; }
template <> const char* tname<pd::f16>() { return "f16"; }

template <class T>
T narrowed(double z) {
  T t;
  pd::narrow(z, &t);
  return t;
}

// out = c * y through the active kernels' scale (n = 33: one full lane group
// through the vector body and one element through the padded tail).
template <class T>
std::vector<T> kernel_scale(const std::vector<T>& y, double c) {
  std::vector<T> out(y.size());
  pd::Coeffs k{c};
  pd::active_kernels().of<T>().scale(y.data(), y.size(), out.data(), k);
  return out;
}

// Doubles at which rounding to T is delicate: every midpoint between
// neighbouring values of T in a sample of bit patterns (16-bit types: all
// finite ones), one double either side of it, and the edges of the range.
template <class T>
std::vector<double> probes() {
  std::vector<double> z = {0.0, -0.0, 1.0, -1.0, 65504, 65519.999, 65520, 65536, 1e5, -1e5,
                           FLT_MAX, -double(FLT_MAX), 0x1.fffffffp127, 0x1p128, 1e300, -1e300,
                           0x1p-14, 0x1p-24, 0x1p-25, 0x1.0000001p-25, 0x1p-26, 0x1p-126,
                           0x1p-133, 0x1p-149, 0x1p-150, 0x1.0000001p-150, 0x1p-151, 1e-300,
                           DBL_MIN, -DBL_MIN, 4.9e-324};
  const std::uint32_t step = sizeof(T) == 2 ? 1 : 0x3ff01;  // float: 8k spread patterns
  const std::uint32_t top = sizeof(T) == 2 ? (std::is_same_v<T, pd::f16> ? 0x7bff : 0x7f7f)
                                           : 0x7f7fffff;
  for (std::uint32_t u = 0; u < top; u += step) {
    const double lo = pd::widen(of_bits<T>(u)), hi = pd::widen(of_bits<T>(u + 1));
    const double mid = lo + (hi - lo) / 2;  // exact: both have far fewer bits than double
    for (double m : {mid, std::nextafter(mid, 0.0), std::nextafter(mid, HUGE_VAL)}) {
      z.push_back(m);
      z.push_back(-m);
    }
  }
  return z;
}

template <class T>
void check_conversions() {
  require_expected_arch();
  const std::size_t n = 33;
  const T one = narrowed<T>(1.0);
  std::size_t checked = 0, wrong = 0;
  std::string first;
  auto expect = [&](T got, T want, double z) {
    ++checked;
    if (bits(got) != bits(want) && !wrong++) {
      char buf[128];
      std::snprintf(buf, sizeof buf, "z = %a: got 0x%x, want 0x%x", z, unsigned(bits(got)),
                    unsigned(bits(want)));
      first = buf;
    }
  };
  SECTION("stores: c * 1 rounded once from the double c") {
    const std::vector<T> y(n, one);
    for (double c : probes<T>()) {
      const std::vector<T> out = kernel_scale(y, c);
      const T want = narrowed<T>(c);
      for (std::size_t i = 0; i < n; ++i) expect(out[i], want, c);
    }
  }
  SECTION("loads and stores: every finite value (float: a sample) times c") {
    const std::uint32_t step = sizeof(T) == 2 ? 1 : 0x10001;
    const std::uint64_t top = sizeof(T) == 2 ? 0x10000 : 0x100000000;
    std::vector<T> y;
    for (std::uint64_t u = 0; u < top; u += step) {
      const T v = of_bits<T>(static_cast<std::uint32_t>(u));
      if (std::isfinite(pd::widen(v))) y.push_back(v);
    }
    for (double c : {1.0, -1.0, 0.75, 1.0 / 3.0, -2.7182818284590451, 1e-3, 0x1p-20, 1e10}) {
      const std::vector<T> out = kernel_scale(y, c);
      for (std::size_t i = 0; i < y.size(); ++i) expect(out[i], narrowed<T>(c * pd::widen(y[i])), c * pd::widen(y[i]));
    }
  }
  INFO(tname<T>() << " on " << projection_simd_arch() << ": " << checked << " values, " << wrong
                  << " differ; first: " << first);
  CHECK(wrong == 0);
  CHECK(checked > 0);
}

}  // namespace

TEST_CASE("float outputs round as the scalar reference, bit for bit", "[ops]") {
  check_conversions<float>();
}
TEST_CASE("bf16 loads and outputs match the scalar reference, bit for bit", "[ops]") {
  check_conversions<pd::bf16>();
}
TEST_CASE("f16 loads and outputs match the scalar reference, bit for bit", "[ops]") {
  check_conversions<pd::f16>();
}
