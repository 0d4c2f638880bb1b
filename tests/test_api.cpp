// The C ABI's contract apart from the arithmetic: every error code with nothing
// written, the library queries, thread settings, and instruction-set selection.
#include <omp.h>

#include <algorithm>
#include <cstring>

#include "dispatch.hpp"
#include "support.hpp"

using namespace test;

namespace {

constexpr double kSentinel = -12345.5;

template <class T>
struct Buffers {
  std::vector<T> a, b, out;
  explicit Buffers(std::size_t n) : a(n), b(n), out(n, T(kSentinel)) {
    for (std::size_t i = 0; i < n; ++i) {
      a[i] = T(1 + i % 7);
      b[i] = T(2 - double(i % 5));
    }
  }
  bool out_untouched() const {
    return std::all_of(out.begin(), out.end(), [](T v) { return v == T(kSentinel); });
  }
};

using VecOp32 = projection_status (*)(const float*, const float*, size_t, float*);
using VecOp64 = projection_status (*)(const double*, const double*, size_t, double*);

template <class T, class Op>
void check_vector_op_errors(Op op) {
  const std::size_t n = 100;
  Buffers<T> x(n);
  SECTION("NULL") {
    CHECK(op(nullptr, x.b.data(), n, x.out.data()) == PROJECTION_ERR_NULL);
    CHECK(op(x.a.data(), nullptr, n, x.out.data()) == PROJECTION_ERR_NULL);
    CHECK(op(x.a.data(), x.b.data(), n, nullptr) == PROJECTION_ERR_NULL);
    CHECK(x.out_untouched());
  }
  SECTION("partial overlap") {
    const auto a0 = x.a, b0 = x.b;
    CHECK(op(x.a.data(), x.b.data(), n - 1, x.a.data() + 1) == PROJECTION_ERR_OVERLAP);
    CHECK(op(x.a.data() + 1, x.b.data(), n - 1, x.a.data()) == PROJECTION_ERR_OVERLAP);
    CHECK(op(x.a.data(), x.b.data(), n - 3, x.b.data() + 3) == PROJECTION_ERR_OVERLAP);
    // Misaligned by part of an element still overlaps.
    T* skew = reinterpret_cast<T*>(reinterpret_cast<char*>(x.b.data()) + 1);
    CHECK(op(x.a.data(), x.b.data(), n - 1, skew) == PROJECTION_ERR_OVERLAP);
    CHECK(x.a == a0);
    CHECK(x.b == b0);
    // NULL is reported before overlap.
    CHECK(op(nullptr, x.b.data(), n - 1, x.b.data() + 1) == PROJECTION_ERR_NULL);
  }
  SECTION("NaN or Inf anywhere, in either input, facing a zero or not") {
    // Facing a zero: the only product of the bad element may be Inf*0.
    for (T bad : {T(NAN), T(INFINITY), T(-INFINITY)})
      for (std::size_t at : {std::size_t{0}, n / 2, n - 1})
        for (int which = 0; which < 4; ++which) {
          Buffers<T> y(n);
          (which % 2 ? y.b : y.a)[at] = bad;
          if (which >= 2) (which % 2 ? y.a : y.b)[at] = T(0);
          CHECK(op(y.a.data(), y.b.data(), n, y.out.data()) == PROJECTION_ERR_NONFINITE);
          CHECK(y.out_untouched());
          // In place over the other input: that input is left as it was.
          auto& other = which % 2 ? y.a : y.b;
          const auto before = other;
          CHECK(op(y.a.data(), y.b.data(), n, other.data()) == PROJECTION_ERR_NONFINITE);
          CHECK(same_bits(other, before));
        }
  }
  SECTION("NaN late in a buffer large enough to run in parallel") {
    Buffers<T> y(400001);
    y.b.back() = T(NAN);
    const auto before = y.a;
    CHECK(op(y.a.data(), y.b.data(), y.a.size(), y.a.data()) == PROJECTION_ERR_NONFINITE);
    CHECK(same_bits(y.a, before));
  }
  SECTION("overlap between the two inputs is fine") {
    CHECK(op(x.a.data(), x.a.data() + 1, n - 1, x.out.data()) == PROJECTION_OK);
  }
}

}  // namespace

