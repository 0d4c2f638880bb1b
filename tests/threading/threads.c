/* Ways of calling the library that must keep working (issue 12, item 3). Every result
 * is compared bitwise with one computed on the main thread with one thread.
 *
 *   projection_threads_test nested   calls from inside the caller's own OpenMP parallel
 *                                    region (same runtime as the library), with nesting
 *                                    off (the default) and on
 *   projection_threads_test stack    calls on a thread with a 64 KiB stack, large
 *                                    (parallel) and small inputs
 *   projection_threads_test env      the OMP_NUM_THREADS the test was started with (ctest
 *                                    runs it with 0, abc, -3): calls succeed, correct
 *   projection_threads_test own-team-fork
 *                                    the caller's own OpenMP team (not the library) ran
 *                                    on the main thread, then fork(): the child's calls
 *                                    finish, with a full team (issue 12)
 *
 * Built with -fopenmp. Exit status 0 when all passed. */
#define _POSIX_C_SOURCE 200809L

#include <limits.h>
#include <omp.h>
#include <pthread.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

static inputs large, small;
static results ref_large, ref_small;

static int check(const char *what, const inputs *in, const results *ref) {
  results r;
  const char *d;
  alloc_results(&r, in->n);
  compute(in, &r);
  d = differs(&r, ref);
  free_results(&r);
  if (d) printf("FAIL: %s: %s differs\n", what, d);
  return d != NULL;
}

static int nested(void) {
  int bad = 0, level;
  projection_set_num_threads(2); /* with nesting on, the library opens a nested team */
  for (level = 1; level <= 2; ++level) {
    int team = 0;
    omp_set_max_active_levels(level); /* 1: the library's region gets one thread; 2: a team */
#pragma omp parallel num_threads(3) reduction(| : bad)
    {
#pragma omp single
      team = omp_get_num_threads();
      bad |= check("call inside the caller's parallel region", &large, &ref_large);
      bad |= check("small call inside the caller's parallel region", &small, &ref_small);
    }
    printf("nested: max-active-levels %d, the caller's team of %d threads each called the "
           "library: %s\n", level, team, bad ? "FAILED" : "results bitwise equal");
  }
  return bad;
}

static void *on_small_stack(void *arg) {
  int *bad = (int *)arg;
  *bad |= check("large call on a 64 KiB stack", &large, &ref_large);
  *bad |= check("small call on a 64 KiB stack", &small, &ref_small);
  return NULL;
}

static int stack(void) {
  pthread_attr_t attr;
  pthread_t t;
  int bad = 0, rc;
  projection_set_num_threads(4); /* a team even on one CPU */
  pthread_attr_init(&attr);
  /* 64 KiB, or the platform's minimum where that is larger (128 KiB on aarch64,
     whose pages may be 64 KiB). */
  size_t stack = 64 * 1024;
  if ((size_t)PTHREAD_STACK_MIN > stack) stack = (size_t)PTHREAD_STACK_MIN;
  rc = pthread_attr_setstacksize(&attr, stack);
  if (rc != 0) { printf("FAIL: pthread_attr_setstacksize(%zu KiB): %d\n", stack / 1024, rc); return 1; }
  rc = pthread_create(&t, &attr, on_small_stack, &bad);
  pthread_attr_destroy(&attr);
  if (rc != 0) { printf("FAIL: pthread_create with a 64 KiB stack: %d\n", rc); return 1; }
  pthread_join(t, NULL);
  printf("stack: a thread with a %zu KiB stack, n = %zu (%d threads) and n = %zu: %s\n",
         stack / 1024, large.n, projection_get_num_threads(), small.n,
         bad ? "FAILED" : "results bitwise equal");
  return bad;
}

static int env(void) {
  const char *v = getenv("OMP_NUM_THREADS");
  int bad = 0, t = projection_get_num_threads();
  if (t < 1) { printf("FAIL: projection_get_num_threads() = %d\n", t); bad = 1; }
  bad |= check("default thread count", &large, &ref_large);
  projection_set_num_threads(3);
  bad |= check("3 threads", &large, &ref_large);
  projection_set_num_threads(0);
  bad |= check("default thread count again", &large, &ref_large);
  printf("env: OMP_NUM_THREADS=%s%s%s: %d threads by default, %s\n", v ? "\"" : "",
         v ? v : "(unset)", v ? "\"" : "", t, bad ? "FAILED" : "results correct and bitwise equal");
  return bad;
}

/* libgomp's pool on the main thread belongs to the caller's code here: the library has
 * opened no team in this process when it forks. */
static int own_team_fork(void) {
  volatile int team = 0;
  pid_t pid;
  int st = 0, waited = 0;
  const double limit = fork_limit();
  struct timespec tick = {0, 10 * 1000 * 1000};
#pragma omp parallel num_threads(4)
  {
#pragma omp atomic
    ++team;
  }
  fflush(stdout);
  pid = fork();
  if (pid < 0) { perror("fork"); return 1; }
  if (pid == 0) {
    int bad, t;
    alarm((unsigned)limit + 5);
    projection_set_num_threads(4);
    t = projection_get_num_threads();
    bad = check("the child's call", &large, &ref_large);
    printf("own-team-fork: child: %d threads, %s\n", t, bad ? "FAILED" : "results bitwise equal");
    fflush(stdout);
    _exit(bad || t != 4);
  }
  while (waitpid(pid, &st, WNOHANG) != pid) {
    if (++waited > 100 * limit) { /* 10 ms a tick */
      kill(pid, SIGKILL);
      waitpid(pid, &st, 0);
      printf("FAIL: own-team-fork: the child did not finish within %.0f s (hung), killed\n",
             limit);
      return 1;
    }
    nanosleep(&tick, NULL);
  }
  printf("own-team-fork: the caller's team of %d threads ran, then fork(): child %s\n", team,
         WIFEXITED(st) && WEXITSTATUS(st) == 0 ? "passed" : "FAILED");
  return !(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "";
  const char *d;
  int bad;
  make_inputs(&large, LARGE_N);
  make_inputs(&small, SMALL_N);
  alloc_results(&ref_large, large.n);
  alloc_results(&ref_small, small.n);
  projection_set_num_threads(1);
  compute(&large, &ref_large);
  compute(&small, &ref_small);
  projection_set_num_threads(0);
  if ((d = wrong(&large, &ref_large)) != NULL || (d = wrong(&small, &ref_small)) != NULL) {
    printf("FAIL: the one-thread results are wrong: %s\n", d);
    return 1;
  }
  if (!strcmp(mode, "nested")) bad = nested();
  else if (!strcmp(mode, "stack")) bad = stack();
  else if (!strcmp(mode, "env")) bad = env();
  else if (!strcmp(mode, "own-team-fork")) bad = own_team_fork();
  else { fprintf(stderr, "usage: %s nested|stack|env|own-team-fork\n", argv[0]); return 2; }
  return bad ? 1 : 0;
}
