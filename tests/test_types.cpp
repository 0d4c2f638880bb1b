// bf16 and f16: every operation against the long double reference, on the
// instruction set this run was started for; every NaN and Inf encoding
// refused with nothing written; subnormals valid; outputs beyond the type's
// range are +-inf, within 1 ulp everywhere else.
#include <algorithm>
#include <cfloat>

#include "scale.hpp"
#include "support.hpp"

using namespace test;

namespace {

using bf16 = projection_bf16;
using f16 = projection_f16;

std::vector<std::size_t> lengths() {
  if (small_scale()) return {0, 1, 31, 33, 8193, 70001};
  return {0, 1, 2, 3, 31, 32, 33, 1000, 8191, 8192, 8193, 70001};
}

// out = x + c*y within one unit in the last place of the exact value, where the
// library's c may differ from the exact coefficient by dc (its sums' error).
template <class H>
Worst check_half_axpy(const std::vector<H>& out, const H* x, const H* y, ld c, ld dc) {
  Worst w;
  for (std::size_t i = 0; i < out.size(); ++i) {
    const ld xi = x ? decode(x[i]) : 0, yi = decode(y[i]);
    const ld want = xi + c * yi;
    const ld got = decode(out[i]);
    const ld tol = half_ulp<H>(std::fabs(want)) + dc * std::fabs(yi);
    // Beyond the largest value by half an ulp or more, the rounding is +-inf.
    if (std::fabs(want) - dc * std::fabs(yi) >= half_max<H>() + half_ulp<H>(half_max<H>()) / 2) {
      w.see(i, got, std::copysign(HUGE_VALL, want), 1);
      continue;
    }
    w.see(i, got, want, tol);
  }
  return w;
}

template <class H>
void check_half_ops(const std::vector<H>& a, const std::vector<H>& b) {
  using C = api<H>;
  const std::size_t n = a.size();
  const Ref r = reference(a.data(), b.data(), n);
  const Expect e = expect_order(r, n);
  const H* S = e.swapped ? b.data() : a.data();
  const H* L = e.swapped ? a.data() : b.data();
  const ld rel = sum_error(n) + 0x1p-52L;

  int swapped = -1;
  double na = -1, nb = -1;
  REQUIRE(C::order_by_norm(a.data(), b.data(), n, 2.0, &swapped, &na, &nb) == PROJECTION_OK);
  CHECK(swapped == int(e.swapped));
  CHECK(close(na, std::sqrt(r.aa), rel * std::sqrt(r.aa)));
  CHECK(close(nb, std::sqrt(r.bb), rel * std::sqrt(r.bb)));

  double alpha = 0, scale = 0;
  REQUIRE(C::equivalent_alpha(a.data(), b.data(), n, &alpha, &scale) == PROJECTION_OK);
  const ld want_scale = 2 - e.k;
  const ld want_alpha = (e.swapped ? ld(1) : 1 - e.k) / want_scale;
  CHECK(close(scale, want_scale, e.dk + 0x1p-52L * std::fabs(want_scale)));
  CHECK(close(alpha, want_alpha, e.dk / (want_scale * want_scale) * 2 + 0x1p-51L * std::fabs(want_alpha)));

  std::vector<H> out(n, H{0x1234});
  REQUIRE(C::vector_projection(a.data(), b.data(), n, out.data()) == PROJECTION_OK);
  {
    const ld k = r.bb == 0 ? 0 : r.ab / r.bb;
    const ld dk = r.bb == 0 ? 0 : sum_error(n) * (r.abs_ab / r.bb + 2 * std::fabs(k)) + 0x1p-52L * std::fabs(k);
    const Worst w = check_half_axpy<H>(out, nullptr, b.data(), k, dk);
    INFO("vector_projection " << w.describe());
    CHECK(w.ratio <= 1);
  }
  REQUIRE(C::project_out_smaller(a.data(), b.data(), n, out.data()) == PROJECTION_OK);
  {
    const Worst w = check_half_axpy<H>(out, L, S, -e.k, e.dk);
    INFO("project_out_smaller " << w.describe());
    CHECK(w.ratio <= 1);
  }
  REQUIRE(C::alphaless_gradient(a.data(), b.data(), n, out.data()) == PROJECTION_OK);
  {
    const Worst w = check_half_axpy<H>(out, L, S, 1 - e.k, e.dk);
    INFO("alphaless_gradient " << w.describe());
    CHECK(w.ratio <= 1);
  }
}

template <class H>
void accuracy_over_lengths() {
  require_expected_arch();
  for (std::size_t n : lengths())
    for (Relation rel : kRelations) {
      // bf16 holds 1e6 times the other vector; f16 (max 65504) at most 1e4.
      const double big = std::is_same_v<H, f16> ? 1e-2 : 1;
      DYNAMIC_SECTION(api<H>::name << " n=" << n << " " << name(rel)) {
        const auto p = make_pair<H>(rel, n, 3, rel == Relation::hugely_larger ? big : 1,
                                    rel == Relation::hugely_larger ? big : 1);
        check_half_ops(p.a, p.b);
      }
    }
}

// Every 16-bit pattern that is NaN or Inf in the format.
template <class H>
std::vector<H> nonfinite_patterns() {
  std::vector<H> v;
  for (std::uint32_t bits = 0; bits <= 0xffff; ++bits) {
    const H h{static_cast<std::uint16_t>(bits)};
    if (!half_finite(h)) v.push_back(h);
  }
  return v;
}

template <class H>
void refuses_every_nonfinite_encoding() {
  require_expected_arch();
  using C = api<H>;
  const auto bad = nonfinite_patterns<H>();
  // 2 signs x (Inf and every NaN, signalling and quiet): bf16 2 x 128, f16 2 x 1024.
  CHECK(bad.size() == (std::is_same_v<H, bf16> ? 256u : 2048u));
  const std::size_t n = 67;
  const auto p = make_pair<H>(Relation::unrelated, n, 5);
  std::size_t k = 0;
  for (const H h : bad) {
    for (const bool in_b : {false, true}) {
      auto a = p.a, b = p.b;
      (in_b ? b : a)[k++ % n] = h;
      const auto a0 = a, b0 = b;
      std::vector<H> out(n, H{0x7777});
      const auto out0 = out;
      double r1 = -1, r2 = -1;
      int sw = -1;
      CHECK(C::vector_projection(a.data(), b.data(), n, out.data()) == PROJECTION_ERR_NONFINITE);
      CHECK(C::project_out_smaller(a.data(), b.data(), n, out.data()) == PROJECTION_ERR_NONFINITE);
      CHECK(C::alphaless_gradient(a.data(), b.data(), n, out.data()) == PROJECTION_ERR_NONFINITE);
      CHECK(C::alphaless_gradient(a.data(), b.data(), n, a.data()) == PROJECTION_ERR_NONFINITE);
      CHECK(C::equivalent_alpha(a.data(), b.data(), n, &r1, &r2) == PROJECTION_ERR_NONFINITE);
      for (double ord : {2.0, 1.0, HUGE_VAL, 0.0, 3.0})
        CHECK(C::order_by_norm(a.data(), b.data(), n, ord, &sw, &r1, &r2) == PROJECTION_ERR_NONFINITE);
      CHECK(same_bits(out, out0));
      CHECK(same_bits(a, a0));
      CHECK(same_bits(b, b0));
      CHECK(r1 == -1);
      CHECK(r2 == -1);
      CHECK(sw == -1);
    }
  }
}

template <class H>
void subnormals_are_valid() {
  require_expected_arch();
  // Only subnormal values, both signs: the reductions see exact products.
  const std::size_t n = 200;
  std::vector<H> a(n), b(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint16_t frac_max = (1u << half_format<H>::kFrac) - 1;
    a[i].bits = static_cast<std::uint16_t>(1 + (i * 37) % frac_max) | (i % 3 ? 0 : 0x8000);
    b[i].bits = static_cast<std::uint16_t>(1 + (i * 91) % frac_max) | (i % 5 ? 0x8000 : 0);
  }
  check_half_ops(a, b);
}

template <class H>
void overflowing_outputs_are_inf() {
  require_expected_arch();
  using C = api<H>;
  // k = a.b / b.b = (x + x/2) / 1.25 = 1.2 x with x near the largest value:
  // out[0] = k * 1 is beyond the range, out[1] = k / 2 is not.
  const ld x = half_max<H>() * 0.9L;
  const std::vector<H> a = {encode<H>(double(x)), encode<H>(double(x))};
  const std::vector<H> b = {encode<H>(1.0), encode<H>(0.5)};
  std::vector<H> out(2);
  REQUIRE(C::vector_projection(a.data(), b.data(), 2, out.data()) == PROJECTION_OK);
  CHECK(decode(out[0]) == HUGE_VALL);
  CHECK(std::isfinite(decode(out[1])));
  const std::vector<H> neg = {encode<H>(double(-x)), encode<H>(double(-x))};
  REQUIRE(C::vector_projection(neg.data(), b.data(), 2, out.data()) == PROJECTION_OK);
  CHECK(decode(out[0]) == -HUGE_VALL);
}

}  // namespace

