// The reductions: block sums over the global index space, for a vector held in
// one buffer, in a list of segments, or as a shard at an offset.
//
// The vector is cut into blocks of kBlock elements of the global index (the
// first and last block of a shard at an unaligned offset are fragments). A
// block's elements are summed in the kernels' lanes, in piece after piece when
// the block spans list segments, and the block sums go into exact accumulators.
// Threads take contiguous runs of blocks; since the block sums are added
// exactly, neither the thread count nor the segmentation changes a bit.
#pragma once

#include <cstddef>
#include <cstdint>

#include "exact.hpp"
#include "kernels.hpp"
#include "projection/projection.h"

namespace projection::detail {

// A vector as segments: segment i is a[i][0..n[i]) (and b[i][0..n[i])), in
// order; element 0 of the first segment is element `offset` of the global
// vector. A single buffer is one segment.
template <class T>
struct Segments {
  const T* const* a;
  const T* const* b;
  const std::size_t* n;
  std::size_t count;
  std::size_t total;         // sum of n
  std::uint64_t offset = 0;  // global index of the first element
};

// Exact a.a, b.b, a.b of everything reduced so far (the parts asked for).
struct GramTotals {
  ExactSum aa, bb, ab;
  bool nonfinite = false;
  void add(const GramTotals& o);
};

// The sums rounded once to 53 bits, and whether |a| > |b| (exactly).
struct Sums {
  Wide aa, bb, ab;
  bool a_larger = false;
};
Sums finish(const GramTotals& t);

template <class T>
GramTotals reduce_gram(const Segments<T>& s, GramParts parts);

// reduce_gram and finish, with a shortcut for a vector of one block.
// @return PROJECTION_OK or PROJECTION_ERR_NONFINITE.
template <class T>
projection_status gram_sums(const Segments<T>& s, GramParts parts, Sums& out);

// The norm of order p (not 2) of the vector held in s.a, as a Wide: norms
// beyond double's range still order correctly (their double is +inf), and
// m (sum (|x_i|/m)^p)^(1/p) stays right where the root alone overflows.
// @return PROJECTION_OK or PROJECTION_ERR_NONFINITE.
template <class T>
projection_status norm_p(const Segments<T>& s, double p, Wide& norm);

// ---------------------------------------------------------------- walking

// A position in the segments: element idx of segment seg.
struct Cursor {
  std::size_t seg = 0, idx = 0;
};

// The cursor of global element g (offset <= g < offset + total).
template <class T>
Cursor locate(const Segments<T>& s, std::uint64_t g) {
  std::uint64_t rel = g - s.offset;
  Cursor c;
  while (c.seg < s.count && rel >= s.n[c.seg]) rel -= s.n[c.seg++];
  c.idx = static_cast<std::size_t>(rel);
  return c;
}

// At the start of a segment (a piece at `at` with at.idx == 0), asks the memory
// system for the first bytes of the next segment of a (and of b, and of out, to be
// written, where given) while this one is worked on. The kernels prefetch only
// inside the piece they are given, so the data of a short tensor (a page, say)
// would otherwise be fetched on demand, tensor after tensor.
template <class T>
inline void prefetch_next_segment(const Segments<T>& s, const Cursor& at, bool with_b,
                                  T* const* out = nullptr) {
  if (at.idx != 0 || at.seg + 1 >= s.count) return;
  const std::size_t i = at.seg + 1;
  constexpr std::size_t kBytes = 256;
  const std::size_t bytes = s.n[i] * sizeof(T) < kBytes ? s.n[i] * sizeof(T) : kBytes;
  for (std::size_t k = 0; k < bytes; k += 64) {
    __builtin_prefetch(reinterpret_cast<const char*>(s.a[i]) + k);
    if (with_b) __builtin_prefetch(reinterpret_cast<const char*>(s.b[i]) + k);
    if (out) __builtin_prefetch(reinterpret_cast<const char*>(out[i]) + k, 1);
  }
}

// Calls f(c, len, g) for the pieces of the global range [g, end), in order: a
// piece is the part of one segment in the range, starting at cursor c, at
// global index g. Leaves c at `end`.
template <class T, class F>
void walk(const Segments<T>& s, Cursor& c, std::uint64_t g, std::uint64_t end, F&& f) {
  while (g < end) {
    while (c.idx >= s.n[c.seg]) ++c.seg, c.idx = 0;  // skip ended and empty segments
    const std::uint64_t left = s.n[c.seg] - c.idx;
    const std::size_t len = static_cast<std::size_t>(left < end - g ? left : end - g);
    f(static_cast<const Cursor&>(c), len, g);
    c.idx += len;
    g += len;
  }
}

}  // namespace projection::detail
