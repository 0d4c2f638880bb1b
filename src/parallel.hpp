// The one place that decides the parallel split.
//
// Work is split over an OpenMP team only from kParallelMin elements on; smaller
// inputs run on the calling thread without opening a region (a region costs
// microseconds). Reductions split the blocks of the global index space between
// the threads and add their block sums exactly (exact.hpp), so no result
// depends on the number of threads or on which thread took which block.
#pragma once

#include <cstddef>
#include <cstdint>

namespace projection::detail {

inline constexpr std::size_t kParallelMin = std::size_t{1} << 16;  // below: no OpenMP region

// Threads a call over n elements will use: 1 below kParallelMin.
int threads_for(std::size_t n);

// Runs f(ctx, t, T) for t = 0 .. T-1 on a team of T <= threads threads (T is
// what the runtime gave; each thread splits its share of the work by t and T).
// With threads <= 1, runs f(ctx, 0, 1) on the calling thread.
void run_team(int threads, void (*f)(void* ctx, int t, int T), void* ctx);

template <class F>
void for_each_thread(int threads, F&& f) {
  if (threads <= 1) {
    f(0, 1);
    return;
  }
  run_team(threads, [](void* ctx, int t, int T) { (*static_cast<F*>(ctx))(t, T); }, &f);
}

// The share [lo, hi) of `count` items that thread t of T takes.
struct Share {
  std::uint64_t lo, hi;
};
inline Share share(std::uint64_t count, int t, int T) {
  return {count * static_cast<std::uint64_t>(t) / static_cast<std::uint64_t>(T),
          count * static_cast<std::uint64_t>(t + 1) / static_cast<std::uint64_t>(T)};
}

// Runs f(i) for i = 0 .. count-1, dynamically spread over `threads` threads
// (for many small, independent items: the segments of an _each_ call).
void run_items(std::size_t count, int threads, void (*f)(void* ctx, std::size_t i), void* ctx);

template <class F>
void for_each_item(std::size_t count, int threads, F&& f) {
  if (threads <= 1 || count <= 1) {
    for (std::size_t i = 0; i < count; ++i) f(i);
    return;
  }
  run_items(count, threads, [](void* ctx, std::size_t i) { (*static_cast<F*>(ctx))(i); }, &f);
}

// A mutex for merging per-thread results.
void lock_merge();
void unlock_merge();

}  // namespace projection::detail
