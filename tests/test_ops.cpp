// Every operation, both element types, against the long double reference, on
// the instruction set this run was started for (see main.cpp and ctest).
#include <algorithm>
#include <cfloat>

#include "support.hpp"

using namespace test;

namespace {

const std::size_t kLengths[] = {0,    1,    2,    3,    7,     15,    16,    17,   31,   32,
                                33,   63,   64,   65,   4095,  4096,  4097,  8191, 8193, 65535,
                                65536, 65537, 262143, 262145};
// PROJECTION_TEST_SCALE=small (scale.hpp, for qemu): the same lengths up to two
// blocks, one past the parallel threshold, and 100003 for the few million.
const std::size_t kSmallLengths[] = {0,  1,  2,  3,    7,    15,   16,   17,   31,   32,
                                     33, 63, 64, 65, 4095, 4096, 4097, 8191, 8193, 65537};
const std::size_t kMillions = scaled(3000001, 100003);  // a few million, odd

// Checks all five operations on one input pair against the reference.
template <class T>
void check_all(const std::vector<T>& a, const std::vector<T>& b) {
  const std::size_t n = a.size();
  const Ref r = reference(a.data(), b.data(), n);
  const Expect e = expect_order(r, n);
  const T* S = e.swapped ? b.data() : a.data();
  const T* L = e.swapped ? a.data() : b.data();
  const ld rel = sum_error(n) + 0x1p-52L;

  SECTION("order_by_norm (2-norm)") {
    int swapped = -1;
    double na = -1, nb = -1;
    REQUIRE(api<T>::order_by_norm(a.data(), b.data(), n, 2.0, &swapped, &na, &nb) == PROJECTION_OK);
    CHECK(swapped == int(e.swapped));
    CHECK(close(na, std::sqrt(r.aa), rel * std::sqrt(r.aa)));
    CHECK(close(nb, std::sqrt(r.bb), rel * std::sqrt(r.bb)));
  }
  SECTION("equivalent_alpha") {
    double alpha = 0, scale = 0;
    REQUIRE(api<T>::equivalent_alpha(a.data(), b.data(), n, &alpha, &scale) == PROJECTION_OK);
    const ld want_scale = 2 - e.k;
    const ld want_alpha = (e.swapped ? ld(1) : 1 - e.k) / want_scale;
    CHECK(close(scale, want_scale, e.dk + 0x1p-52L * std::fabs(want_scale)));
    CHECK(close(alpha, want_alpha, e.dk / (want_scale * want_scale) * 2 + 0x1p-51L * std::fabs(want_alpha)));
  }
  SECTION("vector_projection") {
    std::vector<T> out(n, T(-7));
    REQUIRE(api<T>::vector_projection(a.data(), b.data(), n, out.data()) == PROJECTION_OK);
    const ld k = r.bb == 0 ? 0 : r.ab / r.bb;
    const ld dk = r.bb == 0 ? 0 : sum_error(n) * (r.abs_ab / r.bb + 2 * std::fabs(k)) + 0x1p-52L * std::fabs(k);
    const Worst w = check_axpy<T>(out, nullptr, b.data(), k, dk);
    INFO(w.describe());
    CHECK(w.ratio <= 1);
  }
  SECTION("project_out_smaller") {
    std::vector<T> out(n, T(-7));
    REQUIRE(api<T>::project_out_smaller(a.data(), b.data(), n, out.data()) == PROJECTION_OK);
    const Worst w = check_axpy<T>(out, L, S, -e.k, e.dk);
    INFO(w.describe());
    CHECK(w.ratio <= 1);
  }
  SECTION("alphaless_gradient") {
    std::vector<T> out(n, T(-7));
    REQUIRE(api<T>::alphaless_gradient(a.data(), b.data(), n, out.data()) == PROJECTION_OK);
    const Worst w = check_axpy<T>(out, L, S, 1 - e.k, e.dk);
    INFO(w.describe());
    CHECK(w.ratio <= 1);
  }
}

template <class T>
void accuracy_over_lengths() {
  require_expected_arch();
  const std::vector<std::size_t> lengths =
      small_scale() ? std::vector<std::size_t>(std::begin(kSmallLengths), std::end(kSmallLengths))
                    : std::vector<std::size_t>(std::begin(kLengths), std::end(kLengths));
  for (std::size_t n : lengths)
    for (Relation rel : kRelations) {
      DYNAMIC_SECTION(api<T>::name << " n=" << n << " " << name(rel)) {
        const auto p = make_pair<T>(rel, n, 1);
        check_all(p.a, p.b);
      }
    }
}

}  // namespace

