// Partials of shards: with shards at multiples of PROJECTION_BLOCK, every result
// is bitwise the single call on the whole vector, however the partials are
// merged; merging is exact (the same bytes in any order); bad structs, NaN in a
// shard and misuse give their statuses and write nothing.
#include <algorithm>

#include "scale.hpp"
#include "support.hpp"

using namespace test;

namespace {

constexpr std::size_t B = PROJECTION_BLOCK;

bool same_partials(const projection_partials& x, const projection_partials& y) {
  return std::memcmp(&x, &y, sizeof x) == 0;
}

// Cut points at multiples of B (aligned) or anywhere, shards possibly empty.
std::vector<std::size_t> cuts(std::size_t n, int shards, bool aligned, std::uint64_t seed) {
  std::mt19937_64 g(seed);
  std::vector<std::size_t> c = {0, n};
  for (int i = 1; i < shards; ++i) {
    std::size_t at = n ? g() % (n + 1) : 0;
    if (aligned) at = at / B * B;
    c.push_back(at);
  }
  std::sort(c.begin(), c.end());
  return c;
}

// Partials of each shard, merged in a random order and tree shape.
template <class T>
projection_partials merged(const std::vector<T>& a, const std::vector<T>& b,
                           const std::vector<std::size_t>& c, std::uint64_t seed) {
  std::vector<projection_partials> parts(c.size() - 1);
  for (std::size_t i = 0; i + 1 < c.size(); ++i) {
    projection_partials_init(&parts[i]);
    const std::size_t len = c[i + 1] - c[i];
    // A shard of more than one block arrives in two adds at an aligned cut.
    const std::size_t half = len > B ? (len / 2) / B * B : len;
    REQUIRE(api<T>::partials_add(&parts[i], a.data() + c[i], b.data() + c[i], half, c[i]) == PROJECTION_OK);
    REQUIRE(api<T>::partials_add(&parts[i], a.data() + c[i] + half, b.data() + c[i] + half, len - half,
                                 c[i] + half) == PROJECTION_OK);
  }
  std::mt19937_64 g(seed);
  while (parts.size() > 1) {
    const std::size_t i = g() % parts.size();
    std::size_t j = g() % (parts.size() - 1);
    if (j >= i) ++j;
    REQUIRE(projection_partials_merge(&parts[i], &parts[j]) == PROJECTION_OK);
    parts.erase(parts.begin() + static_cast<std::ptrdiff_t>(j));
  }
  return parts[0];
}

template <class T>
void aligned_shards_equal_single_call() {
  require_expected_arch();
  using C = api<T>;
  const std::vector<std::size_t> lengths =
      small_scale() ? std::vector<std::size_t>{0, 1, 3 * B + 17, 70001}
                    : std::vector<std::size_t>{0, 1, 5000, 3 * B + 17, 100003};
  const std::vector<int> shard_counts = small_scale() ? std::vector<int>{1, 3, 7} : std::vector<int>{1, 2, 3, 4, 7};
  for (std::size_t n : lengths)
    for (int shards : shard_counts) {
      DYNAMIC_SECTION(api<T>::name << " n=" << n << " shards=" << shards) {
        const auto p = make_pair<T>(Relation::nearly_parallel, n, n + shards);
        const auto c = cuts(n, shards, true, n * 31 + shards);
        const projection_partials m1 = merged(p.a, p.b, c, 1), m2 = merged(p.a, p.b, c, 2);
        CHECK(same_partials(m1, m2));  // another merge order, the same bytes

        int s1, s2;
        double x1, y1, x2, y2;
        REQUIRE(C::order_by_norm(p.a.data(), p.b.data(), n, 2, &s1, &x1, &y1) == PROJECTION_OK);
        REQUIRE(projection_partials_order_by_norm(&m1, &s2, &x2, &y2) == PROJECTION_OK);
        CHECK(s1 == s2);
        CHECK(same_bits(x1, x2));
        CHECK(same_bits(y1, y2));
        REQUIRE(C::equivalent_alpha(p.a.data(), p.b.data(), n, &x1, &y1) == PROJECTION_OK);
        REQUIRE(projection_partials_equivalent_alpha(&m1, &x2, &y2) == PROJECTION_OK);
        CHECK(same_bits(x1, x2));
        CHECK(same_bits(y1, y2));

        using One = projection_status (*)(const T*, const T*, std::size_t, T*);
        using Part = projection_status (*)(const projection_partials*, const T*, const T*, std::size_t, T*);
        const std::pair<One, Part> ops[] = {{C::vector_projection, C::partials_vector_projection},
                                            {C::project_out_smaller, C::partials_project_out_smaller},
                                            {C::alphaless_gradient, C::partials_alphaless_gradient}};
        for (const auto& [one, part] : ops) {
          std::vector<T> want(n), got(n, from_double<T>(-9));
          REQUIRE(one(p.a.data(), p.b.data(), n, want.data()) == PROJECTION_OK);
          for (std::size_t i = 0; i + 1 < c.size(); ++i)
            REQUIRE(part(&m1, p.a.data() + c[i], p.b.data() + c[i], c[i + 1] - c[i], got.data() + c[i]) == PROJECTION_OK);
          CHECK(same_bits(want, got));
        }
      }
    }
}

}  // namespace

