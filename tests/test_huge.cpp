// Huge inputs (issue 5): n above 2^32 elements works. Hidden test ([.huge]),
// opt-in: `projection_reliability_tests "[huge]"`, registered in ctest only
// when configured with -DPROJECTION_HUGE_TESTS=ON (or PROJECTION_HUGE_TESTS=1 in
// the environment at configure time), and run by scripts/test-reliability when
// PROJECTION_HUGE_TESTS=1.
//
// The buffers are calloc'd: 2^32 + 3 floats is 16 GiB of address space each,
// but untouched pages are the kernel's shared zero page, so reading them costs
// time and no memory. The test checks that too: resident memory must stay far
// below the buffers' size. A few elements are set, some beyond index 2^32, so
// that any 32-bit truncation of n or of an index gives a wrong answer, and the
// results are checked against the exact values.
#include <catch2/catch.hpp>

#include <projection/projection.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>

namespace {

constexpr std::size_t k2_32 = std::size_t{1} << 32;
constexpr std::size_t kHuge = k2_32 + 3;

// Resident set size of this process in MiB (VmRSS), -1 if unknown.
long rss_mib() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6) / 1024;
  return -1;
}

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

TEST_CASE("n = 2^32 + 3 floats: reductions see every element", "[.huge][huge]") {
  const auto t_all = std::chrono::steady_clock::now();
  const long rss0 = rss_mib();
  std::unique_ptr<float, FreeDeleter> pa(static_cast<float*>(std::calloc(kHuge, sizeof(float))));
  std::unique_ptr<float, FreeDeleter> pb(static_cast<float*>(std::calloc(kHuge, sizeof(float))));
  REQUIRE(pa != nullptr);
  REQUIRE(pb != nullptr);
  float* a = pa.get();
  float* b = pb.get();
  // a: 3 at 0, 4 at the last index           -> |a|^2 = 25, |a|_1 = 7, 2 non-zeros
  // b: 1 at 0, 12 at 2^32, 8 at the last one -> |b|^2 = 209, |b|_1 = 21, 3 non-zeros
  // a.b = 3 + 32 = 35.
  a[0] = 3;
  a[kHuge - 1] = 4;
  b[0] = 1;
  b[k2_32] = 12;
  b[kHuge - 1] = 8;

  SECTION("order_by_norm and equivalent_alpha") {
    struct Ord {
      double p, na, nb;
      int swapped;
    };
    const Ord ords[] = {{2.0, 5.0, std::sqrt(209.0), 0},
                        {1.0, 7.0, 21.0, 0},
                        {INFINITY, 4.0, 12.0, 0},
                        {0.0, 2.0, 3.0, 0},
                        {-INFINITY, 0.0, 0.0, 0}};
    for (const Ord& o : ords) {
      const auto t0 = std::chrono::steady_clock::now();
      int swapped = -1;
      double na = -1, nb = -1;
      REQUIRE(projection_order_by_norm_f32(a, b, kHuge, o.p, &swapped, &na, &nb) == PROJECTION_OK);
      INFO("ord " << o.p);
      CHECK(swapped == o.swapped);
      CHECK(na == Approx(o.na).epsilon(1e-15));
      CHECK(nb == Approx(o.nb).epsilon(1e-15));
      // Exchanged: the order flips (not for the tie of ord -inf).
      REQUIRE(projection_order_by_norm_f32(b, a, kHuge, o.p, &swapped, &na, &nb) == PROJECTION_OK);
      CHECK(swapped == (o.na == o.nb ? 0 : 1));
      CHECK(nb == Approx(o.na).epsilon(1e-15));
      std::printf("huge: order_by_norm_f32 ord=%g twice over 2 x 16 GiB: %.1f s\n", o.p,
                  seconds_since(t0));
    }
    // noise = a (the smaller), model = b: k = 35/25 = 1.4, c_noise = -0.4,
    // c_model = 1, scale = 0.6, alpha = -2/3.
    const auto t0 = std::chrono::steady_clock::now();
    double alpha = 0, scale = 0;
    REQUIRE(projection_equivalent_alpha_f32(a, b, kHuge, &alpha, &scale) == PROJECTION_OK);
    CHECK(scale == Approx(0.6).epsilon(1e-14));
    CHECK(alpha == Approx(-2.0 / 3.0).epsilon(1e-14));
    std::printf("huge: equivalent_alpha_f32 over 2 x 16 GiB: %.1f s\n", seconds_since(t0));
  }

  SECTION("in place over 2^32 + 3 floats, NaN at the last element: an error, nothing written") {
    const auto t0 = std::chrono::steady_clock::now();
    b[kHuge - 1] = NAN;
    REQUIRE(projection_alphaless_gradient_f32(a, b, kHuge, a) == PROJECTION_ERR_NONFINITE);
    REQUIRE(projection_project_out_smaller_f32(a, b, kHuge, b) == PROJECTION_ERR_NONFINITE);
    CHECK(a[0] == 3);
    CHECK(a[kHuge - 1] == 4);
    CHECK(b[0] == 1);
    CHECK(b[k2_32] == 12);
    std::printf("huge: two failing in-place calls over 2 x 16 GiB: %.1f s\n", seconds_since(t0));
  }

  // Untouched pages cost no memory: the reads mapped the shared zero page
  // (a write to every page would have needed 32 GiB, more than the machine has).
  const long rss1 = rss_mib();
  INFO("VmRSS before " << rss0 << " MiB, after " << rss1 << " MiB");
  CHECK(rss1 - rss0 < 1024);
  std::printf("huge: VmRSS %ld MiB -> %ld MiB; %.1f s in all\n", rss0, rss1, seconds_since(t_all));
}