TEST_CASE("vector operations: every error code, nothing written", "[api]") {
  SECTION("vector_projection f32") { check_vector_op_errors<float>(VecOp32(projection_vector_projection_f32)); }
  SECTION("vector_projection f64") { check_vector_op_errors<double>(VecOp64(projection_vector_projection_f64)); }
  SECTION("project_out_smaller f32") { check_vector_op_errors<float>(VecOp32(projection_project_out_smaller_f32)); }
  SECTION("project_out_smaller f64") { check_vector_op_errors<double>(VecOp64(projection_project_out_smaller_f64)); }
  SECTION("alphaless_gradient f32") { check_vector_op_errors<float>(VecOp32(projection_alphaless_gradient_f32)); }
  SECTION("alphaless_gradient f64") { check_vector_op_errors<double>(VecOp64(projection_alphaless_gradient_f64)); }
}

TEMPLATE_TEST_CASE("scalar operations: every error code, nothing written", "[api]", float, double) {
  using T = TestType;
  const std::size_t n = 50;
  Buffers<T> x(n);
  int swapped = 7;
  double na = kSentinel, nb = kSentinel, alpha = kSentinel, scale = kSentinel;
  auto untouched = [&] {
    return swapped == 7 && na == kSentinel && nb == kSentinel && alpha == kSentinel && scale == kSentinel;
  };
  SECTION("order_by_norm") {
    CHECK(api<T>::order_by_norm(nullptr, x.b.data(), n, 2, &swapped, &na, &nb) == PROJECTION_ERR_NULL);
    CHECK(api<T>::order_by_norm(x.a.data(), nullptr, n, 2, &swapped, &na, &nb) == PROJECTION_ERR_NULL);
    CHECK(api<T>::order_by_norm(x.a.data(), x.b.data(), n, 2, nullptr, &na, &nb) == PROJECTION_ERR_NULL);
    CHECK(api<T>::order_by_norm(nullptr, nullptr, 0, 2, nullptr, &na, &nb) == PROJECTION_ERR_NULL);
    CHECK(api<T>::order_by_norm(x.a.data(), x.b.data(), n, NAN, &swapped, &na, &nb) == PROJECTION_ERR_ARGUMENT);
    CHECK(api<T>::order_by_norm(nullptr, x.b.data(), n, NAN, &swapped, &na, &nb) == PROJECTION_ERR_NULL);
    CHECK(untouched());
    for (double p : {2.0, 1.0, 3.0, 0.0, HUGE_VAL, -HUGE_VAL, -1.0}) {
      Buffers<T> y(n);
      y.a[n - 1] = T(INFINITY);
      CHECK(api<T>::order_by_norm(y.a.data(), y.b.data(), n, p, &swapped, &na, &nb) == PROJECTION_ERR_NONFINITE);
      y.a[n - 1] = 1;
      y.b[0] = T(NAN);
      CHECK(api<T>::order_by_norm(y.a.data(), y.b.data(), n, p, &swapped, &na, &nb) == PROJECTION_ERR_NONFINITE);
    }
    CHECK(untouched());
    // Norms are optional.
    CHECK(api<T>::order_by_norm(x.a.data(), x.b.data(), n, 2, &swapped, nullptr, nullptr) == PROJECTION_OK);
    CHECK(swapped == 1);  // |a| > |b|
  }
  SECTION("equivalent_alpha") {
    CHECK(api<T>::equivalent_alpha(nullptr, x.b.data(), n, &alpha, &scale) == PROJECTION_ERR_NULL);
    CHECK(api<T>::equivalent_alpha(x.a.data(), nullptr, n, &alpha, &scale) == PROJECTION_ERR_NULL);
    CHECK(api<T>::equivalent_alpha(x.a.data(), x.b.data(), n, nullptr, &scale) == PROJECTION_ERR_NULL);
    CHECK(api<T>::equivalent_alpha(x.a.data(), x.b.data(), n, &alpha, nullptr) == PROJECTION_ERR_NULL);
    CHECK(api<T>::equivalent_alpha(nullptr, nullptr, 0, &alpha, nullptr) == PROJECTION_ERR_NULL);
    x.b[n / 3] = T(-INFINITY);
    CHECK(api<T>::equivalent_alpha(x.a.data(), x.b.data(), n, &alpha, &scale) == PROJECTION_ERR_NONFINITE);
    CHECK(untouched());
  }
}