TEST_CASE("float partials: aligned shards give the single call's bits", "[ops]") {
  aligned_shards_equal_single_call<float>();
}
TEST_CASE("double partials: aligned shards give the single call's bits", "[ops]") {
  aligned_shards_equal_single_call<double>();
}
TEST_CASE("bf16 partials: aligned shards give the single call's bits", "[ops]") {
  aligned_shards_equal_single_call<projection_bf16>();
}
TEST_CASE("f16 partials: aligned shards give the single call's bits", "[ops]") {
  aligned_shards_equal_single_call<projection_f16>();
}

TEST_CASE("double partials at extreme magnitudes give the single call's bits", "[ops]") {
  require_expected_arch();
  for (double scale : {0x1p600, 0x1p-600, 0x1p-1070}) {
    const std::size_t n = 4 * B + 5;
    auto p = make_pair<double>(Relation::unrelated, n, 3, scale, 1);
    const auto c = cuts(n, 3, true, 8);
    const projection_partials m = merged(p.a, p.b, c, 3);
    double x1, y1, x2, y2;
    REQUIRE(projection_equivalent_alpha_f64(p.a.data(), p.b.data(), n, &x1, &y1) == PROJECTION_OK);
    REQUIRE(projection_partials_equivalent_alpha(&m, &x2, &y2) == PROJECTION_OK);
    CHECK(same_bits(x1, x2));
    CHECK(same_bits(y1, y2));
    int s1, s2;
    REQUIRE(projection_order_by_norm_f64(p.a.data(), p.b.data(), n, 2, &s1, &x1, &y1) == PROJECTION_OK);
    REQUIRE(projection_partials_order_by_norm(&m, &s2, &x2, &y2) == PROJECTION_OK);
    CHECK(same_bits(x1, x2));
    CHECK(same_bits(y1, y2));
  }
}

