// Lists of tensors: `_list_` is bitwise the single call on the concatenation,
// for any segmentation; `_each_` is bitwise the single call per segment; errors
// are found over the whole list and then nothing at all is written.
#include <algorithm>
#include <numeric>

#include "scale.hpp"
#include "support.hpp"

using namespace test;

namespace {

// A list view of a vector: segments of the given lengths, either pointing into
// the vector itself or into copies at odd element offsets.
template <class T>
struct ListOf {
  std::vector<std::size_t> n;
  std::vector<std::vector<T>> own_a, own_b;  // copies (when not views)
  std::vector<const T*> a, b;
  std::vector<std::vector<T>> out_store;
  std::vector<T*> out;

  ListOf(const std::vector<T>& va, const std::vector<T>& vb, std::vector<std::size_t> lengths,
         bool copies)
      : n(std::move(lengths)) {
    std::size_t at = 0;
    for (std::size_t i = 0; i < n.size(); ++i) {
      if (copies) {
        const std::size_t skew = i % 3;  // misaligned copies
        own_a.emplace_back(va.begin() + at - std::min(at, skew), va.begin() + at + n[i]);
        own_b.emplace_back(vb.begin() + at - std::min(at, skew), vb.begin() + at + n[i]);
      }
      at += n[i];
    }
    at = 0;
    for (std::size_t i = 0; i < n.size(); ++i) {
      if (copies) {
        const std::size_t skew = std::min(at, i % 3);
        a.push_back(n[i] ? own_a[i].data() + skew : nullptr);
        b.push_back(n[i] ? own_b[i].data() + skew : nullptr);
      } else {
        a.push_back(va.data() + at);
        b.push_back(vb.data() + at);
      }
      out_store.emplace_back(n[i], from_double<T>(-7));
      out.push_back(out_store.back().data());
      at += n[i];
    }
  }
  std::vector<T> joined_out() const {
    std::vector<T> v;
    for (const auto& o : out_store) v.insert(v.end(), o.begin(), o.end());
    return v;
  }
};

std::vector<std::size_t> cut(std::size_t total, std::uint64_t seed, std::size_t max_piece) {
  std::mt19937_64 g(seed);
  std::vector<std::size_t> n;
  const std::size_t special[] = {0, 1, 7, 31, 32, 33, 100, 8191, 8192, 8193};
  std::size_t left = total;
  while (left > 0) {
    std::size_t m = g() % 3 == 0 ? special[g() % 10] : g() % (max_piece + 1);
    m = std::min(m, left);
    n.push_back(m);
    left -= m;
    if (g() % 7 == 0) n.push_back(0);  // empty segments anywhere
  }
  return n;
}

template <class T>
void list_equals_concatenation(std::size_t total, std::size_t max_piece, std::uint64_t seed) {
  using C = api<T>;
  const auto p = make_pair<T>(Relation::nearly_parallel, total, seed);
  for (bool copies : {false, true}) {
    ListOf<T> l(p.a, p.b, cut(total, seed + copies, max_piece), copies);
    INFO(api<T>::name << " total=" << total << " segments=" << l.n.size() << (copies ? " copies" : " views"));
    // Scalars.
    for (double ord : {2.0, 1.0, HUGE_VAL, -HUGE_VAL, 0.0, 3.0}) {
      int s1 = -1, s2 = -2;
      double a1, b1, a2, b2;
      REQUIRE(C::order_by_norm(p.a.data(), p.b.data(), total, ord, &s1, &a1, &b1) == PROJECTION_OK);
      REQUIRE(C::order_by_norm_list(l.a.data(), l.b.data(), l.n.data(), l.n.size(), ord, &s2, &a2, &b2) == PROJECTION_OK);
      INFO("ord " << ord);
      CHECK(s1 == s2);
      CHECK(same_bits(a1, a2));
      CHECK(same_bits(b1, b2));
    }
    double al1, sc1, al2, sc2;
    REQUIRE(C::equivalent_alpha(p.a.data(), p.b.data(), total, &al1, &sc1) == PROJECTION_OK);
    REQUIRE(C::equivalent_alpha_list(l.a.data(), l.b.data(), l.n.data(), l.n.size(), &al2, &sc2) == PROJECTION_OK);
    CHECK(same_bits(al1, al2));
    CHECK(same_bits(sc1, sc2));
    // Outputs.
    std::vector<T> single(total);
    REQUIRE(C::vector_projection(p.a.data(), p.b.data(), total, single.data()) == PROJECTION_OK);
    REQUIRE(C::vector_projection_list(l.a.data(), l.b.data(), l.n.data(), l.n.size(), l.out.data()) == PROJECTION_OK);
    CHECK(same_bits(single, l.joined_out()));
    REQUIRE(C::project_out_smaller(p.a.data(), p.b.data(), total, single.data()) == PROJECTION_OK);
    REQUIRE(C::project_out_smaller_list(l.a.data(), l.b.data(), l.n.data(), l.n.size(), l.out.data()) == PROJECTION_OK);
    CHECK(same_bits(single, l.joined_out()));
    REQUIRE(C::alphaless_gradient(p.a.data(), p.b.data(), total, single.data()) == PROJECTION_OK);
    REQUIRE(C::alphaless_gradient_list(l.a.data(), l.b.data(), l.n.data(), l.n.size(), l.out.data()) == PROJECTION_OK);
    CHECK(same_bits(single, l.joined_out()));
  }
}

template <class T>
void each_equals_single_calls(std::vector<std::size_t> lengths, std::uint64_t seed) {
  using C = api<T>;
  const std::size_t total = std::accumulate(lengths.begin(), lengths.end(), std::size_t{0});
  const auto p = make_pair<T>(Relation::opposed, total, seed);
  ListOf<T> l(p.a, p.b, lengths, true);
  const std::size_t count = l.n.size();
  INFO(api<T>::name << " segments=" << count << " total=" << total);
  for (double ord : {2.0, 1.0, 0.5}) {
    std::vector<int> sw(count, -1);
    std::vector<double> na(count), nb(count);
    REQUIRE(C::order_by_norm_each(l.a.data(), l.b.data(), l.n.data(), count, ord, sw.data(), na.data(), nb.data()) == PROJECTION_OK);
    for (std::size_t i = 0; i < count; ++i) {
      int s;
      double x, y;
      REQUIRE(C::order_by_norm(l.a[i], l.b[i], l.n[i], ord, &s, &x, &y) == PROJECTION_OK);
      CHECK(s == sw[i]);
      CHECK(same_bits(x, na[i]));
      CHECK(same_bits(y, nb[i]));
    }
  }
  std::vector<double> al(count), sc(count);
  REQUIRE(C::equivalent_alpha_each(l.a.data(), l.b.data(), l.n.data(), count, al.data(), sc.data()) == PROJECTION_OK);
  for (std::size_t i = 0; i < count; ++i) {
    double x, y;
    REQUIRE(C::equivalent_alpha(l.a[i], l.b[i], l.n[i], &x, &y) == PROJECTION_OK);
    CHECK(same_bits(x, al[i]));
    CHECK(same_bits(y, sc[i]));
  }
  using Each = projection_status (*)(const T* const*, const T* const*, const std::size_t*, std::size_t, T* const*);
  using One = projection_status (*)(const T*, const T*, std::size_t, T*);
  const std::pair<Each, One> ops[] = {{C::vector_projection_each, C::vector_projection},
                                      {C::project_out_smaller_each, C::project_out_smaller},
                                      {C::alphaless_gradient_each, C::alphaless_gradient}};
  for (const auto& [each, one] : ops) {
    REQUIRE(each(l.a.data(), l.b.data(), l.n.data(), count, l.out.data()) == PROJECTION_OK);
    for (std::size_t i = 0; i < count; ++i) {
      std::vector<T> want(l.n[i]);
      REQUIRE(one(l.a[i], l.b[i], l.n[i], want.data()) == PROJECTION_OK);
      CHECK(same_bits(want, l.out_store[i]));
    }
  }
}

template <class T>
void lists_all() {
  require_expected_arch();
  SECTION("small vectors, many cuts") {
    for (std::uint64_t seed = 1; seed <= scaled(6, 2); ++seed)
      list_equals_concatenation<T>(3000 + seed * 977, 700, seed);
  }
  SECTION("across the parallel threshold") { list_equals_concatenation<T>(scaled(200003, 70001), 30000, 9); }
  SECTION("2000 tensors of 1000 elements") {
    const std::size_t count = scaled(2000, 100);
    const auto p = make_pair<T>(Relation::unrelated, count * 1000, 4);
    ListOf<T> l(p.a, p.b, std::vector<std::size_t>(count, 1000), true);
    double al1, sc1, al2, sc2;
    REQUIRE(api<T>::equivalent_alpha(p.a.data(), p.b.data(), p.a.size(), &al1, &sc1) == PROJECTION_OK);
    REQUIRE(api<T>::equivalent_alpha_list(l.a.data(), l.b.data(), l.n.data(), count, &al2, &sc2) == PROJECTION_OK);
    CHECK(same_bits(al1, al2));
    CHECK(same_bits(sc1, sc2));
  }
  SECTION("each: small and large segments") {
    if (small_scale()) each_equals_single_calls<T>({5, 0, 1000, 70001, 33, 8193, 0, 7}, 3);
    else each_equals_single_calls<T>({5, 0, 1000, 70001, 33, 8193, 0, 131072, 7}, 3);
    std::vector<std::size_t> many(scaled(300, 80));
    for (std::size_t i = 0; i < many.size(); ++i) many[i] = (i * 131) % 900;
    each_equals_single_calls<T>(many, 5);
  }
}

}  // namespace