TEST_CASE("double squares that overflow are not mistaken for Inf", "[api]") {
  std::vector<double> a(1000, 1e300), b(1000, -2e300);
  b[999] = HUGE_VAL;
  double alpha = kSentinel, scale = kSentinel;
  CHECK(projection_equivalent_alpha_f64(a.data(), b.data(), 1000, &alpha, &scale) == PROJECTION_ERR_NONFINITE);
  b[999] = -2e300;
  REQUIRE(projection_equivalent_alpha_f64(a.data(), b.data(), 1000, &alpha, &scale) == PROJECTION_OK);
  // S = a, L = b = -2a: k = -2, coefficients 3 (noise, S) and 1.
  CHECK(scale == 4.0);
  CHECK(alpha == 0.75);
}

TEST_CASE("status strings, version, threads", "[api]") {
  for (int s = 0; s <= 5; ++s) {
    const char* text = projection_status_string(static_cast<projection_status>(s));
    REQUIRE(text != nullptr);
    CHECK(std::strlen(text) > 3);
  }
  CHECK(std::string(projection_status_string(PROJECTION_OK)) != projection_status_string(PROJECTION_ERR_NULL));
  CHECK(std::string(projection_version_string()) == PROJECTION_VERSION_STRING);
  CHECK(std::string(projection_version_string()) == "1.1.0");
  CHECK(projection_version_number() == 10100u);
  CHECK(projection_version_number() == PROJECTION_VERSION_NUMBER);

  projection_set_num_threads(3);
  CHECK(projection_get_num_threads() == 3);
  projection_set_num_threads(-5);
  CHECK(projection_get_num_threads() == omp_get_max_threads());
  projection_set_num_threads(0);
  CHECK(projection_get_num_threads() == omp_get_max_threads());
}

TEST_CASE("PROJECTION_ARCH selects the kernels, falling back to the best", "[arch-env]") {
  require_expected_arch();
  const char* name = projection_simd_arch();
  const bool known = !std::strcmp(name, "sse2") || !std::strcmp(name, "fma3+avx2") ||
                     !std::strcmp(name, "avx512bw") || !std::strcmp(name, "neon64") ||
                     !std::strcmp(name, "generic");
  CHECK(known);
}

TEST_CASE("float scalar results are identical on every instruction set", "[api]") {
  const projection::detail::KernelTable* tables[8];
  const int count = projection::detail::supported_kernels(tables, 8);
  INFO("instruction sets on this CPU: " << count);
  for (std::size_t n : {std::size_t{13}, std::size_t{4097}, std::size_t{300001}}) {
    const auto p = make_pair<float>(Relation::nearly_parallel, n, 11);
    double first[7] = {};
    for (int t = 0; t < count; ++t) {
      projection::detail::override_kernels_for_testing(tables[t]);
      REQUIRE(std::string(projection_simd_arch()) == tables[t]->name);
      double r[7];
      int swapped;
      REQUIRE(projection_order_by_norm_f32(p.a.data(), p.b.data(), n, 2, &swapped, &r[0], &r[1]) == PROJECTION_OK);
      REQUIRE(projection_order_by_norm_f32(p.a.data(), p.b.data(), n, 1, &swapped, &r[2], &r[3]) == PROJECTION_OK);
      REQUIRE(projection_equivalent_alpha_f32(p.a.data(), p.b.data(), n, &r[4], &r[5]) == PROJECTION_OK);
      REQUIRE(projection_order_by_norm_f32(p.a.data(), p.b.data(), n, HUGE_VAL, &swapped, &r[6], &r[6]) == PROJECTION_OK);
      if (t == 0) std::copy(r, r + 7, first);
      INFO(tables[t]->name << " vs " << tables[0]->name << ", n=" << n);
      for (int i = 0; i < 7; ++i) CHECK(same_bits(r[i], first[i]));
    }
    projection::detail::override_kernels_for_testing(nullptr);
  }
}

TEST_CASE("unknown status codes have a description", "[api]") {
  for (int code : {6, 36, -1, 1 << 30}) {
    projection_status s;
    std::memcpy(&s, &code, sizeof code);
    const char* text = projection_status_string(s);
    REQUIRE(text != nullptr);
    CHECK(std::string(text) == "unknown projection_status code");
  }
}