TEST_CASE("bf16: all operations within bounds of the long double reference", "[ops]") {
  accuracy_over_lengths<bf16>();
}
TEST_CASE("f16: all operations within bounds of the long double reference", "[ops]") {
  accuracy_over_lengths<f16>();
}
TEST_CASE("bf16: every NaN and Inf encoding is refused, nothing written", "[ops]") {
  refuses_every_nonfinite_encoding<bf16>();
}
TEST_CASE("f16: every NaN and Inf encoding is refused, nothing written", "[ops]") {
  refuses_every_nonfinite_encoding<f16>();
}
TEST_CASE("bf16 and f16: subnormal inputs are valid and exact", "[ops]") {
  subnormals_are_valid<bf16>();
  subnormals_are_valid<f16>();
}
TEST_CASE("bf16 and f16: outputs beyond the type's range are +-inf", "[ops]") {
  overflowing_outputs_are_inf<bf16>();
  overflowing_outputs_are_inf<f16>();
}

TEST_CASE("bf16 and f16: outputs are correctly rounded where x + c*y is exact in double", "[ops]") {
  require_expected_arch();
  // a = (1, 0, ...), b = (t, 1): k = a.b / b.b = t / (t^2 + 1) is not simple, but
  // with b = (1, 0) and a = (x, y): vector_projection is x * b exactly, and
  // project_out_smaller / alphaless reduce to sums of representable values.
  // Here: every output of vector_projection(a, e1) is a[0] * e1, exactly.
  for (int i = 0; i < 200; ++i) {
    const double x = std::ldexp(1.0 + i / 256.0, i % 20 - 10);
    const std::vector<bf16> a = {encode<bf16>(x), encode<bf16>(3.0)}, b = {encode<bf16>(1.0), encode<bf16>(0.0)};
    std::vector<bf16> out(2);
    REQUIRE(api<bf16>::vector_projection(a.data(), b.data(), 2, out.data()) == PROJECTION_OK);
    CHECK(out[0].bits == a[0].bits);
    CHECK(decode(out[1]) == 0);
    const std::vector<f16> ah = {encode<f16>(x), encode<f16>(3.0)}, bh = {encode<f16>(1.0), encode<f16>(0.0)};
    std::vector<f16> oh(2);
    REQUIRE(api<f16>::vector_projection(ah.data(), bh.data(), 2, oh.data()) == PROJECTION_OK);
    CHECK(oh[0].bits == ah[0].bits);
  }
}
