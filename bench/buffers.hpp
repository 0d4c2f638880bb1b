// Deterministic, 64-byte aligned input buffers (float, double, bf16, f16), shared by consecutive benchmarks of
// the same size so that 512 MB buffers are filled once, not once per benchmark.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>

#include "half.hpp"

namespace pbench {

struct SplitMix {
  std::uint64_t s;
  std::uint64_t next() {
    std::uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  double uniform() { return double(next() >> 11) * 0x1.0p-53; }  // [0, 1)
};

// A page-aligned allocation whose data starts `offset` bytes into the page. The three
// buffers of a benchmark start at fixed, different offsets within a 4 KiB page, so that
// the measurement does not depend on where the heap happens to put them: with inputs and
// output at the same offset modulo 4 KiB, loads falsely wait for stores ("4K aliasing")
// and small in-cache kernels of every implementation ran up to 8x slower in one process
// than in the next.
struct Block {
  void *base = nullptr;
  void *data = nullptr;
};

inline Block aligned_block(std::size_t bytes, std::size_t offset) {
  std::size_t total = (bytes + offset + 4095) / 4096 * 4096;
  if (total == 0) total = 4096;
  Block b;
  b.base = std::aligned_alloc(4096, total);
  if (!b.base) throw std::bad_alloc();
  std::memset(b.base, 0, total);  // touch every page now, not inside a timed loop
  b.data = static_cast<char *>(b.base) + offset;
  return b;
}

// Offsets of a, b and out within their first page: 0, 1344 and 2688 bytes (multiples of
// 64, spread evenly).
inline constexpr std::size_t kOffsets[3] = {0, 1344, 2688};

template <class T>
struct Buffers {
  std::size_t n = 0;
  T *a = nullptr, *b = nullptr, *out = nullptr;
  Block blocks[3];
  Buffers() = default;
  Buffers(const Buffers &) = delete;
  Buffers &operator=(const Buffers &) = delete;
  ~Buffers() {
    for (Block &k : blocks) std::free(k.base);
  }
  // kind 0 (benchmarks): a ~ U(-1, 1), b = 1.5 U(-1, 1) + 0.25 a, so |a| < |b| and a.b != 0.
  // kind 1 (accuracy):   a ~ U(0, 1), b ~ U(0, 2): sums that grow, no cancellation.
  void fill(std::size_t size, int kind, std::uint64_t seed = 42) {
    n = size;
    for (int i = 0; i < 3; ++i) blocks[i] = aligned_block(n * sizeof(T), kOffsets[i]);
    a = static_cast<T *>(blocks[0].data);
    b = static_cast<T *>(blocks[1].data);
    out = static_cast<T *>(blocks[2].data);
    SplitMix r{seed};
    for (std::size_t i = 0; i < n; ++i) {
      if (kind == 0) {
        const double x = 2 * r.uniform() - 1;
        a[i] = from_double<T>(x);
        b[i] = from_double<T>(1.5 * (2 * r.uniform() - 1) + 0.25 * x);
      } else {
        a[i] = from_double<T>(r.uniform());
        b[i] = from_double<T>(2 * r.uniform());
      }
    }
  }
};

}  // namespace pbench
