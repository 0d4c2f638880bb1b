/* The cost of projection_mpi_allreduce of one projection_partials, per call.
 *
 * Each rank adds a shard of 4 blocks of float data once, then makes `iterations` calls
 * of projection_mpi_allreduce, each on a fresh copy of its partials (a 2 KiB memcpy,
 * included in the time), timing every call on its own with MPI_Wtime. Reported, in
 * microseconds: the median over the calls (the largest of the ranks' medians), the
 * 10th and 90th percentiles likewise; for comparison the same for an MPI_Allreduce of
 * the same 2048 bytes with MPI's built-in MPI_BOR (no user function, no checks), and
 * one local projection_partials_merge.
 *
 * Usage: mpirun -np N projection_mpi_allreduce_bench [iterations=10000]
 * Prints one JSON line on rank 0. */
#define _POSIX_C_SOURCE 200809L
#include <projection/projection_mpi.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int cmp_double(const void *x, const void *y) {
  const double a = *(const double *)x, b = *(const double *)y;
  return a < b ? -1 : a > b;
}

typedef void (*op_fn)(void *ctx);

/* Per-call times of f; q[0..2] = the 10th, 50th and 90th percentile, each the largest
 * over the ranks. */
static void time_calls(op_fn f, void *ctx, int iterations, double q[3]) {
  double *t = (double *)malloc(sizeof(double) * (size_t)iterations), mine[3];
  int i;
  for (i = 0; i < 100; ++i) f(ctx); /* warm up */
  MPI_Barrier(MPI_COMM_WORLD);
  for (i = 0; i < iterations; ++i) {
    const double t0 = MPI_Wtime();
    f(ctx);
    t[i] = MPI_Wtime() - t0;
  }
  qsort(t, (size_t)iterations, sizeof *t, cmp_double);
  mine[0] = t[iterations / 10];
  mine[1] = t[iterations / 2];
  mine[2] = t[iterations * 9 / 10];
  MPI_Allreduce(mine, q, 3, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  free(t);
}

typedef struct {
  projection_partials p, work;
  int status;
} bench_ctx;

static void op_allreduce(void *c) {
  bench_ctx *x = (bench_ctx *)c;
  memcpy(&x->work, &x->p, sizeof x->p); /* each call reduces fresh partials */
  x->status |= projection_mpi_allreduce(&x->work, MPI_COMM_WORLD);
}
static void op_bor(void *c) {
  bench_ctx *x = (bench_ctx *)c;
  memcpy(&x->work, &x->p, sizeof x->p);
  MPI_Allreduce(MPI_IN_PLACE, &x->work, PROJECTION_PARTIALS_SIZE, MPI_BYTE, MPI_BOR,
                MPI_COMM_WORLD);
}
static void op_merge(void *c) {
  bench_ctx *x = (bench_ctx *)c;
  memcpy(&x->work, &x->p, sizeof x->p);
  x->status |= projection_partials_merge(&x->work, &x->p);
}

int main(int argc, char **argv) {
  int iterations = argc > 1 ? atoi(argv[1]) : 10000;
  int rank, size, i;
  const size_t n = 4 * PROJECTION_BLOCK;
  float *a, *b;
  bench_ctx ctx;
  double ar[3], bor[3], merge[3];
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);

  if (iterations < 10) iterations = 10;
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  a = (float *)malloc(n * sizeof *a);
  b = (float *)malloc(n * sizeof *b);
  for (i = 0; i < (int)n; ++i) {
    a[i] = (float)((i * 37 + rank) % 101) - 50.0f;
    b[i] = (float)((i * 11 + 3 * rank) % 97) - 48.0f;
  }
  projection_partials_init(&ctx.p);
  ctx.status = projection_partials_add_f32(&ctx.p, a, b, n, (uint64_t)rank * n);

  time_calls(op_allreduce, &ctx, iterations, ar);
  time_calls(op_bor, &ctx, iterations, bor);
  time_calls(op_merge, &ctx, iterations, merge);

  if (rank == 0)
    printf("{\"ranks\": %d, \"online_cpus\": %ld, \"oversubscribed\": %s, \"iterations\": %d, "
           "\"bytes\": %d, \"allreduce_us\": {\"p10\": %.3f, \"median\": %.3f, \"p90\": %.3f}, "
           "\"mpi_bor_allreduce_us\": {\"p10\": %.3f, \"median\": %.3f, \"p90\": %.3f}, "
           "\"merge_us\": {\"median\": %.3f}, \"status\": %d}\n",
           size, cpus, size > cpus ? "true" : "false", iterations, PROJECTION_PARTIALS_SIZE,
           ar[0] * 1e6, ar[1] * 1e6, ar[2] * 1e6, bor[0] * 1e6, bor[1] * 1e6, bor[2] * 1e6,
           merge[1] * 1e6, ctx.status);
  free(a);
  free(b);
  MPI_Finalize();
  return ctx.status == 0 ? 0 : 1;
}
