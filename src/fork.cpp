// fork() safety; the reasons are in fork.hpp.
#include "fork.hpp"

#include <omp.h>
#include <pthread.h>

#include <atomic>
#include <mutex>

namespace projection::detail {

namespace {

// Per thread, and copied into the child by fork() for the one thread that forked.
// Trivial thread_locals: no constructor, no destructor.
thread_local bool t_opened_team = false;  // a top-level team of ours since the pool was released
thread_local bool t_released = false;     // the last `prepare` on this thread released its pool
thread_local bool t_no_team = false;      // forked with a pool of ours that was not released

std::once_flag g_install;
std::atomic<bool> g_skip_release{false};

// Runs in the forking thread just before fork(). Releasing an empty pool costs nothing;
// a pool's workers are joined. Fails (non-zero) inside a parallel region: then the
// child's calls on this thread are nested regions, which use no pool. A thread marked
// t_no_team holds a pool whose workers do not exist: releasing it would wait forever.
void prepare() {
  t_released = false;
  if (t_no_team || g_skip_release.load(std::memory_order_relaxed)) return;
  if (omp_pause_resource_all(omp_pause_soft) == 0) {
    t_released = true;
    t_opened_team = false;
  }
}

// Runs in the child, on its only thread (the one that forked).
void child() {
  if (t_opened_team && !t_released) t_no_team = true;
}

void install() { pthread_atfork(prepare, nullptr, child); }

void install_once() { std::call_once(g_install, install); }

// At load time, so that a fork before the library's first team is covered too (the
// program's own OpenMP or PyTorch may have opened a pool on the forking thread).
[[maybe_unused]] const bool g_installed_at_load = (install_once(), true);

}  // namespace

void note_team_ahead() {
  install_once();
  if (omp_get_level() == 0) t_opened_team = true;
}

bool thread_may_open_team() { return !t_no_team; }

void skip_pool_release_for_testing(bool skip) {
  g_skip_release.store(skip, std::memory_order_relaxed);
}

}  // namespace projection::detail