TEST_CASE("float lists: _list_ and _each_ equal the single calls bitwise", "[ops]") { lists_all<float>(); }
TEST_CASE("double lists: _list_ and _each_ equal the single calls bitwise", "[ops]") { lists_all<double>(); }
TEST_CASE("bf16 lists: _list_ and _each_ equal the single calls bitwise", "[ops]") {
  lists_all<projection_bf16>();
}
TEST_CASE("f16 lists: _list_ and _each_ equal the single calls bitwise", "[ops]") {
  lists_all<projection_f16>();
}

TEST_CASE("double lists at extreme magnitudes equal the single call", "[ops]") {
  require_expected_arch();
  // Blocks whose double sums must be rescaled, split across segments.
  for (double scale : {0x1p700, 0x1p-700}) {
    const std::size_t total = 3 * 8192 + 77;
    auto p = make_pair<double>(Relation::unrelated, total, 12, scale, scale);
    for (std::size_t i = 0; i < 300; ++i) p.a[8192 + i] = 0;  // a zero run inside a block
    ListOf<double> l(p.a, p.b, cut(total, 5, 5000), true);
    double al1, sc1, al2, sc2;
    REQUIRE(projection_equivalent_alpha_f64(p.a.data(), p.b.data(), total, &al1, &sc1) == PROJECTION_OK);
    REQUIRE(projection_equivalent_alpha_list_f64(l.a.data(), l.b.data(), l.n.data(), l.n.size(), &al2, &sc2) == PROJECTION_OK);
    CHECK(same_bits(al1, al2));
    CHECK(same_bits(sc1, sc2));
    std::vector<double> single(total);
    REQUIRE(projection_alphaless_gradient_f64(p.a.data(), p.b.data(), total, single.data()) == PROJECTION_OK);
    REQUIRE(projection_alphaless_gradient_list_f64(l.a.data(), l.b.data(), l.n.data(), l.n.size(), l.out.data()) == PROJECTION_OK);
    CHECK(same_bits(single, l.joined_out()));
  }
}