TEST_CASE("float: all operations match the long double reference over many lengths", "[ops]") {
  accuracy_over_lengths<float>();
}

TEST_CASE("double: all operations match the long double reference over many lengths", "[ops]") {
  accuracy_over_lengths<double>();
}

TEST_CASE("a few million elements, both types", "[ops]") {
  require_expected_arch();
  for (Relation rel : {Relation::unrelated, Relation::opposed}) {
    DYNAMIC_SECTION("float " << name(rel)) {
      const auto p = make_pair<float>(rel, kMillions, 2);
      check_all(p.a, p.b);
    }
    DYNAMIC_SECTION("double " << name(rel)) {
      const auto p = make_pair<double>(rel, kMillions, 2);
      check_all(p.a, p.b);
    }
  }
}

TEST_CASE("double inputs at extreme magnitudes are rescaled exactly", "[ops]") {
  require_expected_arch();
  const int exps[][2] = {{600, 600}, {-600, -600}, {1000, 1000}, {-1000, -1000},
                         {1000, -1000}, {-1000, 1000}, {600, -600}, {-1000, 0}};
  for (auto [ea, eb] : exps)
    for (std::size_t n : {std::size_t{1}, std::size_t{17}, std::size_t{1000}, scaled(100001, 20001)})
      for (Relation rel : {Relation::unrelated, Relation::nearly_parallel}) {
        DYNAMIC_SECTION("2^" << ea << " vs 2^" << eb << " n=" << n << " " << name(rel)) {
          const auto p = make_pair<double>(rel, n, 3, std::ldexp(1.0, ea), std::ldexp(1.0, eb));
          check_all(p.a, p.b);
        }
      }
}

TEST_CASE("float inputs near FLT_MAX and subnormal", "[ops]") {
  require_expected_arch();
  for (int e : {125, -140, -133})
    for (std::size_t n : {std::size_t{1}, std::size_t{33}, std::size_t{1000}}) {
      DYNAMIC_SECTION("2^" << e << " n=" << n) {
        const auto p = make_pair<float>(Relation::unrelated, n, 4, std::ldexp(1.0, e), std::ldexp(1.0, e));
        check_all(p.a, p.b);
      }
    }
  SECTION("squares of FLT_MAX do not overflow") {
    std::vector<float> a(5, FLT_MAX), b(5, -FLT_MAX / 2);
    double alpha, scale, na, nb;
    int swapped;
    REQUIRE(projection_order_by_norm_f32(a.data(), b.data(), 5, 2, &swapped, &na, &nb) == PROJECTION_OK);
    CHECK(swapped == 1);
    CHECK(na == Approx(std::sqrt(5.0) * FLT_MAX).epsilon(1e-15));
    REQUIRE(projection_equivalent_alpha_f32(a.data(), b.data(), 5, &alpha, &scale) == PROJECTION_OK);
    // S = b, L = a = -2 S: k = -2, coefficients 1 (L, noise) and 3 (S).
    CHECK(scale == 4.0);
    CHECK(alpha == 0.25);
  }
}

