// In place, nothing lost (issue 5): when a call that would write over one of
// its inputs fails — a NaN or Inf found late, at the very last element, or at a
// chunk boundary, in a buffer large enough to be split over threads — every
// input is byte-for-byte what it was. The same for an overlap error, and for
// the result pointers of the scalar operations.
#include <catch2/catch.hpp>

#include <projection/projection.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace {

constexpr std::size_t kN = (std::size_t{1} << 17) + 37;  // parallel (32+ chunks), uneven tail

// The C functions by element type, from the C++ header.
template <class T>
using C = projection::detail::c_api<T>;

template <class T>
std::vector<T> make_vec(std::uint64_t seed, double scale) {
  std::mt19937_64 g(seed);
  std::uniform_real_distribution<double> d(-1, 1);
  std::vector<T> v(kN);
  for (auto& x : v) x = static_cast<T>(scale * d(g));
  return v;
}

template <class T>
bool same(const std::vector<T>& x, const std::vector<T>& y) {
  return x.size() == y.size() && std::memcmp(x.data(), y.data(), x.size() * sizeof(T)) == 0;
}

template <class T>
using VecFn = projection_status (*)(const T*, const T*, std::size_t, T*);

template <class T>
struct NamedOp {
  const char* name;
  VecFn<T> fn;
};

template <class T>
std::vector<NamedOp<T>> vec_ops() {
  return {{"vector_projection", C<T>::vector_projection},
          {"project_out_smaller", C<T>::project_out_smaller},
          {"alphaless_gradient", C<T>::alphaless_gradient}};
}

// Where the bad value goes: the very last element, the first, the last element
// of the first chunk and the first of the second (chunks are multiples of 4096
// elements), somewhere in the middle.
std::vector<std::size_t> bad_positions() {
  return {kN - 1, 0, 4095, 4096, kN / 2 + 3, kN - 38};
}

template <class T>
std::vector<T> bad_values() {
  using L = std::numeric_limits<T>;
  return {L::quiet_NaN(), L::infinity(), -L::infinity(), L::signaling_NaN(), -L::quiet_NaN()};
}

// Magnitudes: ordinary, and (double) huge and tiny, so that the rescaling
// path, which makes a second pass, is the one that meets the bad value.
template <class T>
std::vector<double> scales() {
  if constexpr (std::is_same_v<T, float>) return {1.0, 1e30};
  else return {1.0, 1e300, 1e-300};
}

// Equal to `ref` everywhere but at `pos`, where it holds the bytes of `v`.
template <class T>
bool same_but(const std::vector<T>& x, const std::vector<T>& ref, std::size_t pos, T v) {
  return std::memcmp(x.data(), ref.data(), pos * sizeof(T)) == 0 &&
         std::memcmp(&x[pos], &v, sizeof(T)) == 0 &&
         std::memcmp(x.data() + pos + 1, ref.data() + pos + 1, (x.size() - pos - 1) * sizeof(T)) == 0;
}

template <class T>
void check_in_place_failures() {
  int cases = 0;
  for (double scale : scales<T>()) {
    const std::vector<T> a0 = make_vec<T>(11, scale), b0 = make_vec<T>(12, scale * 0.5);
    std::vector<T> a = a0, b = b0;  // restored after each case
    // The extreme magnitudes take the slower extended-precision path: fewer
    // variations there (one thread count, two positions).
    const bool extreme = scale != 1.0;
    for (int threads : {1, 2}) {
      if (extreme && threads == 1) continue;
      projection_set_num_threads(threads);
      for (const auto& op : vec_ops<T>()) {
        for (int target = 0; target < 2; ++target) {       // out == a, out == b
          for (int bad_in = 0; bad_in < 2; ++bad_in) {     // the bad value in a or in b
            for (std::size_t pos : bad_positions()) {
              for (T bad : bad_values<T>()) {
                // Every kind of bad value at the very end; a NaN elsewhere.
                if (pos != kN - 1 && !std::isnan(bad)) continue;
                if (extreme && pos != kN - 1 && pos != 4096) continue;
                std::vector<T>& victim = bad_in == 0 ? a : b;
                victim[pos] = bad;
                T* out = target == 0 ? a.data() : b.data();
                const projection_status s = op.fn(a.data(), b.data(), kN, out);
                INFO((sizeof(T) == 4 ? "float" : "double") << " " << op.name << " out==" << (target == 0 ? "a" : "b")
                                << " bad value " << bad << " in " << (bad_in == 0 ? "a" : "b")
                                << " at " << pos << " scale " << scale << " threads " << threads);
                REQUIRE(s == PROJECTION_ERR_NONFINITE);
                if (bad_in == 0) {
                  REQUIRE(same_but(a, a0, pos, bad));
                  REQUIRE(same(b, b0));
                } else {
                  REQUIRE(same(a, a0));
                  REQUIRE(same_but(b, b0, pos, bad));
                }
                victim[pos] = (bad_in == 0 ? a0 : b0)[pos];
                ++cases;
              }
            }
          }
        }
      }
    }
  }
  projection_set_num_threads(0);
  CHECK(cases > 0);
}

}  // namespace

