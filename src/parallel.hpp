// The one place that decides the parallel split.
//
// A buffer of n elements is cut into chunks whose size depends on n alone.
// Each chunk is reduced on its own and the chunk results are combined in chunk
// order, so every result is the same for any thread count and any alignment.
// Threads take whole chunks; small inputs run on the calling thread without
// opening an OpenMP region.
#pragma once

#include <cstddef>

#include "kernels.hpp"

namespace projection::detail {

inline constexpr std::size_t kMinChunk = 4096;     // elements; a multiple of kLanes
inline constexpr std::size_t kMaxChunks = 1024;    // bounds the per-call stack of partials
inline constexpr std::size_t kParallelMin = 1 << 16;  // below: no OpenMP region

struct Blocking {
  std::size_t n, chunk, count;
  std::size_t begin(std::size_t c) const { return c * chunk; }
  std::size_t size(std::size_t c) const { return c + 1 < count ? chunk : n - c * chunk; }
};

constexpr Blocking blocking(std::size_t n) {
  std::size_t chunk = (n + kMaxChunks - 1) / kMaxChunks;
  chunk = (chunk + kLanes - 1) / kLanes * kLanes;
  if (chunk < kMinChunk) chunk = kMinChunk;
  return {n, chunk, n == 0 ? 0 : (n + chunk - 1) / chunk};
}

// Threads a call over n elements will use: 1 below kParallelMin.
int threads_for(std::size_t n);

// Runs f(c) for every chunk c of b, on threads_for(b.n) threads.
void run_chunks(const Blocking& b, void (*f)(void* ctx, std::size_t c), void* ctx);

template <class F>
void for_each_chunk(const Blocking& b, F&& f) {
  if (b.count <= 1 || threads_for(b.n) <= 1) {
    for (std::size_t c = 0; c < b.count; ++c) f(c);
    return;
  }
  run_chunks(b, [](void* ctx, std::size_t c) { (*static_cast<F*>(ctx))(c); }, &f);
}

// Reduces each chunk with `chunk_fn(begin, size)` and folds the chunk results in
// chunk order with `combine(acc, next)`.
template <class R, class ChunkFn, class Combine>
R reduce_chunks(const Blocking& b, ChunkFn&& chunk_fn, Combine&& combine, R empty) {
  if (b.count == 0) return empty;
  if (b.count == 1) return chunk_fn(std::size_t{0}, b.n);
  R partial[kMaxChunks];
  for_each_chunk(b, [&](std::size_t c) { partial[c] = chunk_fn(b.begin(c), b.size(c)); });
  R acc = partial[0];
  for (std::size_t c = 1; c < b.count; ++c) acc = combine(acc, partial[c]);
  return acc;
}

}  // namespace projection::detail