TEST_CASE("ties keep argument order, zero vectors, n = 0", "[ops]") {
  require_expected_arch();
  std::vector<double> a = {3, -4, 0, 1}, neg = {-3, 4, -0.0, -1}, zero(4, 0.0);
  int swapped = -1;
  double na, nb, alpha, scale;
  SECTION("equal norms keep (a, b)") {
    for (double p : {2.0, 1.0, 3.0, HUGE_VAL, -HUGE_VAL, 0.0, -1.5}) {
      REQUIRE(projection_order_by_norm_f64(a.data(), neg.data(), 4, p, &swapped, &na, &nb) == PROJECTION_OK);
      CHECK(swapped == 0);
      CHECK(na == nb);
      REQUIRE(projection_order_by_norm_f64(neg.data(), a.data(), 4, p, &swapped, &na, &nb) == PROJECTION_OK);
      CHECK(swapped == 0);
    }
    // A tie makes the first argument the smaller: S = a, L = -a, k = -1.
    std::vector<double> out(4);
    REQUIRE(projection_project_out_smaller_f64(a.data(), neg.data(), 4, out.data()) == PROJECTION_OK);
    for (int i = 0; i < 4; ++i) CHECK(out[i] == 0.0);
    REQUIRE(projection_alphaless_gradient_f64(a.data(), neg.data(), 4, out.data()) == PROJECTION_OK);
    for (int i = 0; i < 4; ++i) CHECK(out[i] == neg[i] + 2 * a[i]);
    REQUIRE(projection_equivalent_alpha_f64(a.data(), neg.data(), 4, &alpha, &scale) == PROJECTION_OK);
    CHECK(scale == 3.0);  // 1 + (1 - k)
    CHECK(alpha == 2.0 / 3.0);
  }
  SECTION("zero vectors") {
    std::vector<double> out(4, 9.0);
    REQUIRE(projection_vector_projection_f64(a.data(), zero.data(), 4, out.data()) == PROJECTION_OK);
    for (double v : out) CHECK(v == 0.0);
    REQUIRE(projection_vector_projection_f64(zero.data(), a.data(), 4, out.data()) == PROJECTION_OK);
    for (double v : out) CHECK(v == 0.0);
    REQUIRE(projection_project_out_smaller_f64(zero.data(), a.data(), 4, out.data()) == PROJECTION_OK);
    CHECK(out == a);
    REQUIRE(projection_alphaless_gradient_f64(a.data(), zero.data(), 4, out.data()) == PROJECTION_OK);
    CHECK(out == a);  // S = 0: k = 0, g = L + S = a
    REQUIRE(projection_equivalent_alpha_f64(zero.data(), a.data(), 4, &alpha, &scale) == PROJECTION_OK);
    CHECK(scale == 2.0);
    CHECK(alpha == 0.5);
    REQUIRE(projection_equivalent_alpha_f64(zero.data(), zero.data(), 4, &alpha, &scale) == PROJECTION_OK);
    CHECK(scale == 2.0);
    CHECK(alpha == 0.5);
    std::vector<float> zf(4, 0.0f), of(4, 1.0f);
    REQUIRE(projection_vector_projection_f32(zf.data(), zf.data(), 4, of.data()) == PROJECTION_OK);
    for (float v : of) CHECK(v == 0.0f);
  }
  SECTION("n = 0 with NULL buffers") {
    CHECK(projection_vector_projection_f32(nullptr, nullptr, 0, nullptr) == PROJECTION_OK);
    CHECK(projection_project_out_smaller_f64(nullptr, nullptr, 0, nullptr) == PROJECTION_OK);
    CHECK(projection_alphaless_gradient_f32(nullptr, nullptr, 0, nullptr) == PROJECTION_OK);
    REQUIRE(projection_order_by_norm_f64(nullptr, nullptr, 0, 2, &swapped, &na, &nb) == PROJECTION_OK);
    CHECK(swapped == 0);
    CHECK(na == 0);
    CHECK(nb == 0);
    REQUIRE(projection_equivalent_alpha_f32(nullptr, nullptr, 0, &alpha, &scale) == PROJECTION_OK);
    CHECK(scale == 2.0);
    CHECK(alpha == 0.5);
  }
  SECTION("scale zero gives infinite alpha and succeeds") {
    // S = (1, 0), L = (2, 0.5): k = 2, coefficients 1 and -1.
    std::vector<double> s = {1, 0}, l = {2, 0.5};
    REQUIRE(projection_equivalent_alpha_f64(s.data(), l.data(), 2, &alpha, &scale) == PROJECTION_OK);
    CHECK(scale == 0.0);
    CHECK(alpha == -HUGE_VAL);  // noise is S: c_noise = 1 - k = -1
    REQUIRE(projection_equivalent_alpha_f64(l.data(), s.data(), 2, &alpha, &scale) == PROJECTION_OK);
    CHECK(alpha == HUGE_VAL);  // noise is L: c_noise = 1
  }
}

TEST_CASE("in place over either input equals the out-of-place result", "[ops]") {
  require_expected_arch();
  for (std::size_t n : {std::size_t{5}, std::size_t{1001}, scaled(300001, 70001)}) {
    DYNAMIC_SECTION("n=" << n) {
      const auto p = make_pair<float>(Relation::unrelated, n, 5);
      using Fn = projection_status (*)(const float*, const float*, size_t, float*);
      for (Fn fn : {Fn(projection_vector_projection_f32), Fn(projection_project_out_smaller_f32),
                    Fn(projection_alphaless_gradient_f32)}) {
        std::vector<float> want(n), a = p.a, b = p.b;
        REQUIRE(fn(p.a.data(), p.b.data(), n, want.data()) == PROJECTION_OK);
        REQUIRE(fn(a.data(), b.data(), n, a.data()) == PROJECTION_OK);
        CHECK(same_bits(a, want));
        a = p.a;
        REQUIRE(fn(a.data(), b.data(), n, b.data()) == PROJECTION_OK);
        CHECK(same_bits(b, want));
      }
    }
  }
}