TEST_CASE("list: in place over a[i] or b[i] equals out of place", "[api]") {
  const std::size_t total = 90000;
  const auto p = make_pair<float>(Relation::unrelated, total, 2);
  ListOf<float> ref(p.a, p.b, cut(total, 2, 20000), true);
  REQUIRE(projection_alphaless_gradient_list_f32(ref.a.data(), ref.b.data(), ref.n.data(), ref.n.size(), ref.out.data()) == PROJECTION_OK);
  for (const bool over_a : {true, false}) {
    ListOf<float> l(p.a, p.b, ref.n, true);
    std::vector<float*> out;
    for (std::size_t i = 0; i < l.n.size(); ++i) out.push_back(const_cast<float*>(over_a ? l.a[i] : l.b[i]));
    REQUIRE(projection_alphaless_gradient_list_f32(l.a.data(), l.b.data(), l.n.data(), l.n.size(), out.data()) == PROJECTION_OK);
    for (std::size_t i = 0; i < l.n.size(); ++i)
      CHECK((l.n[i] == 0 || std::memcmp(out[i], ref.out[i], l.n[i] * sizeof(float)) == 0));
  }
}

namespace {

// Every list function on a list whose segments are views into `a` and `b`, with
// outputs out; all must return `want` and leave every buffer as it was.
template <class T>
void expect_list_error(const std::vector<const T*>& a, const std::vector<const T*>& b,
                       const std::vector<std::size_t>& n, const std::vector<T*>& out,
                       projection_status want, std::vector<std::vector<T>*> buffers,
                       bool vector_only = false) {
  using C = api<T>;
  std::vector<std::vector<T>> before;
  for (auto* v : buffers) before.push_back(*v);
  const std::size_t count = n.size();
  CHECK(C::vector_projection_list(a.data(), b.data(), n.data(), count, out.data()) == want);
  CHECK(C::project_out_smaller_list(a.data(), b.data(), n.data(), count, out.data()) == want);
  CHECK(C::alphaless_gradient_list(a.data(), b.data(), n.data(), count, out.data()) == want);
  CHECK(C::vector_projection_each(a.data(), b.data(), n.data(), count, out.data()) == want);
  CHECK(C::project_out_smaller_each(a.data(), b.data(), n.data(), count, out.data()) == want);
  CHECK(C::alphaless_gradient_each(a.data(), b.data(), n.data(), count, out.data()) == want);
  if (!vector_only) {
    int sw = -1;
    double x = -1, y = -1;
    std::vector<int> sws(count, -1);
    std::vector<double> xs(count, -1), ys(count, -1);
    CHECK(C::order_by_norm_list(a.data(), b.data(), n.data(), count, 2, &sw, &x, &y) == want);
    CHECK(C::order_by_norm_list(a.data(), b.data(), n.data(), count, 1, &sw, &x, &y) == want);
    CHECK(C::equivalent_alpha_list(a.data(), b.data(), n.data(), count, &x, &y) == want);
    CHECK(C::order_by_norm_each(a.data(), b.data(), n.data(), count, 2, sws.data(), xs.data(), ys.data()) == want);
    CHECK(C::equivalent_alpha_each(a.data(), b.data(), n.data(), count, xs.data(), ys.data()) == want);
    CHECK(sw == -1);
    CHECK(x == -1);
    CHECK(y == -1);
    CHECK(std::count(sws.begin(), sws.end(), -1) == std::ptrdiff_t(count));
    CHECK(std::count(xs.begin(), xs.end(), -1.0) == std::ptrdiff_t(count));
  }
  for (std::size_t i = 0; i < buffers.size(); ++i) CHECK(same_bits(*buffers[i], before[i]));
}

}  // namespace