TEST_CASE("partials at unaligned offsets stay within the error bound", "[ops]") {
  require_expected_arch();
  const std::size_t n = 5 * B + 1234;
  const auto p = make_pair<float>(Relation::unrelated, n, 6);
  const Ref r = reference(p.a.data(), p.b.data(), n);
  const Expect e = expect_order(r, n);
  for (int shards : {2, 5, 9}) {
    const projection_partials m = merged(p.a, p.b, cuts(n, shards, false, 77 + shards), 4);
    double alpha, scale, na, nb;
    int sw;
    REQUIRE(projection_partials_order_by_norm(&m, &sw, &na, &nb) == PROJECTION_OK);
    CHECK(sw == int(e.swapped));
    // A split block is two partial blocks: one more rounding of its lanes' tree.
    const ld rel = 2 * sum_error(n) + 0x1p-52L;
    CHECK(close(na, std::sqrt(r.aa), rel * std::sqrt(r.aa)));
    CHECK(close(nb, std::sqrt(r.bb), rel * std::sqrt(r.bb)));
    REQUIRE(projection_partials_equivalent_alpha(&m, &alpha, &scale) == PROJECTION_OK);
    CHECK(close(scale, 2 - e.k, 2 * e.dk + 0x1p-52L * std::fabs(2 - e.k)));
  }
}

TEST_CASE("partials: NaN in a shard makes every finishing call refuse", "[api]") {
  const std::size_t n = 3 * B;
  auto p = make_pair<float>(Relation::unrelated, n, 2);
  p.b[2 * B + 5] = NAN;
  projection_partials mine, theirs;
  projection_partials_init(&mine);
  projection_partials_init(&theirs);
  REQUIRE(projection_partials_add_f32(&mine, p.a.data(), p.b.data(), B, 0) == PROJECTION_OK);
  // The add of the bad shard itself succeeds: the flag travels in the struct.
  REQUIRE(projection_partials_add_f32(&theirs, p.a.data() + B, p.b.data() + B, 2 * B, B) == PROJECTION_OK);
  REQUIRE(projection_partials_merge(&mine, &theirs) == PROJECTION_OK);
  double x = -1, y = -1;
  int sw = -1;
  std::vector<float> out(B, -5.0f);
  CHECK(projection_partials_order_by_norm(&mine, &sw, &x, &y) == PROJECTION_ERR_NONFINITE);
  CHECK(projection_partials_equivalent_alpha(&mine, &x, &y) == PROJECTION_ERR_NONFINITE);
  CHECK(projection_partials_vector_projection_f32(&mine, p.a.data(), p.b.data(), B, out.data()) == PROJECTION_ERR_NONFINITE);
  CHECK(projection_partials_project_out_smaller_f32(&mine, p.a.data(), p.b.data(), B, out.data()) == PROJECTION_ERR_NONFINITE);
  CHECK(projection_partials_alphaless_gradient_f32(&mine, p.a.data(), p.b.data(), B, out.data()) == PROJECTION_ERR_NONFINITE);
  CHECK(x == -1);
  CHECK(y == -1);
  CHECK(sw == -1);
  CHECK(std::all_of(out.begin(), out.end(), [](float v) { return v == -5.0f; }));
}