namespace {

// Every result of every operation on (a, b), as bits.
template <class T>
struct Results {
  std::vector<T> proj, pos, grad;
  int swapped = -1;
  double na = 0, nb = 0, n1a = 0, n1b = 0, n3a = 0, n3b = 0, alpha = 0, scale = 0;
  bool operator==(const Results& o) const {
    return same_bits(proj, o.proj) && same_bits(pos, o.pos) && same_bits(grad, o.grad) &&
           swapped == o.swapped && same_bits(na, o.na) && same_bits(nb, o.nb) &&
           same_bits(n1a, o.n1a) && same_bits(n1b, o.n1b) && same_bits(n3a, o.n3a) &&
           same_bits(n3b, o.n3b) && same_bits(alpha, o.alpha) && same_bits(scale, o.scale);
  }
};

template <class T>
Results<T> run_all(const std::vector<T>& a0, const std::vector<T>& b0, std::size_t offset) {
  const std::size_t n = a0.size();
  OffsetBuffer<T> a(n, offset), b(n, offset), out(n, offset);
  std::copy(a0.begin(), a0.end(), a.data);
  std::copy(b0.begin(), b0.end(), b.data);
  Results<T> r;
  int s;
  REQUIRE(api<T>::vector_projection(a.data, b.data, n, out.data) == PROJECTION_OK);
  r.proj.assign(out.data, out.data + n);
  REQUIRE(api<T>::project_out_smaller(a.data, b.data, n, out.data) == PROJECTION_OK);
  r.pos.assign(out.data, out.data + n);
  REQUIRE(api<T>::alphaless_gradient(a.data, b.data, n, out.data) == PROJECTION_OK);
  r.grad.assign(out.data, out.data + n);
  REQUIRE(api<T>::order_by_norm(a.data, b.data, n, 2, &r.swapped, &r.na, &r.nb) == PROJECTION_OK);
  REQUIRE(api<T>::order_by_norm(a.data, b.data, n, 1, &s, &r.n1a, &r.n1b) == PROJECTION_OK);
  REQUIRE(api<T>::order_by_norm(a.data, b.data, n, 3, &s, &r.n3a, &r.n3b) == PROJECTION_OK);
  REQUIRE(api<T>::equivalent_alpha(a.data, b.data, n, &r.alpha, &r.scale) == PROJECTION_OK);
  return r;
}

template <class T>
void check_determinism(std::size_t n, double scale) {
  const auto p = make_pair<T>(Relation::nearly_parallel, n, 6, scale, scale);
  projection_set_num_threads(1);
  const Results<T> base = run_all(p.a, p.b, 0);
  // PROJECTION_TEST_SCALE=small: threads 1 and 3, offsets 0 and 3.
  const std::vector<int> thread_counts = small_scale() ? std::vector<int>{1, 3} : std::vector<int>{1, 2, 3, 8};
  const std::vector<std::size_t> offsets =
      small_scale() ? std::vector<std::size_t>{0, 3} : std::vector<std::size_t>{0, 1, 3};
  for (int threads : thread_counts)
    for (std::size_t offset : offsets) {
      projection_set_num_threads(threads);
      INFO("threads=" << threads << " offset=" << offset);
      CHECK(run_all(p.a, p.b, offset) == base);
    }
  projection_set_num_threads(0);
}

}  // namespace

TEST_CASE("bitwise identical across thread counts and buffer offsets", "[ops]") {
  require_expected_arch();
  for (std::size_t n : {std::size_t{1001}, scaled(300007, 70007)}) {
    DYNAMIC_SECTION("float n=" << n) { check_determinism<float>(n, 1); }
    DYNAMIC_SECTION("double n=" << n) { check_determinism<double>(n, 1); }
    DYNAMIC_SECTION("double rescaled n=" << n) { check_determinism<double>(n, 0x1p700); }
  }
  SECTION("large enough for streaming stores") {
    check_determinism<float>((std::size_t{9} << 20) / sizeof(float) + 13, 1);
  }
}

