/* A C99 MPI consumer of the installed projection: only the staging prefix's headers
 * (projection/projection_mpi.h, header only) and library, through pkg-config, built with
 * mpicc. Each rank adds its shard of a global vector (offsets at multiples of
 * PROJECTION_BLOCK), all-reduces, and checks its results bitwise against the single call
 * on the whole vector. Run by tests/consumers/run under mpirun -np 2. */
#include <projection/projection_mpi.h>

#include <stdio.h>
#include <string.h>

#define N (3 * PROJECTION_BLOCK + 5)

static float a[N], b[N], g_single[N], g_shard[N];

int main(int argc, char **argv) {
  int rank, size, failures = 0, all = 0, rc;
  size_t i, lo, hi, blocks = (N + PROJECTION_BLOCK - 1) / PROJECTION_BLOCK;
  double alpha1, scale1, alpha, scale;
  projection_partials p;
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  for (i = 0; i < N; ++i) {
    a[i] = (float)((i * 7919) % 1000) / 100.0f - 5.0f;
    b[i] = (float)((i * 104729) % 997) / 90.0f - 4.0f;
  }
  lo = blocks * (size_t)rank / (size_t)size * PROJECTION_BLOCK;
  hi = blocks * (size_t)(rank + 1) / (size_t)size * PROJECTION_BLOCK;
  if (lo > N) lo = N;
  if (hi > N) hi = N;

  projection_equivalent_alpha_f32(a, b, N, &alpha1, &scale1);
  projection_alphaless_gradient_f32(a, b, N, g_single);

  projection_partials_init(&p);
  if (projection_partials_add_f32(&p, a + lo, b + lo, hi - lo, lo) != PROJECTION_OK) ++failures;
  rc = projection_mpi_allreduce(&p, MPI_COMM_WORLD);
  if (rc != PROJECTION_OK) ++failures;
  if (projection_partials_equivalent_alpha(&p, &alpha, &scale) != PROJECTION_OK) ++failures;
  if (memcmp(&alpha, &alpha1, sizeof alpha) != 0 || memcmp(&scale, &scale1, sizeof scale) != 0)
    ++failures;
  if (projection_partials_alphaless_gradient_f32(&p, a + lo, b + lo, hi - lo, g_shard + lo) !=
          PROJECTION_OK ||
      memcmp(g_shard + lo, g_single + lo, (hi - lo) * sizeof(float)) != 0)
    ++failures;
  MPI_Allreduce(&failures, &all, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  if (rank == 0)
    printf("%d ranks: alpha %.17g scale %.17g, %s\n", size, alpha, scale,
           all ? "MISMATCH with the single call" : "bitwise the single call");
  MPI_Finalize();
  return all ? 1 : 0;
}