TEST_CASE("list errors: NULL, overlap and NaN anywhere write nothing", "[api]") {
  for (const std::size_t count : {std::size_t{5}, std::size_t{200}}) {  // pairwise and sorted checks
    DYNAMIC_SECTION("count " << count) {
      const std::size_t seg = 1000;
      std::vector<float> A(count * seg), B(count * seg), O(count * seg, -3);
      for (std::size_t i = 0; i < A.size(); ++i) A[i] = float(i % 97) - 40, B[i] = float(i % 89) * 0.5f;
      std::vector<const float*> a, b;
      std::vector<float*> out;
      std::vector<std::size_t> n(count, seg);
      for (std::size_t i = 0; i < count; ++i) {
        a.push_back(A.data() + i * seg);
        b.push_back(B.data() + i * seg);
        out.push_back(O.data() + i * seg);
      }
      std::vector<std::vector<float>*> all = {&A, &B, &O};

      SECTION("valid as given") {
        REQUIRE(projection_alphaless_gradient_list_f32(a.data(), b.data(), n.data(), count, out.data()) == PROJECTION_OK);
        REQUIRE(projection_alphaless_gradient_each_f32(a.data(), b.data(), n.data(), count, out.data()) == PROJECTION_OK);
      }
      SECTION("count 0 is valid, NULL arrays then too") {
        double x = -1, y = -1;
        int sw = -1;
        CHECK(projection_alphaless_gradient_list_f32(nullptr, nullptr, nullptr, 0, nullptr) == PROJECTION_OK);
        CHECK(projection_alphaless_gradient_each_f32(nullptr, nullptr, nullptr, 0, nullptr) == PROJECTION_OK);
        CHECK(projection_equivalent_alpha_list_f32(nullptr, nullptr, nullptr, 0, &x, &y) == PROJECTION_OK);
        CHECK(x == 0.5);
        CHECK(y == 2);
        CHECK(projection_order_by_norm_list_f32(nullptr, nullptr, nullptr, 0, 2, &sw, &x, &y) == PROJECTION_OK);
        CHECK(sw == 0);
        CHECK(x == 0);
        CHECK(projection_equivalent_alpha_each_f32(nullptr, nullptr, nullptr, 0, nullptr, nullptr) == PROJECTION_OK);
      }
      SECTION("NULL arrays") {
        expect_list_error<float>({}, b, n, out, PROJECTION_ERR_NULL, all, true);
        CHECK(projection_alphaless_gradient_list_f32(a.data(), b.data(), nullptr, count, out.data()) == PROJECTION_ERR_NULL);
        CHECK(projection_alphaless_gradient_list_f32(a.data(), b.data(), n.data(), count, nullptr) == PROJECTION_ERR_NULL);
        double x;
        CHECK(projection_equivalent_alpha_list_f32(a.data(), b.data(), n.data(), count, nullptr, &x) == PROJECTION_ERR_NULL);
        CHECK(projection_order_by_norm_list_f32(a.data(), b.data(), n.data(), count, 2, nullptr, &x, &x) == PROJECTION_ERR_NULL);
      }
      SECTION("a NULL segment with elements; fine without") {
        auto b2 = b;
        b2[count - 1] = nullptr;
        expect_list_error<float>(a, b2, n, out, PROJECTION_ERR_NULL, all);
        auto out2 = out;
        out2[count / 2] = nullptr;
        expect_list_error<float>(a, b, n, out2, PROJECTION_ERR_NULL, all, true);
        auto n2 = n;
        n2[count - 1] = 0;
        REQUIRE(projection_alphaless_gradient_list_f32(a.data(), b2.data(), n2.data(), count, out.data()) == PROJECTION_OK);
      }
      SECTION("ord NaN") {
        int sw = -1;
        double x = -1;
        CHECK(projection_order_by_norm_list_f32(a.data(), b.data(), n.data(), count, NAN, &sw, &x, &x) == PROJECTION_ERR_ARGUMENT);
        CHECK(projection_order_by_norm_each_f32(a.data(), b.data(), n.data(), count, NAN, &sw, &x, &x) == PROJECTION_ERR_ARGUMENT);
        CHECK(sw == -1);
      }
      SECTION("an output that is another segment's input") {
        auto out2 = out;
        out2[count - 1] = const_cast<float*>(a[0]);
        expect_list_error<float>(a, b, n, out2, PROJECTION_ERR_OVERLAP, all, true);
      }
      SECTION("two outputs the same") {
        auto out2 = out;
        out2[1] = out2[count - 1];
        expect_list_error<float>(a, b, n, out2, PROJECTION_ERR_OVERLAP, all, true);
      }
      SECTION("an output partly over an input or another output") {
        auto out2 = out;
        out2[2] = const_cast<float*>(b[count - 2]) + 10;
        expect_list_error<float>(a, b, n, out2, PROJECTION_ERR_OVERLAP, all, true);
        out2 = out;
        out2[count - 1] = out[0] + seg / 2;
        expect_list_error<float>(a, b, n, out2, PROJECTION_ERR_OVERLAP, all, true);
      }
      SECTION("in place over its own input while the other input overlaps it") {
        auto b2 = b;
        b2[3] = a[3] + 1;
        auto out2 = out;
        out2[3] = const_cast<float*>(a[3]);
        expect_list_error<float>(a, b2, n, out2, PROJECTION_ERR_OVERLAP, all, true);
      }
      SECTION("NaN or Inf in the last segment, in place elsewhere") {
        for (float bad : {NAN, INFINITY, -INFINITY}) {
          A[A.size() - 1] = bad;
          auto out2 = out;
          out2[0] = const_cast<float*>(a[0]);  // in place: a[0] must survive the error too
          expect_list_error<float>(a, b, n, out2, PROJECTION_ERR_NONFINITE, all);
          A[A.size() - 1] = 1;
        }
      }
      SECTION("inputs may overlap each other freely") {
        auto b2 = b;
        b2[1] = a[1] + 3;
        b2[2] = a[0];
        n[1] = seg - 3;
        REQUIRE(projection_alphaless_gradient_list_f32(a.data(), b2.data(), n.data(), count, out.data()) == PROJECTION_OK);
        REQUIRE(projection_alphaless_gradient_each_f32(a.data(), b2.data(), n.data(), count, out.data()) == PROJECTION_OK);
      }
    }
  }
}