namespace {

// Reference p-norm in long double, as torch.linalg.vector_norm defines it.
template <class T>
ld reference_norm(const std::vector<T>& x, double p) {
  if (x.empty()) return 0;
  if (std::isinf(p)) {
    ld m = p > 0 ? 0 : HUGE_VALL;
    for (T v : x) m = p > 0 ? std::max(m, std::fabs(ld(v))) : std::min(m, std::fabs(ld(v)));
    return m;
  }
  if (p == 0) return ld(std::count_if(x.begin(), x.end(), [](T v) { return v != 0; }));
  ld s = 0;
  for (T v : x) s += std::pow(std::fabs(ld(v)), ld(p));
  return std::pow(s, 1 / ld(p));
}

}  // namespace

TEST_CASE("norms of any order match the reference", "[ops]") {
  require_expected_arch();
  const double orders[] = {1, 3, 0.5, 2.5, -1, -2.5, HUGE_VAL, -HUGE_VAL, 0, 10};
  for (std::size_t n : {std::size_t{1}, std::size_t{17}, std::size_t{4097}, scaled(100003, 9001)})
    for (double p : orders)
      for (double scale : {1.0, 0x1p1000, 0x1p-1000}) {
        DYNAMIC_SECTION("n=" << n << " p=" << p << " scale=" << scale) {
          auto d = make_pair<double>(Relation::unrelated, n, 7, scale, scale);
          d.b[n / 2] = 0;  // a zero element matters for p <= 0
          int swapped = -1;
          double na, nb;
          REQUIRE(projection_order_by_norm_f64(d.a.data(), d.b.data(), n, p, &swapped, &na, &nb) == PROJECTION_OK);
          const ld ra = reference_norm(d.a, p), rb = reference_norm(d.b, p);
          const ld tol = 0x1p-40L;  // pow and long sums: a few thousand ulps at most
          CHECK(close(na, ra, tol * ra));
          CHECK(close(nb, rb, tol * rb));
          if (std::fabs(ra - rb) > 2 * tol * std::max(ra, rb)) CHECK(swapped == int(ra > rb));

          const auto f = make_pair<float>(Relation::unrelated, n, 8);
          REQUIRE(projection_order_by_norm_f32(f.a.data(), f.b.data(), n, p, &swapped, &na, &nb) == PROJECTION_OK);
          const ld fa = reference_norm(f.a, p), fb = reference_norm(f.b, p);
          CHECK(close(na, fa, tol * fa));
          CHECK(close(nb, fb, tol * fb));
        }
      }
}

