/* Two OpenMP runtimes in one process (issue 12, item 3): this program is compiled with
 * clang -fopenmp=libomp, so its own parallel regions run on LLVM's libomp, while the
 * library was built with GCC against libgomp. It calls the library outside its
 * regions and from every thread of its own region, and forks after a parallel call;
 * every result must be bitwise equal to a one-thread result.
 *
 * Which runtime runs the library's own teams depends on the link order: libomp also
 * defines GCC's GOMP_* entry points, so when libomp comes first in the lookup order
 * (linked before libgomp) the library's regions run on libomp; when libgomp is linked
 * first they run on libgomp, and two thread pools live side by side. ctest runs both
 * builds; the program prints which one it is.
 * Exit status 0 when all passed. */
#define _GNU_SOURCE

#include <dlfcn.h>
#include <omp.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

static inputs in;
static results ref;

static int check(const char *what) {
  results r;
  const char *d;
  alloc_results(&r, in.n);
  compute(&in, &r);
  d = differs(&r, &ref);
  free_results(&r);
  if (d) printf("FAIL: %s: %s differs\n", what, d);
  return d != NULL;
}

/* Both runtimes must really be in the process, or the test proves nothing. */
static int loaded(const char *name) {
  char line[4096];
  int found = 0;
  FILE *f = fopen("/proc/self/maps", "r");
  if (!f) return -1;
  while (fgets(line, sizeof line, f))
    if (strstr(line, name)) { found = 1; break; }
  fclose(f);
  return found;
}

/* The runtime whose GOMP_parallel the library's regions call. */
static const char *library_runtime(void) {
  Dl_info info;
  void *f = dlsym(RTLD_DEFAULT, "GOMP_parallel");
  if (!f || !dladdr(f, &info) || !info.dli_fname) return "?";
  if (strstr(info.dli_fname, "libgomp")) return "libgomp";
  if (strstr(info.dli_fname, "libomp")) return "libomp";
  return info.dli_fname;
}

int main(void) {
  const char *d;
  int bad = 0, team = 0;
  pid_t pid;
  make_inputs(&in, LARGE_N);
  alloc_results(&ref, in.n);
  projection_set_num_threads(1);
  compute(&in, &ref);
  if ((d = wrong(&in, &ref)) != NULL) { printf("FAIL: one-thread results wrong: %s\n", d); return 1; }
  projection_set_num_threads(4);
  bad |= check("outside the caller's region");
  /* The team is counted with an atomic, not omp_get_num_threads(): with libgomp first
   * in the lookup order that name resolves to libgomp, which knows nothing of this
   * libomp region. */
#pragma omp parallel num_threads(3) reduction(| : bad)
  {
#pragma omp atomic
    ++team;
    bad |= check("inside the caller's libomp region");
  }
  bad |= check("after the caller's region");
  printf("mixed: libomp %s, libgomp %s, the library's teams run on %s; the caller's libomp "
         "team of %d threads each called the library: %s\n",
         loaded("libomp") == 1 ? "loaded" : "NOT loaded",
         loaded("libgomp") == 1 ? "loaded" : "NOT loaded", library_runtime(), team,
         bad ? "FAILED" : "results bitwise equal");
  if (loaded("libomp") != 1 || loaded("libgomp") != 1 || team < 2) bad = 1;

  /* fork after parallel calls of both runtimes */
  fflush(stdout);
  pid = fork();
  if (pid == 0) {
    int child_bad;
    alarm((unsigned)fork_limit());
    child_bad = check("in a forked child");
#pragma omp parallel num_threads(2) reduction(| : child_bad)
    child_bad |= check("in a forked child, inside a libomp region");
    _exit(child_bad);
  } else {
    int st = 0;
    waitpid(pid, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
      printf("FAIL: the forked child %s\n", WIFSIGNALED(st) ? "hung (killed by its alarm)" : "failed");
      bad = 1;
    } else {
      printf("mixed: a forked child computed outside and inside a libomp region: results bitwise equal\n");
    }
  }
  return bad ? 1 : 0;
}
