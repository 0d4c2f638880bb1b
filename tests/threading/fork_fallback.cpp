// The fallback of the fork mechanism (src/fork.hpp): when the OpenMP runtime does not
// release the forking thread's pool before fork(), the child's copy of that thread
// must compute alone (its pool's workers do not exist), report one thread, and still
// give bitwise equal results; a thread created in the child has a pool of its own and
// uses the full count; a grandchild forked from the marked thread stays marked.
// The test hook makes the `prepare` handler skip the release. Links the static library.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "common.h"
#include "fork.hpp"

namespace {

inputs in;
results parent_results;

int check_here(const char* who, int want_threads) {
  results r;
  alloc_results(&r, in.n);
  const int threads = projection_get_num_threads();
  compute(&in, &r);
  const char* d = differs(&r, &parent_results);
  std::printf("%s: %d threads, %s\n", who, threads, d ? d : "results bitwise equal to the parent's");
  std::fflush(stdout);
  free_results(&r);
  if (threads != want_threads) {
    std::printf("%s: FAIL: projection_get_num_threads() is %d, expected %d\n", who, threads,
                want_threads);
    return 1;
  }
  return d != nullptr;
}

// 0 when `pid` exits with status 0 within the limit; kills it otherwise.
int wait_for(pid_t pid, const char* who) {
  const double limit = fork_limit();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(limit);
  int st = 0;
  while (waitpid(pid, &st, WNOHANG) != pid) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &st, 0);
      std::printf("%s: FAIL: no answer within %.0f s (hung), killed\n", who, limit);
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (WIFEXITED(st) && WEXITSTATUS(st) == 0) return 0;
  std::printf("%s: FAIL: %s %d\n", who, WIFSIGNALED(st) ? "signal" : "exit status",
              WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
  return 1;
}

int child() {
  int bad = check_here("child, the thread that forked", 1);
  projection_set_num_threads(2);  // stored, but this thread still computes alone
  bad |= check_here("child, the thread that forked, after projection_set_num_threads(2)", 1);
  int thread_bad = 0;
  std::thread t([&] { thread_bad = check_here("child, a new thread", 2); });
  t.join();
  bad |= thread_bad;
  std::fflush(stdout);
  const pid_t pid = fork();
  if (pid == 0) {
    alarm(static_cast<unsigned>(fork_limit()) + 5);
    _exit(check_here("grandchild of the marked thread", 1));
  }
  bad |= wait_for(pid, "grandchild");
  return bad;
}

}  // namespace

int main() {
  make_inputs(&in, LARGE_N);
  alloc_results(&parent_results, in.n);
  projection_set_num_threads(4);
  compute(&in, &parent_results);
  if (const char* d = wrong(&in, &parent_results)) {
    std::printf("FAIL: the parent's results are wrong: %s\n", d);
    return 1;
  }
  std::printf("parent: %d threads; the fork handler is told not to release the pool\n",
              projection_get_num_threads());
  projection::detail::skip_pool_release_for_testing(true);
  std::fflush(stdout);
  const pid_t pid = fork();
  if (pid == 0) {
    alarm(2 * static_cast<unsigned>(fork_limit()) + 5);
    _exit(child());
  }
  int bad = wait_for(pid, "child");
  projection::detail::skip_pool_release_for_testing(false);
  projection_set_num_threads(4);
  bad |= check_here("parent afterwards", 4);
  std::printf(bad ? "fork fallback: FAILED\n" : "fork fallback: all passed\n");
  free_results(&parent_results);
  return bad;
}