TEST_CASE("magnitudes far apart inside one call stay exact elementwise", "[ops]") {
  require_expected_arch();
  const double tiny = std::numeric_limits<double>::denorm_min();
  SECTION("a dot product made only of underflowing double products") {
    // a.b = 2^-1200 is below the range of double; k = 2^-1200 / b.b is not.
    const std::vector<double> a = {1, 0x1p-600, 0}, b = {0, 0x1p-600, 0x1p-440};
    check_all(a, b);
  }
  SECTION("small elements next to huge ones") {
    const std::vector<double> a = {0x1p1000, 0x1p-1000, 3}, b = {0x1p1000, 0x1p-1000, -1};
    check_all(a, b);
    std::vector<double> out(3);
    REQUIRE(projection_vector_projection_f64(a.data(), a.data(), 3, out.data()) == PROJECTION_OK);
    CHECK(out == a);
  }
  SECTION("a coefficient beyond the range of double") {
    // S is one subnormal, L is huge: k = L.S / S.S is about 2^2100.
    const std::vector<double> S = {tiny, 0, 0}, L = {DBL_MAX / 2, DBL_MAX / 4, 1};
    std::vector<double> out(3);
    REQUIRE(projection_project_out_smaller_f64(S.data(), L.data(), 3, out.data()) == PROJECTION_OK);
    CHECK(out == std::vector<double>{0, DBL_MAX / 4, 1});
    // L + (1 - k) S: the exact first element is S's, one subnormal step from 0.
    REQUIRE(projection_alphaless_gradient_f64(L.data(), S.data(), 3, out.data()) == PROJECTION_OK);
    CHECK(std::fabs(out[0]) <= tiny);
    CHECK(out[1] == DBL_MAX / 4);
    CHECK(out[2] == 1);
    REQUIRE(projection_vector_projection_f64(L.data(), S.data(), 3, out.data()) == PROJECTION_OK);
    CHECK(out == std::vector<double>{DBL_MAX / 2, 0, 0});
    check_all(S, L);
  }
  SECTION("double: c*S beyond DBL_MAX while L + c*S is not") {
    // Found by fuzzing: without a fused multiply-add (SSE2) c*S overflowed.
    const std::vector<double> a = {-DBL_MAX, -1.7976931348623155e308}, b = {0.375, 6};
    std::vector<double> out(2);
    REQUIRE(projection_project_out_smaller_f64(a.data(), b.data(), 2, out.data()) == PROJECTION_OK);
    CHECK(std::isfinite(out[1]));
    REQUIRE(projection_alphaless_gradient_f64(b.data(), a.data(), 2, out.data()) == PROJECTION_OK);
    CHECK(std::isfinite(out[1]));
    check_all(a, b);
  }
  SECTION("double: k beyond double's range and k*S beyond DBL_MAX, cancelled by L") {
    // Found by fuzzing: y was scaled by k's whole exponent and overflowed.
    const std::vector<double> a = {-DBL_MAX, -1.7976931348623155e308},
                              b = {-9.4801316124018387e-320, -DBL_MIN};
    std::vector<double> out(2);
    REQUIRE(projection_project_out_smaller_f64(a.data(), b.data(), 2, out.data()) == PROJECTION_OK);
    CHECK(std::isfinite(out[1]));
    CHECK(out[1] > 7e296);
    check_all(a, b);
  }
  SECTION("double: k below double's range keeps every bit of k*y") {
    // k = 2^-1100 (1 + 2^-40), applied through powers of two: k*b is exact.
    const std::vector<double> a = {0x1p-550 * (1 + 0x1p-40), 0}, b = {0x1p550, 0x1p550 * (1 + 0x1p-52)};
    check_all(a, b);
    std::vector<double> out(2);
    REQUIRE(projection_vector_projection_f64(a.data(), b.data(), 2, out.data()) == PROJECTION_OK);
    CHECK(out[0] > 0);
    CHECK(out[1] > 0);
  }
  SECTION("an element whose c*S overflows does not change its neighbours' bits") {
    // Without a fused multiply-add, the overflowing lane is redone in double;
    // its neighbours keep their value whatever group they fall into (list cuts).
    std::vector<float> a(100), b(100);
    for (std::size_t i = 0; i < 100; ++i) a[i] = -1.0f + 0.01f * float(i), b[i] = 0.001f * float(i % 7);
    a[50] = -FLT_MAX, b[50] = FLT_MAX / 4;  // S = b, L = a, c*S beyond FLT_MAX, L + c*S not
    std::vector<float> one(100), two(100);
    REQUIRE(projection_alphaless_gradient_f32(a.data(), b.data(), 100, one.data()) == PROJECTION_OK);
    for (std::size_t cut : {std::size_t{37}, std::size_t{50}, std::size_t{51}, std::size_t{64}}) {
      const float* pa[2] = {a.data(), a.data() + cut};
      const float* pb[2] = {b.data(), b.data() + cut};
      float* po[2] = {two.data(), two.data() + cut};
      const std::size_t n[2] = {cut, 100 - cut};
      REQUIRE(projection_alphaless_gradient_list_f32(pa, pb, n, 2, po) == PROJECTION_OK);
      INFO("cut at " << cut);
      CHECK(same_bits(one, two));
    }
    CHECK(std::isfinite(one[50]));
  }
  SECTION("float: c*S beyond FLT_MAX while L + c*S is not") {
    // S = b, L = a, k = -4: alphaless = L + 5 S, whose first element is FLT_MAX/4.
    const std::vector<float> a = {-FLT_MAX, FLT_MAX / 2}, b = {FLT_MAX / 4, 0};
    std::vector<float> out(2);
    REQUIRE(projection_alphaless_gradient_f32(a.data(), b.data(), 2, out.data()) == PROJECTION_OK);
    CHECK(out[0] == FLT_MAX / 4);
    CHECK(out[1] == FLT_MAX / 2);
    REQUIRE(projection_project_out_smaller_f32(a.data(), b.data(), 2, out.data()) == PROJECTION_OK);
    CHECK(out[0] == 0.0f);
    check_all(a, b);
  }
}
