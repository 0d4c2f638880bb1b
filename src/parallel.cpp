#include "parallel.hpp"

#include <omp.h>

#include <atomic>

#include "fork.hpp"
#include "threads.hpp"

namespace projection::detail {

namespace {
std::atomic<int> g_threads{0};  // 0: the OpenMP default
}

void set_num_threads(int n) { g_threads.store(n > 0 ? n : 0, std::memory_order_relaxed); }

int get_num_threads() {
  if (!thread_may_open_team()) return 1;  // see fork.hpp
  const int n = g_threads.load(std::memory_order_relaxed);
  return n > 0 ? n : omp_get_max_threads();
}

int threads_for(std::size_t n) {
  const int t = n < kParallelMin ? 1 : get_num_threads();
  if (t > 1) note_team_ahead();  // fork handlers in place before the first team (fork.hpp)
  return t;
}

void run_chunks(const Blocking& b, void (*f)(void* ctx, std::size_t c), void* ctx) {
  int t = threads_for(b.n);
  if (static_cast<std::size_t>(t) > b.count) t = static_cast<int>(b.count);
  const auto count = static_cast<long long>(b.count);
#pragma omp parallel for num_threads(t) schedule(static)
  for (long long c = 0; c < count; ++c) f(ctx, static_cast<std::size_t>(c));
}

}  // namespace projection::detail