TEST_CASE("in place over an input: a late NaN/Inf leaves both inputs byte-identical",
          "[inplace-failure]") {
  SECTION("float") { check_in_place_failures<float>(); }
  SECTION("double") { check_in_place_failures<double>(); }
}

TEST_CASE("in place with a == b == out: a NaN at the end leaves the buffer intact",
          "[inplace-failure]") {
  for (int threads : {1, 2}) {
    projection_set_num_threads(threads);
    std::vector<double> x = make_vec<double>(21, 1.0);
    x[kN - 1] = NAN;
    const std::vector<double> before = x;
    CHECK(projection_alphaless_gradient_f64(x.data(), x.data(), kN, x.data()) ==
          PROJECTION_ERR_NONFINITE);
    CHECK(projection_project_out_smaller_f64(x.data(), x.data(), kN, x.data()) ==
          PROJECTION_ERR_NONFINITE);
    CHECK(projection_vector_projection_f64(x.data(), x.data(), kN, x.data()) ==
          PROJECTION_ERR_NONFINITE);
    CHECK(same(x, before));
  }
  projection_set_num_threads(0);
}

TEST_CASE("an overlap error on large buffers writes nothing, even with a NaN present",
          "[inplace-failure]") {
  // out = a + 1 overlaps a partially: OVERLAP, checked before NONFINITE.
  std::vector<float> buf = make_vec<float>(31, 1.0);
  std::vector<float> b = make_vec<float>(32, 2.0);
  buf[kN - 1] = NAN;
  const std::vector<float> buf_before = buf, b_before = b;
  const std::size_t n = kN - 1;
  CHECK(projection_alphaless_gradient_f32(buf.data(), b.data(), n, buf.data() + 1) ==
        PROJECTION_ERR_OVERLAP);
  CHECK(projection_vector_projection_f32(buf.data() + 1, b.data(), n, buf.data()) ==
        PROJECTION_ERR_OVERLAP);
  CHECK(projection_project_out_smaller_f32(b.data(), buf.data() + 1, n, buf.data()) ==
        PROJECTION_ERR_OVERLAP);
  CHECK(same(buf, buf_before));
  CHECK(same(b, b_before));
}

TEST_CASE("scalar operations: a late NaN leaves every result pointer untouched",
          "[inplace-failure]") {
  std::vector<double> a = make_vec<double>(41, 1.0), b = make_vec<double>(42, 1e200);
  b[kN - 1] = INFINITY;
  for (int threads : {1, 2}) {
    projection_set_num_threads(threads);
    int swapped = -5;
    double na = -1.5, nb = -2.5, alpha = -3.5, scale = -4.5;
    for (double ord : {2.0, 1.0, double(INFINITY), -double(INFINITY), 0.0, 3.0}) {
      CHECK(projection_order_by_norm_f64(a.data(), b.data(), kN, ord, &swapped, &na, &nb) ==
            PROJECTION_ERR_NONFINITE);
    }
    CHECK(projection_order_by_norm_f64(a.data(), b.data(), kN, NAN, &swapped, &na, &nb) ==
          PROJECTION_ERR_ARGUMENT);
    CHECK(projection_equivalent_alpha_f64(a.data(), b.data(), kN, &alpha, &scale) ==
          PROJECTION_ERR_NONFINITE);
    CHECK(swapped == -5);
    CHECK(na == -1.5);
    CHECK(nb == -2.5);
    CHECK(alpha == -3.5);
    CHECK(scale == -4.5);
  }
  projection_set_num_threads(0);
}
