#include "parallel.hpp"

#include <omp.h>

#include <atomic>
#include <mutex>

#include "fork.hpp"
#include "threads.hpp"

namespace projection::detail {

namespace {
std::atomic<int> g_threads{0};  // 0: the OpenMP default
std::mutex g_merge;
}  // namespace

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

void run_team(int threads, void (*f)(void* ctx, int t, int T), void* ctx) {
#pragma omp parallel num_threads(threads)
  f(ctx, omp_get_thread_num(), omp_get_num_threads());
}

void run_items(std::size_t count, int threads, void (*f)(void* ctx, std::size_t i), void* ctx) {
  const auto n = static_cast<long long>(count);
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
  for (long long i = 0; i < n; ++i) f(ctx, static_cast<std::size_t>(i));
}

void lock_merge() { g_merge.lock(); }
void unlock_merge() { g_merge.unlock(); }

}  // namespace projection::detail
