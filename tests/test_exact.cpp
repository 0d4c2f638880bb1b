// The exact accumulator behind every reduction: sums in any order give the same
// bits, rounding is correct to nearest-even at any magnitude, and the packed
// form round-trips.
#include <algorithm>
#include <cfloat>

#include "exact.hpp"
#include "support.hpp"

using projection::detail::ExactSum;
using projection::detail::Wide;

namespace {

using Digits = std::uint32_t[ExactSum::kDigits];

bool same_sum(const ExactSum& x, const ExactSum& y) {
  Digits a, b;
  x.store(a);
  y.store(b);
  return std::memcmp(a, b, sizeof a) == 0;
}

double rounded(const ExactSum& s) { return s.round().to_double(); }

}  // namespace

TEST_CASE("exact sums do not depend on the order of the additions", "[exact]") {
  std::mt19937_64 g(3);
  std::vector<std::pair<double, int>> terms;
  for (int i = 0; i < 3000; ++i) {
    const double m = std::ldexp(double(g() >> 11), -53) * (g() % 2 ? 1 : -1);
    terms.push_back({std::ldexp(m, int(g() % 2000) - 1000), int(g() % 200) - 100});
  }
  terms.push_back({DBL_MAX, 1000});
  terms.push_back({std::numeric_limits<double>::denorm_min(), -1100});
  ExactSum first;
  for (const auto& [x, e] : terms) first.add(x, e);
  for (int round = 0; round < 5; ++round) {
    std::shuffle(terms.begin(), terms.end(), g);
    ExactSum s, half1, half2;
    for (const auto& [x, e] : terms) s.add(x, e);
    CHECK(same_sum(s, first));
    for (std::size_t i = 0; i < terms.size(); ++i) (i % 2 ? half1 : half2).add(terms[i].first, terms[i].second);
    half2.add(half1);
    CHECK(same_sum(half2, first));
    CHECK(compare(half2, first) == 0);
  }
}

TEST_CASE("exact sums round once, to nearest even", "[exact]") {
  ExactSum s;
  s.add(1.0);
  s.add(0x1p-60);
  CHECK(rounded(s) == 1.0);  // below half an ulp
  ExactSum tie;
  tie.add(1.0);
  tie.add(0x1p-53);
  CHECK(rounded(tie) == 1.0);  // a tie: to even
  tie.add(0x1p-200);
  CHECK(rounded(tie) == 1.0 + 0x1p-52);  // just above the tie
  ExactSum odd_tie;
  odd_tie.add(1.0 + 0x1p-52);
  odd_tie.add(0x1p-53);
  CHECK(rounded(odd_tie) == 1.0 + 0x1p-51);  // a tie from odd: up
  ExactSum neg;
  neg.add(-1.0);
  neg.add(-0x1p-53);
  neg.add(-0x1p-300);
  CHECK(rounded(neg) == -(1.0 + 0x1p-52));
  ExactSum cancel;
  cancel.add(0x1p900);
  cancel.add(3.0);
  cancel.add(-0x1p900);
  CHECK(rounded(cancel) == 3.0);
  cancel.add(-3.0);
  CHECK(cancel.is_zero());
  CHECK(cancel.sign() == 0);
  CHECK(rounded(cancel) == 0.0);
}

TEST_CASE("exact sums beyond double's range keep 53 bits", "[exact]") {
  ExactSum big;
  for (int i = 0; i < 1024; ++i) big.add(DBL_MAX);
  const Wide w = big.round();
  CHECK(w.e == 1023 + 10);
  CHECK(w.m == DBL_MAX / 0x1p1023);
  CHECK(std::isinf(w.to_double()));
  ExactSum tiny;
  tiny.add(1.5, -2100);  // 1.5 * 2^-2100: far below double's range
  const Wide t = tiny.round();
  CHECK(t.m == 1.5);
  CHECK(t.e == -2100);
  CHECK(t.to_double() == 0.0);
  // Below the accumulator's resolution the bits are dropped toward zero,
  // the same way whatever the order.
  ExactSum floor1, floor2;
  floor1.add(1.0, ExactSum::kLowBit - 1);
  CHECK(floor1.is_zero());
  floor2.add(3.0, ExactSum::kLowBit - 1);
  CHECK(floor2.round().e == ExactSum::kLowBit);
}

TEST_CASE("exact sums: the packed form round-trips and compares", "[exact]") {
  std::mt19937_64 g(9);
  for (int round = 0; round < 50; ++round) {
    ExactSum s;
    for (int i = 0; i < 20; ++i) s.add(std::ldexp(double(g() % 1000) - 500, int(g() % 3000) - 1500));
    Digits d;
    s.store(d);
    ExactSum back;
    back.load(d);
    CHECK(same_sum(s, back));
    CHECK(rounded(s) == rounded(back));
    ExactSum bigger = s;
    bigger.add(1.0, -2000);
    CHECK(compare(bigger, s) == 1);
    CHECK(compare(s, bigger) == -1);
  }
}

TEST_CASE("Wide arithmetic: division, square roots, 1 - k", "[exact]") {
  using projection::detail::const_minus;
  using projection::detail::wide_div;
  using projection::detail::wide_sqrt;
  const Wide q = wide_div(Wide::of(1.0), Wide::of(3.0));
  CHECK(q.to_double() == 1.0 / 3.0);
  CHECK(wide_sqrt(Wide{1.0, 2001}).to_double() == std::sqrt(2.0) * 0x1p1000);
  CHECK(wide_sqrt(Wide{1.0, -2000}).to_double() == 0x1p-1000);
  CHECK(const_minus(1, Wide::of(0.25)).to_double() == 0.75);
  CHECK(const_minus(2, Wide::of(2.0)).is_zero());
  CHECK(const_minus(1, Wide{1.0, 2000}).m == -1.0);      // 1 - 2^2000 = -2^2000
  CHECK(const_minus(1, Wide{1.0, -2000}).to_double() == 1.0);
}