TEST_CASE("partials: invalid structs, misuse and NULLs", "[api]") {
  const std::size_t n = 2 * B + 3;
  const auto p = make_pair<double>(Relation::unrelated, n, 4);
  projection_partials good;
  projection_partials_init(&good);
  REQUIRE(projection_partials_add_f64(&good, p.a.data(), p.b.data(), n, 0) == PROJECTION_OK);
  double x = -1, y = -1;
  int sw = -1;
  std::vector<double> out(n, -5);
  const auto out0 = out;

  auto all_refuse = [&](projection_partials bad, projection_status want) {
    projection_partials copy_good = good;
    const projection_partials bad0 = bad;
    CHECK(projection_partials_merge(&copy_good, &bad) == want);
    CHECK(same_partials(copy_good, good));  // nothing written
    CHECK(projection_partials_merge(&bad, &good) == want);
    CHECK(same_partials(bad, bad0));
    CHECK(projection_partials_add_f64(&bad, p.a.data(), p.b.data(), n, 0) == want);
    CHECK(same_partials(bad, bad0));
    CHECK(projection_partials_order_by_norm(&bad, &sw, &x, &y) == want);
    CHECK(projection_partials_equivalent_alpha(&bad, &x, &y) == want);
    CHECK(projection_partials_alphaless_gradient_f64(&bad, p.a.data(), p.b.data(), n, out.data()) == want);
    CHECK(x == -1);
    CHECK(sw == -1);
    CHECK(out == out0);
  };
  SECTION("never initialized: zeros, or any bytes") {
    projection_partials z;
    std::memset(&z, 0, sizeof z);
    all_refuse(z, PROJECTION_ERR_PARTIALS);
    std::mt19937_64 g(5);
    for (auto& w : z.opaque_) w = g();
    all_refuse(z, PROJECTION_ERR_PARTIALS);
  }
  SECTION("one flipped bit anywhere") {
    for (std::size_t byte = 0; byte < sizeof good; byte += 7) {
      projection_partials bad = good;
      reinterpret_cast<unsigned char*>(&bad)[byte] ^= 0x10;
      INFO("byte " << byte);
      all_refuse(bad, PROJECTION_ERR_PARTIALS);
    }
  }
  SECTION("another layout version") {
    projection_partials bad = good;
    reinterpret_cast<unsigned char*>(&bad)[4] += 1;  // the layout version word
    all_refuse(bad, PROJECTION_ERR_PARTIALS);
  }
  SECTION("merging a partials into itself, or an overlapping one") {
    projection_partials two[2];
    projection_partials_init(&two[0]);
    CHECK(projection_partials_merge(&two[0], &two[0]) == PROJECTION_ERR_OVERLAP);
    auto* shifted = reinterpret_cast<const projection_partials*>(reinterpret_cast<const unsigned char*>(&two[0]) + 8);
    CHECK(projection_partials_merge(&two[0], shifted) == PROJECTION_ERR_OVERLAP);
  }
  SECTION("NULLs and an offset past 2^64") {
    projection_partials q = good;
    projection_partials_init(nullptr);  // does nothing
    CHECK(projection_partials_merge(nullptr, &good) == PROJECTION_ERR_NULL);
    CHECK(projection_partials_merge(&q, nullptr) == PROJECTION_ERR_NULL);
    CHECK(projection_partials_add_f64(nullptr, p.a.data(), p.b.data(), n, 0) == PROJECTION_ERR_NULL);
    CHECK(projection_partials_add_f64(&q, nullptr, p.b.data(), n, 0) == PROJECTION_ERR_NULL);
    CHECK(projection_partials_add_f64(&q, nullptr, nullptr, 0, 0) == PROJECTION_OK);
    CHECK(projection_partials_add_f64(&q, p.a.data(), p.b.data(), n, UINT64_MAX - 2) == PROJECTION_ERR_ARGUMENT);
    CHECK(projection_partials_order_by_norm(&q, nullptr, &x, &y) == PROJECTION_ERR_NULL);
    CHECK(projection_partials_equivalent_alpha(&q, &x, nullptr) == PROJECTION_ERR_NULL);
    CHECK(projection_partials_alphaless_gradient_f64(nullptr, p.a.data(), p.b.data(), n, out.data()) == PROJECTION_ERR_NULL);
    CHECK(projection_partials_alphaless_gradient_f64(&q, p.a.data(), p.b.data(), n, nullptr) == PROJECTION_ERR_NULL);
    CHECK(projection_partials_alphaless_gradient_f64(&q, p.a.data(), p.b.data(), n, const_cast<double*>(p.a.data()) + 1) == PROJECTION_ERR_OVERLAP);
    CHECK(same_partials(q, good));
  }
  SECTION("an empty partials finishes like the empty vector") {
    projection_partials e;
    projection_partials_init(&e);
    REQUIRE(projection_partials_equivalent_alpha(&e, &x, &y) == PROJECTION_OK);
    double ax, ay;
    REQUIRE(projection_equivalent_alpha_f64(nullptr, nullptr, 0, &ax, &ay) == PROJECTION_OK);
    CHECK(same_bits(x, ax));
    CHECK(same_bits(y, ay));
  }
}
