/* fork() after a parallel call (issue 12): the parent opens an OpenMP team, forks,
 * and the child, a grandchild, a child forked from a second thread, and the parent
 * afterwards each compute every operation again; all must finish within a time limit
 * and give results bitwise equal to the parent's. A child that hangs is killed when
 * its time is up and the test fails (it never stalls).
 *
 * Usage: projection_fork_test   (the time limit per child: fork_limit() in common.h)
 * Exit status 0 when everything passed, 1 otherwise. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

static inputs in;
static results parent_results; /* the children inherit these through fork() */
static double limit;
static int failures = 0;

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Computes in this process and compares with the parent's results. 0 when equal. */
static int check_here(const char *who, int want_threads) {
  results r;
  const char *d;
  double t0 = now();
  int threads = projection_get_num_threads();
  alloc_results(&r, in.n);
  compute(&in, &r);
  d = differs(&r, &parent_results);
  printf("%s: %d threads, %s (%.0f ms)\n", who, threads,
         d ? d : "results bitwise equal to the parent's", 1e3 * (now() - t0));
  fflush(stdout);
  free_results(&r);
  if (want_threads > 0 && threads != want_threads) {
    printf("%s: FAIL: projection_get_num_threads() is %d, expected %d\n", who, threads,
           want_threads);
    return 1;
  }
  return d != NULL;
}

/* Waits for `pid` at most `limit` seconds; kills it when its time is up. 0 when it
 * exited with status 0. */
static int wait_for(pid_t pid, const char *who) {
  double deadline = now() + limit;
  struct timespec tick = {0, 5 * 1000 * 1000};
  int st;
  for (;;) {
    pid_t r = waitpid(pid, &st, WNOHANG);
    if (r == pid) break;
    if (r < 0 && errno != EINTR) { perror("waitpid"); return 1; }
    if (now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &st, 0);
      printf("%s: FAIL: no answer within %.0f s (hung), killed\n", who, limit);
      fflush(stdout);
      return 1;
    }
    nanosleep(&tick, NULL);
  }
  if (WIFEXITED(st) && WEXITSTATUS(st) == 0) return 0;
  if (WIFSIGNALED(st))
    printf("%s: FAIL: killed by signal %d\n", who, WTERMSIG(st));
  else
    printf("%s: FAIL: exit status %d\n", who, WEXITSTATUS(st));
  fflush(stdout);
  return 1;
}

/* The grandchild: forked by a child that computed in parallel itself. */
static int grandchild(void) { return check_here("  grandchild", 4); }

/* The child: computes, sets another thread count and computes again, then forks a
 * grandchild and waits for it. */
static int child(const char *who) {
  int bad = check_here(who, 4);
  char name[64];
  pid_t pid;
  projection_set_num_threads(2);
  snprintf(name, sizeof name, "%s, projection_set_num_threads(2)", who);
  bad |= check_here(name, 2);
  projection_set_num_threads(4);
  fflush(stdout);
  pid = fork();
  if (pid < 0) { perror("fork"); return 1; }
  if (pid == 0) {
    alarm((unsigned)limit + 5); /* a backstop should this process be orphaned */
    _exit(grandchild());
  }
  bad |= wait_for(pid, "  grandchild");
  return bad;
}

/* Forks, runs `child` in the child with a backstop alarm, and waits with the limit. */
static int fork_and_check(const char *who) {
  pid_t pid;
  fflush(stdout);
  pid = fork();
  if (pid < 0) { perror("fork"); return 1; }
  if (pid == 0) {
    alarm(2 * (unsigned)limit + 5);
    _exit(child(who));
  }
  return wait_for(pid, who);
}

/* A second thread of the parent makes a parallel call and forks: the child is a copy
 * of that thread, not of the main one. */
static void *from_second_thread(void *arg) {
  int *bad = (int *)arg;
  *bad |= check_here("parent, second thread", 4);
  *bad |= fork_and_check("child of the second thread");
  return NULL;
}

int main(void) {
  results serial;
  const char *d;
  pthread_t t;
  int thread_bad = 0;
  limit = fork_limit();

  make_inputs(&in, LARGE_N);
  alloc_results(&parent_results, in.n);
  alloc_results(&serial, in.n);

  /* The reference: one thread, no team. */
  projection_set_num_threads(1);
  compute(&in, &serial);
  if ((d = wrong(&in, &serial)) != NULL) {
    printf("FAIL: the serial results are wrong: %s\n", d);
    return 1;
  }
  /* Four threads whatever the machine, so that a team is opened even on one CPU. */
  projection_set_num_threads(4);
  compute(&in, &parent_results);
  if ((d = differs(&parent_results, &serial)) != NULL) {
    printf("FAIL: 4 threads and 1 thread differ: %s\n", d);
    return 1;
  }
  printf("parent: %d threads, results bitwise equal to one thread's (n = %zu, %s kernels)\n",
         projection_get_num_threads(), in.n, projection_simd_arch());

  failures |= fork_and_check("child");
  failures |= check_here("parent afterwards", 4);
  failures |= fork_and_check("second child");
  failures |= check_here("parent afterwards", 4);

  if (pthread_create(&t, NULL, from_second_thread, &thread_bad) != 0) {
    printf("FAIL: pthread_create\n");
    return 1;
  }
  pthread_join(t, NULL);
  failures |= thread_bad;
  failures |= check_here("parent at the end", 4);

  free_results(&serial);
  free_results(&parent_results);
  printf(failures ? "fork: FAILED\n" : "fork: all passed\n");
  return failures ? 1 : 0;
}
