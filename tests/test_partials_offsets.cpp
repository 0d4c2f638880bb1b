// Partials of one shard at any global offset (projection.h, section 5): the sums depend
// only on where the shard sits within a block (offset mod PROJECTION_BLOCK), so the same
// shard gives the same partials, byte for byte, at offset r, r + PROJECTION_BLOCK,
// r + 2^40, and at the top of the 64-bit index space (offset + n == UINT64_MAX, which
// projection_partials_add accepts) -- including the last block [2^64 - BLOCK, 2^64),
// whose end is not representable in 64 bits.
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

#include "support.hpp"

namespace {

template <class T>
projection_status add(projection_partials* p, const T* a, const T* b, std::size_t n,
                      std::uint64_t offset) {
  if constexpr (std::is_same_v<T, float>) return projection_partials_add_f32(p, a, b, n, offset);
  else return projection_partials_add_f64(p, a, b, n, offset);
}

}  // namespace

TEMPLATE_TEST_CASE("partials: the same shard gives the same bytes at any offset, up to 2^64",
                   "[api][partials]", float, double) {
  constexpr std::uint64_t kB = PROJECTION_BLOCK;
  // 9 blocks + 5 elements is split over several threads.
  for (std::size_t n : {std::size_t{1}, std::size_t{100}, std::size_t{kB - 1},
                        std::size_t{kB + 7}, std::size_t{9 * kB + 5}}) {
    std::vector<TestType> a(n), b(n);
    for (std::size_t i = 0; i < n; ++i) {
      a[i] = TestType((i * 7919) % 1000) / TestType(7) - TestType(70);
      b[i] = TestType((i * 104729) % 997) / TestType(9) - TestType(50);
    }
    const std::uint64_t top = UINT64_MAX - n;  // the last element is element 2^64 - 2
    const std::uint64_t r = top % kB;
    projection_partials ref;
    projection_partials_init(&ref);
    REQUIRE(add(&ref, a.data(), b.data(), n, r) == PROJECTION_OK);
    for (std::uint64_t offset : {r + kB, r + (std::uint64_t{1} << 40), top - kB, top}) {
      CAPTURE(n, offset);
      projection_partials p;
      projection_partials_init(&p);
      REQUIRE(add(&p, a.data(), b.data(), n, offset) == PROJECTION_OK);
      CHECK(std::memcmp(&p, &ref, sizeof p) == 0);
      double alpha = 0, scale = 0, alpha_ref = 1, scale_ref = 1;
      REQUIRE(projection_partials_equivalent_alpha(&p, &alpha, &scale) == PROJECTION_OK);
      REQUIRE(projection_partials_equivalent_alpha(&ref, &alpha_ref, &scale_ref) == PROJECTION_OK);
      CHECK(alpha == alpha_ref);
      CHECK(scale == scale_ref);
    }
  }
  // A shard at the very last block, and one element past the top is refused.
  projection_partials p;
  projection_partials_init(&p);
  const float one = 1;
  CHECK(projection_partials_add_f32(&p, &one, &one, 1, UINT64_MAX - 1) == PROJECTION_OK);
  double norm_a = 0, norm_b = 0;
  int swapped = -1;
  REQUIRE(projection_partials_order_by_norm(&p, &swapped, &norm_a, &norm_b) == PROJECTION_OK);
  CHECK(norm_a == 1.0);
  CHECK(projection_partials_add_f32(&p, &one, &one, 1, UINT64_MAX) == PROJECTION_ERR_ARGUMENT);
}
